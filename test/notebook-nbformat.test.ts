import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  clearOutputs,
  ensureJupyter,
  errorFromStderr,
  findJupyter,
  JUPYTER_INSTALL_COMMAND,
  formatSummary,
  jupyterEnv,
  loadJupyterConfig,
  OutputCollector,
  parseNotebook,
  runFolderName,
  serverArgs,
  splitLines,
  type NotebookRunResult,
} from '../lib/notebook/index.js';

const msg = (msg_type: string, content: Record<string, unknown>) => ({ header: { msg_type }, content });

test('splitLines keeps newlines on each line and joins back to the input', () => {
  for (const s of ['', 'a', 'a\n', 'a\nb', 'a\n\nb\n']) assert.equal(splitLines(s).join(''), s);
  assert.deepEqual(splitLines('a\nb\n'), ['a\n', 'b\n']);
});

test('parseNotebook fills missing ids, outputs and execution counts, and upgrades to 4.5', () => {
  const nb = parseNotebook(
    JSON.stringify({ nbformat: 4, nbformat_minor: 2, metadata: {}, cells: [{ cell_type: 'code', source: 'x', metadata: {} }, { cell_type: 'markdown', source: ['# t'] }, { cell_type: 'code', id: 'cell-1', source: 'y' }] }),
  );
  assert.equal(nb.nbformat_minor, 5);
  const ids = nb.cells.map((c) => c.id);
  assert.equal(new Set(ids).size, 3, `ids must be unique: ${ids.join(',')}`);
  for (const id of ids) assert.match(id, /^[a-zA-Z0-9-_]{1,64}$/);
  const c0 = nb.cells[0];
  assert.equal(c0.cell_type, 'code');
  if (c0.cell_type === 'code') {
    assert.deepEqual(c0.outputs, []);
    assert.equal(c0.execution_count, null);
  }
});

test('parseNotebook errors name the file and the cell', () => {
  assert.throws(() => parseNotebook('{', 'a.ipynb'), /a\.ipynb: not valid JSON/);
  assert.throws(() => parseNotebook(JSON.stringify({ nbformat: 3, cells: [] }), 'b.ipynb'), /b\.ipynb: nbformat 3 is not supported/);
  assert.throws(() => parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: '' }, { cell_type: 'python', source: '' }] }), 'c.ipynb'), /c\.ipynb: cell 2 has unknown cell_type "python"/);
  assert.throws(() => parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', id: 'bad id!', source: '' }] }), 'd.ipynb'), /d\.ipynb: cell 1 has an invalid id/);
});

test('clearOutputs empties outputs and counts without touching the original', () => {
  const nb = parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', id: 'a', source: 'x', metadata: {}, execution_count: 3, outputs: [{ output_type: 'stream', name: 'stdout', text: 'hi' }] }] }));
  const c = clearOutputs(nb);
  assert.deepEqual(c.cells[0], { cell_type: 'code', id: 'a', source: 'x', metadata: {}, execution_count: null, outputs: [] });
  assert.equal((nb.cells[0] as { execution_count: number }).execution_count, 3);
});

test('OutputCollector merges consecutive streams of one name and keeps arrival order', () => {
  const c = new OutputCollector();
  c.add(msg('status', { execution_state: 'busy' }));
  c.add(msg('stream', { name: 'stdout', text: 'a\n' }));
  c.add(msg('stream', { name: 'stdout', text: 'b' }));
  c.add(msg('stream', { name: 'stderr', text: 'warn\n' }));
  c.add(msg('stream', { name: 'stdout', text: 'c\n' }));
  c.add(msg('execute_result', { execution_count: 4, data: { 'text/plain': '42', 'application/json': { a: 1 } }, metadata: {} }));
  assert.deepEqual(c.outputs, [
    { output_type: 'stream', name: 'stdout', text: ['a\n', 'b'] },
    { output_type: 'stream', name: 'stderr', text: ['warn\n'] },
    { output_type: 'stream', name: 'stdout', text: ['c\n'] },
    { output_type: 'execute_result', execution_count: 4, data: { 'text/plain': ['42'], 'application/json': { a: 1 } }, metadata: {} },
  ]);
  assert.equal(c.stdout, 'a\nbc\n');
  assert.equal(c.stderr, 'warn\n');
  assert.equal(c.error(), undefined);
});

