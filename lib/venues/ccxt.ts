/**
 * CcxtBroker: the `Broker` port on any ccxt exchange (tested on Binance
 * USDT-M futures, `binanceusdm`), through the real ccxt client.
 *
 * - Orders: market and limit, with the engine's client order id sent as
 *   `clientOrderId` (ccxt puts it on the wire as Binance's `newClientOrderId`,
 *   at most 36 characters of `[.A-Z:/a-z0-9_-]`). A notional order is turned
 *   into a quantity at the last price (ticker), rounded to the market's step.
 * - Idempotency: after a network error (the order may or may not have reached
 *   the venue) the broker asks the venue for the client order id before
 *   sending again; a "duplicated client order id" answer returns the known order.
 * - Errors (ccxt classes) -> `BrokerError.kind`: `NetworkError` and its
 *   subclasses (`DDoSProtection` for Binance HTTP 418/429, `RequestTimeout`,
 *   `RateLimitExceeded`, `ExchangeNotAvailable`) -> retry (with backoff,
 *   bounded); `InsufficientFunds`, `InvalidOrder`, `BadSymbol`, `BadRequest`
 *   -> reject; `AuthenticationError`, `PermissionDenied`, `AccountSuspended`
 *   and anything unknown -> halt. Messages are scrubbed of the keys.
 * - Events: fills from `fetchMyTrades` (fill id `<symbol>-<trade id>`, seq =
 *   trade time in ms) and funding from `fetchFundingHistory` (seq = time);
 *   `events(afterSeq)` may repeat events at `afterSeq` (the engine ignores
 *   fill ids it has).
 * - Protective stops on the exchange: after an entry carrying `stops` fills,
 *   its stop loss and take profit are placed as reduce-only `STOP_MARKET` /
 *   `TAKE_PROFIT_MARKET` orders (ccxt 4.5 sends Binance USDT-M conditional
 *   orders to the algo-order API, `POST /fapi/v1/algoOrder`, client id as
 *   `clientAlgoId`) for the filled quantity, triggers at entry x (1 -/+ the
 *   fraction), client ids `<entry id>.sl` / `.tp` (idempotent like any order).
 *   {@link CcxtBroker.maintainProtection} cancels them when the position is
 *   closed and replaces them (`.sl1`, `.sl2`, ...; new one first, then the old
 *   one cancelled) when it was reduced. Fills of these orders carry the cause
 *   `stop_loss` / `take_profit`. A trailing stop is not placed on the venue
 *   (an order asking for one is rejected, `TrailingStopNotSupported`, rather
 *   than left unprotected). How this relates to the paper broker's bar-based
 *   stop rule: docs/trading.md, "Protective stops".
 * - Keys come from the environment or a user-owned file ({@link exchangeKeys});
 *   they are never logged, stored or put in an error message.
 */
import { readFileSync } from 'node:fs';
import ccxt, { type Exchange } from 'ccxt';
import { BrokerError, sideSign, type AttachedStops, type Balance, type Broker, type BrokerErrorKind, type Fill, type FundingPayment, type OrderRequest, type OrderState, type OrderStatus, type VenueEvent, type VenuePosition } from './broker.js';

/** API keys of an exchange account. */
export interface ExchangeKeys {
  apiKey: string;
  secret: string;
}

/** Environment variables read by {@link exchangeKeys}. */
export const EXCHANGE_KEY_ENV = { key: 'ALPHALAB_EXCHANGE_API_KEY', secret: 'ALPHALAB_EXCHANGE_API_SECRET', file: 'ALPHALAB_EXCHANGE_KEYS_FILE' } as const;

/**
 * Keys from the environment (`ALPHALAB_EXCHANGE_API_KEY` / `_SECRET`) or from
 * the JSON file `{ "apiKey", "secret" }` named by `ALPHALAB_EXCHANGE_KEYS_FILE`; null when neither is set.
 * @throws Error naming the file (never its content) when it is unreadable or incomplete
 */
