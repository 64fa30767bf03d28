/**
 * Failure classification of a screened candidate from its metrics (pure).
 * The thresholds are conventions of this project, stated in
 * {@link DEFAULT_SCREEN_THRESHOLDS}; a candidate passes when no rule fires.
 */
import { DEFAULT_SIGNAL_THRESHOLDS, type SignalStageMetrics, type SignalThresholds } from '../backtest/index.js';
import type { FactorBreadth } from './breadth.js';

/**
 * Why a candidate failed the screen:
 * - `no_predictive_power`: |IC| / Rank IC or long-short Sharpe too small to matter;
 * - `wrong_sign`: it predicts, but with the sign opposite to the one claimed;
 * - `high_turnover`: turnover or trading cost eats the edge (gross ok, net not);
 * - `unstable`: performance changes sign or collapses across walk-forward / rolling windows;
 * - `overfit`: good in the train split, poor in the test split;
 * - `duplicate`: too correlated with a factor already stored, or the same canonical expression;
 * - `degenerate_signal`: the factor barely ranks the assets: on too few dates it has 2 distinct values, or its
 *   market-neutral book bets on too few of them (breadth.ts {@link FactorBreadth}); its Sharpe, whatever it is,
 *   comes from a handful of cells (e.g. `sign(volume)`: 1 except where the volume is 0);
 * - `invalid_expression`: no expression the grammar accepts, or one that cannot be screened (too long a lookback, bad signal settings);
 * - `error`: the test itself crashed (message kept).
 */
export type FailureKind = 'no_predictive_power' | 'wrong_sign' | 'high_turnover' | 'unstable' | 'overfit' | 'duplicate' | 'degenerate_signal' | 'invalid_expression' | 'error';

/** A failure reason: its kind and a sentence a person or a model can act on. */
export interface FailureReason {
  readonly kind: FailureKind;
  readonly detail: string;
}

/** Thresholds of the classification. */
export interface ScreenThresholds {
  /** Minimum |mean Rank IC| (Spearman, per bar, averaged) to count as predictive. Default 0.01. */
  readonly minAbsRankIc: number;
  /** Minimum annualized net Sharpe out of sample. Default 0.5. */
  readonly minSharpe: number;
  /** Maximum mean turnover per day (sum of |weight changes| / book, per day also for intraday bars: lib/backtest PortfolioMetrics.turnover). Default 0.5. */
  readonly maxTurnover: number;
  /** Overfit when test Sharpe < this fraction of train Sharpe (train Sharpe above minSharpe). Default 0.3. */
  readonly minTestTrainRatio: number;
  /** Unstable when fewer than this fraction of walk-forward / rolling windows have a positive net Sharpe. Default 0.6. */
  readonly minPositiveWindows: number;
  /** Duplicate when |correlation| with a stored factor exceeds this. Default 0.7. */
  readonly maxCorrelation: number;
  /** The mean Rank IC counts only when its two-sided p-value is below this. Default 0.05. */
  readonly maxIcPValue: number;
  /** Signal-stage thresholds (lib/backtest validateSignals). Default DEFAULT_SIGNAL_THRESHOLDS: >= 30 trades, win rate > 40%, profit factor > 1, 1..500 entry signals per 1,000 bars. */
  readonly signal?: Readonly<SignalThresholds>;
  /**
   * `degenerate_signal` when the factor has at least 2 distinct finite values
   * on fewer than this share of the screened dates ({@link FactorBreadth.dispersedShare}).
   * Default 0.5 (absent: 0.5). The Alpha101 set on sp500_daily: >= 0.998; `sign(volume)` there: 0.003.
   */
  readonly minDispersedShare?: number;
  /**
   * `degenerate_signal` when the mean effective number of positions of the
   * market-neutral book, as a share of the assets with a value
   * ({@link FactorBreadth.effectiveBreadth}, inverse Herfindahl of the
   * weights), is below this. Default 0.02 (absent: 0.02): a 0/1 factor with
   * fewer than about 0.5 % ones, one asset apart from 200 others. The Alpha101 set
   * on sp500_daily: >= 0.087 (alpha042); a normal factor about 0.64.
   */
  readonly minEffectiveBreadth?: number;
}

/** Default of {@link ScreenThresholds.minDispersedShare}. */
export const DEFAULT_MIN_DISPERSED_SHARE = 0.5;
/** Default of {@link ScreenThresholds.minEffectiveBreadth}. */
export const DEFAULT_MIN_EFFECTIVE_BREADTH = 0.02;

