/**
 * Panel loading: catalog datasets, bundled samples and raw files into a
 * {@link Panel} (dates x assets, date-major Float64Arrays, NaN = missing).
 *
 * How: DuckDB first lists the assets and the sorted distinct bar times (the
 * calendar); then it streams the rows (unsorted: a sort is not needed) with the
 * time as epoch-ms DOUBLE and the asset index from a join on the asset list; each
 * chunk is read as column vectors (typed arrays) and every value is scattered
 * into `field[t * nAssets + a]`, t found by a Map from time to calendar index.
 * The calendar is the union of the bar times of the selected assets inside
 * [start, end] (both inclusive); an asset without a bar at a calendar time is NaN
 * there. A duplicate (symbol, time) or an infinite value is an error, never
 * silently resolved.
 */
import { join } from 'node:path';
import type { DuckDBVector } from '@duckdb/node-api';
import { Db, projectRoot, sqlString } from '../db/index.js';
import { FREQUENCY_MS, type Frequency, type LabelPanel, type Panel } from './panel.js';
import { MIN_INFER_YEARS } from './calendar.js';
import { fundingAsOf, toEpochMs, type TimeLike } from './kernels.js';
import { describeSource, fastRelation, ident, REQUIRED_FIELDS, type ColumnMap } from './sources.js';
import { findFundingFor, getDataset } from './catalog.js';
import { validRowsRelation } from './validate.js';

/** Options shared by the panel loaders. */
export interface LoadOptions {
  /** Fields to load (default: every numeric field, plus funding_rate/funding_event where funding is attached). */
  readonly fields?: readonly string[];
  /** First bar open time to include (inclusive): ISO string (no zone = UTC), epoch ms or Date. */
  readonly start?: TimeLike;
  /** Last bar open time to include (inclusive): ISO string (no zone = UTC), epoch ms or Date. */
  readonly end?: TimeLike;
  /** Assets to load, in this order (default: all, sorted by symbol). */
  readonly assets?: readonly string[];
  /** Text label columns to load as dates x assets label panels (default: every stored label; `[]` for none). */
  readonly labels?: readonly string[];
}

/** Options of {@link loadPanel}. */
export interface LoadPanelOptions extends LoadOptions {
  /** Catalog database (default: `Db.open()` on the default catalog path). */
  readonly db?: Db;
}

/** The two funding fields joined into perpetual-futures panels (see {@link fundingAsOf}). */
export const FUNDING_FIELDS = ['funding_rate', 'funding_event'] as const;

/**
 * A source the loader reads: SQL relations with normalized columns
 * (`time TIMESTAMP, symbol VARCHAR, <field> DOUBLE...`) plus metadata.
 */
export interface PanelSource {
  /** Dataset name recorded in the panel. */
  readonly dataset?: string;
  /** SQL relation of the bars (a table function call or a parenthesized subquery). */
  readonly bars: string;
  /** Numeric field columns available in `bars`. */
  readonly fields: readonly string[];
  /** Text label columns available in `bars` (loaded into `Panel.labels`). */
  readonly labels?: readonly string[];
  /** SQL relation of funding events (`time, symbol, funding_rate`), if funding is attached. */
  readonly funding?: string;
  /** Bar frequency. */
  readonly frequency: Frequency;
  /** Market kind. */
  readonly market: 'equity' | 'crypto';
}

/** Bundled sample names and their files under `data/samples/`. */
export const BUNDLED = {
  sp500_daily: { file: 'sp500_daily_2013_2018.parquet', frequency: '1d', market: 'equity', funding: undefined },
  binance_perp_1h: { file: 'binance_perp_1h_2024_2026.parquet', frequency: '1h', market: 'crypto', funding: 'binance_perp_funding_2024_2026.parquet' },
} as const satisfies Record<string, { file: string; frequency: Frequency; market: 'equity' | 'crypto'; funding: string | undefined }>;

/** Name of a bundled sample. */
export type BundledName = keyof typeof BUNDLED;

/** Folder of the bundled samples: `<project root>/data/samples`. */
export function samplesDir(): string {
  return join(projectRoot(), 'data', 'samples');
}

