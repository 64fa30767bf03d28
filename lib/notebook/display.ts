/**
 * Rich display from notebook code that runs in either of the project's
 * kernels, with a console fallback:
 * - tslab: `require('tslab').display` (tslab hooks `require('tslab')` for
 *   modules it compiles, and sets `globalThis.__tslab__` while a kernel runs);
 * - Deno: `Deno.jupyter.display(bundle, { raw: true })` (returns a promise:
 *   `await` it so the output is sent before the cell ends);
 * - elsewhere (a script under tsx / node / deno run): plain text on stdout.
 *
 * Tables format numbers through ./format.ts (one number format everywhere) and
 * put long text columns on a row of their own, so no column is pushed off screen.
 *
 * This file uses no Node-only module so that Deno's kernel and tslab both load it.
 */

import { columnKindsOf, formatByKind, formatValue, type ColumnKinds } from './format.js';

/** Where display output goes. */
export type DisplayTarget = 'tslab' | 'deno' | 'console';

interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
}

interface DenoJupyter {
  display(obj: unknown, options?: { raw?: boolean }): Promise<void>;
}

function denoJupyter(): DenoJupyter | undefined {
  const deno = (globalThis as { Deno?: { jupyter?: DenoJupyter } }).Deno;
  return deno && deno.jupyter && typeof deno.jupyter.display === 'function' ? deno.jupyter : undefined;
}

function tslabDisplay(): TslabDisplay | undefined {
  if (!(globalThis as { __tslab__?: unknown }).__tslab__ || typeof require !== 'function') return undefined;
  try {
    return (require('tslab') as { display: TslabDisplay }).display;
  } catch {
    return undefined;
  }
}

/** What display helpers return: nothing (so a kernel prints nothing after a display call that ends a cell). */
export type Displayed = void;

/** The display target of the current process: `tslab` inside a tslab kernel, `deno` inside Deno's kernel, else `console`. */
export function displayTarget(): DisplayTarget {
  if (tslabDisplay()) return 'tslab';
  if (denoJupyter()) return 'deno';
  return 'console';
}

/**
 * Displays a MIME bundle (e.g. `{ 'text/html': ..., 'text/plain': ... }`).
 * tslab sends one MIME type per output, so it gets `text/html` if present,
 * else `text/markdown`, else `text/plain`; Deno gets the whole bundle; the
 * console prints `text/plain` (else the HTML with its tags stripped).
 *
 * Returns nothing in every kernel: in Deno the send is started here (Deno
 * dispatches its broadcast ops in call order, before the cell's reply), so a
 * display call that ends a cell no longer prints `Promise { undefined }`.
 * `await displayBundle(...)` stays valid (awaiting undefined).
 */
export function displayBundle(bundle: Record<string, string>): Displayed {
  const tslab = tslabDisplay();
  if (tslab) {
    try {
      if (bundle['text/html'] !== undefined) tslab.html(bundle['text/html']);
      else if (bundle['text/markdown'] !== undefined) tslab.markdown(bundle['text/markdown']);
      else tslab.text(bundle['text/plain'] ?? '');
      return;
    } catch {
      /* tslab loaded but not executing a cell: fall through to the console */
    }
  }
  const deno = denoJupyter();
  if (deno) {
    try {
      void deno.display(bundle, { raw: true }).catch(() => consoleOut(bundle));
      return;
    } catch {
      /* not in a kernel */
    }
  }
  consoleOut(bundle);
}

function consoleOut(bundle: Record<string, string>): void {
  const text = bundle['text/plain'] ?? bundle['text/markdown'] ?? htmlToText(bundle['text/html'] ?? '');
  console.log(text);
}

/** Crude HTML -> text for the console fallback: drops scripts, styles and tags, decodes the basic entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|tr|h\d|li)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Escapes `& < > " '` for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Displays HTML (tslab: text/html; Deno: text/html plus a text alternative;
 * console: `text` if given, else the HTML without tags).
 * HTML with scripts renders only in trusted notebooks (the runner signs what it executes).
 */
export function displayHtml(html: string, text?: string): Displayed {
  return displayBundle(text === undefined ? { 'text/html': html, 'text/plain': htmlToText(html) } : { 'text/html': html, 'text/plain': text });
}

/** Displays plain text (as a text/plain output, not a stream). */
export function displayText(text: string): Displayed {
  return displayBundle({ 'text/plain': text });
}

/** Displays Markdown. */
export function displayMarkdown(md: string): Displayed {
  return displayBundle({ 'text/markdown': md, 'text/plain': md });
}

export { formatValue } from './format.js';

/** One table row: column name -> value. */
export type TableRow = Record<string, unknown>;

/** The part of a nodejs-polars DataFrame that {@link displayTable} uses (duck-typed, so polars is not imported here). */
export interface DataFrameLike {
  readonly columns: string[];
  readonly height: number;
  head(n: number): { toRecords(): TableRow[] };
}

function isDataFrame(x: unknown): x is DataFrameLike {
  const d = x as DataFrameLike;
  return !!d && typeof d === 'object' && Array.isArray(d.columns) && typeof d.height === 'number' && typeof d.head === 'function';
}

