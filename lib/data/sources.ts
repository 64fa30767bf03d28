/**
 * Source files: how a CSV / CSV.gz / parquet file of bars or funding events maps
 * onto the normalized columns `time, symbol, <fields>`. Column names differ by
 * file (`date,...,Name` for the S&P 500 file, `date,ticker,kind,...` for the
 * top-1,050 file, `date,symbol,...` for crypto, `date,symbol,funding_rate` for
 * funding); the mapping is found by name, case-insensitively.
 */
import { existsSync } from 'node:fs';
import { Db, sqlString } from '../db/index.js';

/** What a file holds: OHLCV bars, or funding events (time, symbol, funding_rate). */
export type SourceKind = 'bars' | 'funding';

/** Accepted names of the time column, in order of preference. */
export const TIME_COLUMNS = ['time', 'date', 'datetime', 'timestamp', 'open_time'] as const;
/** Accepted names of the symbol column, in order of preference. */
export const SYMBOL_COLUMNS = ['symbol', 'ticker', 'name', 'asset'] as const;
/** Required value columns per kind (volume is required for bars). */
export const REQUIRED_FIELDS: Readonly<Record<SourceKind, readonly string[]>> = {
  bars: ['open', 'high', 'low', 'close', 'volume'],
  funding: ['funding_rate'],
};

/** The column mapping of one source file. */
export interface SourceColumns {
  /** The file path. */
  readonly path: string;
  /** 'csv' (also .csv.gz, .txt) or 'parquet'. */
  readonly format: 'csv' | 'parquet';
  /** Every column name in file order. */
  readonly columns: readonly string[];
  /** Name of the time column in the file. */
  readonly time: string;
  /** Name of the symbol column in the file, or undefined when `symbol` was given as a constant. */
  readonly symbol?: string;
  /** Map normalized field name -> column name in the file, for the kind's required fields. */
  readonly fields: Readonly<Record<string, string>>;
  /** DuckDB type of each column (all VARCHAR for CSV, read as text). */
  readonly types: Readonly<Record<string, string>>;
  /** Columns not used (e.g. `kind` in the top-1,050 file). */
  readonly ignored: readonly string[];
}

/** Format of a path by extension: parquet for `.parquet`/`.pq`, else CSV (DuckDB decompresses `.gz`). */
export function fileFormat(path: string): 'csv' | 'parquet' {
  return /\.(parquet|pq)$/i.test(path) ? 'parquet' : 'csv';
}

/** SQL double-quoted identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The DuckDB table function reading `path` with every column as text (CSV) or as
 * stored (parquet). CSV options: header row, comma delimiter, no type sniffing,
 * so the raw text reaches validation.
 */
export function rawRelation(path: string, format: 'csv' | 'parquet' = fileFormat(path)): string {
  return format === 'parquet'
    ? `read_parquet(${sqlString(path)})`
    : `read_csv(${sqlString(path)}, header=true, delim=',', quote='"', all_varchar=true, auto_detect=true, sample_size=1, null_padding=false, strict_mode=true)`;
}

/**
 * Reads the header of `path` and maps its columns for `kind`.
 * @param symbol constant symbol for single-asset files without a symbol column.
 * @throws Error naming the file when it does not exist, cannot be read, or lacks a
 *   required column (the message names the missing column and lists the columns found).
 */
