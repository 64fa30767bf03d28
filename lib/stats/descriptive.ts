/**
 * Descriptive statistics on typed arrays. Every function skips NaN values
 * (pairwise for two-sample statistics) and says so; none fills them.
 */

/** Count of non-NaN values. */
export function countFinite(x: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!)) n++;
  return n;
}

/**
 * Quantile of the non-NaN values at q in [0, 1] by linear interpolation
 * between order statistics (Hyndman & Fan type 7, NumPy's default
 * `nanquantile` / `nanpercentile` at 100 q): position q (n - 1) in the sorted
 * values. NaN when no value is left or q is outside [0, 1].
 */
export function quantile(x: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) return NaN;
  const v = Array.from(x).filter((a) => !Number.isNaN(a)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = q * (v.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < v.length ? v[i]! + f * (v[i + 1]! - v[i]!) : v[i]!;
}

/** Median of the non-NaN values: {@link quantile} at 0.5 (the mean of the two middle values for an even count). NaN when there are none. */
export function median(x: ArrayLike<number>): number {
  return quantile(x, 0.5);
}

/** Arithmetic mean of the non-NaN values; NaN when there are none. */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : NaN;
}

/**
 * Variance of the non-NaN values with `ddof` delta degrees of freedom
 * (ddof = 1: sample variance, the default; ddof = 0: population). Two-pass
 * (mean first) for numerical stability. NaN when fewer than ddof + 1 values.
 */
export function variance(x: ArrayLike<number>, ddof = 1): number {
  const m = mean(x);
  let ss = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isNaN(v)) {
      ss += (v - m) * (v - m);
      n++;
    }
  }
  return n - ddof > 0 ? ss / (n - ddof) : NaN;
}

/** Standard deviation: sqrt of {@link variance} with the same `ddof` (default 1). */
export function std(x: ArrayLike<number>, ddof = 1): number {
  return Math.sqrt(variance(x, ddof));
}

/**
 * Sample skewness, the biased moment estimator g1 = m3 / m2^{3/2} (population
 * moments, as scipy.stats.skew(bias=True) and as used by Bailey & Lopez de
 * Prado's PSR). NaN with fewer than 3 values or zero variance.
 */
export function skewness(x: ArrayLike<number>): number {
  const m = mean(x);
  let m2 = 0;
  let m3 = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) continue;
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    n++;
  }
  if (n < 3 || m2 === 0) return NaN;
  m2 /= n;
  m3 /= n;
  return m3 / Math.pow(m2, 1.5);
}

/**
 * Kurtosis (not excess): m4 / m2^2 with population moments, so a normal
 * distribution gives 3 (the convention of the PSR / DSR formulas).
 * NaN with fewer than 4 values or zero variance.
 */
export function kurtosis(x: ArrayLike<number>): number {
  const m = mean(x);
  let m2 = 0;
  let m4 = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) continue;
    const d2 = (v - m) * (v - m);
    m2 += d2;
    m4 += d2 * d2;
    n++;
  }
  if (n < 4 || m2 === 0) return NaN;
  m2 /= n;
  m4 /= n;
  return m4 / (m2 * m2);
}

/**
 * Pearson correlation of x and y over the indices where both are non-NaN.
 * NaN when fewer than 2 pairs or either side has zero variance.
 * @throws RangeError when the lengths differ.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`pearson: lengths differ (${x.length} vs ${y.length})`);
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sx += a;
    sy += b;
    n++;
  }
  if (n < 2) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    const da = a - mx;
    const db = b - my;
    sxx += da * da;
    syy += db * db;
    sxy += da * db;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Average-tie ranks, 1-based, of the non-NaN values of `x` (NaN stays NaN):
 * tied values all get the mean of the ranks they span (scipy `rankdata`
 * method 'average').
 */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!)) idx.push(i);
  idx.sort((i, j) => x[i]! - x[j]!);
  let k = 0;
  while (k < idx.length) {
    let e = k + 1;
    while (e < idx.length && x[idx[e]!] === x[idx[k]!]) e++;
    const r = (k + 1 + e) / 2; // mean of ranks k+1..e
    for (let m = k; m < e; m++) out[idx[m]!] = r;
    k = e;
  }
  return out;
}

/**
 * Spearman rank correlation: the Pearson correlation of average-tie ranks,
 * computed over the indices where both x and y are non-NaN (ranks are taken
 * within those pairs only).
 * @throws RangeError when the lengths differ.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`spearman: lengths differ (${x.length} vs ${y.length})`);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    xs.push(a);
    ys.push(b);
  }
  return pearson(averageRanks(xs), averageRanks(ys));
}

/**
 * One-sample t-test of mean = 0 on the non-NaN values: t = mean / (std / sqrt(n))
 * with std ddof = 1 and df = n - 1. Returns NaN fields when n < 2 or std = 0.
 */
export function tStatistic(x: ArrayLike<number>): { t: number; df: number; n: number } {
  const n = countFinite(x);
  const s = std(x, 1);
  const t = n >= 2 && s > 0 ? mean(x) / (s / Math.sqrt(n)) : NaN;
  return { t, df: n - 1, n };
}
