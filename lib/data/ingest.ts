/**
 * Ingest: CSV / CSV.gz / parquet files of OHLCV bars or funding events into a
 * parquet dataset in the lake (`<lakeDir>/<dataset>/part-<checksum>.parquet`),
 * registered in the DuckDB catalog (`data_catalog`), validated on the way in
 * (see `validate.ts` for the checks and which are errors vs warnings).
 *
 * Atomicity: the parquet file is written to a temp name in the dataset folder;
 * the catalog row is replaced and the temp file renamed inside one DuckDB
 * transaction (a failure rolls the catalog back and removes the file), and the
 * previous version's files are removed only after the commit. A rejected ingest
 * writes nothing. Re-ingesting the same inputs (same sha256) with the same
 * options changes nothing and reports status "unchanged".
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Db, defaultLakeDir, sqlString } from '../db/index.js';
import { findDataset, putDataset, type SourceFile } from './catalog.js';
import { bundledPaths } from './load.js';
import { FREQUENCY_MS, type Frequency } from './panel.js';
import { inspectFile } from './filecheck.js';
import { recoverLake, stagingPaths, tidyStaging, writePending } from './lake.js';
import { csvRelation, describeSource, fileFormat, ident, readCsvHeader, typedTimeExpr, REQUIRED_FIELDS, type ColumnMap, type SourceColumns, type TimeParseOptions } from './sources.js';
import { checkAnnualization, frequencyOfSpacing } from './calendar.js';
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';
import { IngestRejectedError, INGEST_POLICIES, MAX_REPAIRS_LISTED, REPAIRABLE_FIELDS, repairSql, rowChecks, type IngestPolicy, type RepairEntry, type DroppableWarning, type QualityExample, type QualityReport, type QualityRow, type RowCheck } from './validate.js';

/** Options of {@link ingestFiles}. */
export interface IngestOptions {
  /** Dataset name: letters, digits, underscore (the lake folder name and catalog key). */
  readonly dataset: string;
  /** 'bars' (OHLCV, default), 'funding' (time, symbol, funding_rate) or 'open_interest' (time, symbol, open_interest, open_interest_value); the last two attach to a bars dataset. */
  readonly kind?: 'bars' | 'funding' | 'open_interest';
  /**
   * Bar frequency (for funding: the frequency of the bars dataset it attaches to).
   * Default for bars: inferred from the data (the most common spacing between a
   * symbol's consecutive bars, see {@link frequencyOfSpacing}); the report says which.
   * When given and the data's spacing says otherwise, the report carries a note.
   */
  readonly frequency?: Frequency;
  /**
   * Market kind: 'equity' (gaps against the dataset's trading calendar) or 'crypto' (24/7 grid).
   * Default: inferred ('crypto' when more than 2 % of the bars fall on a Saturday or Sunday UTC, else 'equity').
   */
  readonly market?: 'equity' | 'crypto';
  /** Column mapping normalized name -> file column (`{ symbol: 'code', time: 'date' }`; see `parseColumnMap`). */
  readonly map?: ColumnMap;
  /**
   * Keep the file's other columns (bars only; default true): a column whose every
   * non-empty value parses as a number (NaN text counts as missing) is stored as a
   * numeric panel field (DOUBLE, empty -> NaN); any other column is stored as a text
   * label (VARCHAR, empty -> NULL). The report lists both (`fields`, `labels`).
   */
  readonly keepExtra?: boolean;
  /** File columns not to keep (e.g. a redundant name column). */
  readonly ignore?: readonly string[];
  /** For funding: name of the bars dataset whose panels get funding_rate / funding_event. */
  readonly attachTo?: string;
  /**
   * What to do with error rows: 'reject' (default: abort, nothing written), 'drop'
   * (drop them, report them) or 'repair' (bars only: an open or close outside
   * [low, high] by at most one tick is clamped into [low, high] and each change is
   * listed in `report.repairs`; nothing else is repaired, nothing is filled or
   * invented; any other error row rejects the file exactly as 'reject' does).
   */
  readonly policy?: IngestPolicy;
  /**
   * Policy 'repair': the price step (tick, in price units, > 0) a repair may move a
   * value by. Default: per symbol, the smallest positive difference between two
   * distinct prices (open, high, low, close) of that symbol in the file, rounded to
   * 10 significant digits. An off-grid print can only make that smaller (fewer
   * repairs); a short file whose prices never differ by one true tick makes it
   * larger, so give the tick for small files. A symbol with a single distinct price
   * has no tick: nothing of it is repaired.
   */
  readonly tick?: number;
  /** Warnings whose rows are dropped too (default none: warnings are only reported). */
  readonly dropWarnings?: readonly DroppableWarning[];
  /** Constant symbol for single-asset files without a symbol column. */
  readonly symbol?: string;
  /** Catalog database (default `Db.open()`). */
  readonly db?: Db;
  /** Lake folder (default `defaultLakeDir()`). */
  readonly lakeDir?: string;
  /** Examples kept per check in the report (default 5). */
  readonly maxExamples?: number;
  /** strptime format of a text time column (`%d/%m/%Y %H:%M`); default: the usual forms (lib/data `timeExpr`). */
  readonly timeFormat?: string;
  /** IANA time zone of zone-less local times (`Asia/Shanghai`), converted to UTC; default UTC. Intraday data only: daily bars are dated 00:00 UTC. */
  readonly timeZone?: string;
}

