/**
 * Market-microstructure features, strictly causal, in two implementations
 * that give bit-identical values: {@link computeFeatures} (batch, typed
 * arrays, rolling windows by array kernels) and {@link FeatureStream}
 * (one row at a time for live use, rolling windows by ring buffers).
 *
 * Pipeline (both implementations): (1) per-row base values from the row and
 * the previous row ({@link BaseCalculator}, shared); (2) rolling sums,
 * max/min and lags of some base values over each window (the part that
 * differs: array kernels vs ring buffers, with the same order of floating
 * additions, so equal bit for bit); (3) feature formulas from the base and
 * rolling values ({@link finishRow}, shared).
 *
 * Definitions (prices p, sizes q, b = best bid, a = best ask, level 1 unless stated):
 * - mid = (b + a) / 2; WAP = (b * q_a + a * q_b) / (q_b + q_a) (cross-weighted, the level-1 micro-price).
 * - ret_1 = ln(WAP_t / WAP_{t-1}) in bps; realized volatility rv_w = sqrt(sum of ret_1^2 over the window) in bps.
 * - spread: absolute (a - b) and relative ((a - b) / mid, bps).
 * - L1 queue imbalance (q_b - q_a) / (q_b + q_a); depth imbalance over L levels: same with sizes summed over levels 1..L.
 * - OFI (Cont, Kukanov, Stoikov 2014, "The price impact of order book events", eq. 2):
 *   e_t = 1{b_t >= b_{t-1}} q_b,t - 1{b_t <= b_{t-1}} q_b,t-1 - 1{a_t <= a_{t-1}} q_a,t + 1{a_t >= a_{t-1}} q_a,t-1;
 *   `ofi_1` = e_t / (q_b + q_a); `ofi_w` = sum e over the window / mean L1 depth over the window.
 * - Multi-level OFI (Xu, Gould, Howison 2018, "Multi-level order-flow imbalance"): e_t per level 1..10, summed with equal
 *   weights, divided by the total 10-level depth (`mlofi_1`) or summed over the window (`mlofi_w`, shares).
 * - Trade signs: the venue's taker side when rows carry `buy_volume`, else the tick rule (sign of the last
 *   price change, carried over unchanged prices; Lee and Ready 1991). Trade-sign imbalance tsi_w = sum signed volume / sum volume.
 * - VWAP deviation: close / VWAP_w - 1 (bps); time since the last trade in seconds.
 * Windows are counted in rows (a row = one sampling interval); the default
 * set is 10 s, 1 min, 5 min and 15 min on a 1-second grid. A window value is
 * NaN until the window is full and while any input inside it is NaN (never
 * filled); ratios with a zero (< 1e-9) denominator are NaN.
 */
import { BOOK_LEVELS, checkRow, frameLength, rowAt, type MarketFrame, type MarketRow } from './data.js';

/** Indices of the per-row base values. */
const B = {
  mid: 0, wap: 1, spreadAbs: 2, spreadBps: 3, imb: 4, wapDevBps: 5, logDepth: 6, r1: 7, ofi: 8, depth: 9, signed: 10, volume: 11,
  closeMidBps: 12, sinceTrade: 13, hasTrade: 14, closeVol: 15, rPos: 16, rAbs: 17, r1sq: 18,
  depthImb3: 19, depthImb5: 20, depthImb10: 21, logBidDepth10: 22, logAskDepth10: 23, mlofi: 24, bidSlopeBps: 25, askSlopeBps: 26, wap10DevBps: 27, depth10: 28, close: 29,
} as const;
const N_BASE = 30;

/** Base values summed over each window (book ones only with an L10 book). */
const SUM_L1 = [B.r1sq, B.ofi, B.depth, B.signed, B.volume, B.closeVol, B.imb, B.spreadBps, B.hasTrade, B.rPos, B.rAbs] as const;
const SUM_BOOK = [B.mlofi, B.depthImb10] as const;

