/**
 * PaperBroker: a simulated venue that fills under exactly the conventions of
 * `lib/backtest` (see the header of `lib/backtest/kernel.ts`), through the
 * same `lib/risk` functions: market orders fill at the price of the current
 * bar phase (the open, or the close) moved against the trader by
 * `slippageFraction`, fees in bps of the traded notional, funding
 * `qty x open x rate` on each bar's `funding` value, and attached protective
 * exits (stop loss / take profit / trailing stop) checked on each bar's
 * open/high/low by `checkStops`.
 *
 * Bars arrive in three phases, driven by the engine: `beginBar` (the open:
 * orders fill at the open), `settleBar` (funding, then protective exits on the
 * bar's range), `closeBar` (orders fill at the close). A position opened at a
 * bar's open has its stops checked on that bar; one opened at the close from
 * the next bar on (the kernel's rule).
 *
 * Crash-only: every accepted order is appended to a {@link PaperOrderLog}
 * (the venue's own record) before it is filled. The venue is deterministic,
 * so after a restart {@link PaperBroker.preload} plus re-driving the same bars
 * rebuilds the identical state, with the same fill ids and sequence numbers.
 */
import type { MarketArrays } from '../backtest/index.js';
import { fillPrice, slippageFraction } from '../risk/fills.js';
import { checkStops, stopHit, STOP_LOSS, TAKE_PROFIT } from '../risk/stops.js';
import { BrokerError, sideSign, type AttachedStops, type Balance, type Broker, type Fill, type FillCause, type OrderRequest, type OrderState, type VenueEvent, type VenuePosition } from './broker.js';

/** Costs of the simulated venue (the backtest's `ExecutionSettings` units). */
export interface PaperCosts {
  /** Fee, basis points of the traded notional. */
  feeBps: number;
  /** Fixed slippage, basis points of the price. */
  slippageBps: number;
  /** Square-root impact coefficient (0 = off). */
  impact: number;
}

/**
 * One bar for every symbol of the venue: the kernel's market arrays for one
 * row (open, high, low, close, volume or null, funding or null; aligned with
 * the venue's symbols; NaN = no price), with its bar number and time.
 */
export interface BarSlice extends Pick<MarketArrays, 'open' | 'high' | 'low' | 'close' | 'volume' | 'funding'> {
  /** Bar number, increasing by one per bar (the replay's panel row). */
  index: number;
  /** Bar open time, epoch ms UTC. */
  time: number;
}

/** Phase of a bar at which an order reaches the venue. */
export type BarPhase = 'open' | 'settle' | 'close';

/** An order as the paper venue recorded it, with the bar and phase it arrived at. */
export interface PaperLogEntry {
  bar: number;
  phase: BarPhase;
  order: OrderRequest;
}

/** Durable record of the orders the paper venue accepted (e.g. a DuckDB table of the journal). */
export interface PaperOrderLog {
  append(entry: PaperLogEntry): Promise<void>;
}

interface PaperPosition {
  qty: number;
  entryPx: number;
  entryBar: number;
  /** Opened at the open phase (stops checked on the entry bar) or later. */
  entryPhase: BarPhase;
  extreme: number;
  stops: AttachedStops | null;
  openedBy: string;
}

const CAUSE: Record<number, FillCause> = { [STOP_LOSS]: 'stop_loss', [TAKE_PROFIT]: 'take_profit', 4: 'trailing_stop' };

/** The simulated venue (see the module header). */
export class PaperBroker implements Broker {
  readonly venue = 'paper';
  private readonly index: Map<string, number>;
  private readonly feeRate: number;
  private readonly slipRate: number;
  private readonly impact: number;
  private readonly pos: Array<PaperPosition | null>;
  private readonly orders = new Map<string, OrderState>();
  private readonly log: VenueEvent[] = [];
  private readonly pending = new Map<string, PaperLogEntry>();
  private readonly hit = stopHit();
  private cash: number;
  private seq = 0;
  private bar: BarSlice | null = null;
  private phase: BarPhase = 'open';

