/**
 * Live sessions of an exported strategy for the CLI (`alphalab trade live`):
 * the verified strategy document, its execution settings, a ccxt exchange
 * (optionally Binance demo trading), `CcxtBroker` + `CcxtBarFeed` over it,
 * the STOP-file kill switch, and {@link runLive}.
 */
import type { Exchange } from 'ccxt';
import { resolveExecutionSettings, type StrategyDocument } from '../backtest/index.js';
import type { Panel } from '../data/panel.js';
import type { RiskLimits } from '../risk/limits.js';
import { CcxtBroker } from '../venues/ccxt.js';
import { CcxtBarFeed } from '../venues/ccxt-feed.js';
import { Journal } from './journal.js';
import { stopFilePath, stopFileSwitch } from './killswitch.js';
import { runLive, type Clock, type LiveBar, type LiveReport } from './live.js';
import { strategyMasks } from './strategy.js';

/** Options of {@link liveSession}. */
export interface LiveSessionOptions {
  /** The verified strategy and the panel it was verified on (`loadTradableStrategy`). */
  doc: StrategyDocument;
  panel: Panel;
  /** A ccxt exchange with keys (`createExchange`). */
  exchange: Exchange;
  /** Journal path (DuckDB); running again continues it (restart after a crash). */
  db: string;
  /** Bar timeframe (default: the strategy panel's frequency). */
  timeframe?: string;
  /** Closed bars kept for the signals (default 500). */
  warmupBars?: number;
  limits?: RiskLimits;
  maxBars?: number;
  shouldStop?: () => boolean;
  clock?: Clock;
  onBar?: (bar: LiveBar) => void;
}

/**
 * Runs an exported "signals" strategy live through the engine (see lib/trade/live.ts).
 * Symbols are the strategy's assets, used as the venue's market ids ('BTCUSDT').
 * @throws Error for a strategy that is not of kind "signals"; ReconciliationError at start
 */
export async function liveSession(o: LiveSessionOptions): Promise<LiveReport> {
  const doc = o.doc;
  if (doc.kind !== 'signals' || !doc.execution) throw new Error(`strategy "${doc.name}" is a "${doc.kind}" strategy; live trading runs "signals" strategies (entry/exit rules)`);
  const s = resolveExecutionSettings(o.panel, doc.execution);
  const symbols = doc.dataset.assets;
  const journal = await Journal.open(o.db);
  try {
    return await runLive({
      broker: new CcxtBroker(o.exchange, { symbols }),
      feed: new CcxtBarFeed(o.exchange, symbols, o.timeframe ?? o.panel.frequency),
      journal,
      name: doc.name,
      signals: (p) => strategyMasks(doc, p),
      sizing: s.sizing,
      stops: { stopLoss: s.stopLoss ?? NaN, takeProfit: s.takeProfit ?? NaN, trailingStop: s.trailingStop ?? NaN },
      maxOpenPositions: s.maxOpenPositions,
      annualization: s.annualization,
      warmupBars: o.warmupBars ?? 500,
      killSwitch: stopFileSwitch(stopFilePath(o.db), 1000),
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.maxBars !== undefined ? { maxBars: o.maxBars } : {}),
      ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.onBar ? { onBar: (b: LiveBar) => o.onBar!(b) } : {}),
    });
  } finally {
    journal.close();
  }
}
