/**
 * The headless runner against real Jupyter servers and kernels (tslab and
 * Deno). One server is shared by most tests; the failing-notebook test starts
 * its own to check that the runner stops it. Needs `jupyter` (Debian
 * packages; CI installs them): without it the first test fails with the
 * install command.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  checkNotebookFile,
  jupyterFetch,
  runNotebook,
  startJupyterServer,
  type CodeCell,
  type JupyterServer,
  type Notebook,
  type Output,
} from '../lib/notebook/index.js';

const FIX = join(process.cwd(), 'test', 'fixtures', 'notebooks');
const out = mkdtempSync(join(tmpdir(), 'alphalab-runner-'));
let server: JupyterServer;

before(async () => {
  server = await startJupyterServer();
});
after(async () => {
  await server?.stop();
});

const read = (path: string): Notebook => JSON.parse(readFileSync(path, 'utf8')) as Notebook;
const code = (nb: Notebook, n: number): CodeCell => nb.cells[n - 1] as CodeCell;
const text = (o: Output | undefined): string => {
  if (!o) return '';
  if (o.output_type === 'stream') return Array.isArray(o.text) ? o.text.join('') : o.text;
  if (o.output_type === 'error') return `${o.ename}: ${o.evalue}`;
  const d = o.data['text/html'] ?? o.data['text/plain'];
  return Array.isArray(d) ? d.join('') : String(d);
};

/** Whether a process whose command line names this kernel's connection file still runs (Linux /proc). */
function kernelProcessAlive(kernelId: string): boolean {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`kernel-${kernelId}`)) return true;
    } catch {
      /* exited meanwhile */
    }
  }
  return false;
}

