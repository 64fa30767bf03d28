/**
 * Multiple-testing corrections and the probabilistic / deflated Sharpe ratio.
 */
import { kurtosis, mean, skewness, std, variance } from './descriptive.js';
import { EULER_GAMMA } from './distributions.js';
import { normalCdf, normalPpf } from './normal.js';

/**
 * Bonferroni adjusted p-values: min(1, p * m) for m tests (NaN p-values stay
 * NaN and are not counted in m).
 */
export function bonferroni(pValues: readonly number[]): number[] {
  const m = pValues.filter((p) => !Number.isNaN(p)).length;
  return pValues.map((p) => (Number.isNaN(p) ? NaN : Math.min(1, p * m)));
}

/**
 * Benjamini-Hochberg (1995) step-up adjusted p-values (false discovery rate):
 * q_(i) = min_{k >= i} min(1, p_(k) * m / k) over the sorted p-values; a test
 * is rejected at FDR level alpha when q <= alpha. NaN p-values stay NaN and
 * are not counted in m. Matches statsmodels `multipletests(method='fdr_bh')`.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const idx = pValues.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p));
  idx.sort((a, b) => a[0] - b[0]);
  const m = idx.length;
  const out = pValues.map(() => NaN);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const [p, i] = idx[k]!;
    running = Math.min(running, (p * m) / (k + 1));
    out[i] = Math.min(1, running);
  }
  return out;
}

/**
 * Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012): the probability
 * that the true per-bar Sharpe exceeds `benchmarkSharpe`, given an observed
 * per-bar (not annualized) Sharpe `sharpe` over `nObs` returns with skewness
 * `skew` and kurtosis `kurt` (not excess; normal = 3):
 * PSR = Phi( (SR - SR*) sqrt(n - 1) / sqrt(1 - skew SR + (kurt - 1)/4 SR^2) ).
 * NaN when nObs < 2 or an input is NaN.
 */
export function probabilisticSharpe(sharpe: number, benchmarkSharpe: number, nObs: number, skew: number, kurt: number): number {
  if (!(nObs >= 2) || [sharpe, benchmarkSharpe, skew, kurt].some(Number.isNaN)) return NaN;
  const denom = 1 - skew * sharpe + ((kurt - 1) / 4) * sharpe * sharpe;
  if (!(denom > 0)) return NaN;
  return normalCdf(((sharpe - benchmarkSharpe) * Math.sqrt(nObs - 1)) / Math.sqrt(denom));
}

/**
 * Expected maximum of `nTrials` independent per-bar Sharpe estimates with
 * variance `trialSharpeVariance` under the null of zero true Sharpe
 * (Bailey & Lopez de Prado 2014, eq. for SR0):
 * SR0 = sqrt(V) * ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))).
 * Returns 0 for nTrials <= 1.
 */
export function expectedMaxSharpe(nTrials: number, trialSharpeVariance: number): number {
  if (nTrials <= 1) return 0;
  if (!(trialSharpeVariance >= 0)) return NaN;
  return Math.sqrt(trialSharpeVariance) * ((1 - EULER_GAMMA) * normalPpf(1 - 1 / nTrials) + EULER_GAMMA * normalPpf(1 - 1 / (nTrials * Math.E)));
}

/** Inputs of {@link deflatedSharpe}. All Sharpe ratios per bar (not annualized). */
export interface DeflatedSharpeInput {
  /** Observed per-bar Sharpe of the selected strategy. */
  sharpe: number;
  /** Number of returns behind `sharpe`. */
  nObs: number;
  /** Skewness of those returns. */
  skew: number;
  /** Kurtosis (not excess) of those returns. */
  kurtosis: number;
  /** Number of trials (configurations / factors) actually tried, including this one. */
  nTrials: number;
  /** Variance of the per-bar Sharpe ratios across the trials. */
  trialSharpeVariance: number;
}

/**
 * Deflated Sharpe Ratio (Bailey & Lopez de Prado 2014): PSR with the
 * benchmark set to the expected maximum Sharpe of `nTrials` unskilled trials,
 * i.e. the probability that the selected strategy's true Sharpe is positive
 * after accounting for selection among nTrials, non-normal returns and
 * sample length. A value above 0.95 is the usual bar.
 */
