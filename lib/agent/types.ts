/**
 * Types of the hypothesis loop: hypotheses, their test outcomes, failure
 * categories, and the injected pieces (grammar, proposer, tester) the loop
 * runs on.
 */

/** Life cycle of a hypothesis in the knowledge base. */
export type HypothesisStatus = 'proposed' | 'testing' | 'validated' | 'failed' | 'abandoned';

/** All statuses, in life-cycle order. */
export const HYPOTHESIS_STATUSES: readonly HypothesisStatus[] = ['proposed', 'testing', 'validated', 'failed', 'abandoned'];

/**
 * Why a hypothesis failed (the classification):
 * - `no_predictive_power`: |IC| / Rank IC or long-short Sharpe too small to matter;
 * - `wrong_sign`: it predicts, but with the sign opposite to the one claimed;
 * - `high_turnover`: turnover or trading cost eats the edge (gross ok, net not);
 * - `unstable`: performance changes sign or collapses across walk-forward / rolling windows;
 * - `overfit`: good in the train split, poor in the test split;
 * - `duplicate`: too correlated with a factor already stored, or the same canonical expression;
 * - `invalid_expression`: the model could not produce an expression the grammar accepts;
 * - `error`: the test itself crashed (message kept).
 */
export type FailureKind = 'no_predictive_power' | 'wrong_sign' | 'high_turnover' | 'unstable' | 'overfit' | 'duplicate' | 'invalid_expression' | 'error';

/** All failure kinds. */
export const FAILURE_KINDS: readonly FailureKind[] = ['no_predictive_power', 'wrong_sign', 'high_turnover', 'unstable', 'overfit', 'duplicate', 'invalid_expression', 'error'];

/** Factor families the prompt and the offline proposer know. */
export type Category = 'momentum' | 'mean_reversion' | 'volatility' | 'volume' | 'funding' | 'price_action' | 'quality' | 'other';

/**
 * Signal and portfolio settings of a hypothesis, WorldQuant BRAIN style.
 * `delay` 0 or 1 (lib/backtest simulatePortfolio): 1 = weights from data up
 * to t-1 traded at t, 0 = data up to t traded at t's close; `decay` linear decay window in bars (0/1 = none);
 * `neutralization` of the weights; `truncation` max weight per asset as a
 * fraction of gross (0.05 = 5%).
 */
export interface StrategyParams {
  readonly delay: number;
  readonly decay: number;
  readonly neutralization: 'none' | 'market' | 'group';
  readonly truncation: number;
  /**
   * Signal stage (optional; see {@link DEFAULT_SIGNAL_PARAMS} for the defaults used when absent):
   * the fraction of the cross-section entered on each side: long the top
   * `signalQuantile` of the traded factor, short the bottom one. In (0, 0.25].
   */
  readonly signalQuantile?: number;
  /**
   * Exit band: a long is closed when the asset leaves the top `exitQuantile`
   * (a short: the bottom one). Equal to `signalQuantile` (the default) = exit
   * when membership ends; larger = hysteresis (fewer, longer trades). In [signalQuantile, 0.5].
   */
  readonly exitQuantile?: number;
  /** Which sides the signal trades: 'long_short' (default), 'long' or 'short'. */
  readonly signalSides?: 'long_short' | 'long' | 'short';
}

/** Default settings: delay 1, no decay, market-neutral, 5% truncation. */
export const DEFAULT_PARAMS: StrategyParams = { delay: 1, decay: 0, neutralization: 'market', truncation: 0.05 };

/** Resolved signal-stage parameters (see {@link StrategyParams} for their meaning). */
export interface SignalParams {
  readonly quantile: number;
  readonly exitQuantile: number;
  readonly sides: 'long_short' | 'long' | 'short';
}

/**
 * Signal-stage defaults when a hypothesis gives none: long the top 20%, short
 * the bottom 20% of the traded factor, exit when the asset leaves that
 * quintile (`exitQuantile` defaults to the hypothesis' `signalQuantile`).
 */
export const DEFAULT_SIGNAL_PARAMS: SignalParams = { quantile: 0.2, exitQuantile: 0.2, sides: 'long_short' };

/** Trade statistics of one signal backtest (lib/backtest backtestSignals + validateSignals), net of costs unless named gross. */
export interface SignalStageMetrics {
  /** Closed trades. */
  readonly nTrades: number;
  /** Share of closed trades with net pnl > 0. */
  readonly winRate: number;
  /** Net gross-profit / gross-loss of closed trades. */
  readonly profitFactor: number;
  /** Mean net return per closed trade (fraction of entry notional). */
  readonly expectancy: number;
  /** Entry signals per 1,000 bars per asset. */
  readonly signalsPer1000Bars: number;
  /** Win rate with the fees added back (before costs). */
  readonly grossWinRate: number;
  /** Profit factor with the fees added back (before costs). */
  readonly grossProfitFactor: number;
  /** Mean return per closed trade before fees. */
  readonly grossExpectancy: number;
  /** t-statistic of the mean trade return before fees (mean / (sd / sqrt(n)), trades treated as independent; NaN under 2 trades). */
  readonly grossExpectancyT: number;
  /** Annualized Sharpe of the signal backtest's equity curve. */
  readonly sharpe: number;
  /** Total return of the signal backtest's equity. */
  readonly totalReturn: number;
  /** Average daily turnover of the signal backtest (BRAIN convention). */
  readonly turnover: number;
  /** Mean holding time of closed trades in bars. */
  readonly avgHoldingBars: number;
  /** Share of bars with an open position. */
  readonly exposure: number;
}

/**
 * The signal stage of a test: entry/exit rules derived from the traded
 * factor, backtested with `backtestSignals` on the walk-forward test segment
 * (the decision) and on all bars after warm-up (for the record), validated
 * with `validateSignals`.
 */
