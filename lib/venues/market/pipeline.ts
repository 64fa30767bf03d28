/**
 * The meme-token data pipeline: trending tokens from Birdeye and / or
 * DexScreener -> the liquidity and FDV filter -> a snapshot table
 * (`meme_tokens`, every token with whether it passed) -> OHLCV bars of the
 * tokens that passed (Birdeye) -> written through the validated ingest
 * (`lib/data` `ingestFiles`: the same checks, atomic write and catalog entry
 * as any dataset; asset id = mint address, since meme-token symbols collide).
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../db/index.js';
import { ingestFiles } from '../../data/index.js';
import type { QualityReport } from '../../data/index.js';
import type { Frequency } from '../../data/panel.js';
import type { BirdeyeClient } from './birdeye.js';
import type { DexScreenerClient } from './dexscreener.js';
import { DEFAULT_MEME_FILTER, passesMemeFilter, type MemeToken, type MemeTokenFilter, type TokenBar } from './types.js';

/** Creates `meme_tokens` when missing. */
async function ensureTable(db: Db): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS meme_tokens (
    snapshot_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL, address VARCHAR NOT NULL, symbol VARCHAR, name VARCHAR, chain VARCHAR,
    price_usd DOUBLE, liquidity_usd DOUBLE, fdv_usd DOUBLE, market_cap_usd DOUBLE, volume_24h_usd DOUBLE, rank DOUBLE, passed BOOLEAN NOT NULL,
    PRIMARY KEY (snapshot_at, source, address))`);
}

/** Stores a snapshot of tokens (one statement) with the filter verdict of each; a token listed twice by one source is stored once. */
export async function recordMemeTokens(db: Db, tokens: readonly MemeToken[], filter: MemeTokenFilter = DEFAULT_MEME_FILTER, at: number = Date.now()): Promise<void> {
  await ensureTable(db);
  const ts = new Date(at).toISOString().replace('T', ' ').replace('Z', '');
  const n = (x: number): number | null => (Number.isFinite(x) ? x : null);
  const uniq = new Map<string, MemeToken>();
  for (const t of tokens) uniq.set(`${t.source}:${t.address}`, t);
  const rows = [...uniq.values()];
  if (!rows.length) return;
  // one statement for the snapshot (per-row INSERTs cost ~0.1 s each on a file database)
  await db.exec(`INSERT OR REPLACE INTO meme_tokens VALUES ${rows.map(() => '(?::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, rows.flatMap((t) => [
    ts, t.source, t.address, t.symbol, t.name, t.chain, n(t.priceUsd), n(t.liquidityUsd), n(t.fdvUsd), n(t.marketCapUsd), n(t.volume24hUsd), n(t.rank ?? NaN), passesMemeFilter(t, filter),
  ]));
}

/** Options of {@link runMemePipeline}. */
export interface MemePipelineOptions {
  readonly db: Db;
  readonly birdeye?: BirdeyeClient;
  readonly dexscreener?: DexScreenerClient;
  /** Default {@link DEFAULT_MEME_FILTER}. */
  readonly filter?: MemeTokenFilter;
  /** Trending tokens per source (default 100). */
  readonly maxTokens?: number;
  /** Bar frequency (default '15m'). */
  readonly frequency?: Frequency;
  /** Window of bars, epoch ms [from, to). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Dataset name (default `meme_ohlcv_<frequency>`). */
  readonly dataset?: string;
  /** Lake folder (default the project's). */
  readonly lakeDir?: string;
  /** Ingest policy for bad rows (default 'drop': a bad bar from a feed is reported and left out, not the whole dataset). */
  readonly policy?: 'reject' | 'drop';
  readonly now?: () => number;
}

/** What {@link runMemePipeline} did. */
export interface MemePipelineReport {
  readonly tokensSeen: number;
  readonly tokensPassed: readonly MemeToken[];
  readonly bars: number;
  /** The ingest's data-quality report (undefined when no bar was fetched). */
  readonly ingest?: QualityReport;
}

/**
 * Runs the pipeline (module comment). Tokens seen by both sources are taken
 * from Birdeye first. OHLCV needs Birdeye.
 * @throws VenueError from the feeds; IngestRejectedError under policy 'reject'
 */
export async function runMemePipeline(o: MemePipelineOptions): Promise<MemePipelineReport> {
  const filter = o.filter ?? DEFAULT_MEME_FILTER;
  const max = o.maxTokens ?? 100;
  const seen = new Map<string, MemeToken>();
  const lists: MemeToken[][] = [];
  if (o.birdeye) lists.push(await o.birdeye.trending(max));
  if (o.dexscreener) lists.push(await o.dexscreener.trending(max));
  for (const l of lists) for (const t of l) if (!seen.has(t.address)) seen.set(t.address, t);
  const all = [...seen.values()];
  await recordMemeTokens(o.db, lists.flat(), filter, (o.now ?? Date.now)());
  const passed = all.filter((t) => passesMemeFilter(t, filter));
  const frequency = o.frequency ?? '15m';
  const bars: TokenBar[] = [];
  if (o.birdeye) for (const t of passed) bars.push(...(await o.birdeye.ohlcv(t.address, frequency, o.fromMs, o.toMs)));
  if (!bars.length) return { tokensSeen: all.length, tokensPassed: passed, bars: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'meme-ohlcv-'));
  try {
    const file = join(dir, 'bars.csv');
    const fmt = (x: number): string => (Number.isFinite(x) ? String(x) : '');
    writeFileSync(file, `time,symbol,open,high,low,close,volume\n${bars.map((b) => `${new Date(b.time).toISOString()},${b.address},${fmt(b.open)},${fmt(b.high)},${fmt(b.low)},${fmt(b.close)},${fmt(b.volume)}`).join('\n')}\n`);
    const ingest = await ingestFiles(file, { dataset: o.dataset ?? `meme_ohlcv_${frequency}`, frequency, market: 'crypto', policy: o.policy ?? 'drop', db: o.db, lakeDir: o.lakeDir });
    return { tokensSeen: all.length, tokensPassed: passed, bars: bars.length, ingest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
