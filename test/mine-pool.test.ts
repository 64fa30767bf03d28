import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isSharedPanel, sharedPanelBytes, toSharedPanel } from '../lib/data/index.js';
import { FactorStore } from '../lib/factors/index.js';
import { listHopefulAlphas } from '../lib/venues/brain/index.js';
import { CandidateThreadPool, embeddedExecutor, mineGp, mineGrid, readMineJournal, threadPoolExecutor } from '../lib/mine/index.js';
import { MINE_TEST_GRID } from './helpers/mine-grid.js';
import { comparableTrialRows, journalKey, mineChildKilledAfter } from './helpers/mine-trials.js';
import { syntheticPanel } from './helpers/panels.js';

const dir = mkdtempSync(join(tmpdir(), 'mine-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const openStore = (name: string) => FactorStore.open(join(dir, name));
const small = () => syntheticPanel(300, 20, 5);

test('shared panel: one SharedArrayBuffer, same values, aliased fields stored once; a worker thread sees the same memory (no copy)', async () => {
  const p = small();
  assert.equal(p.fields.open, p.fields.close, 'the synthetic panel aliases open and close');
  const s = toSharedPanel(p);
  assert.ok(isSharedPanel(s) && !isSharedPanel(p));
  assert.equal(toSharedPanel(s), s, 'already shared: returned as is');
  for (const [k, v] of Object.entries(p.fields)) assert.deepEqual(s.fields[k], v, k);
  assert.deepEqual(s.times, p.times);
  assert.equal(s.fields.open!.buffer, s.fields.close!.buffer);
  assert.equal(s.fields.open!.byteOffset, s.fields.close!.byteOffset, 'aliased fields share one slot');
  const T = p.times.length, N = p.assets.length;
  // times + 5 distinct field arrays (open = high = low = close, volume, sig, noise)
  assert.equal(sharedPanelBytes(p), 8 * T + 4 * 8 * T * N);
  // a worker writes into the panel it received; the write is visible here: the memory is shared, not copied
  const w = new Worker(`const { parentPort, workerData } = require('node:worker_threads');
    const f = workerData.panel.fields.sig;
    parentPort.postMessage({ shared: f.buffer instanceof SharedArrayBuffer, before: f[7] });
    f[7] = 12345;
    parentPort.postMessage('written');`, { eval: true, workerData: { panel: s } });
  const msgs: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    w.on('message', (m) => { msgs.push(m); if (m === 'written') resolve(); });
    w.on('error', reject);
  });
  await w.terminate();
  assert.deepEqual(msgs[0], { shared: true, before: p.fields.sig![7] });
  assert.equal(s.fields.sig![7], 12345);
  assert.notEqual(p.fields.sig![7], 12345, 'the source panel is a separate copy');
  // text labels: their codes are shared too, levels kept
  const codes = Int32Array.from({ length: T * N }, (_, i) => (i % 3) - 1);
  const labelled = toSharedPanel({ ...p, labels: { status: { levels: ['ST', 'normal'], codes } } });
  assert.ok(isSharedPanel(labelled));
  assert.deepEqual(labelled.labels!.status!.codes, codes);
  assert.deepEqual(labelled.labels!.status!.levels, ['ST', 'normal']);
});

