/**
 * nbformat 4.5 notebook types and the pure pieces of notebook execution:
 * parsing and checking a notebook file, cell ids, and turning Jupyter
 * messaging-protocol IOPub messages into nbformat outputs.
 *
 * Follows the nbformat 4.5 JSON schema (https://nbformat.readthedocs.io) and
 * the Jupyter messaging protocol 5.x; output merging follows nbclient's
 * conventions (consecutive stream outputs of the same name are joined,
 * `clear_output(wait)` clears before the next output).
 */

/** Multiline text as stored in a notebook: one string or a list of lines. */
export type MultilineString = string | string[];

/** A MIME bundle: MIME type -> data (text as string or lines, JSON as object). */
export type MimeBundle = Record<string, unknown>;

/** A `stream` output (stdout / stderr text). */
export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: MultilineString;
}

/** A `display_data` output (rich display: HTML, images, ...). */
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** An `execute_result` output (the value of a cell, with its execution count). */
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** An `error` output: exception name, value and traceback lines. */
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Any nbformat 4 code-cell output. */
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** A code cell. */
export interface CodeCell {
  cell_type: 'code';
  id: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  execution_count: number | null;
  outputs: Output[];
}

/** A markdown or raw cell (never executed). */
export interface TextCell {
  cell_type: 'markdown' | 'raw';
  id: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  attachments?: Record<string, unknown>;
}

/** Any nbformat 4.5 cell. */
export type Cell = CodeCell | TextCell;

/** The kernelspec entry of a notebook's metadata. */
export interface KernelspecMetadata {
  name: string;
  display_name?: string;
  language?: string;
}

/** An nbformat 4.5 notebook. */
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: { kernelspec?: KernelspecMetadata; [key: string]: unknown };
  cells: Cell[];
}

/** Joins a multiline string into one string (nbformat stores lines with their `\n`). */
export function joinSource(s: MultilineString): string {
  return Array.isArray(s) ? s.join('') : s;
}

/** Splits text into nbformat lines, each keeping its trailing `\n` (the form `jupyter` writes). */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split(/(?<=\n)/);
  return parts;
}

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/**
 * Parses and checks notebook JSON text.
 * Checks what execution relies on: nbformat 4, a `cells` array, each cell with a
 * known `cell_type` and a `source`. Cells without an `id` (nbformat < 4.5) get
 * one (see {@link ensureCellIds}) and the notebook is upgraded to minor 5.
 * @param text JSON text of an .ipynb file.
 * @param file file name used in error messages.
 * @throws Error naming `file` (and the cell number, 1-based) when the JSON is invalid or a cell is malformed.
 */
export function parseNotebook(text: string, file = '<notebook>'): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object') throw new Error(`${file}: not a notebook (top level is not an object)`);
  const nb = raw as Record<string, unknown>;
  if (nb.nbformat !== 4) throw new Error(`${file}: nbformat ${String(nb.nbformat)} is not supported (need 4)`);
  if (!Array.isArray(nb.cells)) throw new Error(`${file}: field "cells" is missing or not an array`);
  if (nb.metadata !== undefined && (typeof nb.metadata !== 'object' || nb.metadata === null)) throw new Error(`${file}: field "metadata" is not an object`);
  (nb.cells as unknown[]).forEach((c, i) => {
    const cell = c as Record<string, unknown>;
    if (!cell || typeof cell !== 'object') throw new Error(`${file}: cell ${i + 1} is not an object`);
    if (cell.cell_type !== 'code' && cell.cell_type !== 'markdown' && cell.cell_type !== 'raw') {
      throw new Error(`${file}: cell ${i + 1} has unknown cell_type ${JSON.stringify(cell.cell_type)}`);
    }
    if (typeof cell.source !== 'string' && !Array.isArray(cell.source)) throw new Error(`${file}: cell ${i + 1} has no "source"`);
    if (cell.id !== undefined && (typeof cell.id !== 'string' || !CELL_ID.test(cell.id))) {
      throw new Error(`${file}: cell ${i + 1} has an invalid id ${JSON.stringify(cell.id)} (nbformat 4.5: 1-64 chars of [a-zA-Z0-9-_])`);
    }
    if (!cell.metadata || typeof cell.metadata !== 'object') cell.metadata = {};
    if (cell.cell_type === 'code') {
      if (!Array.isArray(cell.outputs)) cell.outputs = [];
      if (cell.execution_count === undefined) cell.execution_count = null;
    }
  });
  const out = { ...(nb as object), metadata: (nb.metadata as object | undefined) ?? {} } as Notebook;
  ensureCellIds(out);
  return out;
}

/**
 * Gives every cell without an id a unique one (`cell-<n>` with n the 1-based
 * position, suffixed on collision) and sets `nbformat_minor` to at least 5.
 * Duplicate ids are renamed the same way. Mutates and returns `nb`.
 */