/** Path of a bundled sample's bar file (and funding file for `binance_perp_1h`). */
export function bundledPaths(name: BundledName): { bars: string; funding?: string } {
  const spec = BUNDLED[name];
  if (!spec) throw new Error(`unknown bundled sample "${String(name)}"; known: ${Object.keys(BUNDLED).join(', ')}`);
  return { bars: join(samplesDir(), spec.file), ...(spec.funding ? { funding: join(samplesDir(), spec.funding) } : {}) };
}

/**
 * A panel of catalog dataset `dataset` (see `ingest.ts`): bars read from its
 * parquet files in the lake; for a bars dataset with an attached funding dataset
 * (e.g. `binance_perp_1h` with `binance_perp_1h_funding`) the fields
 * `funding_rate` and `funding_event` are added (see {@link fundingAsOf}:
 * funding_rate = the latest rate settled at or before the bar open, NaN before the
 * asset's first event; funding_event = sum of rates settled in [open, open + 1 bar),
 * 0 when none, NaN where the asset has no bar; a backtest charges a position held
 * at the bar open `funding_event` of that bar, longs pay positive rates).
 * Calendar: union of the selected assets' bar times in [start, end] (both inclusive).
 * @throws Error when the dataset is not in the catalog (listing those that are), is a
 *   funding dataset, or for an unknown field / asset or unparseable start / end.
 */