/** sha256 (hex) of a file's bytes, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', rej).on('end', () => res(h.digest('hex')));
  });
}

/**
 * CSV files are first copied into a temp table `ingest_raw_<i>`: DuckDB keeps
 * insertion order (preserve_insertion_order, the default), so `rowid + 1` is the
 * 1-based data row (cheaper than a row_number() window over the scan). The copy
 * first tries DuckDB's typed parser (fields DOUBLE): when every
 * value parses, nothing can be unparseable and no text needs keeping. When a value
 * does not parse, the file is copied as text instead and the checks find it.
 * @returns the source with the column types of the copy.
 */
async function copyCsv(db: Db, src: SourceColumns, fileIndex: number): Promise<SourceColumns> {
  // The time column stays text: DuckDB's TIMESTAMP parser drops a zone offset
  // (`+05:00`) silently; timeExpr converts it to UTC.
  const typed: Record<string, string> = {};
  for (const c of Object.values(src.fields)) typed[c] = 'DOUBLE';
  const sql = (types: Record<string, string>): string => `CREATE OR REPLACE TEMP TABLE ingest_raw_${fileIndex} AS SELECT * FROM ${csvRelation(src.path, src.columns, types)}`;
  try {
    await db.exec(sql(typed));
    return { ...src, types: { ...src.types, ...typed } };
  } catch (err) {
    if (!/Conversion Error|Could not convert/i.test((err as Error).message)) throw err;
    await db.exec(sql({}));
    return src;
  }
}

function stageSelect(src: SourceColumns, fileIndex: number, fields: readonly string[], symbol: string | undefined, extras: readonly string[], parse: TimeParseOptions): string {
  const rel = src.format === 'parquet' ? `read_parquet(${sqlString(src.path)}, file_row_number=true)` : `ingest_raw_${fileIndex}`;
  const row = src.format === 'parquet' ? 'file_row_number + 1' : 'rowid + 1';
  const sym = src.symbol !== undefined ? `CAST(${ident(src.symbol)} AS VARCHAR)` : sqlString(symbol ?? '');
  const text = (c: string): boolean => (src.types[c] ?? 'VARCHAR') === 'VARCHAR';
  const cols = fields.flatMap((f) => {
    const name = src.fields[f]!;
    const c = ident(name);
    if (!text(name)) {
      // Typed parquet column: nothing can be unparseable; no text to keep.
      return [`NULL::VARCHAR AS ${ident(f + '_raw')}`, `TRY_CAST(${c} AS DOUBLE) AS ${ident(f)}`];
    }
    return [`${c} AS ${ident(f + '_raw')}`, `TRY_CAST(trim(${c}) AS DOUBLE) AS ${ident(f)}`];
  });
  // Extra columns staged as text under positional aliases (x__<i>): no clash with staging names.
  extras.forEach((e, i) => cols.push(src.columns.includes(e) ? `CAST(${ident(e)} AS VARCHAR) AS x__${i}` : `NULL::VARCHAR AS x__${i}`));
  const typedTime = !text(src.time) && /^(TIMESTAMP|DATE)/.test(src.types[src.time] ?? '');
  const time = typedTimeExpr(src.time, src.types[src.time] ?? 'VARCHAR', parse);
  const timeRaw = typedTime ? 'NULL::VARCHAR' : `CAST(${ident(src.time)} AS VARCHAR)`;
  return `SELECT ${fileIndex}::INTEGER AS file, (${row})::BIGINT AS row, ${timeRaw} AS time_raw,
    ${time} AS time, NULLIF(trim(${sym}), '') AS symbol, ${cols.join(', ')} FROM ${rel}`;
}

const TMP = ['ingest_stage', 'ingest_rows', 'ingest_keep'];
const MAX_RAW = 64;

/** Every key of {@link IngestOptions} (an unknown key is an error). */
export const INGEST_OPTION_KEYS = settingsKeys<IngestOptions>()(['dataset', 'kind', 'frequency', 'market', 'map', 'keepExtra', 'ignore', 'attachTo', 'policy', 'tick', 'dropWarnings', 'symbol', 'db', 'lakeDir', 'maxExamples', 'timeFormat', 'timeZone']);

/**
 * Ingests one or more files as dataset `opts.dataset` (the files together form
 * the dataset; duplicates across files are detected). Validates every row (see
 * `validate.ts`), applies the policy, writes zstd parquet sorted by (symbol, time)
 * and registers it in the catalog, replacing a previous version of the dataset.
 *
 * @returns the data-quality report (status 'ingested' or 'unchanged').
 * @throws IngestRejectedError (policy 'reject' and error rows; catalog and lake untouched), carrying the report.
 * @throws Error naming the file and column when a required column is missing, or the
 *   file when it cannot be read; Error when no row is left to store.
 */
