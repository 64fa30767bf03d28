/**
 * The WebAssembly spike (scripts/wasm-spike, issue 17) gives the JS kernels'
 * exact bits: rolling std / cov / corr (scalar port, f64x2 SIMD, SIMD over
 * 8-asset blocks, scalar and SIMD on the pair-interleaved layout) and element-wise
 * mul / div, on small panels with NaN holes, runs of equal values, zeros and
 * spikes that trip the cancellation guard, for odd and even asset counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csRank, div, mul, rollingCorr, rollingCov, rollingStd } from '../lib/expr/kernels.js';
import { compileMoments, makeArena, MODE, spikePanel } from '../scripts/wasm-spike/wasm.js';
import { Rng } from '../lib/stats/rng.js';

/** Index of the first cell whose bits differ, or -1. */
function firstDiff(a: Float64Array, b: Float64Array): number {
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length), ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

const mod = compileMoments();

test('wasm spike rolling std/cov/corr: every variant bit-identical to the JS kernel', () => {
  let nonNan = 0;
  for (const [T, N] of [[200, 7], [150, 8], [90, 1], [64, 19]] as const) {
    const x = spikePanel(T, N, T * 31 + N), y = spikePanel(T, N, T * 17 + N + 5);
    const w = makeArena(mod, T, N);
    w.x.set(x); w.y.set(y);
    w.ex.toPairs(w.xp, w.qxp, T, N); w.ex.toPairs(w.yp, w.qyp, T, N);
    for (const d of [2, 3, 5, 10]) {
      const ref = new Float64Array(T * N);
      for (const mode of [MODE.std, MODE.cov, MODE.corr]) {
        if (mode === MODE.std) rollingStd(x, T, N, d, ref); else if (mode === MODE.cov) rollingCov(x, y, T, N, d, ref); else rollingCorr(x, y, T, N, d, ref);
        for (const v of ref) if (v === v) nonNan++;
        const yp = mode === MODE.std ? w.xp : w.yp, qyp = mode === MODE.std ? w.qxp : w.qyp;
        const variants: Record<string, () => void> = {
          scalar: () => w.ex.momentsScalar(w.xp, yp, w.outp, T, N, d, mode),
          simd: () => w.ex.momentsSimd(w.xp, yp, w.outp, T, N, d, mode),
          block4: () => w.ex.momentsSimdBlock(w.xp, yp, w.outp, T, N, d, mode, 4),
          block2: () => w.ex.momentsSimdBlock(w.xp, yp, w.outp, T, N, d, mode, 2),
          pairsScalar: () => { w.ex.momentsPairsScalar(w.qxp, qyp, w.qoutp, T, N, d, mode); w.ex.fromPairs(w.qoutp, w.outp, T, N); },
          pairs: () => { w.ex.momentsPairs(w.qxp, qyp, w.qoutp, T, N, d, mode); w.ex.fromPairs(w.qoutp, w.outp, T, N); },
        };
        for (const [name, run] of Object.entries(variants)) {
          w.out.fill(12345);
          run();
          const i = firstDiff(ref, w.out);
          assert.equal(i, -1, `${name} mode ${mode} T ${T} N ${N} d ${d}: cell ${i} JS ${ref[i]} wasm ${w.out[i]}`);
        }
      }
    }
  }
  assert.ok(nonNan > 10_000, `the check must cover many finite cells (got ${nonNan})`);
});

test('wasm spike mul/div: bit-identical to lib/expr mul/div, non-finite -> NaN', () => {
  const T = 50, N = 9, n = T * N;
  const a = spikePanel(T, N, 1), b = spikePanel(T, N, 2);
  b[3] = 0; a[3] = 1; b[4] = 0; a[4] = 0; a[5] = 1e300; b[5] = 1e300; // 1/0, 0/0, overflow
  const w = makeArena(mod, T, N);
  w.x.set(a); w.y.set(b);
  const ref = new Float64Array(n);
  for (const [name, js, run] of [
    ['mulScalar', () => mul(a, b, ref), () => w.ex.mulScalar(w.xp, w.yp, w.outp, n)],
    ['mulSimd', () => mul(a, b, ref), () => w.ex.mulSimd(w.xp, w.yp, w.outp, n)],
    ['divSimd', () => div(a, b, ref), () => w.ex.divSimd(w.xp, w.yp, w.outp, n)],
  ] as const) {
    js(); w.out.fill(12345); run();
    assert.equal(firstDiff(ref, w.out), -1, name);
    // the non-finite cells became NaN: overflow for mul, 1/0 and 0/0 for div
    if (name === 'divSimd') assert.ok(Number.isNaN(w.out[3]) && Number.isNaN(w.out[4]) && w.out[5] === 1, name);
    else assert.ok(Number.isNaN(w.out[5]) && w.out[3] === 0 && w.out[4] === 0, name);
  }
});

test('wasm spike pair layout: toPairs then fromPairs is the identity, odd N padded with NaN', () => {
  const T = 11, N = 5;
  const x = Float64Array.from({ length: T * N }, (_, i) => i + 0.5);
  const w = makeArena(mod, T, N);
  w.x.set(x);
  w.ex.toPairs(w.xp, w.qxp, T, N);
  const q = new Float64Array(w.ex.memory.buffer, w.qxp, T * 6);
  // pair 1 = assets 2, 3: date 4 at f64 index 1 * 2T + 2 * 4
  assert.equal(q[2 * T + 8], x[4 * N + 2]);
  assert.equal(q[2 * T + 9], x[4 * N + 3]);
  // pair 2 = asset 4 and a NaN lane
  assert.equal(q[4 * T + 2 * 7], x[7 * N + 4]);
  assert.ok(Number.isNaN(q[4 * T + 2 * 7 + 1]!));
  w.ex.fromPairs(w.qxp, w.outp, T, N);
  assert.deepEqual(Array.from(w.out), Array.from(x));
});

test('wasm spike rankUnit: bit-identical to csRank (NaN, ties, -0/+0, extremes, rows of 0, 1, few and many values)', () => {
  const T = 40, N = 37, rng = new Rng(9), r = () => rng.random();
  const x = new Float64Array(T * N);
  const specials = [0, -0, 1e-310, -1e-310, 1e300, -1e300, 5e-324, 1, -1, 1.5, 1.5];
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < N; a++) {
      const u = r();
      x[t * N + a] = t === 0 ? NaN // an empty row
        : t === 1 ? (a === 3 ? 2 : NaN) // one value
        : t < 6 ? Math.floor(r() * 4) // few distinct values (ties)
        : u < 0.1 ? NaN : u < 0.3 ? specials[Math.floor(r() * specials.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
    }
  }
  const ref = csRank(x, T, N, new Float64Array(T * N));
  const w = makeArena(mod, T, N);
  w.x.set(x); w.out.fill(12345);
  w.ex.rankUnit(w.xp, w.outp, T, N, w.scratchp);
  const i = firstDiff(ref, w.out);
  assert.equal(i, -1, `cell ${i}: JS ${ref[i]} wasm ${w.out[i]}`);
  assert.equal(w.out[1 * N + 3], 0.5);
});
