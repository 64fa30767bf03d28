import { isAbsolute, relative } from 'node:path';
import type { NotebookRunResult, RunProgress } from './runner.js';

/** `p` relative to `root` when it lies inside it, else unchanged. */
function relTo(root: string | undefined, p: string): string {
  if (!root) return p;
  const r = relative(root, p);
  return r.startsWith('..') || isAbsolute(r) ? p : r;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/**
 * A plain-text table of run results: notebook, status (`ok` / `FAILED` /
 * `ERROR`), seconds (wall, kernel start included), cells (executed/code
 * cells) and the executed copy's path (relative to `root` when given), then
 * for each failure the notebook, the 1-based cell number and the error.
 */
export function formatSummary(results: readonly NotebookRunResult[], root?: string): string {
  const rel = (p?: string): string => (p ? relTo(root, p) : '-');
  const rows = results.map((r) => [rel(r.notebook), r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'FAILED' : 'ERROR', r.seconds.toFixed(1), `${r.executed}/${r.cells}`, rel(r.output)]);
  const head = ['notebook', 'status', 'seconds', 'cells', 'executed copy'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 2 ? c.padStart(widths[i]) : pad(c, widths[i]))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const failed = results.filter((r) => r.status !== 'ok');
  out.push('', `${results.length - failed.length}/${results.length} notebooks ran without error`);
  for (const r of failed) out.push('', describeFailure(r, root));
  return out.join('\n');
}

/** Stack frames of the kernel itself (tslab's executor, node:vm), hidden in reports. */
const KERNEL_FRAME = /^\s+at .*(node_modules\/tslab\/|node:vm|node:internal|sigintHandlersWrap)/;

/** One paragraph describing why a notebook failed: notebook, cell number (1-based), ename: evalue, then traceback or stderr. */
export function describeFailure(r: NotebookRunResult, root?: string): string {
  const name = relTo(root, r.notebook);
  if (r.status === 'error') return `${name}: ${r.error ?? 'error'}`;
  if (!r.failure) return `${name}: ok`;
  const f = r.failure;
  const lines = [`${name}: cell ${f.cell} (id ${f.cellId}) failed: ${f.ename}: ${f.evalue}`];
  const detail = (f.traceback.length ? f.traceback.join('\n') : f.stderr.trim())
    .split('\n')
    .filter((l) => !KERNEL_FRAME.test(l));
  const detailText = detail.join('\n').trim();
  if (detailText && detailText !== `${f.ename}: ${f.evalue}` && detailText !== f.evalue.split('; ').join('\n')) lines.push(...detail.slice(0, 30).map((l) => `    ${l}`));
  return lines.join('\n');
}

/**
 * A progress printer for {@link RunProgress} events: one line per server
 * start, kernel start, cell (`[2/5] notebooks/01.ipynb cell 3/12 ...`) and
 * notebook end, written to `write` (default stderr).
 */
export function consoleProgress(write: (s: string) => void = (s) => process.stderr.write(s), root?: string): (e: RunProgress) => void {
  let nbIndex = '';
  const rel = (p: string): string => relTo(root, p);
  return (e) => {
    switch (e.type) {
      case 'server':
        write(`jupyter ${e.app} at ${e.baseUrl} (up in ${e.startupMs} ms)\n`);
        break;
      case 'notebook-start':
        nbIndex = `[${e.index}/${e.total}]`;
        write(`${nbIndex} ${rel(e.notebook)}: starting kernel ${e.kernel}\n`);
        break;
      case 'kernel-ready':
        write(`${nbIndex} ${rel(e.notebook)}: kernel ready in ${e.ms} ms\n`);
        break;
      case 'cell-start':
        write(`${nbIndex} ${rel(e.notebook)} cell ${e.codeIndex}/${e.codeCells} ...`);
        break;
      case 'cell-done':
        write(` ${e.ok ? 'ok' : 'FAILED'} (${e.ms} ms)\n`);
        break;
      case 'notebook-done': {
        const r = e.result;
        write(`${nbIndex} ${rel(r.notebook)}: ${r.status} in ${r.seconds.toFixed(1)} s -> ${r.output ? rel(r.output) : '-'}\n`);
        if (r.status !== 'ok') write(`${describeFailure(r, root)}\n`);
        break;
      }
    }
  };
}
