/**
 * neweyWestT (lib/stats; moved from lib/factors, which re-exports it):
 * hand-computed lags 0 and 1, NaN removal, too few values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, neweyWestT, std } from '../lib/stats/index.js';
import { kernels } from '../lib/factors/index.js';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('neweyWestT: lag 0 is the mean over its population-std standard error; lag 1 by hand; NaNs dropped', () => {
  const v = [0.1, -0.05, 0.2, 0.03, 0.07, -0.01];
  close(neweyWestT(v, 0).t, mean(v) / (std(v, 0) / Math.sqrt(v.length)), 1e-12);
  const m = mean(v);
  const d = v.map((u) => u - m);
  const g0 = d.reduce((s, u) => s + u * u, 0) / v.length;
  let g1 = 0;
  for (let i = 1; i < d.length; i++) g1 += d[i]! * d[i - 1]!;
  g1 /= v.length;
  // Bartlett weight 1 - 1/2 on lag 1: var(mean) = (g0 + 2 * 0.5 * g1) / n
  close(neweyWestT(v, 1).t, m / Math.sqrt((g0 + g1) / v.length), 1e-12);
  const withNaN = [NaN, ...v.slice(0, 3), NaN, ...v.slice(3)];
  assert.deepEqual(neweyWestT(withNaN, 1), neweyWestT(v, 1));
  assert.equal(neweyWestT(v, 1).n, 6);
  assert.ok(Number.isNaN(neweyWestT([1], 0).t));
  assert.ok(Number.isNaN(neweyWestT([2, 2, 2], 1).t), 'zero variance');
  assert.equal(kernels.neweyWestT, neweyWestT, 'lib/factors re-exports the lib/stats function');
});