test('worker pool: the same seed gives the same journal, trial rows and hopeful set with the in-process executor and 2 worker threads (grid and GP)', async () => {
  const panel = small();
  const a = await openStore('inproc.duckdb'), b = await openStore('threads.duckdb');
  const ra = await mineGrid({ ...MINE_TEST_GRID, panel, store: a, skipRetest: true, executor: embeddedExecutor() });
  const rb = await mineGrid({ ...MINE_TEST_GRID, panel, store: b, skipRetest: true, executor: threadPoolExecutor({ workers: 2 }), batchSize: 5 });
  assert.deepEqual(rb.executor, { kind: 'threads', workers: 2, queue: null, batchSize: 5 });
  assert.equal(ra.executor.kind, 'embedded');
  assert.equal(rb.candidates, MINE_TEST_GRID.max);
  assert.deepEqual(journalKey(rb), journalKey(ra));
  assert.ok(ra.hopeful >= 1, 'the planted signal is found');
  assert.deepEqual((await listHopefulAlphas(b.db)).map((h) => h.expression), (await listHopefulAlphas(a.db)).map((h) => h.expression));
  const rowsA = await comparableTrialRows(a), rowsB = await comparableTrialRows(b);
  assert.equal(rowsA.length, MINE_TEST_GRID.max);
  assert.deepEqual(rowsB, rowsA, 'same trial rows in the same order (DSR trial counts included)');

  // GP steers by results: a barrier before each generation makes the batch size irrelevant
  const gp = { population: 5, generations: 2, elite: 1, maxSize: 9, maxDepth: 4 };
  const cfg = { templates: MINE_TEST_GRID.templates, domains: MINE_TEST_GRID.domains, gp, seed: 3, skipRetest: true, max: 12 } as const;
  const ga = await mineGp({ ...cfg, panel, store: await openStore('gp-inproc.duckdb') });
  const gb = await mineGp({ ...cfg, panel, store: await openStore('gp-threads.duckdb'), executor: threadPoolExecutor({ workers: 2 }), batchSize: 8 });
  assert.ok(ga.journal.some((j) => (j.generation ?? 0) >= 1));
  assert.deepEqual(journalKey(gb), journalKey(ga));
  a.db.close();
  b.db.close();
});

test('worker pool: kill -9 mid-run, then the same command resumes; no candidate journaled or counted twice, none lost', async () => {
  const path = join(dir, 'resume-pool.duckdb');
  const seen = await mineChildKilledAfter(path, 4, ['2', '4']);
  assert.ok(seen >= 4 && seen < MINE_TEST_GRID.max, `killed mid-run after ${seen} candidates`);
  const store = await FactorStore.open(path);
  const panel = small();
  const resumed = await mineGrid({ ...MINE_TEST_GRID, panel, store, skipRetest: true, executor: threadPoolExecutor({ workers: 2 }) });
  assert.ok(resumed.resumedSkips >= seen);
  assert.equal(resumed.candidates, MINE_TEST_GRID.max);
  const exprs = (await readMineJournal(store.db, resumed.runKey)).map((j) => j.expression);
  assert.equal(new Set(exprs).size, exprs.length, 'no candidate journaled twice');
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), MINE_TEST_GRID.max, 'no trial counted twice, none lost');
  const whole = await mineGrid({ ...MINE_TEST_GRID, panel, store: await openStore('whole-pool.duckdb'), skipRetest: true });
  assert.deepEqual(resumed.journal.map((j) => j.expression), whole.journal.map((j) => j.expression));
  assert.deepEqual(journalKey(resumed).map((k) => k.split('|').slice(0, 8).join('|')), journalKey(whole).map((k) => k.split('|').slice(0, 8).join('|')));
  store.db.close();
});

test('worker pool: a failure of a thread itself (not of a candidate) rejects its candidate and every later one with the thread named; nothing is returned as a result', async () => {
  const pool = new CandidateThreadPool(1);
  try {
    const spec = pool.register({ panel: small(), dataset: 'synthetic', source: 'mine:test', settings: {} });
    const good = await pool.compute(spec, 'ts_mean(sig, 3)');
    assert.ok(good.ok, 'a candidate is computed');
    const bad = await pool.compute(spec, 'ts_mean(nosuchfield, 3)');
    assert.ok(!bad.ok && /nosuchfield/.test(bad.error), 'a candidate\'s own error is a result, not a failure');
    await assert.rejects(pool.compute(spec + 1, 'close'), /mining worker thread 0: .*unknown spec/);
    await assert.rejects(pool.compute(spec, 'close'), /mining worker thread 0/, 'the pool stays failed');
  } finally {
    await pool.close();
  }
});