export async function ingestFiles(paths: string | readonly string[], opts: IngestOptions): Promise<QualityReport> {
  checkSettingsKeys(opts, INGEST_OPTION_KEYS, 'IngestOptions');
  const db = opts.db ?? (await Db.open());
  try {
    // One writer per (catalog, dataset) in this process, and one ingest at a time per
    // connection (ingests on one connection share its temp tables). Another process
    // cannot open the same catalog file for writing (DuckDB's file lock).
    return await serialized(`${db.path}\0${opts.dataset}`, () => serialized(db, () => ingestOn(db, paths, opts)));
  } finally {
    if (!opts.db) db.close();
  }
}

const queues = new Map<unknown, Promise<unknown>>();
/** Runs `fn` after every earlier call with the same key has settled. */
function serialized<T>(key: unknown, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return next;
}

async function ingestOn(db: Db, paths: string | readonly string[], opts: IngestOptions): Promise<QualityReport> {
  const files = (typeof paths === 'string' ? [paths] : [...paths]).map((p) => resolve(p));
  if (!files.length) throw new Error('ingestFiles: no input file');
  if (!/^[A-Za-z0-9_]+$/.test(opts.dataset)) throw new Error(`ingestFiles: dataset name "${opts.dataset}" must be letters, digits and underscores`);
  const kind = opts.kind ?? 'bars';
  const policy = opts.policy ?? 'reject';
  if (!(INGEST_POLICIES as readonly string[]).includes(policy)) throw new Error(`ingestFiles: unknown policy ${JSON.stringify(policy)}; valid policies: ${INGEST_POLICIES.join(', ')}`);
  if (policy === 'repair' && kind !== 'bars') throw new Error(`ingestFiles: policy 'repair' applies to bars (open/close within one tick of [low, high]); a ${kind} dataset takes 'reject' or 'drop'`);
  if (opts.tick !== undefined && (policy !== 'repair' || !(Number.isFinite(opts.tick) && opts.tick > 0))) {
    throw new Error(`ingestFiles: tick ${String(opts.tick)}: ${policy !== 'repair' ? "only used by policy 'repair'" : 'must be a finite price step > 0'}`);
  }
  if (opts.frequency !== undefined && !(opts.frequency in FREQUENCY_MS)) throw new Error(`ingestFiles: unknown frequency ${String(opts.frequency)}`);
  if (opts.timeZone !== undefined) {
    try {
      await db.exec(`SELECT timezone(${sqlString(opts.timeZone)}, TIMESTAMP '2000-01-01 00:00:00')`);
    } catch {
      throw new Error(`ingestFiles: timeZone "${opts.timeZone}" is not a known IANA time zone (e.g. Asia/Shanghai, America/New_York, UTC)`);
    }
  }
  if (opts.timeFormat !== undefined && !opts.timeFormat.includes('%')) throw new Error(`ingestFiles: timeFormat "${opts.timeFormat}" has no strptime directive (e.g. %Y-%m-%d %H:%M)`);
  if (kind !== 'bars' && !opts.attachTo) throw new Error(`ingestFiles: a ${kind} dataset needs attachTo (the bars dataset it joins into)`);
  if (kind !== 'bars' && (opts.frequency === undefined || opts.market === undefined)) throw new Error(`ingestFiles: a ${kind} dataset needs frequency and market (those of the bars dataset it attaches to)`);
  const dropWarnings = [...(opts.dropWarnings ?? [])].sort();
  const maxExamples = opts.maxExamples ?? 5;
  for (const f of files) if (!existsSync(f)) throw new Error(`${f}: file not found`);

  // One pass per file: checksum, whole-gzip verification (CRC + size trailer), line lengths.
  const sources: SourceFile[] = [];
  for (const f of files) {
    const columns = fileFormat(f) === 'csv' && !statSync(f).isDirectory() ? await readCsvHeader(f).catch(() => undefined) : undefined;
    sources.push({ path: f, ...(await inspectFile(f, columns ? { columns } : {})) });
  }
  const checksum = sources.map((s) => s.sha256).join(',');
  const keepExtra = kind === 'bars' && opts.keepExtra !== false;
  const options = JSON.stringify({
    kind, frequency: opts.frequency ?? null, market: opts.market ?? null, attachTo: opts.attachTo ?? null, policy, dropWarnings, symbol: opts.symbol ?? null,
    map: opts.map ?? null, keepExtra, ignore: [...(opts.ignore ?? [])].sort(),
    // only when given, so datasets ingested without them keep their options string (re-ingest = unchanged)
    ...(opts.timeFormat ? { timeFormat: opts.timeFormat } : {}), ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
    ...(opts.tick !== undefined ? { tick: opts.tick } : {}),
  });

  const lake = opts.lakeDir ?? defaultLakeDir();
  await recoverLake(db, lake);
  const previous = await findDataset(db, opts.dataset);
  if (previous && previous.checksum === checksum && previous.options === options && previous.files.every((f) => existsSync(f))) {
    return { ...previous.quality, status: 'unchanged' };
  }

  const fields = REQUIRED_FIELDS[kind];
  const srcs: SourceColumns[] = [];
  for (const f of files) srcs.push(await describeSource(db, f, kind, opts.symbol, opts.map ?? {}));
  const extras = keepExtra ? extraColumns(srcs, fields, opts.ignore ?? []) : [];
  const fileList = `[${files.map(sqlString).join(', ')}]`;
  const iso = (col: string): string => `strftime(${col}, '%Y-%m-%dT%H:%M:%SZ')`;

  try {
    try {
      for (const [i, s] of srcs.entries()) if (s.format === 'csv') srcs[i] = await copyCsv(db, s, i);
      await db.exec(`CREATE OR REPLACE TEMP TABLE ingest_stage AS ${srcs.map((s, i) => stageSelect(s, i, fields, opts.symbol, extras, { ...(opts.timeFormat ? { timeFormat: opts.timeFormat } : {}), ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) })).join(' UNION ALL ')}`);
    } catch (err) {
      throw new Error(`${files.join(', ')}: cannot read: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }
    for (let i = 0; i < srcs.length; i++) await db.exec(`DROP TABLE IF EXISTS ingest_raw_${i}`);
    const notes: string[] = [];
    // Funding events come every 8 h on 1h bars: their spacing says nothing about the bars' frequency.
    const frequency = kind !== 'bars' ? opts.frequency! : await settleFrequency(db, opts.frequency, notes);
    const market = opts.market ?? (await inferMarket(db, notes));
    const barMs = kind === 'bars' ? FREQUENCY_MS[frequency] : undefined;
    const checks = rowChecks({ kind, fields, ...(barMs !== undefined ? { barMs } : {}) });
    // Duplicates by hash aggregate (only (symbol, time) keys seen twice survive), then
    // the first occurrence in (file, row) order is the kept one; unsorted rows by lag().
    await db.exec(`CREATE OR REPLACE TEMP TABLE ingest_rows AS
      WITH d AS (SELECT symbol, time, min(file * 1000000000000 + row) AS first_key FROM ingest_stage
                 WHERE symbol IS NOT NULL AND time IS NOT NULL GROUP BY symbol, time HAVING count(*) > 1),
      ticks AS (${tickSql(policy, opts.tick)})
      SELECT s.*, ticks.tick AS repair_tick,
        CASE WHEN d.first_key IS NOT NULL AND s.file * 1000000000000 + s.row > d.first_key THEN 2 ELSE 1 END AS dup_rank,
        d.first_key % 1000000000000 AS dup_first_row,
        ${fileList}[CAST(d.first_key // 1000000000000 AS INTEGER) + 1] AS dup_first_file_name,
        lag(s.time) OVER (PARTITION BY s.file, s.symbol ORDER BY s.row) AS prev_time
      FROM ingest_stage s LEFT JOIN d ON d.symbol = s.symbol AND d.time = s.time LEFT JOIN ticks ON ticks.symbol = s.symbol`);
    const rowsIn = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM ingest_rows'))!.n);

    const report: QualityRow[] = [];
    const preds = checks.map((c) => `coalesce((${c.predicate}), false)`);
    const counts = (await db.one<Record<string, number>>(`SELECT ${preds.map((p, i) => `count_if(${p}) AS c${i}`).join(', ')} FROM ingest_rows s`))!;
    for (const [i, c] of checks.entries()) {
      const n = Number(counts[`c${i}`]);
      const examples = n === 0 ? [] : await db.all<{ file: number; row: number; symbol: string | null; time: string | null; detail: string }>(
        `SELECT s.file, s.row, s.symbol, coalesce(${iso('s.time')}, s.time_raw) AS time, ${c.detail} AS detail
         FROM ingest_rows s WHERE ${preds[i]} ORDER BY s.file, s.row LIMIT ${maxExamples}`);
      report.push({ check: c.check, severity: c.severity, count: n, examples: examples.map((e) => ({ file: files[e.file]!, row: Number(e.row), symbol: e.symbol, time: e.time, detail: e.detail })) });
    }
    const anyOf = (cs: typeof checks): string => (cs.length ? cs.map((c) => `coalesce((${c.predicate}), false)`).join(' OR ') : 'false');
    const errorChecks = checks.filter((c) => c.severity === 'error');
    const warnDrop = anyOf(checks.filter((c) => (dropWarnings as string[]).includes(c.check)));
    const repair = policy === 'repair' ? await planRepairs(db, errorChecks, warnDrop, files, maxExamples) : undefined;
    await db.exec(repair
      ? `CREATE OR REPLACE TEMP TABLE ingest_keep AS SELECT * REPLACE (${REPAIRABLE_FIELDS.map((f) => `CASE WHEN ${repair.repairable} THEN ${repair.sql.value(f)} ELSE s.${ident(f)} END AS ${ident(f)}`).join(', ')})
         FROM ingest_rows s WHERE NOT (${warnDrop}) AND (NOT (${anyOf(errorChecks)}) OR ${repair.repairable})`
      : `CREATE OR REPLACE TEMP TABLE ingest_keep AS SELECT * FROM ingest_rows s WHERE NOT (${anyOf(errorChecks)} OR ${warnDrop})`);

    if (kind === 'bars') report.push(await gapCheck(db, frequency, market, files, maxExamples));
    const { numeric, labels } = await classifyExtras(db, extras);
    const rowsKeptIfWritten = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM ingest_keep'))!.n);
    const errors = report.filter((r) => r.severity === 'error' && r.count > 0);
    let barsPerYear: number | undefined;
    if (kind === 'bars') {
      const times = (await db.all<{ t: number }>('SELECT DISTINCT epoch_ms(time)::DOUBLE AS t FROM ingest_keep ORDER BY t')).map((r) => Number(r.t));
      if (new Set(times.map((t) => Math.floor(t / 86_400_000))).size > 1) {
        const a = checkAnnualization(Float64Array.from(times), frequency, market);
        barsPerYear = a.inferred.barsPerYear;
        if (a.warning) notes.push(`default ${a.warning}`);
      }
    }
    const base = {
      dataset: opts.dataset, policy, files, rowsIn, checks: report,
      frequency, frequencySource: opts.frequency !== undefined ? 'given' : 'inferred', market, marketSource: opts.market !== undefined ? 'given' : 'inferred',
      fields: [...fields, ...numeric.map((i) => extras[i]!)], labels: labels.map((i) => extras[i]!),
      ...(barsPerYear !== undefined ? { barsPerYear } : {}), notes,
    } as const;
    const tickSource = opts.tick !== undefined ? 'given' : 'inferred';
    if (policy === 'reject' && errors.length) throw new IngestRejectedError({ ...base, status: 'rejected', rowsKept: 0, rowsDropped: 0 });
    if (repair && repair.unrepairable > 0) {
      throw new IngestRejectedError({ ...base, status: 'rejected', rowsKept: 0, rowsDropped: 0, rowsRepaired: 0, tickSource, rowsUnrepairable: repair.unrepairable, unrepairable: repair.unrepairableExamples });
    }
    if (rowsKeptIfWritten === 0) throw new Error(`ingest of ${opts.dataset}: no valid row to store in ${files.join(', ')}`);
    if (repair && repair.rows > repair.repairs.length) notes.push(`${repair.rows} rows repaired; the report lists the first ${MAX_REPAIRS_LISTED} repaired values`);
    const quality: QualityReport = {
      ...base, status: 'ingested', rowsKept: rowsKeptIfWritten, rowsDropped: rowsIn - rowsKeptIfWritten,
      ...(repair ? { rowsRepaired: repair.rows, repairs: repair.repairs, tickSource } : {}),
    };

    const summary = (await db.one<{ first: string; last: string; symbols: string[] }>(
      `SELECT ${iso('min(time)')} AS first, ${iso('max(time)')} AS last, list(DISTINCT symbol ORDER BY symbol) AS symbols FROM ingest_keep`))!;

    // Write: an intent record, a temp file in the staging folder, then catalog row +
    // rename in one transaction; a kill -9 anywhere is finished or undone by recoverLake.
    const dir = join(lake, opts.dataset);
    const createdDir = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    const tag = createHash('sha256').update(checksum + options).digest('hex').slice(0, 16);
    const final = join(dir, `part-${tag}.parquet`);
    const { tmp, record } = stagingPaths(lake, opts.dataset);
    const finalExisted = existsSync(final);
    writePending(record, { pid: process.pid, db: db.path, dataset: opts.dataset, tmp, final, finalExisted, old: [...(previous?.files ?? [])] });
    let committed = false;
    try {
      const cols = [
        ...fields.map((f) => `CAST(${ident(f)} AS DOUBLE) AS ${ident(f)}`),
        ...numeric.map((i) => `${numericText(`x__${i}`)} AS ${ident(extras[i]!)}`),
        ...labels.map((i) => `NULLIF(trim(x__${i}), '') AS ${ident(extras[i]!)}`),
      ].join(', ');
      await db.exec(`COPY (SELECT time, symbol, ${cols} FROM ingest_keep ORDER BY symbol, time) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      try {
        await db.transaction(async (tx) => {
          await putDataset(tx, {
            name: opts.dataset, kind, frequency, market, attachTo: opts.attachTo ?? null, sources, checksum, options,
            files: [final], symbols: summary.symbols, firstTime: summary.first, lastTime: summary.last, rowCount: rowsKeptIfWritten,
            rowsDropped: rowsIn - rowsKeptIfWritten, quality,
          });
          renameSync(tmp, final);
        });
      } catch (err) {
        const msg = (err as Error).message;
        if (/Conflict|PRIMARY KEY|duplicate key/i.test(msg)) throw new Error(`ingest of ${opts.dataset}: another writer registered dataset "${opts.dataset}" in ${db.path} at the same time; nothing of this ingest was kept (${msg.split('\n')[0]})`);
        throw err;
      }
      committed = true;
    } finally {
      if (existsSync(tmp)) unlinkSync(tmp);
      if (!committed) {
        if (!finalExisted && existsSync(final)) unlinkSync(final);
        if (createdDir && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
        if (existsSync(record)) unlinkSync(record);
        tidyStaging(lake);
      }
    }
    for (const old of previous?.files ?? []) if (old !== final && existsSync(old)) unlinkSync(old);
    unlinkSync(record);
    tidyStaging(lake);
    return quality;
  } finally {
    for (const t of TMP) await db.exec(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    for (let i = 0; i < Math.min(files.length, MAX_RAW); i++) await db.exec(`DROP TABLE IF EXISTS ingest_raw_${i}`).catch(() => undefined);
  }
}

/**
 * SQL (symbol, tick) of the tick policy 'repair' judges by: the given tick for every
 * symbol, or per symbol the smallest positive difference between two distinct
 * finite prices of its open/high/low/close, rounded to 10 significant digits
 * (0.009999999999999787 -> 0.01). No row (so a NULL tick) for other policies and
 * for a symbol with a single distinct price.
 */
function tickSql(policy: IngestPolicy, tick: number | undefined): string {
  if (policy !== 'repair') return 'SELECT NULL::VARCHAR AS symbol, NULL::DOUBLE AS tick WHERE false';
  if (tick !== undefined) return `SELECT DISTINCT symbol, ${tick}::DOUBLE AS tick FROM ingest_stage`;
  return `WITH p AS (SELECT DISTINCT symbol, v FROM (SELECT symbol, unnest([open, high, low, close]) AS v FROM ingest_stage WHERE symbol IS NOT NULL)
            WHERE isfinite(v) AND v > 0),
          d AS (SELECT symbol, v - lag(v) OVER (PARTITION BY symbol ORDER BY v) AS dv FROM p)
    SELECT symbol, round(min(dv), 9 - CAST(floor(log10(min(dv))) AS INTEGER)) AS tick FROM d WHERE dv > 0 GROUP BY symbol`;
}

/** What policy 'repair' will do with the error rows of `ingest_rows`. */
interface RepairPlan {
  /** SQL over a row `s` of ingest_rows: its only error is open/close outside [low, high], by at most one tick. */
  readonly repairable: string;
  /** The clamp expressions ({@link repairSql}). */
  readonly sql: ReturnType<typeof repairSql>;
  /** Rows repaired. */
  readonly rows: number;
  /** Values repaired (at most MAX_REPAIRS_LISTED), file / row order, open before close. */
  readonly repairs: RepairEntry[];
  /** Error rows that cannot be repaired. */
  readonly unrepairable: number;
  /** The first of them, detail naming the checks they fail. */
  readonly unrepairableExamples: QualityExample[];
}

/** `dropped`: SQL of the rows dropped anyway (dropWarnings): not counted or listed as repaired. */
async function planRepairs(db: Db, errorChecks: readonly RowCheck[], dropped: string, files: readonly string[], maxExamples: number): Promise<RepairPlan> {
  const sql = repairSql();
  const fails = (c: { predicate: string }): string => `coalesce((${c.predicate}), false)`;
  const only = errorChecks.filter((c) => c.check === 'open_close_outside_range');
  const others = errorChecks.filter((c) => c.check !== 'open_close_outside_range');
  const repairable = `(${only.map(fails).join(' OR ') || 'false'}) AND NOT (${others.map(fails).join(' OR ') || 'false'}) AND ${sql.withinTick}`;
  const anyError = errorChecks.map(fails).join(' OR ') || 'false';
  const counts = (await db.one<{ rows: number; bad: number }>(
    `SELECT count_if((${repairable}) AND NOT (${dropped})) AS rows, count_if((${anyError}) AND NOT (${repairable})) AS bad FROM ingest_rows s`))!;
  const iso = `strftime(s.time, '%Y-%m-%dT%H:%M:%SZ')`;
  const values = REPAIRABLE_FIELDS.map((f, i) =>
    `SELECT s.file, s.row, ${i} AS k, s.symbol, ${iso} AS time, '${f}' AS field, s.${ident(f)} AS old, ${sql.value(f)} AS new, s.repair_tick AS tick
     FROM ingest_rows s WHERE ${repairable} AND NOT (${dropped}) AND ${sql.changed(f)}`).join(' UNION ALL ');
  const repairs = (await db.all<{ file: number; row: number; symbol: string; time: string; field: 'open' | 'close'; old: number; new: number; tick: number }>(
    `${values} ORDER BY file, row, k LIMIT ${MAX_REPAIRS_LISTED}`)).map((r) => ({ file: files[r.file]!, row: Number(r.row), symbol: r.symbol, time: r.time, field: r.field, old: r.old, new: r.new, tick: r.tick }));
  // Why each unrepairable row is an error: the checks it fails, with the first one's detail.
  const why = errorChecks.map((c) => `CASE WHEN ${fails(c)} THEN '${c.check}' END`).join(', ');
  const firstDetail = `coalesce(${errorChecks.map((c) => `CASE WHEN ${fails(c)} THEN ${c.detail} END`).join(', ')}, '')`;
  const bad = await db.all<{ file: number; row: number; symbol: string | null; time: string | null; checks: string; detail: string; tick: number | null }>(
    `SELECT s.file, s.row, s.symbol, coalesce(${iso}, s.time_raw) AS time, concat_ws(', ', ${why}) AS checks, ${firstDetail} AS detail, s.repair_tick AS tick
     FROM ingest_rows s WHERE (${anyError}) AND NOT (${repairable}) ORDER BY s.file, s.row LIMIT ${maxExamples}`);
  const unrepairableExamples = bad.map((b) => {
    const reason = /^open_close_outside_range$/.test(b.checks) ? (b.tick === null ? '; no tick known for this symbol' : `; more than one tick (${b.tick}) outside`) : '';
    return { file: files[b.file]!, row: Number(b.row), symbol: b.symbol, time: b.time, detail: `${b.checks}: ${b.detail}${reason}` };
  });
  return { repairable: `(${repairable})`, sql, rows: Number(counts.rows), repairs, unrepairable: Number(counts.bad), unrepairableExamples };
}

/**
 * The extra columns to keep, in first-seen file order: every column no mapping
 * uses, minus `ignore`.
 * @throws Error naming a column whose name clashes (case-insensitively) with time,
 *   symbol, a required field or another kept column: map it or ignore it.
 */
function extraColumns(srcs: readonly SourceColumns[], fields: readonly string[], ignore: readonly string[]): string[] {
  const taken = new Map<string, string>([['time', 'time'], ['symbol', 'symbol'], ...fields.map((f) => [f, f] as [string, string])]);
  const out: string[] = [];
  for (const s of srcs) {
    for (const c of s.ignored) {
      if (ignore.includes(c) || out.includes(c)) continue;
      const clash = taken.get(c.toLowerCase());
      if (clash !== undefined) throw new Error(`${s.path}: column "${c}" would be kept as an extra field but its name clashes with "${clash}"; map it (--map) or ignore it (--ignore ${c})`);
      taken.set(c.toLowerCase(), c);
      out.push(c);
    }
  }
  return out;
}

/** SQL DOUBLE of a staged text column (empty -> NULL, unparseable -> NULL; see {@link classifyExtras} for which columns are numeric). */
function numericText(col: string): string {
  return `TRY_CAST(NULLIF(trim(${col}), '') AS DOUBLE)`;
}

/**
 * Splits the staged extra columns (x__<i>) of the kept rows into numeric fields
 * (every non-empty value parses as a finite number or NaN) and text labels.
 * @returns indexes into the extras list.
 */
async function classifyExtras(db: Db, extras: readonly string[]): Promise<{ numeric: number[]; labels: number[] }> {
  if (!extras.length) return { numeric: [], labels: [] };
  const v = (i: number): string => numericText(`x__${i}`);
  const bad = (i: number): string => `count_if(NULLIF(trim(x__${i}), '') IS NOT NULL AND (${v(i)} IS NULL OR isinf(${v(i)})))`;
  const row = (await db.one<Record<string, number>>(`SELECT ${extras.map((_, i) => `${bad(i)} AS b${i}`).join(', ')} FROM ingest_keep`))!;
  const numeric: number[] = [];
  const labels: number[] = [];
  extras.forEach((_, i) => (Number(row[`b${i}`]) === 0 ? numeric : labels).push(i));
  return { numeric, labels };
}

/**
 * The most common positive spacing (ms) between a symbol's consecutive staged
 * bars, mapped to a {@link Frequency}; the given frequency when there is one
 * (a note when the data says otherwise).
 * @throws Error when no frequency is given and the spacing is none of the known ones.
 */
async function settleFrequency(db: Db, given: Frequency | undefined, notes: string[]): Promise<Frequency> {
  const r = await db.one<{ d: number | null }>(`SELECT d FROM (
      SELECT epoch_ms(time) - epoch_ms(lag(time) OVER (PARTITION BY symbol ORDER BY time)) AS d FROM ingest_stage WHERE time IS NOT NULL AND symbol IS NOT NULL)
    WHERE d > 0 GROUP BY d ORDER BY count(*) DESC, d LIMIT 1`);
  const spacing = r?.d === null || r?.d === undefined ? undefined : Number(r.d);
  const inferred = spacing !== undefined ? frequencyOfSpacing(spacing) : undefined;
  if (given !== undefined) {
    if (spacing !== undefined && inferred !== given) notes.push(`frequency ${given} given, but the most common spacing between bars is ${inferred ?? `${spacing} ms`}`);
    return given;
  }
  if (inferred === undefined) throw new Error(`cannot infer the frequency: the most common spacing between a symbol's bars is ${spacing === undefined ? 'unknown (fewer than 2 bars per symbol)' : `${spacing} ms`}, none of ${Object.keys(FREQUENCY_MS).join(', ')}; give it (--frequency)`);
  notes.push(`frequency ${inferred} inferred (most common spacing between bars)`);
  return inferred;
}

/** 'crypto' when more than 2 % of the staged bars fall on a Saturday or Sunday (UTC), else 'equity'; a note says so. */
async function inferMarket(db: Db, notes: string[]): Promise<'equity' | 'crypto'> {
  const r = (await db.one<{ w: number; n: number }>(`SELECT count_if(dayofweek(time) IN (0, 6)) AS w, count(*) AS n FROM ingest_stage WHERE time IS NOT NULL`))!;
  const share = Number(r.n) ? Number(r.w) / Number(r.n) : 0;
  const market = share > 0.02 ? 'crypto' : 'equity';
  notes.push(`market ${market} inferred (${(100 * share).toFixed(1)} % of bars on weekends)`);
  return market;
}

/**
 * Counts missing bars without materializing them (a 2-row file spanning 1970..2100
 * at 1m holds 68 million gaps; listing them tied ingest up for a minute): per
 * symbol, the bars its span [first, last] should hold minus the bars it has. The
 * examples expand only the first `maxExamples` missing bars. Rows in `ingest_keep`
 * are unique per (symbol, time) and on the bar grid (duplicates and off-grid rows
 * are errors, never kept).
 */
async function gapCheck(db: Db, frequency: Frequency, market: 'equity' | 'crypto', files: readonly string[], maxExamples: number): Promise<QualityRow> {
  const barMs = FREQUENCY_MS[frequency];
  const calendar = market === 'equity' && frequency === '1d';
  // Position of each bar on its axis: calendar index (dates any symbol has) or grid index (epoch ms / bar).
  const pos = calendar
    ? `WITH cal AS (SELECT time, row_number() OVER (ORDER BY time) AS pos FROM (SELECT DISTINCT time FROM ingest_keep)),
         k AS (SELECT k.symbol, k.time, k.file, k.row, cal.pos FROM ingest_keep k JOIN cal USING (time))`
    : `WITH k AS (SELECT symbol, time, file, row, epoch_ms(time) // ${barMs} AS pos FROM ingest_keep)`;
  const n = Number((await db.one<{ n: number | bigint | null }>(
    `${pos} SELECT CAST(sum(max_pos - min_pos + 1 - n) AS DOUBLE) AS n FROM (SELECT min(pos) AS min_pos, max(pos) AS max_pos, count(*) AS n FROM k GROUP BY symbol)`))?.n ?? 0);
  let examples: QualityExample[] = [];
  if (n > 0) {
    // The first runs of missing bars (symbol, time order), each with the next bar's file and row.
    const runs = await db.all<{ symbol: string; pos: number; next_pos: number; file: number; row: number }>(
      `${pos}, w AS (SELECT symbol, pos, lead(pos) OVER (PARTITION BY symbol ORDER BY time) AS next_pos,
           lead(file) OVER (PARTITION BY symbol ORDER BY time) AS file, lead(row) OVER (PARTITION BY symbol ORDER BY time) AS row FROM k)
       SELECT symbol, pos, next_pos, file, row FROM w WHERE next_pos - pos > 1 ORDER BY symbol, pos LIMIT ${maxExamples}`);
    const wanted: { symbol: string; pos: number; file: number; row: number }[] = [];
    for (const r of runs) {
      for (let p = Number(r.pos) + 1; p < Number(r.next_pos) && wanted.length < maxExamples; p++) wanted.push({ symbol: r.symbol, pos: p, file: Number(r.file), row: Number(r.row) });
    }
    const timeOf = new Map<number, string>();
    if (calendar && wanted.length) {
      const cal = await db.all<{ pos: number; time: string }>(
        `SELECT pos, strftime(time, '%Y-%m-%dT%H:%M:%SZ') AS time FROM (SELECT time, row_number() OVER (ORDER BY time) AS pos FROM (SELECT DISTINCT time FROM ingest_keep))
         WHERE pos IN (${[...new Set(wanted.map((w) => w.pos))].join(', ')})`);
      for (const c of cal) timeOf.set(Number(c.pos), c.time);
    }
    const iso = (p: number): string => timeOf.get(p) ?? new Date(p * barMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    examples = wanted.map((w) => ({ file: files[w.file]!, row: w.row, symbol: w.symbol, time: iso(w.pos), detail: `no ${calendar ? 'row on this calendar date' : `${frequency} bar`} (row = the symbol's next bar)` }));
  }
  return { check: 'gap', severity: 'warning', count: n, examples };
}

/** Options of {@link ingestBundled}. */
export interface IngestBundledOptions {
  /** Catalog database (default `Db.open()`). */
  readonly db?: Db;
  /** Lake folder (default `defaultLakeDir()`). */
  readonly lakeDir?: string;
  /** Policy for error rows (default 'drop': the S&P sample holds 12 OHLC-inconsistent rows, e.g. the LNT 2016-05-19 bad print). */
  readonly policy?: IngestPolicy;
}

/**
 * Ingests the bundled samples of `data/samples/` as datasets `sp500_daily`
 * (1d, equity), `binance_perp_1h` (1h, crypto) and `binance_perp_1h_funding`
 * (funding events attached to `binance_perp_1h`). Idempotent: a second call
 * reports "unchanged".
 * @returns the three quality reports, in that order.
 */
export async function ingestBundled(opts: IngestBundledOptions = {}): Promise<QualityReport[]> {
  const db = opts.db ?? (await Db.open());
  try {
    const common = { db, policy: opts.policy ?? 'drop', ...(opts.lakeDir ? { lakeDir: opts.lakeDir } : {}) } as const;
    const sp = bundledPaths('sp500_daily');
    const perp = bundledPaths('binance_perp_1h');
    return [
      await ingestFiles(sp.bars, { ...common, dataset: 'sp500_daily', frequency: '1d', market: 'equity' }),
      await ingestFiles(perp.bars, { ...common, dataset: 'binance_perp_1h', frequency: '1h', market: 'crypto' }),
      await ingestFiles(perp.funding!, { ...common, dataset: 'binance_perp_1h_funding', kind: 'funding', frequency: '1h', market: 'crypto', attachTo: 'binance_perp_1h' }),
    ];
  } finally {
    if (!opts.db) db.close();
  }
}
