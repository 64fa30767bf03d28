import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Panel } from '../lib/data/panel.js';
import {
  benjaminiHochberg, bonferroni, mean, pearson, performanceStats, spearman, std, tStatistic, tTestPValue,
} from '../lib/stats/index.js';
import { analyzeFactor, forwardReturns, gradeFactor, kernels, multipleTesting, DEFAULT_THRESHOLDS, type GradeMetrics } from '../lib/factors/index.js';
import { assertClose, lcg } from './helpers/numeric.js';

const close = assertClose;

const rng = lcg;

/** Random-walk close prices, T daily bars x N assets; `missing` share of prices NaN. */
function makePanel(T: number, N: number, seed: number, missing = 0): Panel {
  const r = rng(seed);
  const close = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    let p = 20 + 80 * r();
    for (let t = 0; t < T; t++) {
      p *= 1 + (r() - 0.5) * 0.06;
      close[t * N + a] = r() < missing ? NaN : p;
    }
  }
  return {
    dataset: `synthetic_${seed}`, frequency: '1d', market: 'equity',
    times: Float64Array.from({ length: T }, (_, i) => Date.UTC(2020, 0, 1) + i * 86_400_000),
    assets: Array.from({ length: N }, (_, i) => `A${String(i).padStart(3, '0')}`),
    fields: { close },
  };
}

function noisyFactor(panel: Panel, h: number, delay: 0 | 1, noise: number, seed: number): Float64Array {
  const f = forwardReturns(panel, h, delay);
  const r = rng(seed);
  return f.map((v) => (Number.isNaN(v) ? (r() < 0.5 ? NaN : r()) : v + noise * (r() - 0.5)));
}

const row = (x: Float64Array, t: number, N: number) => Array.from(x.subarray(t * N, t * N + N));

test('a factor equal to the forward return has Rank IC 1 and IC 1 on every defined date, monotone quantiles', () => {
  const panel = makePanel(80, 40, 1);
  for (const [h, delay] of [[1, 0], [5, 1]] as const) {
    const f = forwardReturns(panel, h, delay);
    const a = analyzeFactor(f, panel, { horizon: h, delay });
    assert.equal(a.rankIc.nDates, 80 - h - delay);
    for (let t = 0; t < 80 - h - delay; t++) {
      close(a.rankIc.series[t]!, 1, 1e-12);
      close(a.ic.series[t]!, 1, 1e-12);
    }
    close(a.quantiles.monotonicity, 1, 1e-12);
    assert.ok(a.quantiles.spread > 0);
    assert.equal(a.direction, 1);
    const d = a.decay.find((p) => p.horizon === h)!;
    close(d.rankIcMean, a.rankIc.mean, 0);
    close(d.icMean, a.ic.mean, 0);
  }
});

test('IC statistics are those of lib/stats on the per-date series; Rank IC is the Pearson IC of per-date ranks', () => {
  const panel = makePanel(120, 30, 2, 0.05);
  const f = noisyFactor(panel, 1, 1, 0.08, 9);
  const a = analyzeFactor(f, panel, { horizon: 1, delay: 1, minAssets: 3 });
  const fwd = forwardReturns(panel, 1, 1);
  const N = 30;
  for (let t = 0; t < 120; t++) {
    close(a.ic.series[t]!, pearson(row(f, t, N), row(fwd, t, N)), 1e-12, `IC ${t}`);
    close(a.rankIc.series[t]!, spearman(row(f, t, N), row(fwd, t, N)), 1e-12, `Rank IC ${t}`);
  }
  const s = a.rankIc.series;
  close(a.rankIc.mean, mean(s), 1e-15);
  close(a.rankIc.std, std(s), 1e-15);
  close(a.rankIc.ir, mean(s) / std(s), 1e-12);
  const t = tStatistic(s);
  close(a.rankIc.t, t.t, 1e-12);
  close(a.rankIc.p, tTestPValue(t.t, t.n - 1), 1e-12);
  const vals = Array.from(s).filter((v) => !Number.isNaN(v));
  close(a.rankIc.positiveShare, vals.filter((v) => v > 0).length / vals.length, 1e-15);
  // Rolling mean of the last 60 dates at the last defined date, by a plain loop.
  const last = 118;
  const win = Array.from(s.subarray(last - 59, last + 1)).filter((v) => !Number.isNaN(v));
  close(a.rankIc.rolling[last]!, mean(win), 1e-12);
  // The grade's p-value for horizon 1 is the Rank IC p.
  close(a.gradeMetrics.pValue, a.rankIc.p, 0);
});

