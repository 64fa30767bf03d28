/**
 * Trading: one engine for paper and live (issue 14). Events -> strategy ->
 * orders -> risk checks -> Broker -> fills -> portfolio -> journal.
 * - `broker.ts`: the venue port (`Broker`, `BrokerError`) every venue implements.
 * - `paper.ts`: `PaperBroker`, the backtest's fill conventions through lib/risk.
 * - `engine.ts`: `TradingEngine`, `runReplay` (replayed bars, crash-only restart).
 * - `journal.ts`: the DuckDB journal (one transaction per change).
 * - `strategy.ts`: signal sources (exported strategies, masks, scored formulas).
 * - `parity.ts`: replay vs `backtestSignals`, trade by trade.
 * - `killswitch.ts`: STOP file.
 * - `requests.ts`: force-exit request files (freqtrade's `forceexit`).
 * - `marks.ts`: the open positions' last marks in the journal (for the dashboard).
 * - `rules-driver.ts`: `runRulesReplay`, AlphaGPT portfolio rules on the engine for scored formulas.
 * - `live.ts`, `live-session.ts`: `runLive`, the live bar loop (closed exchange bars, reconciliation at start).
 */
export * from './broker.js';
export * from './paper.js';
export * from './engine.js';
export * from './journal.js';
export * from './strategy.js';
export * from './parity.js';
export * from './killswitch.js';
export * from './session.js';
export * from './requests.js';
export * from './marks.js';
export * from './live.js';
// live-session.ts (`liveSession`, ccxt) is imported directly, not re-exported here: notebooks that
// import lib/trade would otherwise load and compile ccxt.
export * from './rules-driver.js';
