/**
 * Panel kernels of packaged indicators: the same values, bit for bit, as the
 * `technicalindicators` package (3.1.0) run per asset by
 * {@link runIndicator}, without building a JavaScript array and a generator
 * per asset and run (`bb_percent_b` on the S&P 500 panel: about 0.9 s through
 * the package).
 *
 * Each kernel replays the package's floating-point operations in the same
 * order (source: technicalindicators lib/moving_averages/SMA.js,
 * lib/Utils/SD.js, lib/volatility/BollingerBands.js) including its quirks:
 * the SMA's running sum starts from a sentinel 0 and is never recomputed
 * (`sum = sum - oldest + current`); Bollinger values are only (re)computed
 * when the SMA is truthy, so an SMA of exactly 0 (or NaN after an overflow)
 * repeats the previous output, or emits nothing before the first one (the
 * output list is then shorter, which shifts the right alignment); the
 * standard deviation's sum over the window (oldest first) stops at the first
 * value that is exactly 0 (its linked-list iteration `while (list.next())`
 * treats a 0 value as the end). Outputs
 * are collected per run as the package's list and right-aligned exactly as
 * {@link runIndicator} does. Tests compare every kernel with the package on
 * random data with gaps, zeros and ties (test/expr-indicators.test.ts).
 *
 * @module
 */
import type { Arr } from './kernels.js';

/** Output of {@link bollingerPanel}: %B = (x - lower) / (upper - lower) or bandwidth = (upper - lower) / middle. */
export type BollingerOutput = 'percent_b' | 'bandwidth';

/**
 * Calls `emitRun(s, e, xs)` for each maximal run [s, e) of bars of asset `a`
 * where every input is finite, with `xs` the run's values of the first input
 * copied contiguously (xs[0, e - s)).
 */
function forEachRun(inputs: readonly Arr[], T: number, N: number, a: number, xs: Float64Array, emitRun: (s: number, e: number) => void): void {
  const k = inputs.length, x0 = inputs[0]!;
  let t = 0;
  while (t < T) {
    while (t < T && !finiteAt(inputs, k, t * N + a)) t++;
    const s = t;
    while (t < T && finiteAt(inputs, k, t * N + a)) { xs[t - s] = x0[t * N + a]!; t++; }
    if (t > s) emitRun(s, t);
  }
}

function finiteAt(inputs: readonly Arr[], k: number, i: number): boolean {
  for (let j = 0; j < k; j++) { const v = inputs[j]![i]!; if (v - v !== 0) return false; }
  return true;
}

/** Writes the package-style output list res[0, count) right-aligned into the run [s, e) of asset a (non-finite -> NaN). */
function alignRight(res: Float64Array, count: number, s: number, e: number, N: number, a: number, out: Arr): void {
  const len = count < e - s ? count : e - s;
  const off = e - len;
  for (let q = 0; q < len; q++) { const v = res[count - len + q]!; out[(off + q) * N + a] = v - v === 0 ? v : NaN; }
}

/**
 * `sma(x, d)` per asset and run, as technicalindicators SMA: running sum
 * seeded with a sentinel 0, `sum = sum - oldest + current`, value sum / d.
 * @returns out (dates x assets, NaN in warm-ups and gaps).
 */
export function smaPanel(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  out.fill(NaN);
  const xs = new Float64Array(T), res = new Float64Array(T);
  for (let a = 0; a < N; a++) {
    forEachRun([x], T, N, a, xs, (s, e) => {
      const L = e - s;
      let sum = 0, count = 0;
      for (let i = 0; i < L; i++) {
        if (i < d - 1) { sum = sum + xs[i]!; continue; }
        sum = sum - (i >= d ? xs[i - d]! : 0) + xs[i]!;
        res[count++] = sum / d;
      }
      alignRight(res, count, s, e, N, a, out);
    });
  }
  return out;
}

/**
 * Bollinger %B or bandwidth per asset and run, as technicalindicators
 * BollingerBands (middle = its SMA, population std of the last d values
 * around it summed oldest first with Math.pow(x - mean, 2), bands middle +-
 * k std), quirks as in the module comment (a window containing an exact 0
 * sums only the values before it, still divided by d).
 * @returns out (dates x assets, NaN in warm-ups, gaps and where the package's value is not finite).
 */
export function bollingerPanel(x: Arr, T: number, N: number, d: number, k: number, output: BollingerOutput, out: Arr): Arr {
  out.fill(NaN);
  const xs = new Float64Array(T), res = new Float64Array(T);
  const pb = output === 'percent_b';
  for (let a = 0; a < N; a++) {
    forEachRun([x], T, N, a, xs, (s, e) => {
      const L = e - s;
      let sum = 0, count = 0, have = false, last = NaN;
      for (let i = 0; i < L; i++) {
        if (i < d - 1) { sum = sum + xs[i]!; continue; }
        sum = sum - (i >= d ? xs[i - d]! : 0) + xs[i]!;
        const mean = sum / d;
        if (mean) {
          let ss = 0;
          // the package iterates its window list with `while (list.next())`, which stops at a value of exactly 0
          for (let j = i - d + 1; j <= i && xs[j] !== 0; j++) ss = ss + Math.pow(xs[j]! - mean, 2);
          const sd = Math.sqrt(ss / d);
          const upper = mean + sd * k, lower = mean - sd * k;
          last = pb ? (xs[i]! - lower) / (upper - lower) : (upper - lower) / mean;
          have = true;
        }
        if (have) res[count++] = last;
      }
      alignRight(res, count, s, e, N, a, out);
    });
  }
  return out;
}
