/**
 * Special functions for the TPE sampler's truncated Gaussian kernels, on
 * plain doubles (no allocation).
 *
 * The normal distribution itself (erfc, Φ, log Φ, Φ⁻¹) is lib/stats normal.ts.
 * - `logGaussMass`, `truncnormPpf`, `truncnormLogPdf`: the formulation used by
 *   SciPy's `truncnorm` and Optuna's `_truncnorm.py` (work in the left tail to
 *   avoid cancellation; central case as log1p(-Φ(a) - Φ(-b))).
 */

import { logNormalCdf, normalCdf, normalLogPdf, normalPpfFromLog } from '../stats/normal.js';

/** log(e^p - e^q) for p ≥ q. */
function logDiff(p: number, q: number): number {
  return p + Math.log1p(-Math.exp(q - p));
}

/** log(e^p + e^q). */
export function logAddExp(p: number, q: number): number {
  if (p === -Infinity) return q;
  if (q === -Infinity) return p;
  const m = Math.max(p, q);
  return m + Math.log1p(Math.exp(-Math.abs(p - q)));
}

/**
 * log of the standard normal probability mass in [a, b] (a ≤ b), computed in
 * the left tail by symmetry, and as log1p(-Φ(a) - Φ(-b)) when a < 0 < b
 * (SciPy `_log_gauss_mass`).
 */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNormalCdf(b), logNormalCdf(a));
  if (a > 0) return logDiff(logNormalCdf(-a), logNormalCdf(-b));
  return Math.log1p(-normalCdf(a) - normalCdf(-b));
}

/**
 * Quantile of the standard normal truncated to [a, b] at probability q ∈ [0, 1]
 * (SciPy/Optuna `truncnorm.ppf` formulation, in log space).
 * Returns a at q = 0, b at q = 1, NaN when a == b.
 */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (a === b) return NaN;
  if (q <= 0) return a;
  if (q >= 1) return b;
  const logMass = logGaussMass(a, b);
  if (a < 0) return normalPpfFromLog(logAddExp(logNormalCdf(a), Math.log(q) + logMass));
  return -normalPpfFromLog(logAddExp(logNormalCdf(-b), Math.log1p(-q) + logMass));
}

/**
 * log density at x of N(mu, sigma²) truncated to [low, high]:
 * log φ(z) - log σ - log(Φ(β) - Φ(α)), z = (x-mu)/σ, α = (low-mu)/σ, β = (high-mu)/σ;
 * -Infinity outside [low, high].
 */
export function truncnormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  if (x < low || x > high) return -Infinity;
  const z = (x - mu) / sigma;
  return normalLogPdf(z) - Math.log(sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma);
}
