/**
 * The risk manager of the ML signal engine: pure decisions from (market row,
 * signal, balance, state) to an action, a size, stop levels, a risk level and
 * a reason. No I/O, no clock: the row's timestamp is the time. The next state
 * is returned, never mutated in place, so the backtest and a trading engine
 * can share it and replay it.
 *
 * Rules, in the order they are applied by {@link manageRisk}:
 * 1. New UTC day: the day's starting balance resets and a halt from the previous day is lifted.
 * 2. An open position whose stop or take profit the row touched is closed there
 *    (long: low <= stop / high >= take profit; a row that touches both counts as the
 *    stop, the backtest kernel's conservative rule; a row that opens beyond a level fills at its open).
 * 3. Daily loss cap: when (day start balance - balance) / day start balance >= dailyLossCap
 *    (2 %), no new entries for the rest of the UTC day (risk level 'halted'); open positions
 *    keep their stops and can still be closed by a signal.
 * 4. A signal against the open position with confidence >= minConfidence closes it.
 * 5. Entry on buy / sell with confidence >= minConfidence when flat:
 *    stop distance d = stopLoss (0.4 %), or with dynamic stops max(stopLoss, volMultiplier x sigma)
 *    (sigma = the row's volatility over the holding horizon, fraction); take-profit distance =
 *    d x takeProfit / stopLoss (the configured reward-to-risk ratio kept);
 *    strength s = (confidence - minConfidence) / (1 - minConfidence) in [0, 1];
 *    notional = min(maxPosition x balance, s x riskPerTrade x balance / (d + 2 x costRate))
 *    (the loss at the stop, round-trip cost included, is s x riskPerTrade of the balance);
 *    size = notional / price.
 * Costs: costRate (0.05 %) of the notional per fill, charged in the realized PnL.
 */
import { checkStops, stopHit, TAKE_PROFIT } from './stops.js';

/** Settings of {@link manageRisk}; fractions, not percent. */
export interface RiskSettings {
  /** Take-profit distance from the entry (0.004 = 0.4 %). */
  takeProfit: number;
  /** Stop-loss distance from the entry (0.004). */
  stopLoss: number;
  /** Widen the stop with volatility: max(stopLoss, volMultiplier x row.volatility). Default true. */
  dynamicStops: boolean;
  /** Multiplier of the row's volatility for the dynamic stop. Default 2. */
  volMultiplier: number;
  /** Largest position notional as a fraction of the balance. Default 1. */
  maxPosition: number;
  /** Balance fraction lost at the stop by a full-strength signal. Default 0.01. */
  riskPerTrade: number;
  /** Signals below this confidence are treated as hold. Default 0.45. */
  minConfidence: number;
  /** Daily loss (fraction of the day's starting balance) that halts new entries. Default 0.02. */
  dailyLossCap: number;
  /** Transaction cost per fill, fraction of notional. Default 0.0005 (0.05 %). */
  costRate: number;
}

/** Defaults (the seed system's 0.4 % / 0.4 %, 2 % daily cap, 0.05 % cost). */
export const DEFAULT_RISK_SETTINGS: Readonly<RiskSettings> = Object.freeze({
  takeProfit: 0.004, stopLoss: 0.004, dynamicStops: true, volMultiplier: 2, maxPosition: 1, riskPerTrade: 0.01,
  minConfidence: 0.45, dailyLossCap: 0.02, costRate: 0.0005,
});

/** The market as the risk manager sees one row. */
export interface RiskRow {
  /** Epoch ms UTC. */
  timestamp: number;
  /** Price an order would fill at (e.g. mid or close). */
  price: number;
  /** Row range for stop checks (default: price). */
  open?: number;
  high?: number;
  low?: number;
  /** Volatility over the holding horizon, fraction (for dynamic stops); NaN/absent = fixed stops. */
  volatility?: number;
}

/** A signal from the model. */
export interface RiskSignal {
  label: 'buy' | 'sell' | 'hold';
  /** Probability of the label, 0..1. */
  confidence: number;
}

/** An open position. */
export interface RiskPosition {
  side: 1 | -1;
  /** Units of the asset, > 0. */
  size: number;
  entryPrice: number;
  stopPrice: number;
  takeProfitPrice: number;
  entryTime: number;
}

/** State carried between calls. */
export interface RiskState {
  /** UTC day (YYYY-MM-DD) of the last call, '' before the first. */
  day: string;
  /** Balance at the first call of the day. */
  dayStartBalance: number;
  /** True once the daily loss cap was reached today. */
  halted: boolean;
  position: RiskPosition | null;
}

/** What to do now. */
export type RiskAction = 'enter_long' | 'enter_short' | 'exit' | 'hold';