export async function loadPanel(dataset: string, opts: LoadPanelOptions = {}): Promise<Panel> {
  const db = opts.db ?? (await Db.open());
  try {
    const e = await getDataset(db, dataset);
    if (e.kind !== 'bars') throw new Error(`loadPanel: dataset "${dataset}" holds ${e.kind} events; load the bars dataset it attaches to (${e.attachTo ?? '?'})`);
    const fund = await findFundingFor(db, dataset);
    const rel = (files: readonly string[]): string => `read_parquet([${files.map(sqlString).join(', ')}])`;
    // Every stored column: DOUBLE columns are numeric fields (the required five first), text columns labels.
    const cols = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${rel(e.files)}`);
    const stored = cols.filter((c) => c.column_name !== 'time' && c.column_name !== 'symbol');
    const extra = stored.filter((c) => c.column_type === 'DOUBLE' && !REQUIRED_FIELDS.bars.includes(c.column_name)).map((c) => c.column_name);
    const labels = stored.filter((c) => c.column_type === 'VARCHAR').map((c) => c.column_name);
    const panel = await loadFromSource(db, {
      dataset,
      bars: rel(e.files),
      fields: [...REQUIRED_FIELDS.bars, ...extra],
      ...(labels.length ? { labels } : {}),
      ...(fund ? { funding: rel(fund.files) } : {}),
      frequency: e.frequency,
      market: e.market,
    }, opts);
    // The calendar of the whole stored history (not of the loaded range): a quarter of a
    // 244-session market still annualizes with 244. Below a year of history, the panel infers.
    const bpy = e.quality.barsPerYear;
    const spanYears = e.firstTime && e.lastTime ? (Date.parse(e.lastTime) - Date.parse(e.firstTime)) / (365.2425 * 86_400_000) : 0;
    return bpy !== undefined && (e.market === 'crypto' || spanYears >= MIN_INFER_YEARS) ? { ...panel, barsPerYear: Math.round(bpy * 10) / 10 } : panel;
  } finally {
    if (!opts.db) db.close();
  }
}

/** Options of {@link loadBundledPanel}. */
export interface BundledPanelOptions extends LoadOptions {
  /**
   * Keep the sample's rows exactly as in the source (default false: rows failing a
   * row-level error check of `validate.ts` are left out, as `ingestBundled()` with
   * its default policy 'drop' does, so the panel equals `loadPanel(name)`; for
   * the S&P sample these are 12 OHLC-inconsistent rows such as the LNT
   * 2016-05-19 bad print, which become NaN).
   */
  readonly raw?: boolean;
}

/**
 * A panel straight from the bundled parquet samples in `data/samples/` with an
 * in-memory DuckDB (no catalog, no ingest): `sp500_daily` (1,259 x 505, daily,
 * equity; fields open, high, low, close, volume) or `binance_perp_1h` (9,982 hourly
 * bars x 20 USDT-M perpetuals, crypto; plus funding_rate and funding_event, see
 * {@link fundingAsOf}). The same panel as `loadPanel(name)` after `ingestBundled()`
 * (unless `opts.raw`).
 * @throws Error for an unknown name, an unknown field or asset, or an unparseable start/end.
 */
export async function loadBundledPanel(name: BundledName, opts: BundledPanelOptions = {}): Promise<Panel> {
  const spec = BUNDLED[name];
  if (!spec) throw new Error(`loadBundledPanel: unknown sample "${String(name)}"; known: ${Object.keys(BUNDLED).join(', ')}`);
  const paths = bundledPaths(name);
  const db = await Db.open(':memory:');
  try {
    const fields = REQUIRED_FIELDS.bars;
    const rel = `read_parquet(${sqlString(paths.bars)})`;
    // Materialized once: the loader reads its relation three times.
    const where = whereTime(opts);
    const sel = opts.raw ? `(SELECT * FROM ${rel})` : validRowsRelation(rel, { kind: 'bars', fields, barMs: FREQUENCY_MS[spec.frequency] });
    await db.exec(`CREATE TEMP TABLE bundled_bars AS SELECT * FROM ${sel} WHERE true${where.sql}`, where.params);
    return await loadFromSource(db, {
      dataset: name,
      bars: 'bundled_bars',
      fields,
      ...(paths.funding ? { funding: `read_parquet(${sqlString(paths.funding)})` } : {}),
      frequency: spec.frequency,
      market: spec.market,
    }, opts);
  } finally {
    db.close();
  }
}

/** Options of {@link loadFilePanel}. */
export interface FilePanelOptions extends LoadOptions {
  /** Bar frequency of the file. */
  readonly frequency: Frequency;
  /** Market kind of the file. */
  readonly market: 'equity' | 'crypto';
  /** Only these symbols (alias of `assets`). */
  readonly symbols?: readonly string[];
  /** Constant symbol for single-asset files without a symbol column. */
  readonly symbol?: string;
  /** Column mapping normalized name -> file column (`{ symbol: 'code', time: 'date' }`), as for the ingest. */
  readonly map?: ColumnMap;
  /** Other numeric columns to load as fields under their own names (e.g. `['amount', 'turn']`); a value that does not parse is DuckDB's error naming the line. */
  readonly extraFields?: readonly string[];
  /** Funding events file (`date,symbol,funding_rate`) to join as funding_rate / funding_event. */
  readonly fundingPath?: string;
  /**
   * Text columns to load as panel groups (e.g. `['kind']` for stock/etf in the
   * top-1,050 file): one label per asset; each must be constant per symbol.
   */
  readonly groups?: readonly string[];
}

/**
 * A panel straight from a CSV / CSV.gz / parquet file of OHLCV bars, without
 * validation or catalog (columns mapped as by the ingest: `date|time`,
 * `symbol|ticker|Name`, open, high, low, close, volume; `opts.groups` text columns
 * as panel groups), read with DuckDB's typed
 * CSV parser. Empty values load as NaN; use the ingest for a quality report.
 * @throws Error naming the file when it is missing or lacks a required column,
 *   DuckDB's error naming the line when a value does not parse, Error naming the
 *   count when times or symbols are empty, and Error naming symbol and time when
 *   the file holds duplicate (symbol, time) rows.
 */
export async function loadFilePanel(path: string, opts: FilePanelOptions): Promise<Panel> {
  const db = await Db.open(':memory:');
  try {
    // The typed CSV time parse reads zone-less text in the session zone: make it UTC.
    await db.exec(`SET TimeZone = 'UTC'`);
    const src = await describeSource(db, path, 'bars', opts.symbol, opts.map ?? {});
    const extraFields = opts.extraFields ?? [];
    let funding: string | undefined;
    if (opts.fundingPath) funding = fastRelation(await describeSource(db, opts.fundingPath, 'funding'));
    const assets = opts.assets ?? opts.symbols;
    // Read the file once into a temp table (the loader queries its relation three times).
    const where = whereTime(opts);
    const symFilter = assets ? ` AND symbol IN (${assets.map(sqlString).join(', ') || 'NULL'})` : '';
    const groupCols = opts.groups ?? [];
    const create = (rel: string): Promise<void> =>
      db.exec(`CREATE OR REPLACE TEMP TABLE file_bars AS SELECT * FROM ${rel} WHERE (time IS NULL OR symbol IS NULL OR (true${where.sql}${symFilter}))`, where.params);
    try {
      try {
        // DuckDB's TIMESTAMP parser first (fast); other time forms (epoch ms, ...) go through timeExpr.
        await create(fastRelation(src, opts.symbol, groupCols, true, extraFields));
        // DuckDB's typed TIMESTAMPTZ parse gives NULL (no error) for other forms (epoch ms): reread those as text.
        const nulls = await db.one<{ n: number }>('SELECT count(*) AS n FROM file_bars WHERE time IS NULL');
        if (src.format === 'csv' && Number(nulls?.n) > 0) await create(fastRelation(src, opts.symbol, groupCols, false, extraFields));
      } catch (err) {
        if (src.format !== 'csv' || !(err as Error).message.includes(`column "${src.time}"`)) throw err;
        await create(fastRelation(src, opts.symbol, groupCols, false, extraFields));
      }
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message.split('\n').slice(0, 4).join(' ')}`);
    }
    const bad = (await db.one<{ t: number; s: number }>('SELECT count(*) FILTER (WHERE time IS NULL) AS t, count(*) FILTER (WHERE symbol IS NULL) AS s FROM file_bars'))!;
    if (Number(bad.t) || Number(bad.s)) throw new Error(`${path}: ${bad.t} row(s) with an empty or unparseable time, ${bad.s} with an empty symbol; ingest the file for a report with row numbers`);
    const panel = await loadFromSource(db, {
      bars: 'file_bars',
      fields: [...Object.keys(src.fields), ...extraFields],
      ...(funding ? { funding } : {}),
      frequency: opts.frequency,
      market: opts.market,
    }, { ...opts, ...(assets ? { assets } : {}) });
    if (!groupCols.length) return panel;
    const groups: Record<string, string[]> = {};
    for (const g of groupCols) {
      const col = ident('group_' + g);
      const rows = await db.all<{ symbol: string; labels: (string | null)[] }>(`SELECT symbol, list(DISTINCT ${col}) AS labels FROM file_bars WHERE symbol IS NOT NULL GROUP BY symbol`);
      const bySymbol = new Map(rows.map((r) => [r.symbol, r.labels]));
      groups[g] = panel.assets.map((a) => {
        const labels = bySymbol.get(a) ?? [];
        if (labels.length !== 1 || labels[0] === null) throw new Error(`${path}: group column "${g}" is not one label per symbol for ${a}: ${JSON.stringify(labels)}`);
        return labels[0]!;
      });
    }
    return { ...panel, groups };
  } finally {
    db.close();
  }
}

