/**
 * Multiple testing across a batch of evaluated factors: Bonferroni and
 * Benjamini-Hochberg adjusted p-values (lib/stats) of each factor's Rank IC
 * p-value, and the deflated Sharpe ratio of each factor's directional
 * long-short portfolio with a common trial count. Pure.
 */
import { benjaminiHochberg, bonferroni, variance } from '../stats/index.js';
import { directionalDeflatedSharpe } from './analyze.js';
import type { FactorAnalysis } from './analyze.js';

/** One factor's row of {@link multipleTesting}. */
export interface MultipleTestingRow {
  /** Factor name (from `names`, or the index). */
  name: string;
  /** Raw p-value used: the grade's p (Rank IC; Newey-West for horizon > 1). */
  p: number;
  /** Bonferroni adjusted p: min(1, p m). */
  bonferroni: number;
  /** Benjamini-Hochberg adjusted p (q-value). */
  bh: number;
  /** p < alpha. */
  passRaw: boolean;
  /** Bonferroni-adjusted p < alpha (family-wise error control). */
  passBonferroni: boolean;
  /** BH-adjusted p <= alpha (false discovery rate control). */
  passBh: boolean;
  /** Deflated Sharpe ratio of the directional long-short portfolio. */
  dsr: number;
  /** dsr > dsrLevel. */
  passDsr: boolean;
  /** Annualized Sharpe of the directional long-short portfolio (top minus bottom times the sign of the mean Rank IC: the side the factor predicts), the Sharpe the DSR deflates. */
  directionalSharpe: number;
}

/** Options of {@link multipleTesting}. */
export interface MultipleTestingOptions {
  /** Significance / FDR level, default 0.05. */
  alpha?: number;
  /** DSR level a factor must exceed, default 0.95. */
  dsrLevel?: number;
  /** Number of trials for the DSR (default: the batch size; pass the store's countTrials for all recorded trials). */
  nTrials?: number;
  /** Variance of per-bar trial Sharpes (default: sample variance over the batch's top-minus-bottom per-bar Sharpes). */
  trialSharpeVariance?: number;
}

/**
 * Applies Bonferroni and Benjamini-Hochberg corrections to the p-values of a
 * batch of factors and computes each one's deflated Sharpe ratio (Bailey and
 * Lopez de Prado 2014) with `nTrials` trials (default the batch size).
 * @throws RangeError when `names` is given with a different length.
 */
export function multipleTesting(results: readonly (FactorAnalysis & { factor?: { name: string } })[], opts: MultipleTestingOptions = {}, names?: readonly string[]): MultipleTestingRow[] {
  if (names && names.length !== results.length) throw new RangeError(`multipleTesting: ${names.length} names for ${results.length} results`);
  const alpha = opts.alpha ?? 0.05;
  const level = opts.dsrLevel ?? 0.95;
  const p = results.map((r) => r.gradeMetrics.pValue);
  const bon = bonferroni(p);
  const bh = benjaminiHochberg(p);
  const nTrials = opts.nTrials ?? results.length;
  const v = opts.trialSharpeVariance ?? (results.length > 1 ? variance(results.map((r) => r.longShort.stats.sharpePerBar).filter(Number.isFinite)) : 0);
  return results.map((r, i) => {
    const d = r.longShort.directional;
    const dsr = directionalDeflatedSharpe(r, nTrials, v).dsr;
    return {
      name: names?.[i] ?? r.factor?.name ?? String(i),
      p: p[i]!,
      bonferroni: bon[i]!,
      bh: bh[i]!,
      passRaw: p[i]! < alpha,
      passBonferroni: bon[i]! < alpha,
      passBh: bh[i]! <= alpha,
      dsr,
      passDsr: dsr > level,
      directionalSharpe: d.sharpe,
    };
  });
}
