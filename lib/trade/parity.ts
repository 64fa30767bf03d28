/**
 * Parity: the paper replay against `backtestSignals`, trade by trade and field
 * by field, bit for bit (`Object.is`; NaN equals NaN). The freqtrade lesson:
 * backtest, dry run and live disagree when each has its own fill logic; here
 * the kernel and the paper broker share lib/risk, and this check proves it on
 * any strategy (`alphalab trade paper --replay` prints its result).
 */
import type { Trade } from '../backtest/index.js';
import type { JournalTrade } from './journal.js';

/** One differing field (first differences only). */
export interface ParityDifference {
  /** Trade number (0-based) in closing order, or -1 for the count. */
  index: number;
  field: string;
  engine: unknown;
  backtest: unknown;
}

/** Result of {@link compareTrades}. */
export interface TradeParityReport {
  ok: boolean;
  /** Number of differing fields (all), and the first ones. */
  differences: number;
  first: ParityDifference[];
  engineTrades: number;
  backtestTrades: number;
}

const PAIRS: ReadonlyArray<readonly [keyof JournalTrade, keyof Trade]> = [
  ['symbol', 'asset'], ['side', 'side'], ['signalBar', 'signalIndex'], ['entryBar', 'entryIndex'], ['exitBar', 'exitIndex'], ['size', 'size'],
  ['entryPrice', 'entryPrice'], ['exitPrice', 'exitPrice'], ['pnl', 'pnl'], ['fees', 'fees'], ['funding', 'funding'], ['reason', 'reason'],
];

/**
 * Compares the engine's trades (closed, then open ones marked at the last close)
 * with a backtest's trade list.
 * @param maxListed how many differences to list (default 10)
 */
export function compareTrades(engine: readonly JournalTrade[], backtest: readonly Trade[], maxListed = 10): TradeParityReport {
  const first: ParityDifference[] = [];
  let differences = 0;
  const note = (d: ParityDifference) => {
    differences++;
    if (first.length < maxListed) first.push(d);
  };
  if (engine.length !== backtest.length) note({ index: -1, field: 'count', engine: engine.length, backtest: backtest.length });
  const n = Math.min(engine.length, backtest.length);
  for (let i = 0; i < n; i++) {
    for (const [ek, bk] of PAIRS) {
      const x = engine[i]![ek], y = backtest[i]![bk];
      if (!Object.is(x, y)) note({ index: i, field: bk, engine: x, backtest: y });
    }
  }
  return { ok: differences === 0, differences, first, engineTrades: engine.length, backtestTrades: backtest.length };
}
