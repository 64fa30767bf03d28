/**
 * The one stop rule: stop loss, take profit and trailing stop on one bar's
 * open/high/low, shared by the vectorized backtest kernel (`lib/backtest/kernel.ts`)
 * and the paper broker (`lib/trade/paper.ts`). Pure, no allocation.
 *
 * Convention (stated once here and in the kernel header):
 * - Levels: stop loss at `entry * (1 -/+ stopLoss)`, take profit at
 *   `entry * (1 +/- takeProfit)`, trailing stop at `extreme * (1 -/+ trailingStop)`
 *   (long / short), where `entry` is the entry fill price (slippage included)
 *   and `extreme` the best high (long) / low (short) of the bars *before* the
 *   current one since entry, starting at the entry fill price. The current
 *   bar's high/low moves the trail only from the next bar on, so no intrabar
 *   order has to be assumed.
 * - The effective stop is the tighter of stop loss and trailing stop; when
 *   they are equal the reason is the stop loss.
 * - Gap: when `gapAllowed` and the bar opens beyond a level, the exit fills at
 *   the open. Otherwise a stop fills at its level when the low (long) / high
 *   (short) reaches it, a take profit when the high (long) / low (short) does.
 * - A bar that touches both: the stop is assumed hit first (conservative).
 * - NaN disables a level. Fractions, not percent (0.05 = 5 %).
 */

/** Exit reason codes, shared with `lib/backtest` `EXIT_REASONS` (index 2, 3, 4). */
export const STOP_LOSS = 2;
/** Take-profit exit code. */
export const TAKE_PROFIT = 3;
/** Trailing-stop exit code. */
export const TRAILING_STOP = 4;

/** Stop settings as fractions of the entry price (NaN = off). */
export interface StopLevels {
  stopLoss: number;
  takeProfit: number;
  trailingStop: number;
}

/**
 * Result slot of {@link checkStops}, reused by the caller (no allocation in hot loops).
 * After a call that returns true: `price` is the raw exit price and `reason`
 * its code ({@link STOP_LOSS}, {@link TAKE_PROFIT}, {@link TRAILING_STOP});
 * after one that returns false they are stale and `extreme` is the trailing
 * reference to carry to the next bar.
 */
export interface StopHit {
  price: number;
  reason: number;
  extreme: number;
}

/** A fresh {@link StopHit} slot. */
export function stopHit(): StopHit {
  return { price: NaN, reason: 0, extreme: NaN };
}

/**
 * Checks one bar of an open position against its stops (the convention in the module header).
 *
 * @param long true for a long position, false for a short one
 * @param entry entry fill price
 * @param extreme best high (long) / low (short) of earlier bars since entry (entry fill price at first)
 * @param stopLoss stop-loss fraction or NaN
 * @param takeProfit take-profit fraction or NaN
 * @param trailingStop trailing-stop fraction or NaN
 * @param open the bar's open (used only when `gapAllowed`)
 * @param high the bar's high (finite)
 * @param low the bar's low (finite)
 * @param gapAllowed whether an open beyond a level fills at the open (false on the entry bar of a next-open fill, or when the open is missing)
 * @param out receives price / reason / extreme
 * @returns true when the position exits on this bar
 */
export function checkStops(
  long: boolean,
  entry: number,
  extreme: number,
  stopLoss: number,
  takeProfit: number,
  trailingStop: number,
  open: number,
  high: number,
  low: number,
  gapAllowed: boolean,
  out: StopHit,
): boolean {
  // split by side: each half is small enough for the optimizing compiler to inline into the kernel's hot loops
  return long ? stopsLong(entry, extreme, stopLoss, takeProfit, trailingStop, open, high, low, gapAllowed, out) : stopsShort(entry, extreme, stopLoss, takeProfit, trailingStop, open, high, low, gapAllowed, out);
}

/** {@link checkStops} for a long position (called directly by the kernel's hot loops). */
export function stopsLong(entry: number, extreme: number, sl: number, tp: number, ts: number, open: number, high: number, low: number, gap: boolean, out: StopHit): boolean {
  const slPx = sl === sl ? entry * (1 - sl) : -Infinity;
  const tsPx = ts === ts ? extreme * (1 - ts) : -Infinity;
  const stopPx = slPx >= tsPx ? slPx : tsPx;
  if (stopPx > -Infinity && (low <= stopPx || (gap && open <= stopPx))) return hit(out, gap && open <= stopPx ? open : stopPx, slPx >= tsPx ? STOP_LOSS : TRAILING_STOP, extreme);
  if (tp === tp) {
    const tpPx = entry * (1 + tp);
    if (high >= tpPx || (gap && open >= tpPx)) return hit(out, gap && open >= tpPx ? open : tpPx, TAKE_PROFIT, extreme);
  }
  out.extreme = high > extreme ? high : extreme;
  return false;
}

/** {@link checkStops} for a short position (called directly by the kernel's hot loops). */
export function stopsShort(entry: number, extreme: number, sl: number, tp: number, ts: number, open: number, high: number, low: number, gap: boolean, out: StopHit): boolean {
  const slPx = sl === sl ? entry * (1 + sl) : Infinity;
  const tsPx = ts === ts ? extreme * (1 + ts) : Infinity;
  const stopPx = slPx <= tsPx ? slPx : tsPx;
  if (stopPx < Infinity && (high >= stopPx || (gap && open >= stopPx))) return hit(out, gap && open >= stopPx ? open : stopPx, slPx <= tsPx ? STOP_LOSS : TRAILING_STOP, extreme);
  if (tp === tp) {
    const tpPx = entry * (1 - tp);
    if (low <= tpPx || (gap && open <= tpPx)) return hit(out, gap && open <= tpPx ? open : tpPx, TAKE_PROFIT, extreme);
  }
  out.extreme = low < extreme ? low : extreme;
  return false;
}

function hit(out: StopHit, price: number, reason: number, extreme: number): true {
  out.price = price;
  out.reason = reason;
  out.extreme = extreme;
  return true;
}

/**
 * Whether bar `t` is checked for stops of a position entered at bar `entryBar`:
 * with next-open fills the entry bar itself is checked (its range follows the
 * open fill), with close fills only later bars are.
 */
export function stopsActive(t: number, entryBar: number, fillAtClose: boolean): boolean {
  return fillAtClose ? t > entryBar : t >= entryBar;
}
