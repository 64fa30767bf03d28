/**
 * Fill-price conventions shared by the backtest kernel and the paper broker
 * (one definition, so a backtest and a paper replay fill at the same prices).
 *
 * - Timing: an order decided from signal row `t` fills at the open of bar
 *   `t + 1` (`'nextOpen'`, default) or at the close of bar `t` (`'close'`).
 * - Slippage fraction `s = slipRate + impact * sqrt(notional / (volume * price))`
 *   (square-root market-impact law; the impact term is 0 when `impact = 0` or
 *   the bar volume is missing or 0), capped at 0.5.
 * - Fill price: buys at `price * (1 + s)`, sells at `price * (1 - s)` (against the trader).
 * - Fee: `feeRate` (fraction, = bps / 1e4) of the traded notional; for an order
 *   given by notional the notional itself, for one given by quantity `qty * fill`.
 */

/** When orders decided on a bar fill: next bar's open or this bar's close. */
export type FillTiming = 'nextOpen' | 'close';

/** Slippage cap (fraction of the price). */
export const MAX_SLIPPAGE = 0.5;

/**
 * Slippage fraction of an order (see module header).
 * @param slipRate fixed slippage, fraction (bps / 1e4)
 * @param impact square-root impact coefficient (0 = off)
 * @param volume the fill bar's volume in base units (NaN / 0 = no impact term)
 * @param price raw market price of the fill
 * @param notional order notional in quote units
 */
export function slippageFraction(slipRate: number, impact: number, volume: number, price: number, notional: number): number {
  let f = slipRate;
  if (impact > 0) {
    const dv = volume * price;
    if (dv > 0) f += impact * Math.sqrt(notional / dv);
  }
  return f > MAX_SLIPPAGE ? MAX_SLIPPAGE : f;
}

/** Fill price of a buy (`side > 0`) or sell (`side < 0`) at raw price `price` with slippage fraction `s`. */
export function fillPrice(side: number, price: number, s: number): number {
  return side > 0 ? price * (1 + s) : price * (1 - s);
}
