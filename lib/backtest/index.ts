/**
 * Signals, strategies and backtests (issue 5): factor -> signal -> strategy.
 *
 * - {@link simulatePortfolio}: BRAIN-style cross-sectional portfolio simulation
 *   (delay, decay, neutralization, truncation, book size, costs) with daily PnL
 *   and Sharpe, annual return, turnover, max drawdown, margin, fitness.
 * - {@link backtestSignals}: event-aware vectorized backtest of entry/exit
 *   signals for one or many assets (next-open or close fills, fees, slippage,
 *   funding, intrabar stops with the stop-first rule, long and short);
 *   {@link backtestGrid} runs parameter grids fast.
 * - {@link validateSignals}: trade count, win rate, profit factor, expectancy,
 *   signal frequency and decay against thresholds.
 * - {@link walkForward}, {@link rollingValidation}, {@link deflatedSharpeReport}:
 *   validation against overfitting.
 * - {@link exportStrategy}, {@link loadStrategy}, {@link rerunStrategy}:
 *   schema-versioned, hashed strategy files under `strategies/<name>/`.
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
