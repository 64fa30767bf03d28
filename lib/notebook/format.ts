/**
 * One number format for every table a user reads (notebook display tables,
 * tear sheets, CLI summaries):
 * - plain numbers: 4 significant digits (integers in full, thousands not
 *   grouped so values stay copyable), scientific past 1e-4 / 1e9;
 * - percent: fractions shown as percent with the unit, 3 significant digits
 *   (`0.6912` -> `69.1%`), used where the field's convention is percent
 *   (turnover, coverage, returns, drawdown, hit rates);
 * - basis points: fractions x 1e4 with `bps`, 3 significant digits;
 * - p-values: 2 significant digits, scientific below 1e-4 (`3.2e-6`), `<1e-300` at underflow;
 * - NaN in a column of known kind: `n/a`; {@link formatValue} (kind unknown) keeps `NaN` / `null`.
 *
 * Column kinds travel with a table: {@link withColumnKinds} attaches them to
 * an array of rows (a non-enumerable symbol property), and lib/notebook's
 * `displayTable` reads them, so `displayTable(factorTable(reports))` formats
 * turnover as percent without the caller repeating it. Pure, no Node-only
 * imports (loaded by tslab and Deno kernels).
 */

/** How a column's values are shown. `text` long values go on their own row (see displayTable). */
export type ColumnKind = 'number' | 'int' | 'percent' | 'bps' | 'pvalue' | 'text';

/** Column name -> kind. Columns not named are formatted by value type ({@link formatValue}). */
export type ColumnKinds = Readonly<Record<string, ColumnKind>>;

const KINDS = Symbol.for('alphalab.columnKinds');

/** Rounds to `sig` significant digits and prints without trailing zeros; scientific below 1e-4 or from 1e9. */
export function fmtNumber(x: number, sig = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e9) return trimExp(x.toExponential(Math.max(0, sig - 1)));
  if (a >= 10 ** sig) return String(Math.round(x));
  return String(Number(x.toPrecision(sig)));
}

function trimExp(s: string): string {
  // 1.200e-5 -> 1.2e-5; 3.000e+9 -> 3e+9
  return s.replace(/\.?0+e/, 'e');
}

/** A fraction as percent with the unit, `sig` significant digits (at least one decimal below 100%): 0.6912 -> `69.1%`, 0.000123 -> `0.0123%`. */
export function fmtPercent(x: number, sig = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const p = x * 100;
  if (p === 0) return '0%';
  const a = Math.abs(p);
  if (a >= 10 ** sig) return `${Math.round(p)}%`;
  // Fixed decimals that give `sig` significant digits, so 50% prints as 50.0% and tables line up.
  const decimals = Math.max(0, sig - 1 - Math.floor(Math.log10(a)));
  return `${p.toFixed(Math.min(decimals, 10))}%`;
}

/** A fraction in basis points with the unit: 0.00123 -> `12.3 bps`. */
export function fmtBps(x: number, sig = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  return `${fmtNumber(Number((x * 1e4).toPrecision(sig)), sig)} bps`;
}

/** A p-value: 2 significant digits from 1e-4 up (`0.031`, `0.00012`), scientific below (`3.2e-6`), `<1e-300` when it underflows to 0. */
export function fmtPValue(p: number): string {
  if (p === null || p === undefined || Number.isNaN(p)) return 'n/a';
  if (p <= 0) return '<1e-300';
  if (p < 1e-4) return trimExp(p.toExponential(1));
  if (p >= 0.9995) return '1';
  return String(Number(p.toPrecision(2)));
}

/**
 * Formats one cell value of unknown kind: numbers with 4 significant digits
 * ({@link fmtNumber}; integers in full), NaN as `NaN`, null / undefined as
 * `null`, Dates as ISO (date only at 00:00 UTC), bigint as decimal, objects as JSON.
 */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : fmtNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Formats a value of a column of the given kind (non-numbers fall back to {@link formatValue}). */
export function formatByKind(v: unknown, kind: ColumnKind | undefined): string {
  if (typeof v !== 'number' || kind === undefined || kind === 'text') return formatValue(v);
  switch (kind) {
    case 'percent':
      return fmtPercent(v);
    case 'bps':
      return fmtBps(v);
    case 'pvalue':
      return fmtPValue(v);
    case 'int':
      return Number.isFinite(v) ? String(Math.round(v)) : fmtNumber(v);
    default:
      return Number.isNaN(v) ? 'NaN' : fmtNumber(v);
  }
}

/**
 * Attaches column kinds to an array of rows (a hidden, non-enumerable
 * property: JSON, spreading and iteration are unchanged) and returns the same array.
 * `displayTable` and `tableText` / `tableHtml` read them; `.map` / `.filter` copies lose them.
 */
export function withColumnKinds<T extends object>(rows: T[], kinds: ColumnKinds): T[] {
  Object.defineProperty(rows, KINDS, { value: { ...(columnKindsOf(rows) ?? {}), ...kinds }, enumerable: false, configurable: true });
  return rows;
}

/** The column kinds attached by {@link withColumnKinds}, or undefined. */
export function columnKindsOf(rows: unknown): ColumnKinds | undefined {
  return rows && typeof rows === 'object' ? ((rows as Record<symbol, ColumnKinds | undefined>)[KINDS]) : undefined;
}
