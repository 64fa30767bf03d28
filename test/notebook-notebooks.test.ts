/**
 * "Notebooks execute headless": every notebooks/*.ipynb, in name order, runs
 * through the project's runner on one Jupyter server and must finish without
 * an error. The run uses a temporary DuckDB catalog and lake
 * (ALPHALAB_DB / ALPHALAB_LAKE, inherited by the kernels), so the first
 * notebook's ingest never touches the user's data/quant.duckdb.
 *
 * Skip notebooks with ALPHALAB_SKIP_NOTEBOOKS: comma-separated file names,
 * with or without `.ipynb` (e.g. `ALPHALAB_SKIP_NOTEBOOKS=05_llm_loop`), or `*` for all.
 * Executed copies go to a temporary folder (printed in each test's diagnostic).
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeFailure, runNotebook, startJupyterServer, type JupyterServer } from '../lib/notebook/index.js';

const root = process.cwd();
const dir = join(root, 'notebooks');
const notebooks = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.ipynb'))
      .sort()
  : [];
const skipRaw = (process.env.ALPHALAB_SKIP_NOTEBOOKS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const skipped = (f: string): boolean => skipRaw.includes('*') || skipRaw.includes(f) || skipRaw.includes(basename(f, '.ipynb'));
const toRun = notebooks.filter((f) => !skipped(f));

const work = mkdtempSync(join(tmpdir(), 'alphalab-notebooks-'));
let server: JupyterServer | undefined;

before(async () => {
  if (toRun.length === 0) return;
  process.env.ALPHALAB_DB = join(work, 'quant.duckdb');
  process.env.ALPHALAB_LAKE = join(work, 'lake');
  server = await startJupyterServer();
});
after(async () => {
  await server?.stop();
});

test('notebooks/ holds notebooks to execute', () => {
  assert.ok(notebooks.length > 0, `no .ipynb in ${dir}`);
});

for (const f of notebooks) {
  test(`notebook ${f} executes headless without error`, { skip: skipped(f) ? 'listed in ALPHALAB_SKIP_NOTEBOOKS' : false }, async (t) => {
    const r = await runNotebook(join(dir, f), { server, outDir: join(work, 'runs'), timeoutSec: 600 });
    t.diagnostic(`${f}: ${r.status} in ${r.seconds.toFixed(1)} s, ${r.executed}/${r.cells} cells, kernel ready in ${r.kernelReadyMs ?? '?'} ms -> ${r.output ?? '-'}`);
    assert.equal(r.status, 'ok', describeFailure(r, root));
    assert.equal(r.executed, r.cells);
  });
}