/** Names of the per-window features, in output order ({@link finishRow} writes them in this order). */
const WINDOW_L1 = ['rv', 'ret', 'ofi', 'tsi', 'log_volume', 'vwap_dev_bps', 'imbalance_mean', 'spread_mean_bps', 'range_bps', 'range_pos', 'trades', 'up_ratio', 'imbalance_change'] as const;
const WINDOW_BOOK = ['mlofi', 'depth_imbalance_10_mean'] as const;
const BASE_L1 = ['spread_abs', 'spread_bps', 'imbalance_l1', 'wap_dev_bps', 'log_depth_l1', 'ret_1', 'ofi_1', 'signed_volume_1', 'log_volume_1', 'close_mid_bps', 'secs_since_trade'] as const;
const BASE_BOOK = ['depth_imbalance_3', 'depth_imbalance_5', 'depth_imbalance_10', 'log_bid_depth_10', 'log_ask_depth_10', 'mlofi_1', 'bid_slope_bps', 'ask_slope_bps', 'wap10_dev_bps'] as const;

/** Which features to compute. */
export interface FeatureConfig {
  /** Window lengths in rows, ascending. */
  windows: number[];
  /** Name suffix of each window (e.g. '1m'). */
  windowNames: string[];
  /** Compute the L10 book features (the data must carry a book). */
  book: boolean;
}

/** Options of {@link featureConfig}. */
export interface FeatureConfigOptions {
  /** Row interval in ms (default 1000). 0 = event time: windows are then given in rows by `windowRows`. */
  intervalMs?: number;
  /** Window lengths in seconds (default [10, 60, 300, 900]: 10 s, 1 min, 5 min, 15 min). */
  windowsSec?: number[];
  /** Window lengths in rows for event-time data (default [10, 50, 100, 200]). */
  windowRows?: number[];
  /** L10 book features (default false). */
  book?: boolean;
}

function durationName(sec: number): string {
  if (sec % 3600 === 0) return `${sec / 3600}h`;
  if (sec % 60 === 0) return `${sec / 60}m`;
  return `${sec}s`;
}

/**
 * Builds a {@link FeatureConfig}: windows in seconds on a grid of `intervalMs`, or rows for event time.
 * @throws RangeError when a window is not a whole number (>= 2) of rows.
 */
export function featureConfig(opts: FeatureConfigOptions = {}): FeatureConfig {
  const interval = opts.intervalMs ?? 1000;
  let windows: number[];
  let names: string[];
  if (interval === 0) {
    windows = opts.windowRows ?? [10, 50, 100, 200];
    names = windows.map((w) => `${w}ev`);
  } else {
    const secs = opts.windowsSec ?? [10, 60, 300, 900];
    windows = secs.map((s) => (s * 1000) / interval);
    names = secs.map(durationName);
  }
  windows.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 2) throw new RangeError(`featureConfig: window ${names[i]} is ${w} rows; it must be a whole number >= 2 of rows`);
  });
  return { windows, windowNames: names, book: opts.book ?? false };
}

/** Feature names of a config, in column order: base features (1-row timeframe), then each window's. */
export function featureNames(cfg: FeatureConfig): string[] {
  const out: string[] = [...BASE_L1];
  if (cfg.book) out.push(...BASE_BOOK);
  cfg.windowNames.forEach((wn) => {
    for (const n of WINDOW_L1) out.push(`${n}_${wn}`);
    if (cfg.book) for (const n of WINDOW_BOOK) out.push(`${n}_${wn}`);
  });
  return out;
}

/** Bases summed per window under `cfg`. */
function sumBases(cfg: FeatureConfig): number[] {
  return cfg.book ? [...SUM_L1, ...SUM_BOOK] : [...SUM_L1];
}

/** Rolling values per window: the sums, then max WAP, min WAP, WAP lagged w rows, imbalance lagged w rows. */
function rollWidth(cfg: FeatureConfig): number {
  return sumBases(cfg).length + 4;
}

const ratio = (num: number, den: number) => (Math.abs(den) < 1e-9 ? NaN : num / den);

/**
 * Per-row base values from the row and the calculator's memory of the
 * previous row (shared by both implementations). Pure apart from that memory.
 */
export class BaseCalculator {
  private prevBid = NaN;
  private prevAsk = NaN;
  private prevBidSize = NaN;
  private prevAskSize = NaN;
  private prevWap = NaN;
  private prevClose = NaN;
  private tickSign = 0;
  private lastTradeTs = NaN;
  private prevBook: { bidPrice: Float64Array; bidSize: Float64Array; askPrice: Float64Array; askSize: Float64Array } | null = null;

  constructor(private readonly book: boolean) {}

