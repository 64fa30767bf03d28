/**
 * Labels and splits for supervised signals on overlapping horizons:
 * the triple-barrier method (Lopez de Prado, Advances in Financial Machine
 * Learning, 2018, ch. 3), balanced class weights, and train / validation /
 * test and k-fold splits with purging and an embargo (same book, ch. 7).
 *
 * Class coding used by the whole of lib/ml: 0 = sell (the lower barrier was
 * touched first), 1 = hold, 2 = buy (the upper barrier first); `side` -1 / 0 / +1.
 */

/** Barrier widths: fixed fractions of the entry price, or a multiple of a volatility estimate. */
export type BarrierSpec =
  /** Upper barrier at p (1 + profitTake), lower at p (1 - stopLoss); fractions (0.004 = 0.4 %). */
  | { kind: 'fixed'; profitTake: number; stopLoss: number }
  /**
   * Both barriers at `multiplier * sigma_t * sqrt(horizon)` (fraction), sigma_t = EWMA standard deviation of
   * one-row log returns up to t (zero-mean, alpha = 2 / (span + 1)); rows t < span get no label.
   */
  | { kind: 'volatility'; multiplier: number; span: number };

/** Options of {@link tripleBarrier}. */
export interface TripleBarrierOptions {
  barriers: BarrierSpec;
  /** Vertical barrier: the holding limit in rows (>= 1). */
  horizon: number;
  /** Label when one row touches both barriers (only possible with high/low paths): 'hold' (default: ambiguous) or 'stop' (the lower barrier first, the backtest kernel's conservative rule for a long). */
  bothTouched?: 'hold' | 'stop';
  /** Label at the vertical barrier: 'hold' (default) or 'sign' (the sign of the return at the horizon). */
  vertical?: 'hold' | 'sign';
  /** Highs / lows of each row for the barrier checks (default: the price path itself). */
  high?: Float64Array;
  low?: Float64Array;
}

/** Which barrier ended a label. */
export const TOUCH = { none: 0, upper: 1, lower: 2, vertical: 3, both: 4 } as const;

/** Result of {@link tripleBarrier}; arrays of length T. */
export interface TripleBarrierLabels {
  /** Class 0 sell / 1 hold / 2 buy; meaningless where `valid` is 0. */
  label: Uint8Array;
  /** 1 where the label is known: a barrier was touched, or the vertical barrier lies inside the data (and sigma is known). */
  valid: Uint8Array;
  /** Index of the row that ended the label (the label's span is [t, end[t]]); -1 where not valid. */
  end: Int32Array;
  /** {@link TOUCH} code. */
  touch: Uint8Array;
  /** Return from price[t] to the exit (the barrier level when touched, the price at the vertical barrier), fraction. */
  ret: Float64Array;
  /** Upper / lower barrier widths used at t (fractions). */
  upper: Float64Array;
  lower: Float64Array;
}

/**
 * Triple-barrier labels of a price path. Entry at price[t] (known at t);
 * rows t+1 .. t+horizon are scanned in order: the first row whose high
 * reaches the upper barrier (buy) or whose low reaches the lower one (sell)
 * ends the label; if none does, the vertical barrier at t+horizon ends it.
 * A label whose window runs past the data without a touch is not valid.
 * @throws RangeError for a bad horizon, non-positive widths, or high/low of the wrong length.
 */
export function tripleBarrier(price: Float64Array, opts: TripleBarrierOptions): TripleBarrierLabels {
  const T = price.length;
  const H = opts.horizon;
  if (!Number.isInteger(H) || H < 1) throw new RangeError(`tripleBarrier: horizon must be an integer >= 1, got ${H}`);
  const hi = opts.high ?? price, lo = opts.low ?? price;
  if (hi.length !== T || lo.length !== T) throw new RangeError(`tripleBarrier: high/low have ${hi.length}/${lo.length} rows, price has ${T}`);
  const spec = opts.barriers;
  const upper = new Float64Array(T), lower = new Float64Array(T);
  if (spec.kind === 'fixed') {
    if (!(spec.profitTake > 0) || !(spec.stopLoss > 0)) throw new RangeError(`tripleBarrier: profitTake and stopLoss must be > 0, got ${spec.profitTake} / ${spec.stopLoss}`);
    upper.fill(spec.profitTake);
    lower.fill(spec.stopLoss);
  } else {
    if (!(spec.multiplier > 0) || !Number.isInteger(spec.span) || spec.span < 2) throw new RangeError(`tripleBarrier: volatility barriers need multiplier > 0 and an integer span >= 2, got ${spec.multiplier} / ${spec.span}`);
    const sigma = ewmaVolatility(price, spec.span);
    for (let t = 0; t < T; t++) {
      const w = t >= spec.span ? spec.multiplier * sigma[t]! * Math.sqrt(H) : NaN;
      upper[t] = w;
      lower[t] = w;
    }
  }
  const label = new Uint8Array(T).fill(1), valid = new Uint8Array(T), touch = new Uint8Array(T), end = new Int32Array(T).fill(-1), ret = new Float64Array(T).fill(NaN);
  const both = opts.bothTouched ?? 'hold';
  const vertical = opts.vertical ?? 'hold';
  for (let t = 0; t < T; t++) {
    const p = price[t]!;
    if (!(upper[t]! > 0) || !(p > 0)) continue;
    const up = p * (1 + upper[t]!), dn = p * (1 - lower[t]!);
    for (let j = t + 1; j <= t + H && j < T; j++) {
      const u = hi[j]! >= up, d = lo[j]! <= dn;
      if (!u && !d) continue;
      valid[t] = 1;
      end[t] = j;
      if (u && d) {
        touch[t] = TOUCH.both;
        label[t] = both === 'stop' ? 0 : 1;
        ret[t] = both === 'stop' ? -lower[t]! : price[j]! / p - 1;
      } else {
        touch[t] = u ? TOUCH.upper : TOUCH.lower;
        label[t] = u ? 2 : 0;
        ret[t] = u ? upper[t]! : -lower[t]!;
      }
      break;
    }
    if (!valid[t] && t + H < T) {
      valid[t] = 1;
      end[t] = t + H;
      touch[t] = TOUCH.vertical;
      const r = price[t + H]! / p - 1;
      ret[t] = r;
      label[t] = vertical === 'sign' ? (r > 0 ? 2 : r < 0 ? 0 : 1) : 1;
    }
  }
  return { label, valid, end, touch, ret, upper, lower };
}

