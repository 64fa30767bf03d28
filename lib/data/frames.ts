/**
 * nodejs-polars interop: panels to and from DataFrames (long and wide), DuckDB
 * query results as DataFrames, and an HTML rendering of a frame for notebooks.
 *
 * Missing values: a panel's NaN becomes a polars **null** in a frame (the polars
 * idiom: `is_null`, `drop_nulls`), and null (or NaN) becomes NaN on the way back.
 * Times: polars `Datetime('ms')` (UTC, no zone) in frames; epoch ms in panels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { sqlString, type Db, type SqlParams } from '../db/index.js';
import type { Frequency, Panel } from './panel.js';

/** A nodejs-polars DataFrame. */
export type Frame = pl.DataFrame;

function nanToNull(df: pl.DataFrame, cols: readonly string[]): pl.DataFrame {
  if (!cols.length) return df;
  // Callers put the float columns last: keep the others, then fill NaN -> null in one expression.
  const set = new Set(cols);
  const others = df.columns.filter((c) => !set.has(c));
  return df.select(...others.map((c) => pl.col(c)), pl.col([...cols]).fillNan(pl.lit(null)));
}

/** A Float64 column of `df` as a Float64Array with null -> NaN. */
function floatColumn(df: pl.DataFrame, name: string): Float64Array {
  const s = df.select(pl.col(name).cast(pl.Float64).fillNull(pl.lit(NaN)).alias(name)).getColumn(name);
  const ta = (s as unknown as { toTypedArray(): Float64Array }).toTypedArray();
  return ta instanceof Float64Array ? ta : Float64Array.from(ta as ArrayLike<number>);
}

/** Epoch ms of a time column (Datetime of any unit, Date, or numeric epoch ms). */
function timeColumn(df: pl.DataFrame, name: string): Float64Array {
  const dtype = String(df.getColumn(name).dtype);
  const expr = /Datetime|Date/.test(dtype) ? pl.col(name).cast(pl.Datetime('ms')).cast(pl.Float64) : pl.col(name).cast(pl.Float64);
  const s = df.select(expr.alias(name)).getColumn(name);
  if (s.nullCount() > 0) throw new Error(`frame column "${name}" holds null times`);
  return Float64Array.from((s as unknown as { toTypedArray(): ArrayLike<number> }).toTypedArray());
}

/** Options of {@link panelToLongFrame}. */
export interface LongFrameOptions {
  /** Fields to include (default: all, in panel order). */
  readonly fields?: readonly string[];
  /** Drop rows where every included field is missing (default false: the full nDates x nAssets grid). */
  readonly dropMissing?: boolean;
}

/**
 * Long ("tidy") frame of a panel: columns `time` (Datetime ms), `symbol` (String)
 * and one Float64 column per field; one row per (date, asset) in date-major order
 * (row `t * nAssets + a`), nDates * nAssets rows unless `dropMissing`.
 * @throws Error naming an unknown field.
 */
export function panelToLongFrame(panel: Panel, opts: LongFrameOptions = {}): pl.DataFrame {
  const T = panel.times.length;
  const N = panel.assets.length;
  const fields = opts.fields ?? Object.keys(panel.fields);
  const time = new Float64Array(T * N);
  const symbol: string[] = new Array<string>(T * N);
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < N; a++) {
      time[t * N + a] = panel.times[t]!;
      symbol[t * N + a] = panel.assets[a]!;
    }
  }
  const cols: pl.Series[] = [pl.Series('time', time).cast(pl.Datetime('ms')), pl.Series('symbol', symbol, pl.Utf8)];
  for (const f of fields) {
    const v = panel.fields[f];
    if (!v) throw new Error(`panelToLongFrame: panel has no field "${f}"; fields: ${Object.keys(panel.fields).join(', ')}`);
    cols.push(pl.Series(f, v));
  }
  let df = nanToNull(pl.DataFrame(cols), fields);
  if (opts.dropMissing && fields.length) df = df.filter(pl.anyHorizontal(fields.map((f) => pl.col(f).isNotNull())));
  return df;
}