  /**
   * Writes the base values of `row` into `out[0 .. N_BASE)`.
   * @throws RangeError when the config wants book features and the row has no book.
   */
  step(row: MarketRow, out: Float64Array): void {
    const b = row.bid_price, a = row.ask_price, qb = row.bid_volume, qa = row.ask_volume;
    const mid = (b + a) / 2;
    const depth = qb + qa;
    const wap = (b * qa + a * qb) / depth;
    out[B.mid] = mid;
    out[B.wap] = wap;
    out[B.spreadAbs] = a - b;
    out[B.spreadBps] = ((a - b) / mid) * 1e4;
    out[B.imb] = (qb - qa) / depth;
    out[B.wapDevBps] = ((wap - mid) / mid) * 1e4;
    out[B.logDepth] = Math.log(depth);
    out[B.depth] = depth;
    const r1 = Math.log(wap / this.prevWap) * 1e4;
    out[B.r1] = r1;
    out[B.r1sq] = r1 * r1;
    out[B.rPos] = r1 > 0 ? r1 : r1 === r1 ? 0 : NaN;
    out[B.rAbs] = Math.abs(r1);
    out[B.ofi] = ofiTerm(b, qb, a, qa, this.prevBid, this.prevBidSize, this.prevAsk, this.prevAskSize);
    const vol = row.volume;
    let signed: number;
    if (row.buy_volume !== undefined) signed = 2 * row.buy_volume - vol;
    else {
      const d = row.close - this.prevClose;
      if (d > 0) this.tickSign = 1;
      else if (d < 0) this.tickSign = -1;
      signed = this.tickSign * vol;
    }
    out[B.signed] = signed;
    out[B.volume] = vol;
    out[B.closeMidBps] = ((row.close - mid) / mid) * 1e4;
    out[B.close] = row.close;
    out[B.closeVol] = row.close * vol;
    out[B.hasTrade] = vol > 0 ? 1 : 0;
    if (vol > 0) this.lastTradeTs = row.timestamp;
    out[B.sinceTrade] = (row.timestamp - this.lastTradeTs) / 1000;
    this.prevBid = b;
    this.prevAsk = a;
    this.prevBidSize = qb;
    this.prevAskSize = qa;
    this.prevWap = wap;
    this.prevClose = row.close;
    if (this.book) this.bookStep(row, mid, out);
  }

  private bookStep(row: MarketRow, mid: number, out: Float64Array): void {
    const bk = row.book;
    if (!bk) throw new RangeError(`features: the config has book features but the row at ${row.timestamp} has no book`);
    let bidCum = 0, askCum = 0, bidDist = 0, askDist = 0, pxSz = 0, ml = 0;
    const prev = this.prevBook;
    for (let l = 0; l < BOOK_LEVELS; l++) {
      const bp = bk.bidPrice[l]!, bs = bk.bidSize[l]!, ap = bk.askPrice[l]!, as = bk.askSize[l]!;
      bidCum += bs;
      askCum += as;
      bidDist += bs * (mid - bp);
      askDist += as * (ap - mid);
      pxSz += bp * bs + ap * as;
      ml += prev ? ofiTerm(bp, bs, ap, as, prev.bidPrice[l]!, prev.bidSize[l]!, prev.askPrice[l]!, prev.askSize[l]!) : NaN;
      if (l === 2) out[B.depthImb3] = (bidCum - askCum) / (bidCum + askCum);
      if (l === 4) out[B.depthImb5] = (bidCum - askCum) / (bidCum + askCum);
    }
    const total = bidCum + askCum;
    out[B.depthImb10] = (bidCum - askCum) / total;
    out[B.logBidDepth10] = Math.log(bidCum);
    out[B.logAskDepth10] = Math.log(askCum);
    out[B.depth10] = total;
    out[B.mlofi] = ml;
    out[B.bidSlopeBps] = (bidDist / bidCum / mid) * 1e4;
    out[B.askSlopeBps] = (askDist / askCum / mid) * 1e4;
    out[B.wap10DevBps] = ((pxSz / total - mid) / mid) * 1e4;
    if (!prev) this.prevBook = { bidPrice: new Float64Array(BOOK_LEVELS), bidSize: new Float64Array(BOOK_LEVELS), askPrice: new Float64Array(BOOK_LEVELS), askSize: new Float64Array(BOOK_LEVELS) };
    for (let l = 0; l < BOOK_LEVELS; l++) {
      this.prevBook!.bidPrice[l] = bk.bidPrice[l]!;
      this.prevBook!.bidSize[l] = bk.bidSize[l]!;
      this.prevBook!.askPrice[l] = bk.askPrice[l]!;
      this.prevBook!.askSize[l] = bk.askSize[l]!;
    }
  }
}

