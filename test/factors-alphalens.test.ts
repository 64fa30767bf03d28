import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Panel } from '../lib/data/panel.js';
import {
  alphalensStats, analyzeFactor, compareFactorsFigure, demeanReturns, factorTable, groupTable, icDistribution, interpretFactor, monthlyMeans, tearSheetFigures, tearSheetSummaryHtml,
} from '../lib/factors/index.js';
import { normalPpf } from '../lib/stats/index.js';
import { assertClose, lcg } from './helpers/numeric.js';

/** Prices from per-bar returns: close[t] = 100 * prod(1 + r[0..t-1]). */
function panelFromReturns(ret: number[][], start = Date.UTC(2021, 0, 4)): Panel {
  const T = ret.length + 1;
  const N = ret[0]!.length;
  const close = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    let p = 100;
    close[a] = p;
    for (let t = 1; t < T; t++) {
      p *= 1 + ret[t - 1]![a]!;
      close[t * N + a] = p;
    }
  }
  return {
    dataset: 'hand', frequency: '1d', market: 'equity',
    times: Float64Array.from({ length: T }, (_, i) => start + i * 86_400_000),
    assets: Array.from({ length: N }, (_, i) => `A${i}`), fields: { open: close, high: close, low: close, close, volume: close },
  };
}

test('demeanReturns: minus the per-date mean of bucketed assets; group-neutral: minus the group mean', () => {
  const ret = Float64Array.from([0.01, 0.03, -0.02, NaN, /* t1 */ 0.1, 0.2, 0.3, 0.4]);
  const buckets = Int8Array.from([0, 1, 1, 0, /* t1 */ 0, -1, 1, 1]);
  const d = demeanReturns(ret, buckets, 2, 4);
  // t0: mean of 0.01, 0.03, -0.02 (asset 3 has no return) = 0.00667
  const m0 = (0.01 + 0.03 - 0.02) / 3;
  assertClose(d[0]!, 0.01 - m0, 1e-15);
  assertClose(d[2]!, -0.02 - m0, 1e-15);
  assert.ok(Number.isNaN(d[3]!));
  // t1: asset 1 has no bucket: mean of 0.1, 0.3, 0.4
  assertClose(d[4]!, 0.1 - 0.8 / 3, 1e-15);
  assert.ok(Number.isNaN(d[5]!));
  const g = demeanReturns(ret, buckets, 2, 4, Int32Array.from([0, 0, 1, 1]), 2);
  assertClose(g[0]!, 0.01 - 0.02, 1e-15);
  assertClose(g[1]!, 0.03 - 0.02, 1e-15);
  assertClose(g[2]!, 0, 1e-15); // alone in its group that date
  assertClose(g[6]!, 0.3 - 0.35, 1e-15);
});

test('alphalensStats: demeaned quantile returns and standard errors against a hand computation', () => {
  // 4 assets, 2 quantiles, factor = asset index (constant): Q1 = {A0, A1}, Q2 = {A2, A3}.
  const r = [
    [0.01, 0.02, 0.03, 0.06],
    [-0.01, 0.0, 0.02, 0.03],
    [0.0, 0.01, 0.0, 0.05],
    [0.02, 0.0, 0.01, 0.01],
  ];
  const panel = panelFromReturns(r);
  const T = panel.times.length;
  const values = new Float64Array(T * 4).map((_, i) => i % 4);
  const analysis = analyzeFactor(values, panel, { quantiles: 2, delay: 0, minAssets: 2, decayHorizons: [1] });
  const a = alphalensStats(values, panel, analysis, { horizons: [1, 2] });
  const h1 = a.quantileReturns[0]!;
  // Date t (delay 0): forward 1-bar return of asset = r[t]; demeaned by the 4-asset mean.
  const q2 = r.map((row) => (row[2]! + row[3]!) / 2 - (row[0]! + row[1]! + row[2]! + row[3]!) / 4);
  const m = q2.reduce((s, x) => s + x, 0) / q2.length;
  const sd = Math.sqrt(q2.reduce((s, x) => s + (x - m) ** 2, 0) / (q2.length - 1));
  assertClose(h1.mean[1]!, m, 1e-12);
  assertClose(h1.mean[0]!, -m, 1e-12); // two equal halves: demeaned buckets are mirror images
  assertClose(h1.stdError[1]!, sd / 2, 1e-12);
  assert.equal(h1.nDates[1], 4);
  assertClose(h1.meanPerBar[1]!, m, 1e-15);
  // Horizon 2: compounded 2-bar returns, 3 dates.
  const h2 = a.quantileReturns[1]!;
  const two = [0, 1, 2].map((t) => r[0]!.map((_, k) => (1 + r[t]![k]!) * (1 + r[t + 1]![k]!) - 1));
  const q2h = two.map((row) => (row[2]! + row[3]!) / 2 - (row[0]! + row[1]! + row[2]! + row[3]!) / 4);
  const m2 = q2h.reduce((s, x) => s + x, 0) / 3;
  assertClose(h2.mean[1]!, m2, 1e-12);
  assertClose(h2.meanPerBar[1]!, Math.sqrt(1 + m2) - 1, 1e-12);
  assert.equal(h2.nDates[1], 3);
  // The spread of demeaned returns equals the raw spread.
  assertClose(h1.spread, analysis.quantiles.spread, 1e-12);
  assert.equal(a.byGroup, null);
  assert.equal(a.groupNeutralReturns, null);
});