/**
 * EWMA standard deviation of one-row log returns (zero mean; RiskMetrics-style
 * recursion v_t = (1 - alpha) v_{t-1} + alpha r_t^2, alpha = 2 / (span + 1), v_0 = r_1^2 at the first return).
 * Causal: sigma[t] uses returns up to t. NaN at t = 0.
 */
export function ewmaVolatility(price: Float64Array, span: number): Float64Array {
  const alpha = 2 / (span + 1);
  const out = new Float64Array(price.length).fill(NaN);
  let v = NaN;
  for (let t = 1; t < price.length; t++) {
    const r = Math.log(price[t]! / price[t - 1]!);
    if (r !== r) continue;
    v = v !== v ? r * r : (1 - alpha) * v + alpha * r * r;
    out[t] = Math.sqrt(v);
  }
  return out;
}

/**
 * Balanced class weights over the rows `idx`: w_c = n / (K n_c) (scikit-learn's and
 * LightGBM's `class_weight='balanced'`); classes absent from `idx` get weight 0.
 * @returns per-class weights, length K.
 */
export function balancedClassWeights(label: Uint8Array, idx: Int32Array, K = 3): Float64Array {
  const counts = new Float64Array(K);
  for (const i of idx) counts[label[i]!]!++;
  const w = new Float64Array(K);
  for (let c = 0; c < K; c++) w[c] = counts[c]! > 0 ? idx.length / (K * counts[c]!) : 0;
  return w;
}

/** Row indices of one split. */
export interface TrainValTest {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  /** First row of the validation and the test segment. */
  boundaries: [number, number];
}

/**
 * Chronological train / validation / test split with purging and an embargo,
 * no shuffling: segments [0, a), [a, b), [b, T) by `fractions`; a row
 * enters its segment only when its label is valid and its span [t, end[t]]
 * ends before the next segment starts (purging), and the first `embargo`
 * rows of the validation and test segments are skipped (their features'
 * windows overlap the previous segment's labels).
 * @throws RangeError for fractions that do not sum to 1 or a negative embargo.
 */
export function purgedSplit(end: Int32Array, valid: Uint8Array, fractions: readonly [number, number, number] = [0.6, 0.2, 0.2], embargo = 0): TrainValTest {
  const T = end.length;
  const sum = fractions[0] + fractions[1] + fractions[2];
  if (Math.abs(sum - 1) > 1e-9 || fractions.some((f) => !(f > 0))) throw new RangeError(`purgedSplit: fractions must be > 0 and sum to 1, got ${fractions.join(', ')}`);
  if (!Number.isInteger(embargo) || embargo < 0) throw new RangeError(`purgedSplit: embargo must be an integer >= 0, got ${embargo}`);
  const a = Math.floor(T * fractions[0]), b = Math.floor(T * (fractions[0] + fractions[1]));
  const pick = (from: number, to: number) => {
    const out: number[] = [];
    for (let i = from; i < to; i++) if (valid[i] && end[i]! < to) out.push(i);
    return Int32Array.from(out);
  };
  return { train: pick(0, a), validation: pick(a + embargo, b), test: pick(b + embargo, T), boundaries: [a, b] };
}

/** One fold of {@link purgedKFold}. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Purged k-fold with an embargo (Lopez de Prado 2018, 7.4): the rows are cut
 * into `k` contiguous test blocks; a training row must have a valid label
 * whose span [t, end[t]] does not overlap the test block's span
 * [first test row, last end of a test label], and rows within `embargo` rows
 * after the test block are dropped. `walkForward: true` keeps only training
 * rows before the test block (expanding window; the first fold is skipped
 * since it has no past).
 */
export function purgedKFold(end: Int32Array, valid: Uint8Array, k: number, opts: { embargo?: number; walkForward?: boolean } = {}): Fold[] {
  const T = end.length;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`purgedKFold: k must be an integer >= 2, got ${k}`);
  const embargo = opts.embargo ?? 0;
  const folds: Fold[] = [];
  for (let f = opts.walkForward ? 1 : 0; f < k; f++) {
    const s = Math.floor((T * f) / k), e = Math.floor((T * (f + 1)) / k);
    const test: number[] = [];
    let spanEnd = s;
    for (let i = s; i < e; i++) {
      if (!valid[i]) continue;
      test.push(i);
      spanEnd = Math.max(spanEnd, end[i]!);
    }
    const train: number[] = [];
    for (let i = 0; i < T; i++) {
      if (!valid[i] || (i >= s && i < e)) continue;
      if (opts.walkForward && i >= s) break;
      const overlaps = i <= spanEnd && end[i]! >= s;
      const embargoed = i >= e && i < e + embargo;
      if (!overlaps && !embargoed) train.push(i);
    }
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return folds;
}