export function exchangeKeys(env: NodeJS.ProcessEnv = process.env): ExchangeKeys | null {
  const k = env[EXCHANGE_KEY_ENV.key], s = env[EXCHANGE_KEY_ENV.secret];
  if (k && s) return { apiKey: k, secret: s };
  const file = env[EXCHANGE_KEY_ENV.file];
  if (!file) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`exchange keys file ${file}: not readable JSON`);
  }
  const o = raw as Record<string, unknown>;
  if (typeof o['apiKey'] !== 'string' || typeof o['secret'] !== 'string') throw new Error(`exchange keys file ${file}: needs string fields "apiKey" and "secret"`);
  return { apiKey: o['apiKey'], secret: o['secret'] };
}

/**
 * A ccxt exchange by id (`binanceusdm`, `bybit`, ...), optionally with keys and
 * Binance demo trading (`enableDemoTrading(true)`: the real API against a demo account).
 * @throws Error for an unknown exchange id
 */
export function createExchange(id: string, keys: ExchangeKeys | null, opts: { demo?: boolean } = {}): Exchange {
  const Ctor = (ccxt as unknown as Record<string, new (cfg: object) => Exchange>)[id];
  if (typeof Ctor !== 'function') throw new Error(`unknown ccxt exchange "${id}"`);
  const ex = new Ctor({ ...(keys ?? {}), enableRateLimit: true, options: { fetchCurrencies: false } });
  if (opts.demo) (ex as unknown as { enableDemoTrading(on: boolean): void }).enableDemoTrading(true);
  return ex;
}

/** Settings of {@link CcxtBroker}. */
export interface CcxtBrokerOptions {
  /** Venue symbols the broker trades (exchange ids such as 'BTCUSDT'). */
  symbols: readonly string[];
  /** Quote / settlement asset (default 'USDT'). */
  quote?: string;
  /** Retries after a retryable error (default 3) and the first backoff in ms (doubles; default 500). */
  retries?: number;
  backoffMs?: number;
}

const CLIENT_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;
/** Client ids of protective orders: `<entry id>.sl` / `.tp`, then `.sl1`, `.sl2`, ... for replacements. */
const PROTECTIVE_RE = /\.(sl|tp)(\d*)$/;

/** The fill cause of a protective order's client id ('stop_loss' / 'take_profit'), or null for any other order. */
export function protectiveCause(clientOrderId: string): 'stop_loss' | 'take_profit' | null {
  const m = PROTECTIVE_RE.exec(clientOrderId);
  return m ? (m[1] === 'sl' ? 'stop_loss' : 'take_profit') : null;
}

/** ccxt's flag that routes fetch/cancel of a Binance USDT-M conditional order to the algo-order API. */
const triggerParam = (clientOrderId: string) => (protectiveCause(clientOrderId) ? { trigger: true } : {});

/** Maps a ccxt error to the engine's error kinds (see the module header). */
export function classifyCcxtError(err: unknown): { kind: BrokerErrorKind; code: string } {
  const e = ccxt as unknown as Record<string, new (...a: unknown[]) => Error>;
  const is = (name: string) => typeof e[name] === 'function' && err instanceof e[name]!;
  const code = err instanceof Error ? err.constructor.name : 'Unknown';
  if (is('NetworkError')) return { kind: 'retry', code };
  if (is('AuthenticationError') || is('PermissionDenied') || is('AccountSuspended')) return { kind: 'halt', code };
  if (is('InsufficientFunds') || is('InvalidOrder') || is('BadSymbol') || is('BadRequest') || is('OrderNotFound')) return { kind: 'reject', code };
  return { kind: 'halt', code };
}

/** The Broker port over a ccxt exchange (see the module header). */
export class CcxtBroker implements Broker {
  readonly venue: string;
  private readonly quote: string;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly orderSymbol = new Map<string, string>();
  private readonly orderClientId = new Map<string, string>();
  private loaded = false;

  constructor(readonly exchange: Exchange, private readonly opts: CcxtBrokerOptions) {
    this.venue = exchange.id;
    this.quote = opts.quote ?? 'USDT';
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 500;
  }