/**
 * One level's order-flow imbalance e_t (Cont, Kukanov, Stoikov 2014, eq. 2) from the
 * level's bid/ask price and size now and at the previous row; NaN without a previous row.
 */
export function ofiTerm(b: number, qb: number, a: number, qa: number, pb: number, pqb: number, pa: number, pqa: number): number {
  if (pb !== pb) return NaN;
  return (b >= pb ? qb : 0) - (b <= pb ? pqb : 0) - (a <= pa ? qa : 0) + (a >= pa ? pqa : 0);
}

/**
 * Feature formulas of one row from its base values and rolling values
 * (shared by both implementations). Writes `featureNames(cfg).length` values at `out[o ..]`.
 */
function finishRow(cfg: FeatureConfig, base: Float64Array, roll: Float64Array, out: Float64Array, o: number): void {
  out[o++] = base[B.spreadAbs]!;
  out[o++] = base[B.spreadBps]!;
  out[o++] = base[B.imb]!;
  out[o++] = base[B.wapDevBps]!;
  out[o++] = base[B.logDepth]!;
  out[o++] = base[B.r1]!;
  out[o++] = base[B.ofi]! / base[B.depth]!;
  out[o++] = base[B.signed]!;
  out[o++] = Math.log1p(base[B.volume]!);
  out[o++] = base[B.closeMidBps]!;
  out[o++] = base[B.sinceTrade]!;
  if (cfg.book) {
    out[o++] = base[B.depthImb3]!;
    out[o++] = base[B.depthImb5]!;
    out[o++] = base[B.depthImb10]!;
    out[o++] = base[B.logBidDepth10]!;
    out[o++] = base[B.logAskDepth10]!;
    out[o++] = base[B.mlofi]! / base[B.depth10]!;
    out[o++] = base[B.bidSlopeBps]!;
    out[o++] = base[B.askSlopeBps]!;
    out[o++] = base[B.wap10DevBps]!;
  }
  const width = rollWidth(cfg);
  const wap = base[B.wap]!;
  cfg.windows.forEach((w, k) => {
    const r = k * width;
    // Sums in SUM_L1 order: r1sq, ofi, depth, signed, volume, closeVol, imb, spreadBps, hasTrade, rPos, rAbs (+ mlofi, depthImb10).
    const r1sq = roll[r]!, ofi = roll[r + 1]!, depth = roll[r + 2]!, signed = roll[r + 3]!, vol = roll[r + 4]!, closeVol = roll[r + 5]!;
    const imb = roll[r + 6]!, spread = roll[r + 7]!, trades = roll[r + 8]!, rPos = roll[r + 9]!, rAbs = roll[r + 10]!;
    const nSum = cfg.book ? SUM_L1.length + SUM_BOOK.length : SUM_L1.length;
    const hi = roll[r + nSum]!, lo = roll[r + nSum + 1]!, wapLag = roll[r + nSum + 2]!, imbLag = roll[r + nSum + 3]!;
    out[o++] = Math.sqrt(r1sq);
    out[o++] = Math.log(wap / wapLag) * 1e4;
    out[o++] = ratio(ofi, depth / w);
    out[o++] = ratio(signed, vol);
    out[o++] = Math.log1p(vol);
    const vwap = ratio(closeVol, vol);
    out[o++] = vwap > 0 ? (base[B.close]! / vwap - 1) * 1e4 : NaN;
    out[o++] = imb / w;
    out[o++] = spread / w;
    out[o++] = ((hi - lo) / wap) * 1e4;
    out[o++] = ratio(wap - lo, hi - lo);
    out[o++] = trades;
    out[o++] = ratio(rPos, rAbs);
    out[o++] = base[B.imb]! - imbLag;
    if (cfg.book) {
      out[o++] = roll[r + 11]!;
      out[o++] = roll[r + 12]! / w;
    }
  });
}