test('quantile mean returns, spread and monotonicity recomputed by a plain loop (sort, cut into n/Q)', () => {
  const T = 60;
  const N = 50;
  const Q = 5;
  const panel = makePanel(T, N, 3);
  const r = rng(4);
  const f = new Float64Array(T * N).map(() => r());
  // Some dates with 45 valued names, one all-NaN date.
  for (let t = 10; t < 15; t++) for (let a = 0; a < 5; a++) f[t * N + a * 7] = NaN;
  for (let a = 0; a < N; a++) f[20 * N + a] = NaN;
  const h = 2;
  const a = analyzeFactor(f, panel, { horizon: h, delay: 1, quantiles: Q });
  const fwd = forwardReturns(panel, h, 1);
  const perDate: number[][] = Array.from({ length: Q }, () => []);
  const spread: number[] = [];
  for (let t = 0; t < T; t++) {
    const idx = [];
    for (let k = 0; k < N; k++) if (!Number.isNaN(f[t * N + k]!)) idx.push(k);
    if (idx.length < Q) {
      assert.ok(Number.isNaN(a.quantiles.spreadSeries[t]!), `date ${t} has no buckets`);
      continue;
    }
    idx.sort((i, j) => f[t * N + i]! - f[t * N + j]!);
    const size = idx.length / Q;
    const m: number[] = [];
    for (let q = 0; q < Q; q++) {
      const rs = idx.slice(q * size, (q + 1) * size).map((k) => fwd[t * N + k]!).filter((v) => !Number.isNaN(v));
      m.push(rs.length ? rs.reduce((x, y) => x + y, 0) / rs.length : NaN);
      if (!Number.isNaN(m[q]!)) perDate[q]!.push(m[q]!);
    }
    if (!Number.isNaN(m[Q - 1]! - m[0]!)) spread.push(m[Q - 1]! - m[0]!);
    close(a.quantiles.spreadSeries[t]!, m[Q - 1]! - m[0]!, 1e-14, `spread ${t}`);
  }
  for (let q = 0; q < Q; q++) close(a.quantiles.meanReturn[q]!, mean(perDate[q]!), 1e-14, `bucket ${q}`);
  close(a.quantiles.spread, mean(spread), 1e-14);
  close(a.quantiles.spreadSe, std(spread) / Math.sqrt(spread.length), 1e-14);
  close(a.quantiles.monotonicity, spearman([1, 2, 3, 4, 5], a.quantiles.meanReturn), 1e-15);
  // Cumulative return of the top bucket: members fixed at even dates (rebalanced every 2 bars), one-bar returns, compounded.
  const f1 = forwardReturns(panel, 1, 1);
  let eq = 1;
  for (let t = 0; t < T; t++) {
    const k = t - (t % h);
    const idx = [];
    for (let j = 0; j < N; j++) if (!Number.isNaN(f[k * N + j]!)) idx.push(j);
    if (idx.length < Q) continue;
    idx.sort((i, j) => f[k * N + i]! - f[k * N + j]!);
    const size = idx.length / Q;
    const rs = idx.slice((Q - 1) * size).map((j) => f1[t * N + j]!).filter((v) => !Number.isNaN(v));
    if (rs.length) eq *= 1 + mean(rs);
    close(a.quantiles.cumulative[Q - 1]![t]!, eq, 1e-12, `cumulative top t=${t}`);
  }
  // Horizon 2: the grade uses the Newey-West (1 lag) t of the spread and p of the Rank IC.
  close(a.gradeMetrics.spreadT, kernels.neweyWestT(spread, 1).t, 1e-12);
  close(a.gradeMetrics.pValue, a.rankIc.pNeweyWest, 0);
  close(a.quantiles.spreadT, mean(spread) / (std(spread) / Math.sqrt(spread.length)), 1e-12);
});