export async function describeSource(db: Db, path: string, kind: SourceKind, symbol?: string): Promise<SourceColumns> {
  if (!existsSync(path)) throw new Error(`${path}: file not found`);
  const format = fileFormat(path);
  let columns: string[];
  const types: Record<string, string> = {};
  try {
    const rows = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${rawRelation(path, format)}`);
    columns = rows.map((r) => r.column_name);
    for (const r of rows) types[r.column_name] = r.column_type;
  } catch (err) {
    throw new Error(`${path}: cannot read as ${format}: ${(err as Error).message.split('\n')[0]}`);
  }
  const lower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const find = (names: readonly string[]): string | undefined => {
    for (const n of names) {
      const c = lower.get(n);
      if (c !== undefined) return c;
    }
    return undefined;
  };
  const time = find(TIME_COLUMNS);
  if (time === undefined) throw new Error(`${path}: missing required column "time" (one of ${TIME_COLUMNS.join(', ')}); columns found: ${columns.join(', ')}`);
  const sym = symbol === undefined ? find(SYMBOL_COLUMNS) : undefined;
  if (symbol === undefined && sym === undefined) throw new Error(`${path}: missing required column "symbol" (one of ${SYMBOL_COLUMNS.join(', ')}; or pass a constant symbol); columns found: ${columns.join(', ')}`);
  const fields: Record<string, string> = {};
  for (const f of REQUIRED_FIELDS[kind]) {
    const c = lower.get(f);
    if (c === undefined) throw new Error(`${path}: missing required column "${f}" for ${kind}; columns found: ${columns.join(', ')}`);
    fields[f] = c;
  }
  const used = new Set([time, sym, ...Object.values(fields)]);
  return { path, format, columns, types, time, ...(sym !== undefined ? { symbol: sym } : {}), fields, ignored: columns.filter((c) => !used.has(c)) };
}

/**
 * SQL expression turning a raw time column (text or typed) into a TIMESTAMP
 * (UTC), NULL when unparseable. Text accepted: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]`,
 * ISO with `T`; all-digit text is epoch ms (>= 1e11) or epoch seconds.
 */
export function timeExpr(column: string): string {
  const c = `trim(CAST(${ident(column)} AS VARCHAR))`;
  // COALESCE evaluates the epoch branch only where the ISO cast failed.
  return `coalesce(TRY_CAST(replace(${c}, 'Z', '') AS TIMESTAMP),
    CASE WHEN regexp_full_match(${c}, '[0-9]+') THEN
      (CASE WHEN TRY_CAST(${c} AS BIGINT) >= 100000000000 THEN make_timestamp(TRY_CAST(${c} AS BIGINT) * 1000)
            ELSE make_timestamp(TRY_CAST(${c} AS BIGINT) * 1000000) END) END)`;
}

/**
 * A SQL relation (subquery) with normalized columns `time TIMESTAMP, symbol VARCHAR,
 * <field> DOUBLE...` over a source file, without validation (unparseable values
 * become NULL). Used by the direct file loaders.
 */
export function typedRelation(src: SourceColumns, symbol?: string): string {
  const sym = src.symbol !== undefined ? `CAST(${ident(src.symbol)} AS VARCHAR)` : sqlString(symbol ?? '');
  const fields = Object.entries(src.fields).map(([f, c]) => `TRY_CAST(${ident(c)} AS DOUBLE) AS ${ident(f)}`);
  return `(SELECT ${timeExpr(src.time)} AS time, ${sym} AS symbol, ${fields.join(', ')} FROM ${rawRelation(src.path, src.format)})`;
}

/**
 * Like {@link typedRelation} but reads CSV with DuckDB's typed parser (numeric
 * fields as DOUBLE, time auto-detected as DATE/TIMESTAMP), which is much faster
 * than reading text: a value that does not parse makes DuckDB raise an error
 * naming the line and column instead of loading NULL. Times in another text
 * form fall back to {@link timeExpr}. `extra` columns come along as VARCHAR
 * `group_<name>` (for panel groups).
 * @throws Error naming the file when DuckDB cannot read it with these types, or an `extra` column it lacks.
 */
export async function fastRelation(db: Db, src: SourceColumns, symbol?: string, extra: readonly string[] = []): Promise<string> {
  const sym = src.symbol !== undefined ? `CAST(${ident(src.symbol)} AS VARCHAR)` : sqlString(symbol ?? '');
  const fields = Object.entries(src.fields).map(([f, c]) => `CAST(${ident(c)} AS DOUBLE) AS ${ident(f)}`);
  for (const c of extra) {
    if (!src.columns.includes(c)) throw new Error(`${src.path}: no column "${c}"; columns: ${src.columns.join(', ')}`);
    fields.push(`CAST(${ident(c)} AS VARCHAR) AS ${ident('group_' + c)}`);
  }
  let rel: string;
  if (src.format === 'parquet') rel = `read_parquet(${sqlString(src.path)})`;
  else {
    const types = Object.values(src.fields).map((c) => `${sqlString(c)}: 'DOUBLE'`);
    if (src.symbol !== undefined) types.push(`${sqlString(src.symbol)}: 'VARCHAR'`);
    rel = `read_csv(${sqlString(src.path)}, header=true, delim=',', quote='"', auto_detect=true, types={${types.join(', ')}})`;
  }
  let timeType: string;
  try {
    const rows = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${rel}`);
    timeType = rows.find((r) => r.column_name === src.time)?.column_type ?? 'VARCHAR';
  } catch (err) {
    throw new Error(`${src.path}: cannot read: ${(err as Error).message.split('\n')[0]}`);
  }
  const time = /^(TIMESTAMP|DATE)/.test(timeType) ? `CAST(${ident(src.time)} AS TIMESTAMP)` : timeExpr(src.time);
  return `(SELECT ${time} AS time, ${sym} AS symbol, ${fields.join(', ')} FROM ${rel})`;
}
