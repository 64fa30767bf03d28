/**
 * The one trading engine for paper and live (nautilus_trader's design: only
 * the venue adapter changes). Per bar, in this order (the backtest kernel's
 * order, so a paper replay reproduces `backtestSignals` exactly):
 *
 * 1. Kill switch: a trigger sets `HALTED` at once (risk event), optionally flattening.
 * 2. Open: the venue starts the bar (`PaperBroker.beginBar`); with `'nextOpen'`
 *    fills the engine reads signal row `t - 1` and decides: exits first (exit
 *    signal or an opposite entry = reversal), then entries in asset order while
 *    fewer than `maxOpenPositions` are open, sized from equity marked at the
 *    fill prices (lib/backtest `Sizing`). Every order passes the pre-trade
 *    checks (lib/risk `preTradeCheck`; denials journaled), is journaled as an
 *    intent, sent with a deterministic client order id, and its fills are read
 *    back from the venue's event stream before the next decision.
 * 3. Settle: funding, then the venue's protective exits (attached stops,
 *    lib/risk `checkStops`) on the bar's range; events read back.
 * 4. Close: with `'close'` fills the engine reads signal row `t` and decides at the close.
 * 5. Mark: equity at the close; `TradingState` updated (lib/risk `stateAfterMark`).
 *
 * Portfolio accounting follows the kernel's arithmetic (cash, per-trade fees
 * and funding, PnL), so trades agree bit for bit.
 *
 * Crash-only restart ({@link runReplay} on a journal that has an account):
 * the engine's state is loaded from the journal; the paper venue replays its
 * own order record over the same bars up to the journal's cursor (bar and
 * phase of the last change), which rebuilds it exactly; venue events the
 * journal missed are imported (by fill id, never twice); positions are
 * reconciled with the venue and the engine refuses to trade when they differ;
 * then the cursor's phase is run again: decisions are idempotent (an order
 * already sent has the same client order id and the venue returns it instead
 * of executing it again).
 */
import type { Panel } from '../data/panel.js';
import { marketArrays, resolveExecutionSettings, rollingVolatility, type ExecutionSettings, type SignalMasks, type Sizing } from '../backtest/index.js';
import { NO_LIMITS, preTradeCheck, stateAfterMark, type RiskLimits, type TradingState } from '../risk/limits.js';
import { BrokerError, sideSign, type AttachedStops, type Broker, type Fill, type FundingPayment, type OrderRequest } from './broker.js';
import { Journal, type JournalAccount, type JournalPosition, type JournalTrade } from './journal.js';
import { PaperBroker, type BarPhase, type BarSlice } from './paper.js';
import { LONG_ENTRY, LONG_EXIT, masksSource, SHORT_ENTRY, SHORT_EXIT, type SignalSource } from './strategy.js';

/** What a kill switch asks for. */
export interface KillRequest {
  /** Also close every position with market orders. */
  flatten: boolean;
  /** Who/what pulled it ('STOP file', 'cli', 'dashboard'). */
  source: string;
}

/** What a force exit did for one symbol: order sent, denied by a pre-trade check (journaled), no position, or no price this bar. */
export interface ForceExitOutcome {
  symbol: string;
  outcome: 'sent' | 'denied' | 'flat' | 'no price';
}

/** Engine settings: the strategy's execution settings plus risk limits. */
export interface EngineSettings {
  fill: 'nextOpen' | 'close';
  sizing: Sizing;
  stops: AttachedStops;
  maxOpenPositions: number;
  initialCash: number;
  limits: RiskLimits;
  /** Prefix of client order ids (<= 12 characters; stored in the journal). */
  runTag: string;
}

/** Refusal to trade after a failed reconciliation. */
export class ReconciliationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconciliationError';
  }
}

const PHASES: readonly BarPhase[] = ['open', 'settle', 'close'];
const DAY_MS = 86_400_000;

/** The engine over one broker and one journal (see the module header). */
export class TradingEngine {
  cash: number;
  state: TradingState = 'ACTIVE';
  readonly positions: Array<JournalPosition | null>;
  readonly trades: JournalTrade[] = [];
  readonly lastClose: Float64Array;
  private venueSeq = 0;
  private peak: number;
  private dayStart: number;
  private day = -1;
  private lastEquity: number;
  private readonly recentOrders: number[] = [];
  private readonly assetIndex: Map<string, number>;
  private readonly intents = new Map<string, { signalBar: number; tag: string }>();
  private cursor: { bar: number; phase: BarPhase } = { bar: -1, phase: 'open' };
  private now = 0;
  /** Orders sent and denied in this session (counts for reports). */
  ordersSent = 0;
  ordersDenied = 0;