test('long-short: top-minus-bottom returns equal the quantile spread at horizon 1; stats from performanceStats; rank weights dollar neutral', () => {
  const panel = makePanel(90, 25, 5, 0.03);
  const f = noisyFactor(panel, 1, 0, 0.1, 6);
  const a = analyzeFactor(f, panel, { horizon: 1, delay: 0 });
  for (let t = 0; t < 90; t++) close(a.longShort.returns[t]!, a.quantiles.spreadSeries[t]!, 1e-15, `t=${t}`);
  assert.deepEqual(a.longShort.stats, performanceStats(a.longShort.returns, 252));
  assert.equal(a.annualization, 252);
  // Rank-weighted: at t, weights (r - mean r) scaled to +1 long / -1 short; the bar return recomputed by hand.
  const b = analyzeFactor(f, panel, { horizon: 1, delay: 0, portfolio: 'rank' });
  const fwd1 = forwardReturns(panel, 1, 0);
  const N = 25;
  for (const t of [3, 40, 77]) {
    const vals = row(f, t, N);
    const valid = vals.map((v, k) => [v, k] as const).filter(([v]) => !Number.isNaN(v));
    const ranks = new Map<number, number>();
    const sorted = [...valid].sort((x, y) => x[0] - y[0]);
    sorted.forEach(([, k], i) => ranks.set(k, i + 1)); // values are distinct
    const mid = (valid.length + 1) / 2;
    let pos = 0;
    for (const r of ranks.values()) if (r > mid) pos += r - mid;
    let lw = 0, lr = 0, sw = 0, sr = 0;
    for (const [k, r] of ranks) {
      const w = (r - mid) / pos;
      const ret = fwd1[t * N + k]!;
      if (Number.isNaN(ret) || w === 0) continue;
      if (w > 0) { lw += w; lr += w * ret; } else { sw -= w; sr -= w * ret; }
    }
    close(b.longShort.returns[t]!, lr / lw - sr / sw, 1e-14, `rank LS t=${t}`);
  }
  // Directional stats flip the sign when the mean Rank IC is negative.
  const neg = analyzeFactor(f.map((v) => -v), panel, { horizon: 1, delay: 0 });
  assert.equal(neg.direction, -1);
  close(neg.longShort.directional.sharpe, a.longShort.stats.sharpe, 1e-9);
});

test('turnover and rank autocorrelation summaries; coverage counts only assets with a price', () => {
  const panel = makePanel(50, 20, 7);
  const N = 20;
  // A factor that never changes: zero turnover, autocorrelation 1.
  const r = rng(8);
  const base = Array.from({ length: N }, () => r());
  const still = new Float64Array(50 * N).map((_, i) => base[i % N]!);
  const a = analyzeFactor(still, panel, { horizon: 3 });
  close(a.turnover.top, 0, 0);
  close(a.turnover.bottom, 0, 0);
  close(a.turnover.rankAutocorrelation, 1, 1e-12);
  // A factor that reverses its order every bar: top and bottom swap -> turnover 1 at lag 1, autocorrelation -1.
  const flip = new Float64Array(50 * N).map((_, i) => (Math.floor(i / N) % 2 === 0 ? 1 : -1) * base[i % N]!);
  const b = analyzeFactor(flip, panel, { horizon: 1 });
  close(b.turnover.top, 1, 0);
  close(b.turnover.rankAutocorrelation, -1, 1e-12);
  // Coverage: half the names lack a factor value.
  const half = still.map((v, i) => (i % N < 10 ? NaN : v));
  close(analyzeFactor(half, panel).coverage.mean, 0.5, 1e-15);
});

