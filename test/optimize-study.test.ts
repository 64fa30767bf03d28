// Study / Trial API of lib/optimize: directions, failures, enqueue, median pruner, timeout, trials table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MedianPruner, PercentilePruner, RandomSampler, TPESampler, TrialPruned, createStudy, percentile, type Study } from '../lib/optimize/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('minimize / maximize: best trial, value and params follow the direction', async () => {
  const objective = (t: { suggestInt: (n: string, a: number, b: number) => number }): number => {
    const k = t.suggestInt('k', -5, 5);
    return k * k;
  };
  const mn = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
  const mx = await createStudy({ direction: 'maximize', sampler: new RandomSampler({ seed: 1 }) });
  await mn.optimize(objective, { nTrials: 40 });
  await mx.optimize(objective, { nTrials: 40 });
  const vals = mn.trials.map((t) => t.value as number);
  assert.equal(mn.bestValue, Math.min(...vals));
  assert.equal(mx.bestValue, Math.max(...mx.trials.map((t) => t.value as number)));
  assert.equal((mn.bestParams.k as number) ** 2, mn.bestValue);
  // history: running best equals the min over each prefix
  const hist = mx.optimizationHistory();
  hist.forEach((h, i) => assert.equal(h.best, Math.max(...mx.trials.slice(0, i + 1).map((t) => t.value as number))));
  assert.equal(hist[hist.length - 1].best, mx.bestValue);
  assert.equal(mn.bestTrial.number, vals.indexOf(Math.min(...vals)), 'first trial among ties');
  assert.deepEqual(mn.trials.map((t) => t.number), [...Array(40).keys()]);
  const empty = await createStudy();
  assert.throws(() => empty.bestTrial, /no COMPLETE trial/);
  await assert.rejects(createStudy({ direction: 'up' as 'minimize' }), /direction must be/);
});

test('suggest twice returns the same value; a conflicting distribution throws', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
  await study.optimize(
    (t) => {
      const a = t.suggestFloat('x', 0, 1);
      assert.equal(t.suggestFloat('x', 0, 1), a);
      assert.throws(() => t.suggestFloat('x', 0, 2), /'x' was suggested as float\[0, 1\], now as float\[0, 2\]/);
      return a;
    },
    { nTrials: 3 },
  );
  assert.equal(study.trials.length, 3);
});

test('failures: thrown errors mark FAIL and re-throw unless catch; NaN and non-numbers are FAIL; study goes on', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
  await assert.rejects(
    study.optimize(
      (t) => {
        if (t.number === 2) throw new Error('boom');
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 5 },
    ),
    /boom/,
  );
  assert.deepEqual(study.trials.map((t) => t.state), ['COMPLETE', 'COMPLETE', 'FAIL']);
  assert.equal(study.trials[2].systemAttrs.failReason, 'Error: boom');
  await study.optimize(
    (t) => {
      if (t.number === 3) throw new Error('again');
      if (t.number === 4) return NaN;
      if (t.number === 5) return 'x' as unknown as number;
      return t.suggestFloat('x', 0, 1);
    },
    { nTrials: 4, catch: true },
  );
  assert.deepEqual(study.trials.map((t) => t.state), ['COMPLETE', 'COMPLETE', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'COMPLETE']);
  assert.match(String(study.trials[4].systemAttrs.failReason), /NaN/);
  assert.match(String(study.trials[5].systemAttrs.failReason), /returned string/);
  // failed trials never become best, and the TPE split ignores them
  assert.ok(study.bestTrial.state === 'COMPLETE');
  await assert.rejects(study.optimize(() => 1, {}), /give nTrials and\/or timeout/);
  await assert.rejects(study.optimize(() => 1, { nTrials: -1 }), /nTrials/);
});