/** Options of the frame-to-panel conversions. */
export interface FrameToPanelOptions {
  /** Bar frequency of the panel. */
  readonly frequency: Frequency;
  /** Market kind of the panel. */
  readonly market: 'equity' | 'crypto';
  /** Dataset name to record. */
  readonly dataset?: string;
  /** Name of the time column (default 'time'). */
  readonly timeColumn?: string;
  /** Name of the symbol column of a long frame (default 'symbol'). */
  readonly symbolColumn?: string;
  /** Fields to read from a long frame (default: every other numeric column). */
  readonly fields?: readonly string[];
  /** Assets of a long frame's panel, in this order (default: order of first appearance); an asset absent from the frame is all NaN. */
  readonly assets?: readonly string[];
}

/**
 * Panel from a long frame (`time`, `symbol`, one numeric column per field). The
 * calendar is the sorted distinct times; assets keep their order of first
 * appearance (or `opts.assets`); a (time, symbol) absent from the frame is NaN; null -> NaN.
 * @throws Error naming the column when `time`/`symbol` is missing, the
 *   symbol and time of a duplicate (time, symbol) row, or a symbol not in `opts.assets`.
 */
export function longFrameToPanel(df: pl.DataFrame, opts: FrameToPanelOptions): Panel {
  const tc = opts.timeColumn ?? 'time';
  const sc = opts.symbolColumn ?? 'symbol';
  const names = df.columns;
  for (const c of [tc, sc]) if (!names.includes(c)) throw new Error(`longFrameToPanel: frame has no column "${c}"; columns: ${names.join(', ')}`);
  const fields = opts.fields ?? names.filter((c) => c !== tc && c !== sc && /Float|Int|UInt/.test(String(df.getColumn(c).dtype)));
  const rowTimes = timeColumn(df, tc);
  const rowSyms = df.getColumn(sc).cast(pl.Utf8).toArray() as (string | null)[];
  const R = rowTimes.length;
  const sortedTimes = Float64Array.from(new Set(rowTimes)).sort();
  const tIndex = new Map<number, number>();
  sortedTimes.forEach((t, i) => tIndex.set(t, i));
  const aIndex = new Map<string, number>();
  const assets: string[] = [];
  if (opts.assets) {
    for (const a of opts.assets) {
      if (aIndex.has(a)) throw new Error(`longFrameToPanel: asset ${a} listed twice`);
      aIndex.set(a, assets.length);
      assets.push(a);
    }
  }
  for (let r = 0; r < R; r++) {
    const s = rowSyms[r];
    if (s === null || s === undefined) throw new Error(`longFrameToPanel: null symbol at row ${r}`);
    if (!aIndex.has(s)) {
      if (opts.assets) throw new Error(`longFrameToPanel: symbol ${s} (row ${r}) is not in opts.assets`);
      aIndex.set(s, assets.length);
      assets.push(s);
    }
  }
  const T = sortedTimes.length;
  const N = assets.length;
  const cell = new Int32Array(R);
  const seen = new Uint8Array(T * N);
  for (let r = 0; r < R; r++) {
    const i = tIndex.get(rowTimes[r]!)! * N + aIndex.get(rowSyms[r]!)!;
    if (seen[i]) throw new Error(`longFrameToPanel: duplicate row for ${rowSyms[r]} at ${new Date(rowTimes[r]!).toISOString()} (row ${r})`);
    seen[i] = 1;
    cell[r] = i;
  }
  const out: Record<string, Float64Array> = {};
  for (const f of fields) {
    if (!names.includes(f)) throw new Error(`longFrameToPanel: frame has no column "${f}"`);
    const src = floatColumn(df, f);
    const dst = new Float64Array(T * N).fill(NaN);
    for (let r = 0; r < R; r++) dst[cell[r]!] = src[r]!;
    out[f] = dst;
  }
  return { ...(opts.dataset ? { dataset: opts.dataset } : {}), frequency: opts.frequency, market: opts.market, times: sortedTimes, assets, fields: out };
}

/**
 * Wide frame of one field: column `time` (Datetime ms) then one Float64 column
 * per asset (named by the asset), nDates rows; NaN -> null.
 * @throws Error naming an unknown field, or an asset named like the time column.
 */