test('edge cases: constant factor, all-NaN dates, ties, fewer assets than buckets', () => {
  const panel = makePanel(40, 12, 9);
  const N = 12;
  // Constant factor: no IC, no top/bottom bucket; graded E and rejected with a reason, no throw.
  const c = analyzeFactor(new Float64Array(40 * N).fill(3), panel);
  assert.equal(c.rankIc.nDates, 0);
  assert.ok(Number.isNaN(c.rankIc.mean) && Number.isNaN(c.ic.mean) && Number.isNaN(c.quantiles.spread));
  assert.ok(Array.from(c.longShort.returns).every(Number.isNaN));
  assert.equal(c.grade.pass, false);
  assert.equal(c.grade.grade, 'E');
  assert.ok(c.grade.reasons.includes('Rank IC undefined (NaN)'), c.grade.reasons.join('; '));
  close(c.coverage.mean, 1, 0);
  // All-NaN dates: undefined there, and not counted.
  const f = noisyFactor(panel, 1, 1, 0.1, 10);
  for (const t of [5, 6, 7]) for (let a = 0; a < N; a++) f[t * N + a] = NaN;
  const d = analyzeFactor(f, panel, { quantiles: 3 });
  for (const t of [5, 6, 7]) {
    assert.ok(Number.isNaN(d.rankIc.series[t]!) && Number.isNaN(d.quantiles.spreadSeries[t]!));
    close(d.coverage.series[t]!, 0, 0);
  }
  assert.equal(d.rankIc.nDates, 40 - 2 - 3);
  // Ties: Rank IC matches spearman with average ranks.
  const tied = f.map((v) => (Number.isNaN(v) ? v : Math.round(v * 20) / 20));
  const e = analyzeFactor(tied, panel, { minAssets: 2 });
  const fwd = forwardReturns(panel, 1, 1);
  for (let t = 0; t < 38; t++) close(e.rankIc.series[t]!, spearman(row(tied, t, N), row(fwd, t, N)), 1e-12);
  // Fewer assets than buckets: 12 assets, 20 buckets -> no quantile output, IC still defined.
  const g = analyzeFactor(f, panel, { quantiles: 20 });
  assert.ok(Array.from(g.quantiles.spreadSeries).every(Number.isNaN));
  assert.ok(g.quantiles.meanReturn.every(Number.isNaN));
  assert.ok(g.rankIc.nDates > 0);
  assert.ok(Number.isNaN(g.turnover.top));
  // Bad input names the argument.
  assert.throws(() => analyzeFactor(new Float64Array(5), panel), /factor values has length 5, expected nDates x nAssets = 40 x 12/);
  assert.throws(() => analyzeFactor(f, panel, { horizon: 0 }), /settings.horizon/);
  assert.throws(() => analyzeFactor(f, panel, { delay: 2 as 0 }), /settings.delay must be 0 or 1/);
  assert.throws(() => analyzeFactor(f, panel, { quantiles: 1 }), /settings.quantiles/);
  assert.throws(() => analyzeFactor(f, panel, { priceField: 'vwap' }), /no price field "vwap"; fields: close/);
  const inf = f.slice();
  inf[13] = Infinity;
  assert.throws(() => analyzeFactor(inf, panel), /infinity at row 1, asset A001/);
});

test('no look-ahead: changing factor values after t, or prices after t + delay + horizon, leaves every series at <= t unchanged', () => {
  const T = 70;
  const N = 15;
  const panel = makePanel(T, N, 12);
  const f = noisyFactor(panel, 2, 1, 0.2, 13);
  const h = 2;
  const delay = 1;
  const base = analyzeFactor(f, panel, { horizon: h, delay, quantiles: 3, decayHorizons: [1, 2] });
  const t0 = 40;
  const f2 = f.slice();
  for (let i = (t0 + 1) * N; i < f2.length; i++) f2[i] = -f2[i]! * 7;
  const p2 = new Float64Array(panel.fields.close!);
  for (let i = (t0 + delay + h + 1) * N; i < p2.length; i++) p2[i] = p2[i]! * 1.5;
  for (const [name, moved] of [
    ['factor', analyzeFactor(f2, panel, { horizon: h, delay, quantiles: 3, decayHorizons: [1, 2] })],
    ['prices', analyzeFactor(f, { ...panel, fields: { close: p2 } }, { horizon: h, delay, quantiles: 3, decayHorizons: [1, 2] })],
  ] as const) {
    const pairs: [string, Float64Array, Float64Array][] = [
      ['ic', base.ic.series, moved.ic.series],
      ['rankIc', base.rankIc.series, moved.rankIc.series],
      ['rolling', base.rankIc.rolling, moved.rankIc.rolling],
      ['spread', base.quantiles.spreadSeries, moved.quantiles.spreadSeries],
      ['ls', base.longShort.returns, moved.longShort.returns],
      ['top turnover', base.turnover.topSeries, moved.turnover.topSeries],
      ['autocorr', base.turnover.rankAutocorrelationSeries, moved.turnover.rankAutocorrelationSeries],
      ['coverage', base.coverage.series, moved.coverage.series],
    ];
    for (const [what, x, y] of pairs) {
      for (let t = 0; t <= t0; t++) assert.ok(Object.is(x[t], y[t]), `${name}: ${what} changed at ${t}`);
    }
    // And the change is visible after t0 (the test can fail).
    assert.ok(pairs.some(([, x, y]) => Array.from(x).some((v, t) => t > t0 && !Object.is(v, y[t]))), `${name}: nothing changed after t0`);
  }
});

