/**
 * Risk: pure functions shared by the backtest, the ML signal engine and the
 * trading engine (never imports `trade`).
 * - `manager.ts`: the risk manager (fixed / volatility stops, sizing by signal confidence and a risk
 *   budget, maximum position, daily loss cap, transaction cost): `manageRisk(row, signal, balance, state, settings)`.
 */
export * from './manager.js';
