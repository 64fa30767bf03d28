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
 *   With a cost model ({@link orderFee}): the commission is at least `minFee`
 *   (currency units) per fill, and a sell also pays `sellTaxRate` of its notional
 *   (China A-share stamp duty: sells only).
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

/**
 * Fee of one fill in currency units: commission `max(minFee, notional x feeRate)`
 * plus, on a sell, `notional x sellTaxRate` (a transaction tax charged to the
 * seller only, such as the China A-share stamp duty, 5 bps since 2023-08-28).
 * With `minFee = 0` and `sellTaxRate = 0` this is `notional x feeRate`.
 * @param notional traded notional (fill price x quantity), >= 0
 * @param isSell true for a sell (closing a long or opening / growing a short)
 * @param feeRate commission, fraction of notional (bps / 1e4)
 * @param sellTaxRate tax on sells, fraction of notional (bps / 1e4)
 * @param minFee minimum commission per fill, currency units (0 = none)
 */
export function orderFee(notional: number, isSell: boolean, feeRate: number, sellTaxRate = 0, minFee = 0): number {
  const commission = notional * feeRate;
  return (commission > minFee ? commission : minFee) + (isSell ? notional * sellTaxRate : 0);
}
