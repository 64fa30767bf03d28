/**
 * "Download what is missing": makes sure a downloaded catalog dataset holds
 * the symbols a research command asks for. Symbols already in the dataset are
 * not fetched again; missing ones are downloaded through
 * {@link downloadMarketData} (resumable staging CSVs in `dir`) and the dataset
 * is ingested again from every staged bar file of `dir` (old symbols and new,
 * through the validated ingest). When the exchange cannot be reached (no
 * network route), {@link DataUnavailableError} says so plainly, names the
 * missing symbols and the command to run where a network is available; the
 * catalog is left as it was.
 *
 * Only datasets built from `dir` are extended (a dataset ingested from other
 * files would lose its own sources in the re-ingest): any other is refused.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ccxt, { type Exchange } from 'ccxt';
import type { Db } from '../db/index.js';
import { findDataset } from './catalog.js';
import { downloadMarketData, type DownloadKind } from './download.js';
import { ingestFiles } from './ingest.js';
import type { Frequency } from './panel.js';

/** The data a command needs is not stored and cannot be downloaded from here. */
export class DataUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataUnavailableError';
  }
}

/** Options of {@link ensureSymbols}. */
export interface EnsureSymbolsOptions {
  /** Catalog dataset (created when absent). */
  dataset: string;
  /** Exchange symbol ids ('BTCUSDT'). */
  symbols: readonly string[];
  timeframe: Frequency;
  /** A ccxt exchange (tests route it to a local server). */
  exchange: Exchange;
  /** First bar to download for a missing symbol, epoch ms. */
  since: number;
  until?: number;
  /** Staging folder of the dataset's downloads (e.g. data/downloads/<dataset>). */
  dir: string;
  db: Db;
  lakeDir?: string;
  onProgress?: (p: { symbol: string; kind: DownloadKind; rows: number; fraction: number }) => void;
  retries?: number;
  backoffMs?: number;
}

/** What {@link ensureSymbols} did. */
export interface EnsureSymbolsResult {
  dataset: string;
  /** Requested symbols that were already stored. */
  present: string[];
  /** Requested symbols downloaded now. */
  downloaded: string[];
}

/**
 * Ensures `dataset` holds every requested symbol (see the module header).
 * @throws DataUnavailableError when symbols are missing and the exchange is unreachable
 * @throws Error when the dataset exists but was not built from `dir`, or from the download / ingest
 */
export async function ensureSymbols(o: EnsureSymbolsOptions): Promise<EnsureSymbolsResult> {
  const entry = await findDataset(o.db, o.dataset);
  const stored = new Set(entry?.symbols ?? []);
  const present = o.symbols.filter((s) => stored.has(s));
  const missing = o.symbols.filter((s) => !stored.has(s));
  if (missing.length === 0) return { dataset: o.dataset, present, downloaded: [] };
  if (entry) {
    const root = resolve(o.dir);
    if (entry.kind !== 'bars' || !entry.sources.every((s) => resolve(s.path).startsWith(root))) throw new Error(`dataset "${o.dataset}" lacks ${missing.join(', ')} and was not built by downloads into ${o.dir}; download into another dataset (alphalab download -s ${missing.join(',')} --dataset NAME)`);
  }
  try {
    await o.exchange.loadMarkets();
  } catch (err) {
    if (err instanceof ccxt.NetworkError || err instanceof TypeError) {
      throw new DataUnavailableError(`dataset "${o.dataset}" lacks ${missing.join(', ')}, and ${o.exchange.id} cannot be reached from here (no network route: ${(err as Error).message.slice(0, 160)}). Nothing was changed. Where a network is available run: alphalab download -s ${missing.join(',')} --timeframe ${o.timeframe} --dataset ${o.dataset}`);
    }
    throw err;
  }
  await downloadMarketData({ exchange: o.exchange, symbols: missing, timeframe: o.timeframe, since: o.since, ...(o.until !== undefined ? { until: o.until } : {}), dir: o.dir, ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.retries !== undefined ? { retries: o.retries } : {}), ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}) });
  const staged = existsSync(o.dir) ? readdirSync(o.dir).filter((f) => f.endsWith('.bars.csv')).sort().map((f) => join(o.dir, f)) : [];
  const withRows = staged.filter((f) => readFileSync(f, 'utf8').trimEnd().split('\n').length > 1);
  const empty = missing.filter((s) => !withRows.some((f) => f.endsWith(`${s}.bars.csv`)));
  if (empty.length > 0) throw new Error(`download: ${o.exchange.id} returned no closed bars for ${empty.join(', ')} since ${new Date(o.since).toISOString()}`);
  await ingestFiles(withRows, { dataset: o.dataset, kind: 'bars', frequency: o.timeframe, market: 'crypto', db: o.db, ...(o.lakeDir ? { lakeDir: o.lakeDir } : {}) });
  return { dataset: o.dataset, present, downloaded: missing };
}
