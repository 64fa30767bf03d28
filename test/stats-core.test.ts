import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks, benjaminiHochberg, bonferroni, deflatedSharpe, kurtosis, mean, normalCdf, normalPpf, pearson,
  performanceStats, drawdownSeries, skewness, spearman, std, studentTCdf, tStatistic, tTestPValue, expectedMaxSharpe,
} from '../lib/stats/index.js';

const close = (a: number, b: number, tol: number, msg?: string) => assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b} (tol ${tol})`);

test('normal CDF and its inverse match table values and invert each other', () => {
  close(normalCdf(0), 0.5, 1e-7);
  close(normalCdf(1.959963984540054), 0.975, 1e-7);
  close(normalCdf(-1), 0.15865525393145707, 1e-7);
  close(normalPpf(0.975), 1.959963984540054, 1e-6);
  close(normalPpf(0.01), -2.3263478740408408, 1e-6);
  for (const p of [1e-6, 0.001, 0.2, 0.5, 0.77, 0.999]) close(normalCdf(normalPpf(p)), p, 2e-7 + p * 1e-6, `p=${p}`);
});

test('Student t: two-sided p-values from t tables', () => {
  // t(10) critical value for two-sided 5% is 2.228139; t(30) for 1% is 2.749996.
  close(tTestPValue(2.228138851986274, 10), 0.05, 1e-6);
  close(tTestPValue(2.749995653567, 30), 0.01, 1e-6);
  close(studentTCdf(0, 5), 0.5, 1e-12);
  // df = 1 is the Cauchy distribution: CDF = 1/2 + atan(t)/pi.
  close(studentTCdf(1.7, 1), 0.5 + Math.atan(1.7) / Math.PI, 1e-9);
  close(studentTCdf(-3, 4) + studentTCdf(3, 4), 1, 1e-12);
});

test('moments and correlations on hand-computed data', () => {
  const x = [1, 2, 3, 10, NaN];
  close(mean(x), 4, 1e-15);
  close(std(x), Math.sqrt(((9 + 4 + 1 + 36) / 3)), 1e-12);
  // m2 = 12.5, m3 = (-27 - 8 - 1 + 216)/4 = 45, g1 = 45 / 12.5^1.5
  close(skewness(x), 45 / Math.pow(12.5, 1.5), 1e-12);
  // m4 = (81 + 16 + 1 + 1296)/4 = 348.5, kurt = 348.5 / 156.25
  close(kurtosis(x), 348.5 / 156.25, 1e-12);
  // sxy = 10.75, sxx = 5, syy = 23.1875 (hand-computed deviations from the means 2.5 and 5.125)
  close(pearson([1, 2, 3, 4], [2, 4, 6, 8.5]), 10.75 / Math.sqrt(5 * 23.1875), 1e-12);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])), 'zero variance gives NaN');
  assert.deepEqual(Array.from(averageRanks([10, 20, 20, NaN, 5])), [2, 3.5, 3.5, NaN, 1]);
  // Spearman equals Pearson of average ranks; monotone transform gives 1.
  close(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125]), 1, 1e-15);
  const a = [3, 1, 4, 1, 5, 9, 2, 6];
  const b = [2, 7, 1, 8, 2, 8, 1, 8];
  close(spearman(a, b), pearson(averageRanks(a), averageRanks(b)), 1e-15);
  const t = tStatistic([1, 2, 3, 4]);
  close(t.t, 2.5 / (Math.sqrt(5 / 3) / 2), 1e-12);
  assert.equal(t.df, 3);
});

test('multiple testing: Bonferroni and Benjamini-Hochberg match statsmodels', () => {
  const p = [0.01, 0.04, 0.03, 0.005, NaN];
  assert.deepEqual(bonferroni(p).map((v) => (Number.isNaN(v) ? v : +v.toFixed(12))), [0.04, 0.16, 0.12, 0.02, NaN]);
  // statsmodels multipletests([0.01,0.04,0.03,0.005], method='fdr_bh') -> [0.02, 0.04, 0.04, 0.02]
  const q = benjaminiHochberg(p);
  [0.02, 0.04, 0.04, 0.02].forEach((v, i) => close(q[i]!, v, 1e-12));
  assert.ok(Number.isNaN(q[4]!));
});

test('deflated Sharpe reproduces the numerical example of Bailey & Lopez de Prado (2014)', () => {
  // N = 100 trials, annualized trial-SR variance 0.5, selected SR 2.5 annualized, T = 1250 daily obs, skew -3, kurt 10.
  const sr = 2.5 / Math.sqrt(250);
  const v = 0.5 / 250;
  close(expectedMaxSharpe(100, v), 0.1132, 2e-4);
  const { dsr } = deflatedSharpe({ sharpe: sr, nObs: 1250, skew: -3, kurtosis: 10, nTrials: 100, trialSharpeVariance: v });
  close(dsr, 0.9004, 5e-4);
});

test('performance statistics on a hand-computed return series', () => {
  const r = [0.1, -0.05, 0.02, -0.1, 0.05];
  const s = performanceStats(r, 252);
  const eq = [1.1, 1.045, 1.0659, 0.95931, 1.0072755];
  close(s.totalReturn, eq[4]! - 1, 1e-12);
  // Peak 1.1, trough 0.95931 -> drawdown 1 - 0.95931/1.1
  close(s.maxDrawdown, 1 - 0.95931 / 1.1, 1e-12);
  const m = 0.004;
  const sd = Math.sqrt(r.reduce((acc, x) => acc + (x - m) ** 2, 0) / 4);
  close(s.sharpe, (m / sd) * Math.sqrt(252), 1e-10);
  close(s.sortino, (m / Math.sqrt((0.05 ** 2 + 0.1 ** 2) / 5)) * Math.sqrt(252), 1e-10);
  close(s.annualReturn, Math.pow(eq[4]!, 252 / 5) - 1, 1e-9);
  close(s.calmar, s.annualReturn / s.maxDrawdown, 1e-12);
  close(s.hitRate, 3 / 5, 1e-15);
  const dd = drawdownSeries(r);
  close(Math.min(...dd), -s.maxDrawdown, 1e-12);
});

test('quantile and median: linear interpolation (NumPy type 7), NaN skipped', async () => {
  const { quantile, median } = await import('../lib/stats/index.js');
  assert.equal(median([3, 1, NaN, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantile([10, 20], 0.3), 13);
  assert.equal(quantile([7], 0.9), 7);
  assert.ok(Number.isNaN(median([NaN])));
  assert.ok(Number.isNaN(quantile([1, 2], 1.5)));
});

test('seeded generator: same seed, same stream; Rng.shuffle permutes, Rng.pick stays in range', async () => {
  const { Rng } = await import('../lib/stats/index.js');
  const a = new Rng(5), b = new Rng(5);
  const xs = Array.from({ length: 1000 }, () => a.random());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b.random()));
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(m > 0.45 && m < 0.55 && xs.every((x) => x >= 0 && x < 1));
  assert.deepEqual(new Rng(1).shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
  const r1 = new Rng(9), r2 = new Rng(9);
  assert.equal(r1.pick([1, 2, 3, 4]), r2.pick([1, 2, 3, 4]));
  assert.throws(() => r1.pick([]), /empty/);
});
