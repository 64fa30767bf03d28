/**
 * `alphalab download`: exchange data through ccxt into the catalog (issue 14),
 * registered in bin/alphalab.ts by {@link registerDownloadCommand}. Thin over
 * lib/data `downloadMarketData`.
 *
 *   alphalab download -s BTC,ETH -m 3 --timeframe 1m [--funding] [--open-interest] [--exchange binanceusdm] [--dataset NAME] [--json]
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import ccxt, { type Exchange } from 'ccxt';
import { projectRoot } from '../lib/db/paths.js';
import { downloadMarketData } from '../lib/data/download.js';
import { ensureSymbols } from '../lib/data/ensure.js';
import { Db } from '../lib/db/index.js';
import type { Frequency } from '../lib/data/panel.js';

/** 'BTC' -> 'BTCUSDT' (a bare base gets the USDT quote); full ids are kept. */
export function symbolId(s: string): string {
  const u = s.trim().toUpperCase();
  return /USDT$|USDC$|BUSD$|\//.test(u) ? u : `${u}USDT`;
}

/** Registers `download` on the program. */
export function registerDownloadCommand(program: Command): void {
  program
    .command('download')
    .description('download bars (and funding / open interest) from an exchange through ccxt, resumable, into the catalog')
    .requiredOption('-s, --symbols <list>', 'comma-separated symbols: BTC,ETH or BTCUSDT,ETHUSDT')
    .option('-m, --months <n>', 'months back from now', '3')
    .option('--since <iso>', 'start instead of --months')
    .option('--timeframe <tf>', '1m, 5m, 15m, 1h, 4h, 1d', '1h')
    .option('--funding', 'also funding rate history')
    .option('--open-interest', 'also open interest history (dataset <dataset>_open_interest in the catalog)')
    .option('--exchange <id>', 'ccxt exchange id', 'binanceusdm')
    .option('--dataset <name>', 'catalog dataset (default <exchange>_<timeframe>_download)')
    .option('--json', 'print one summary line')
    .action(async (o: { symbols: string; months: string; since?: string; timeframe: string; funding?: boolean; openInterest?: boolean; exchange: string; dataset?: string; json?: boolean }) => {
      const Ctor = (ccxt as unknown as Record<string, new (c: object) => Exchange>)[o.exchange];
      if (typeof Ctor !== 'function') throw new Error(`download: unknown ccxt exchange "${o.exchange}"`);
      const until = Date.now();
      const since = o.since ? Date.parse(o.since) : until - Number(o.months) * 30 * 86_400_000;
      if (!Number.isFinite(since)) throw new Error(`download: bad --since/--months`);
      const dataset = o.dataset ?? `${o.exchange}_${o.timeframe}_download`;
      const symbols = o.symbols.split(',').filter(Boolean).map(symbolId);
      const bars = new MultiBar({ format: '{symbol} {kind} [{bar}] {percentage}% | {rows} rows', hideCursor: true }, Presets.shades_classic);
      const rowsOf = new Map<string, ReturnType<MultiBar['create']>>();
      try {
        const rep = await downloadMarketData({
          exchange: new Ctor({ enableRateLimit: true }), symbols, timeframe: o.timeframe as Frequency, since, until, funding: !!o.funding, openInterest: !!o.openInterest,
          dir: join(projectRoot(), 'data', 'downloads', dataset), dataset,
          onProgress: (p) => {
            const key = `${p.symbol}.${p.kind}`;
            let b = rowsOf.get(key);
            if (!b) rowsOf.set(key, (b = bars.create(100, 0, { symbol: p.symbol, kind: p.kind, rows: 0 })));
            b.update(Math.round(p.fraction * 100), { symbol: p.symbol, kind: p.kind, rows: p.rows });
          },
        });
        bars.stop();
        const summary = { exchange: o.exchange, dataset, symbols, timeframe: o.timeframe, rows: rep.rows, fetched: rep.fetched, requests: rep.requests, ingested: rep.ingested };
        process.stdout.write(o.json ? `${JSON.stringify(summary)}\n` : `downloaded ${rep.fetched} new rows in ${rep.requests} requests; dataset ${dataset}${rep.ingested.funding ? ` (+ ${rep.ingested.funding})` : ''}\n`);
      } catch (err) {
        bars.stop();
        const m = (err as Error).message;
        if (/NetworkError|RequestTimeout|ExchangeNotAvailable|ENOTFOUND|EAI_AGAIN|fetch failed/.test(m)) throw new Error(`download: no network route to ${o.exchange} (${m.slice(0, 200)}); what was fetched so far is kept and the next run resumes`);
        throw err;
      }
    });
}

/**
 * For research verbs given `--symbols`: the download dataset
 * `<exchange>_<timeframe>_download` (or `dataset`) with every requested symbol,
 * downloading the missing ones (`months` back) through ccxt, with a progress
 * line on stderr. @returns the dataset name
 * @throws DataUnavailableError (lib/data/ensure.ts) when symbols are missing and there is no network route
 */
export async function ensureDownloadedSymbols(o: { symbols: string; timeframe: string; exchange: string; months: number; dataset?: string }): Promise<string> {
  const Ctor = (ccxt as unknown as Record<string, new (c: object) => Exchange>)[o.exchange];
  if (typeof Ctor !== 'function') throw new Error(`unknown ccxt exchange "${o.exchange}"`);
  const dataset = o.dataset ?? `${o.exchange}_${o.timeframe}_download`;
  const symbols = o.symbols.split(',').filter(Boolean).map(symbolId);
  const until = Date.now();
  const db = await Db.open();
  try {
    const r = await ensureSymbols({
      dataset, symbols, timeframe: o.timeframe as Frequency, exchange: new Ctor({ enableRateLimit: true }), since: until - o.months * 30 * 86_400_000, until,
      dir: join(projectRoot(), 'data', 'downloads', dataset), db,
      onProgress: (p) => process.stderr.write(`\rdownloading ${p.symbol} ${p.kind}: ${Math.round(p.fraction * 100)}% (${p.rows} rows)   `),
    });
    if (r.downloaded.length > 0) process.stderr.write(`\ndownloaded ${r.downloaded.join(', ')} into dataset ${dataset}\n`);
    return dataset;
  } finally {
    db.close();
  }
}