test('icDistribution: Q-Q points are normal quantiles at (i - 0.5)/n against sorted standardized values', () => {
  const x = [0.3, -0.1, 0.2, NaN, 0.0];
  const d = icDistribution(x);
  assert.deepEqual(d.theoretical, [0.125, 0.375, 0.625, 0.875].map(normalPpf));
  const xs = [-0.1, 0.0, 0.2, 0.3];
  const m = 0.1;
  const sd = Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / 3);
  d.sample.forEach((v, i) => assertClose(v, (xs[i]! - m) / sd, 1e-12));
  assertClose(d.theoretical[0]!, -1.1503493803760079, 1e-6); // scipy.stats.norm.ppf(0.125)
  // Symmetric sample: skew 0; excess kurtosis of {-2..2} with population moments: m4 / m2^2 - 3 = 6.8 / 4 - 3 = -1.3 (scipy.stats.kurtosis).
  assertClose(icDistribution([-2, -1, 0, 1, 2]).skew, 0, 1e-12);
  assertClose(icDistribution([-2, -1, 0, 1, 2]).kurtosis, -1.3, 1e-12);
});

test('monthlyMeans: mean per calendar month (UTC), NaN where empty', () => {
  const times = [Date.UTC(2020, 0, 31), Date.UTC(2020, 0, 2), Date.UTC(2020, 2, 1), Date.UTC(2021, 11, 31), Date.UTC(2021, 11, 30)];
  const m = monthlyMeans([0.1, 0.3, -0.2, NaN, 0.05], times);
  assert.deepEqual(m.years, [2020, 2021]);
  assertClose(m.z[0]![0]!, 0.2, 1e-15);
  assert.ok(Number.isNaN(m.z[0]![1]!));
  assertClose(m.z[0]![2]!, -0.2, 1e-15);
  assertClose(m.z[1]![11]!, 0.05, 1e-15);
});

test('by group: within-group Rank IC on a hand-made grouped panel (factor predicts in tech, reversed in energy)', () => {
  const rand = lcg(5);
  const T = 60;
  const N = 12;
  const groups = Array.from({ length: N }, (_, a) => (a < 6 ? 'tech' : 'energy'));
  // Factor at t = a random score; next-bar return = +score in tech, -score in energy (plus small noise).
  const score: number[][] = Array.from({ length: T + 1 }, () => Array.from({ length: N }, () => rand() - 0.5));
  const ret: number[][] = Array.from({ length: T }, (_, t) => score[t]!.map((s, a) => (a < 6 ? 1 : -1) * s * 0.02 + (rand() - 0.5) * 1e-4));
  const panel = panelFromReturns(ret);
  const values = new Float64Array((T + 1) * N);
  for (let t = 0; t <= T; t++) for (let a = 0; a < N; a++) values[t * N + a] = score[t]![a]!;
  const analysis = analyzeFactor(values, panel, { delay: 0, quantiles: 2, minAssets: 3, decayHorizons: [1] });
  const a = alphalensStats(values, panel, analysis, { groups, horizons: [1], minAssets: 3 });
  const rows = a.byGroup!;
  assert.deepEqual(rows.map((g) => [g.group, g.assets]), [['energy', 6], ['tech', 6]]);
  assert.ok(rows[1]!.rankIc > 0.9, `tech ${rows[1]!.rankIc}`);
  assert.ok(rows[0]!.rankIc < -0.9, `energy ${rows[0]!.rankIc}`);
  assert.equal(rows[1]!.nDates, T);
  assert.ok(rows[1]!.spread > 0 && rows[0]!.spread < 0);
  // The pooled IC mixes the two and is much weaker than either.
  assert.ok(Math.abs(analysis.rankIc.mean) < 0.5);
  assert.equal(a.groupNeutralReturns!.length, 1);
  assert.equal(groupTable(a).length, 2);
  assert.throws(() => alphalensStats(values, panel, analysis, { groups: ['x'] }), /groups has 1 labels for 12 assets/);
  // The panel's own group set (panel.groups.sector) is used by default.
  const fromPanel = alphalensStats(values, { ...panel, groups: { sector: groups } }, analysis, { horizons: [1], minAssets: 3 });
  assert.deepEqual(fromPanel.byGroup, rows);
  assert.throws(() => alphalensStats(values, panel, analysis, { groups: 'industry' }), /no group set "industry"/);
  const figs = tearSheetFigures({ ...analysis, alphalens: a });
  assert.equal(figs.length, 7 + 4); // + quantile returns, group-neutral returns, Q-Q, monthly heatmap
  const qq = figs[9]!.data[0] as { x: number[] };
  assert.equal(qq.x.length, analysis.rankIc.nDates);
});

