/**
 * Risk: pure functions shared by the backtest kernel, the ML signal engine and
 * the trading engine (no I/O; never imports `trade`).
 * - `stops.ts`: the one stop-loss / take-profit / trailing rule (the kernel and the paper broker call it);
 * - `fills.ts`: fill-price conventions (slippage, square-root impact);
 * - `limits.ts`: TradingState and pre-trade checks; `rules.ts`: the AlphaGPT portfolio rules;
 * - `manager.ts`: the risk manager (fixed / volatility stops, sizing by signal confidence and a risk
 *   budget, maximum position, daily loss cap, transaction cost): `manageRisk(row, signal, balance, state, settings)`.
 */
export * from './manager.js';
export { checkStops, stopHit, stopsActive, STOP_LOSS, TAKE_PROFIT, TRAILING_STOP, type StopHit, type StopLevels } from './stops.js';
export { fillPrice, slippageFraction, orderFee, MAX_SLIPPAGE, type FillTiming } from './fills.js';
export { preTradeCheck, resolveRiskLimits, stateAfterMark, NO_LIMITS, type OrderIntent, type RiskCheck, type PreTradeDecision, type RiskLimits, type RiskSnapshot, type TradingState } from './limits.js';
export { ALPHAGPT_RULES, openRuleState, resolvePortfolioRules, ruleExit, selectEntries, type Candidate, type PortfolioRules, type RuleAction, type RuleState } from './rules.js';
