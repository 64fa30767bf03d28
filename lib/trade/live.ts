/**
 * The live bar loop: the same {@link TradingEngine} as paper, fed by closed
 * bars from an exchange ({@link BarFeed}, e.g. `CcxtBarFeed`: ccxt
 * `fetchOHLCV` polling) and trading through a venue `Broker` (`CcxtBroker`).
 *
 * Start (nautilus_trader's order): load the journal; reconcile with the venue
 * (import fills and funding the journal missed, settle orders left 'sending',
 * compare positions; a mismatch is journaled and the loop refuses to trade
 * with {@link ReconciliationError}); record open venue orders this journal
 * never sent as external orders (risk event `external_order`; never acted on).
 * A new journal starts its venue event cursor at the clock's time, so older
 * fills of the account are not taken as the strategy's.
 *
 * Per closed bar k (open time T, closed at T + period; never before: the
 * feed drops the forming bar):
 * 1. close of k: venue events read back (fills of protective orders, funding),
 *    equity marked at k's closes, `TradingState` updated;
 * 2. open of k + 1 (the moment k closes): kill switch; the strategy's signal
 *    row k decides (exits, then entries; risk checks; journaled intent;
 *    deterministic client order id `<runTag>-<k+1>-<intent><asset>`);
 * 3. the journal's `live_bar` marker is set to k.
 * Both fill conventions act at this moment: a `'close'` strategy cannot
 * trade at the very close live, so it trades at the next instant, as a
 * `'nextOpen'` one does (the venue's price there is the next bar's open).
 * Bars that closed while the loop was down are marked but not traded on
 * (a risk event `stale_bars` says how many): only the latest closed bar's
 * signals are acted on. After kill -9 the interrupted bar, if still the latest,
 * is decided again with the same client order ids: an order that reached the
 * venue is recognized there and not sent twice; one that did not is sent.
 *
 * Protective stops: with finite `stops`, a broker that holds stops on the
 * venue (`CcxtBroker.protect`) places them when an entry fills; the loop
 * re-places missing ones after a restart and, after each bar's events, lets
 * the broker cancel those of closed positions and resize those of reduced ones.
 *
 * Bar numbers are `floor(open time / period)` (the journal's `bar` fields),
 * so they are the same in every session of a journal.
 */
import type { Panel } from '../data/panel.js';
import { rollingVolatility, type SignalMasks, type Sizing } from '../backtest/index.js';
import { NO_LIMITS, type RiskLimits, type TradingState } from '../risk/limits.js';
import type { BarFeed, ClosedBar } from '../venues/ccxt-feed.js';
import type { AttachedStops, Broker } from './broker.js';
import { TradingEngine, type EngineSettings, type KillRequest } from './engine.js';
import type { Journal, JournalTrade } from './journal.js';
import { masksSource, type SignalSource } from './strategy.js';