export function deflatedSharpe(input: DeflatedSharpeInput): { dsr: number; sr0: number } {
  const sr0 = expectedMaxSharpe(input.nTrials, input.trialSharpeVariance);
  return { dsr: probabilisticSharpe(input.sharpe, sr0, input.nObs, input.skew, input.kurtosis), sr0 };
}

/** The DSR above which a selected strategy counts as validated (the usual 95% level of Bailey & Lopez de Prado). */
export const DSR_PASS_LEVEL = 0.95;

/** The one result type of a deflated Sharpe ratio: observed and benchmark Sharpe per bar and annualized, the trials, the DSR and its verdict. */
export interface DeflatedSharpeResult {
  /** Observed Sharpe, annualized: sharpePerBar x sqrt(annualization). */
  sharpe: number;
  /** Observed per-bar Sharpe: mean / std (ddof 1) of the returns. */
  sharpePerBar: number;
  /** Returns behind it. */
  nObs: number;
  /** Trials tried, this one included. */
  nTrials: number;
  /** Variance of the per-bar Sharpe ratios across the trials (0 for one trial). */
  trialSharpeVariance: number;
  /** Expected maximum per-bar Sharpe of nTrials unskilled trials ({@link expectedMaxSharpe}). */
  sr0PerBar: number;
  /** The same, annualized. */
  sr0: number;
  /** Bars per year used for the annualized figures (1 when not given: then sharpe = sharpePerBar). */
  annualization: number;
  /** Deflated Sharpe ratio: the probability that the true Sharpe is > 0 after selection among nTrials. */
  dsr: number;
  /** dsr > {@link DSR_PASS_LEVEL}. */
  pass: boolean;
}

/** The sample of {@link deflatedSharpeReport}: per-bar returns (NaN skipped), or their moments. */
export type DeflatedSharpeSample =
  | { readonly returns: ArrayLike<number> }
  | { readonly sharpePerBar: number; readonly nObs: number; readonly skew: number; readonly kurtosis: number };

/**
 * Deflated Sharpe Ratio (Bailey & Lopez de Prado 2014, {@link deflatedSharpe})
 * of a selected strategy, from its per-bar returns or their moments, given
 * the number of trials and the spread of their Sharpe ratios: every DSR in
 * the project (factor trials, strategy tests, the screen) goes through here.
 * @param opts.annualization bars per year for the annualized figures (default 1)
 * @param opts.trialSharpes annualized Sharpe ratios of the trials (their per-bar variance is used), or
 * @param opts.trialSharpeVariance the per-bar variance directly
 * @param opts.nTrials trials tried (default trialSharpes' finite count)
 * @throws RangeError when nTrials > 1 and no variance source is given
 */
export function deflatedSharpeReport(
  opts: DeflatedSharpeSample & { annualization?: number; nTrials?: number; trialSharpes?: readonly number[]; trialSharpeVariance?: number },
): DeflatedSharpeResult {
  const annualization = opts.annualization ?? 1;
  const sa = Math.sqrt(annualization);
  let sharpePerBar: number, nObs: number, skew: number, kurt: number;
  if ('returns' in opts) {
    const r = Array.from(opts.returns).filter((x) => !Number.isNaN(x));
    sharpePerBar = mean(r) / std(r, 1);
    nObs = r.length;
    skew = skewness(r);
    kurt = kurtosis(r);
  } else {
    ({ sharpePerBar, nObs, skew, kurtosis: kurt } = opts);
  }
  const finiteTrials = (opts.trialSharpes ?? []).filter(Number.isFinite);
  const nTrials = opts.nTrials ?? finiteTrials.length;
  let v = opts.trialSharpeVariance;
  if (v === undefined) {
    if (finiteTrials.length >= 2) v = variance(finiteTrials.map((x) => x / sa), 1);
    else if (nTrials <= 1) v = 0;
    else throw new RangeError('deflatedSharpeReport: nTrials > 1 needs trialSharpes (>= 2 finite values) or trialSharpeVariance');
  }
  const { dsr, sr0 } = deflatedSharpe({ sharpe: sharpePerBar, nObs, skew, kurtosis: kurt, nTrials: Math.max(1, nTrials), trialSharpeVariance: v });
  return { sharpe: sharpePerBar * sa, sharpePerBar, nObs, nTrials, trialSharpeVariance: v, sr0PerBar: sr0, sr0: sr0 * sa, annualization, dsr, pass: dsr > DSR_PASS_LEVEL };
}