  constructor(
    readonly broker: Broker,
    readonly journal: Journal,
    readonly symbols: readonly string[],
    readonly settings: EngineSettings,
    private readonly barOfTime: (time: number) => number,
  ) {
    this.cash = settings.initialCash;
    this.peak = this.dayStart = this.lastEquity = settings.initialCash;
    this.positions = symbols.map(() => null);
    this.lastClose = new Float64Array(symbols.length).fill(NaN);
    this.assetIndex = new Map(symbols.map((s, i) => [s, i]));
  }

  /** Loads the engine's state from the journal; returns the cursor, or null for a new journal. */
  async load(): Promise<{ bar: number; phase: BarPhase } | null> {
    const acct = await this.journal.account();
    if (!acct) return null;
    this.cash = acct.cash;
    this.venueSeq = acct.venueSeq;
    this.state = acct.state;
    this.peak = acct.peakEquity;
    this.dayStart = acct.dayStartEquity;
    this.day = acct.day;
    for (const p of await this.journal.positions()) {
      const a = this.assetIndex.get(p.symbol);
      if (a === undefined) throw new ReconciliationError(`journal ${this.journal.db.path}: position in ${p.symbol}, which the strategy does not trade`);
      this.positions[a] = p;
    }
    this.trades.push(...(await this.journal.trades()));
    this.cursor = { bar: acct.bar, phase: acct.phase };
    return this.cursor;
  }

  /**
   * Reconciles with the venue after a start: imports venue events the journal
   * missed, settles orders left 'sending' (known to the venue or not), and
   * compares positions and cash.
   * @throws ReconciliationError (journaled as a risk event, state HALTED) when they differ
   */
  async reconcile(): Promise<{ imported: number }> {
    const before = this.venueSeq;
    await this.sync();
    for (const o of await this.journal.unsettledOrders()) {
      const s = await this.broker.order(o.clientOrderId);
      if (s) await this.journal.recordOrderState(s);
    }
    const venue = new Map((await this.broker.positions()).map((p) => [p.symbol, p.quantity]));
    const diffs: string[] = [];
    this.symbols.forEach((sym, a) => {
      const mine = this.positions[a]?.qty ?? 0;
      const theirs = venue.get(sym) ?? 0;
      if (!Object.is(mine, theirs) && Math.abs(mine - theirs) > 1e-12 * Math.max(1, Math.abs(theirs))) diffs.push(`${sym}: journal ${mine}, venue ${theirs}`);
      venue.delete(sym);
    });
    for (const [sym, q] of venue) diffs.push(`${sym}: venue position ${q} not traded by this strategy (external)`);
    const bal = await this.broker.balance();
    if (this.broker.venue === 'paper' && !Object.is(bal.total, this.cash)) diffs.push(`cash: journal ${this.cash}, venue ${bal.total}`);
    if (diffs.length > 0) {
      this.state = 'HALTED';
      await this.journal.recordRiskEvent({ time: this.now, bar: this.cursor.bar, kind: 'reconciliation_failed', detail: diffs.join('; '), state: 'HALTED' }, this.account());
      throw new ReconciliationError(`reconciliation with ${this.broker.venue} failed, refusing to trade: ${diffs.join('; ')}`);
    }
    return { imported: this.venueSeq - before };
  }

  /** Sets the engine clock (epoch ms) and cursor; called by the driver at each phase. */
  at(bar: number, phase: BarPhase, time: number): void {
    this.cursor = { bar, phase };
    this.now = time;
  }

  /** Pulls the kill switch: HALTED at once (risk event); with `flatten`, market orders close every position. */
  async kill(req: KillRequest, prices: Float64Array): Promise<void> {
    if (this.state !== 'HALTED') {
      this.state = 'HALTED';
      await this.journal.recordRiskEvent({ time: this.now, bar: this.cursor.bar, kind: 'kill_switch', detail: `${req.source}${req.flatten ? ', flatten' : ''}`, state: 'HALTED' }, this.account());
    }
    if (!req.flatten) return;
    for (let a = 0; a < this.symbols.length; a++) {
      const p = this.positions[a];
      if (!p || prices[a] !== prices[a]) continue;
      await this.send({ clientOrderId: this.orderId('k', a), symbol: this.symbols[a]!, side: p.qty > 0 ? 'sell' : 'buy', type: 'market', quantity: Math.abs(p.qty), reduceOnly: true, tag: 'flatten' }, p.signalBar, null);
    }
  }