  async submit(o: OrderRequest): Promise<OrderState> {
    if (!CLIENT_ID_RE.test(o.clientOrderId)) throw new BrokerError(`client order id "${o.clientOrderId}" must be 1-36 characters of [.A-Z:/a-z0-9_-] (Binance)`, 'reject', 'BadClientOrderId');
    if (o.stops && Number.isFinite(o.stops.trailingStop)) throw new BrokerError(`order ${o.clientOrderId}: a trailing stop is not placed on ${this.venue} in this version`, 'reject', 'TrailingStopNotSupported');
    const protect = o.stops !== undefined && (Number.isFinite(o.stops.stopLoss) || Number.isFinite(o.stops.takeProfit));
    if (protect && o.clientOrderId.length > 32) throw new BrokerError(`order ${o.clientOrderId}: with protective stops the client id must be at most 32 characters (its stops get ".sl"/".tp" suffixes)`, 'reject', 'BadClientOrderId');
    if ((o.quantity === undefined) === (o.notional === undefined)) throw new BrokerError(`order ${o.clientOrderId} needs exactly one of quantity and notional`, 'reject', 'BadOrder');
    const sym = await this.unified(o.symbol);
    this.orderSymbol.set(o.clientOrderId, sym);
    const params: Record<string, unknown> = { clientOrderId: o.clientOrderId };
    if (o.reduceOnly) params['reduceOnly'] = true;
    const st = await this.place(o.clientOrderId, async () => {
      const qty = await this.quantity(sym, o);
      return this.exchange.createOrder(sym, o.type, o.side, qty, o.type === 'limit' ? o.limitPrice : undefined, params);
    }, o.symbol);
    if (protect && st.filledQuantity > 0 && st.averagePrice > 0) await this.protect({ symbol: o.symbol, quantity: sideSign(o.side) * st.filledQuantity, entryPrice: st.averagePrice }, o.stops!, o.clientOrderId);
    if (o.reduceOnly && st.filledQuantity > 0) await this.maintainProtection();
    return st;
  }

  /**
   * Sends one order with the retry policy: a retryable error is retried after
   * asking the venue for the client id (it may have arrived before the
   * connection failed); a "duplicated client order id" answer returns the known order.
   */
  private async place(clientOrderId: string, create: () => Promise<unknown>, symbolId: string): Promise<OrderState> {
    let attempt = 0;
    for (;;) {
      try {
        return this.state((await create()) as CcxtOrder, symbolId);
      } catch (err) {
        const c = classifyCcxtError(err);
        if (c.kind === 'reject' && /-4116|duplicate/i.test(String((err as Error).message))) {
          const known = await this.order(clientOrderId);
          if (known) return known;
        }
        if (c.kind !== 'retry') throw this.wrap(err, c);
        if (attempt++ >= this.retries) throw this.wrap(err, c);
        await sleep(this.backoffMs * 2 ** (attempt - 1));
        const known = await this.order(clientOrderId).catch(() => null);
        if (known) return known;
      }
    }
  }

  async protect(position: VenuePosition, stops: AttachedStops, baseClientOrderId: string): Promise<OrderState[]> {
    const sym = await this.unified(position.symbol);
    const long = position.quantity > 0, e = position.entryPrice, qty = Math.abs(position.quantity);
    const out: OrderState[] = [];
    for (const [kind, frac] of [['sl', stops.stopLoss], ['tp', stops.takeProfit]] as const) {
      if (!Number.isFinite(frac)) continue;
      const up = (kind === 'sl') !== long;
      out.push(await this.placeProtective(sym, position.symbol, `${baseClientOrderId}.${kind}`, kind, long ? 'sell' : 'buy', qty, e * (up ? 1 + frac : 1 - frac)));
    }
    return out;
  }

  private async placeProtective(sym: string, symbolId: string, clientOrderId: string, kind: 'sl' | 'tp', side: 'buy' | 'sell', qty: number, trigger: number): Promise<OrderState> {
    this.orderSymbol.set(clientOrderId, sym);
    const amount = Number(this.exchange.amountToPrecision(sym, qty));
    return this.place(clientOrderId, () => this.exchange.createOrder(sym, kind === 'sl' ? 'STOP_MARKET' : 'TAKE_PROFIT_MARKET', side, amount, undefined, { triggerPrice: trigger, reduceOnly: true, clientOrderId }), symbolId);
  }

