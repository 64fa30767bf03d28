import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, mean, pearson, spearman, std } from '../lib/stats/index.js';
import { kernels as K } from '../lib/factors/index.js';
import { assertClose, lcg } from './helpers/numeric.js';

const close = assertClose;

const rng = lcg;

/** Random dates x assets panel with NaNs and ties (values rounded to a grid). */
function randomPanel(T: number, N: number, seed: number, nanShare = 0.1, grid = 0): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(T * N);
  for (let i = 0; i < x.length; i++) {
    const v = r() < nanShare ? NaN : (r() - 0.5) * 2;
    x[i] = grid > 0 && !Number.isNaN(v) ? Math.round(v * grid) / grid : v;
  }
  return x;
}

const row = (x: Float64Array, t: number, N: number) => Array.from(x.subarray(t * N, t * N + N));

test('forward returns: hand-computed values for delay 0 and 1, NaN at the end and around missing prices', () => {
  // 4 bars x 2 assets; asset 1 misses bar 2.
  const p = Float64Array.from([100, 10, 110, 20, 121, NaN, 133.1, 40]);
  const f0 = K.forwardReturnsKernel(p, 4, 2, 1, 0);
  close(f0[0]!, 0.1, 1e-12); // 110/100 - 1
  close(f0[1]!, 1, 1e-12); // 20/10 - 1
  close(f0[2]!, 0.1, 1e-12);
  assert.ok(Number.isNaN(f0[3]!), 'asset 1 has no price at bar 2');
  assert.ok(Number.isNaN(f0[6]!) && Number.isNaN(f0[7]!), 'no bar after the last');
  const f1 = K.forwardReturnsKernel(p, 4, 2, 2, 1);
  // delay 1, horizon 2: p[t+3] / p[t+1] - 1, defined only at t = 0.
  close(f1[0]!, 133.1 / 110 - 1, 1e-12);
  close(f1[1]!, 40 / 20 - 1, 1e-12);
  for (let i = 2; i < 8; i++) assert.ok(Number.isNaN(f1[i]!));
  assert.throws(() => K.forwardReturnsKernel(p, 4, 2, 0, 0), /horizon must be an integer >= 1/);
  assert.throws(() => K.forwardReturnsKernel(p, 4, 2, 1, 2 as 0), /delay must be 0 or 1/);
  assert.throws(() => K.forwardReturnsKernel(Float64Array.from([1, 0, 1, 1]), 2, 2, 1, 0), /non-positive price 0 at row 0, asset index 1/);
});

test('forward returns at t use no price after t + delay + horizon', () => {
  const T = 30;
  const N = 4;
  const p = randomPanel(T, N, 7, 0).map((v) => 50 + 10 * v);
  const h = 3;
  const d = 1;
  const base = K.forwardReturnsKernel(p, T, N, h, d);
  const t = 10;
  const q = p.slice();
  for (let i = (t + d + h + 1) * N; i < q.length; i++) q[i] = q[i]! * 3; // change every later price
  const moved = K.forwardReturnsKernel(q, T, N, h, d);
  for (let s = 0; s <= t; s++) for (let a = 0; a < N; a++) assert.equal(moved[s * N + a], base[s * N + a]);
  assert.notEqual(moved[(t + 1) * N], base[(t + 1) * N]);
});

