/**
 * The one candidate screen (see screen.ts for the steps in order and where
 * each lives): factor validation, the BRAIN-style portfolio with costs, the
 * signal stage, walk-forward and rolling validation, the deflated Sharpe with
 * the trial counted in the one trial store, and failure classification.
 *
 * ```ts
 * import { screenExpression } from './lib/screen/index.js';
 * const r = await screenExpression('-ts_delta(close, 5)', panel, { portfolio: { decay: 3 } }, { store });
 * r.pass; r.failures; r.walkForward?.test.sharpe; r.deflatedSharpe?.dsr;
 * ```
 * Tuned strategies (parameters drawn by a study on each train range, every
 * configuration counted in the trial store): `screenSignalStrategy`,
 * `screenPortfolioStrategy` (strategy.ts), sharing the steps in steps.ts.
 * Imports only downward: lib/expr, lib/factors, lib/backtest (never lib/agent).
 * @module
 */
export { screenExpression, computeScreen, completeScreen, screenSplitMetrics, screenHeadline } from './screen.js';
export type { ScreenCandidate, ScreenSettings, ScreenContext, ScreenReport, ScreenSplitMetrics, ScreenComputation, ScreenCheapStages, ScreenStage } from './screen.js';
export { screenSignalStrategy, screenPortfolioStrategy } from './strategy.js';
export type { TunedStrategy, TunedMetrics, TunedScreenSettings, TunedScreenContext, TunedScreenReport, SignalScreenReport } from './strategy.js';
export { classifyFailures, classifySignal, classifyBreadth, MIN_EDGE_T, DEFAULT_SCREEN_THRESHOLDS, DEFAULT_MIN_DISPERSED_SHARE, DEFAULT_MIN_EFFECTIVE_BREADTH } from './classify.js';
export { factorBreadth } from './breadth.js';
export type { FactorBreadth } from './breadth.js';
export type { FailureKind, FailureReason, ScreenThresholds, ClassifyInput } from './classify.js';