export function panelToWideFrame(panel: Panel, fieldName: string): pl.DataFrame {
  const f = panel.fields[fieldName];
  if (!f) throw new Error(`panelToWideFrame: panel has no field "${fieldName}"; fields: ${Object.keys(panel.fields).join(', ')}`);
  const T = panel.times.length;
  const N = panel.assets.length;
  if (panel.assets.includes('time')) throw new Error('panelToWideFrame: an asset is named "time", which clashes with the time column');
  const cols: pl.Series[] = [pl.Series('time', panel.times).cast(pl.Datetime('ms'))];
  for (let a = 0; a < N; a++) {
    const col = new Float64Array(T);
    for (let t = 0; t < T; t++) col[t] = f[t * N + a]!;
    cols.push(pl.Series(panel.assets[a]!, col));
  }
  return nanToNull(pl.DataFrame(cols), panel.assets);
}

/**
 * One-field panel from a wide frame (`time` + one numeric column per asset).
 * Rows are sorted by time; null -> NaN.
 * @throws Error when the time column is missing or times repeat.
 */
export function wideFrameToPanel(df: pl.DataFrame, fieldName: string, opts: Omit<FrameToPanelOptions, 'symbolColumn' | 'fields'>): Panel {
  const tc = opts.timeColumn ?? 'time';
  if (!df.columns.includes(tc)) throw new Error(`wideFrameToPanel: frame has no column "${tc}"; columns: ${df.columns.join(', ')}`);
  const sorted = df.sort(tc);
  const times = timeColumn(sorted, tc);
  for (let t = 1; t < times.length; t++) if (!(times[t]! > times[t - 1]!)) throw new Error(`wideFrameToPanel: time ${new Date(times[t]!).toISOString()} repeats`);
  const assets = sorted.columns.filter((c) => c !== tc);
  const T = times.length;
  const N = assets.length;
  const out = new Float64Array(T * N);
  assets.forEach((a, j) => {
    const col = floatColumn(sorted, a);
    for (let t = 0; t < T; t++) out[t * N + j] = col[t]!;
  });
  return { ...(opts.dataset ? { dataset: opts.dataset } : {}), frequency: opts.frequency, market: opts.market, times, assets, fields: { [fieldName]: out } };
}

let queryFrameCount = 0;

/**
 * Result of a DuckDB query as a polars DataFrame, through a temp parquet file
 * (DuckDB's node API has no Arrow export; parquet keeps every column type:
 * TIMESTAMP -> Datetime, DATE -> Date, DECIMAL, lists). With `params` the query
 * is first materialized into a temp table (COPY takes no parameters).
 * @throws Error from DuckDB (with the SQL) when the query fails.
 */
export async function queryFrame(db: Db, sql: string, params?: SqlParams): Promise<pl.DataFrame> {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-qf-'));
  const file = join(dir, 'q.parquet');
  const table = `__query_frame_${++queryFrameCount}`;
  try {
    let source = `(${sql})`;
    if (params && (Array.isArray(params) ? params.length : Object.keys(params).length)) {
      await db.exec(`CREATE OR REPLACE TEMP TABLE ${table} AS ${sql}`, params);
      source = table;
    }
    try {
      await db.exec(`COPY (SELECT * FROM ${source}) TO ${sqlString(file)} (FORMAT parquet)`);
    } catch (err) {
      throw new Error(`queryFrame: ${(err as Error).message}\nSQL: ${sql}`);
    }
    return pl.readParquet(file);
  } finally {
    await db.exec(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('T', ' ').replace(/\.000Z$|Z$/, '');
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a >= 1e-4 && a < 1e15 ? String(Number(v.toPrecision(8))) : v.toExponential(4);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * HTML table of the first `maxRows` rows of `df` (header: column names and
 * dtypes; a caption with the shape and how many rows are not shown). Cells are
 * HTML-escaped; numbers show up to 8 significant digits, dates as ISO.
 */
export function frameToHtml(df: pl.DataFrame, maxRows = 20): string {
  const n = df.height;
  const shown = Math.max(0, Math.min(n, Math.floor(maxRows)));
  const head = df.head(shown);
  const cols = df.columns;
  const dtypes = cols.map((c) => String(df.getColumn(c).dtype).replace(/^DataType\((.*)\)$/, '$1'));
  const rows = head.rows() as unknown[][];
  const th = cols.map((c, i) => `<th>${escapeHtml(c)}<br><small>${escapeHtml(dtypes[i]!)}</small></th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(cellText(v))}</td>`).join('')}</tr>`).join('\n');
  const more = n > shown ? `, ${n - shown} more rows not shown` : '';
  return `<table class="alphalab-frame">\n<caption>shape: (${n}, ${cols.length})${more}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
