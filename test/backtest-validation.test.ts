import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflatedSharpe, kurtosis, mean, skewness, std, variance } from '../lib/stats/index.js';
import { deflatedSharpeReport } from '../lib/stats/index.js';
import { defaultRollingWindows, rollingSplits, rollingValidation, walkForward, walkForwardSplit, type BarRange } from '../lib/backtest/index.js';

const disjoint = (a: BarRange, b: BarRange) => a.end <= b.start || b.end <= a.start;

test('walk-forward split: 60/20/20 by default, in order, never overlapping, covering the bars', () => {
  assert.deepEqual(walkForwardSplit(1000), { train: { start: 0, end: 600 }, validation: { start: 600, end: 800 }, test: { start: 800, end: 1000 } });
  for (let n = 40; n < 3000; n += 37) {
    for (const embargo of [0, 3]) {
      const s = walkForwardSplit(n, { embargo, start: 2 });
      assert.ok(disjoint(s.train, s.validation) && disjoint(s.validation, s.test) && disjoint(s.train, s.test));
      assert.ok(s.train.end + embargo === s.validation.start && s.validation.end + embargo === s.test.start);
      assert.equal(s.train.start, 2);
      assert.equal(s.test.end, n);
    }
  }
  assert.throws(() => walkForwardSplit(100, { fractions: { train: 0.5, validation: 0.3, test: 0.3 } }), /sum to 1/);
  assert.throws(() => walkForwardSplit(3, { embargo: 2 }), /segment is empty/);
});

test('rolling splits: train then test, disjoint within each window, test windows tile', () => {
  const w = rollingSplits(10_000);
  assert.equal(w[0]!.train.end - w[0]!.train.start, 2160);
  assert.equal(w[0]!.test.end - w[0]!.test.start, 720);
  assert.equal(w.length, Math.floor((10_000 - 2160 - 720) / 720) + 1);
  for (let i = 0; i < w.length; i++) {
    assert.ok(w[i]!.train.end <= w[i]!.test.start);
    if (i > 0) assert.equal(w[i]!.test.start, w[i - 1]!.test.end);
    assert.ok(w[i]!.test.end <= 10_000);
  }
  const e = rollingSplits(500, { train: 100, test: 50, step: 25, embargo: 5 });
  for (const x of e) assert.equal(x.test.start - x.train.end, 5);
  assert.throws(() => rollingSplits(100, { train: 90, test: 20 }), /no window/);
  assert.deepEqual(defaultRollingWindows('1h', 'crypto'), { train: 2160, test: 720 });
  assert.deepEqual(defaultRollingWindows('1d', 'equity'), { train: 252, test: 63 });
});

test('walkForward: fit sees only the train range; each segment scored once, test last', async () => {
  const calls: string[] = [];
  const rep = await walkForward({
    nBars: 100,
    fit: (train) => {
      calls.push(`fit ${train.start}-${train.end}`);
      return { k: train.end };
    },
    evaluate: (p, r) => {
      calls.push(`eval ${r.start}-${r.end}`);
      return { sharpe: r.start === 0 ? 2 : r.start === 60 ? 1.5 : 0.4, k: p.k };
    },
  });
  assert.deepEqual(calls, ['fit 0-60', 'eval 0-60', 'eval 60-80', 'eval 80-100']);
  assert.equal(rep.params.k, 60);
  assert.equal(rep.validationPass, true);
  assert.equal(rep.testToTrain, 0.2);
});

test('rollingValidation: positive share, pass at >= 0.6, Sharpe decay flag below 0.5 x train', async () => {
  const tests = [1, -1, 0.5, 0.2, -0.3];
  let i = 0;
  const rep = await rollingValidation({
    nBars: 500,
    train: 100,
    test: 80,
    fit: (tr) => tr.start,
    evaluate: (_p, r) => ({ sharpe: r.end - r.start === 100 ? 2 : tests[i++]! }),
  });
  assert.equal(rep.windows.length, 5);
  assert.equal(rep.positiveShare, 0.6);
  assert.equal(rep.pass, true);
  assert.ok(Math.abs(rep.meanTestSharpe - 0.08) < 1e-12);
  assert.equal(rep.decayFlag, true);
  for (const w of rep.windows) assert.ok(w.window.train.end <= w.window.test.start);
});

test('deflatedSharpeReport matches lib/stats deflatedSharpe on per-bar Sharpe ratios', () => {
  let s = 7;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const r = Array.from({ length: 2000 }, () => (u() - 0.48) * 0.02);
  const trials = [0.5, 1.2, -0.3, 2.0, 0.9, 1.1];
  const rep = deflatedSharpeReport({ returns: r, annualization: 8760, trialSharpes: trials });
  const sr = mean(r) / std(r, 1);
  const v = variance(trials.map((x) => x / Math.sqrt(8760)), 1);
  const ref = deflatedSharpe({ sharpe: sr, nObs: 2000, skew: skewness(r), kurtosis: kurtosis(r), nTrials: 6, trialSharpeVariance: v });
  assert.equal(rep.dsr, ref.dsr);
  assert.equal(rep.sr0PerBar, ref.sr0);
  assert.equal(rep.nTrials, 6);
  assert.ok(Math.abs(rep.sharpe - sr * Math.sqrt(8760)) < 1e-12);
  // more trials -> higher bar -> lower DSR
  const more = deflatedSharpeReport({ returns: r, annualization: 8760, nTrials: 600, trialSharpes: trials });
  assert.ok(more.dsr < rep.dsr);
  assert.throws(() => deflatedSharpeReport({ returns: r, annualization: 8760, nTrials: 10 }), /needs trialSharpes/);
});

test('tuneOnRange: scores only sub-ranges of its range, folds tile it, best params returned, seeded', async () => {
  const { tuneOnRange, reversalRules } = await import('../lib/backtest/index.js');
  const seen: BarRange[] = [];
  const run = () =>
    tuneOnRange({
      range: { start: 100, end: 400 },
      folds: 3,
      nTrials: 30,
      seed: 3,
      suggest: (t) => ({ x: t.suggestFloat('x', -1, 1) }),
      score: (p, r) => {
        seen.push(r);
        return -((p.x - 0.3) ** 2) + (r.start === 100 ? 0 : 0.01);
      },
    });
  const a = await run();
  for (const r of seen) assert.ok(r.start >= 100 && r.end <= 400 && r.end > r.start);
  assert.deepEqual([...new Set(seen.map((r) => `${r.start}-${r.end}`))].sort(), ['100-200', '200-300', '300-400']);
  assert.equal(a.nTrials, 30);
  assert.ok(Math.abs(a.params.x - 0.3) < 0.15, `best x ${a.params.x}`);
  assert.equal(a.value, Math.max(...a.values));
  const b = await run();
  assert.deepEqual(b.params, a.params);
  assert.deepEqual(reversalRules('z', 2, 0.5), {
    longEntry: { factor: 'z', op: '<', value: -2 },
    longExit: { factor: 'z', op: '>', value: -0.5 },
    shortEntry: { factor: 'z', op: '>', value: 2 },
    shortExit: { factor: 'z', op: '<', value: 0.5 },
  });
  assert.throws(() => reversalRules('z', 1, 1), /exit < entry/);
});