test('enqueueTrial fixes the next trial\'s parameters; out-of-range enqueued values are rejected', async () => {
  const study = await createStudy({ seed: 5 });
  study.enqueueTrial({ x: 0.25, kind: 'b' });
  await study.optimize((t) => t.suggestFloat('x', 0, 1) + (t.suggestCategorical('kind', ['a', 'b']) === 'b' ? 1 : 0), { nTrials: 2 });
  assert.deepEqual(study.trials[0].params, { x: 0.25, kind: 'b' });
  assert.equal(study.trials[0].value, 1.25);
  study.enqueueTrial({ x: 7 });
  await assert.rejects(study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 }), /enqueued value 7 of 'x' is outside/);
});

/** Study with 5 COMPLETE trials whose intermediate value at step s is base + s for base 1..5 (median at every step: 3 + s). */
async function prunerStudy(pruner: MedianPruner | PercentilePruner, direction: 'minimize' | 'maximize' = 'minimize'): Promise<Study> {
  const study = await createStudy({ pruner, direction, sampler: new RandomSampler({ seed: 0 }) });
  for (let base = 1; base <= 5; base++) {
    const t = await study.ask();
    for (let s = 0; s < 5; s++) t.report(base + s, s);
    await study.tell(t, base + 4);
  }
  return study;
}

/** Runs a trial reporting `value(s)` at steps 0..4; returns the first step where shouldPrune() was true, or -1. */
async function firstPrunedStep(study: Study, value: (s: number) => number): Promise<number> {
  const t = await study.ask();
  let pruned = -1;
  for (let s = 0; s < 5 && pruned < 0; s++) {
    t.report(value(s), s);
    if (t.shouldPrune()) pruned = s;
  }
  await study.tell(t, pruned >= 0 ? { state: 'PRUNED' } : value(4));
  return pruned;
}

test('median pruner: prunes a clearly bad trial at the first allowed step, never a good one', async () => {
  // each check on a fresh 5-trial study (a finished check trial would join the reference pool)
  const first = async (opts: ConstructorParameters<typeof MedianPruner>[0], value: (s: number) => number, direction: 'minimize' | 'maximize' = 'minimize'): Promise<number> =>
    firstPrunedStep(await prunerStudy(new MedianPruner(opts), direction), value);
  const base = { nStartupTrials: 5 };
  assert.equal(await first(base, (s) => 10 + s), 0, 'bad: 10 > median 3 at step 0');
  assert.equal(await first(base, (s) => 1 + s), -1, 'good: at the lowest');
  assert.equal(await first(base, (s) => 3 + s), -1, 'equal to the median is kept');
  assert.equal(await first(base, (s) => 3.01 + s), 0, 'just above the median is pruned');
  assert.equal(await first(base, (s) => (s < 3 ? 1 : 50)), 3, 'turns bad at step 3');
  assert.equal(await first(base, (s) => (s === 1 ? NaN : 1)), 1, 'NaN is pruned');
  // warm-up: no pruning before step 2
  assert.equal(await first({ nStartupTrials: 5, nWarmupSteps: 2 }, (s) => 10 + s), 2);
  // interval 2 after warm-up 1: checks at steps 1 and 3 only (the first report in each block)
  assert.equal(await first({ nStartupTrials: 5, nWarmupSteps: 1, intervalSteps: 2 }, (s) => (s < 2 ? 1 : 50)), 3);
  // startup: only 5 complete trials, 6 needed
  assert.equal(await first({ nStartupTrials: 6 }, (s) => 10 + s), -1);
  // maximize: low values are bad
  assert.equal(await first(base, () => -10, 'maximize'), 0);
  assert.equal(await first(base, (s) => 10 + s, 'maximize'), -1);
});

test('percentile helper matches NumPy linear interpolation; percentile pruner uses it', async () => {
  assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
  assert.equal(percentile([1, 2, 3, 4, 10], 25), 2);
  assert.equal(percentile([1, NaN, 3], 50), 2);
  assert.ok(Number.isNaN(percentile([NaN], 50)));
  // 25th percentile at step 0 is 2: a trial at 2.5 is pruned by the 25% pruner, kept by the median one
  const p25 = await prunerStudy(new PercentilePruner(25, { nStartupTrials: 5 }));
  assert.equal(await firstPrunedStep(p25, (s) => 2.5 + s), 0);
  const med = await prunerStudy(new MedianPruner({ nStartupTrials: 5 }));
  assert.equal(await firstPrunedStep(med, (s) => 2.5 + s), -1);
  assert.throws(() => new PercentilePruner(101), /percentile/);
});

