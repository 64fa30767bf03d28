/**
 * Technical indicators from the `technicalindicators` package (3.1.0), applied
 * per asset to dates x assets panels.
 *
 * Alignment: the package returns an output array shorter than its input by the
 * indicator's warm-up; outputs are right-aligned, so the output for bar t is
 * computed from bars up to t only (the package is causal: it runs a streaming
 * generator over the inputs in time order). Bars inside the warm-up are NaN.
 *
 * Missing data: an asset's series is cut into contiguous runs of bars where
 * every input is finite; the indicator runs on each run separately (warm-up
 * restarts after each gap), and bars with a missing input are NaN. Recursive
 * indicators (EMA, RSI, MACD, ATR, ADX) and cumulative OBV therefore depend on
 * where the run starts: their values equal the full-history values only after
 * the recursion has converged (OBV is cumulative from the run's first bar).
 *
 * Package conventions kept as-is (documented, not changed): RSI and MFI are
 * rounded to 2 decimals; RSI is 100 when the average loss is 0; Bollinger
 * bands use the population standard deviation; EMA is seeded with the SMA of
 * the first `period` values; MACD uses EMAs (`SimpleMAOscillator: false,
 * SimpleMASignal: false`).
 *
 * @module
 */
import { ADX, ATR, BollingerBands, CCI, EMA, MACD, MFI, OBV, RSI, SMA, Stochastic, WMA } from 'technicalindicators';
import type { Arr } from './kernels.js';
import { atrPanel, bollingerPanel, emaPanel, macdPanel, rsiPanel, smaPanel } from './indicator-kernels.js';

/** One indicator: its series inputs (names) and numeric parameters, and a call of the package on plain arrays. */
export interface IndicatorDef {
  /** Operator name, e.g. `rsi`, `macd_signal`. */
  readonly name: string;
  /** Names of the series inputs, in argument order (e.g. high, low, close). */
  readonly inputs: readonly string[];
  /** Numeric parameters: name, default, minimum. */
  readonly params: readonly { name: string; default: number; min: number; integer: boolean }[];
  /** One-line semantics for the operator reference. */
  readonly description: string;
  /** Runs the package on one contiguous run; returns outputs (right-aligned to the inputs, shorter by the warm-up). */
  readonly compute: (inputs: number[][], params: number[]) => (number | undefined)[];
  /**
   * The same values as `compute` run per asset and run by {@link runIndicatorPackage}, bit for bit,
   * as one kernel over the dates x assets panel (lib/expr/indicator-kernels.ts); used when present.
   */
  readonly panel?: (inputs: readonly Arr[], params: readonly number[], T: number, N: number, out: Arr) => Arr;
}

const win = (name: string, def: number) => ({ name, default: def, min: 1, integer: true });

type MacdOut = { MACD?: number; signal?: number; histogram?: number };
type BbOut = { middle: number; upper: number; lower: number; pb: number };
type StochOut = { k: number; d?: number };

function macd(values: number[], p: number[]): MacdOut[] {
  return MACD.calculate({ values, fastPeriod: p[0]!, slowPeriod: p[1]!, signalPeriod: p[2]!, SimpleMAOscillator: false, SimpleMASignal: false }) as MacdOut[];
}

