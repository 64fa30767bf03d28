/**
 * Backtest of model signals through lib/backtest's bar simulator, with the
 * risk manager's stop-loss / take-profit and transaction cost.
 *
 * The rows become a one-asset panel: bar t has close = mid_t and open =
 * mid_{t-1} (the price when the bar started), high / low = max / min of the
 * two, so a signal at row t fills at the open of bar t+1 = mid_t, the price
 * the model saw (`fill: 'nextOpen'`; nothing after t is used). Costs: the
 * risk manager's `costRate` as the fee per fill, plus slippage = the mean
 * half-spread of the rows in bps (the mid is not tradable). Stops: fixed
 * stopLoss / takeProfit of the risk settings (the kernel checks them on each
 * bar's high / low, the stop first when both are touched). Rules: long while
 * the predicted class is buy with confidence >= minConfidence, short while it
 * is sell; any other prediction exits. The panel's `frequency` is nominal
 * ('1m'); returns are annualized with `rowsPerYear` passed explicitly.
 */
import { backtestSignals, type BacktestResult } from '../backtest/index.js';
import type { Panel } from '../data/panel.js';
import { resolveRiskSettings, type RiskSettings } from '../risk/index.js';
import type { MarketFrame } from './data.js';
import { rowsPerYear } from './pipeline.js';

/** Options of {@link backtestModelSignals}. */
export interface SignalBacktestOptions {
  /** Rows [start, end) simulated (e.g. the test segment). */
  start: number;
  end: number;
  risk?: Partial<RiskSettings>;
  /** Rows per year for annualization (default: estimated from the timestamps, {@link rowsPerYear}). */
  rowsPerYear?: number;
  /** Charge fees and the half-spread (default true); false gives the gross result. */
  costs?: boolean;
}

/**
 * Simulates the signals of class probabilities `proba` (T x 3, rows of the
 * whole frame; rows outside [start, end) are ignored) on `frame`.
 * @throws RangeError when `proba` does not have 3 values per frame row.
 */
export function backtestModelSignals(frame: MarketFrame, proba: Float64Array, opts: SignalBacktestOptions): BacktestResult & { slippageBps: number } {
  const T = frame.timestamp.length;
  if (proba.length !== T * 3) throw new RangeError(`backtestModelSignals: proba has ${proba.length} values, expected ${T} x 3`);
  const risk = resolveRiskSettings(opts.risk);
  const mid = new Float64Array(T), open = new Float64Array(T), high = new Float64Array(T), low = new Float64Array(T);
  let halfSpread = 0;
  for (let t = 0; t < T; t++) {
    mid[t] = (frame.bidPrice[t]! + frame.askPrice[t]!) / 2;
    open[t] = t > 0 ? mid[t - 1]! : mid[t]!;
    high[t] = Math.max(open[t]!, mid[t]!);
    low[t] = Math.min(open[t]!, mid[t]!);
    if (t >= opts.start && t < opts.end) halfSpread += (frame.askPrice[t]! - frame.bidPrice[t]!) / 2 / mid[t]!;
  }
  const slippageBps = (halfSpread / (opts.end - opts.start)) * 1e4;
  const longEntry = new Uint8Array(T), longExit = new Uint8Array(T), shortEntry = new Uint8Array(T), shortExit = new Uint8Array(T);
  for (let t = opts.start; t < opts.end; t++) {
    const o = t * 3;
    const k = proba[o + 2]! >= proba[o]! && proba[o + 2]! >= proba[o + 1]! ? 2 : proba[o]! >= proba[o + 1]! ? 0 : 1;
    const conf = proba[o + k]!;
    const buy = k === 2 && conf >= risk.minConfidence, sell = k === 0 && conf >= risk.minConfidence;
    longEntry[t] = buy ? 1 : 0;
    shortEntry[t] = sell ? 1 : 0;
    longExit[t] = buy ? 0 : 1;
    shortExit[t] = sell ? 0 : 1;
  }
  const panel: Panel = { frequency: '1m', market: 'crypto', times: frame.timestamp, assets: ['asset'], fields: { open, high, low, close: mid } };
  const result = backtestSignals(panel, { longEntry, longExit, shortEntry, shortExit }, {
    fill: 'nextOpen', feeBps: opts.costs === false ? 0 : risk.costRate * 1e4, slippageBps: opts.costs === false ? 0 : slippageBps, funding: false, sizing: { kind: 'fixedFraction', fraction: risk.maxPosition },
    stopLoss: risk.stopLoss, takeProfit: risk.takeProfit, start: opts.start, end: opts.end, annualization: opts.rowsPerYear ?? rowsPerYear(frame),
  });
  return { ...result, slippageBps };
}