test('per-date ranks equal lib/stats averageRanks (ties, NaN, -0 and +0, extreme values)', () => {
  const T = 40;
  const N = 57;
  const x = randomPanel(T, N, 3, 0.15, 8); // coarse grid: many ties
  x[5] = -0;
  x[6] = 0;
  x[7] = 1e300;
  x[8] = -1e300;
  x[9] = 5e-324;
  x[10] = 1 + 2 ** -40; // distinct from 1 in float64, equal in float32
  x[11] = 1;
  for (let a = 0; a < N; a++) x[N * 3 + a] = NaN; // all-NaN date
  const r = rng(99);
  for (let a = 0; a < N; a++) x[N * 4 + a] = 1 + (r() - 0.5) * 0.01; // clustered: long runs of equal 16-bit keys
  for (let a = 0; a < N; a++) x[N * 5 + a] = a % 2 ? 1e6 + a : -1e-6 * a; // wide range, both signs
  const { ranks, counts, order } = K.rankRows(x, T, N);
  for (let t = 0; t < T; t++) {
    for (let i = 1; i < counts[t]!; i++) assert.ok(x[t * N + order[t * N + i]!]! >= x[t * N + order[t * N + i - 1]!]!, `order row ${t}`);
    const ref = averageRanks(row(x, t, N));
    assert.deepEqual(row(ranks, t, N), Array.from(ref), `row ${t}`);
    assert.equal(counts[t], ref.filter((v) => !Number.isNaN(v)).length);
  }
  assert.equal(counts[3], 0);
  assert.ok(ranks[10]! > ranks[11]!, 'float32-equal values keep their float64 order');
});

test('row IC equals lib/stats pearson and Rank IC equals spearman, with different NaN masks on both sides', () => {
  const T = 25;
  const N = 31;
  const x = randomPanel(T, N, 11, 0.2, 10);
  const y = randomPanel(T, N, 12, 0.2);
  // A date where both masks agree (ranks reused) and one with only 3 pairs.
  for (let a = 0; a < N; a++) {
    x[a] = a % 7;
    y[a] = Math.sin(a);
  }
  for (let a = 3; a < N; a++) x[N + a] = NaN;
  const xr = K.rankRows(x, T, N);
  const yr = K.rankRows(y, T, N);
  const ic = K.rowPearson(x, y, T, N, 2);
  const ric = K.rowSpearman(x, xr, y, yr, T, N, 2);
  for (let t = 0; t < T; t++) {
    close(ic[t]!, pearson(row(x, t, N), row(y, t, N)), 1e-12, `IC row ${t}`);
    close(ric[t]!, spearman(row(x, t, N), row(y, t, N)), 1e-12, `Rank IC row ${t}`);
  }
  // The fused kernel gives the same numbers.
  const pair = K.rowIcPair(x, xr, y, yr, T, N, 2);
  for (let t = 0; t < T; t++) {
    close(pair.ic[t]!, ic[t]!, 1e-12, `pair IC ${t}`);
    close(pair.rankIc[t]!, ric[t]!, 1e-12, `pair Rank IC ${t}`);
  }
  // Rank IC is the Pearson IC of the ranks when both sides have the same valid set.
  close(ric[0]!, pearson(row(xr.ranks, 0, N), row(yr.ranks, 0, N)), 1e-12);
  // minPairs: a date with 3 pairs is undefined when at least 5 are required.
  const ric5 = K.rowSpearman(x, xr, y, yr, T, N, 5);
  assert.ok(Number.isNaN(ric5[1]!));
  // Constant side: NaN.
  const c = new Float64Array(T * N).fill(2);
  const cr = K.rankRows(c, T, N);
  assert.ok(Number.isNaN(K.rowPearson(c, y, T, N, 2)[4]!));
  assert.ok(Number.isNaN(K.rowSpearman(c, cr, y, yr, T, N, 2)[4]!));
});