  /**
   * Force exit (freqtrade's `forceexit`; requests in lib/trade/requests.ts):
   * closes `symbol`'s position (every position with 'all') with a reduce-only
   * market order through the normal path (pre-trade checks, intent, journal;
   * trade reason 'force_exit'). Client ids are deterministic per bar and
   * asset, so handling the same request again after a restart sends nothing twice.
   * @throws Error when `symbol` is neither 'all' nor a traded symbol
   */
  async forceExit(symbol: string, prices: Float64Array, source: string): Promise<ForceExitOutcome[]> {
    const one = this.assetIndex.get(symbol);
    if (symbol !== 'all' && one === undefined) throw new Error(`force exit: ${symbol} is not traded by this strategy (${this.symbols.join(', ')})`);
    const out: ForceExitOutcome[] = [];
    for (const a of symbol === 'all' ? this.symbols.map((_, i) => i) : [one!]) {
      const p = this.positions[a], sym = this.symbols[a]!, px = prices[a]!;
      if (!p) {
        if (symbol !== 'all') out.push({ symbol: sym, outcome: 'flat' });
        continue;
      }
      if (px !== px) {
        out.push({ symbol: sym, outcome: 'no price' });
        continue;
      }
      await this.journal.recordRiskEvent({ time: this.now, bar: this.cursor.bar, kind: 'force_exit', detail: `${source}: ${sym}`, state: this.state }, null);
      const denied = this.ordersDenied, aq = Math.abs(p.qty);
      await this.send({ clientOrderId: this.orderId('fx', a), symbol: sym, side: p.qty > 0 ? 'sell' : 'buy', type: 'market', quantity: aq, reduceOnly: true, tag: 'force_exit' }, p.signalBar, { reducing: true, notional: aq * px, positionNotionalAfter: 0 });
      out.push({ symbol: sym, outcome: this.ordersDenied > denied ? 'denied' : 'sent' });
    }
    return out;
  }

  /**
   * Decides from signal row `sRow` at prices `prices` (the open or close of
   * bar `t`), exactly as the backtest kernel's `decide`: exits, then entries.
   * `sigma` (volatility-target sizing) is indexed by signal row minus
   * `sigmaRow0` (0 for a replay over the whole panel; the live loop's window
   * starts at a later bar).
   */
  async decide(t: number, sRow: number, prices: Float64Array, source: SignalSource, sigma: Float64Array | null, sigmaRow0 = 0): Promise<void> {
    const N = this.symbols.length;
    const code = this.cursor.phase === 'close' ? 'c' : 'o';
    for (let a = 0; a < N; a++) {
      const p = this.positions[a];
      if (!p) continue;
      const px = prices[a]!;
      if (px !== px) continue;
      const f = source.flags(sRow, a);
      const ex = p.qty > 0 ? (f & LONG_EXIT) !== 0 : (f & SHORT_EXIT) !== 0;
      const opp = p.qty > 0 ? (f & SHORT_ENTRY) !== 0 : (f & LONG_ENTRY) !== 0;
      if (!(ex || opp)) continue;
      const aq = Math.abs(p.qty);
      await this.send({ clientOrderId: this.orderId(`${code}x`, a, t), symbol: this.symbols[a]!, side: p.qty > 0 ? 'sell' : 'buy', type: 'market', quantity: aq, reduceOnly: true, tag: ex ? 'signal' : 'reverse' }, sRow, { reducing: true, notional: aq * px, positionNotionalAfter: 0 });
    }
    for (let a = 0; a < N; a++) {
      const f = source.flags(sRow, a);
      const wantL = (f & LONG_ENTRY) !== 0 && (f & LONG_EXIT) === 0;
      const wantS = (f & SHORT_ENTRY) !== 0 && (f & SHORT_EXIT) === 0;
      if (wantL === wantS) continue;
      if (this.positions[a] !== null || this.openCount() >= this.settings.maxOpenPositions) continue;
      const px = prices[a]!;
      if (px !== px) continue;
      const z = this.settings.sizing;
      let lev: number;
      if (z.kind === 'fixedFraction') lev = z.fraction;
      else {
        const sg = sigma![(sRow - sigmaRow0) * N + a]!;
        if (!(sg > 0)) continue;
        lev = z.targetVol / sg;
        if (lev > z.maxLeverage) lev = z.maxLeverage;
      }
      const eq = this.equityAt(prices);
      if (!(eq > 0)) continue;
      const target = eq * lev;
      await this.send({ clientOrderId: this.orderId(`${code}e`, a, t), symbol: this.symbols[a]!, side: wantL ? 'buy' : 'sell', type: 'market', notional: target, stops: this.settings.stops, tag: 'entry' }, sRow, { reducing: false, notional: target, positionNotionalAfter: target });
    }
  }

