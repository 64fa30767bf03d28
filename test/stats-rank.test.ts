/**
 * The shared cross-sectional rank kernel (lib/stats/rank.ts) against the
 * reference `averageRanks` (lib/stats) on random rows with ties and NaNs, in
 * every output form, with rows short enough for the quicksort path and long
 * enough for the radix path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, emitAverageRanks, RANK_AVERAGE, RANK_BUCKET, RANK_UNIT, RowRanker, sortPairs } from '../lib/stats/index.js';
import { lcg } from './helpers/numeric.js';

const rng = lcg;

/** A row of n values: NaNs, ties on a grid, both signs, wide and clustered ranges, float32-equal neighbours. */
function randomRow(n: number, r: () => number, kind: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    let v: number;
    switch (kind % 5) {
      case 0: v = Math.round((u - 0.5) * 20) / 4; break; // many ties, -0 and +0
      case 1: v = (u - 0.5) * 0.04; break; // returns-like
      case 2: v = Math.exp(u * 12); break; // volume-like, wide range
      case 3: v = 100 + (u - 0.5) * 1e-3; break; // clustered: long runs of equal 16-bit keys
      default: v = 1 + Math.floor(u * 8) * 2 ** -40; break; // distinct in float64, equal in float32
    }
    x[i] = r() < 0.15 ? NaN : v;
  }
  if (n > 3) { x[0] = -0; x[1] = 0; }
  return x;
}

function expected(x: Float64Array, form: number, q: number): number[] {
  const ref = averageRanks(x);
  let n = 0;
  for (const v of ref) if (!Number.isNaN(v)) n++;
  return Array.from(ref, (r) => {
    if (Number.isNaN(r)) return NaN;
    if (form === RANK_AVERAGE) return r;
    if (form === RANK_UNIT) return n === 1 ? 0.5 : (r - 1) / (n - 1);
    return Math.min(q - 1, Math.floor(((r - 1) * q) / n + 1e-12)) + 1;
  });
}

test('RowRanker equals averageRanks on random rows with ties and NaNs (all forms, short and long rows)', () => {
  const r = rng(2024);
  for (const n of [1, 2, 5, 47, 48, 200, 1000]) {
    const ranker = new RowRanker(n);
    for (let rep = 0; rep < 12; rep++) {
      const x = randomRow(n, r, rep);
      for (const form of [RANK_AVERAGE, RANK_UNIT, RANK_BUCKET]) {
        const out = new Float64Array(n).fill(12345);
        const m = ranker.rankRow(x, 0, n, out, 0, form, 5);
        const exp = expected(x, form, 5);
        assert.deepEqual(Array.from(out), exp, `n ${n} rep ${rep} form ${form}`);
        assert.equal(m, exp.filter((v) => !Number.isNaN(v)).length);
        for (let k = 1; k < m; k++) assert.ok(ranker.vals[k - 1]! <= ranker.vals[k]!, 'sorted values');
        for (let k = 0; k < m; k++) assert.equal(ranker.vals[k], x[ranker.idx[k]!]);
      }
    }
  }
});

test('RowRanker on consecutive rows of a slowly changing panel, at offsets', () => {
  const r = rng(7);
  const T = 40, N = 300;
  const x = new Float64Array(T * N);
  for (let a = 0; a < N; a++) x[a] = Math.exp(r() * 5);
  for (let t = 1; t < T; t++) for (let a = 0; a < N; a++) x[t * N + a] = t % 3 === 0 && r() < 0.02 ? NaN : (x[(t - 1) * N + a]! || 1) * (1 + (r() - 0.5) * 0.02);
  const out = new Float64Array(T * N);
  const ranker = new RowRanker(N);
  for (let t = 0; t < T; t++) ranker.rankRow(x, t * N, N, out, t * N, RANK_AVERAGE);
  for (let t = 0; t < T; t++) assert.deepEqual(Array.from(out.subarray(t * N, t * N + N)), Array.from(averageRanks(x.subarray(t * N, t * N + N))), `row ${t}`);
  // form RANK_UNIT: rows with the same count as the previous one use a table of (r - 1) / (n - 1); same values
  const unit = new Float64Array(T * N);
  for (let t = 0; t < T; t++) ranker.rankRow(x, t * N, N, unit, t * N, RANK_UNIT);
  for (let t = 0; t < T; t++) assert.deepEqual(Array.from(unit.subarray(t * N, t * N + N)), expected(x.subarray(t * N, t * N + N), RANK_UNIT, 0), `unit row ${t}`);
});

test('sortPairs and emitAverageRanks on a sub-range', () => {
  const vals = Float64Array.from([9, 3, 3, 1, 7, 3, 0]);
  const idx = Int32Array.from([0, 1, 2, 3, 4, 5, 6]);
  sortPairs(vals, idx, 1, 6); // [3, 3, 1, 7, 3] -> [1, 3, 3, 3, 7]
  assert.deepEqual(Array.from(vals), [9, 1, 3, 3, 3, 7, 0]);
  const out = new Float64Array(7).fill(NaN);
  emitAverageRanks(vals, idx, 1, 6, out, 0, RANK_AVERAGE);
  assert.deepEqual(Array.from(out), [NaN, 3, 3, 1, 5, 3, NaN]);
  emitAverageRanks(vals, idx, 1, 6, out, 0, RANK_UNIT);
  assert.deepEqual(Array.from(out), [NaN, 0.5, 0.5, 0, 1, 0.5, NaN]);
});