test('OutputCollector: clear_output (now and wait), update_display_data and error', () => {
  const c = new OutputCollector();
  c.add(msg('stream', { name: 'stdout', text: 'old' }));
  c.add(msg('clear_output', { wait: false }));
  assert.equal(c.outputs.length, 0);
  c.add(msg('display_data', { data: { 'text/html': '<b>1</b>' }, metadata: {}, transient: { display_id: 'd1' } }));
  c.add(msg('clear_output', { wait: true }));
  assert.equal(c.outputs.length, 1, 'wait=true clears only at the next output');
  c.add(msg('display_data', { data: { 'text/html': '<b>2</b>' }, metadata: {}, transient: { display_id: 'd2' } }));
  c.add(msg('update_display_data', { data: { 'text/html': '<b>3</b>' }, metadata: {}, transient: { display_id: 'd2' } }));
  assert.deepEqual(c.outputs, [{ output_type: 'display_data', data: { 'text/html': ['<b>3</b>'] }, metadata: {} }]);
  c.add(msg('error', { ename: 'TypeError', evalue: 'x is undefined', traceback: ['l1', 'l2'] }));
  assert.deepEqual(c.error(), { output_type: 'error', ename: 'TypeError', evalue: 'x is undefined', traceback: ['l1', 'l2'] });
});

test('errorFromStderr reads tslab type errors and Node stacks', () => {
  assert.deepEqual(errorFromStderr("1:7 - Type 'string' is not assignable to type 'number'.\n2:1 - Cannot find name 'q'.\n"), {
    ename: 'TypeScriptError',
    evalue: "1:7 - Type 'string' is not assignable to type 'number'.; 2:1 - Cannot find name 'q'.",
  });
  assert.deepEqual(errorFromStderr("evalmachine.<anonymous>:2\nthrow x;\n^\n\nRangeError: bad length 3\n    at evalmachine.<anonymous>:2:7\n"), { ename: 'RangeError', evalue: 'bad length 3' });
  assert.deepEqual(errorFromStderr('Error [ERR_MODULE_NOT_FOUND]: no such module\n'), { ename: 'Error', evalue: 'no such module' });
  assert.equal(errorFromStderr('just a warning\n'), undefined);
});

test('jupyter_config.json: the project file binds 127.0.0.1 at the project root, and maps to both apps', () => {
  const cfg = loadJupyterConfig(process.cwd());
  assert.equal(cfg.server.ip, '127.0.0.1');
  assert.equal(cfg.server.root_dir, process.cwd());
  assert.equal(cfg.server.open_browser, false);
  assert.deepEqual(cfg.jupyterPath, [process.cwd()]);
  const server = serverArgs(cfg, 'server', { port: 1234, token: 'tok' });
  assert.equal(server[0], 'server');
  assert.ok(server.includes('--ServerApp.ip=127.0.0.1'));
  assert.ok(server.includes(`--ServerApp.root_dir=${process.cwd()}`));
  assert.ok(server.includes('--ServerApp.open_browser=False'));
  assert.ok(server.includes('--ServerApp.port=1234'));
  assert.ok(server.includes('--ServerApp.token=tok'));
  const classic = serverArgs(cfg, 'notebook', { port: 1234 });
  assert.ok(classic.includes(`--NotebookApp.notebook_dir=${process.cwd()}`));
  assert.ok(classic.every((a) => !a.startsWith('--ServerApp.')));
  // Idle kernels are culled (kernels of notebooks viewed and closed in the browser do not stay alive); $comment is not passed.
  for (const args of [server, classic]) {
    assert.ok(args.includes('--MappingKernelManager.cull_idle_timeout=1800'));
    assert.ok(args.includes('--MappingKernelManager.cull_connected=False'));
    assert.ok(args.every((a) => !a.includes('$comment')));
  }
  const env = jupyterEnv(cfg, { JUPYTER_PATH: `/elsewhere:${process.cwd()}`, PATH: '/bin' });
  assert.equal(env.JUPYTER_PATH, `${process.cwd()}:/elsewhere`);
  assert.equal(env.ALPHALAB_ROOT, process.cwd());
});

