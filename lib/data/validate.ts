import type { Frequency } from './panel.js';

/**
 * Data-quality checks run on the way in (see `ingest.ts`), as SQL over the
 * staging table, and the data-quality report they produce.
 *
 * Staging table columns (one row per source data row): `file` (index into the
 * file list), `row` (1-based data row in its file, header not counted: CSV line =
 * row + 1), `time_raw`/`time` (text / parsed TIMESTAMP, UTC), `symbol`, and per
 * field `<f>` (DOUBLE, NULL when empty or unparseable) and `<f>_raw` (the source
 * text; NULL for typed parquet columns, where nothing can be unparseable).
 *
 * Errors (bad rows: `'reject'` aborts the ingest, `'drop'` drops them, `'repair'`
 * fixes the unambiguous ones (see {@link repairSql}) and aborts on any other):
 * - `unparseable_time`: time empty or not a date/timestamp.
 * - `missing_symbol`: symbol empty.
 * - `invalid_symbol`: symbol holds a control character (a NUL byte, a tab, a line break).
 * - `unparseable_value`: a numeric field holds text that is not a number.
 * - `infinite_value`: a numeric field is +-Infinity (panels never hold infinities).
 * - `duplicate`: a second (or later) row with the same (symbol, time); the first
 *   occurrence in (file, row) order is kept, the later ones are the bad rows (if the
 *   first occurrence fails another check, all copies are dropped).
 * - `off_grid_time`: time not a multiple of the bar length from the epoch (daily
 *   bars must be at 00:00 UTC; 1h bars on the hour; bars only: funding events
 *   settle at any time).
 * - `non_positive_price`: open, high, low or close <= 0 (bars only).
 * - `high_below_low`: high < low (bars only).
 * - `open_close_outside_range`: open or close outside [low, high] (bars only).
 * - `negative_volume`: volume < 0 (bars only).
 *
 * The range checks are NaN-aware: a NaN operand (empty field or literal `NaN`) makes
 * no comparison true (DuckDB orders NaN above every number), so a NaN field is only
 * the `nan_field` warning, whichever field it is in.
 *
 * Warnings (reported, rows kept unless listed in `dropWarnings`):
 * - `nan_field`: a numeric field empty / NULL / NaN (kept as NaN: missing).
 * - `implausible_time`: a time before 1900-01-01 or more than one day after the
 *   ingest (history cannot hold future bars: usually a unit or format mistake).
 * - `zero_volume`: volume = 0 (bars only; e.g. exchange maintenance bars).
 * - `unsorted`: a row whose time is earlier than the previous row of the same
 *   symbol in the same file (the lake is written sorted anyway).
 * - `gap` (bars only): a bar missing inside a symbol's own span [first, last]: for daily
 *   equities, a date of the dataset calendar (union of all symbols' dates) the
 *   symbol lacks; otherwise (24/7 crypto, intraday) a missing bar on the
 *   frequency grid. No row exists for a gap: the example names the missing time
 *   and the row of the symbol's next bar. Gaps are counted after bad rows are dropped.
 */

/** Severity of a check: errors are bad rows, warnings are reported only. */
export type Severity = 'error' | 'warning';

/** Names of the row checks that are errors. */
export const ERROR_CHECKS = [
  'unparseable_time', 'missing_symbol', 'invalid_symbol', 'unparseable_value', 'infinite_value', 'duplicate', 'off_grid_time',
  'non_positive_price', 'high_below_low', 'open_close_outside_range', 'negative_volume',
] as const;
/** Ingest policies for error rows (see `IngestOptions.policy`). */
export const INGEST_POLICIES = ['reject', 'drop', 'repair'] as const;
/** An ingest policy: 'reject' (abort, nothing written), 'drop' (drop error rows) or 'repair' (fix the unambiguous ones, else abort). */
export type IngestPolicy = (typeof INGEST_POLICIES)[number];
/** Names of the checks that are warnings. */
export const WARNING_CHECKS = ['nan_field', 'implausible_time', 'zero_volume', 'unsorted', 'gap'] as const;

/** An error check name. */
export type ErrorCheck = (typeof ERROR_CHECKS)[number];
/** A warning check name. */
export type WarningCheck = (typeof WARNING_CHECKS)[number];
/** Any check name. */
export type CheckName = ErrorCheck | WarningCheck;
/** Warnings whose rows a user may ask to drop (gaps and unsorted rows are not droppable rows). */
export type DroppableWarning = 'nan_field' | 'zero_volume' | 'implausible_time';