test('quantile buckets: equal counts, ties share a bucket, fewer assets than buckets gives none', () => {
  // 10 distinct values, 5 buckets: two per bucket, ordered.
  const x = Float64Array.from([9, 0, 8, 1, 7, 2, 6, 3, 5, 4]);
  const { ranks, counts } = K.rankRows(x, 1, 10);
  assert.deepEqual(Array.from(K.quantileBuckets(ranks, counts, 1, 10, 5)), [4, 0, 4, 0, 3, 1, 3, 1, 2, 2]);
  // 7 values, 3 buckets: sizes 2/3/2 (floor((r - 0.5) * 3 / 7)).
  const y = Float64Array.from([1, 2, 3, 4, 5, 6, 7]);
  const ry = K.rankRows(y, 1, 7);
  assert.deepEqual(Array.from(K.quantileBuckets(ry.ranks, ry.counts, 1, 7, 3)), [0, 0, 1, 1, 1, 2, 2]);
  // Ties: all equal -> all in the middle bucket.
  const z = new Float64Array(6).fill(1);
  const rz = K.rankRows(z, 1, 6);
  assert.deepEqual(Array.from(K.quantileBuckets(rz.ranks, rz.counts, 1, 6, 5)), [2, 2, 2, 2, 2, 2]);
  // 4 valued assets and 5 buckets: no bucket.
  const w = Float64Array.from([1, 2, NaN, 3, 4]);
  const rw = K.rankRows(w, 1, 5);
  assert.deepEqual(Array.from(K.quantileBuckets(rw.ranks, rw.counts, 1, 5, 5)), [-1, -1, -1, -1, -1]);
  // Random: each bucket count is floor or ceil of n / Q.
  const T = 20;
  const N = 53;
  const r = randomPanel(T, N, 5, 0.1);
  const rr = K.rankRows(r, T, N);
  const b = K.quantileBuckets(rr.ranks, rr.counts, T, N, 10);
  for (let t = 0; t < T; t++) {
    const n = rr.counts[t]!;
    const cnt = new Array(10).fill(0);
    for (let a = 0; a < N; a++) if (b[t * N + a]! >= 0) cnt[b[t * N + a]!]++;
    for (const c of cnt) assert.ok(c === Math.floor(n / 10) || c === Math.ceil(n / 10), `row ${t}: ${cnt}`);
    // Order: every name in a higher bucket has a higher value.
    for (let a = 0; a < N; a++) for (let c = 0; c < N; c++) {
      if (b[t * N + a]! >= 0 && b[t * N + c]! >= 0 && b[t * N + a]! > b[t * N + c]!) assert.ok(r[t * N + a]! > r[t * N + c]!);
    }
  }
});

test('bucket means and held bucket returns equal a plain loop', () => {
  const T = 30;
  const N = 23;
  const Q = 4;
  const x = randomPanel(T, N, 21, 0.1, 5);
  const ret = randomPanel(T, N, 22, 0.1).map((v) => v / 10);
  const { ranks, counts } = K.rankRows(x, T, N);
  const b = K.quantileBuckets(ranks, counts, T, N, Q);
  const bm = K.bucketMeans(b, ret, T, N, Q);
  for (const every of [1, 3]) {
    const held = K.bucketHeldReturns(b, ret, T, N, Q, every);
    for (let t = 0; t < T; t++) {
      const k = t - (t % every);
      for (let q = 0; q < Q; q++) {
        const vals: number[] = [];
        const held1: number[] = [];
        for (let a = 0; a < N; a++) {
          if (b[t * N + a] === q && !Number.isNaN(ret[t * N + a]!)) vals.push(ret[t * N + a]!);
          if (b[k * N + a] === q && !Number.isNaN(ret[t * N + a]!)) held1.push(ret[t * N + a]!);
        }
        close(bm.means[t * Q + q]!, vals.length ? mean(vals) : NaN, 1e-14);
        if (every === 1) assert.equal(bm.counts[t * Q + q], vals.length);
        close(held[t * Q + q]!, held1.length ? mean(held1) : NaN, 1e-14);
      }
    }
  }
});

