/**
 * Source files: how a CSV / CSV.gz / parquet file of bars or funding events maps
 * onto the normalized columns `time, symbol, <fields>`. Column names differ by
 * file (`date,...,Name` for the S&P 500 file, `date,ticker,kind,...` for the
 * top-1,050 file, `date,symbol,...` for crypto, `date,symbol,funding_rate` for
 * funding); the mapping is found by name, case-insensitively.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Db, sqlString } from '../db/index.js';

/** What a file holds: OHLCV bars, funding events (time, symbol, funding_rate), or open interest (time, symbol, open_interest in base units, open_interest_value in quote units; Binance `openInterestHist`). */
export type SourceKind = 'bars' | 'funding' | 'open_interest';

/** Accepted names of the time column, in order of preference. */
export const TIME_COLUMNS = ['time', 'date', 'datetime', 'timestamp', 'open_time'] as const;
/** Accepted names of the symbol column, in order of preference. */
export const SYMBOL_COLUMNS = ['symbol', 'ticker', 'name', 'asset', 'code'] as const;
/** Required value columns per kind (volume is required for bars). */
export const REQUIRED_FIELDS: Readonly<Record<SourceKind, readonly string[]>> = {
  bars: ['open', 'high', 'low', 'close', 'volume'],
  funding: ['funding_rate'],
  open_interest: ['open_interest', 'open_interest_value'],
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
 * The header line of a CSV / CSV.gz file, split into column names (RFC 4180
 * quotes, a UTF-8 BOM and a trailing CR are handled). Read directly, not sniffed,
 * so a malformed data line cannot be mistaken for the header.
 * @throws Error naming the file when it is empty or cannot be read / decompressed.
 */
export function readCsvHeader(path: string): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const raw = createReadStream(path);
    const stream = /\.gz$/i.test(path) ? raw.pipe(createGunzip()) : raw;
    let text = '';
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      raw.destroy();
      if (err) return reject(new Error(`${path}: cannot read the header: ${err.message}`));
      const nl = text.indexOf('\n');
      let line = (nl >= 0 ? text.slice(0, nl) : text).replace(/\r$/, '');
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (!line.trim()) return reject(new Error(`${path}: empty file (no header line)`));
      const cols: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
          else if (ch === '"') quoted = false;
          else cur += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ',') { cols.push(cur.trim()); cur = ''; }
        else cur += ch;
      }
      cols.push(cur.trim());
      resolvePromise(cols);
    };
    stream.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      if (text.includes('\n') || text.length > 1 << 20) finish();
    });
    stream.on('end', () => finish());
    stream.on('error', (e: Error) => finish(e));
    raw.on('error', (e: Error) => finish(e));
  });
}

/** DuckDB `read_csv` with the given header columns and types (no sniffing; strict: a ragged line is an error naming it). */
export function csvRelation(path: string, columns: readonly string[], types: Readonly<Record<string, string>> = {}): string {
  const spec = columns.map((c) => `${sqlString(c)}: '${types[c] ?? 'VARCHAR'}'`).join(', ');
  return `read_csv(${sqlString(path)}, header=true, auto_detect=false, delim=',', quote='"', escape='"', columns={${spec}}, null_padding=false, strict_mode=true)`;
}

/** The DuckDB table function reading a described source: CSV columns as text, parquet as stored. */
export function rawRelation(src: Pick<SourceColumns, 'path' | 'format' | 'columns'>): string {
  return src.format === 'parquet' ? `read_parquet(${sqlString(src.path)})` : csvRelation(src.path, src.columns);
}

/**
 * A column mapping: normalized name (`time`, `symbol`, or a required field such as
 * `close`) -> column name in the file. Parsed from `symbol=code,time=date` by
 * {@link parseColumnMap}.
 */
export type ColumnMap = Readonly<Record<string, string>>;

/**
 * Parses a column mapping `symbol=code,time=date` (comma-separated `name=column`
 * pairs; spaces around names are trimmed).
 * @throws Error naming the pair that is not `name=column` or a name given twice.
 */