  /**
   * Starts a new journal's venue cursor at `seq` (the live loop: the venue's
   * event time at start, so fills of the account from before this strategy
   * ran are not imported as its own). Only before the first journaled change.
   */
  startVenueAt(seq: number): void {
    this.venueSeq = seq;
  }

  /** Marks to market at the bar's closes and updates the TradingState. @returns equity */
  async mark(close: Float64Array): Promise<number> {
    let eq = this.cash;
    for (let a = 0; a < this.symbols.length; a++) {
      const c = close[a]!;
      if (c === c) this.lastClose[a] = c;
      const p = this.positions[a];
      if (p) eq += p.qty * this.lastClose[a]!;
    }
    const day = Math.floor(this.now / DAY_MS);
    const newDay = day !== this.day;
    if (newDay) {
      this.day = day;
      this.dayStart = this.lastEquity;
    }
    if (eq > this.peak) this.peak = eq;
    const next = stateAfterMark(this.state, eq, this.peak, this.dayStart, newDay, this.settings.limits);
    if (next.reason !== null) {
      this.state = next.state;
      await this.journal.recordRiskEvent({ time: this.now, bar: this.cursor.bar, kind: 'state', detail: next.reason, state: next.state }, this.account());
    }
    this.lastEquity = eq;
    return eq;
  }

  /** Reads venue events after the last seen sequence number and applies them (journal first, then memory). */
  async sync(): Promise<void> {
    for (const ev of await this.broker.events(this.venueSeq)) {
      if (ev.kind === 'fill') await this.applyFill(ev);
      else await this.applyFunding(ev);
    }
  }

  /** The journal account row for the engine's current state. */
  account(): JournalAccount {
    return { cash: this.cash, venueSeq: this.venueSeq, bar: this.cursor.bar, phase: this.cursor.phase, state: this.state, peakEquity: this.peak, dayStartEquity: this.dayStart, day: this.day };
  }

  /** Sets the last marked equity from the last closes (after a restart). */
  resetLastEquity(): void {
    this.lastEquity = this.equityAt(this.lastClose);
  }

  /** Number of open positions. */
  openCount(): number {
    let n = 0;
    for (const p of this.positions) if (p) n++;
    return n;
  }

  /** Cash plus positions marked at `prices` (the last close where a price is missing): the kernel's `equityAt`. */
  equityAt(prices: Float64Array): number {
    let e = this.cash;
    for (let b = 0; b < this.symbols.length; b++) {
      const p = this.positions[b];
      if (p) {
        const px = prices[b]!;
        e += p.qty * (px === px ? px : this.lastClose[b]!);
      }
    }
    return e;
  }

  /** Open positions as trades with reason 'open', marked at the last close (the backtest's end-of-range rows). */
  openTrades(lastBar: number): JournalTrade[] {
    const out: JournalTrade[] = [];
    this.positions.forEach((p, a) => {
      if (!p) return;
      const px = this.lastClose[a]!;
      out.push({ symbol: p.symbol, side: p.qty > 0 ? 1 : -1, signalBar: p.signalBar, entryBar: p.entryBar, exitBar: lastBar, size: Math.abs(p.qty), entryPrice: p.entryPrice, exitPrice: px, pnl: p.qty * (px - p.entryPrice) - p.fees - p.funding, fees: p.fees, funding: p.funding, reason: 'open' });
    });
    return out;
  }

  private orderId(intent: string, a: number, t = this.cursor.bar): string {
    return `${this.settings.runTag}-${t}-${intent}${a}`;
  }

