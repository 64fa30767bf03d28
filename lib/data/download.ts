/**
 * Exchange data downloads through ccxt: OHLCV bars, funding rate history and
 * open interest history, paginated, rate-limited, resumable, with progress,
 * then written through the validated ingest (`ingestFiles`) into the catalog.
 *
 * - Pagination (ccxt 4.5, Binance): `fetchOHLCV(symbol, tf, since, 1000)`
 *   returns at most 1,000 bars; the next page starts at the last bar + one
 *   period. `fetchFundingRateHistory` (1,000 a page) and
 *   `fetchOpenInterestHistory` (5m..1d, 500 a page) page the same way.
 * - Resume: every page is appended to a staging CSV per symbol and kind
 *   (`<dir>/<symbol>.<kind>.csv`) before the next request, so an interrupted
 *   download continues after the last stored row (nothing fetched twice, no gap).
 * - Rate limits: ccxt's own throttle (`enableRateLimit`) plus a bounded
 *   exponential backoff on `NetworkError` (Binance HTTP 418/429 raise
 *   `DDoSProtection`, a NetworkError subclass).
 * - Only closed bars are kept: a bar whose period has not ended at `until` is dropped.
 * - Ingest: bars as dataset `<dataset>`, funding as `<dataset>_funding` and
 *   open interest as `<dataset>_open_interest` (kind 'open_interest'), both
 *   attached to it, each through the validated ingest.
 * Times are epoch ms UTC; the staging CSVs hold ISO times.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ccxt, { type Exchange } from 'ccxt';
import { FREQUENCY_MS, type Frequency } from './panel.js';
import { ingestFiles } from './ingest.js';
import type { Db } from '../db/index.js';

/** What to download. */
export interface DownloadOptions {
  /** A ccxt exchange (e.g. `new ccxt.binanceusdm()`; tests route it to a local server). */
  exchange: Exchange;
  /** Exchange symbol ids ('BTCUSDT') or unified symbols ('BTC/USDT:USDT'). */
  symbols: readonly string[];
  timeframe: Frequency;
  /** First bar time, epoch ms. */
  since: number;
  /** End (exclusive), epoch ms (default now). */
  until?: number;
  funding?: boolean;
  openInterest?: boolean;
  /** Staging folder of the CSVs (resume state). */
  dir: string;
  /** Catalog dataset to ingest into (omit to only stage the CSVs). */
  dataset?: string;
  db?: Db;
  lakeDir?: string;
  /** Called after every page: rows so far and the fraction of the time span covered. */
  onProgress?: (p: { symbol: string; kind: DownloadKind; rows: number; fraction: number }) => void;
  /** Retries on a NetworkError (default 5) and the first backoff in ms (doubles; default 1,000). */
  retries?: number;
  backoffMs?: number;
}

/** The three series. */
export type DownloadKind = 'bars' | 'funding' | 'open_interest';

/** Rows per symbol and kind, where the files are, and what was ingested. */
export interface DownloadReport {
  rows: Record<string, Partial<Record<DownloadKind, number>>>;
  /** Rows fetched in this call (the rest came from the staging files of an earlier run). */
  fetched: number;
  requests: number;
  files: string[];
  ingested: { bars: string | null; funding: string | null; openInterest: string | null };
}

const HEADER: Record<DownloadKind, string> = { bars: 'time,symbol,open,high,low,close,volume', funding: 'time,symbol,funding_rate', open_interest: 'time,symbol,open_interest,open_interest_value' };
const PAGE: Record<DownloadKind, number> = { bars: 1000, funding: 1000, open_interest: 500 };
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Last time (epoch ms) in a staging CSV, or null when it has no rows. */
function lastStoredTime(file: string): number | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  if (lines.length < 2) return null;
  const t = Date.parse(`${lines.at(-1)!.split(',')[0]}Z`.replace(' ', 'T'));
  return Number.isFinite(t) ? t : null;
}

function countRows(file: string): number {
  return existsSync(file) ? Math.max(0, readFileSync(file, 'utf8').trimEnd().split('\n').length - 1) : 0;
}

/**
 * Downloads (or resumes) the requested series and ingests them (see the module header).
 * @throws Error naming the symbol and series when a page fails after the retries, or from the ingest's validation
 */
