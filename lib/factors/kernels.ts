/**
 * Pure per-date kernels of factor validation on dates x assets typed arrays
 * (date-major: the value of asset `a` at bar `t` is `x[t * N + a]`, NaN =
 * missing). No I/O, no per-cell object allocation: each kernel makes one pass
 * (or one sort per date) over the panel and writes into typed arrays.
 *
 * Conventions named here once and used throughout lib/factors:
 * - Ranks are 1-based average-tie ranks ("average" method of scipy `rankdata`),
 *   computed per date over the assets that have a value that date.
 * - IC is the per-date Pearson correlation, Rank IC the per-date Spearman
 *   correlation, both over the assets where factor and forward return are both
 *   present (pairwise deletion), as alphalens `factor_information_coefficient`.
 * - Quantile buckets are equal-count buckets of the per-date factor ranks.
 */
import { RANK_AVERAGE, RowRanker } from '../stats/rank.js';

/** Throws a RangeError naming `name` unless `x` is an integer >= `min`. */
export function checkInt(name: string, x: number, min: number): void {
  if (!Number.isInteger(x) || x < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${x}`);
}

/** Throws a RangeError unless `arr.length === T * N`, naming the argument. */
export function checkShape(name: string, arr: ArrayLike<number>, T: number, N: number): void {
  if (arr.length !== T * N) throw new RangeError(`${name} has length ${arr.length}, expected nDates x nAssets = ${T} x ${N} = ${T * N}`);
}

/**
 * Forward simple returns over `horizon` bars with `delay`, dates x assets:
 * `fwd[t, a] = price[t + delay + horizon, a] / price[t + delay, a] - 1`.
 * delay 0: the position is entered at the close of bar t (the bar whose data
 * produced the signal); delay 1: entered at the close of bar t + 1 (one bar to
 * act, the BRAIN "delay 1" convention). NaN where either price is missing or
 * the window runs past the last bar (never filled).
 * @throws RangeError for a bad horizon / delay / shape; Error naming the row and
 *   asset of a non-positive price.
 */
export function forwardReturnsKernel(price: Float64Array, T: number, N: number, horizon: number, delay: number): Float64Array {
  checkInt('horizon', horizon, 1);
  if (delay !== 0 && delay !== 1) throw new RangeError(`delay must be 0 or 1, got ${delay}`);
  checkShape('price', price, T, N);
  const out = new Float64Array(T * N).fill(NaN);
  const shift = delay + horizon;
  for (let t = 0; t + shift < T; t++) {
    const o0 = (t + delay) * N;
    const o1 = (t + shift) * N;
    const oo = t * N;
    for (let a = 0; a < N; a++) {
      const p0 = price[o0 + a]!;
      const p1 = price[o1 + a]!;
      if (p0 <= 0 || p1 <= 0) {
        const bad = p0 <= 0 ? t + delay : t + shift;
        throw new Error(`forwardReturns: non-positive price ${p0 <= 0 ? p0 : p1} at row ${bad}, asset index ${a}`);
      }
      out[oo + a] = p1 / p0 - 1; // NaN propagates when either price is NaN
    }
  }
  return out;
}

/** Per-date ranks of a panel: ranks (dates x assets), per-date counts, and per-date ascending order. */
export interface RankedRows {
  /** Average-tie ranks, 1-based, dates x assets, NaN where the value is NaN. */
  ranks: Float64Array;
  /** Number of ranked (non-NaN) values per date, length T. */
  counts: Int32Array;
  /** Per date t, `order[t*N .. t*N + counts[t])` = asset positions in ascending value order. */
  order: Int32Array;
}

/**
 * Per-date average-tie ranks (1-based; scipy `rankdata(method='average')`,
 * -0 and +0 tie) of a dates x assets panel over the assets with a value that
 * date, with the per-date counts and ascending sort order. Uses the shared
 * rank kernel of lib/stats ({@link RowRanker}).
 */
export function rankRows(x: Float64Array, T: number, N: number): RankedRows {
  checkShape('values', x, T, N);
  const ranks = new Float64Array(T * N);
  const counts = new Int32Array(T);
  const order = new Int32Array(T * N);
  const ranker = new RowRanker(N);
  for (let t = 0; t < T; t++) {
    const m = ranker.rankRow(x, t * N, N, ranks, t * N, RANK_AVERAGE);
    counts[t] = m;
    order.set(ranker.idx.subarray(0, m), t * N);
  }
  return { ranks, counts, order };
}

/**
 * Average-tie ranks within a subset, from a row's full ascending order: walks
 * `order[off .. off+m)` and ranks only the assets with `mask[a] = 1` (ties =
 * equal values of `x`), writing `out[a]` for them. O(m), no sort.
 */
function subsetRanks(x: Float64Array, xo: number, order: Int32Array, off: number, m: number, mask: Uint8Array, out: Float64Array, tmp: Int32Array): void {
  let pos = 0;
  let i = 0;
  while (i < m) {
    const a = order[off + i]!;
    const v = x[xo + a]!;
    let cnt = 0;
    let j = i;
    while (j < m) {
      const b = order[off + j]!;
      if (x[xo + b] !== v) break;
      if (mask[b] === 1) tmp[cnt++] = b;
      j++;
    }
    if (cnt > 0) {
      const r = pos + (cnt + 1) / 2;
      for (let q = 0; q < cnt; q++) out[tmp[q]!] = r;
      pos += cnt;
    }
    i = j;
  }
}

/**
 * Per-date Pearson correlation of rows of `x` and `y` over the assets where
 * both are present (two-pass: means first). NaN on a date with fewer than
 * `minPairs` pairs or zero variance on either side. Length T.
 */
export function rowPearson(x: Float64Array, y: Float64Array, T: number, N: number, minPairs: number): Float64Array {
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const o = t * N;
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let a = 0; a < N; a++) {
      const u = x[o + a]!;
      const v = y[o + a]!;
      if (u !== u || v !== v) continue;
      sx += u;
      sy += v;
      n++;
    }
    if (n < minPairs || n < 2) {
      out[t] = NaN;
      continue;
    }
    const mx = sx / n;
    const my = sy / n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let a = 0; a < N; a++) {
      const u = x[o + a]!;
      const v = y[o + a]!;
      if (u !== u || v !== v) continue;
      const du = u - mx;
      const dv = v - my;
      sxx += du * du;
      syy += dv * dv;
      sxy += du * dv;
    }
    out[t] = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
  }
  return out;
}

/**
 * Per-date Spearman correlation (Rank IC) of rows of `x` and `y`: the Pearson
 * correlation of average-tie ranks taken within the assets where both are
 * present that date (scipy `spearmanr` on the pairwise-complete data). Uses the
 * precomputed per-row ranks (`xr`, `yr`, see {@link rankRows}) when the
 * pairwise-complete set equals both valid sets, and otherwise re-ranks the
 * common subset from each row's sort order in O(N) (no new sort). NaN with
 * fewer than `minPairs` pairs or a constant side. Length T.
 */
export function rowSpearman(x: Float64Array, xr: RankedRows, y: Float64Array, yr: RankedRows, T: number, N: number, minPairs: number): Float64Array {
  const out = new Float64Array(T);
  const mask = new Uint8Array(N);
  const rx = new Float64Array(N);
  const ry = new Float64Array(N);
  const tmp = new Int32Array(N);
  for (let t = 0; t < T; t++) {
    const o = t * N;
    let n = 0;
    for (let a = 0; a < N; a++) {
      const u = x[o + a]!;
      const v = y[o + a]!;
      const both = u === u && v === v ? 1 : 0;
      mask[a] = both;
      n += both;
    }
    if (n < minPairs || n < 2) {
      out[t] = NaN;
      continue;
    }
    let A: Float64Array;
    let B: Float64Array;
    let off: number;
    if (n === xr.counts[t] && n === yr.counts[t]) {
      A = xr.ranks;
      B = yr.ranks;
      off = o;
    } else {
      subsetRanks(x, o, xr.order, o, xr.counts[t]!, mask, rx, tmp);
      subsetRanks(y, o, yr.order, o, yr.counts[t]!, mask, ry, tmp);
      A = rx;
      B = ry;
      off = 0;
    }
    // Ranks over exactly the n common values have mean (n + 1) / 2.
    const m = (n + 1) / 2;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let a = 0; a < N; a++) {
      if (mask[a] === 0) continue;
      const du = A[off + a]! - m;
      const dv = B[off + a]! - m;
      sxx += du * du;
      syy += dv * dv;
      sxy += du * dv;
    }
    out[t] = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
  }
  return out;
}

/**
 * IC and Rank IC per date in one pass over the rows: `ic[t]` = {@link rowPearson}
 * and `rankIc[t]` = {@link rowSpearman} of the same rows (pairwise-complete
 * assets, NaN with fewer than `minPairs` pairs or a constant side). Each side's
 * precomputed ranks are reused when its valid set equals the common set, and
 * re-ranked within the common set from its sort order otherwise. Length T each.
 */
export function rowIcPair(x: Float64Array, xr: RankedRows, y: Float64Array, yr: RankedRows, T: number, N: number, minPairs: number): { ic: Float64Array; rankIc: Float64Array } {
  const ic = new Float64Array(T);
  const rankIc = new Float64Array(T);
  const mask = new Uint8Array(N);
  const rx = new Float64Array(N);
  const ry = new Float64Array(N);
  const tmp = new Int32Array(N);
  for (let t = 0; t < T; t++) {
    const o = t * N;
    let n = 0;
    let sx = 0;
    let sy = 0;
    for (let a = 0; a < N; a++) {
      const u = x[o + a]!;
      const v = y[o + a]!;
      if (u === u && v === v) {
        mask[a] = 1;
        n++;
        sx += u;
        sy += v;
      } else mask[a] = 0;
    }
    if (n < minPairs || n < 2) {
      ic[t] = NaN;
      rankIc[t] = NaN;
      continue;
    }
    let A: Float64Array;
    let aOff: number;
    if (n === xr.counts[t]) {
      A = xr.ranks;
      aOff = o;
    } else {
      subsetRanks(x, o, xr.order, o, xr.counts[t]!, mask, rx, tmp);
      A = rx;
      aOff = 0;
    }
    let B: Float64Array;
    let bOff: number;
    if (n === yr.counts[t]) {
      B = yr.ranks;
      bOff = o;
    } else {
      subsetRanks(y, o, yr.order, o, yr.counts[t]!, mask, ry, tmp);
      B = ry;
      bOff = 0;
    }
    const mx = sx / n;
    const my = sy / n;
    const mr = (n + 1) / 2; // mean of ranks 1..n
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    let rxx = 0;
    let ryy = 0;
    let rxy = 0;
    for (let a = 0; a < N; a++) {
      if (mask[a] === 0) continue;
      const du = x[o + a]! - mx;
      const dv = y[o + a]! - my;
      sxx += du * du;
      syy += dv * dv;
      sxy += du * dv;
      const ru = A[aOff + a]! - mr;
      const rv = B[bOff + a]! - mr;
      rxx += ru * ru;
      ryy += rv * rv;
      rxy += ru * rv;
    }
    ic[t] = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
    rankIc[t] = rxx > 0 && ryy > 0 ? rxy / Math.sqrt(rxx * ryy) : NaN;
  }
  return { ic, rankIc };
}

/**
 * Equal-count quantile buckets per date from per-date average-tie ranks:
 * bucket = floor((rank - 0.5) * Q / n), 0 = lowest factor values, Q - 1 =
 * highest, where n is the number of assets with a factor value that date. With
 * n a multiple of Q every bucket holds n / Q names; otherwise sizes differ by
 * at most one; tied values share a bucket (so a large tie group makes buckets
 * unequal). A date with fewer than `Q` valued assets gets no buckets (-1 for
 * every asset). Returns Int8Array dates x assets, -1 = no bucket.
 */
export function quantileBuckets(ranks: Float64Array, counts: Int32Array, T: number, N: number, Q: number): Int8Array {
  checkInt('quantiles', Q, 2);
  if (Q > 127) throw new RangeError(`quantiles must be <= 127, got ${Q}`);
  const out = new Int8Array(T * N).fill(-1);
  for (let t = 0; t < T; t++) {
    const n = counts[t]!;
    if (n < Q) continue;
    const o = t * N;
    const s = Q / n;
    for (let a = 0; a < N; a++) {
      const r = ranks[o + a]!;
      if (r !== r) continue;
      let b = Math.floor((r - 0.5) * s);
      if (b >= Q) b = Q - 1;
      out[o + a] = b;
    }
  }
  return out;
}

/**
 * Per-date mean of `ret` within each bucket, over the members whose return is
 * present: dates x Q (date-major), NaN for an empty bucket. Also the per-date
 * member counts (with a return), dates x Q.
 */
export function bucketMeans(buckets: Int8Array, ret: Float64Array, T: number, N: number, Q: number): { means: Float64Array; counts: Int32Array } {
  const means = new Float64Array(T * Q);
  const counts = new Int32Array(T * Q);
  const sums = new Float64Array(Q);
  for (let t = 0; t < T; t++) {
    const o = t * N;
    sums.fill(0);
    const oq = t * Q;
    for (let a = 0; a < N; a++) {
      const b = buckets[o + a]!;
      if (b < 0) continue;
      const r = ret[o + a]!;
      if (r !== r) continue;
      sums[b] += r;
      counts[oq + b]++;
    }
    for (let q = 0; q < Q; q++) {
      const c = counts[oq + q]!;
      means[oq + q] = c > 0 ? sums[q]! / c : NaN;
    }
  }
  return { means, counts };
}

/**
 * Per-bar returns of equal-weight bucket portfolios held between rebalances:
 * at each rebalance date k = 0, h, 2h, ... (h = `every`) bucket membership is
 * taken from `buckets[k, :]` and held for bars k .. k + h - 1; the value at
 * (t, q) is the mean of `ret1[t, :]` over the members of bucket q that have a
 * return that bar (`ret1` = one-bar forward returns with the chosen delay, so
 * the value at t is earned after the signal at t). NaN when no member has a
 * return. Returns dates x Q (date-major). Same convention as
 * {@link heldReturns}, in one pass for all buckets.
 */
export function bucketHeldReturns(buckets: Int8Array, ret1: Float64Array, T: number, N: number, Q: number, every: number): Float64Array {
  const out = new Float64Array(T * Q);
  const sums = new Float64Array(Q);
  const cnt = new Int32Array(Q);
  let k = 0;
  for (let t = 0; t < T; t++) {
    if (t % every === 0) k = t;
    const ob = k * N;
    const o = t * N;
    sums.fill(0);
    cnt.fill(0);
    for (let a = 0; a < N; a++) {
      const b = buckets[ob + a]!;
      if (b < 0) continue;
      const r = ret1[o + a]!;
      if (r !== r) continue;
      sums[b] += r;
      cnt[b]++;
    }
    for (let q = 0; q < Q; q++) out[t * Q + q] = cnt[q]! > 0 ? sums[q]! / cnt[q]! : NaN;
  }
  return out;
}

/**
 * Per-bar returns of portfolios held between rebalances. At each rebalance date
 * k = 0, h, 2h, ... (h = `every`) the weights `w[k, :]` are taken from the
 * signal at k and held for bars k .. k + h - 1; the return at bar t is the
 * weighted mean of `ret1[t, :]`, where `ret1` is the one-bar forward return
 * with the chosen delay (so the value at index t is earned after the signal at
 * t, never before). Each leg (positive and negative weights) is renormalized
 * over the members that have a return that bar (a held name without a bar
 * return is left out of that bar, not counted as 0): with long weights summing
 * to +L and short to -S the bar return is L * mean_long - S * mean_short.
 * NaN at a bar where no weighted member has a return. Length T.
 *
 * `weightsAt(k, wOut)` fills `wOut` (length N) with the weights chosen at date
 * k (0 = not held) and returns false when nothing can be held at k.
 */
export function heldReturns(
  ret1: Float64Array, T: number, N: number, every: number,
  weightsAt: (k: number, wOut: Float64Array) => boolean,
): Float64Array {
  const out = new Float64Array(T).fill(NaN);
  const w = new Float64Array(N);
  let held = false;
  let longSum = 0;
  let shortSum = 0;
  for (let t = 0; t < T; t++) {
    if (t % every === 0) {
      w.fill(0);
      held = weightsAt(t, w);
      longSum = 0;
      shortSum = 0;
      for (let a = 0; a < N; a++) {
        const v = w[a]!;
        if (v > 0) longSum += v;
        else if (v < 0) shortSum -= v;
      }
    }
    if (!held) continue;
    const o = t * N;
    let lw = 0;
    let lr = 0;
    let sw = 0;
    let sr = 0;
    for (let a = 0; a < N; a++) {
      const v = w[a]!;
      if (v === 0) continue;
      const r = ret1[o + a]!;
      if (r !== r) continue;
      if (v > 0) {
        lw += v;
        lr += v * r;
      } else {
        sw -= v;
        sr -= v * r;
      }
    }
    if (lw === 0 && sw === 0) continue;
    if ((longSum > 0 && lw === 0) || (shortSum > 0 && sw === 0)) continue; // a whole leg without returns: undefined bar
    out[t] = (lw > 0 ? (longSum * lr) / lw : 0) - (sw > 0 ? (shortSum * sr) / sw : 0);
  }
  return out;
}

/**
 * Quantile turnover per date: the share of the names in bucket `q` at t that
 * were not in bucket `q` at t - `lag` (alphalens `quantile_turnover`):
 * |Q_t \ Q_{t-lag}| / |Q_t|. NaN when bucket q is empty at t or date t - lag
 * has no buckets (or t < lag). Length T.
 */
export function quantileTurnover(buckets: Int8Array, T: number, N: number, q: number, lag: number): Float64Array {
  const out = new Float64Array(T).fill(NaN);
  for (let t = lag; t < T; t++) {
    const o = t * N;
    const p = (t - lag) * N;
    let prevHas = false;
    for (let a = 0; a < N; a++) {
      if (buckets[p + a]! >= 0) {
        prevHas = true;
        break;
      }
    }
    if (!prevHas) continue;
    let n = 0;
    let fresh = 0;
    for (let a = 0; a < N; a++) {
      if (buckets[o + a] !== q) continue;
      n++;
      if (buckets[p + a] !== q) fresh++;
    }
    if (n > 0) out[t] = fresh / n;
  }
  return out;
}

/**
 * Factor rank autocorrelation at `lag` (alphalens
 * `factor_rank_autocorrelation`): per date t, the Pearson correlation between
 * the per-date ranks at t and at t - lag over the assets ranked on both dates
 * (ranks are those of each date's own valid set, not re-ranked). NaN for
 * t < lag, fewer than `minPairs` common assets, or constant ranks. Length T.
 */
export function rankAutocorrelation(ranks: Float64Array, T: number, N: number, lag: number, minPairs: number): Float64Array {
  const out = new Float64Array(T).fill(NaN);
  if (lag >= T) return out;
  const cur = ranks.subarray(lag * N);
  const prev = ranks.subarray(0, (T - lag) * N);
  const r = rowPearson(cur, prev, T - lag, N, minPairs);
  out.set(r, lag);
  return out;
}

/**
 * Trailing mean over the last `window` entries (inclusive) of the non-NaN
 * values of `x`; NaN before `window` entries have passed or when the window
 * holds fewer than `minValid` values (default window / 2, rounded up). Length
 * of x. Uses only x[t - window + 1 .. t] at t.
 */
export function rollingMean(x: Float64Array, window: number, minValid = Math.ceil(window / 2)): Float64Array {
  checkInt('window', window, 1);
  const n = x.length;
  const out = new Float64Array(n).fill(NaN);
  let s = 0;
  let c = 0;
  for (let t = 0; t < n; t++) {
    const v = x[t]!;
    if (v === v) {
      s += v;
      c++;
    }
    if (t >= window) {
      const u = x[t - window]!;
      if (u === u) {
        s -= u;
        c--;
      }
    }
    if (t >= window - 1 && c >= minValid && c > 0) out[t] = s / c;
  }
  return out;
}

/** Newey-West t-statistic of a mean: moved to lib/stats ({@link neweyWestT}); re-exported here for existing callers. */
export { neweyWestT } from '../stats/newey-west.js';

/**
 * Per-date coverage: the share of the tradable universe (assets with a price
 * that date) that has a factor value, count(factor and price present) /
 * count(price present); NaN on a date with no price. Length T.
 */
export function coverageSeries(values: Float64Array, price: Float64Array, T: number, N: number): Float64Array {
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const o = t * N;
    let u = 0;
    let c = 0;
    for (let a = 0; a < N; a++) {
      if (price[o + a]! !== price[o + a]!) continue;
      u++;
      if (values[o + a]! === values[o + a]!) c++;
    }
    out[t] = u > 0 ? c / u : NaN;
  }
  return out;
}

/** Mean of the non-NaN entries of x; NaN when there are none. */
export function nanMean(x: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += v;
      c++;
    }
  }
  return c > 0 ? s / c : NaN;
}