  async maintainProtection(): Promise<{ canceled: number; placed: number }> {
    const positions = new Map((await this.positions()).map((p) => [p.symbol, p.quantity]));
    let canceled = 0, placed = 0;
    for (const id of this.opts.symbols) {
      const sym = await this.unified(id);
      const open = ((await this.call(() => this.exchange.fetchOpenOrders(sym, undefined, undefined, { trigger: true }))) as unknown as CcxtOrder[]).filter((r) => protectiveCause(r.clientOrderId ?? '') !== null);
      const q = positions.get(id) ?? 0;
      for (const r of open) {
        const cid = r.clientOrderId!;
        this.orderSymbol.set(cid, sym);
        // a protective order closes a position on the other side: a sell protects a long
        const protects = q !== 0 && (r.side === 'sell') === q > 0;
        if (protects && Number(r.amount) > Math.abs(q) * (1 + 1e-9)) {
          const m = PROTECTIVE_RE.exec(cid)!;
          const next = `${cid.slice(0, m.index)}.${m[1]}${Number(m[2] || 0) + 1}`;
          await this.placeProtective(sym, id, next, m[1] as 'sl' | 'tp', r.side as 'buy' | 'sell', Math.abs(q), Number(r.triggerPrice ?? r.stopPrice));
          placed++;
        } else if (protects) continue;
        if (await this.cancel(cid)) canceled++;
      }
    }
    return { canceled, placed };
  }

  async cancel(clientOrderId: string): Promise<OrderState | null> {
    return this.bySymbol(clientOrderId, ['OrderNotFound', 'InvalidOrder'], (sym) => this.exchange.cancelOrder(undefined as unknown as string, sym, { clientOrderId, ...triggerParam(clientOrderId) }));
  }

  async order(clientOrderId: string): Promise<OrderState | null> {
    return this.bySymbol(clientOrderId, ['OrderNotFound'], (sym) => this.exchange.fetchOrder(undefined as unknown as string, sym, { clientOrderId, ...triggerParam(clientOrderId) }));
  }

  /** Runs `fn` on the order's symbol (or each traded symbol when unknown) until one answers; error classes in `notFound` mean "not here". */
  private async bySymbol(clientOrderId: string, notFound: readonly string[], fn: (sym: string) => Promise<unknown>): Promise<OrderState | null> {
    for (const sym of await this.candidates(clientOrderId)) {
      try {
        return this.state((await fn(sym)) as CcxtOrder, this.exchange.market(sym).id as string);
      } catch (err) {
        const c = classifyCcxtError(err);
        if (notFound.includes(c.code)) continue;
        throw this.wrap(err, c);
      }
    }
    return null;
  }

  async openOrders(): Promise<OrderState[]> {
    const out: OrderState[] = [];
    for (const id of this.opts.symbols) {
      const sym = await this.unified(id);
      const rows = [...(await this.call(() => this.exchange.fetchOpenOrders(sym))), ...(await this.call(() => this.exchange.fetchOpenOrders(sym, undefined, undefined, { trigger: true })))];
      for (const r of rows) out.push(this.state(r as unknown as CcxtOrder, id));
    }
    return out;
  }