/** One example of a problem, locating it in its source. */
export interface QualityExample {
  /** Source file path. */
  readonly file: string;
  /** 1-based data row in the file (header not counted; CSV line = row + 1). For a gap: the row of the symbol's next bar. */
  readonly row: number;
  /** Symbol of the row (null when empty). */
  readonly symbol: string | null;
  /** Time of the row (ISO, UTC) or its raw text when unparseable; for a gap the missing bar time. */
  readonly time: string | null;
  /** What is wrong, with the values involved (e.g. `high=9 < low=10`). */
  readonly detail: string;
}

/** One line of the data-quality report. */
export interface QualityRow {
  /** Check name. */
  readonly check: CheckName;
  /** 'error' (bad rows, subject to the policy) or 'warning' (reported). */
  readonly severity: Severity;
  /** Number of rows (for `gap`: missing bars) flagged. */
  readonly count: number;
  /** Up to `maxExamples` examples, in file / row order. */
  readonly examples: readonly QualityExample[];
}

/** What a check needs to know about the dataset. */
export interface CheckContext {
  /** 'bars' (OHLCV), 'funding' (time, symbol, funding_rate) or 'open_interest' (time, symbol, open_interest, open_interest_value). */
  readonly kind: 'bars' | 'funding' | 'open_interest';
  /** Normalized numeric fields in the staging table. */
  readonly fields: readonly string[];
  /** Bar length in ms (grid checks); undefined for funding events. */
  readonly barMs?: number;
}

/** A row-level check: SQL predicate over the staging table `s` and an SQL detail text. */
export interface RowCheck {
  readonly check: Exclude<CheckName, 'gap'>;
  readonly severity: Severity;
  /** Boolean SQL over the staging row (true = flagged). */
  readonly predicate: string;
  /** VARCHAR SQL describing the problem. */
  readonly detail: string;
}

const q = (f: string): string => `"${f}"`;
/** A field as SQL with NaN read as NULL, so that no range comparison holds on it. */
const num = (f: string): string => `(CASE WHEN isnan(s.${q(f)}) THEN NULL ELSE s.${q(f)} END)`;