/**
 * Values of a DOUBLE / INTEGER result vector as a typed array. The node API keeps
 * each chunk's values in a typed array (`items`); when present it is read
 * directly (the SQL guarantees no NULLs), else values are read one by one.
 */
function doubles(vec: DuckDBVector, n: number): Float64Array {
  const items = (vec as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length === n) return items;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = vec.getItem(i);
    out[i] = v === null ? NaN : Number(v);
  }
  return out;
}
function int32s(vec: DuckDBVector, n: number): Int32Array {
  const items = (vec as unknown as { items?: unknown }).items;
  if (items instanceof Int32Array && items.length === n) return items;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(vec.getItem(i));
  return out;
}

/**
 * Loads a panel from a {@link PanelSource} on `db` (the core of every loader).
 * @throws Error naming an unknown field or asset, an unparseable start/end, or a
 *   duplicate (symbol, time) row.
 */
export async function loadFromSource(db: Db, source: PanelSource, opts: LoadOptions = {}): Promise<Panel> {
  const where = whereTime(opts);
  const available = [...source.fields, ...(source.funding ? FUNDING_FIELDS : [])];
  const fields = opts.fields ? [...opts.fields] : available;
  for (const f of fields) {
    if (!available.includes(f)) throw new Error(`${source.dataset ?? 'panel'}: unknown field "${f}"; available: ${available.join(', ')}`);
  }
  if (new Set(fields).size !== fields.length) throw new Error(`fields listed twice: ${fields.join(', ')}`);
  const barFields = fields.filter((f) => source.fields.includes(f));
  const fundingFields = fields.filter((f) => (FUNDING_FIELDS as readonly string[]).includes(f));
  const availableLabels = source.labels ?? [];
  const labelNames = opts.labels ? [...opts.labels] : availableLabels;
  for (const l of labelNames) {
    if (!availableLabels.includes(l)) throw new Error(`${source.dataset ?? 'panel'}: unknown label "${l}"; available: ${availableLabels.join(', ') || '(none)'}`);
  }

  // Assets: requested (in the given order, each must exist) or all symbols with a bar in range.
  let assets: string[];
  const inRange = await db.all<{ symbol: string }>(`SELECT DISTINCT symbol FROM ${source.bars} WHERE symbol IS NOT NULL ${where.sql} ORDER BY symbol`, where.params);
  if (opts.assets) {
    const have = new Set(inRange.map((r) => r.symbol));
    const missing = opts.assets.filter((a) => !have.has(a));
    if (missing.length) throw new Error(`${source.dataset ?? 'panel'}: no bars for asset(s) ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (+${missing.length - 10} more)` : ''} in the selected range`);
    if (new Set(opts.assets).size !== opts.assets.length) throw new Error('assets listed twice');
    assets = [...opts.assets];
  } else assets = inRange.map((r) => r.symbol);
  const N = assets.length;
  const assetTable = N === 0 ? '(SELECT NULL::VARCHAR AS symbol, NULL::INTEGER AS a WHERE false)' : `(SELECT * FROM (VALUES ${assets.map((s, i) => `(${sqlString(s)}, ${i})`).join(', ')}) v(symbol, a))`;

  const timeRows = await db.all<{ t: number }>(`SELECT DISTINCT epoch_ms(CAST(b.time AS TIMESTAMP))::DOUBLE AS t FROM ${source.bars} b JOIN ${assetTable} s USING (symbol) WHERE true ${where.sql} ORDER BY t`, where.params);
  const T = timeRows.length;
  const times = new Float64Array(T);
  for (let t = 0; t < T; t++) times[t] = timeRows[t]!.t;

  if (T * N > 2 ** 31 - 1) throw new Error(`${source.dataset ?? 'panel'}: ${T} x ${N} cells exceed 2^31; select fewer assets or a shorter range`);
  const out: Record<string, Float64Array> = {};
  for (const f of barFields) out[f] = new Float64Array(T * N).fill(NaN);
  const present = new Uint8Array(T * N);
  // Rows arrive unsorted as column vectors (time as epoch-ms DOUBLE, asset index from
  // a join on the asset list, NULL -> NaN in SQL); the cell t * N + a is found with a
  // Map from time to calendar index, and each value is scattered into its field.
  const tIndex = new Map<number, number>();
  for (let t = 0; t < T; t++) tIndex.set(times[t]!, t);
  const cols = barFields.map((f) => `coalesce(CAST(b.${ident(f)} AS DOUBLE), 'NaN'::DOUBLE) AS ${ident(f)}`);
  // Labels come as integer codes into the sorted distinct values (0-based; NULL -> -1).
  const levels: string[][] = [];
  for (const l of labelNames) {
    const rows = await db.all<{ v: string }>(`SELECT DISTINCT b.${ident(l)} AS v FROM ${source.bars} b JOIN ${assetTable} s USING (symbol) WHERE b.${ident(l)} IS NOT NULL ${where.sql.replace(/\btime\b/g, 'b.time')} ORDER BY v`, where.params);
    levels.push(rows.map((r) => r.v));
    // dense_rank over the same rows in the same VARCHAR order as the levels query (NULLS LAST: non-null ranks are 1..k).
    cols.push(`(CASE WHEN b.${ident(l)} IS NULL THEN -1 ELSE dense_rank() OVER (ORDER BY b.${ident(l)} NULLS LAST) - 1 END)::DOUBLE AS ${ident('label__' + l)}`);
  }
  const sql = `SELECT epoch_ms(CAST(b.time AS TIMESTAMP))::DOUBLE AS t, s.a${cols.length ? ', ' + cols.join(', ') : ''}
    FROM ${source.bars} b JOIN ${assetTable} s USING (symbol) WHERE true ${where.sql.replace(/\btime\b/g, 'b.time')}`;
  const result = await db.connection.stream(sql, where.params);
  const labelCodes = labelNames.map(() => new Float64Array(T * N).fill(-1));
  const targets = [...barFields.map((f) => out[f]!), ...labelCodes];
  let idx = new Int32Array(0);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    if (idx.length < n) idx = new Int32Array(n);
    const tv = doubles(chunk.getColumnVector(0), n);
    const av = int32s(chunk.getColumnVector(1), n);
    for (let r = 0; r < n; r++) {
      const ti = tIndex.get(tv[r]!);
      if (ti === undefined) throw new Error(`${source.dataset ?? 'panel'}: bar time ${tv[r]} not on the calendar (source changed while loading?)`);
      const i = ti * N + av[r]!;
      if (present[i]) throw new Error(`${source.dataset ?? 'panel'}: duplicate bar for ${assets[av[r]!]} at ${new Date(tv[r]!).toISOString()}`);
      present[i] = 1;
      idx[r] = i;
    }
    for (let j = 0; j < targets.length; j++) {
      const v = doubles(chunk.getColumnVector(2 + j), n);
      const dst = targets[j]!;
      for (let r = 0; r < n; r++) {
        const x = v[r]!;
        if (j < barFields.length && (x === Infinity || x === -Infinity)) {
          const i = idx[r]!;
          throw new Error(`${source.dataset ?? 'panel'}: ${barFields[j]} is ${x} for ${assets[i % N]} at ${new Date(times[Math.floor(i / N)]!).toISOString()} (panels hold no infinities)`);
        }
        dst[idx[r]!] = x;
      }
    }
  }

  if (fundingFields.length && source.funding) {
    const endMs = opts.end !== undefined ? toEpochMs(opts.end, 'end') + FREQUENCY_MS[source.frequency] : undefined;
    const ev = await db.connection.runAndReadAll(
      `SELECT s.a, epoch_ms(CAST(f.time AS TIMESTAMP))::DOUBLE AS t, coalesce(CAST(f.funding_rate AS DOUBLE), 'NaN'::DOUBLE) AS r
       FROM ${source.funding} f JOIN ${assetTable} s USING (symbol)
       WHERE f.time IS NOT NULL ${endMs !== undefined ? `AND f.time < make_timestamp(${Math.round(endMs)}::BIGINT * 1000)` : ''}
       ORDER BY s.a, t`);
    // A missing rate stays NaN (the as-of rate and the bar's charge become NaN; nothing is filled).
    const [ea, et, er] = ev.getColumns() as [number[], number[], number[]];
    const fund = fundingAsOf(times, N, present, Int32Array.from(ea ?? []), Float64Array.from(et ?? []), Float64Array.from(er ?? []), FREQUENCY_MS[source.frequency]);
    for (const f of fundingFields) out[f] = fund[f as 'funding_rate' | 'funding_event'];
  }
  const ordered: Record<string, Float64Array> = {};
  for (const f of fields) ordered[f] = out[f]!;
  const labels: Record<string, LabelPanel> = {};
  labelNames.forEach((l, k) => (labels[l] = { levels: levels[k]!, codes: Int32Array.from(labelCodes[k]!) }));
  return {
    ...(source.dataset ? { dataset: source.dataset } : {}),
    frequency: source.frequency,
    market: source.market,
    times,
    assets,
    fields: ordered,
    ...(labelNames.length ? { labels } : {}),
  };
}

function whereTime(opts: LoadOptions): { sql: string; params: Record<string, number> } {
  let sql = ' AND time IS NOT NULL';
  const params: Record<string, number> = {};
  if (opts.start !== undefined) {
    params.start_us = toEpochMs(opts.start, 'start') * 1000;
    sql += ' AND time >= make_timestamp($start_us::BIGINT)';
  }
  if (opts.end !== undefined) {
    params.end_us = toEpochMs(opts.end, 'end') * 1000;
    sql += ' AND time <= make_timestamp($end_us::BIGINT)';
  }
  if (opts.start !== undefined && opts.end !== undefined && params.start_us! > params.end_us!) throw new Error(`start ${String(opts.start)} is after end ${String(opts.end)}`);
  return { sql, params };
}