/** Result of {@link manageRisk}. */
export interface RiskDecision {
  action: RiskAction;
  /** Units to trade (entry size, or the size closed), 0 for hold. */
  size: number;
  /** Fill price assumed (the stop / take-profit level for stop exits, else row.price). */
  price: number;
  /** Stop and take-profit levels of the position after the decision (NaN when flat). */
  stopLoss: number;
  takeProfit: number;
  /** low: flat or small risk; medium: in a position; high: the day lost half the cap or stops widened by volatility; halted: the daily cap is reached. */
  riskLevel: 'low' | 'medium' | 'high' | 'halted';
  /** Why, in words (e.g. 'stop loss hit at 99.6', 'daily loss 2.10 % >= cap 2.00 %: no new entries'). */
  reason: string;
  /** Realized PnL of an exit in balance units (costs of both fills included), 0 otherwise. */
  pnl: number;
  /** Transaction cost of this decision's fill. */
  cost: number;
  state: RiskState;
}

/** A fresh state (flat, no day yet). */
export function initialRiskState(): RiskState {
  return { day: '', dayStartBalance: NaN, halted: false, position: null };
}

/**
 * Checks every setting. @throws RangeError naming the setting.
 */
export function resolveRiskSettings(s: Partial<RiskSettings> = {}): RiskSettings {
  const r = { ...DEFAULT_RISK_SETTINGS, ...s };
  for (const k of ['takeProfit', 'stopLoss', 'maxPosition', 'riskPerTrade', 'dailyLossCap'] as const) if (!(r[k] > 0)) throw new RangeError(`risk settings: ${k} must be > 0, got ${r[k]}`);
  if (!(r.costRate >= 0)) throw new RangeError(`risk settings: costRate must be >= 0, got ${r.costRate}`);
  if (!(r.minConfidence >= 0 && r.minConfidence < 1)) throw new RangeError(`risk settings: minConfidence must be in [0, 1), got ${r.minConfidence}`);
  if (!(r.volMultiplier >= 0)) throw new RangeError(`risk settings: volMultiplier must be >= 0, got ${r.volMultiplier}`);
  return r;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** Stop-loss / take-profit levels for an entry at `price` (see rule 5). */
export function stopLevels(side: 1 | -1, price: number, volatility: number | undefined, s: RiskSettings): { stop: number; takeProfit: number; distance: number; widened: boolean } {
  const dyn = s.dynamicStops && volatility !== undefined && volatility === volatility ? s.volMultiplier * volatility : 0;
  const distance = Math.max(s.stopLoss, dyn);
  const tp = (distance * s.takeProfit) / s.stopLoss;
  return { stop: price * (1 - side * distance), takeProfit: price * (1 + side * tp), distance, widened: dyn > s.stopLoss };
}

/**
 * Whether a row closes the position at its stop or take profit, and at which price
 * (rule 2 of the module comment; the stop wins when both are touched).
 */
export function stopExit(pos: RiskPosition, row: RiskRow): { reason: 'stop_loss' | 'take_profit'; price: number } | null {
  const hi = row.high ?? row.price, lo = row.low ?? row.price, open = row.open ?? row.price;
  // The shared rule (stops.ts) works on fractions of the entry; the position holds absolute
  // levels, and a price -> fraction -> price round trip is not exact in floating point. So the
  // levels go in exactly: the take profit as `entry` with fraction 0 (entry * (1 +/- 0)) and the
  // stop as the trailing reference with fraction 0 (extreme * (1 -/+ 0)); stop loss off. With the
  // gap rule on, a hit fills at the level or at a worse open, the stop first when both are touched
  // (identical to min/max(open, level) for any bar with low <= open <= high).
  const out = stopHit();
  if (!checkStops(pos.side === 1, pos.takeProfitPrice, pos.stopPrice, NaN, 0, 0, open, hi, lo, true, out)) return null;
  return { reason: out.reason === TAKE_PROFIT ? 'take_profit' : 'stop_loss', price: out.price };
}

/** Realized PnL of closing `pos` at `price`, both fills' costs included. */
function closePnl(pos: RiskPosition, price: number, costRate: number): number {
  return pos.side * pos.size * (price - pos.entryPrice) - costRate * pos.size * (pos.entryPrice + price);
}

/**
 * One risk decision (see the module comment for the rules).
 * @param balance account equity now (balance units), > 0.
 * @throws RangeError for a non-positive price or balance, a confidence outside [0, 1], or a bad setting.
 */
export function manageRisk(row: RiskRow, signal: RiskSignal, balance: number, state: RiskState = initialRiskState(), settings: Partial<RiskSettings> = {}): RiskDecision {
  const s = resolveRiskSettings(settings);
  if (!(row.price > 0)) throw new RangeError(`manageRisk: row.price must be > 0, got ${row.price}`);
  if (!(balance > 0)) throw new RangeError(`manageRisk: balance must be > 0, got ${balance}`);
  if (!(signal.confidence >= 0 && signal.confidence <= 1)) throw new RangeError(`manageRisk: signal.confidence must be in [0, 1], got ${signal.confidence}`);
  const day = new Date(row.timestamp).toISOString().slice(0, 10);
  let st: RiskState = { ...state };
  if (st.day !== day) st = { day, dayStartBalance: balance, halted: false, position: st.position };
  const pos = st.position;
  const dayLoss = (st.dayStartBalance - balance) / st.dayStartBalance;
  const flat = (action: RiskAction, reason: string, level: RiskDecision['riskLevel'], extra: Partial<RiskDecision> = {}): RiskDecision => ({
    action, size: 0, price: row.price, stopLoss: NaN, takeProfit: NaN, riskLevel: level, reason, pnl: 0, cost: 0, state: { ...st, position: null }, ...extra,
  });
  const baseLevel = (): RiskDecision['riskLevel'] => (st.halted ? 'halted' : dayLoss >= s.dailyLossCap / 2 ? 'high' : 'low');

  // 2. stops
  if (pos) {
    const hit = stopExit(pos, row);
    if (hit) {
      const pnl = closePnl(pos, hit.price, s.costRate);
      return flat('exit', `${hit.reason === 'stop_loss' ? 'stop loss' : 'take profit'} hit at ${+hit.price.toPrecision(10)}`, baseLevel(), { size: pos.size, price: hit.price, pnl, cost: s.costRate * pos.size * hit.price });
    }
  }
  // 3. daily cap
  if (!st.halted && dayLoss >= s.dailyLossCap) st = { ...st, halted: true };
  const strong = signal.label !== 'hold' && signal.confidence >= s.minConfidence;
  // 4. opposite signal closes
  if (pos) {
    const against = strong && (signal.label === 'buy' ? 1 : -1) !== pos.side;
    if (against) {
      const pnl = closePnl(pos, row.price, s.costRate);
      return flat('exit', `${signal.label} signal (confidence ${signal.confidence.toFixed(2)}) against the open ${pos.side === 1 ? 'long' : 'short'}`, st.halted ? 'halted' : baseLevel(), { size: pos.size, pnl, cost: s.costRate * pos.size * row.price });
    }
    return { action: 'hold', size: 0, price: row.price, stopLoss: pos.stopPrice, takeProfit: pos.takeProfitPrice, riskLevel: st.halted ? 'halted' : dayLoss >= s.dailyLossCap / 2 ? 'high' : 'medium', reason: 'position open, stops not touched', pnl: 0, cost: 0, state: st };
  }
  if (st.halted) return flat('hold', `daily loss ${pct(dayLoss)} >= cap ${pct(s.dailyLossCap)}: no new entries until the next UTC day`, 'halted');
  if (!strong) return flat('hold', signal.label === 'hold' ? 'hold signal' : `confidence ${signal.confidence.toFixed(2)} < ${s.minConfidence}`, baseLevel());
  // 5. entry
  const side: 1 | -1 = signal.label === 'buy' ? 1 : -1;
  const lv = stopLevels(side, row.price, row.volatility, s);
  const strength = (signal.confidence - s.minConfidence) / (1 - s.minConfidence);
  const notional = Math.min(s.maxPosition * balance, (strength * s.riskPerTrade * balance) / (lv.distance + 2 * s.costRate));
  if (!(notional > 0)) return flat('hold', `signal strength 0 at confidence ${signal.confidence.toFixed(2)}`, baseLevel());
  const size = notional / row.price;
  const position: RiskPosition = { side, size, entryPrice: row.price, stopPrice: lv.stop, takeProfitPrice: lv.takeProfit, entryTime: row.timestamp };
  const level = lv.widened || dayLoss >= s.dailyLossCap / 2 ? 'high' : 'medium';
  return {
    action: side === 1 ? 'enter_long' : 'enter_short', size, price: row.price, stopLoss: lv.stop, takeProfit: lv.takeProfit, riskLevel: level,
    reason: `${signal.label} at confidence ${signal.confidence.toFixed(2)}: notional ${pct(notional / balance)} of balance, stop ${pct(lv.distance)}${lv.widened ? ' (widened by volatility)' : ''}`,
    pnl: 0, cost: s.costRate * notional, state: { ...st, position },
  };
}
