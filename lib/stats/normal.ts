/**
 * The standard normal distribution, once for the whole project: p-values,
 * the probabilistic and deflated Sharpe ratios (lib/stats multiple.ts) and
 * the TPE sampler's truncated Gaussians (lib/optimize special.ts) use these.
 *
 * - `erfc` / `logErfc`: for |x| < 2.5 the everywhere-convergent series
 *   erf(x) = 2/√π · e^{-x²} · Σ_n 2^n x^{2n+1} / (1·3·…·(2n+1)) (Abramowitz &
 *   Stegun 7.1.6, all terms positive, so no cancellation); for x ≥ 2.5 the
 *   Laplace continued fraction erfc(x) = e^{-x²}/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …))))
 *   (A&S 7.1.14) evaluated with the modified Lentz method, in log form so that
 *   `logErfc` never underflows. Relative error ~1e-15 (tested against CPython's
 *   `math.erfc`).
 * - `normalPpf`: Wichura's AS241 (PPND16, 1988), relative accuracy ~1e-16.
 *
 * (Replaces the Numerical Recipes erfc, fractional error 1.2e-7, and Acklam's
 * inverse with one Halley step that p-values and the deflated Sharpe used before.)
 */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf(x) for |x| < 2.5 by the positive-term series (A&S 7.1.6). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** log of the continued-fraction denominator K(x) with erfc(x) = e^{-x²}/(√π K(x)), x ≥ 2.5. */
function logErfcCfDenominator(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.log(f);
}

/** Complementary error function erfc(x) = 1 - erf(x) (see the module comment for the method). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 2.5) return Math.exp(-x * x - LOG_SQRT_PI - logErfcCfDenominator(x));
  if (x <= -2.5) return 2 - Math.exp(-x * x - LOG_SQRT_PI - logErfcCfDenominator(-x));
  return 1 - erfSeries(x);
}

/** Error function erf(x). */
export function erf(x: number): number {
  if (Math.abs(x) < 2.5) return erfSeries(x);
  return 1 - erfc(x);
}

/** log(erfc(x)), finite for every finite x (no underflow for large x). */
export function logErfc(x: number): number {
  if (x >= 2.5) return -x * x - LOG_SQRT_PI - logErfcCfDenominator(x);
  return Math.log(erfc(x));
}

/** Standard normal CDF Φ(x) = ½ erfc(-x/√2); NaN for NaN. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** log Φ(x), accurate in both tails (left tail via {@link logErfc}, right half via log1p(-Φ(-x))). */
export function logNormalCdf(x: number): number {
  if (x > 0) return Math.log1p(-normalCdf(-x));
  return Math.log(0.5) + logErfc(-x / SQRT2);
}

/** Standard normal log density log φ(x) = -x²/2 - log √(2π). */
export function normalLogPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/**
 * Inverse standard normal CDF Φ⁻¹(p), Wichura's AS241 (PPND16).
 * Returns -Infinity at p = 0, +Infinity at p = 1, NaN outside [0, 1].
 */
export function normalPpf(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    const num =
      (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
        13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608) * q;
    const den =
      ((((((5226.495278852854561 * r + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1;
    return num / den;
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let num: number;
  let den: number;
  if (r <= 5) {
    r -= 1.6;
    num =
      ((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734;
    den =
      ((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1;
  } else {
    r -= 5;
    num =
      ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772;
    den =
      ((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1;
  }
  const x = num / den;
  return q < 0 ? -x : x;
}

/**
 * Inverse of {@link logNormalCdf}: the x with log Φ(x) = y (y ≤ 0). Starts from
 * AS241 (on 1 - p via expm1 when p > ½, from the Mills-ratio asymptote when
 * e^y underflows) and polishes with two Newton steps on log Φ.
 */
export function normalPpfFromLog(y: number): number {
  if (Number.isNaN(y) || y > 0) return NaN;
  if (y === 0) return Infinity;
  if (y === -Infinity) return -Infinity;
  let x: number;
  if (y > -0.6931471805599453) x = -normalPpf(-Math.expm1(y));
  else if (y > -700) x = normalPpf(Math.exp(y));
  else {
    const t = -2 * y;
    x = -Math.sqrt(t - Math.log(t) - Math.log(2 * Math.PI));
  }
  for (let i = 0; i < 2; i++) {
    const ly = logNormalCdf(x);
    const slope = Math.exp(normalLogPdf(x) - ly); // d logΦ / dx
    if (!Number.isFinite(slope) || slope === 0) break;
    const nx = x - (ly - y) / slope;
    if (!Number.isFinite(nx)) break;
    x = nx;
  }
  return x;
}