export interface SignalStage {
  /** Resolved parameters. */
  readonly params: SignalParams;
  /** 'nextOpen' (delay 1) or 'close' (delay 0). */
  readonly fill: 'nextOpen' | 'close';
  /** Fee in bps of traded notional per fill (the tester's costBps; no extra slippage). */
  readonly costBps: number;
  /** Bar range [start, end) of the decision backtest (the walk-forward test segment). */
  readonly range: { readonly start: number; readonly end: number };
  /** validateSignals thresholds used. */
  readonly thresholds: { readonly minTrades: number; readonly minWinRate: number; readonly minProfitFactor: number; readonly signalsPer1000Bars: readonly [number, number] };
  /** validateSignals verdict on the test segment. */
  readonly pass: boolean;
  /** validateSignals reasons (empty when pass). */
  readonly reasons: readonly string[];
  /** Metrics on the test segment (the decision). */
  readonly test: SignalStageMetrics;
  /** Metrics on all bars after warm-up (information), when computed. */
  readonly full?: SignalStageMetrics;
}

/** A hypothesis as proposed (before it has an id). */
export interface HypothesisProposal {
  /** Short snake_case name. */
  readonly name: string;
  /** Factor family. */
  readonly category: string;
  /** Why it should predict returns (economic or behavioural rationale). */
  readonly rationale: string;
  /** Factor expression(s) in the engine's grammar; the first is the main signal. */
  readonly expressions: readonly string[];
  /** Sign the proposer expects for the IC: +1 (high value -> high future return) or -1. */
  readonly expectedSign: 1 | -1;
  /** Signal / strategy settings. */
  readonly params: StrategyParams;
  /** Parent hypothesis id when this refines one (e.g. "H003"). */
  readonly parentId?: string;
  /** The proposer's choice after the last result: refine a parent, or a new direction. */
  readonly decision: 'new' | 'refine';
  /** Why it chose that. */
  readonly decisionReason: string;
}

/** A stored hypothesis. */
export interface Hypothesis extends HypothesisProposal {
  /** Id like "H001", sequential, never reused. */
  readonly id: string;
  readonly status: HypothesisStatus;
  /** Canonical form of the main expression (grammar's canonical printer), for duplicate detection. */
  readonly canonical: string;
  /** Run that created it. */
  readonly runId: string;
  /** Iteration number in that run (1-based). */
  readonly iteration: number;
  /** 'offline' or provider name. */
  readonly provider: string;
  /** Model name ('offline-grammar' for the offline proposer). */
  readonly model: string;
  /** Version tag of the prompt / proposer that produced it. */
  readonly promptVersion: string;
  /** Model reasoning kept for the log ('' if none). */
  readonly thinking: string;
  /** Model time in ms spent proposing it (0 offline). */
  readonly modelMs: number;
  /** Test time in ms (excluding model time); NaN until tested. */
  readonly testMs: number;
  /** Headline Sharpe (annualized, out-of-sample where the tester has a test split); NaN until tested. */
  readonly sharpe: number;
  /** Where the strategy was exported, '' if not. */
  readonly strategyPath: string;
  /** Number of repair rounds the proposal needed. */
  readonly repairs: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Metrics of one split (train, test, full, wf_k, roll_k...). Numbers; NaN stored as null. */
export interface SplitEvaluation {
  readonly split: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** A failure reason. */
export interface FailureReason {
  readonly kind: FailureKind;
  readonly detail: string;
}

/** What a tester returns for one hypothesis. */
export interface TestOutcome {
  /** Whether the hypothesis survived every validation step. */
  readonly pass: boolean;
  /** Headline annualized Sharpe the loop compares (out-of-sample where available). */
  readonly sharpe: number;
  /** Other headline numbers shown in progress lines (ic, rank_ic, turnover, fitness, dsr, grade index...). */
  readonly headline: Readonly<Record<string, number>>;
  /** Letter grade where the factor module gives one (AAA..E), else ''. */
  readonly grade: string;
  /** Per-split metrics. */
  readonly evaluations: readonly SplitEvaluation[];
  /** Failure reasons (empty when pass). */
  readonly failures: readonly FailureReason[];
  /** Signal stage (the engine tester's signal backtest); absent for testers without one. */
  readonly signal?: SignalStage;
}

/** An operator of the expression grammar, as shown to the model. */
export interface OperatorInfo {
  readonly name: string;
  readonly signature: string;
  readonly description: string;
  readonly kind?: string;
}

/** Result of validating an expression. */
export type GrammarCheck = { readonly ok: true; readonly canonical: string } | { readonly ok: false; readonly error: string };

/** The expression grammar the loop validates model output against. */
export interface Grammar {
  /** Validates `src` against the operators and the panel's `fields`; the error is the engine's message (with position). */
  validate(src: string, fields: readonly string[]): GrammarCheck;
  /** Operators with signatures. */
  operators(): readonly OperatorInfo[];
}

/** Context handed to a tester. */
export interface TestContext {
  /** Called with partial metrics as they come (progress display). */
  readonly onProgress?: (stage: string, metrics: Readonly<Record<string, number>>) => void;
}

/** Tests hypotheses (factor validation, backtests, walk-forward) and exports winners. */
export interface HypothesisTester {
  /** Field names of the dataset (what expressions may use). */
  readonly fields: readonly string[];
  /** Tests one hypothesis. Must not throw for a bad factor (return failures); may throw on infrastructure errors. */
  test(h: Hypothesis, ctx?: TestContext): Promise<TestOutcome>;
  /** Exports a validated hypothesis as a strategy; returns its folder. */
  exportStrategy(h: Hypothesis, outcome: TestOutcome): Promise<string>;
}
