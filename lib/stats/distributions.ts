/**
 * Probability distributions used by significance tests. Pure functions on numbers.
 */

/** Euler-Mascheroni constant (used by the expected maximum Sharpe of Bailey & Lopez de Prado). */
export const EULER_GAMMA = 0.5772156649015329;

// The normal distribution (erfc, normalCdf, normalPpf) is normal.ts.

/** ln Gamma(x) for x > 0 (Lanczos approximation, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const g = 7;
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xx = x - 1;
  let s = coef[0]!;
  for (let i = 1; i < g + 2; i++) s += coef[i]! / (xx + i);
  const t = xx + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(s);
}

/**
 * Regularized incomplete beta function I_x(a, b), via the continued fraction
 * of Numerical Recipes (`betai` / `betacf`, Lentz's method).
 * @throws RangeError when x is outside [0, 1] or a, b <= 0.
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x < 0 || x > 1 || !(a > 0) || !(b > 0)) throw new RangeError(`incompleteBeta: need 0 <= x <= 1, a, b > 0 (got x=${x}, a=${a}, b=${b})`);
  if (x === 0 || x === 1) return x;
  const lnBeta = logGamma(a + b) - logGamma(a) - logGamma(b);
  const front = Math.exp(lnBeta + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 3e-16) break;
  }
  return h;
}

/**
 * Student's t CDF with `df` degrees of freedom:
 * P(T <= t) = 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0 (symmetric for t < 0).
 * @throws RangeError when df <= 0.
 */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided p-value of a t statistic with `df` degrees of freedom: 2 * P(T > |t|). NaN for NaN t or df <= 0. */
export function tTestPValue(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}