test('interpretFactor: sign sentence, and a grade / Sharpe disagreement flagged with its cause', () => {
  const rand = lcg(9);
  const T = 120;
  const N = 20;
  const score: number[][] = Array.from({ length: T + 1 }, () => Array.from({ length: N }, () => rand()));
  const ret = Array.from({ length: T }, (_, t) => score[t]!.map((s) => -0.01 * s + (rand() - 0.5) * 0.002));
  const panel = panelFromReturns(ret);
  const values = new Float64Array((T + 1) * N);
  for (let t = 0; t <= T; t++) for (let k = 0; k < N; k++) values[t * N + k] = score[t]![k]!;
  const rev = analyzeFactor(values, panel, { delay: 0, decayHorizons: [1] });
  const lines = interpretFactor(rev);
  assert.match(lines[0]!, /^Mean Rank IC -0\.\d+ .*tended to do worse .*works reversed/);
  // Disagreement: ranks say "high is better" on most dates, but one huge loss in the top bucket decides the mean.
  const fake = { ...rev, rankIc: { ...rev.rankIc, mean: 0.05, tNeweyWest: 3 }, ic: { ...rev.ic, mean: 0.04 },
    quantiles: { ...rev.quantiles, spread: -0.002, spreadSeries: Float64Array.from([0.001, 0.002, 0.001, -0.03]) },
    longShort: { ...rev.longShort, stats: { ...rev.longShort.stats, sharpe: -2 }, directional: { ...rev.longShort.directional, sharpe: -2 } },
    grade: { ...rev.grade, grade: 'B' as const, pass: true, reasons: [] }, direction: 1 as const };
  const l2 = interpretFactor(fake);
  assert.equal(l2.length, 2);
  assert.match(l2[1]!, /^Grade B but the directional long-short Sharpe is -2: .*median date's top-minus-bottom spread \(10 bps\) agrees with the Rank IC but the mean \(-20 bps\) does not/);
  const weak = interpretFactor({ ...fake, grade: { ...fake.grade, grade: 'E' as const, pass: false, reasons: ['|ICIR| 0.01 < 0.3'] } });
  assert.match(weak[1]!, /^The Rank IC and the long-short returns disagree: traded the way the Rank IC points, the long-short Sharpe is -2; the median date's/);
  assert.equal(weak[2], 'Rejected: |ICIR| 0.01 < 0.3.');
  assert.match(tearSheetSummaryHtml(fake), /<ul class="factor-notes"><li>Mean Rank IC 0\.05/);
  const table = factorTable([rev]);
  assert.equal(table[0]!.ls_sharpe, rev.longShort.stats.sharpe);
  assert.ok(table[0]!.directional_sharpe > 0 && table[0]!.ls_sharpe < 0);
  const cmp = compareFactorsFigure([{ ...rev, factor: { id: 'x', name: 'rev', expression: null, valuesHash: null } }]);
  const y = (cmp.data[0] as { y: number[]; name: string }).y;
  assert.equal((cmp.data[0] as { name: string }).name, 'rev');
  assertClose(y[y.length - 1]!, rev.longShort.directional.totalReturn + 1, 1e-9);
});