/** Time for the live loop: the wall clock, or an injected one (tests, simulations). */
export interface Clock {
  /** Epoch ms UTC. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
export const WALL_CLOCK: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))) };

/** Options of {@link runLive}. */
export interface LiveOptions {
  broker: Broker;
  feed: BarFeed;
  journal: Journal;
  /** Strategy name (checked against the journal's). */
  name: string;
  /** Signal masks over a window panel of closed bars (must be causal: row t from bars <= t; `strategyMasks` is). */
  signals: (panel: Panel) => SignalMasks;
  sizing: Sizing;
  /** Protective exits attached to entries (placed on the venue by brokers that support them). */
  stops: AttachedStops;
  maxOpenPositions: number;
  /** Annualization of the volatility of `volTarget` sizing (bars per year). */
  annualization: number;
  limits?: RiskLimits;
  /** Closed bars kept for the signals (the factors' longest lookback plus margin). */
  warmupBars: number;
  clock?: Clock;
  /** Polled at every loop turn; a non-null answer pulls the kill switch. */
  killSwitch?: () => KillRequest | null;
  /** Stop after deciding on this many bars in this session (demos, tests); default: run until `shouldStop`. */
  maxBars?: number;
  /** Polled at every loop turn (SIGINT handler, tests). */
  shouldStop?: () => boolean;
  /** Wait after a bar's close time before asking the venue for it, ms (default 2,000). */
  graceMs?: number;
  /** Wait when the venue has not published a closed bar yet, ms (default 1,000). */
  pollMs?: number;
  /** Called after each closed bar (acted on or stale). */
  onBar?: (bar: LiveBar, engine: TradingEngine) => void;
}

/** One processed bar of the live loop. */
export interface LiveBar {
  bar: number;
  time: number;
  equity: number;
  acted: boolean;
  state: TradingState;
}

/** Outcome of a live session. */
export interface LiveReport {
  strategy: string;
  venue: string;
  barsActed: number;
  barsStale: number;
  ordersSent: number;
  ordersDenied: number;
  externalOrders: number;
  importedOnStart: number;
  /** Closed trades of the journal plus open positions marked at the last close. */
  trades: JournalTrade[];
  equity: number;
  state: TradingState;
  resumed: boolean;
}

/** The window panel of the last closed bars (crypto, fields open/high/low/close/volume). */
function windowPanel(bars: readonly ClosedBar[], symbols: readonly string[], frequency: Panel['frequency']): Panel {
  const T = bars.length, N = symbols.length;
  const f = { open: new Float64Array(T * N), high: new Float64Array(T * N), low: new Float64Array(T * N), close: new Float64Array(T * N), volume: new Float64Array(T * N) };
  bars.forEach((b, t) => {
    f.open.set(b.open, t * N);
    f.high.set(b.high, t * N);
    f.low.set(b.low, t * N);
    f.close.set(b.close, t * N);
    f.volume.set(b.volume, t * N);
  });
  return { frequency, market: 'crypto', times: Float64Array.from(bars, (b) => b.time), assets: symbols, fields: f };
}

/** A signal source over window masks addressed by global bar number (`row0` = bar number of the window's first row). */
function windowSource(name: string, m: SignalMasks, N: number, row0: number): SignalSource {
  const inner = masksSource(name, m, N);
  return { name, flags: (t, a) => inner.flags(t - row0, a) };
}

/**
 * After a restart: places the venue-side protective orders of every open
 * position again (idempotent by client id: those that exist are returned, so
 * only the ones a crash kept from being placed are sent), then cancels or
 * resizes those of closed or reduced positions. No-op for brokers without
 * venue-side stops (paper) or without finite stops.
 */
async function protectPositions(engine: TradingEngine, j: Journal, stops: AttachedStops): Promise<void> {
  const broker = engine.broker;
  if (!broker.protect || !(Number.isFinite(stops.stopLoss) || Number.isFinite(stops.takeProfit))) return;
  for (const p of engine.positions) {
    if (!p) continue;
    const base = await j.entryOrderId(p.symbol, p.entryBar);
    if (base) await broker.protect({ symbol: p.symbol, quantity: p.qty, entryPrice: p.entryPrice }, stops, base);
  }
  if (broker.maintainProtection) await broker.maintainProtection();
}

const FREQ_OF_MS: Record<number, Panel['frequency']> = { 60_000: '1m', 300_000: '5m', 900_000: '15m', 3_600_000: '1h', 14_400_000: '4h', 86_400_000: '1d' };

/**
 * Runs the live loop (see the module header) until `maxBars` bars were acted
 * on or `shouldStop()` answers true.
 * @throws ReconciliationError when the journal and the venue disagree at start (nothing is sent)
 * @throws Error when the journal belongs to another strategy or venue
 */
export async function runLive(o: LiveOptions): Promise<LiveReport> {
  const clock = o.clock ?? WALL_CLOCK;
  const feed = o.feed, broker = o.broker, j = o.journal;
  const P = feed.periodMs;
  const frequency = FREQ_OF_MS[P];
  if (!frequency) throw new RangeError(`live: timeframe ${feed.timeframe} is not one of 1m, 5m, 15m, 1h, 4h, 1d`);
  if (!(Number.isInteger(o.warmupBars) && o.warmupBars >= 2)) throw new RangeError(`live: warmupBars must be an integer >= 2, got ${o.warmupBars}`);
  const symbols = feed.symbols;
  const N = symbols.length;

  let runTag = await j.meta('run_tag');
  if (runTag === null) {
    runTag = Math.random().toString(36).slice(2, 10);
    await j.setMeta({ run_tag: runTag, strategy: o.name, venue: broker.venue, mode: 'live', timeframe: feed.timeframe });
  } else {
    const [prevName, prevVenue, mode] = [await j.meta('strategy'), await j.meta('venue'), await j.meta('mode')];
    if (prevName !== o.name) throw new Error(`journal ${j.db.path} belongs to strategy "${prevName}", not "${o.name}"; use another --db`);
    if (mode !== 'live' || prevVenue !== broker.venue) throw new Error(`journal ${j.db.path} is a ${mode ?? 'paper'} journal on ${prevVenue}, not live on ${broker.venue}; use another --db`);
  }

  const startNow = clock.now();
  const balance = await broker.balance();
  const settings: EngineSettings = { fill: 'nextOpen', sizing: o.sizing, stops: o.stops, maxOpenPositions: o.maxOpenPositions, initialCash: balance.total, limits: o.limits ?? NO_LIMITS, runTag };
  const engine = new TradingEngine(broker, j, symbols, settings, (x) => Math.floor(x / P));
  const cursor = await engine.load();
  if (cursor === null) engine.startVenueAt(startNow);
  engine.at(Math.floor(startNow / P), 'open', startNow);
  const { imported } = await engine.reconcile();
  await protectPositions(engine, j, o.stops);

  // open venue orders this journal never sent: external (ours carry the run tag)
  const known = await j.orderIds();
  let external = 0;
  for (const s of await broker.openOrders()) {
    if (s.clientOrderId.startsWith(`${runTag}-`) || known.has(s.clientOrderId)) continue;
    if (await j.recordExternalOrder(s, startNow)) {
      external++;
      await j.recordRiskEvent({ time: startNow, bar: Math.floor(startNow / P), kind: 'external_order', detail: `${s.symbol} ${s.side} ${s.type} ${s.quantity} (client id ${s.clientOrderId}, venue id ${s.venueOrderId}): not this strategy's; left alone`, state: engine.state }, null);
    }
  }

  // warmup window; bars up to the marker (or, for a new journal, every bar closed before the start) are not traded on
  let window = await feed.closedBars((Math.floor(startNow / P) - o.warmupBars) * P, startNow);
  const marker = await j.meta('live_bar');
  let lastDone = marker !== null ? Number(marker) : window.length > 0 ? Math.floor(window.at(-1)!.time / P) : Math.floor(startNow / P) - 1;
  const pending = window.filter((b) => Math.floor(b.time / P) > lastDone);
  window = window.filter((b) => Math.floor(b.time / P) <= lastDone);
  for (const b of window) for (let a = 0; a < N; a++) if (b.close[a] === b.close[a]) engine.lastClose[a] = b.close[a]!;
  engine.resetLastEquity();

  const sigmaOf = (panel: Panel) => (o.sizing.kind === 'volTarget' ? rollingVolatility(panel.fields['close']!, panel.times.length, N, o.sizing.lookback, o.annualization) : null);
  let acted = 0, stale = 0, equity = engine.equityAt(engine.lastClose);
  const pollKill = async () => {
    const kill = o.killSwitch?.() ?? null;
    if (kill && (engine.state !== 'HALTED' || kill.flatten)) await engine.kill(kill, engine.lastClose);
  };

  const processBars = async (bars: ClosedBar[]) => {
    const fresh = bars.filter((b) => Math.floor(b.time / P) > lastDone);
    if (fresh.length > 1) await j.recordRiskEvent({ time: clock.now(), bar: Math.floor(fresh[0]!.time / P), kind: 'stale_bars', detail: `${fresh.length - 1} closed bars were not traded on (the loop was behind); only the latest is`, state: engine.state }, null);
    for (let i = 0; i < fresh.length; i++) {
      const b = fresh[i]!, k = Math.floor(b.time / P), latest = i === fresh.length - 1;
      window.push(b);
      if (window.length > o.warmupBars) window = window.slice(window.length - o.warmupBars);
      engine.at(k, 'close', b.time + P);
      await engine.sync();
      // venue-side stops of positions that closed or shrank (a stop or take profit filled, an exit): cancel / resize
      if (broker.maintainProtection) await broker.maintainProtection();
      equity = await engine.mark(b.close);
      if (latest) {
        engine.at(k + 1, 'open', b.time + P);
        await pollKill();
        const panel = windowPanel(window, symbols, frequency);
        const row0 = k - (window.length - 1);
        await engine.decide(k + 1, k, b.close, windowSource(o.name, o.signals(panel), N, row0), sigmaOf(panel), row0);
        acted++;
        // orders left 'sending' by a crash on an earlier bar: the venue never got them (reconcile asked), and they are past
        await j.abandonUnsent(k + 1, 'not sent: the session stopped before sending it and its bar has passed');
      } else stale++;
      await j.setMeta({ live_bar: String(k) });
      lastDone = k;
      o.onBar?.({ bar: k, time: b.time, equity, acted: latest, state: engine.state }, engine);
    }
  };

  if (pending.length > 0) await processBars(pending);
  const grace = o.graceMs ?? 2000, poll = o.pollMs ?? 1000;
  while (!(o.maxBars !== undefined && acted >= o.maxBars) && !o.shouldStop?.()) {
    await pollKill();
    const now = clock.now();
    const latestClosed = Math.floor(now / P) - 1;
    if (latestClosed <= lastDone) {
      await clock.sleep(Math.min((latestClosed + 2) * P + grace - now, 60_000));
      continue;
    }
    const bars = await feed.closedBars((lastDone + 1) * P, now);
    if (bars.length === 0) {
      await clock.sleep(poll);
      continue;
    }
    await processBars(bars);
  }
  const lastBar = lastDone;
  return { strategy: o.name, venue: broker.venue, barsActed: acted, barsStale: stale, ordersSent: engine.ordersSent, ordersDenied: engine.ordersDenied, externalOrders: external, importedOnStart: imported, trades: [...engine.trades, ...engine.openTrades(lastBar)], equity, state: engine.state, resumed: cursor !== null };
}
