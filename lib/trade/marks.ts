/**
 * Marks for readers outside the engine (the dashboard's unrealized PnL): the
 * engine keeps its last closes in memory only, so the driver writes the
 * marks of the open positions to the journal's `trade_meta` under the key
 * `marks` = `{ bar, time, closes: { symbol: price } }` (JSON) when a session
 * ends (paper replay: `paperReplay`; a live loop would write them per bar
 * from its own loop, after the engine's writes, never concurrently with them).
 */
import type { Journal, JournalTrade } from './journal.js';

/** The `trade_meta` key of the marks. */
export const MARKS_META_KEY = 'marks';

/** Marks of a journal: the close each open position was last marked at, the bar and its open time (epoch ms). */
export interface JournalMarks {
  bar: number;
  time: number;
  closes: Record<string, number>;
}

/** The marks a replay ended with: its open positions' `'open'` rows carry the last close as `exitPrice` (engine `openTrades`). */
export function replayMarks(trades: readonly JournalTrade[], bar: number, time: number): JournalMarks {
  const closes: Record<string, number> = {};
  for (const t of trades) if (t.reason === 'open' && t.exitPrice === t.exitPrice) closes[t.symbol] = t.exitPrice;
  return { bar, time, closes };
}

/** Writes a journal's marks (one transaction). */
export async function writeMarks(journal: Journal, marks: JournalMarks): Promise<void> {
  await journal.setMeta({ [MARKS_META_KEY]: JSON.stringify(marks) });
}

/** Reads a journal's marks; null when none were written. */
export async function readMarks(journal: Journal): Promise<JournalMarks | null> {
  const v = await journal.meta(MARKS_META_KEY);
  return v === null ? null : (JSON.parse(v) as JournalMarks);
}