  async events(afterSeq: number): Promise<VenueEvent[]> {
    const out: VenueEvent[] = [];
    const params = afterSeq > 0 ? { startTime: afterSeq } : {};
    for (const id of this.opts.symbols) {
      const sym = await this.unified(id);
      const trades = await this.call(() => this.exchange.fetchMyTrades(sym, undefined, undefined, params));
      for (const t of trades) {
        const ts = t.timestamp ?? 0;
        if (ts < afterSeq) continue;
        const orderId = String(t.order ?? '');
        let cid = this.orderClientId.get(orderId);
        if (cid === undefined) {
          const o = (await this.call(() => this.exchange.fetchOrder(orderId, sym))) as unknown as CcxtOrder;
          cid = o.clientOrderId ?? orderId;
          this.orderClientId.set(orderId, cid);
        }
        const fill: Fill = { kind: 'fill', fillId: `${id}-${t.id}`, seq: ts, clientOrderId: cid, symbol: id, side: t.side as Fill['side'], quantity: Number(t.amount), price: Number(t.price), fee: Number(t.fee?.cost ?? 0), notional: Number(t.cost ?? Number(t.amount) * Number(t.price)), time: ts, cause: protectiveCause(cid) ?? 'order' };
        out.push(fill);
      }
      const funding = await this.call(() => this.exchange.fetchFundingHistory(sym, undefined, undefined, params));
      for (const f of funding as unknown as Array<{ id?: string; amount: number; timestamp: number }>) {
        if (f.timestamp < afterSeq) continue;
        const p: FundingPayment = { kind: 'funding', fundingId: `${id}-funding-${f.id ?? f.timestamp}`, seq: f.timestamp, symbol: id, amount: -Number(f.amount), time: f.timestamp };
        out.push(p);
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  async positions(): Promise<VenuePosition[]> {
    const syms = await Promise.all(this.opts.symbols.map((s) => this.unified(s)));
    const rows = await this.call(() => this.exchange.fetchPositions(syms));
    const out: VenuePosition[] = [];
    for (const p of rows) {
      const n = Number(p.contracts ?? 0) * Number(p.contractSize ?? 1);
      if (!(n > 0)) continue;
      out.push({ symbol: this.exchange.market(p.symbol).id as string, quantity: p.side === 'short' ? -n : n, entryPrice: Number(p.entryPrice) });
    }
    return out;
  }

  async balance(): Promise<Balance> {
    const b = await this.call(() => this.exchange.fetchBalance());
    const total = (b.total as unknown as Record<string, number | undefined>)[this.quote];
    return { asset: this.quote, total: Number(total ?? 0) };
  }

  private async unified(id: string): Promise<string> {
    if (!this.loaded) {
      await this.call(() => this.exchange.loadMarkets());
      this.loaded = true;
    }
    const m = this.exchange.markets_by_id?.[id]?.[0];
    if (!m) throw new BrokerError(`${this.venue} has no market ${id}`, 'reject', 'BadSymbol');
    return m.symbol as string;
  }

  private async candidates(clientOrderId: string): Promise<string[]> {
    const known = this.orderSymbol.get(clientOrderId);
    return known ? [known] : Promise.all(this.opts.symbols.map((s) => this.unified(s)));
  }

  private async quantity(sym: string, o: OrderRequest): Promise<number> {
    let q = o.quantity;
    if (q === undefined) {
      const t = await this.exchange.fetchTicker(sym);
      const px = Number(t.last);
      if (!(px > 0)) throw new BrokerError(`no last price for ${sym} to size a notional order`, 'retry', 'NoPrice');
      q = o.notional! / px;
    }
    const r = Number(this.exchange.amountToPrecision(sym, q));
    if (!(r > 0)) throw new BrokerError(`order ${o.clientOrderId}: quantity ${q} rounds to 0 on ${sym}`, 'reject', 'BadOrder');
    return r;
  }

  /** A read call with the retry policy (reads are always safe to repeat). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const c = classifyCcxtError(err);
        if (c.kind !== 'retry' || attempt >= this.retries) throw this.wrap(err, c);
        await sleep(this.backoffMs * 2 ** attempt);
      }
    }
  }

  private state(r: CcxtOrder, symbolId: string): OrderState {
    const status: OrderStatus = r.status === 'closed' ? 'filled' : r.status === 'canceled' || r.status === 'expired' ? 'canceled' : r.status === 'rejected' ? 'rejected' : 'open';
    if (r.id) this.orderClientId.set(String(r.id), r.clientOrderId ?? String(r.id));
    return { clientOrderId: r.clientOrderId ?? '', venueOrderId: String(r.id), symbol: symbolId, side: r.side as OrderState['side'], type: r.type === 'limit' ? 'limit' : 'market', status, quantity: Number(r.amount), filledQuantity: Number(r.filled ?? 0), averagePrice: r.average == null ? NaN : Number(r.average) };
  }

  private wrap(err: unknown, c: { kind: BrokerErrorKind; code: string }): BrokerError {
    let msg = err instanceof Error ? err.message : String(err);
    for (const s of [this.exchange.apiKey, this.exchange.secret]) if (typeof s === 'string' && s.length >= 4) msg = msg.split(s).join('***');
    return new BrokerError(`${this.venue}: ${c.code}: ${msg.slice(0, 500)}`, c.kind, c.code);
  }
}

interface CcxtOrder {
  id: string;
  clientOrderId?: string;
  status?: string;
  side: string;
  type?: string;
  amount: number;
  filled?: number;
  average?: number | null;
  triggerPrice?: number;
  stopPrice?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
