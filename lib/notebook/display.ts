/**
 * Rich display from notebook code that runs in either of the project's
 * kernels, with a console fallback:
 * - tslab: `require('tslab').display` (tslab hooks `require('tslab')` for
 *   modules it compiles, and sets `globalThis.__tslab__` while a kernel runs);
 * - Deno: `Deno.jupyter.display(bundle, { raw: true })` (returns a promise:
 *   `await` it so the output is sent before the cell ends);
 * - elsewhere (a script under tsx / node / deno run): plain text on stdout.
 *
 * This file uses no Node-only module so that Deno's kernel and tslab both load it.
 */

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
 * @returns a promise in Deno (await it), undefined otherwise.
 */
export function displayBundle(bundle: Record<string, string>): void | Promise<void> {
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
      return deno.display(bundle, { raw: true }).catch(() => consoleOut(bundle));
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
export function displayHtml(html: string, text?: string): void | Promise<void> {
  return displayBundle(text === undefined ? { 'text/html': html, 'text/plain': htmlToText(html) } : { 'text/html': html, 'text/plain': text });
}

/** Displays plain text (as a text/plain output, not a stream). */
export function displayText(text: string): void | Promise<void> {
  return displayBundle({ 'text/plain': text });
}

/** Displays Markdown. */
export function displayMarkdown(md: string): void | Promise<void> {
  return displayBundle({ 'text/markdown': md, 'text/plain': md });
}

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

/**
 * Formats one cell value: numbers with up to 6 significant digits (integers
 * in full), NaN / null / undefined as empty-looking markers, Dates as ISO
 * (date only at 00:00 UTC), bigint as decimal, objects as JSON.
 */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-4 || a >= 1e9) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
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

/** HTML table (class `alphalab-table`) of a table input; numbers right-aligned; a footer line when rows were cut. */
export function tableHtml(data: readonly TableRow[] | DataFrameLike, maxRows = 20): string {
  const { columns, rows, total } = tableData(data, maxRows);
  const th = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${columns.map((c) => `<td${typeof r[c] === 'number' ? ' style="text-align:right"' : ''}>${escapeHtml(formatValue(r[c]))}</td>`).join('')}</tr>`)
    .join('');
  const foot = total > rows.length ? `<p style="font-size:smaller">${rows.length} of ${total} rows shown</p>` : '';
  return `<table class="alphalab-table"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>${foot}`;
}

/** Fixed-width text table of a table input (numbers right-aligned), with a "n of N rows" line when cut. */
export function tableText(data: readonly TableRow[] | DataFrameLike, maxRows = 20): string {
  const { columns, rows, total } = tableData(data, maxRows);
  const cells = rows.map((r) => columns.map((c) => formatValue(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || r[c] == null));
  const fmt = (r: string[]): string => r.map((s, i) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join('  ').trimEnd();
  const lines = [fmt(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt)];
  if (total > rows.length) lines.push(`${rows.length} of ${total} rows shown`);
  return lines.join('\n');
}

/**
 * Displays rows (array of objects) or a nodejs-polars DataFrame as a table,
 * at most `maxRows` rows (default 20), as HTML in a kernel and as text on the console.
 * @throws Error when `data` is neither, or `maxRows` is not a non-negative integer.
 */
export function displayTable(data: readonly TableRow[] | DataFrameLike, maxRows = 20): void | Promise<void> {
  return displayBundle({ 'text/html': tableHtml(data, maxRows), 'text/plain': tableText(data, maxRows) });
}
