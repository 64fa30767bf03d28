/**
 * Performance statistics of a per-bar return series (fractions, 0.01 = 1%).
 * Conventions follow empyrical / pyfolio: risk-free rate 0, sample std
 * (ddof = 1), compounding equity for drawdowns and annual return.
 */
import { kurtosis, mean, skewness, std } from './descriptive.js';

/** Summary of a return series. All returns and drawdowns are fractions; ratios are annualized with `annualization`. */
export interface PerformanceStats {
  /** Bars per year used to annualize (252 for daily equities; 8,760 for 1h 24/7 crypto). */
  annualization: number;
  /** Number of non-NaN bars used. */
  nBars: number;
  /** prod(1 + r) - 1. */
  totalReturn: number;
  /** Compound annual growth rate: (1 + totalReturn)^(annualization / nBars) - 1. */
  annualReturn: number;
  /** std(r, ddof=1) * sqrt(annualization). */
  annualVolatility: number;
  /** mean(r) / std(r, ddof=1) * sqrt(annualization); NaN when std = 0. */
  sharpe: number;
  /** mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(annualization) (downside deviation with target 0 over all bars); NaN when no bar is negative. */
  sortino: number;
  /** Largest peak-to-trough fall of the compounded equity curve, as a positive fraction (0.2 = -20%). */
  maxDrawdown: number;
  /** annualReturn / maxDrawdown; NaN when maxDrawdown = 0. */
  calmar: number;
  /** Share of bars with r > 0 among bars with r != 0 (NaN if none). */
  hitRate: number;
  /** Per-bar (not annualized) Sharpe mean/std, as used by PSR/DSR. */
  sharpePerBar: number;
  /** Skewness of r (biased moment estimator). */
  skew: number;
  /** Kurtosis of r (not excess; normal = 3). */
  kurtosis: number;
}

/**
 * Performance statistics of a per-bar simple return series. NaN bars are
 * skipped (not treated as 0): pass 0 for flat bars.
 * @throws RangeError when `annualization` is not positive.
 */
export function performanceStats(returns: ArrayLike<number>, annualization: number): PerformanceStats {
  if (!(annualization > 0)) throw new RangeError(`performanceStats: annualization must be > 0, got ${annualization}`);
  let equity = 1;
  let peak = 1;
  let maxDd = 0;
  let n = 0;
  let downSq = 0;
  let up = 0;
  let nonZero = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (Number.isNaN(r)) continue;
    n++;
    equity *= 1 + r;
    if (equity > peak) peak = equity;
    const dd = 1 - equity / peak;
    if (dd > maxDd) maxDd = dd;
    if (r < 0) downSq += r * r;
    if (r !== 0) {
      nonZero++;
      if (r > 0) up++;
    }
  }
  const m = mean(returns);
  const s = std(returns, 1);
  const totalReturn = equity - 1;
  const annualReturn = n > 0 && equity > 0 ? Math.pow(equity, annualization / n) - 1 : n > 0 ? -1 : NaN;
  const sharpePerBar = s > 0 ? m / s : NaN;
  const downDev = n > 0 ? Math.sqrt(downSq / n) : NaN;
  return {
    annualization,
    nBars: n,
    totalReturn: n > 0 ? totalReturn : NaN,
    annualReturn,
    annualVolatility: s * Math.sqrt(annualization),
    sharpe: sharpePerBar * Math.sqrt(annualization),
    sortino: downDev > 0 ? (m / downDev) * Math.sqrt(annualization) : NaN,
    maxDrawdown: n > 0 ? maxDd : NaN,
    calmar: maxDd > 0 ? annualReturn / maxDd : NaN,
    hitRate: nonZero > 0 ? up / nonZero : NaN,
    sharpePerBar,
    skew: skewness(returns),
    kurtosis: kurtosis(returns),
  };
}

/**
 * Drawdown series of the compounded equity curve: dd[t] = equity[t] / max_{s<=t} equity[s] - 1
 * (<= 0, fractions). NaN returns keep the previous equity (and give NaN drawdown at that bar).
 */
export function drawdownSeries(returns: ArrayLike<number>): Float64Array {
  const out = new Float64Array(returns.length);
  let equity = 1;
  let peak = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (Number.isNaN(r)) {
      out[i] = NaN;
      continue;
    }
    equity *= 1 + r;
    if (equity > peak) peak = equity;
    out[i] = equity / peak - 1;
  }
  return out;
}

/** Compounded equity curve from 1: eq[t] = prod_{s<=t}(1 + r[s]); NaN returns count as 0 and keep the level. */
export function equityCurve(returns: ArrayLike<number>): Float64Array {
  const out = new Float64Array(returns.length);
  let equity = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (!Number.isNaN(r)) equity *= 1 + r;
    out[i] = equity;
  }
  return out;
}
