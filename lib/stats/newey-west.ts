/**
 * Newey-West heteroskedasticity- and autocorrelation-consistent t-statistic
 * of a mean (moved here from lib/factors, which uses it for IC series).
 *
 * @module
 */

/**
 * Newey-West (1987) t-statistic of the mean of the non-NaN values of `x`
 * (NaN entries are removed, the remaining order kept) with a Bartlett kernel
 * over `lags` lags: var(mean) = (g0 + 2 sum_{l=1..L} (1 - l/(L+1)) g_l) / n,
 * g_l = sum_t (x_t - m)(x_{t-l} - m) / n. With lags = 0 this is the mean over
 * its population-variance standard error. Used for IC series of horizons > 1,
 * whose overlapping forward returns make consecutive ICs autocorrelated
 * (lags = horizon - 1). NaN with fewer than 2 values or a non-positive variance.
 */
export function neweyWestT(x: ArrayLike<number>, lags: number): { t: number; n: number } {
  const v: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!)) v.push(x[i]!);
  const n = v.length;
  if (n < 2) return { t: NaN, n };
  let m = 0;
  for (const u of v) m += u;
  m /= n;
  const d = v.map((u) => u - m);
  let s = 0;
  for (const u of d) s += u * u;
  const L = Math.min(lags, n - 1);
  for (let l = 1; l <= L; l++) {
    let g = 0;
    for (let t = l; t < n; t++) g += d[t]! * d[t - l]!;
    s += 2 * (1 - l / (L + 1)) * g;
  }
  const varMean = s / n / n;
  return { t: varMean > 0 ? m / Math.sqrt(varMean) : NaN, n };
}