export function parseColumnMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^([^=]+)=(.+)$/.exec(pair);
    if (!m) throw new Error(`column mapping "${pair}" is not name=column (e.g. symbol=code,time=date)`);
    const key = m[1]!.trim().toLowerCase();
    if (key in out) throw new Error(`column mapping names "${key}" twice`);
    out[key] = m[2]!.trim();
  }
  return out;
}

/**
 * Reads the header of `path` and maps its columns for `kind`.
 * @param symbol constant symbol for single-asset files without a symbol column.
 * @param map explicit mapping normalized name -> file column (`{ symbol: 'code', time: 'date' }`);
 *   names not mapped are found by the usual names (case-insensitive).
 * @throws Error naming the file when it does not exist, cannot be read, or lacks a
 *   required column (the message names the missing column and lists the columns found);
 *   Error naming a mapping key that is not time, symbol or a required field of `kind`,
 *   or a mapped column the file lacks.
 */
export async function describeSource(db: Db, path: string, kind: SourceKind, symbol?: string, map: ColumnMap = {}): Promise<SourceColumns> {
  if (!existsSync(path)) throw new Error(`${path}: file not found`);
  const format = fileFormat(path);
  let columns: string[];
  const types: Record<string, string> = {};
  if (format === 'csv') {
    columns = await readCsvHeader(path);
    const other = columns.length === 1 ? /[;\t|]/.exec(columns[0]!) : null;
    if (other) throw new Error(`${path}: the header is one column ("${columns[0]!.slice(0, 80)}"): the delimiter must be a comma, found ${JSON.stringify(other[0])}`);
    const dup = columns.find((c, i) => columns.indexOf(c) !== i);
    if (dup !== undefined) throw new Error(`${path}: column "${dup}" appears twice in the header`);
    for (const c of columns) types[c] = 'VARCHAR';
  } else {
    try {
      const rows = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
      columns = rows.map((r) => r.column_name);
      for (const r of rows) types[r.column_name] = r.column_type;
    } catch (err) {
      throw new Error(`${path}: cannot read as parquet: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const lower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const find = (names: readonly string[]): string | undefined => {
    for (const n of names) {
      const c = lower.get(n);
      if (c !== undefined) return c;
    }
    return undefined;
  };
  const valid = ['time', 'symbol', ...REQUIRED_FIELDS[kind]];
  const mapped: Record<string, string> = {};
  for (const [k, col] of Object.entries(map)) {
    if (!valid.includes(k)) throw new Error(`${path}: column mapping key "${k}" is not one of ${valid.join(', ')}`);
    const c = columns.includes(col) ? col : lower.get(col.toLowerCase());
    if (c === undefined) throw new Error(`${path}: column mapping ${k}=${col}: no column "${col}"; columns found: ${columns.join(', ')}`);
    mapped[k] = c;
  }
  const time = mapped.time ?? find(TIME_COLUMNS);
  if (time === undefined) throw new Error(`${path}: missing required column "time" (one of ${TIME_COLUMNS.join(', ')}); columns found: ${columns.join(', ')}`);
  const sym = symbol === undefined ? (mapped.symbol ?? find(SYMBOL_COLUMNS)) : undefined;
  if (symbol === undefined && sym === undefined) throw new Error(`${path}: missing required column "symbol" (one of ${SYMBOL_COLUMNS.join(', ')}; or pass a constant symbol); columns found: ${columns.join(', ')}`);
  const fields: Record<string, string> = {};
  for (const f of REQUIRED_FIELDS[kind]) {
    const c = mapped[f] ?? lower.get(f);
    if (c === undefined) throw new Error(`${path}: missing required column "${f}" for ${kind}; columns found: ${columns.join(', ')}`);
    fields[f] = c;
  }
  const used = new Set([time, sym, ...Object.values(fields)]);
  return { path, format, columns, types, time, ...(sym !== undefined ? { symbol: sym } : {}), fields, ignored: columns.filter((c) => !used.has(c)) };
}

/**
 * SQL expression turning a raw time column (text or typed) into a TIMESTAMP
 * (UTC), NULL when unparseable. Text accepted:
 * - `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]`, ISO with `T`: UTC when no zone is given;
 * - with a zone after the time (`Z`, `+05:00`, `-0330`, `+05`, `UTC`, or an IANA name
 *   such as `America/New_York`): converted to UTC (`2024-01-01T00:00:00+05:00` is
 *   `2023-12-31T19:00:00Z`); never stored with the offset dropped;
 * - all digits: 8 digits `YYYYMMDD` (a date; an invalid date is unparseable), 9-10 digits
 *   epoch seconds, 12-13 digits epoch milliseconds; other digit counts are ambiguous
 *   and unparseable.
 * Anything else (`01/02/2024`, named abbreviations like `EST`) is unparseable.
 */
export function timeExpr(column: string, parse: TimeParseOptions = {}): string {
  const c = `trim(CAST(${ident(column)} AS VARCHAR))`;
  const local = (e: string): string => (parse.timeZone ? utcOf(`timezone(${sqlString(parse.timeZone)}, ${e})`) : e);
  if (parse.timeFormat) {
    const p = `try_strptime(${c}, ${sqlString(parse.timeFormat)})`;
    // A format with a zone (%z / %Z) gives an instant: converted to UTC, --tz not applied.
    return /%[zZ]/.test(parse.timeFormat) ? utcOf(p) : local(p);
  }
  const zoned = `regexp_full_match(${c}, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)? ?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?|UTC|GMT|[A-Za-z_]+/[A-Za-z_/+-]+)')`;
  // CASE evaluates the epoch branches only for all-digit text.
  return `(CASE WHEN ${zoned} THEN ${utcOf(`TRY_CAST(${c} AS TIMESTAMPTZ)`)}
    WHEN regexp_full_match(${c}, '[0-9]{8}') THEN ${local(`try_strptime(${c}, '%Y%m%d')`)}
    WHEN regexp_full_match(${c}, '[0-9]{9,10}') THEN make_timestamp(TRY_CAST(${c} AS BIGINT) * 1000000)
    WHEN regexp_full_match(${c}, '[0-9]{12,13}') THEN make_timestamp(TRY_CAST(${c} AS BIGINT) * 1000)
    WHEN regexp_full_match(${c}, '[0-9]+') THEN NULL
    ELSE ${local(`TRY_CAST(${c} AS TIMESTAMP)`)} END)`;
}

/**
 * How text times are read at ingest. Default: the forms of {@link timeExpr}, zone-less ones as UTC.
 * `timeFormat`: a strptime format (DuckDB / C `%Y-%m-%d %H:%M`, `%d/%m/%Y`, ...); unparseable text is an
 * `unparseable_time` error row. `timeZone`: an IANA zone (`Asia/Shanghai`, `America/New_York`) in which
 * zone-less local times (and typed TIMESTAMP columns) are read and converted to UTC; times with their own
 * zone or offset and epoch numbers are absolute and unaffected. Daily bars are dated by their trading date
 * at 00:00 UTC: give `timeZone` for intraday local timestamps only.
 */
export interface TimeParseOptions {
  readonly timeFormat?: string;
  readonly timeZone?: string;
}

/** The UTC TIMESTAMP of a TIMESTAMPTZ expression, independent of the session's TimeZone setting. */
function utcOf(tz: string): string {
  return `make_timestamp(epoch_us(${tz}))`;
}

/**
 * SQL TIMESTAMP (UTC) of a typed column: `TIMESTAMP WITH TIME ZONE` converted by
 * its instant (not by the session time zone), `TIMESTAMP`/`DATE` cast; other types
 * go through {@link timeExpr}.
 */
export function typedTimeExpr(column: string, type: string, parse: TimeParseOptions = {}): string {
  if (/^TIMESTAMP WITH TIME ZONE|^TIMESTAMPTZ/i.test(type)) return utcOf(ident(column));
  if (/^(TIMESTAMP|DATE)/i.test(type)) {
    const cast = `CAST(${ident(column)} AS TIMESTAMP)`;
    return parse.timeZone ? utcOf(`timezone(${sqlString(parse.timeZone)}, ${cast})`) : cast;
  }
  return timeExpr(column, parse);
}

/**
 * A SQL relation (subquery) with normalized columns `time TIMESTAMP, symbol VARCHAR,
 * <field> DOUBLE...` over a source file, without validation (unparseable values
 * become NULL). Used by the direct file loaders.
 */
export function typedRelation(src: SourceColumns, symbol?: string): string {
  const sym = src.symbol !== undefined ? `CAST(${ident(src.symbol)} AS VARCHAR)` : sqlString(symbol ?? '');
  const fields = Object.entries(src.fields).map(([f, c]) => `TRY_CAST(${ident(c)} AS DOUBLE) AS ${ident(f)}`);
  return `(SELECT ${typedTimeExpr(src.time, src.types[src.time] ?? 'VARCHAR')} AS time, ${sym} AS symbol, ${fields.join(', ')} FROM ${rawRelation(src)})`;
}

/**
 * Like {@link typedRelation} but reads the numeric CSV fields with DuckDB's typed
 * parser (DOUBLE), which is faster than reading text and casting: a value that
 * does not parse makes DuckDB raise an error naming the line and column instead
 * of loading NULL (empty fields load as NULL). Times go through {@link timeExpr}
 * (parquet TIMESTAMP/DATE columns are cast), or with `typedTime` the CSV time column
 * is parsed as TIMESTAMPTZ by DuckDB (faster; fails on other time forms; zone-less text
 * is read in the session time zone: set `TimeZone` to UTC on the connection first). `extra` columns come along as VARCHAR
 * `group_<name>` (for panel groups); `numeric` columns as DOUBLE fields under their own names.
 * @throws Error naming the file and an `extra` or `numeric` column it lacks.
 */
export function fastRelation(src: SourceColumns, symbol?: string, extra: readonly string[] = [], typedTime = false, numeric: readonly string[] = []): string {
  const sym = src.symbol !== undefined ? `CAST(${ident(src.symbol)} AS VARCHAR)` : sqlString(symbol ?? '');
  const fields = Object.entries(src.fields).map(([f, c]) => `CAST(${ident(c)} AS DOUBLE) AS ${ident(f)}`);
  for (const c of numeric) {
    if (!src.ignored.includes(c)) throw new Error(`${src.path}: no extra column "${c}" to load as a field (mapped and required columns load anyway); columns: ${src.columns.join(', ')}`);
    fields.push(`CAST(${ident(c)} AS DOUBLE) AS ${ident(c)}`);
  }
  for (const c of extra) {
    if (!src.columns.includes(c)) throw new Error(`${src.path}: no column "${c}"; columns: ${src.columns.join(', ')}`);
    fields.push(`CAST(${ident(c)} AS VARCHAR) AS ${ident('group_' + c)}`);
  }
  let rel: string;
  let timeType: string;
  if (src.format === 'parquet') {
    rel = `read_parquet(${sqlString(src.path)})`;
    timeType = src.types[src.time] ?? 'VARCHAR';
  } else {
    const types: Record<string, string> = {};
    for (const c of [...Object.values(src.fields), ...numeric]) types[c] = 'DOUBLE';
    // TIMESTAMPTZ keeps a zone offset in the text (TIMESTAMP would drop it); zone-less
    // text reads in the session time zone, which the caller sets to UTC.
    if (typedTime) types[src.time] = 'TIMESTAMPTZ';
    rel = csvRelation(src.path, src.columns, types);
    timeType = types[src.time] ?? 'VARCHAR';
  }
  const time = typedTimeExpr(src.time, timeType);
  return `(SELECT ${time} AS time, ${sym} AS symbol, ${fields.join(', ')} FROM ${rel})`;
}
