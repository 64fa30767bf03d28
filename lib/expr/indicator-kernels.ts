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
 * random data with gaps, zeros and ties (test/expr-indicator-kernels.test.ts).
 *
 * The recursive indicators (EMA, RSI, MACD, ATR) replay
 * lib/moving_averages/EMA.js, WEMA.js, MACD.js, lib/Utils/AverageGain.js,
 * AverageLoss.js, lib/oscillators/RSI.js and lib/directionalmovement/ATR.js,
 * TrueRange.js the same way, with their quirks: EMA is seeded with the SMA of
 * its first d values (the SMA's sentinel-0 running sum), and when that seed is
 * falsy (exactly 0, or NaN) the package applies the EMA step to the same bar
 * at once (`(x - 0) * k + 0`); Wilder's smoothing (WEMA, used by ATR) has no
 * such test. MACD only updates its line and signal when both EMAs are truthy
 * (a 0 or NaN EMA repeats the previous line, signal and histogram); its
 * signal output is missing when the signal EMA is 0, while the histogram is
 * still line - signal. RSI is rounded with `parseFloat(v.toFixed(2))` like
 * the package. These indicators emit one value per bar after their warm-up,
 * so the right alignment puts the value of run bar i at bar i. The package's
 * global number format (`setConfig('precision', ...)`) is assumed unset,
 * as in this project.
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

/**
 * Calls `emitRun(s, e)` for each maximal run [s, e) of bars of asset `a` where
 * every input is finite, with `cols[j]` holding the run's values of input j
 * copied contiguously (cols[j][0, e - s)).
 */
function forEachRunAll(inputs: readonly Arr[], T: number, N: number, a: number, cols: readonly Float64Array[], emitRun: (s: number, e: number) => void): void {
  const k = inputs.length;
  let t = 0;
  while (t < T) {
    while (t < T && !finiteAt(inputs, k, t * N + a)) t++;
    const s = t;
    while (t < T && finiteAt(inputs, k, t * N + a)) {
      for (let j = 0; j < k; j++) cols[j]![t - s] = inputs[j]![t * N + a]!;
      t++;
    }
    if (t > s) emitRun(s, t);
  }
}

/**
 * The package's EMA (EMA.js, `wilder` false: k = 2 / (d + 1)) or Wilder
 * smoothing (WEMA.js, `wilder` true: k = 1 / d) fed one value at a time:
 * SMA seed of the first d values (sentinel-0 running sum), then
 * `prev = (x - prev) * k + prev`. For the EMA a falsy seed (0, NaN) gets the
 * step applied on the same bar, as the package's generator does.
 */
class PackageEma {
  private readonly k: number;
  private count = 0;
  private sum = 0;
  private started = false;
  /** The last value (valid once {@link step} returned true). */
  value = 0;

  constructor(private readonly d: number, private readonly wilder: boolean) {
    this.k = wilder ? 1 / d : 2 / (d + 1);
  }

  /** Feeds x; false while the package would yield undefined (warm-up). */
  step(x: number): boolean {
    if (this.started) {
      this.value = (x - this.value) * this.k + this.value;
      return true;
    }
    if (this.count < this.d - 1) {
      this.count++;
      this.sum = this.sum + x;
      return false;
    }
    this.sum = this.sum - 0 + x;
    const seed = this.sum / this.d;
    this.started = true;
    this.value = this.wilder || seed ? seed : (x - seed) * this.k + seed;
    return true;
  }
}

/** out[i] = v when finite, else NaN (the package's outputs pass {@link runIndicator}'s finiteness filter). */
function put(out: Arr, i: number, v: number): void {
  out[i] = v - v === 0 ? v : NaN;
}

/**
 * `ema(x, d)` per asset and run, as technicalindicators EMA (see
 * {@link PackageEma}); first value at the run's bar d - 1.
 * @returns out (dates x assets, NaN in warm-ups and gaps).
 */
export function emaPanel(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  out.fill(NaN);
  const xs = new Float64Array(T);
  for (let a = 0; a < N; a++) {
    forEachRunAll([x], T, N, a, [xs], (s, e) => {
      const ema = new PackageEma(d, false);
      for (let i = 0; i < e - s; i++) if (ema.step(xs[i]!)) put(out, (s + i) * N + a, ema.value);
    });
  }
  return out;
}

/**
 * `rsi(x, d)` per asset and run, as technicalindicators RSI: average gain and
 * loss over the first d changes (sums of the positive parts / d), then
 * Wilder's `(avg * (d - 1) + change) / d`; RSI = 100 when the average loss is
 * 0, else 0 when the average gain is 0, else
 * `parseFloat((100 - 100 / (1 + gain / loss)).toFixed(2))`. First value at the run's bar d.
 * @returns out (dates x assets, NaN in warm-ups and gaps).
 */
export function rsiPanel(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  out.fill(NaN);
  const xs = new Float64Array(T);
  for (let a = 0; a < N; a++) {
    forEachRunAll([x], T, N, a, [xs], (s, e) => {
      let gainSum = 0, lossSum = 0, avgGain = 0, avgLoss = 0;
      for (let i = 1; i < e - s; i++) {
        const cur = xs[i]!, last = xs[i - 1]!;
        let gain = cur - last;
        gain = gain > 0 ? gain : 0;
        if (gain > 0) gainSum = gainSum + gain;
        let loss = last - cur;
        loss = loss > 0 ? loss : 0;
        if (loss > 0) lossSum = lossSum + loss;
        if (i < d) continue;
        if (i === d) {
          avgGain = gainSum / d;
          avgLoss = lossSum / d;
        } else {
          avgGain = ((avgGain * (d - 1)) + gain) / d;
          avgLoss = ((avgLoss * (d - 1)) + loss) / d;
        }
        let rsi: number;
        if (avgLoss === 0) rsi = 100;
        else if (avgGain === 0) rsi = 0;
        else {
          let rs = avgGain / avgLoss;
          rs = rs !== rs ? 0 : rs;
          rsi = roundTo2Decimals(100 - (100 / (1 + rs)));
        }
        put(out, (s + i) * N + a, rsi);
      }
    });
  }
  return out;
}

/**
 * `parseFloat(v.toFixed(2))`, the package's RSI rounding, without building a
 * string for most values: for 0 < v < 1e6 away from a rounding tie,
 * Math.round(v * 100) is the integer toFixed picks (v * 100 is within 1e-9 of
 * the exact product, so only a product within 1e-6 of a half can round
 * differently; those go through toFixed), and n / 100 is the double nearest
 * to n / 100, as parseFloat returns (IEEE division is correctly rounded).
 */
export function roundTo2Decimals(v: number): number {
  if (v > 0 && v < 1e6) {
    const scaled = v * 100;
    const frac = scaled - Math.floor(scaled);
    if (Math.abs(frac - 0.5) > 1e-6) return Math.round(scaled) / 100;
  }
  return parseFloat(v.toFixed(2));
}

/** Output of {@link macdPanel}: the MACD line, its signal line, or the histogram (line - signal). */
export type MacdOutput = 'macd' | 'signal' | 'histogram';

/**
 * MACD per asset and run, as technicalindicators MACD with EMAs
 * (`SimpleMAOscillator: false, SimpleMASignal: false`): line = EMA(x, fast) -
 * EMA(x, slow), signal = EMA(line, signal), histogram = line - signal; one
 * output per bar from the run's bar slow - 1 on (missing parts NaN); quirks
 * as in the module comment.
 * @returns out (dates x assets, NaN in warm-ups, gaps and where the package's value is missing or not finite).
 */
export function macdPanel(x: Arr, T: number, N: number, fast: number, slow: number, signal: number, output: MacdOutput, out: Arr): Arr {
  out.fill(NaN);
  const xs = new Float64Array(T);
  for (let a = 0; a < N; a++) {
    forEachRunAll([x], T, N, a, [xs], (s, e) => {
      const fastEma = new PackageEma(fast, false), slowEma = new PackageEma(slow, false), signalEma = new PackageEma(signal, false);
      let hasLine = false, line = 0, hasSignal = false, sig = 0;
      for (let i = 0; i < e - s; i++) {
        const fastOk = fastEma.step(xs[i]!), slowOk = slowEma.step(xs[i]!);
        if (i < slow - 1) continue;
        // the package: `if (fast && slow)` (undefined, 0 and NaN are falsy), else line and signal stay as they were
        if (fastOk && fastEma.value && slowOk && slowEma.value) {
          line = fastEma.value - slowEma.value;
          hasLine = true;
          hasSignal = signalEma.step(line);
          sig = signalEma.value;
        }
        const v = output === 'macd' ? (hasLine ? line : NaN)
          : output === 'signal' ? (hasSignal && sig ? sig : NaN)
            : hasLine && hasSignal ? line - sig : NaN;
        put(out, (s + i) * N + a, v);
      }
    });
  }
  return out;
}

/**
 * `atr(high, low, close, d)` per asset and run, as technicalindicators ATR:
 * true range max(high - low, |high - prev close|, |low - prev close|) from
 * the run's second bar, smoothed by Wilder's WEMA (SMA seed of the first d
 * true ranges, then `prev = (tr - prev) * (1 / d) + prev`).
 * First value at the run's bar d.
 * @returns out (dates x assets, NaN in warm-ups and gaps).
 */
export function atrPanel(high: Arr, low: Arr, close: Arr, T: number, N: number, d: number, out: Arr): Arr {
  out.fill(NaN);
  const hs = new Float64Array(T), ls = new Float64Array(T), cs = new Float64Array(T);
  for (let a = 0; a < N; a++) {
    forEachRunAll([high, low, close], T, N, a, [hs, ls, cs], (s, e) => {
      const wema = new PackageEma(d, true);
      for (let i = 1; i < e - s; i++) {
        const h = hs[i]!, l = ls[i]!, pc = cs[i - 1]!;
        const up = Math.abs(h - pc), down = Math.abs(l - pc);
        const tr = Math.max(h - l, up !== up ? 0 : up, down !== down ? 0 : down);
        if (wema.step(tr)) put(out, (s + i) * N + a, wema.value);
      }
    });
  }
  return out;
}