test('optimize with a pruning objective: bad trials end PRUNED with their reports, TPE keeps going', async () => {
  const study = await createStudy({ sampler: new TPESampler({ seed: 8, nStartupTrials: 5 }), pruner: new MedianPruner({ nStartupTrials: 5 }) });
  await study.optimize(
    (t) => {
      const x = t.suggestFloat('x', -5, 5);
      let acc = 0;
      for (let fold = 0; fold < 4; fold++) {
        acc += (x - 1) ** 2; // each fold's loss
        t.report(acc / (fold + 1), fold);
        if (t.shouldPrune()) throw new TrialPruned(`fold ${fold}`);
      }
      return acc / 4;
    },
    { nTrials: 40 },
  );
  const pruned = study.trials.filter((t) => t.state === 'PRUNED');
  assert.ok(pruned.length > 0, 'some trials pruned');
  for (const t of pruned) {
    assert.equal(t.value, null);
    assert.ok(t.intermediateValues.size >= 1 && t.intermediateValues.size < 4);
  }
  // a pruned trial's loss at its last step is worse than the best complete value
  for (const t of pruned) assert.ok([...t.intermediateValues.values()].at(-1)! > study.bestValue);
  assert.ok(Math.abs((study.bestParams.x as number) - 1) < 0.5);
});

test('timeout: trials stop starting once the time is up; a running trial is not cut', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
  const timeout = 0.15;
  const t0 = Date.now();
  await study.optimize(
    async (t) => {
      await sleep(20);
      return t.suggestFloat('x', 0, 1);
    },
    { nTrials: 1000, timeout },
  );
  const elapsed = Date.now() - t0;
  const trials = study.trials;
  assert.ok(trials.length >= 1 && trials.length < 1000, `${trials.length} trials`);
  assert.ok(trials.every((t) => t.state === 'COMPLETE'), 'the last trial ran to completion');
  assert.ok(elapsed >= timeout * 1000, 'did not return before the timeout');
  assert.ok(trials[trials.length - 1].datetimeStart - trials[0].datetimeStart < timeout * 1000, 'every trial started inside the window');
  const none = await createStudy();
  await none.optimize(() => 1, { timeout: 0 });
  assert.equal(none.trials.length, 0);
});

test('stop() from a callback, user attrs and the trials table', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
  await study.optimize(
    (t) => {
      const x = t.suggestFloat('x', 0, 1);
      if (t.number % 2 === 0) t.suggestCategorical('mode', ['a', 'b']);
      t.setUserAttr('sharpe', x * 2);
      return x;
    },
    { nTrials: 100, callbacks: [(s, t) => (t.number === 4 ? s.stop() : undefined)] },
  );
  const rows = study.trialsTable();
  assert.equal(rows.length, 5);
  assert.deepEqual(Object.keys(rows[0]), ['number', 'value', 'state', 'datetimeStart', 'durationMs', 'params_mode', 'params_x', 'user_attrs_sharpe']);
  assert.equal(rows[1].params_mode, null);
  for (const r of rows) {
    assert.equal(r.user_attrs_sharpe, (r.params_x as number) * 2);
    assert.equal(r.value, r.params_x);
    assert.ok((r.durationMs as number) >= 0);
    assert.match(r.datetimeStart, /^\d{4}-\d\d-\d\dT/);
  }
  assert.throws(() => {
    const bad: Record<string, unknown> = {};
    bad.self = bad;
    (study as unknown as { enqueueTrial: (p: unknown) => void }).enqueueTrial(bad);
  }, /not JSON-serializable/);
});