test('heldReturns: legs renormalized over names with a return; weights from the rebalance date only', () => {
  // 4 bars x 3 assets, rebalance every 2 bars.
  const ret = Float64Array.from([0.01, 0.02, 0.03, 0.04, NaN, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12]);
  const seen: number[] = [];
  const r = K.heldReturns(ret, 4, 3, 2, (k, w) => {
    seen.push(k);
    w[0] = 0.5;
    w[1] = 0.5;
    w[2] = -1;
    return true;
  });
  assert.deepEqual(seen, [0, 2]);
  close(r[0]!, 0.5 * 0.01 + 0.5 * 0.02 - 0.03, 1e-15);
  close(r[1]!, 0.04 - 0.06, 1e-15); // asset 1 has no return: the long leg is asset 0 alone
  close(r[2]!, 0.5 * 0.07 + 0.5 * 0.08 - 0.09, 1e-15);
  const none = K.heldReturns(ret, 4, 3, 1, () => false);
  assert.ok(Array.from(none).every(Number.isNaN));
});

test('turnover and rank autocorrelation: hand-computed and plain-loop cross-checks', () => {
  // 3 dates x 4 assets, 2 buckets.
  const b = Int8Array.from([
    1, 1, 0, 0,
    1, 0, 1, 0, // top: {0, 2}; asset 2 is new -> 1/2
    0, 0, 1, 1, // top: {2, 3}; asset 3 new -> 1/2
  ]);
  const top = K.quantileTurnover(b, 3, 4, 1, 1);
  assert.ok(Number.isNaN(top[0]!));
  close(top[1]!, 0.5, 0);
  close(top[2]!, 0.5, 0);
  const bottom2 = K.quantileTurnover(b, 3, 4, 0, 2); // lag 2: {0,1} vs {2,3}: both new
  close(bottom2[2]!, 1, 0);
  const T = 15;
  const N = 19;
  const x = randomPanel(T, N, 31, 0.15, 4);
  const { ranks } = K.rankRows(x, T, N);
  const rac = K.rankAutocorrelation(ranks, T, N, 1, 3);
  assert.ok(Number.isNaN(rac[0]!));
  for (let t = 1; t < T; t++) close(rac[t]!, pearson(row(ranks, t, N), row(ranks, t - 1, N)), 1e-12, `t=${t}`);
});

test('rolling mean, Newey-West t and coverage', () => {
  const x = Float64Array.from([1, NaN, 3, 5, NaN, NaN, 7]);
  const r = K.rollingMean(x, 3, 2);
  assert.ok(Number.isNaN(r[0]!) && Number.isNaN(r[1]!));
  close(r[2]!, 2, 0); // {1, 3}
  close(r[3]!, 4, 0); // {3, 5}
  assert.ok(Number.isNaN(r[5]!)); // only {NaN, NaN, 5}: one value < 2
  assert.ok(Number.isNaN(r[6]!)); // {NaN, NaN, 7}: one value
  close(K.rollingMean(x, 3, 1)[6]!, 7, 0);
  // Newey-West with 0 lags: mean / (population std / sqrt(n)).
  const v = [0.1, -0.05, 0.2, 0.03, 0.07, -0.01];
  const sPop = std(v, 0);
  close(K.neweyWestT(v, 0).t, mean(v) / (sPop / Math.sqrt(v.length)), 1e-12);
  // Lag 1 by hand: g1 = sum d_t d_{t-1} / n; var = (g0 + 2 * 0.5 * g1) / n.
  const m = mean(v);
  const d = v.map((u) => u - m);
  const g0 = d.reduce((s, u) => s + u * u, 0) / v.length;
  let g1 = 0;
  for (let i = 1; i < d.length; i++) g1 += d[i]! * d[i - 1]!;
  g1 /= v.length;
  close(K.neweyWestT(v, 1).t, m / Math.sqrt((g0 + g1) / v.length), 1e-12);
  // Coverage: share of assets with a price that also have a factor value.
  const vals = Float64Array.from([1, NaN, 2, 3, NaN, NaN]);
  const price = Float64Array.from([1, 1, NaN, 1, 1, 1]);
  const c = K.coverageSeries(vals, price, 2, 3);
  close(c[0]!, 0.5, 0); // price on 0, 1; factor on 0
  close(c[1]!, 1 / 3, 1e-15);
});
