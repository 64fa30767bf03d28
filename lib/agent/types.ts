/**
 * Types of the hypothesis loop: hypotheses, their test outcomes, failure
 * categories, and the injected pieces (grammar, proposer, tester) the loop
 * runs on.
 */
import { DEFAULT_BRAIN_SETTINGS, type BrainSettings, type SignalStage, type SignalStageParams } from '../backtest/index.js';
import type { FailureReason } from '../screen/index.js';

// moved: the failure kinds live with the screen (lib/screen), the signal stage with the backtests (lib/backtest)
export type { FailureKind, FailureReason } from '../screen/index.js';
export type { SignalParams, SignalStage, SignalStageMetrics, SignalStageParams } from '../backtest/index.js';
export { DEFAULT_SIGNAL_PARAMS } from '../backtest/index.js';

/** Life cycle of a hypothesis in the knowledge base. */
export type HypothesisStatus = 'proposed' | 'testing' | 'validated' | 'failed' | 'abandoned';

/** All statuses, in life-cycle order. */
export const HYPOTHESIS_STATUSES: readonly HypothesisStatus[] = ['proposed', 'testing', 'validated', 'failed', 'abandoned'];

/** Factor families the prompt and the offline proposer know. */
export type Category = 'momentum' | 'mean_reversion' | 'volatility' | 'volume' | 'funding' | 'price_action' | 'quality' | 'other';

/**
 * Settings of a hypothesis: lib/backtest's {@link BrainSettings} (delay,
 * decay, neutralization, truncation) and the signal-stage parameters.
 */
export type StrategyParams = Readonly<BrainSettings> & SignalStageParams;

/** Default settings: lib/backtest DEFAULT_BRAIN_SETTINGS (delay 1, no decay, market-neutral, truncation 0.08). */
export const DEFAULT_PARAMS: StrategyParams = DEFAULT_BRAIN_SETTINGS;

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
export interface GrammarOperator {
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
  operators(): readonly GrammarOperator[];
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
