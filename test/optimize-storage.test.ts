// DuckDB storage of lib/optimize: round trip, resume (numbering and sampler history), interrupted trials, SQL inspection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { DuckDBStudyStorage, GridSampler, InMemoryStudyStorage, MedianPruner, TPESampler, TrialPruned, createStudy, type Trial } from '../lib/optimize/index.js';

function objective(t: Trial): number {
  const lookback = t.suggestInt('lookback', 5, 250, { log: true });
  const z = t.suggestFloat('z', 0.5, 3, { step: 0.25 });
  const decay = t.suggestFloat('decay', 0, 1);
  const neutral = t.suggestCategorical('neutralize', ['none', 'market', 'sector']);
  const hedge = t.suggestCategorical('hedge', [true, false]);
  return Math.abs(Math.log(lookback / 40)) + (z - 1.75) ** 2 + decay * 0.3 + (neutral === 'sector' ? 0 : 0.4) + (hedge ? 0 : 0.2);
}

async function withTempDb<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-optimize-'));
  try {
    return await fn(join(dir, 'studies.duckdb'));
  } finally {
    Db.closeAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('round trip: every field of every trial state comes back from DuckDB', async () => {
  const db = await Db.open(':memory:');
  const storage = new DuckDBStudyStorage(db);
  const study = await createStudy({ name: 'rt', storage, direction: 'maximize', sampler: new TPESampler({ seed: 1, nStartupTrials: 3 }), pruner: new MedianPruner({ nStartupTrials: 2 }) });
  await study.optimize(
    (t) => {
      const v = -objective(t);
      t.setUserAttr('meta', { fold: [1, 2], note: "it's", ok: true });
      for (let s = 0; s < 3; s++) {
        t.report(s === 1 && t.number === 4 ? NaN : v - (2 - s) * 0.1, s);
        if (t.shouldPrune()) throw new TrialPruned();
      }
      if (t.number === 5) throw new Error('boom');
      return v;
    },
    { nTrials: 12, catch: true },
  );
  const states = new Set(study.trials.map((t) => t.state));
  assert.ok(states.has('COMPLETE') && states.has('PRUNED') && states.has('FAIL'), [...states].join());
  const loaded = await createStudy({ name: 'rt', storage, loadIfExists: true, sampler: new TPESampler({ seed: 1 }) });
  assert.equal(loaded.direction, 'maximize');
  assert.deepEqual(loaded.trials, study.trials);
  assert.equal(loaded.bestValue, study.bestValue);
  assert.deepEqual(loaded.trialsTable(), study.trialsTable());
  // the tables are plain SQL
  const rows = await db.all<{ param_name: string; n: number; lo: number; hi: number }>(
    `SELECT param_name, count(*) AS n, min(value_num) AS lo, max(value_num) AS hi FROM optimize_trial_params
     WHERE study_name = 'rt' GROUP BY param_name ORDER BY param_name`,
  );
  assert.deepEqual(rows.map((r) => r.param_name), ['decay', 'hedge', 'lookback', 'neutralize', 'z']);
  assert.ok(rows.every((r) => r.n === 12));
  const z = rows.find((r) => r.param_name === 'z')!;
  assert.ok(z.lo >= 0.5 && z.hi <= 3);
  const counts = await db.one<{ n: number }>("SELECT count(*) AS n FROM optimize_trial_intermediate_values WHERE study_name = 'rt'");
  assert.equal(counts!.n, study.trials.reduce((a, t) => a + t.intermediateValues.size, 0));
  const summary = await storage.listStudies();
  assert.deepEqual(summary.map((s) => [s.name, s.direction, s.nTrials, s.bestValue]), [['rt', 'maximize', 12, study.bestValue]]);
  await storage.deleteStudy('rt');
  assert.equal(await storage.loadStudy('rt'), undefined);
  db.close();
});

test('resume: a study interrupted after k trials continues at number k and draws what an uninterrupted one would', async () => {
  const k = 10;
  const total = 20;
  const sampler = (): TPESampler => new TPESampler({ seed: 7, nStartupTrials: 6 });
  // reference: one uninterrupted run
  const ref = await createStudy({ sampler: sampler() });
  await ref.optimize(objective, { nTrials: total });

  await withTempDb(async (path) => {
    let db = await Db.open(path);
    const first = await createStudy({ name: 'wf-tuning', storage: new DuckDBStudyStorage(db), sampler: sampler() });
    await first.optimize(objective, { nTrials: k });
    db.close();
    Db.closeAll(); // the process "ends": next open reads the file again

    db = await Db.open(path);
    const tpe = sampler();
    const resumed = await createStudy({ name: 'wf-tuning', storage: new DuckDBStudyStorage(db), sampler: tpe, loadIfExists: true });
    assert.equal(resumed.trials.length, k);
    // the next trial is number k and the sampler ranks the k stored trials
    const trial = await resumed.ask();
    assert.equal(trial.number, k);
    const { below, above, nFinished } = tpe.split(resumed, resumed.allTrials[k]);
    assert.equal(nFinished, k);
    assert.deepEqual([...below, ...above].map((t) => t.number).sort((a, b) => a - b), [...Array(k).keys()]);
    await resumed.tell(trial, objective(trial));
    await resumed.optimize(objective, { nTrials: total - k - 1 });
    assert.deepEqual(resumed.trials.map((t) => t.number), [...Array(total).keys()]);
    // identical to the uninterrupted run: TPE trials k.. used the stored history
    assert.deepEqual(resumed.trials.map((t) => t.params), ref.trials.map((t) => t.params));
    assert.deepEqual(resumed.trials.map((t) => t.value), ref.trials.map((t) => t.value));
    db.close();
  });
});

test('a trial left RUNNING by a dead process is marked FAIL on load; numbering goes on after it', async () => {
  await withTempDb(async (path) => {
    let db = await Db.open(path);
    const s = await createStudy({ name: 'crash', storage: new DuckDBStudyStorage(db), seed: 3 });
    await s.optimize(objective, { nTrials: 3 });
    const t = await s.ask(); // trial 3 starts and is stored RUNNING ...
    t.suggestFloat('decay', 0, 1);
    db.close();
    Db.closeAll(); // ... and the process dies
    db = await Db.open(path);
    const storage = new DuckDBStudyStorage(db);
    const r = await createStudy({ name: 'crash', storage, seed: 3, loadIfExists: true });
    assert.deepEqual(r.trials.map((x) => x.state), ['COMPLETE', 'COMPLETE', 'COMPLETE', 'FAIL']);
    assert.match(String(r.trials[3].systemAttrs.failReason), /interrupted/);
    assert.equal((await storage.loadStudy('crash'))!.trials[3].state, 'FAIL', 'the FAIL is written back');
    await r.optimize(objective, { nTrials: 2 });
    assert.deepEqual(r.trials.map((x) => x.number), [0, 1, 2, 3, 4, 5]);
    db.close();
  });
});

test('name clashes and direction mismatches are errors; in-memory storage resumes within a process', async () => {
  const db = await Db.open(':memory:');
  const storage = new DuckDBStudyStorage(db);
  await createStudy({ name: 'x', storage, direction: 'maximize' });
  await assert.rejects(createStudy({ name: 'x', storage }), /already exists in storage; pass loadIfExists/);
  await assert.rejects(createStudy({ name: 'x', storage, loadIfExists: true, direction: 'minimize' }), /stored with direction 'maximize'/);
  db.close();

  const mem = new InMemoryStudyStorage();
  const a = await createStudy({ name: 'm', storage: mem, seed: 5 });
  await a.optimize(objective, { nTrials: 4 });
  const b = await createStudy({ name: 'm', storage: mem, seed: 5, loadIfExists: true });
  await b.optimize(objective, { nTrials: 2 });
  assert.deepEqual(b.trials.map((t) => t.number), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(b.trials.slice(0, 4), a.trials);
});

test('grid study resumed from DuckDB finishes the grid without repeating a point', async () => {
  const space = { lookback: [10, 20, 40, 80], z: [1, 2, 3] };
  const objective = (t: Trial): number => t.suggestInt('lookback', 10, 80) / 10 + t.suggestFloat('z', 1, 3);
  const db = await Db.open(':memory:');
  const a = await createStudy({ name: 'grid', storage: new DuckDBStudyStorage(db), sampler: new GridSampler(space, { seed: 1 }) });
  await a.optimize(objective, { nTrials: 5 });
  const b = await createStudy({ name: 'grid', storage: new DuckDBStudyStorage(db), sampler: new GridSampler(space, { seed: 1 }), loadIfExists: true });
  await b.optimize(objective, {}); // runs until the grid is exhausted
  assert.equal(b.trials.length, 12);
  const points = b.trials.map((t) => `${t.params.lookback}/${t.params.z}`);
  assert.equal(new Set(points).size, 12);
  await b.optimize(objective, { nTrials: 3 });
  assert.equal(b.trials.length, 12, 'an exhausted grid starts no trial');
  db.close();
});
