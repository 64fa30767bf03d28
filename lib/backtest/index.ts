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
 * deflatedSharpeReport({ returns, annualization, nTrials, trialSharpes })
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
export * from './kernel.js';
export * from './signals.js';
export * from './backtest.js';
export * from './validate-signals.js';
export * from './portfolio.js';
export * from './validation.js';
export * from './tearsheet.js';
export * from './strategy.js';
export * from './export.js';
export * from './tune.js';
export { buyAndHoldReturns, statsVersusBenchmark, equityVersusBenchmarkFigure } from './benchmark.js';