test('grade: thresholds, reasons in words, points to letters, rejected cap, NaN handling', () => {
  const strong: GradeMetrics = { rankIc: 0.08, icir: 0.9, spreadT: 4, monotonicity: 0.95, turnover: 0.2, sharpe: 2, sortino: 3, calmar: 1.5, pValue: 0.001 };
  const g = gradeFactor(strong);
  assert.deepEqual([g.grade, g.pass, g.reasons, g.points.total], ['AAA', true, [], 18]);
  const weak = { ...strong, rankIc: -0.008, turnover: 0.91 };
  const w = gradeFactor(weak);
  assert.equal(w.pass, false);
  assert.deepEqual(w.reasons, ['|Rank IC| 0.008 < 0.02', 'turnover 0.91 > 0.8']);
  // 14 points (A: 13..14) capped at BB because a gate failed.
  assert.equal(w.points.total, 14);
  assert.equal(w.grade, 'BB');
  assert.equal(gradeFactor(weak, { rejectedCap: 'AAA' }).grade, 'A');
  // Custom thresholds: a looser IC bar, turnover no longer a gate.
  const loose = gradeFactor(weak, { rankIc: { pass: 0.005 }, turnover: { gate: false } });
  assert.equal(loose.pass, true);
  assert.deepEqual(loose.warnings, ['turnover 0.91 > 0.8']);
  // Middle values: each criterion 1 point -> 9 points -> BB.
  const mid: GradeMetrics = { rankIc: 0.03, icir: 0.4, spreadT: 2.5, monotonicity: 0.7, turnover: 0.5, sharpe: 1, sortino: 1, calmar: 0.5, pValue: 0.02 };
  const m = gradeFactor(mid);
  assert.deepEqual([m.points.total, m.grade, m.pass], [9, 'BB', true]);
  // Non-gated misses lower the grade only.
  const m2 = gradeFactor({ ...mid, sharpe: 0.1, sortino: 0.1, calmar: 0.1 });
  assert.deepEqual([m2.points.total, m2.grade, m2.pass, m2.warnings.length], [6, 'C', true, 3]);
  const n = gradeFactor({ ...mid, pValue: NaN });
  assert.deepEqual(n.reasons, ['p-value undefined (NaN)']);
  assert.equal(DEFAULT_THRESHOLDS.rankIc.pass, 0.02);
  assert.throws(() => gradeFactor(mid, { cutoffs: [1, 2] }), /cutoffs must hold 8 numbers/);
});

test('multiple testing: Bonferroni and BH of the batch p-values; DSR falls as trials grow', () => {
  const panel = makePanel(150, 30, 14);
  const results = [0.02, 0.1, 0.3, 1, 3].map((noise, i) => analyzeFactor(noisyFactor(panel, 1, 1, noise, 20 + i), panel));
  const rows = multipleTesting(results, { alpha: 0.05 }, ['a', 'b', 'c', 'd', 'e']);
  const p = results.map((r) => r.gradeMetrics.pValue);
  assert.deepEqual(rows.map((r) => r.bonferroni), bonferroni(p));
  assert.deepEqual(rows.map((r) => r.bh), benjaminiHochberg(p));
  assert.deepEqual(rows.map((r) => r.passBh), benjaminiHochberg(p).map((q) => q <= 0.05));
  assert.equal(rows[0]!.name, 'a');
  const few = multipleTesting(results, { nTrials: 5 });
  const many = multipleTesting(results, { nTrials: 500 });
  for (let i = 0; i < 5; i++) assert.ok(many[i]!.dsr <= few[i]!.dsr, `dsr of ${i} must not rise with more trials`);
  assert.ok(many.some((r, i) => r.dsr < few[i]!.dsr));
});