/** The indicator operators, in registry order. */
export const INDICATORS: readonly IndicatorDef[] = [
  { name: 'sma', inputs: ['x'], params: [win('d', 20)], description: 'simple moving average of the last d bars (technicalindicators SMA)', compute: ([x], [d]) => SMA.calculate({ values: x!, period: d! }), panel: ([x], [d], T, N, out) => smaPanel(x!, T, N, d!, out) },
  { name: 'ema', inputs: ['x'], params: [win('d', 20)], description: 'exponential moving average, alpha = 2/(d+1), seeded with the SMA of the first d bars (technicalindicators EMA)', compute: ([x], [d]) => EMA.calculate({ values: x!, period: d! }), panel: ([x], [d], T, N, out) => emaPanel(x!, T, N, d!, out) },
  { name: 'wma', inputs: ['x'], params: [win('d', 20)], description: 'linearly weighted moving average, weights 1..d with d on the current bar (technicalindicators WMA)', compute: ([x], [d]) => WMA.calculate({ values: x!, period: d! }) },
  { name: 'rsi', inputs: ['x'], params: [win('d', 14)], description: "Wilder's RSI in [0, 100] over d changes (Wilder smoothing of average gain/loss; 100 when the average loss is 0; rounded to 2 decimals by the package)", compute: ([x], [d]) => RSI.calculate({ values: x!, period: d! }), panel: ([x], [d], T, N, out) => rsiPanel(x!, T, N, d!, out) },
  { name: 'macd', inputs: ['x'], params: [win('fast', 12), win('slow', 26), win('signal', 9)], description: 'MACD line: EMA(x, fast) - EMA(x, slow)', compute: ([x], p) => macd(x!, p).map((o) => o.MACD), panel: ([x], [f, sl, sg], T, N, out) => macdPanel(x!, T, N, f!, sl!, sg!, 'macd', out) },
  { name: 'macd_signal', inputs: ['x'], params: [win('fast', 12), win('slow', 26), win('signal', 9)], description: 'MACD signal line: EMA of the MACD line over `signal` bars', compute: ([x], p) => macd(x!, p).map((o) => o.signal), panel: ([x], [f, sl, sg], T, N, out) => macdPanel(x!, T, N, f!, sl!, sg!, 'signal', out) },
  { name: 'macd_hist', inputs: ['x'], params: [win('fast', 12), win('slow', 26), win('signal', 9)], description: 'MACD histogram: MACD line - signal line', compute: ([x], p) => macd(x!, p).map((o) => o.histogram), panel: ([x], [f, sl, sg], T, N, out) => macdPanel(x!, T, N, f!, sl!, sg!, 'histogram', out) },
  { name: 'bb_percent_b', inputs: ['x'], params: [win('d', 20), { name: 'k', default: 2, min: 0, integer: false }], description: 'Bollinger %B: (x - lower) / (upper - lower), bands = SMA(x, d) +- k * population std over d bars', compute: ([x], [d, k]) => (BollingerBands.calculate({ values: x!, period: d!, stdDev: k! }) as BbOut[]).map((o) => o.pb), panel: ([x], [d, k], T, N, out) => bollingerPanel(x!, T, N, d!, k!, 'percent_b', out) },
  { name: 'bb_bandwidth', inputs: ['x'], params: [win('d', 20), { name: 'k', default: 2, min: 0, integer: false }], description: 'Bollinger bandwidth: (upper - lower) / middle, middle = SMA(x, d), bands +- k * population std', compute: ([x], [d, k]) => (BollingerBands.calculate({ values: x!, period: d!, stdDev: k! }) as BbOut[]).map((o) => (o.upper - o.lower) / o.middle), panel: ([x], [d, k], T, N, out) => bollingerPanel(x!, T, N, d!, k!, 'bandwidth', out) },
  { name: 'atr', inputs: ['high', 'low', 'close'], params: [win('d', 14)], description: "average true range: Wilder smoothing over d bars of max(high - low, |high - prev close|, |low - prev close|); first value at bar d", compute: ([h, l, c], [d]) => ATR.calculate({ high: h!, low: l!, close: c!, period: d! }), panel: ([h, l, c], [d], T, N, out) => atrPanel(h!, l!, c!, T, N, d!, out) },
  { name: 'adx', inputs: ['high', 'low', 'close'], params: [win('d', 14)], description: "Wilder's average directional index in [0, 100] over d bars", compute: ([h, l, c], [d]) => (ADX.calculate({ high: h!, low: l!, close: c!, period: d! }) as { adx: number }[]).map((o) => o.adx) },
  { name: 'obv', inputs: ['close', 'volume'], params: [], description: 'on-balance volume: cumulative sum of +volume on up closes, -volume on down closes, from the first bar of the run (first value at its second bar)', compute: ([c, v]) => OBV.calculate({ close: c!, volume: v! }) },
  { name: 'stoch_k', inputs: ['high', 'low', 'close'], params: [win('d', 14), win('signal', 3)], description: 'stochastic %K in [0, 100]: 100 * (close - lowest low) / (highest high - lowest low) over d bars', compute: ([h, l, c], [d, s]) => (Stochastic.calculate({ high: h!, low: l!, close: c!, period: d!, signalPeriod: s! }) as StochOut[]).map((o) => o.k) },
  { name: 'stoch_d', inputs: ['high', 'low', 'close'], params: [win('d', 14), win('signal', 3)], description: 'stochastic %D: SMA of %K over `signal` bars', compute: ([h, l, c], [d, s]) => (Stochastic.calculate({ high: h!, low: l!, close: c!, period: d!, signalPeriod: s! }) as StochOut[]).map((o) => o.d) },
  { name: 'cci', inputs: ['high', 'low', 'close'], params: [win('d', 20)], description: 'commodity channel index: (TP - SMA(TP, d)) / (0.015 * mean absolute deviation of TP), TP = (high + low + close) / 3', compute: ([h, l, c], [d]) => CCI.calculate({ high: h!, low: l!, close: c!, period: d! }) },
  { name: 'mfi', inputs: ['high', 'low', 'close', 'volume'], params: [win('d', 14)], description: 'money flow index in [0, 100] over d bars of typical-price money flow (rounded to 2 decimals by the package)', compute: ([h, l, c, v], [d]) => MFI.calculate({ high: h!, low: l!, close: c!, volume: v!, period: d! }) },
];

