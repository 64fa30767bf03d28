/**
 * Risk: pure rules shared by the backtester and the trading engine (no I/O,
 * imports nothing from `lib/trade`). Issue 9 / 14 own the stop rule and the
 * fill conventions; issue 13 adds the risk manager (merged by the coordinator).
 */
export { checkStops, stopHit, stopsActive, STOP_LOSS, TAKE_PROFIT, TRAILING_STOP, type StopHit, type StopLevels } from './stops.js';
export { fillPrice, slippageFraction, MAX_SLIPPAGE, type FillTiming } from './fills.js';
export { preTradeCheck, resolveRiskLimits, stateAfterMark, NO_LIMITS, type OrderIntent, type RiskCheck, type RiskDecision, type RiskLimits, type RiskSnapshot, type TradingState } from './limits.js';
export { ALPHAGPT_RULES, openRuleState, resolvePortfolioRules, ruleExit, selectEntries, type Candidate, type PortfolioRules, type RuleAction, type RuleState } from './rules.js';