/** Project defaults (daily equities; for 1h crypto the same numbers apply to annualized Sharpe). */
export const DEFAULT_SCREEN_THRESHOLDS: ScreenThresholds = {
  minAbsRankIc: 0.01,
  minSharpe: 0.5,
  maxTurnover: 0.5,
  minTestTrainRatio: 0.3,
  minPositiveWindows: 0.6,
  maxCorrelation: 0.7,
  maxIcPValue: 0.05,
  signal: DEFAULT_SIGNAL_THRESHOLDS,
  minDispersedShare: DEFAULT_MIN_DISPERSED_SHARE,
  minEffectiveBreadth: DEFAULT_MIN_EFFECTIVE_BREADTH,
};

/** Inputs of {@link classifyFailures}; NaN / undefined means "not measured" and disables the rule. */
export interface ClassifyInput {
  /** Sign the candidate claimed for the IC. */
  readonly expectedSign: 1 | -1;
  /** Mean Rank IC of the signal (as written, not sign-adjusted), full sample or test split. */
  readonly rankIc: number;
  /** Two-sided p-value of the mean Rank IC (undefined: not measured, only |IC| counts). */
  readonly rankIcP?: number;
  /** Annualized Sharpe before costs (test split or full); NaN: not measured (the net Sharpe, a lower bound, is used instead). */
  readonly sharpeGross: number;
  /** Annualized Sharpe after costs (test split or full): the headline. */
  readonly sharpeNet: number;
  /** Mean turnover per day (PortfolioMetrics.turnover). */
  readonly turnover?: number;
  /** Net Sharpe on the train split. */
  readonly trainSharpe?: number;
  /** Net Sharpe on the test split. */
  readonly testSharpe?: number;
  /** Net Sharpe on the validation split (walk-forward middle segment). */
  readonly validationSharpe?: number;
  /** Net Sharpe per walk-forward / rolling window. */
  readonly windowSharpes?: readonly number[];
  /** Largest |correlation| with a stored factor. */
  readonly maxCorrelation?: number;
  /** Id / name of that most correlated stored factor. */
  readonly correlatedWith?: string;
  /** Cross-sectional breadth of the traded factor on the screened rows (breadth.ts `factorBreadth`); undefined: not measured (no `degenerate_signal` rule). */
  readonly breadth?: Pick<FactorBreadth, 'dispersedShare' | 'effectiveBreadth'>;
  /** Signal-stage metrics (walk-forward test segment); undefined: no signal stage. */
  readonly signal?: Pick<SignalStageMetrics, 'nTrades' | 'winRate' | 'profitFactor' | 'signalsPer1000Bars' | 'grossWinRate' | 'grossProfitFactor'> & { readonly grossExpectancyT?: number };
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/** t-statistic the mean trade return before costs must reach for a signal failing after costs to count as a cost problem rather than no edge. */
export const MIN_EDGE_T = 2;

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : String(x));

/**
 * Failure reasons of the signal stage (pure), one per failed
 * `validateSignals` check, mapped to the failure kinds:
 * - too few closed trades (< minTrades) -> `no_predictive_power` (no evidence of an edge);
 * - entry signals per 1,000 bars above the range -> `high_turnover` (fires on most bars);
 *   below the range -> `no_predictive_power` (almost never fires);
 * - profit factor <= minProfitFactor or win rate <= minWinRate after costs ->
 *   `high_turnover` when both checks pass before costs (fees added back) and
 *   the mean gross trade return is significant (t >= {@link MIN_EDGE_T}, when
 *   given): the costs eat a real edge; else `no_predictive_power` (no
 *   edge before costs either, or one too small to tell from noise).
 * Each kind appears at most once (details joined). Returns [] when the signal passes.
 */