  /**
   * Risk check, intent, send, read back the fills. A denial is journaled; a
   * rejection by the venue too. `risk` null skips the pre-trade checks (the
   * kill switch's flatten orders). Public so that order-producing policies
   * beside `decide` (the portfolio rules driver) go through the same path.
   */
  async send(o: OrderRequest, signalBar: number, risk: { reducing: boolean; notional: number; positionNotionalAfter: number } | null): Promise<void> {
    if (risk !== null) {
      const d = preTradeCheck(risk, { state: this.state, now: this.now, recentOrders: this.recentOrders, equity: this.lastEquity, peakEquity: this.peak, dayStartEquity: this.dayStart }, this.settings.limits);
      if (!d.ok) {
        this.ordersDenied++;
        await this.journal.recordRiskEvent({ time: this.now, bar: this.cursor.bar, kind: 'denied', detail: `${d.check}: ${d.reason} (${o.side} ${o.symbol} ${o.tag ?? ''})`, state: this.state }, null);
        return;
      }
    }
    this.intents.set(o.clientOrderId, { signalBar, tag: o.tag ?? 'order' });
    await this.journal.recordIntent({ order: o, bar: this.cursor.bar, phase: this.cursor.phase, signalBar, time: this.now }, this.account());
    let state;
    try {
      state = await this.broker.submit(o);
    } catch (err) {
      if (err instanceof BrokerError && err.kind === 'reject') {
        await this.journal.recordOrderState({ clientOrderId: o.clientOrderId, venueOrderId: '', symbol: o.symbol, side: o.side, type: o.type, status: 'rejected', quantity: o.quantity ?? NaN, filledQuantity: 0, averagePrice: NaN, reason: `${err.code}: ${err.message}` });
        return;
      }
      throw err;
    }
    this.ordersSent++;
    this.recentOrders.push(this.now);
    if (this.recentOrders.length > 1000) this.recentOrders.splice(0, 500);
    // a filled order's status is written with its fill (one transaction); other answers now
    if (state.status !== 'filled') await this.journal.recordOrderState(state);
    await this.sync();
  }

  private async intentOf(id: string): Promise<{ signalBar: number; tag: string }> {
    const mem = this.intents.get(id);
    if (mem) return mem;
    const j = await this.journal.order(id);
    return { signalBar: j?.signalBar ?? -1, tag: j?.tag ?? 'order' };
  }

  private async applyFill(f: Fill): Promise<void> {
    const a = this.assetIndex.get(f.symbol);
    if (a === undefined) throw new ReconciliationError(`venue fill ${f.fillId} in ${f.symbol}, which this strategy does not trade (external order)`);
    const bar = this.barOfTime(f.time);
    const s = sideSign(f.side);
    const p = this.positions[a];
    let next: JournalPosition | null;
    let trade: JournalTrade | null = null;
    let cash = this.cash;
    if (!p || Math.sign(p.qty) === s) {
      cash -= s * f.quantity * f.price + f.fee;
      if (!p) {
        const intent = await this.intentOf(f.clientOrderId);
        next = { symbol: f.symbol, qty: s * f.quantity, entryPrice: f.price, entryBar: bar, signalBar: intent.signalBar, fees: f.fee, funding: 0 };
      } else {
        const tot = Math.abs(p.qty) + f.quantity;
        next = { ...p, qty: p.qty + s * f.quantity, entryPrice: (Math.abs(p.qty) * p.entryPrice + f.quantity * f.price) / tot, fees: p.fees + f.fee };
      }
    } else {
      const closeAll = f.quantity >= Math.abs(p.qty) * (1 - 1e-12);
      const closed = closeAll ? p.qty : -s * f.quantity;
      cash += closed * f.price - f.fee;
      const fees = p.fees + f.fee;
      if (closeAll) {
        const reason = f.cause !== 'order' ? f.cause : (await this.intentOf(f.clientOrderId)).tag;
        trade = { symbol: f.symbol, side: p.qty > 0 ? 1 : -1, signalBar: p.signalBar, entryBar: p.entryBar, exitBar: bar, size: Math.abs(p.qty), entryPrice: p.entryPrice, exitPrice: f.price, pnl: p.qty * (f.price - p.entryPrice) - fees - p.funding, fees, funding: p.funding, reason };
        next = null;
      } else {
        // a partial close (portfolio rules: take profit selling half, moonbag) is its own trade row for the part sold;
        // the position keeps its entry fees and funding, counted when the rest closes (so trade PnLs sum to the cash change)
        const reason = f.cause !== 'order' ? f.cause : (await this.intentOf(f.clientOrderId)).tag;
        trade = { symbol: f.symbol, side: p.qty > 0 ? 1 : -1, signalBar: p.signalBar, entryBar: p.entryBar, exitBar: bar, size: Math.abs(closed), entryPrice: p.entryPrice, exitPrice: f.price, pnl: closed * (f.price - p.entryPrice) - f.fee, fees: f.fee, funding: 0, reason };
        next = { ...p, qty: p.qty - closed };
      }
    }
    const acct = { ...this.account(), cash, venueSeq: f.seq };
    const fresh = await this.journal.recordFill(f, bar, next, p, trade, acct);
    this.venueSeq = f.seq;
    if (!fresh) return;
    this.cash = cash;
    this.positions[a] = next;
    if (trade) this.trades.push(trade);
  }