  /**
   * @param symbols the venue's symbols (bar slices are aligned with them)
   * @param costs fees, slippage and impact
   * @param initialCash starting quote balance (> 0)
   * @param orderLog durable order record (optional; without it a restart cannot rebuild the venue)
   * @param quote quote asset name
   */
  constructor(
    readonly symbols: readonly string[],
    costs: PaperCosts,
    initialCash: number,
    private readonly orderLog: PaperOrderLog | null = null,
    readonly quote = 'USDT',
  ) {
    if (!(initialCash > 0)) throw new RangeError(`PaperBroker: initialCash must be > 0, got ${initialCash}`);
    for (const k of ['feeBps', 'slippageBps', 'impact'] as const) if (!(costs[k] >= 0)) throw new RangeError(`PaperBroker: ${k} must be >= 0, got ${costs[k]}`);
    this.index = new Map(symbols.map((s, i) => [s, i]));
    this.feeRate = costs.feeBps / 1e4;
    this.slipRate = costs.slippageBps / 1e4;
    this.impact = costs.impact;
    this.pos = symbols.map(() => null);
    this.cash = initialCash;
  }

  /**
   * Orders recorded before a restart: each is applied again when the venue
   * reaches its bar and phase (so re-driving the same bars rebuilds the same
   * state), and a resubmission of its client id is recognized.
   */
  preload(entries: readonly PaperLogEntry[]): void {
    for (const e of entries) this.pending.set(e.order.clientOrderId, e);
  }

  /** Starts bar `b`: prices are its opens; preloaded orders of this bar's open phase are applied. */
  beginBar(b: BarSlice): void {
    if (this.bar !== null && b.index <= this.bar.index) throw new Error(`PaperBroker: bar ${b.index} does not follow bar ${this.bar.index}`);
    this.bar = b;
    this.phase = 'open';
    this.applyPreloaded();
  }

  /** Funding on the positions held after the open, then protective exits on the bar's range. */
  settleBar(): void {
    const b = this.mustBar();
    this.phase = 'settle';
    const t = b.index;
    if (b.funding !== null) {
      for (let a = 0; a < this.pos.length; a++) {
        const p = this.pos[a];
        if (!p) continue;
        const fr = b.funding[a]!, op = b.open[a]!;
        if (fr === fr && op === op && fr !== 0) {
          const pay = p.qty * op * fr;
          this.cash -= pay;
          this.log.push({ kind: 'funding', fundingId: `fund-${this.symbols[a]}-${t}`, seq: ++this.seq, symbol: this.symbols[a]!, amount: pay, time: b.time });
        }
      }
    }
    for (let a = 0; a < this.pos.length; a++) {
      const p = this.pos[a];
      if (!p || p.stops === null) continue;
      if (p.entryBar === t && p.entryPhase !== 'open') continue;
      const hi = b.high[a]!, lo = b.low[a]!, op = b.open[a]!;
      if (hi !== hi || lo !== lo) continue;
      const s = p.stops;
      if (checkStops(p.qty > 0, p.entryPx, p.extreme, s.stopLoss, s.takeProfit, s.trailingStop, op, hi, lo, t > p.entryBar && op === op, this.hit)) {
        const cause = CAUSE[this.hit.reason]!;
        this.execute(a, `${p.openedBy}-${cause}`, p.qty > 0 ? 'sell' : 'buy', Math.abs(p.qty), NaN, this.hit.price, cause, null);
      } else p.extreme = this.hit.extreme;
    }
  }

  /** Prices become the bar's closes; preloaded orders of the close phase are applied. */
  closeBar(): void {
    this.mustBar();
    this.phase = 'close';
    this.applyPreloaded();
  }