test('loadJupyterConfig resolves relative paths against its root and names the bad field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-cfg-'));
  writeFileSync(join(dir, 'jupyter_config.json'), JSON.stringify({ server: { root_dir: 'sub', ip: '127.0.0.1' }, jupyter_path: ['.', '/abs'] }));
  const cfg = loadJupyterConfig(dir);
  assert.equal(cfg.server.root_dir, join(dir, 'sub'));
  assert.deepEqual(cfg.jupyterPath, [dir, '/abs']);
  writeFileSync(join(dir, 'jupyter_config.json'), JSON.stringify({ jupyter_path: 'kernels' }));
  assert.throws(() => loadJupyterConfig(dir), /jupyter_config\.json: jupyter_path must be an array/);
});

test('runFolderName is a sortable UTC timestamp without colons', () => {
  assert.equal(runFolderName(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02T03-04-05Z');
});

test('formatSummary lists each notebook and describes failures with the cell number', () => {
  const base = { kernel: 'alphalab-tslab', cellMs: [] };
  const results: NotebookRunResult[] = [
    { ...base, notebook: '/p/notebooks/01_a.ipynb', output: '/p/data/runs/x/01_a.ipynb', status: 'ok', seconds: 3.21, cells: 4, executed: 4 },
    {
      ...base,
      notebook: '/p/notebooks/02_b.ipynb',
      output: '/p/data/runs/x/02_b.ipynb',
      status: 'failed',
      seconds: 1.5,
      cells: 5,
      executed: 3,
      failure: { cell: 4, cellId: 'c4', ename: 'Error', evalue: 'boom', traceback: [], stderr: 'Error: boom\n    at evalmachine.<anonymous>:1:7\n    at Script.runInThisContext (node:vm:135:14)\n', timeout: false },
    },
  ];
  const s = formatSummary(results, '/p');
  const lines = s.split('\n');
  assert.match(lines[0], /^notebook\s+status\s+seconds\s+cells\s+executed copy$/);
  assert.match(lines[2], /^notebooks\/01_a\.ipynb\s+ok\s+3\.2\s+4\/4\s+data\/runs\/x\/01_a\.ipynb$/);
  assert.match(lines[3], /^notebooks\/02_b\.ipynb\s+FAILED\s+1\.5\s+3\/5\s+data\/runs\/x\/02_b\.ipynb$/);
  assert.match(s, /1\/2 notebooks ran without error/);
  assert.match(s, /notebooks\/02_b\.ipynb: cell 4 \(id c4\) failed: Error: boom/);
  assert.match(s, /at evalmachine/);
  assert.doesNotMatch(s, /node:vm/, 'kernel-internal frames are hidden');
});

test('without jupyter on the search path the error names the Debian install command', () => {
  assert.equal(findJupyter('/nonexistent-dir'), undefined);
  assert.throws(() => ensureJupyter({ searchPath: '/nonexistent-dir' }), (err: Error) => {
    assert.match(err.message, /Jupyter is not installed/);
    assert.ok(err.message.includes(JUPYTER_INSTALL_COMMAND), err.message);
    assert.match(JUPYTER_INSTALL_COMMAND, /^apt-get install -y --no-install-recommends jupyter-server python3-jupyter-server jupyter-notebook python3-nbclassic jupyter-client python3-nbconvert$/);
    return true;
  });
});