/** Result of {@link computeFeatures}: a T x F matrix, row-major. */
export interface FeatureMatrix {
  names: string[];
  nRows: number;
  nFeatures: number;
  /** Row-major values, `values[t * nFeatures + j]`; NaN where a feature is undefined (warm-up, no trades in a window). */
  values: Float64Array;
  /** Row timestamps (epoch ms), copied from the frame. */
  timestamp: Float64Array;
}

/** Rolling sum of `x` over `w` rows ending at t (NaN until full or while a NaN is inside). Array kernel of the batch path. */
function rollingSumKernel(x: Float64Array, w: number, out: Float64Array, stride: number, o: number): void {
  let s = 0, nan = 0;
  for (let t = 0; t < x.length; t++) {
    const v = x[t]!;
    if (v !== v) nan++;
    else s += v;
    if (t >= w) {
      const old = x[t - w]!;
      if (old !== old) nan--;
      else s -= old;
    }
    out[t * stride + o] = t >= w - 1 && nan === 0 ? s : NaN;
  }
}

/** Rolling max (sign 1) or min (sign -1) over `w` rows by a monotonic deque; NaN until full or while a NaN is inside. */
function rollingExtremeKernel(x: Float64Array, w: number, sign: 1 | -1, out: Float64Array, stride: number, o: number): void {
  const dq = new Int32Array(x.length);
  let head = 0, tail = 0, lastNan = -Infinity;
  for (let t = 0; t < x.length; t++) {
    const v = x[t]!;
    if (v !== v) lastNan = t;
    else {
      while (tail > head && sign * x[dq[tail - 1]!]! <= sign * v) tail--;
      dq[tail++] = t;
    }
    while (tail > head && dq[head]! <= t - w) head++;
    out[t * stride + o] = t >= w - 1 && lastNan <= t - w && tail > head ? x[dq[head]!]! : NaN;
  }
}

/**
 * Batch features of a frame: T x F matrix (names from {@link featureNames}).
 * Row t uses rows 0..t only (tested by perturbing later rows).
 * @throws RangeError when `cfg.book` is set and the frame has no book.
 */
export function computeFeatures(frame: MarketFrame, cfg: FeatureConfig = featureConfig()): FeatureMatrix {
  const T = frameLength(frame);
  if (cfg.book && !frame.book) throw new RangeError('computeFeatures: the config has book features but the frame has no L10 book');
  const calc = new BaseCalculator(cfg.book);
  const base = new Float64Array(T * N_BASE);
  const scratch = new Float64Array(N_BASE);
  for (let t = 0; t < T; t++) {
    calc.step(rowAt(frame, t), scratch);
    base.set(scratch, t * N_BASE);
  }
  const col = (j: number) => {
    const c = new Float64Array(T);
    for (let t = 0; t < T; t++) c[t] = base[t * N_BASE + j]!;
    return c;
  };
  const sums = sumBases(cfg);
  const width = rollWidth(cfg);
  const stride = width * cfg.windows.length;
  const roll = new Float64Array(T * stride);
  const sumCols = sums.map(col);
  const wapCol = col(B.wap), imbCol = col(B.imb);
  cfg.windows.forEach((w, k) => {
    const o = k * width;
    sumCols.forEach((c, j) => rollingSumKernel(c, w, roll, stride, o + j));
    rollingExtremeKernel(wapCol, w, 1, roll, stride, o + sums.length);
    rollingExtremeKernel(wapCol, w, -1, roll, stride, o + sums.length + 1);
    for (let t = 0; t < T; t++) {
      roll[t * stride + o + sums.length + 2] = t >= w ? wapCol[t - w]! : NaN;
      roll[t * stride + o + sums.length + 3] = t >= w ? imbCol[t - w]! : NaN;
    }
  });
  const names = featureNames(cfg);
  const F = names.length;
  const values = new Float64Array(T * F);
  for (let t = 0; t < T; t++) finishRow(cfg, base.subarray(t * N_BASE, (t + 1) * N_BASE), roll.subarray(t * stride, (t + 1) * stride), values, t * F);
  return { names, nRows: T, nFeatures: F, values, timestamp: frame.timestamp.slice() };
}

