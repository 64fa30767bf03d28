/**
 * Papermill-style parameters, `data/runs/latest`, and the unknown-kernel error,
 * against a real Jupyter server with the project's tslab and Deno kernels.
 */
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  declaredParameters, extractParameterArgs, injectParameters, loadJupyterConfig, parseNotebook, pointLatest, runNotebook, runNotebooks, startJupyterServer,
  type CodeCell, type JupyterServer, type Notebook, type Output,
} from '../lib/notebook/index.js';

const FIX = join(process.cwd(), 'test', 'fixtures', 'notebooks');
const read = (path: string): Notebook => JSON.parse(readFileSync(path, 'utf8')) as Notebook;
const texts = (c: CodeCell): string => c.outputs.map((o: Output) => (o.output_type === 'stream' ? [o.text].flat().join('') : o.output_type === 'error' ? o.evalue : JSON.stringify(o.data))).join('|');

test('extractParameterArgs: papermill -p NAME VALUE, values parsed as JSON else strings', () => {
  const r = extractParameterArgs(['nb.ipynb', '-p', 'horizon', '5', '--parameter', 'dataset', 'binance_perp_1h', '-p', 'flag', 'true', '--timeout', '30']);
  assert.deepEqual(r.argv, ['nb.ipynb', '--timeout', '30']);
  assert.deepEqual(r.parameters, { horizon: 5, dataset: 'binance_perp_1h', flag: true });
  assert.throws(() => extractParameterArgs(['-p', 'horizon']), /-p needs a name and a value/);
  assert.throws(() => extractParameterArgs(['-p', '1x', '2']), /must be a JavaScript identifier/);
});

test('injectParameters: a tagged cell after the parameters cell, keyword kept; unknown names listed', () => {
  const nb = parseNotebook(readFileSync(join(FIX, 'params.ipynb'), 'utf8'));
  assert.deepEqual(declaredParameters("const horizon = 1;\nlet dataset: string = 'x';\n  var n=2"), [
    { name: 'horizon', keyword: 'const' }, { name: 'dataset', keyword: 'let' }, { name: 'n', keyword: 'var' }]);
  const cell = injectParameters(nb, { horizon: 5, dataset: 'binance_perp_1h' })!;
  assert.equal(nb.cells[1], cell);
  assert.deepEqual(cell.metadata.tags, ['injected-parameters']);
  assert.equal([cell.source].flat().join(''), "// Parameters injected by the runner (alphalab run -p NAME VALUE)\nconst horizon = 5;\nconst dataset = \"binance_perp_1h\";");
  assert.throws(() => injectParameters(parseNotebook(readFileSync(join(FIX, 'params.ipynb'), 'utf8')), { horizn: 5 }, 'params.ipynb'),
    /params\.ipynb: unknown parameter horizn; the parameters cell declares: horizon, dataset/);
  assert.throws(() => injectParameters(parseNotebook(readFileSync(join(FIX, 'pass.ipynb'), 'utf8')), { a: 1 }, 'pass.ipynb'), /has no code cell tagged "parameters"/);
});

test('pointLatest: data/runs/latest is a relative symlink to the newest run folder', () => {
  const runs = mkdtempSync(join(tmpdir(), 'alphalab-runs-'));
  try {
    mkdirSync(join(runs, 'a'));
    mkdirSync(join(runs, 'b'));
    pointLatest(runs, join(runs, 'a'));
    assert.equal(readlinkSync(join(runs, 'latest')), 'a');
    pointLatest(runs, join(runs, 'b'));
    assert.equal(readlinkSync(join(runs, 'latest')), 'b');
    assert.deepEqual(readdirSync(runs).sort(), ['a', 'b', 'latest']);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

describe('runner with a server', () => {
  let server: JupyterServer;
  const out = mkdtempSync(join(tmpdir(), 'alphalab-params-'));
  before(async () => {
    server = await startJupyterServer();
  });
  after(async () => {
    await server?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  for (const [file, kernel] of [['params.ipynb', 'tslab'], ['params-deno.ipynb', 'deno']] as const) {
    test(`parameters injected and recorded (${kernel}); a display call ending a cell prints nothing else`, async () => {
      const r = await runNotebook(join(FIX, file), { server, outDir: join(out, kernel), parameters: { horizon: 5, dataset: 'binance_perp_1h' } });
      assert.equal(r.status, 'ok', r.error ?? JSON.stringify(r.failure));
      const nb = read(r.output!);
      assert.deepEqual((nb.cells[1] as CodeCell).metadata.tags, ['injected-parameters']);
      assert.match(texts(nb.cells[2] as CodeCell), /horizon=5 dataset=binance_perp_1h type=number/);
      const disp = (nb.cells[3] as CodeCell).outputs;
      assert.equal(disp.length, 1, JSON.stringify(disp));
      assert.doesNotMatch(JSON.stringify(disp), /Promise/);
      assert.deepEqual((nb.metadata.alphalab as { run: { parameters: unknown } }).run.parameters, { horizon: 5, dataset: 'binance_perp_1h' });
      assert.equal((nb.cells[2] as CodeCell).metadata.scrolled, false);
    });
  }

  test('unknown kernel: an error listing the project kernels, nothing written', async () => {
    const dest = join(out, 'bad-kernel');
    await assert.rejects(runNotebooks([join(FIX, 'pass.ipynb')], { server, outDir: dest, kernel: 'alphalab-tslb' }),
      /unknown kernel "alphalab-tslb" \(pass\.ipynb\); the project's kernels: (alphalab-deno, alphalab-tslab|alphalab-tslab, alphalab-deno).*Nothing was run or written/);
    assert.equal(existsSync(dest), false);
  });

  test('unknown parameter: rejected before any kernel starts, nothing written', async () => {
    const dest = join(out, 'bad-param');
    await assert.rejects(runNotebooks([join(FIX, 'params.ipynb')], { server, outDir: dest, parameters: { horizn: 3 } }), /unknown parameter horizn/);
    assert.equal(existsSync(dest), false);
  });

  test('default output folder: data/runs/<timestamp> and data/runs/latest pointing at it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'alphalab-root-'));
    try {
      cpSync(join(process.cwd(), 'kernels'), join(root, 'kernels'), { recursive: true });
      const config = { ...loadJupyterConfig(), root };
      const [r] = await runNotebooks([join(FIX, 'pass.ipynb')], { server, config });
      const link = readlinkSync(join(root, 'data', 'runs', 'latest'));
      assert.equal(join(root, 'data', 'runs', link, 'pass.ipynb'), r!.output);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