export function ensureCellIds(nb: Notebook): Notebook {
  const seen = new Set<string>();
  nb.cells.forEach((cell, i) => {
    let id = cell.id;
    if (typeof id !== 'string' || !CELL_ID.test(id) || seen.has(id)) {
      let k = 0;
      do id = `cell-${i + 1}${k++ ? `-${k}` : ''}`;
      while (seen.has(id));
      cell.id = id;
    }
    seen.add(id);
  });
  if (nb.nbformat_minor < 5 || typeof nb.nbformat_minor !== 'number') nb.nbformat_minor = 5;
  return nb;
}

/** Returns a copy of the notebook with every code cell's outputs and execution count cleared. */
export function clearOutputs(nb: Notebook): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  for (const c of copy.cells) {
    if (c.cell_type === 'code') {
      c.outputs = [];
      c.execution_count = null;
    }
  }
  return copy;
}

/** A minimal IOPub message: what {@link OutputCollector} reads. */
export interface IopubMessage {
  header: { msg_type: string };
  content: Record<string, unknown>;
}

/** Normalizes a MIME bundle for storage: text values split into lines (nbformat style), JSON kept as objects. */
function normalizeBundle(data: unknown): MimeBundle {
  const out: MimeBundle = {};
  if (!data || typeof data !== 'object') return out;
  for (const [mime, v] of Object.entries(data as Record<string, unknown>)) {
    const isJson = mime === 'application/json' || /\+json$/.test(mime);
    out[mime] = typeof v === 'string' && !isJson ? splitLines(v) : v;
  }
  return out;
}

/**
 * Accumulates IOPub messages of one execute request into nbformat outputs.
 * Handles `stream` (consecutive same-name streams merged), `display_data`,
 * `update_display_data` (replaces earlier outputs with the same
 * `transient.display_id`), `execute_result`, `error` and `clear_output`
 * (with `wait: true` the clear happens at the next output, as in nbclient).
 * Other message types (`status`, `execute_input`, comms) are ignored.
 */
export class OutputCollector {
  /** Outputs so far, in arrival order. */
  readonly outputs: Output[] = [];
  /** Text of all stderr stream messages (for error reports). */
  stderr = '';
  /** Text of all stdout stream messages. */
  stdout = '';
  private clearPending = false;
  private readonly displayIds = new Map<string, number[]>();

  /** Feeds one IOPub message. */
  add(msg: IopubMessage): void {
    const c = msg.content;
    const type = msg.header.msg_type;
    if (type === 'clear_output') {
      if (c.wait) this.clearPending = true;
      else this.clear();
      return;
    }
    if (type === 'update_display_data') {
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      for (const idx of (id && this.displayIds.get(id)) || []) {
        const o = this.outputs[idx] as DisplayDataOutput | ExecuteResultOutput;
        o.data = normalizeBundle(c.data);
        o.metadata = (c.metadata as Record<string, unknown>) ?? {};
      }
      return;
    }
    if (!['stream', 'display_data', 'execute_result', 'error'].includes(type)) return;
    if (this.clearPending) this.clear();
    if (type === 'stream') {
      const name = c.name === 'stderr' ? 'stderr' : 'stdout';
      const text = String(c.text ?? '');
      if (name === 'stderr') this.stderr += text;
      else this.stdout += text;
      const last = this.outputs[this.outputs.length - 1];
      if (last && last.output_type === 'stream' && last.name === name) {
        last.text = splitLines(joinSource(last.text) + text);
      } else {
        this.outputs.push({ output_type: 'stream', name, text: splitLines(text) });
      }
    } else if (type === 'display_data' || type === 'execute_result') {
      const base = { data: normalizeBundle(c.data), metadata: (c.metadata as Record<string, unknown>) ?? {} };
      const out: Output =
        type === 'execute_result'
          ? { output_type: 'execute_result', execution_count: (c.execution_count as number | undefined) ?? null, ...base }
          : { output_type: 'display_data', ...base };
      this.outputs.push(out);
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      if (id) this.displayIds.set(id, [...(this.displayIds.get(id) ?? []), this.outputs.length - 1]);
    } else {
      this.outputs.push({
        output_type: 'error',
        ename: String(c.ename ?? 'Error'),
        evalue: String(c.evalue ?? ''),
        traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
      });
    }
  }

  /** The first `error` output, if any. */
  error(): ErrorOutput | undefined {
    return this.outputs.find((o): o is ErrorOutput => o.output_type === 'error');
  }

  private clear(): void {
    this.outputs.length = 0;
    this.displayIds.clear();
    this.clearPending = false;
  }
}

/** Strips ANSI escape sequences (colors in tracebacks and Deno's values). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