/** The row-level checks for a context, in report order (errors first). */
export function rowChecks(ctx: CheckContext): RowCheck[] {
  const F = ctx.fields;
  const bars = ctx.kind === 'bars';
  const anyOf = (parts: string[]): string => (parts.length ? parts.map((p) => `(${p})`).join(' OR ') : 'false');
  const firstOf = (parts: [string, string][]): string => `COALESCE(${parts.map(([p, d]) => `CASE WHEN ${p} THEN ${d} END`).join(', ')}, '')`;
  const unparseable = F.map((f) => [`s.${q(f)} IS NULL AND s.${q(f + '_raw')} IS NOT NULL AND trim(s.${q(f + '_raw')}) <> ''`, `'${f}=' || s.${q(f + '_raw')}`] as [string, string]);
  const infinite = F.map((f) => [`isinf(s.${q(f)})`, `'${f}=' || CAST(s.${q(f)} AS VARCHAR)`] as [string, string]);
  const nan = F.map((f) => [`(s.${q(f)} IS NULL AND (s.${q(f + '_raw')} IS NULL OR trim(s.${q(f + '_raw')}) = '')) OR isnan(s.${q(f)})`, `'${f} missing'`] as [string, string]);
  const prices = bars ? ['open', 'high', 'low', 'close'] : [];
  const nonPos = prices.map((f) => [`${num(f)} <= 0`, `'${f}=' || CAST(s.${q(f)} AS VARCHAR)`] as [string, string]);
  const outside = bars
    ? (['open', 'close'].map((f) => [`${num(f)} < ${num('low')} OR ${num(f)} > ${num('high')}`, `'${f}=' || CAST(s.${q(f)} AS VARCHAR) || ' outside [low=' || CAST(s.low AS VARCHAR) || ', high=' || CAST(s.high AS VARCHAR) || ']'`]) as [string, string][])
    : [];
  const checks: RowCheck[] = [
    { check: 'unparseable_time', severity: 'error', predicate: 's.time IS NULL', detail: `'time=' || COALESCE(s.time_raw, '(empty)')` },
    { check: 'missing_symbol', severity: 'error', predicate: `s.symbol IS NULL OR trim(s.symbol) = ''`, detail: `'symbol empty'` },
    { check: 'invalid_symbol', severity: 'error', predicate: `regexp_matches(s.symbol, '[\\x00-\\x1f\\x7f]')`, detail: `'symbol holds a control character (code ' || CAST(unicode(regexp_extract(s.symbol, '[\\x00-\\x1f\\x7f]')) AS VARCHAR) || ')'` },
    { check: 'unparseable_value', severity: 'error', predicate: anyOf(unparseable.map((u) => u[0])), detail: firstOf(unparseable) },
    { check: 'infinite_value', severity: 'error', predicate: anyOf(infinite.map((u) => u[0])), detail: firstOf(infinite) },
    { check: 'duplicate', severity: 'error', predicate: 's.dup_rank > 1', detail: `'duplicate of row ' || CAST(s.dup_first_row AS VARCHAR) || ' of ' || s.dup_first_file_name` },
  ];
  if (ctx.barMs !== undefined) {
    checks.push({ check: 'off_grid_time', severity: 'error', predicate: `epoch_ms(s.time) % ${ctx.barMs} <> 0`, detail: `'time not on the ${ctx.barMs} ms bar grid'` });
  }
  if (bars) {
    checks.push(
      { check: 'non_positive_price', severity: 'error', predicate: anyOf(nonPos.map((u) => u[0])), detail: firstOf(nonPos) },
      { check: 'high_below_low', severity: 'error', predicate: `${num('high')} < ${num('low')}`, detail: `'high=' || CAST(s.high AS VARCHAR) || ' < low=' || CAST(s.low AS VARCHAR)` },
      { check: 'open_close_outside_range', severity: 'error', predicate: `NOT coalesce(${num('high')} < ${num('low')}, false) AND (${anyOf(outside.map((u) => u[0]))})`, detail: firstOf(outside) },
      { check: 'negative_volume', severity: 'error', predicate: `${num('volume')} < 0`, detail: `'volume=' || CAST(s.volume AS VARCHAR)` },
    );
  }
  checks.push({ check: 'nan_field', severity: 'warning', predicate: anyOf(nan.map((u) => u[0])), detail: firstOf(nan) });
  checks.push({
    check: 'implausible_time', severity: 'warning',
    predicate: `s.time < TIMESTAMP '1900-01-01' OR s.time > make_timestamp(epoch_us(now())) + INTERVAL 1 DAY`,
    detail: `'time ' || strftime(s.time, '%Y-%m-%dT%H:%M:%SZ') || (CASE WHEN s.time < TIMESTAMP '1900-01-01' THEN ' before 1900' ELSE ' in the future' END)`,
  });
  if (bars) checks.push({ check: 'zero_volume', severity: 'warning', predicate: `${num('volume')} = 0`, detail: `'volume=0'` });
  checks.push({ check: 'unsorted', severity: 'warning', predicate: 's.prev_time > s.time', detail: `'time before the previous row of ' || s.symbol || ' (' || strftime(s.prev_time, '%Y-%m-%dT%H:%M:%SZ') || ')'` });
  return checks;
}

/** The fields policy 'repair' may change, in report order. */
export const REPAIRABLE_FIELDS = ['open', 'close'] as const;

/**
 * SQL of policy 'repair' over a staging row `s` that carries the symbol's tick in
 * `s.repair_tick` (NULL when unknown). The only repair: an open or close outside
 * [low, high] by at most one tick is clamped into [low, high] (the print is off by
 * one price step, so the bound is the only value it can have been; anything
 * further out is not a rounding slip and stays an error). A relative tolerance of
 * 1e-6 tick absorbs binary floating point (10.12 - 10.11 = 0.0099999...).
 * - `withinTick`: every out-of-range open / close is at most one tick out
 *   (NULL / NaN fields count as in range; false when the tick is unknown).
 * - `value(f)`: f clamped into [low, high] (f itself when in range).
 * - `changed(f)`: f is out of range (so `value(f)` differs from it).
 * Callers add "no other error check holds" before treating a row as repairable.
 */