  private async applyFunding(e: FundingPayment): Promise<void> {
    const a = this.assetIndex.get(e.symbol);
    if (a === undefined) throw new ReconciliationError(`venue funding ${e.fundingId} in ${e.symbol}, which this strategy does not trade`);
    const p = this.positions[a];
    const next = p ? { ...p, funding: p.funding + e.amount } : null;
    const cash = this.cash - e.amount;
    const fresh = await this.journal.recordFunding(e, this.barOfTime(e.time), next, { ...this.account(), cash, venueSeq: e.seq });
    this.venueSeq = e.seq;
    if (!fresh) return;
    this.cash = cash;
    this.positions[a] = next;
  }
}

/** Options of {@link runReplay}. */
export interface ReplayOptions {
  panel: Panel;
  /** Signal masks (nDates x nAssets) or a signal source. */
  signals: SignalMasks | SignalSource;
  /** Execution settings (the strategy document's `execution`, or backtest defaults); `start`/`end` give the replayed range. */
  execution?: Partial<ExecutionSettings>;
  journal: Journal;
  limits?: RiskLimits;
  /** Strategy name for the journal. */
  name?: string;
  /** Polled at the start of every bar; a non-null answer pulls the kill switch. */
  killSwitch?: () => KillRequest | null;
  /** Called after every bar's mark (progress bars, notebooks). */
  onBar?: (t: number, equity: number, engine: TradingEngine) => void;
  /** Called at each bar's open, after the kill switch and before decisions, with the open prices (e.g. lib/trade `forceExitHook`). */
  onBarOpen?: (engine: TradingEngine, t: number, open: Float64Array, time: number) => Promise<void>;
}

/** Outcome of a replay. */
export interface ReplayReport {
  strategy: string;
  bars: number;
  range: { start: number; end: number };
  /** Orders sent in this session (a resumed session counts only its own). */
  ordersSent: number;
  ordersDenied: number;
  /** Closed trades plus open positions marked at the last close (the backtest's trade list). */
  trades: JournalTrade[];
  finalEquity: number;
  pnl: number;
  state: TradingState;
  /** Equity at each bar's close replayed in this session. */
  equity: Float64Array;
  resumedFrom: { bar: number; phase: BarPhase } | null;
  importedOnRestart: number;
}

/**
 * Replays stored bars through the engine with a {@link PaperBroker} (as fast
 * as the data allows), journaling everything; on a journal with state it
 * resumes where the previous run stopped (see the module header).
 * @throws ReconciliationError when a resumed journal disagrees with the rebuilt venue
 */