/** The columns, shown rows and total row count of a table input. */
export function tableData(data: readonly TableRow[] | DataFrameLike, maxRows = 20): { columns: string[]; rows: TableRow[]; total: number } {
  if (!Number.isInteger(maxRows) || maxRows < 0) throw new Error(`displayTable: maxRows must be a non-negative integer, got ${maxRows}`);
  if (isDataFrame(data)) return { columns: data.columns.slice(), rows: data.head(maxRows).toRecords(), total: data.height };
  if (!Array.isArray(data)) throw new Error('displayTable: expected an array of row objects or a polars DataFrame');
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of data) {
    if (!r || typeof r !== 'object') throw new Error('displayTable: every row must be an object (column -> value)');
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  return { columns, rows: data.slice(0, maxRows), total: data.length };
}

/** Options of {@link displayTable}, {@link tableHtml} and {@link tableText}. */
export interface TableOptions {
  /** Rows shown (default 20). */
  maxRows?: number;
  /** Column kinds (merged over those attached with `withColumnKinds`). */
  kinds?: ColumnKinds;
  /** A text column whose longest value exceeds this many characters goes on a row of its own under each row (default 40). */
  wrapAt?: number;
}

function resolveTableOptions(data: unknown, o: number | TableOptions | undefined): { maxRows: number; kinds: ColumnKinds; wrapAt: number } {
  const opts = typeof o === 'number' ? { maxRows: o } : o ?? {};
  return { maxRows: opts.maxRows ?? 20, kinds: { ...(columnKindsOf(data) ?? {}), ...(opts.kinds ?? {}) }, wrapAt: opts.wrapAt ?? 40 };
}

/**
 * The layout of a table: formatted cells, which columns are numeric (right
 * aligned), and which are long text (shown on their own row under each data
 * row: `column: value`, so they never widen the table).
 */
export function tableLayout(data: readonly TableRow[] | DataFrameLike, options?: number | TableOptions): {
  columns: string[]; wide: string[]; numeric: boolean[]; cells: string[][]; notes: [string, string][][]; total: number; shown: number;
} {
  const { maxRows, kinds, wrapAt } = resolveTableOptions(data, options);
  const { columns: all, rows, total } = tableData(data, maxRows);
  const isLong = (c: string): boolean =>
    kinds[c] === 'text' || (rows.some((r) => typeof r[c] === 'string') && rows.some((r) => typeof r[c] === 'string' && (r[c] as string).length > wrapAt));
  const wide = all.filter(isLong);
  const columns = all.filter((c) => !wide.includes(c));
  const cells = rows.map((r) => columns.map((c) => formatByKind(r[c], kinds[c])));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || r[c] == null));
  const notes = rows.map((r) => wide.filter((c) => r[c] !== undefined && r[c] !== null && r[c] !== '').map((c): [string, string] => [c, formatValue(r[c])]));
  return { columns, wide, numeric, cells, notes, total, shown: rows.length };
}

/**
 * HTML table (class `alphalab-table`) of a table input: numbers right-aligned
 * and never wrapped, long text columns on a full-width row of their own under
 * each row, a footer line when rows were cut.
 */
export function tableHtml(data: readonly TableRow[] | DataFrameLike, options?: number | TableOptions): string {
  const { columns, numeric, cells, notes, total, shown } = tableLayout(data, options);
  const th = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = cells
    .map((r, i) => {
      const main = `<tr>${r.map((v, j) => `<td style="white-space:nowrap${numeric[j] ? ';text-align:right' : ''}">${escapeHtml(v)}</td>`).join('')}</tr>`;
      const extra = notes[i]!.map(([c, v]) => `<tr class="alphalab-note"><td colspan="${columns.length}" style="text-align:left;white-space:normal;font-size:smaller;color:#555;padding-left:2em"><b>${escapeHtml(c)}:</b> ${escapeHtml(v)}</td></tr>`).join('');
      return main + extra;
    })
    .join('');
  const foot = total > shown ? `<p style="font-size:smaller">${shown} of ${total} rows shown</p>` : '';
  return `<table class="alphalab-table"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>${foot}`;
}

/** Fixed-width text table of a table input (numbers right-aligned), long text columns on an indented line under each row, "n of N rows" when cut. */
export function tableText(data: readonly TableRow[] | DataFrameLike, options?: number | TableOptions): string {
  const { columns, numeric, cells, notes, total, shown } = tableLayout(data, options);
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((s, i) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = [fmt(columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  cells.forEach((r, i) => {
    lines.push(fmt(r));
    for (const [c, v] of notes[i]!) lines.push(`    ${c}: ${v}`);
  });
  if (total > shown) lines.push(`${shown} of ${total} rows shown`);
  return lines.join('\n');
}

/**
 * Displays rows (array of objects) or a nodejs-polars DataFrame as a table,
 * at most `maxRows` rows (default 20), as HTML in a kernel and as text on the
 * console. Numbers use the project's one format (./format.ts); column kinds
 * come from `options.kinds` or from `withColumnKinds` on the rows.
 * @returns nothing printable (in Deno the display is sent before the cell ends; see {@link displayBundle}).
 * @throws Error when `data` is neither, or `maxRows` is not a non-negative integer.
 */
export function displayTable(data: readonly TableRow[] | DataFrameLike, options?: number | TableOptions): Displayed {
  return displayBundle({ 'text/html': tableHtml(data, options), 'text/plain': tableText(data, options) });
}