export function repairSql(): { withinTick: string; value: (f: (typeof REPAIRABLE_FIELDS)[number]) => string; changed: (f: (typeof REPAIRABLE_FIELDS)[number]) => string } {
  const tol = `s.repair_tick * (1 + 1e-6)`;
  const changed = (f: string): string => `coalesce(${num(f)} < ${num('low')} OR ${num(f)} > ${num('high')}, false)`;
  const within = (f: string): string => `coalesce(${num(f)} >= ${num('low')} - ${tol} AND ${num(f)} <= ${num('high')} + ${tol}, true)`;
  return {
    withinTick: `(s.repair_tick IS NOT NULL AND s.repair_tick > 0 AND ${REPAIRABLE_FIELDS.map(within).join(' AND ')})`,
    value: (f) => `(CASE WHEN ${changed(f)} THEN least(greatest(s.${q(f)}, s.low), s.high) ELSE s.${q(f)} END)`,
    changed,
  };
}

/** One value changed by policy 'repair'. */
export interface RepairEntry {
  /** Source file path. */
  readonly file: string;
  /** 1-based data row in the file (header not counted). */
  readonly row: number;
  /** Symbol of the row. */
  readonly symbol: string;
  /** Time of the row (ISO, UTC). */
  readonly time: string;
  /** Field changed. */
  readonly field: (typeof REPAIRABLE_FIELDS)[number];
  /** Value in the file. */
  readonly old: number;
  /** Value stored (the nearer of low / high). */
  readonly new: number;
  /** Tick (price step) the repair was judged by, in price units. */
  readonly tick: number;
}

/** A data-quality report of one ingest. */
export interface QualityReport {
  /** Dataset name. */
  readonly dataset: string;
  /** 'ingested' (written and registered), 'unchanged' (same input checksum and options: nothing done) or 'rejected' (policy 'reject' found errors: nothing written). */
  readonly status: 'ingested' | 'unchanged' | 'rejected';
  /** Policy applied to error rows. */
  readonly policy: IngestPolicy;
  /** Source files. */
  readonly files: readonly string[];
  /** Data rows read from the files. */
  readonly rowsIn: number;
  /** Rows written to the lake (0 when rejected). */
  readonly rowsKept: number;
  /** Rows dropped (errors under 'drop', plus rows of the warnings listed in dropWarnings). */
  readonly rowsDropped: number;
  /** Rows changed by policy 'repair' (0 or absent otherwise; 0 when rejected). */
  readonly rowsRepaired?: number;
  /**
   * Policy 'repair': each value changed, in file / row order (open before close); at
   * most {@link MAX_REPAIRS_LISTED} entries (a note says when more were made).
   */
  readonly repairs?: readonly RepairEntry[];
  /** Policy 'repair': where the tick came from ('given': IngestOptions.tick; 'inferred': per symbol, see IngestOptions.tick). */
  readonly tickSource?: 'given' | 'inferred';
  /** Policy 'repair', rejected: error rows that cannot be repaired (the whole file is then rejected). */
  readonly rowsUnrepairable?: number;
  /** Policy 'repair', rejected: the first unrepairable rows (detail: the checks they fail). */
  readonly unrepairable?: readonly QualityExample[];
  /** One line per check (every check run, count 0 included). */
  readonly checks: readonly QualityRow[];
  /** Bar frequency stored (absent in reports written before frequency inference). */
  readonly frequency?: Frequency;
  /** Whether the frequency was given or inferred from the data. */
  readonly frequencySource?: 'given' | 'inferred';
  /** Market kind stored. */
  readonly market?: 'equity' | 'crypto';
  /** Whether the market was given or inferred from the data. */
  readonly marketSource?: 'given' | 'inferred';
  /** Numeric fields stored (required fields first, then extra numeric columns by their file names). */
  readonly fields?: readonly string[];
  /** Text label columns stored (extra columns that are not numeric). */
  readonly labels?: readonly string[];
  /** Bars per year inferred from the stored bar times (see `inferBarsPerYear`). */
  readonly barsPerYear?: number;
  /** Plain-text notes: inferred settings, a given frequency the data contradicts. */
  readonly notes?: readonly string[];
}

/** The report lines with a non-zero count of the given severity. */
export function problems(report: QualityReport, severity?: Severity): QualityRow[] {
  return report.checks.filter((c) => c.count > 0 && (severity === undefined || c.severity === severity));
}

/**
 * A plain-text rendering of a report (one line per non-zero check with up to
 * `maxExamples` examples `file:row symbol time: detail`).
 */