  /** Current bar number and phase (null before the first bar). */
  where(): { bar: number; phase: BarPhase } | null {
    return this.bar === null ? null : { bar: this.bar.index, phase: this.phase };
  }

  async submit(o: OrderRequest): Promise<OrderState> {
    const known = this.orders.get(o.clientOrderId);
    if (known) return { ...known };
    const b = this.mustBar();
    const pre = this.pending.get(o.clientOrderId);
    if (pre) {
      // sent before a restart at an earlier point than now: the venue applied it then; a resubmission elsewhere is a logic error
      throw new BrokerError(`PaperBroker: order ${o.clientOrderId} was recorded at bar ${pre.bar} ${pre.phase}, resubmitted at bar ${b.index} ${this.phase}`, 'halt', 'ReplayMismatch');
    }
    const a = this.validate(o);
    const entry: PaperLogEntry = { bar: b.index, phase: this.phase, order: o };
    if (this.orderLog) await this.orderLog.append(entry);
    return this.apply(a, o);
  }

  async cancel(clientOrderId: string): Promise<OrderState | null> {
    const o = this.orders.get(clientOrderId);
    return o ? { ...o } : null;
  }

  async order(clientOrderId: string): Promise<OrderState | null> {
    const o = this.orders.get(clientOrderId);
    return o ? { ...o } : null;
  }

  async openOrders(): Promise<OrderState[]> {
    return [...this.orders.values()].filter((o) => o.status === 'open').map((o) => ({ ...o }));
  }

  async events(afterSeq: number): Promise<VenueEvent[]> {
    // seq starts at 1 and increases by one per event: binary search is unnecessary
    return this.log.slice(Math.max(0, afterSeq));
  }

  async positions(): Promise<VenuePosition[]> {
    const out: VenuePosition[] = [];
    this.pos.forEach((p, a) => p && out.push({ symbol: this.symbols[a]!, quantity: p.qty, entryPrice: p.entryPx }));
    return out;
  }

  async balance(): Promise<Balance> {
    return { asset: this.quote, total: this.cash };
  }

  private mustBar(): BarSlice {
    if (this.bar === null) throw new BrokerError('PaperBroker: no market data yet (call beginBar first)', 'retry', 'NoMarketData');
    return this.bar;
  }

  private validate(o: OrderRequest): number {
    const a = this.index.get(o.symbol);
    if (a === undefined) throw new BrokerError(`PaperBroker: unknown symbol ${o.symbol}`, 'reject', 'BadSymbol');
    if (o.type !== 'market') throw new BrokerError(`PaperBroker: only market orders are simulated on bars, got ${o.type}`, 'reject', 'OrderNotSupported');
    const hasQ = o.quantity !== undefined, hasN = o.notional !== undefined;
    if (hasQ === hasN) throw new BrokerError(`PaperBroker: order ${o.clientOrderId} needs exactly one of quantity and notional`, 'reject', 'BadOrder');
    const v = hasQ ? o.quantity! : o.notional!;
    if (!(v > 0 && Number.isFinite(v))) throw new BrokerError(`PaperBroker: order ${o.clientOrderId} size must be a positive finite number, got ${v}`, 'reject', 'BadOrder');
    if (o.stops !== undefined) {
      // NaN = off; anything else must be a positive fraction (a null read back from plain JSON would act as a stop at the entry price)
      for (const k of ['stopLoss', 'takeProfit', 'trailingStop'] as const) {
        const x = o.stops[k];
        if (!(typeof x === 'number' && (x !== x || (x > 0 && x < Infinity)))) throw new BrokerError(`PaperBroker: order ${o.clientOrderId} stops.${k} must be NaN (off) or a positive fraction, got ${String(x)}`, 'reject', 'BadOrder');
      }
    }
    const p = this.pos[a];
    if (o.reduceOnly && (!p || sideSign(o.side) === Math.sign(p.qty))) throw new BrokerError(`PaperBroker: reduce-only order ${o.clientOrderId} would not reduce a position`, 'reject', 'ReduceOnly');
    return a;
  }

