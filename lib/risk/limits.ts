/**
 * The risk engine's pure part: `TradingState` and pre-trade checks
 * (nautilus_trader's conventions). The trading engine (lib/trade) calls
 * {@link preTradeCheck} before every order and {@link stateAfterMark} after
 * each mark to market; the kill switch sets HALTED directly.
 *
 * - `ACTIVE`: all orders allowed (subject to the checks).
 * - `REDUCING`: only orders that reduce an existing position (e.g. after the
 *   daily loss cap is hit; back to ACTIVE at the next UTC day).
 * - `HALTED`: no new orders at all (cancels allowed); left only by an operator
 *   (maximum drawdown breached, kill switch).
 *
 * Checks, in this order; the first failing one denies the order with its name
 * and a reason, which the engine journals as a risk event:
 * `state`, `order_rate` (orders in the last 60 s of the engine clock),
 * `order_notional` (quote units per order), `concentration` (position
 * notional after the order / equity), `daily_loss` (equity vs the equity at
 * the start of the UTC day, fraction), `drawdown` (equity vs its running peak, fraction).
 * Limits are `Infinity` when off; fractions, not percent.
 */

/** nautilus_trader's trading states. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** Pre-trade limits (Infinity = off). */
export interface RiskLimits {
  /** Most orders per rolling 60 s of the engine clock. */
  maxOrdersPerMinute: number;
  /** Most notional per order, quote units. */
  maxOrderNotional: number;
  /** Most position notional in one symbol after an order, as a fraction of equity (0.5 = 50 %). */
  maxConcentration: number;
  /** Daily loss cap: equity below (1 - cap) x the day's starting equity -> REDUCING (fraction). */
  dailyLossCap: number;
  /** Maximum drawdown from the running equity peak -> HALTED (fraction). */
  maxDrawdown: number;
}

/** No limits (the backtest's behaviour; parity runs use it). */
export const NO_LIMITS: RiskLimits = { maxOrdersPerMinute: Infinity, maxOrderNotional: Infinity, maxConcentration: Infinity, dailyLossCap: Infinity, maxDrawdown: Infinity };

/**
 * Limits with defaults filled in and checked.
 * @throws RangeError naming the bad field (unknown keys are refused too)
 */
export function resolveRiskLimits(given: Partial<RiskLimits> = {}): RiskLimits {
  for (const k of Object.keys(given)) if (!(k in NO_LIMITS)) throw new RangeError(`risk limits: unknown setting "${k}"; known: ${Object.keys(NO_LIMITS).join(', ')}`);
  const out = { ...NO_LIMITS, ...given };
  for (const [k, v] of Object.entries(out)) if (!(typeof v === 'number' && v > 0)) throw new RangeError(`risk limits: ${k} must be a number > 0 (Infinity = off), got ${String(v)}`);
  return out;
}

/** What the checks need to know about the account (engine-side figures). */
export interface RiskSnapshot {
  state: TradingState;
  /** Engine clock, epoch ms. */
  now: number;
  /** Times of orders sent (any order of the last 60 s; older ones may be present). */
  recentOrders: readonly number[];
  equity: number;
  peakEquity: number;
  dayStartEquity: number;
}

/** An order as the checks see it. */
export interface OrderIntent {
  /** True when the order only reduces or closes a position. */
  reducing: boolean;
  /** Order notional, quote units (estimate at the current price). */
  notional: number;
  /** Absolute notional of the symbol's position after the order, quote units. */
  positionNotionalAfter: number;
}

/** Names of the pre-trade checks. */
export type RiskCheck = 'state' | 'order_rate' | 'order_notional' | 'concentration' | 'daily_loss' | 'drawdown';

/** Outcome of {@link preTradeCheck}: allowed, or the failing check and why (one shape, so it narrows the same in every compiler setting). */
export interface PreTradeDecision {
  ok: boolean;
  check: RiskCheck | null;
  reason: string;
}

const ALLOW: PreTradeDecision = { ok: true, check: null, reason: '' };
const deny = (check: RiskCheck, reason: string): PreTradeDecision => ({ ok: false, check, reason });

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** Pre-trade checks of one order (see the module header for the order and meaning of the checks). */
export function preTradeCheck(o: OrderIntent, s: RiskSnapshot, l: RiskLimits): PreTradeDecision {
  if (s.state === 'HALTED') return deny('state', 'trading is HALTED: no new orders');
  if (s.state === 'REDUCING' && !o.reducing) return deny('state', 'trading is REDUCING: only orders that reduce a position');
  if (l.maxOrdersPerMinute < Infinity) {
    let n = 0;
    for (const t of s.recentOrders) if (t > s.now - 60_000 && t <= s.now) n++;
    if (n >= l.maxOrdersPerMinute) return deny('order_rate', `${n} orders in the last 60 s, limit ${l.maxOrdersPerMinute}`);
  }
  if (o.reducing) return ALLOW;
  if (o.notional > l.maxOrderNotional) return deny('order_notional', `order notional ${o.notional.toPrecision(6)} exceeds ${l.maxOrderNotional}`);
  if (s.equity > 0 && o.positionNotionalAfter / s.equity > l.maxConcentration) return deny('concentration', `position would be ${pct(o.positionNotionalAfter / s.equity)} of equity, limit ${pct(l.maxConcentration)}`);
  if (s.equity < s.dayStartEquity * (1 - l.dailyLossCap)) return deny('daily_loss', `equity ${pct(s.equity / s.dayStartEquity - 1)} since the start of the day, cap ${pct(l.dailyLossCap)}`);
  if (s.equity < s.peakEquity * (1 - l.maxDrawdown)) return deny('drawdown', `drawdown ${pct(1 - s.equity / s.peakEquity)}, limit ${pct(l.maxDrawdown)}`);
  return ALLOW;
}

/**
 * The state after a mark to market: HALTED stays HALTED; a drawdown beyond
 * the limit halts; a daily loss beyond the cap reduces; REDUCING returns to
 * ACTIVE when a new UTC day starts (`newDay`) and no limit is breached.
 */
export function stateAfterMark(state: TradingState, equity: number, peakEquity: number, dayStartEquity: number, newDay: boolean, l: RiskLimits): { state: TradingState; reason: string | null } {
  if (state === 'HALTED') return { state, reason: null };
  if (equity < peakEquity * (1 - l.maxDrawdown)) return { state: 'HALTED', reason: `max drawdown breached: ${pct(1 - equity / peakEquity)} > ${pct(l.maxDrawdown)}` };
  if (equity < dayStartEquity * (1 - l.dailyLossCap)) return { state: 'REDUCING', reason: state === 'REDUCING' ? null : `daily loss cap breached: ${pct(equity / dayStartEquity - 1)} < -${pct(l.dailyLossCap)}` };
  if (state === 'REDUCING' && newDay) return { state: 'ACTIVE', reason: 'new UTC day: daily loss cap reset' };
  return { state, reason: null };
}