/**
 * Runs an indicator per asset over contiguous runs of finite inputs, writing
 * right-aligned outputs (NaN in warm-ups, gaps and for non-finite outputs):
 * through its panel kernel when it has one (same values), else through the
 * package ({@link runIndicatorPackage}).
 * `inputs` are dates x assets arrays (length T * N).
 */
export function runIndicator(def: IndicatorDef, inputs: readonly Arr[], params: readonly number[], T: number, N: number, out: Arr): Arr {
  return def.panel ? def.panel(inputs, params, T, N, out) : runIndicatorPackage(def, inputs, params, T, N, out);
}

/** {@link runIndicator} through the package itself (one call per asset and run): the reference of the panel kernels. */
export function runIndicatorPackage(def: IndicatorDef, inputs: readonly Arr[], params: readonly number[], T: number, N: number, out: Arr): Arr {
  out.fill(NaN);
  const k = inputs.length;
  for (let a = 0; a < N; a++) {
    let t = 0;
    while (t < T) {
      // find the next run [s, e) where all inputs are finite
      while (t < T && !allFinite(inputs, t * N + a)) t++;
      const s = t;
      while (t < T && allFinite(inputs, t * N + a)) t++;
      const e = t;
      if (e <= s) continue;
      const cols: number[][] = [];
      for (let j = 0; j < k; j++) {
        const col = new Array<number>(e - s);
        const x = inputs[j]!;
        for (let u = s; u < e; u++) col[u - s] = x[u * N + a]!;
        cols.push(col);
      }
      let res: (number | undefined)[];
      try {
        res = def.compute(cols, params as number[]);
      } catch {
        res = [];
      }
      const len = Math.min(res.length, e - s);
      const off = e - len;
      for (let q = 0; q < len; q++) {
        const v = res[res.length - len + q];
        out[(off + q) * N + a] = typeof v === 'number' && v - v === 0 ? v : NaN;
      }
    }
  }
  return out;
}

function allFinite(inputs: readonly Arr[], i: number): boolean {
  for (let j = 0; j < inputs.length; j++) { const v = inputs[j]![i]!; if (v - v !== 0) return false; }
  return true;
}

const warmupCache = new Map<string, number>();

/**
 * The warm-up of an indicator with the given parameters, in bars: the index of
 * its first non-NaN output on a clean synthetic series (measured once by
 * running the package, then cached). This is the indicator's lookback.
 */
export function indicatorWarmup(def: IndicatorDef, params: readonly number[]): number {
  const key = `${def.name}(${params.join(',')})`;
  const hit = warmupCache.get(key);
  if (hit !== undefined) return hit;
  const L = 3 * params.reduce((s, p) => s + Math.ceil(p), 0) + 20;
  // deterministic synthetic OHLCV series with no ties and no constant stretches
  const close: number[] = [], high: number[] = [], low: number[] = [], vol: number[] = [];
  for (let i = 0; i < L; i++) {
    const c = 100 + 10 * Math.sin(i * 0.7) + 3 * Math.cos(i * 1.3) + i * 0.01;
    close.push(c); high.push(c + 1 + 0.5 * Math.abs(Math.sin(i))); low.push(c - 1 - 0.5 * Math.abs(Math.cos(i))); vol.push(1000 + 100 * Math.sin(i * 0.3));
  }
  const byName: Record<string, number[]> = { x: close, close, high, low, volume: vol };
  const res = def.compute(def.inputs.map((n) => byName[n]!), params as number[]);
  const off = L - res.length;
  let first = off;
  while (first < L && !(typeof res[first - off] === 'number' && Number.isFinite(res[first - off]))) first++;
  warmupCache.set(key, first);
  return first;
}