export function classifySignal(s: NonNullable<ClassifyInput['signal']>, th: Readonly<SignalThresholds> = DEFAULT_SIGNAL_THRESHOLDS): FailureReason[] {
  const out: FailureReason[] = [];
  const add = (kind: FailureReason['kind'], detail: string) => {
    const i = out.findIndex((r) => r.kind === kind);
    if (i < 0) out.push({ kind, detail });
    else out[i] = { kind, detail: `${out[i]!.detail}; ${detail}` };
  };
  const [lo, hi] = th.signalsPer1000Bars;
  if (!(s.nTrades >= th.minTrades)) add('no_predictive_power', `signal: too few trades (${s.nTrades} < ${th.minTrades}) to show an edge`);
  if (s.signalsPer1000Bars > hi) add('high_turnover', `signal: ${s.signalsPer1000Bars.toFixed(0)} entry signals per 1,000 bars (> ${hi}): it fires on most bars`);
  else if (!(s.signalsPer1000Bars >= lo)) add('no_predictive_power', `signal: ${Number.isFinite(s.signalsPer1000Bars) ? s.signalsPer1000Bars.toFixed(2) : String(s.signalsPer1000Bars)} entry signals per 1,000 bars (< ${lo}): it almost never fires`);
  if (s.nTrades > 0 && !(s.profitFactor > th.minProfitFactor && s.winRate > th.minWinRate)) {
    const net = `profit factor ${f2(s.profitFactor)}, win rate ${pct(s.winRate)} after costs (need > ${th.minProfitFactor} and > ${pct(th.minWinRate)})`;
    const tGiven = s.grossExpectancyT !== undefined;
    const gross = `${f2(s.grossProfitFactor)}, ${pct(s.grossWinRate)}${tGiven ? `, mean trade t ${f2(s.grossExpectancyT!)}` : ''} before costs`;
    const grossOk = s.grossProfitFactor > th.minProfitFactor && s.grossWinRate > th.minWinRate;
    if (grossOk && (!tGiven || s.grossExpectancyT! >= MIN_EDGE_T)) add('high_turnover', `signal: ${net} but ${gross}: the costs eat the edge`);
    else if (grossOk) add('no_predictive_power', `signal: ${net}; ${gross}: the edge before costs is not significant (t < ${MIN_EDGE_T})`);
    else add('no_predictive_power', `signal: ${net}; ${gross}: no edge before costs either`);
  }
  return out;
}

/**
 * The `degenerate_signal` reason of a factor's breadth, or null: fewer than
 * `minDispersedShare` of the dates with 2 distinct values, or an effective
 * breadth below `minEffectiveBreadth` (NaN figures: not measured, no rule).
 */
export function classifyBreadth(b: NonNullable<ClassifyInput['breadth']>, th: Pick<ScreenThresholds, 'minDispersedShare' | 'minEffectiveBreadth'> = DEFAULT_SCREEN_THRESHOLDS): FailureReason | null {
  const minShare = th.minDispersedShare ?? DEFAULT_MIN_DISPERSED_SHARE, minBreadth = th.minEffectiveBreadth ?? DEFAULT_MIN_EFFECTIVE_BREADTH;
  const parts: string[] = [];
  if (b.dispersedShare < minShare) parts.push(`it has 2 distinct values on ${pct(b.dispersedShare)} of the dates (need ${pct(minShare)}): on the others every asset gets the same value and the book is flat`);
  if (b.effectiveBreadth < minBreadth) parts.push(`effective breadth ${f3(b.effectiveBreadth)} of the assets (inverse Herfindahl of the neutral weights, need >= ${minBreadth}): the book bets on a handful of cells`);
  return parts.length ? { kind: 'degenerate_signal', detail: `degenerate signal: ${parts.join('; ')}` } : null;
}

/**
 * Classifies why a candidate fails; returns [] when it passes every rule.
 * Order of checks: degenerate signal (its other figures then mean little, but they are classified too), duplicate, wrong sign, no predictive power, cost/turnover,
 * overfit, instability (a walk-forward segment with a Sharpe at or below
 * -minSharpe while the test segment passes: the sign flips materially; or too
 * few positive rolling windows). Segments near zero count as flat, not flipped. Wrong sign and no predictive power exclude each other.
 * Last, the signal stage ({@link classifySignal}) when `x.signal` is given and
 * the sign is not wrong (flipping the expression fixes both); a kind already
 * present gets the signal detail appended, so each kind appears once.
 */