/** Ring buffer of the last `w` values with a running sum (same addition order as {@link rollingSumKernel}). */
class RollingWindow {
  private readonly ring: Float64Array;
  private head = 0;
  private n = 0;
  private s = 0;
  private nan = 0;
  constructor(readonly w: number) {
    this.ring = new Float64Array(w);
  }
  /** Adds `v`; returns the value that left the window (the one w rows back), NaN when none. */
  push(v: number): number {
    if (v !== v) this.nan++;
    else this.s += v;
    let evicted = NaN;
    if (this.n === this.w) {
      evicted = this.ring[this.head]!;
      if (evicted !== evicted) this.nan--;
      else this.s -= evicted;
    } else this.n++;
    this.ring[this.head] = v;
    this.head = (this.head + 1) % this.w;
    return evicted;
  }
  sum(): number {
    return this.n === this.w && this.nan === 0 ? this.s : NaN;
  }
  /** Max (sign 1) or min (sign -1) of the window by a scan; NaN until full or while a NaN is inside. */
  extreme(sign: 1 | -1): number {
    if (this.n < this.w || this.nan > 0) return NaN;
    let m = this.ring[0]!;
    for (let i = 1; i < this.w; i++) {
      const v = this.ring[i]!;
      if (sign * v > sign * m) m = v;
    }
    return m;
  }
}

/**
 * Streaming features for live use: `add(row)` one row at a time (in time
 * order), `getResult()` the latest feature vector. Gives the same values,
 * bit for bit, as {@link computeFeatures} on the same rows (tested).
 */
export class FeatureStream {
  readonly names: string[];
  private readonly calc: BaseCalculator;
  private readonly base = new Float64Array(N_BASE);
  private readonly roll: Float64Array;
  private readonly sums: RollingWindow[][];
  private readonly wapWin: RollingWindow[];
  private readonly imbWin: RollingWindow[];
  private readonly out: Float64Array;
  private lastTs = -Infinity;
  private count = 0;

  constructor(readonly cfg: FeatureConfig = featureConfig()) {
    this.names = featureNames(cfg);
    this.calc = new BaseCalculator(cfg.book);
    const sums = sumBases(cfg);
    this.roll = new Float64Array(rollWidth(cfg) * cfg.windows.length);
    this.sums = cfg.windows.map((w) => sums.map(() => new RollingWindow(w)));
    this.wapWin = cfg.windows.map((w) => new RollingWindow(w));
    this.imbWin = cfg.windows.map((w) => new RollingWindow(w));
    this.out = new Float64Array(this.names.length);
  }

  /** Rows seen so far. */
  get length(): number {
    return this.count;
  }

  /**
   * Adds one row and updates every feature.
   * @throws RangeError when the timestamp does not increase or a value is invalid ({@link checkRow}); the stream is unchanged then.
   */
  add(row: MarketRow): void {
    checkRow(row, this.cfg.book);
    if (!(row.timestamp > this.lastTs)) throw new RangeError(`FeatureStream.add: timestamp ${row.timestamp} is not after the previous row's ${this.lastTs}`);
    this.lastTs = row.timestamp;
    this.count++;
    this.calc.step(row, this.base);
    const sums = sumBases(this.cfg);
    const width = rollWidth(this.cfg);
    for (let k = 0; k < this.cfg.windows.length; k++) {
      const o = k * width;
      const wins = this.sums[k]!;
      for (let j = 0; j < sums.length; j++) {
        wins[j]!.push(this.base[sums[j]!]!);
        this.roll[o + j] = wins[j]!.sum();
      }
      const wapLag = this.wapWin[k]!.push(this.base[B.wap]!);
      const imbLag = this.imbWin[k]!.push(this.base[B.imb]!);
      this.roll[o + sums.length] = this.wapWin[k]!.extreme(1);
      this.roll[o + sums.length + 1] = this.wapWin[k]!.extreme(-1);
      this.roll[o + sums.length + 2] = wapLag;
      this.roll[o + sums.length + 3] = imbLag;
    }
    finishRow(this.cfg, this.base, this.roll, this.out, 0);
  }

  /** The latest feature vector (a view into the stream's buffer: copy it to keep it). */
  getResult(): Float64Array {
    return this.out;
  }

  /** The latest mid price (for labels, stops and the risk manager). */
  get mid(): number {
    return this.base[B.mid]!;
  }
}
