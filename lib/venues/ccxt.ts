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
 * - Attached protective stops are not placed on the exchange in this version:
 *   an order carrying finite `stops` is rejected (`AttachedStopsNotSupported`)
 *   rather than left unprotected.
 * - Keys come from the environment or a user-owned file ({@link exchangeKeys});
 *   they are never logged, stored or put in an error message.
 */
import { readFileSync } from 'node:fs';
import ccxt, { type Exchange } from 'ccxt';
import { BrokerError, type Balance, type Broker, type BrokerErrorKind, type Fill, type FundingPayment, type OrderRequest, type OrderState, type OrderStatus, type VenueEvent, type VenuePosition } from './broker.js';

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
    if (o.stops && [o.stops.stopLoss, o.stops.takeProfit, o.stops.trailingStop].some((x) => Number.isFinite(x))) throw new BrokerError(`order ${o.clientOrderId}: attached protective stops are not placed on ${this.venue} in this version`, 'reject', 'AttachedStopsNotSupported');
    if ((o.quantity === undefined) === (o.notional === undefined)) throw new BrokerError(`order ${o.clientOrderId} needs exactly one of quantity and notional`, 'reject', 'BadOrder');
    const sym = await this.unified(o.symbol);
    this.orderSymbol.set(o.clientOrderId, sym);
    const params: Record<string, unknown> = { clientOrderId: o.clientOrderId };
    if (o.reduceOnly) params['reduceOnly'] = true;
    let attempt = 0;
    for (;;) {
      try {
        const qty = await this.quantity(sym, o);
        const r = await this.exchange.createOrder(sym, o.type, o.side, qty, o.type === 'limit' ? o.limitPrice : undefined, params);
        return this.state(r as unknown as CcxtOrder, o.symbol);
      } catch (err) {
        const c = classifyCcxtError(err);
        if (c.kind === 'reject' && /-4116|duplicate/i.test(String((err as Error).message))) {
          const known = await this.order(o.clientOrderId);
          if (known) return known;
        }
        if (c.kind !== 'retry') throw this.wrap(err, c);
        if (attempt++ >= this.retries) throw this.wrap(err, c);
        await sleep(this.backoffMs * 2 ** (attempt - 1));
        // the order may have reached the venue before the connection failed: ask before sending again
        const known = await this.order(o.clientOrderId).catch(() => null);
        if (known) return known;
      }
    }
  }

  async cancel(clientOrderId: string): Promise<OrderState | null> {
    return this.bySymbol(clientOrderId, ['OrderNotFound', 'InvalidOrder'], (sym) => this.exchange.cancelOrder(undefined as unknown as string, sym, { clientOrderId }));
  }

  async order(clientOrderId: string): Promise<OrderState | null> {
    return this.bySymbol(clientOrderId, ['OrderNotFound'], (sym) => this.exchange.fetchOrder(undefined as unknown as string, sym, { clientOrderId }));
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
      const rows = await this.call(() => this.exchange.fetchOpenOrders(sym));
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
        const fill: Fill = { kind: 'fill', fillId: `${id}-${t.id}`, seq: ts, clientOrderId: cid, symbol: id, side: t.side as Fill['side'], quantity: Number(t.amount), price: Number(t.price), fee: Number(t.fee?.cost ?? 0), notional: Number(t.cost ?? Number(t.amount) * Number(t.price)), time: ts, cause: 'order' };
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
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
