/**
 * Panel kernels of packaged indicators (lib/expr/indicator-kernels.ts) give
 * the same bits as the technicalindicators package run per asset and run
 * (runIndicatorPackage), on random panels with NaN gaps, exact zeros
 * (the package's "SMA is 0" quirk), ties and sign changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INDICATORS, runIndicator, runIndicatorPackage } from '../lib/expr/indicators.js';
import { Rng } from '../lib/stats/rng.js';

/** A T x N panel: random walk levels, some NaN gaps, runs of exact zeros, repeated values, negative stretches. */
function nastyPanel(seed: number, T: number, N: number): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    let v = a % 3 === 0 ? 0 : 50 + 10 * rng.random();
    for (let t = 0; t < T; t++) {
      const u = rng.random();
      if (a % 3 === 0) v = u < 0.3 ? 0 : u < 0.5 ? -v : Math.round(rng.random() * 4 - 2); // zeros, sign flips, small integers (ties, windows summing to 0)
      else v = u < 0.1 ? v : v * (1 + 0.02 * (rng.random() - 0.5)); // ties from repeated values
      x[t * N + a] = rng.random() < 0.04 ? NaN : v;
    }
  }
  return x;
}

function sameBits(a: Float64Array, b: Float64Array, label: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${label} index ${i}: kernel ${a[i]} vs package ${b[i]}`);
}

test('sma, bb_percent_b and bb_bandwidth panel kernels equal the package bit for bit (gaps, zeros, ties, d = 1..30)', () => {
  const T = 160, N = 9;
  for (const name of ['sma', 'bb_percent_b', 'bb_bandwidth']) {
    const def = INDICATORS.find((d) => d.name === name)!;
    assert.ok(def.panel, `${name} has a panel kernel`);
    for (const [seed, d, k] of [[1, 1, 2], [2, 2, 2], [3, 5, 1.5], [4, 20, 2], [5, 30, 0], [6, 7, 3.25]] as const) {
      const x = nastyPanel(seed, T, N);
      const params = name === 'sma' ? [d] : [d, k];
      const got = runIndicator(def, [x], params, T, N, new Float64Array(T * N).fill(7));
      const want = runIndicatorPackage(def, [x], params, T, N, new Float64Array(T * N));
      sameBits(got, want, `${name}(${params.join(', ')}) seed ${seed}`);
      let finite = 0;
      for (const v of got) if (Number.isFinite(v)) finite++;
      if (name === 'sma' || (k > 0 && d > 1)) assert.ok(finite > T * N * 0.2, `${name}: most cells have a value (${finite})`);
    }
  }
});

test('the SMA-is-zero quirk is reproduced: a window summing to exactly 0 repeats the previous %B (or drops the first output)', () => {
  const def = INDICATORS.find((d) => d.name === 'bb_percent_b')!;
  // one asset: first window sums to 0 (no previous output: nothing emitted, right alignment shifts), later a 0 window repeats
  const xs = [1, -1, 2, 3, -5, 4, 1, 2, -2, 0, 0, 5];
  const x = Float64Array.from(xs);
  const got = runIndicator(def, [x], [2, 2], xs.length, 1, new Float64Array(xs.length));
  const want = runIndicatorPackage(def, [x], [2, 2], xs.length, 1, new Float64Array(xs.length));
  sameBits(got, want, 'quirk');
  assert.ok(Number.isNaN(got[1]!), 'the first window (sum 0) has no output of its own');
});