export function formatReport(report: QualityReport, maxExamples = 3): string {
  const repaired = report.policy === 'repair' ? `, repaired ${report.rowsRepaired ?? 0}` : '';
  const lines = [`${report.dataset}: ${report.status} (policy ${report.policy}); rows in ${report.rowsIn}, kept ${report.rowsKept}, dropped ${report.rowsDropped}${repaired}`];
  if (report.fields) lines.push(`  ${report.frequency ?? '?'} ${report.market ?? '?'}; fields ${report.fields.join(', ')}${report.labels?.length ? `; labels ${report.labels.join(', ')}` : ''}${report.barsPerYear !== undefined ? `; ${report.barsPerYear.toFixed(1)} bars/year inferred` : ''}`);
  for (const n of report.notes ?? []) lines.push(`  note: ${n}`);
  for (const c of problems(report)) {
    lines.push(`  ${c.severity} ${c.check}: ${c.count}`);
    for (const e of c.examples.slice(0, maxExamples)) lines.push(`    ${exampleLine(e)}`);
  }
  if (report.rowsUnrepairable) {
    lines.push(`  cannot repair: ${report.rowsUnrepairable} error rows (only open/close within one tick of [low, high] is repairable)`);
    for (const e of report.unrepairable ?? []) lines.push(`    ${exampleLine(e)}`);
  }
  const repairs = report.repairs ?? [];
  if (repairs.length) {
    lines.push(`  repaired: ${report.rowsRepaired ?? 0} rows, ${repairs.length} values (tick ${report.tickSource ?? '?'})`);
    const shown = Math.max(maxExamples, MAX_REPAIRS_SHOWN);
    for (const r of repairs.slice(0, shown)) lines.push(`    ${r.file}:${r.row} ${r.symbol} ${r.time}: ${r.field} ${r.old} -> ${r.new} (tick ${r.tick})`);
    if (repairs.length > shown) lines.push(`    ... ${repairs.length - shown} more in the report's repairs list`);
  }
  return lines.join('\n');
}

/** Most repairs a report lists (the count covers all). */
export const MAX_REPAIRS_LISTED = 10_000;
/** Repairs shown by {@link formatReport} (the rest stay in `report.repairs`). */
const MAX_REPAIRS_SHOWN = 20;

const exampleLine = (e: QualityExample): string => `${e.file}:${e.row} ${e.symbol ?? '(no symbol)'} ${e.time ?? '(no time)'}: ${e.detail}`;

/** Error thrown when policy 'reject' finds error rows, or policy 'repair' finds rows it cannot repair; carries the report. */
export class IngestRejectedError extends Error {
  constructor(readonly report: QualityReport) {
    const why = report.rowsUnrepairable
      ? `policy repair: ${report.rowsUnrepairable} error rows cannot be repaired, first ${(report.unrepairable ?? []).slice(0, 3).map((e) => `${e.file}:${e.row} ${e.symbol ?? '(no symbol)'} ${e.time ?? '(no time)'} (${e.detail})`).join('; ')}; `
      : '';
    super(`ingest of ${report.dataset} rejected (${why}catalog and lake unchanged):\n${formatReport(report, 5)}`);
    this.name = 'IngestRejectedError';
  }
}

/**
 * SQL subquery over `relation` (normalized typed columns `time, symbol, <fields>`,
 * e.g. `read_parquet(...)` of a bundled sample) keeping only the rows that pass
 * every row-level error check of {@link rowChecks} except `duplicate` (a duplicate
 * makes the panel loader throw instead). Gives the rows an ingest with policy
 * 'drop' keeps, so a panel built on it equals the catalog panel.
 */
export function validRowsRelation(relation: string, ctx: CheckContext): string {
  const errors = rowChecks(ctx).filter((c) => c.severity === 'error' && c.check !== 'duplicate');
  const rawCols = ctx.fields.map((f) => `NULL::VARCHAR AS ${q(f + '_raw')}`).join(', ');
  const keep = errors.map((c) => `coalesce((${c.predicate}), false)`).join(' OR ');
  const cols = ['time', 'symbol', ...ctx.fields].map(q).map((c) => `s.${c}`).join(', ');
  return `(SELECT ${cols} FROM (SELECT *, NULL::VARCHAR AS time_raw, ${rawCols}, 1 AS dup_rank, NULL::TIMESTAMP AS prev_time FROM ${relation}) s WHERE NOT (${keep || 'false'}))`;
}