async function waitGone(kernelId: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!kernelProcessAlive(kernelId)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function serverKernels(): Promise<string[]> {
  const res = await jupyterFetch(server.baseUrl, server.token, 'api/kernels');
  return ((await res.json()) as { id: string }[]).map((k) => k.id);
}

// Each test uses its own kernel; two at a time share the server (kernel start is mostly CPU-bound TypeScript setup).
describe('runner on real kernels', { concurrency: 2 }, () => {
  test('a passing tslab notebook: outputs collected, valid nbformat 4.5 with ids, trusted, kernel shut down', async () => {
    const r = await runNotebook(join(FIX, 'pass.ipynb'), { server, outDir: out });
    assert.equal(r.status, 'ok', JSON.stringify(r.failure ?? r.error));
    assert.equal(r.kernel, 'alphalab-tslab');
    assert.equal(r.cells, 5);
    assert.equal(r.executed, 5);
    assert.equal(r.cellMs.length, 5);
    assert.equal(r.output, join(out, 'pass.ipynb'));
    const nb = read(r.output!);
    assert.equal(text(code(nb, 1).outputs[0]), 'x = 3\n');
    assert.equal(nb.cells[1].cell_type, 'markdown');
    assert.equal(code(nb, 3).outputs[0].output_type, 'display_data');
    assert.match(text(code(nb, 3).outputs[0]), /<b id="fixture-html">bold<\/b>/);
    // The kernel runs in the project root: the lib/ import resolves, and tslab prints the value as stdout.
    assert.equal(text(code(nb, 4).outputs[0]), '8760\n');
    assert.deepEqual(
      code(nb, 5).outputs.map((o) => [o.output_type, text(o)]),
      [
        ['stream', 'to stderr\n'],
        ['stream', '30\n'],
      ],
    );
    // lib/notebook/display.ts inside tslab: an HTML table, not console text.
    const table = code(nb, 6).outputs[0];
    assert.equal(table?.output_type, 'display_data');
    assert.match(text(table), /<td style="white-space:nowrap">MSFT<\/td><td style="white-space:nowrap;text-align:right">-0.25<\/td>/);
    const counts = nb.cells.filter((c): c is CodeCell => c.cell_type === 'code').map((c) => c.execution_count);
    assert.deepEqual(counts, [1, 2, 3, 4, 5]);
    const run = (nb.metadata.alphalab as { run: Record<string, unknown> }).run;
    assert.equal(run.status, 'ok');
    assert.ok((run.seconds as number) > 0);
    assert.ok(Date.parse(run.finished as string) >= Date.parse(run.started as string));
    const check = await checkNotebookFile(r.output!);
    assert.deepEqual(check, { version: '4.5', errors: [], trusted: true });
    assert.ok(!(await serverKernels()).includes(r.kernelId!), 'kernel still listed by the server');
    assert.ok(await waitGone(r.kernelId!), 'kernel process still running');
  });

  test('a notebook whose 3rd cell throws: reported as cell 3, later cells not run, server and kernel shut down', async () => {
    let baseUrl = '';
    const dir = join(out, 'fail');
    const r = await runNotebook(join(FIX, 'fail.ipynb'), { outDir: dir, onProgress: (e) => void (e.type === 'server' && (baseUrl = e.baseUrl)) });
    assert.equal(r.status, 'failed');
    assert.equal(r.failure?.cell, 3);
    assert.equal(r.failure?.cellId, 'cell-3');
    assert.equal(r.failure?.ename, 'Error');
    assert.equal(r.failure?.evalue, 'boom at cell 3 42');
    assert.equal(r.failure?.timeout, false);
    assert.equal(r.executed, 3);
    const nb = read(r.output!);
    assert.equal(text(code(nb, 1).outputs[0]), 'cell one\n');
    assert.deepEqual(code(nb, 4).outputs, []);
    assert.equal(code(nb, 4).execution_count, null);
    const run = (nb.metadata.alphalab as { run: Record<string, unknown> }).run;
    assert.equal(run.status, 'failed');
    assert.equal(run.failed_cell, 3);
    assert.ok(existsSync(r.output!));
    // The runner started this server and stopped it: nothing answers any more.
    assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await assert.rejects(fetch(`${baseUrl}api/status`));
    assert.ok(await waitGone(r.kernelId!), 'kernel process still running');
  });

  test('a TypeScript type error fails its cell with the diagnostic (tslab reports it on stderr)', async () => {
    const r = await runNotebook(join(FIX, 'typeerror.ipynb'), { server, outDir: out });
    assert.equal(r.status, 'failed');
    assert.equal(r.failure?.cell, 1);
    assert.equal(r.failure?.ename, 'TypeScriptError');
    assert.match(r.failure!.evalue, /Type 'string' is not assignable to type 'number'/);
    assert.match(r.failure!.stderr, /not assignable/);
    assert.equal(r.executed, 1);
  });

  test('a cell past the per-cell timeout is interrupted and reported; the kernel is shut down', async () => {
    const r = await runNotebook(join(FIX, 'timeout.ipynb'), { server, outDir: out, timeoutSec: 1.5 });
    assert.equal(r.status, 'failed');
    assert.equal(r.failure?.cell, 2);
    assert.equal(r.failure?.timeout, true);
    assert.equal(r.failure?.ename, 'CellTimeoutError');
    assert.match(r.failure!.evalue, /1\.5 s timeout/);
    assert.ok(r.cellMs[1] >= 1500);
    const nb = read(r.output!);
    assert.equal(text(code(nb, 1).outputs[0]), 'before the slow cell\n');
    assert.equal(code(nb, 2).outputs.at(-1)?.output_type, 'error');
    assert.deepEqual(code(nb, 3).outputs, []);
    assert.ok(!(await serverKernels()).includes(r.kernelId!));
    assert.ok(await waitGone(r.kernelId!), 'kernel process still running');
  });

  test('a Deno notebook runs headless on alphalab-deno and imports lib/ modules (.js specifiers -> .ts)', async () => {
    const r = await runNotebook(join(FIX, 'deno.ipynb'), { server, outDir: out });
    assert.equal(r.status, 'ok', JSON.stringify(r.failure ?? r.error));
    assert.equal(r.kernel, 'alphalab-deno');
    const nb = read(r.output!);
    assert.equal(text(code(nb, 1).outputs[0]), 'bars per year 8760\n');
    const res = code(nb, 2).outputs.find((o) => o.output_type === 'execute_result');
    assert.ok(res, 'execute_result of cell 2 collected');
    assert.match(text(res), /504/);
    const html = code(nb, 3).outputs.find((o) => o.output_type === 'display_data');
    assert.match(text(html), /<i id="deno-html">from deno<\/i>/);
    // npm packages with native addons (DuckDB) load from the project's node_modules.
    assert.equal(text(code(nb, 4).outputs[0]), 'duckdb from deno [{"answer":42}]\n');
    assert.deepEqual((await checkNotebookFile(r.output!)).errors, []);
  });

  test('a kernel that dies mid-cell fails that cell (KernelDied) and is shut down after the server restarts it', async () => {
    const r = await runNotebook(join(FIX, 'exit.ipynb'), { server, outDir: out });
    assert.equal(r.status, 'failed');
    assert.equal(r.failure?.cell, 2);
    assert.equal(r.failure?.ename, 'KernelDied');
    assert.equal(r.executed, 2);
    assert.deepEqual(code(read(r.output!), 3).outputs, []);
    assert.ok(!(await serverKernels()).includes(r.kernelId!), 'kernel still listed by the server');
    assert.ok(await waitGone(r.kernelId!), 'restarted kernel process still running');
  });

  test('--url/--token: runs on a server it did not start, shuts down only its kernel, leaves the server up', async () => {
    const r = await runNotebook(join(FIX, 'plots-deno.ipynb'), { url: server.baseUrl, token: server.token, outDir: join(out, 'url') });
    assert.equal(r.status, 'ok', JSON.stringify(r.failure ?? r.error));
    // showFigure in Deno: an HTML output that awaits the page-wide plotly loader, plus a text alternative.
    const fig = code(read(r.output!), 2).outputs[0];
    assert.equal(fig?.output_type, 'display_data');
    if (fig?.output_type === 'display_data') {
      assert.match(String((fig.data['text/html'] as string[]).join('')), /alphalab-plot[\s\S]*__alphalabPlotly/);
      assert.deepEqual(fig.data['text/plain'], ['[Figure "Two series": scatter "sine", scatter "cosine"]']);
    }
    assert.ok(!(await serverKernels()).includes(r.kernelId!));
    const status = await jupyterFetch(server.baseUrl, server.token, 'api/status');
    assert.equal(status.status, 200, 'the external server is still running');
    await assert.rejects(runNotebook(join(FIX, 'deno.ipynb'), { url: server.baseUrl, token: 'wrong-token', outDir: join(out, 'url') }), /rejected the token/);
  });

  test('allowErrors keeps running after the failing cell and still reports cell 3 as the failure', async () => {
    const r = await runNotebook(join(FIX, 'fail.ipynb'), { server, outDir: join(out, 'allow'), allowErrors: true });
    assert.equal(r.status, 'failed');
    assert.equal(r.failure?.cell, 3);
    assert.equal(r.executed, 4);
    const nb = read(r.output!);
    assert.equal(text(code(nb, 4).outputs[0]), 'must not run\n');
    assert.equal(code(nb, 4).execution_count, 4);
  });

  test('--kernel overrides the notebook kernel; an unknown kernel is a clear error, not a hang', async () => {
    // Checked against the server's kernel specs before anything runs: the error lists the project's kernels and nothing is written.
    await assert.rejects(runNotebook(join(FIX, 'pass.ipynb'), { server, outDir: join(out, 'bad'), kernel: 'no-such-kernel' }),
      /unknown kernel "no-such-kernel" \(pass\.ipynb\); the project's kernels: .*alphalab-tslab/);
    assert.equal(existsSync(join(out, 'bad')), false);
  });
});