export async function runReplay(o: ReplayOptions): Promise<ReplayReport> {
  const panel = o.panel;
  const s = resolveExecutionSettings(panel, o.execution ?? {});
  const m = marketArrays(panel, s.funding);
  const N = m.N;
  const source: SignalSource = 'flags' in o.signals ? o.signals : masksSource(o.name ?? 'masks', o.signals, N);
  const sigma = s.sizing.kind === 'volTarget' ? rollingVolatility(m.close, m.T, N, s.sizing.lookback, s.annualization) : null;
  const timeIndex = new Map<number, number>();
  panel.times.forEach((x, i) => timeIndex.set(x, i));
  const barOfTime = (time: number) => timeIndex.get(time) ?? -1;
  const j = o.journal;
  let runTag = await j.meta('run_tag');
  const name = o.name ?? source.name;
  if (runTag === null) {
    runTag = Math.random().toString(36).slice(2, 10);
    await j.setMeta({ run_tag: runTag, strategy: name, venue: 'paper', range: JSON.stringify([s.start, s.end]) });
  } else {
    const prev = await j.meta('strategy');
    if (prev !== name) throw new Error(`journal ${j.db.path} belongs to strategy "${prev}", not "${name}"; use another --db`);
  }
  const settings: EngineSettings = { fill: s.fill, sizing: s.sizing, stops: { stopLoss: s.stopLoss ?? NaN, takeProfit: s.takeProfit ?? NaN, trailingStop: s.trailingStop ?? NaN }, maxOpenPositions: s.maxOpenPositions, initialCash: s.initialCash, limits: o.limits ?? NO_LIMITS, runTag };
  const paper = new PaperBroker(panel.assets, { feeBps: s.feeBps, slippageBps: s.slippageBps, impact: s.impact }, s.initialCash, j);
  const engine = new TradingEngine(paper, j, panel.assets, settings, barOfTime);

  const slice = (t: number): BarSlice => {
    const r = t * N, e = r + N;
    return { index: t, time: panel.times[t]!, open: m.open.subarray(r, e), high: m.high.subarray(r, e), low: m.low.subarray(r, e), close: m.close.subarray(r, e), volume: m.volume ? m.volume.subarray(r, e) : null, funding: m.funding ? m.funding.subarray(r, e) : null };
  };
  // last finite close before the range (the kernel's marking fallback)
  for (let a = 0; a < N; a++) {
    for (let t = s.start - 1; t >= 0; t--) {
      const c = m.close[t * N + a]!;
      if (c === c) {
        engine.lastClose[a] = c;
        break;
      }
    }
  }

  const cursor = await engine.load();
  const resumed = cursor !== null && cursor.bar >= s.start && cursor.bar < s.end;
  let t0 = s.start, phase0 = 0, imported = 0;
  if (cursor !== null && !resumed) throw new Error(`journal ${j.db.path}: its cursor (bar ${cursor.bar}) is outside the replayed range [${s.start}, ${s.end})`);
  if (resumed) {
    // rebuild the venue: its recorded orders over the same bars, through the cursor's phase
    paper.preload(await j.paperOrders());
    for (let t = s.start; t < cursor.bar; t++) {
      paper.beginBar(slice(t));
      paper.settleBar();
      paper.closeBar();
      const c = m.close.subarray(t * N, t * N + N);
      for (let a = 0; a < N; a++) if (c[a] === c[a]) engine.lastClose[a] = c[a]!;
    }
    phase0 = PHASES.indexOf(cursor.phase);
    paper.beginBar(slice(cursor.bar));
    if (phase0 >= 1) paper.settleBar();
    if (phase0 >= 2) paper.closeBar();
    engine.at(cursor.bar, cursor.phase, panel.times[cursor.bar]!);
    imported = (await engine.reconcile()).imported;
    engine.resetLastEquity();
    t0 = cursor.bar;
  }
  const equity = new Float64Array(s.end - t0);
  const atClose = s.fill === 'close';
  let eq = engine.cash;
  for (let t = t0; t < s.end; t++) {
    const b = slice(t);
    // on the resumed bar, the venue already went through phases 0..phase0 and the engine restarts at phase0
    const done = resumed && t === t0 ? phase0 : -1;
    const first = resumed && t === t0 ? phase0 : 0;
    if (first <= 0) {
      engine.at(t, 'open', b.time);
      if (done < 0) paper.beginBar(b);
      const kill = o.killSwitch?.() ?? null;
      if (kill && (engine.state !== 'HALTED' || kill.flatten)) await engine.kill(kill, b.open);
      if (o.onBarOpen) await o.onBarOpen(engine, t, b.open, b.time);
      if (!atClose && t > s.start) await engine.decide(t, t - 1, b.open, source, sigma);
    }
    if (first <= 1) {
      engine.at(t, 'settle', b.time);
      if (done < 1) paper.settleBar();
      await engine.sync();
    }
    engine.at(t, 'close', b.time);
    if (done < 2) paper.closeBar();
    if (atClose) await engine.decide(t, t, b.close, source, sigma);
    eq = await engine.mark(b.close);
    equity[t - t0] = eq;
    o.onBar?.(t, eq, engine);
  }
  const trades = [...engine.trades, ...engine.openTrades(s.end - 1)];
  return { strategy: name, bars: s.end - t0, range: { start: s.start, end: s.end }, ordersSent: engine.ordersSent, ordersDenied: engine.ordersDenied, trades, finalEquity: eq, pnl: eq - s.initialCash, state: engine.state, equity, resumedFrom: cursor, importedOnRestart: imported };
}