export async function downloadMarketData(o: DownloadOptions): Promise<DownloadReport> {
  const ex = o.exchange;
  const until = o.until ?? Date.now();
  const period = FREQUENCY_MS[o.timeframe];
  if (!(o.since < until)) throw new RangeError(`download: since ${iso(o.since)} is not before until ${iso(until)}`);
  mkdirSync(o.dir, { recursive: true });
  await withRetry(o, () => ex.loadMarkets(), 'loadMarkets');
  const report: DownloadReport = { rows: {}, fetched: 0, requests: 0, files: [], ingested: { bars: null, funding: null, openInterest: null } };
  const kinds: DownloadKind[] = ['bars', ...(o.funding ? (['funding'] as const) : []), ...(o.openInterest ? (['open_interest'] as const) : [])];
  for (const s of o.symbols) {
    const market = ex.markets_by_id?.[s]?.[0] ?? ex.markets?.[s];
    if (!market) throw new Error(`download: ${ex.id} has no market ${s}`);
    const id = market.id as string, sym = market.symbol as string;
    report.rows[id] = {};
    for (const kind of kinds) {
      const file = join(o.dir, `${id}.${kind}.csv`);
      if (!existsSync(file)) writeFileSync(file, `${HEADER[kind]}\n`);
      report.files.push(file);
      const step = kind === 'funding' ? 1 : period;
      const last = lastStoredTime(file);
      let cursor = last === null ? o.since : last + step;
      while (cursor < until) {
        const page = await withRetry(o, () => fetchPage(ex, kind, sym, o.timeframe, cursor, until), `${id} ${kind}`);
        report.requests++;
        const rows = page.filter((r) => r[0] >= cursor && r[0] < until && (kind !== 'bars' || r[0] + period <= until));
        if (rows.length === 0) break;
        appendFileSync(file, rows.map((r) => `${iso(r[0])},${id},${r.slice(1).join(',')}`).join('\n') + '\n');
        report.fetched += rows.length;
        cursor = rows.at(-1)![0] + step;
        o.onProgress?.({ symbol: id, kind, rows: countRows(file), fraction: Math.min(1, (cursor - o.since) / (until - o.since)) });
      }
      report.rows[id]![kind] = countRows(file);
    }
  }
  if (o.dataset) {
    const common = { frequency: o.timeframe, market: 'crypto' as const, ...(o.db ? { db: o.db } : {}), ...(o.lakeDir ? { lakeDir: o.lakeDir } : {}) };
    const barFiles = report.files.filter((f) => f.endsWith('.bars.csv'));
    await ingestFiles(barFiles, { dataset: o.dataset, kind: 'bars', ...common });
    report.ingested.bars = o.dataset;
    const fundFiles = report.files.filter((f) => f.endsWith('.funding.csv'));
    if (fundFiles.length > 0 && fundFiles.some((f) => countRows(f) > 0)) {
      await ingestFiles(fundFiles.filter((f) => countRows(f) > 0), { dataset: `${o.dataset}_funding`, kind: 'funding', attachTo: o.dataset, ...common });
      report.ingested.funding = `${o.dataset}_funding`;
    }
    const oiFiles = report.files.filter((f) => f.endsWith('.open_interest.csv') && countRows(f) > 0);
    if (oiFiles.length > 0) {
      await ingestFiles(oiFiles, { dataset: `${o.dataset}_open_interest`, kind: 'open_interest', attachTo: o.dataset, ...common });
      report.ingested.openInterest = `${o.dataset}_open_interest`;
    }
  }
  return report;
}

/** One page of a series as rows [time, ...values]. */
async function fetchPage(ex: Exchange, kind: DownloadKind, sym: string, tf: Frequency, since: number, until: number): Promise<number[][]> {
  if (kind === 'bars') return (await ex.fetchOHLCV(sym, tf, since, PAGE.bars)).map((b) => b.map(Number));
  if (kind === 'funding') return (await ex.fetchFundingRateHistory(sym, since, PAGE.funding)).map((f) => [Number(f.timestamp), Number(f.fundingRate)]);
  const oiTf = tf === '1m' ? '5m' : tf; // open interest history starts at 5m
  return (await ex.fetchOpenInterestHistory(sym, oiTf, since, PAGE.open_interest, { endTime: Math.min(until, since + PAGE.open_interest * FREQUENCY_MS[oiTf as Frequency]) })).map((x) => [Number(x.timestamp), Number(x.openInterestAmount ?? NaN), Number(x.openInterestValue ?? NaN)]);
}

async function withRetry<T>(o: DownloadOptions, fn: () => Promise<T>, what: string): Promise<T> {
  const retries = o.retries ?? 5, backoff = o.backoffMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ccxt.NetworkError) || attempt >= retries) throw new Error(`download ${what}: ${err instanceof Error ? `${err.constructor.name}: ${err.message.slice(0, 300)}` : String(err)}`);
      await new Promise((r) => setTimeout(r, backoff * 2 ** attempt));
    }
  }
}