  private applyPreloaded(): void {
    const b = this.bar!;
    for (const [id, e] of this.pending) {
      if (e.bar !== b.index || e.phase !== this.phase) continue;
      this.pending.delete(id);
      this.apply(this.validate(e.order), e.order);
    }
  }

  private apply(a: number, o: OrderRequest): OrderState {
    const px = this.phase === 'close' ? this.bar!.close[a]! : this.bar!.open[a]!;
    const state: OrderState = { clientOrderId: o.clientOrderId, venueOrderId: `paper-${this.orders.size + 1}`, symbol: o.symbol, side: o.side, type: o.type, status: 'rejected', quantity: o.quantity ?? NaN, filledQuantity: 0, averagePrice: NaN };
    if (px !== px) state.reason = 'no price for the symbol at this bar';
    else {
      const f = this.execute(a, o.clientOrderId, o.side, o.quantity ?? NaN, o.notional ?? NaN, px, 'order', o.stops ?? null);
      state.status = 'filled';
      state.filledQuantity = f.quantity;
      state.averagePrice = f.price;
      if (state.quantity !== state.quantity) state.quantity = f.quantity;
    }
    this.orders.set(o.clientOrderId, state);
    return { ...state };
  }

  /**
   * One fill at raw price px: quantity given (NaN when by notional). Opening
   * fills and closing fills use the kernel's exact cash arithmetic (openPos / closePos).
   */
  private execute(a: number, id: string, side: Fill['side'], qty: number, notional: number, px: number, cause: FillCause, stops: AttachedStops | null): Fill {
    const b = this.bar!;
    const s = sideSign(side);
    const p = this.pos[a];
    const vol = b.volume === null ? NaN : b.volume[a]!;
    let fill: number, q: number, fee: number, tradedNotional: number;
    if (p && Math.sign(p.qty) !== s) {
      // reduce or close (a larger quantity than the position is refused: no implicit flips)
      const aq = qty === qty ? qty : notional / px;
      if (aq > Math.abs(p.qty) * (1 + 1e-12)) throw new BrokerError(`PaperBroker: order ${id} (${aq}) exceeds the position (${Math.abs(p.qty)}); close first, then open`, 'reject', 'BadOrder');
      const closeAll = aq >= Math.abs(p.qty);
      const closed = closeAll ? p.qty : -s * aq;
      const absClosed = Math.abs(closed);
      const f = slippageFraction(this.slipRate, this.impact, vol, px, absClosed * px);
      fill = fillPrice(s, px, f);
      tradedNotional = absClosed * fill;
      fee = tradedNotional * this.feeRate;
      this.cash += closed * fill - fee;
      q = absClosed;
      if (closeAll) this.pos[a] = null;
      else p.qty -= closed;
    } else {
      const target = notional === notional ? notional : qty * px;
      const f = slippageFraction(this.slipRate, this.impact, vol, px, target);
      fill = fillPrice(s, px, f);
      q = notional === notional ? target / fill : qty;
      tradedNotional = notional === notional ? target : q * fill;
      fee = tradedNotional * this.feeRate;
      this.cash -= s * q * fill + fee;
      if (p) {
        const tot = Math.abs(p.qty) + q;
        p.entryPx = (Math.abs(p.qty) * p.entryPx + q * fill) / tot;
        p.qty += s * q;
      } else this.pos[a] = { qty: s * q, entryPx: fill, entryBar: b.index, entryPhase: this.phase, extreme: fill, stops, openedBy: id };
    }
    const ev: Fill = { kind: 'fill', fillId: `${id}-f`, seq: ++this.seq, clientOrderId: id, symbol: this.symbols[a]!, side, quantity: q, price: fill, fee, notional: tradedNotional, time: b.time, cause };
    this.log.push(ev);
    return ev;
  }
}
