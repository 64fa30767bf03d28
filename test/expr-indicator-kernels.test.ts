/**
 * Panel kernels of packaged indicators (lib/expr/indicator-kernels.ts) give
 * the same bits as the technicalindicators package run per asset and run
 * (runIndicatorPackage), on random panels with NaN gaps, exact zeros
 * (the package's "SMA is 0" quirk), ties and sign changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INDICATORS, runIndicator, runIndicatorPackage } from '../lib/expr/indicators.js';
import { roundTo2Decimals } from '../lib/expr/indicator-kernels.js';
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

test('ema, rsi, macd, macd_signal, macd_hist and atr panel kernels equal the package bit for bit (gaps, zeros, ties, odd parameters)', () => {
  const T = 160, N = 9;
  const cases: Record<string, number[][]> = {
    ema: [[1], [2], [5], [14], [40]],
    rsi: [[1], [2], [5], [14], [30]],
    macd: [[12, 26, 9], [3, 7, 2], [5, 5, 3], [9, 4, 3], [1, 2, 1]],
    macd_signal: [[12, 26, 9], [3, 7, 2], [5, 5, 3], [9, 4, 3], [1, 2, 1]],
    macd_hist: [[12, 26, 9], [3, 7, 2], [5, 5, 3], [9, 4, 3], [1, 2, 1]],
    atr: [[1], [14], [3], [30], [2]],
  };
  for (const [name, paramSets] of Object.entries(cases)) {
    const def = INDICATORS.find((d) => d.name === name)!;
    assert.ok(def.panel, `${name} has a panel kernel`);
    paramSets.forEach((params, k) => {
      const seed = 100 + 10 * k;
      // atr: high / low / close from three nasty panels (high < low and ties included: the package does not check)
      // or, on odd cases, high = x + 1, low = x - 1, close = x from one panel (its gaps only, so longer runs)
      const base = nastyPanel(seed, T, N);
      const inputs = def.inputs.length === 3 && k % 2 === 1 ? [base.map((v) => v + 1), base.map((v) => v - 1), base] : def.inputs.map((_, j) => nastyPanel(seed + j, T, N));
      const got = runIndicator(def, inputs, params, T, N, new Float64Array(T * N).fill(7));
      const want = runIndicatorPackage(def, inputs, params, T, N, new Float64Array(T * N));
      sameBits(got, want, `${name}(${params.join(', ')}) seed ${seed}`);
      let finite = 0;
      for (const v of got) if (Number.isFinite(v)) finite++;
      // fast = slow: the MACD line is 0, so the package reports no signal at all
      if (!(name === 'macd_signal' && params[0] === params[1])) assert.ok(finite > T * N * 0.05, `${name}(${params.join(', ')}): cells with a value (${finite})`);
    });
  }
});

test('EMA and MACD zero quirks are reproduced: a 0 seed steps on the same bar, a 0 EMA freezes the MACD line, a 0 signal is missing while the histogram is not', () => {
  const ema = INDICATORS.find((d) => d.name === 'ema')!;
  const xs = [1, -1, 4, 2, -2, 0, 0, 0, 3];
  const x = Float64Array.from(xs);
  const gotEma = runIndicator(ema, [x], [2], xs.length, 1, new Float64Array(xs.length));
  sameBits(gotEma, runIndicatorPackage(ema, [x], [2], xs.length, 1, new Float64Array(xs.length)), 'ema quirk');
  // seed = (1 + -1) / 2 = 0 (falsy): the package steps at once, (x - 0) * (2 / 3) + 0 with x = -1
  assert.equal(gotEma[1], (-1 - 0) * (2 / 3) + 0);
  for (const name of ['macd', 'macd_signal', 'macd_hist']) {
    const def = INDICATORS.find((d) => d.name === name)!;
    // fast = slow: the line is exactly 0 everywhere, so the signal EMA's seed is 0
    for (const params of [[3, 3, 2], [2, 3, 2]]) {
      const got = runIndicator(def, [x], params, xs.length, 1, new Float64Array(xs.length));
      sameBits(got, runIndicatorPackage(def, [x], params, xs.length, 1, new Float64Array(xs.length)), `${name}(${params.join(', ')})`);
    }
  }
  const hist = INDICATORS.find((d) => d.name === 'macd_hist')!, signal = INDICATORS.find((d) => d.name === 'macd_signal')!;
  const h = runIndicator(hist, [x], [3, 3, 2], xs.length, 1, new Float64Array(xs.length));
  const s = runIndicator(signal, [x], [3, 3, 2], xs.length, 1, new Float64Array(xs.length));
  assert.ok(Number.isNaN(s[3]!) && h[3] === 0, 'signal 0 is reported missing, the histogram line - 0 = 0 is kept');
});

test('roundTo2Decimals equals parseFloat(v.toFixed(2)) bit for bit (random values, exact and near ties, large and negative values)', () => {
  const rng = new Rng(7);
  const values: number[] = [0, -0, 100, 0.005, 0.015, 0.125, 1.005, 1.015, 2.675, 12.345, 50.005, 99.995, 99.9951, 1e6, 1e6 - 0.005, 1e7 + 0.125, -3.14159, -0.005, 1e-9, 33.335];
  for (let i = 0; i < 20000; i++) values.push(100 * rng.random(), Math.round(rng.random() * 1e6) / 200, Math.round(rng.random() * 1e4) / 1000 + 0.0005, (rng.random() - 0.5) * 1e3);
  for (const v of values) assert.ok(Object.is(roundTo2Decimals(v), parseFloat(v.toFixed(2))), `${v}: ${roundTo2Decimals(v)} vs ${parseFloat(v.toFixed(2))}`);
});