export function classifyFailures(x: ClassifyInput, th: ScreenThresholds = DEFAULT_SCREEN_THRESHOLDS): FailureReason[] {
  const out: FailureReason[] = [];
  const degenerate = x.breadth ? classifyBreadth(x.breadth, th) : null;
  if (degenerate) out.push(degenerate);
  if (x.maxCorrelation !== undefined && Math.abs(x.maxCorrelation) > th.maxCorrelation) {
    out.push({ kind: 'duplicate', detail: `correlation ${f2(x.maxCorrelation)} with stored factor ${x.correlatedWith ?? '?'} > ${th.maxCorrelation}` });
  }
  const signed = x.rankIc * x.expectedSign;
  const strong = Math.abs(x.rankIc) >= th.minAbsRankIc && (x.rankIcP === undefined || x.rankIcP < th.maxIcPValue);
  // not measured (a tuned strategy: no fixed factor, no run before costs): the net Sharpe is the evidence, and a lower bound of the gross one
  const grossMeasured = !Number.isNaN(x.sharpeGross);
  const sharpeGross = grossMeasured ? x.sharpeGross : x.sharpeNet;
  if (Number.isFinite(x.rankIc) && strong && signed < 0) {
    out.push({ kind: 'wrong_sign', detail: `mean Rank IC ${f3(x.rankIc)}${x.rankIcP !== undefined ? ` (p ${f3(x.rankIcP)})` : ''} has the opposite sign to the expected ${x.expectedSign > 0 ? '+' : '-'}; flip the expression` });
  } else if (!(strong && Number.isFinite(x.rankIc)) && !(sharpeGross >= th.minSharpe)) {
    const ic = Number.isNaN(x.rankIc) && x.rankIcP === undefined ? 'no Rank IC measured' : `mean Rank IC ${f3(x.rankIc)}${x.rankIcP !== undefined ? ` (p ${f3(x.rankIcP)})` : ''} (need |IC| >= ${th.minAbsRankIc} with p < ${th.maxIcPValue})`;
    out.push({ kind: 'no_predictive_power', detail: `${ic} and ${grossMeasured ? 'gross' : 'net'} Sharpe ${f2(sharpeGross)} (need >= ${th.minSharpe}${grossMeasured ? '' : '; no run before costs'})` });
  } else if (signed >= 0 || !Number.isFinite(x.rankIc)) {
    const turnoverHigh = x.turnover !== undefined && x.turnover > th.maxTurnover;
    if (x.sharpeGross >= th.minSharpe && !(x.sharpeNet >= th.minSharpe)) {
      out.push({ kind: 'high_turnover', detail: `gross Sharpe ${f2(x.sharpeGross)} but net ${f2(x.sharpeNet)} after costs${x.turnover !== undefined ? `; turnover ${f3(x.turnover)}/day` : ''}` });
    } else if (turnoverHigh) {
      out.push({ kind: 'high_turnover', detail: `turnover ${f3(x.turnover!)}/day > ${th.maxTurnover}` });
    } else if (!(x.sharpeNet >= th.minSharpe) && x.trainSharpe === undefined) {
      out.push({ kind: 'no_predictive_power', detail: `net Sharpe ${f2(x.sharpeNet)} < ${th.minSharpe}` });
    }
  }
  const hasKind = (k: string) => out.some((r) => r.kind === k);
  if (x.trainSharpe !== undefined && x.testSharpe !== undefined && Number.isFinite(x.trainSharpe) && !hasKind('wrong_sign')) {
    if (x.trainSharpe >= th.minSharpe && !(x.testSharpe >= th.minTestTrainRatio * x.trainSharpe && x.testSharpe >= th.minSharpe)) {
      out.push({ kind: 'overfit', detail: `train Sharpe ${f2(x.trainSharpe)} vs test ${f2(x.testSharpe)}` });
    } else if (!(x.testSharpe >= th.minSharpe) && !hasKind('no_predictive_power') && !hasKind('high_turnover')) {
      out.push({ kind: 'no_predictive_power', detail: `train Sharpe ${f2(x.trainSharpe)}, test ${f2(x.testSharpe)} (need >= ${th.minSharpe})` });
    }
  }
  if (!hasKind('wrong_sign') && x.testSharpe !== undefined && x.testSharpe >= th.minSharpe) {
    const neg = ([['train', x.trainSharpe], ['validation', x.validationSharpe]] as const).filter(([, v]) => v !== undefined && v <= -th.minSharpe);
    if (neg.length) out.push({ kind: 'unstable', detail: `test Sharpe ${f2(x.testSharpe)} but ${neg.map(([k, v]) => `${k} ${f2(v!)}`).join(', ')}: the sign changes across walk-forward segments` });
  }
  if (x.windowSharpes && x.windowSharpes.length > 0 && !hasKind('wrong_sign') && !hasKind('unstable')) {
    const finite = x.windowSharpes.filter((s) => Number.isFinite(s));
    const pos = finite.filter((s) => s > 0).length;
    const frac = finite.length ? pos / finite.length : 0;
    if (frac < th.minPositiveWindows) out.push({ kind: 'unstable', detail: `${pos} of ${finite.length} windows with positive net Sharpe (need ${Math.round(th.minPositiveWindows * 100)}%)` });
  }
  if (x.signal && !hasKind('wrong_sign')) {
    // the signal stage's reasons; a kind already found by the portfolio stages gets the signal detail appended
    for (const r of classifySignal(x.signal, th.signal ?? DEFAULT_SIGNAL_THRESHOLDS)) {
      const i = out.findIndex((o) => o.kind === r.kind);
      if (i < 0) out.push(r);
      else out[i] = { kind: r.kind, detail: `${out[i]!.detail}; ${r.detail}` };
    }
  }
  return out;
}
