/**
 * Signals, strategies and backtests (issue 5): factor -> signal -> strategy,
 * validated against overfitting and exported to files.
 *
 * Public API (stable names, used by the LLM research loop):
 * ```ts
 * simulatePortfolio(factor: Float64Array, panel: Panel, settings?: Partial<PortfolioSettings>): PortfolioResult
 *   // BRAIN-style cross-section: delay 0/1, linear decay, neutralization none/market/group,
 *   // truncation, bookSize, costBps; per-bar PnL; metrics sharpe, annualReturn, turnover,
 *   // maxDrawdown, margin, fitness = sharpe * sqrt(|annualReturn| / max(turnover, 0.125))
 * backtestSignals(panel: Panel, spec: SignalSpec | SignalMasks, settings?: Partial<ExecutionSettings>): BacktestResult
 *   // event-aware bars: next-open (default) or close fills, fees/slippage in bps, volume impact,
 *   // funding from `funding_event`, stop loss / take profit / trailing stop on high/low (stop first
 *   // when both touched), long and short, sizing fixed-fraction or volatility target, max open positions;
 *   // equity, returns, positions, trades, metrics (+ Sortino, Calmar, exposure, holding time), decay
 * backtestGrid(panel, combos, build, base?): GridRow[]        // many combinations, metrics only, fast
 * validateSignals(result, thresholds?): { pass, reasons, metrics }  // >= 30 trades, win rate > 40%,
 *   // profit factor > 1, 1..500 entry signals per 1,000 bars, decay by holding period
 * walkForward({ nBars, fit, evaluate, fractions?, embargo?, start? })      // 60/20/20, test scored once
 * rollingValidation({ nBars, fit, evaluate, train?, test?, step? })       // 2,160 / 720 bars by default
 * deflatedSharpeReport({ returns, annualization, nTrials, trialSharpes })  // lib/stats: the one DSR
 * tuneOnRange({ range, suggest, score, nTrials?, folds?, seed? })          // TPE + median pruner (lib/optimize)
 * exportStrategy(input: StrategyInput, opts?): Promise<{ dir, hash, doc }> // strategies/<name>/
 * loadStrategy(dir): Promise<StrategyDocument>     // schema, version and content hash checked
 * rerunStrategy(doc, panel): Record<string, number> // metrics of the stored period
 * verifyStrategy(doc, panel): { ok, mismatches }    // bit-exact comparison with the stored metrics
 * ```
 * Conventions are stated in `kernel.ts` (bar simulator) and `portfolio.ts` (cross-section).
 * Pure computations: kernel.ts, signals.ts, backtest.ts, portfolio.ts, validation.ts,
 * strategy.ts, tearsheet.ts; I/O: export.ts; optimizer glue: tune.ts.
 */
// A curated surface: what callers outside lib/backtest use. Internals (mask caches, grid
// helpers, JSON helpers of the strategy document) stay in their files.

// bar simulator: the kernel and its conventions (kernel.ts), signals, backtests
export { runKernel, KernelScratch, TradeLog, EXIT_REASONS } from './kernel.js';
export type { MarketArrays, SignalMasks, KernelParams, ExitReason, KernelSummary } from './kernel.js';
export { compileSignals, isSignalMasks, rollingVolatility } from './signals.js';
export type { Condition, SignalRules, SignalSpec } from './signals.js';
export {
  backtestSignals, backtestGrid, paramGrid, defaultExecutionSettings, resolveExecutionSettings, EXECUTION_SETTINGS_KEYS, marketArrays, DECAY_HORIZONS,
} from './backtest.js';
export type { Sizing, ExecutionSettings, Trade, BacktestMetrics, HoldingDecayPoint, BacktestResult, GridRow } from './backtest.js';
export { validateSignals, DEFAULT_SIGNAL_THRESHOLDS } from './validate-signals.js';
export type { SignalThresholds, SignalValidationMetrics } from './validate-signals.js';

// the quantile signal stage of a candidate screen
export {
  DEFAULT_SIGNAL_PARAMS, SIGNAL_FACTOR, resolveSignalParams, signalRules, signalSpec, signalExecution, signalMasks,
  signalStageMetrics, runSignalStage, signalEvaluationMetrics,
} from './signal-stage.js';
export type { SignalStageParams, SignalParams, SignalStageMetrics, SignalStage, SignalStageOptions } from './signal-stage.js';

// BRAIN-style cross-sectional portfolio
export { simulatePortfolio, portfolioPlan, simulateOnPlan, defaultPortfolioSettings, resolvePortfolioSettings, DEFAULT_BRAIN_SETTINGS, PORTFOLIO_SETTINGS_KEYS } from './portfolio.js';
export type { BrainSettings, PortfolioSettings, PortfolioMetrics, PortfolioResult, PortfolioPlan } from './portfolio.js';

// validation against overfitting
export {
  walkForward, walkForwardSplit, rollingValidation, rollingSplits, defaultRollingWindows,
} from './validation.js';
export type {
  BarRange, WalkForwardSplit, WalkForwardOptions, RollingOptions, RollingWindow, Scored, WalkForwardReport, RollingReport,
} from './validation.js';
export { tuneOnRange, reversalRules } from './tune.js';
export type { TuneOptions, TuneResult, TunedConfiguration } from './tune.js';

// figures, strategy documents, export
export { strategyFigures, isPortfolioResult } from './tearsheet.js';
export type { StrategyResult } from './tearsheet.js';
export {
  MAX_STRATEGY_DEPTH, STRATEGY_SCHEMA, STRATEGY_SCHEMA_VERSION, buildStrategyDocument, checkStrategyDocument, strategyHash, rerunStrategy, rerunStrategyFull,
  verifyStrategy, runStrategyDefinition, evaluateStrategyFactors,
} from './strategy.js';
export type { StrategyDataset, StoredExecution, StoredPortfolio, StrategyDocument, StrategyInput, StrategyRun } from './strategy.js';
export { defaultStrategiesDir, strategySummaryMarkdown, exportStrategy, loadStrategy } from './export.js';

// buy-and-hold benchmark for strategy reports
export { buyAndHoldReturns, statsVersusBenchmark, equityVersusBenchmarkFigure } from './benchmark.js';
export { COST_MODELS, COST_MODEL_KEYS, resolveCostModel, executionCosts, portfolioCosts } from './costs.js';
export type { CostModel } from './costs.js';
