/**
 * A scripted Binance USDT-M futures exchange on 127.0.0.1 for offline tests of
 * the real `ccxt` client: keep ccxt's real URLs and route them here with
 * {@link FakeBinanceUsdm.fetchImplementation} (Binance's error mapping depends
 * on the host, so `urls.api` must not be rewritten; STACK-NOTES).
 *
 * Speaks the documented endpoints ccxt 4.5 calls for these methods (checked
 * by logging ccxt's requests): exchangeInfo, klines, fundingRate,
 * openInterestHist, ticker/24hr, order (POST/GET/DELETE), openOrders,
 * userTrades, income (FUNDING_FEE), v3 positionRisk, leverageBracket, v3 account,
 * time, and the conditional-order (algo) API ccxt 4.5 uses for STOP_MARKET /
 * TAKE_PROFIT_MARKET (algoOrder POST/GET/DELETE, openAlgoOrders). In live mode
 * klines are served up to the venue clock and prices follow them; `POST
 * /test/advance` (not a Binance endpoint) moves the clock for a child process.
 * Responses follow Binance's documented shapes (strings for decimals). Orders
 * fill at once at the scripted price (market) with a 0.04 % taker fee;
 * margin is the notional at leverage 1 (so -2019 "Margin is insufficient"
 * comes when notional > wallet). Failures can be scripted: HTTP 418/429, a
 * dropped connection before or after the order is processed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure to inject into the next matching request. */
export type Fault = 'http418' | 'http429' | 'dropBefore' | 'dropAfter';

interface FakeOrder { orderId: number; clientOrderId: string; symbol: string; side: 'BUY' | 'SELL'; type: string; origQty: number; executedQty: number; avgPrice: number; status: string; reduceOnly: boolean; updateTime: number }
interface FakeAlgo { algoId: number; clientAlgoId: string; symbol: string; side: 'BUY' | 'SELL'; orderType: string; quantity: number; triggerPrice: number; algoStatus: string; createTime: number; checkedTo: number }
interface FakeTrade { id: number; orderId: number; symbol: string; side: 'BUY' | 'SELL'; price: number; qty: number; commission: number; time: number }

const HOST = 'https://fapi.binance.com';
const TAKER = 0.0004;

/** Bars served by /fapi/v1/klines: [openTime, open, high, low, close, volume] per symbol. */
export type KlineRow = [number, number, number, number, number, number];

/** A fetch for ccxt's `fetchImplementation` that sends Binance USDT-M requests to a fake on 127.0.0.1:`port` (another process's); any other host is refused. */
export function routeToFake(port: number): (url: string, init?: RequestInit) => Promise<Response> {
  return (url, init) => {
    if (!url.startsWith(HOST)) return Promise.reject(new TypeError(`fake-binance: refusing a request to ${url}`));
    return fetch(`http://127.0.0.1:${port}${url.slice(HOST.length)}`, init);
  };
}

export class FakeBinanceUsdm {
  private server: Server | null = null;
  port = 0;
  wallet: number;
  readonly prices = new Map<string, number>();
  readonly orders = new Map<string, FakeOrder>();
  readonly trades: FakeTrade[] = [];
  /** Conditional orders (POST /fapi/v1/algoOrder) by client algo id. */
  readonly algos = new Map<string, FakeAlgo>();
  readonly positions = new Map<string, { amt: number; entry: number }>();
  readonly funding: Array<{ symbol: string; income: number; time: number; tranId: number }> = [];
  /** Every request: method, path and params (the signature removed). */
  readonly requests: Array<{ method: string; path: string; params: Record<string, string> }> = [];
  /** Faults for the next requests whose path matches. */
  readonly faults: Array<{ path: string; fault: Fault }> = [];
  klines = new Map<string, KlineRow[]>();
  fundingRates = new Map<string, Array<[number, number]>>();
  openInterest = new Map<string, Array<[number, number]>>();
  clock = 1_700_000_000_000;
  /**
   * Live mode (the live loop's tests): klines are served only up to the clock
   * (the last one still forming, as Binance does), and the trading price of a
   * symbol with klines is the open of the bar the clock is in.
   */
  live = false;
  /** Live mode: ms the clock moves on at each GET /fapi/v1/time (a fast clock for a child process). */
  autoAdvanceMs = 0;
  private nextId = 1000;

  constructor(readonly symbols: readonly string[], wallet = 1000) {
    this.wallet = wallet;
    for (const s of symbols) this.prices.set(s, 100);
  }

  /** Starts listening on 127.0.0.1 (a free port). */
  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
    this.server = null;
  }

  /** A fetch for ccxt's `fetchImplementation`: same path and query, sent to this server; any other host is refused. */
  readonly fetchImplementation = (url: string, init?: RequestInit): Promise<Response> => routeToFake(this.port)(url, init);

  /** The trading price of a symbol now (see {@link live}). */
  px(sym: string): number | undefined {
    const rows = this.live ? this.klines.get(sym) : undefined;
    if (!rows || rows.length === 0) return this.prices.get(sym);
    let px: number | undefined;
    for (const k of rows) if (k[0] <= this.clock) px = k[1];
    return px;
  }

  /** Orders created for a client order id (1 = sent once). */
  created(clientOrderId: string): number {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.params['newClientOrderId'] === clientOrderId && r.params['__processed'] === '1').length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    let body = '';
    for await (const c of req) body += c;
    const params: Record<string, string> = Object.fromEntries(u.searchParams);
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    delete params['signature'];
    if (this.live) this.triggerAlgos();
    const rec = { method: req.method ?? 'GET', path: u.pathname, params };
    this.requests.push(rec);
    const fi = this.faults.findIndex((f) => u.pathname === f.path);
    const fault = fi >= 0 ? this.faults.splice(fi, 1)[0]!.fault : null;
    const send = (status: number, x: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(x));
    };
    if (fault === 'http418') return send(418, { code: -1003, msg: 'Way too many requests; IP banned until 1700000060000.' });
    if (fault === 'http429') return send(429, { code: -1003, msg: 'Too many requests; current limit is 2400 requests per minute.' });
    if (fault === 'dropBefore') return void req.socket.destroy();
    const err = (code: number, msg: string) => send(400, { code, msg });
    const out = this.route(rec, err);
    if (out === undefined) return;
    if (fault === 'dropAfter') return void req.socket.destroy();
    send(200, out);
  }

  /** Fills a market order at `px` now: order, trade, fee, position, wallet. */
  private execute(id: string, sym: string, side: 'BUY' | 'SELL', qty: number, px: number, type: string, reduceOnly: boolean): FakeOrder {
    const pos = this.positions.get(sym) ?? { amt: 0, entry: 0 };
    const s = side === 'BUY' ? 1 : -1;
    const reducing = pos.amt !== 0 && Math.sign(pos.amt) !== s;
    const o: FakeOrder = { orderId: this.nextId++, clientOrderId: id, symbol: sym, side, type, origQty: qty, executedQty: qty, avgPrice: px, status: 'FILLED', reduceOnly, updateTime: this.clock };
    this.orders.set(id, o);
    const fee = qty * px * TAKER;
    this.trades.push({ id: this.nextId++, orderId: o.orderId, symbol: sym, side, price: px, qty, commission: fee, time: this.clock });
    this.wallet -= fee;
    if (reducing) {
      const closed = Math.min(qty, Math.abs(pos.amt));
      this.wallet += closed * (px - pos.entry) * Math.sign(pos.amt);
      pos.amt += s * qty;
      if (Math.abs(pos.amt) < 1e-12) pos.amt = 0;
    } else {
      pos.entry = (Math.abs(pos.amt) * pos.entry + qty * px) / (Math.abs(pos.amt) + qty);
      pos.amt += s * qty;
    }
    this.positions.set(sym, pos);
    this.clock += 1000;
    return o;
  }

  /**
   * Conditional (algo) orders: STOP_MARKET / TAKE_PROFIT_MARKET, reduce-only,
   * checked on every completed kline after the one they were placed in (the
   * venue watches the price intrabar: a stop triggers when the bar's low
   * (sell stop) or high (buy stop) reaches the trigger; at the open when the
   * bar gaps through it). A triggered order becomes a market order whose client
   * order id is the algo's client id (an assumption of this fake: the real
   * venue's id scheme for triggered orders was not observable here), filled at
   * the trigger price or the gap open, time = the venue clock. A reduce-only
   * order with no position left to reduce expires.
   */
  private triggerAlgos(): void {
    for (const a of this.algos.values()) {
      if (a.algoStatus !== 'NEW') continue;
      const rows = this.klines.get(a.symbol) ?? [];
      for (const k of rows) {
        if (k[0] < a.checkedTo || k[0] + 60_000 > this.clock) continue;
        a.checkedTo = k[0] + 60_000;
        const sell = a.side === 'SELL', stop = a.orderType === 'STOP_MARKET';
        // sell stop / buy take-profit trigger on the way down; buy stop / sell take-profit on the way up
        const down = sell === stop;
        const [open, high, low] = [k[1], k[2], k[3]];
        const hit = down ? (open <= a.triggerPrice ? open : low <= a.triggerPrice ? a.triggerPrice : NaN) : open >= a.triggerPrice ? open : high >= a.triggerPrice ? a.triggerPrice : NaN;
        if (hit !== hit) continue;
        const pos = this.positions.get(a.symbol) ?? { amt: 0, entry: 0 };
        const reduces = pos.amt !== 0 && Math.sign(pos.amt) !== (sell ? -1 : 1);
        if (!reduces) {
          a.algoStatus = 'EXPIRED';
          break;
        }
        this.execute(a.clientAlgoId, a.symbol, a.side, Math.min(a.quantity, Math.abs(pos.amt)), hit, 'MARKET', true);
        a.algoStatus = 'FINISHED';
        break;
      }
    }
  }

  private algoJson(a: FakeAlgo) {
    return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, algoType: 'CONDITIONAL', orderType: a.orderType, symbol: a.symbol, side: a.side, positionSide: 'BOTH', timeInForce: 'GTC', quantity: String(a.quantity), algoStatus: a.algoStatus, triggerPrice: String(a.triggerPrice), price: '0', icebergQuantity: null, selfTradePreventionMode: 'EXPIRE_MAKER', workingType: 'CONTRACT_PRICE', priceMatch: 'NONE', closePosition: false, priceProtect: false, reduceOnly: true, createTime: a.createTime, updateTime: this.clock, triggerTime: 0, goodTillDate: 0 };
  }

  private orderJson(o: FakeOrder) {
    return { orderId: o.orderId, symbol: o.symbol, status: o.status, clientOrderId: o.clientOrderId, price: '0', avgPrice: String(o.avgPrice), origQty: String(o.origQty), executedQty: String(o.executedQty), cumQuote: String(o.executedQty * o.avgPrice), timeInForce: 'GTC', type: o.type, reduceOnly: o.reduceOnly, closePosition: false, side: o.side, positionSide: 'BOTH', stopPrice: '0', workingType: 'CONTRACT_PRICE', priceProtect: false, origType: o.type, updateTime: o.updateTime };
  }

  private route(r: { method: string; path: string; params: Record<string, string> }, err: (code: number, msg: string) => void): unknown {
    const p = r.params;
    switch (`${r.method} ${r.path}`) {
      case 'GET /fapi/v1/exchangeInfo':
        return { timezone: 'UTC', serverTime: this.clock, rateLimits: [], exchangeFilters: [], assets: [], symbols: this.symbols.map((s) => ({ symbol: s, pair: s, contractType: 'PERPETUAL', deliveryDate: 4133404800000, onboardDate: 1569398400000, status: 'TRADING', baseAsset: s.replace(/USDT$/, ''), quoteAsset: 'USDT', marginAsset: 'USDT', pricePrecision: 2, quantityPrecision: 3, baseAssetPrecision: 8, quotePrecision: 8, underlyingType: 'COIN', underlyingSubType: [], triggerProtect: '0.05', liquidationFee: '0.0125', marketTakeBound: '0.05', filters: [{ filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1000000', tickSize: '0.01' }, { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '100000', stepSize: '0.001' }, { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '100000', stepSize: '0.001' }, { filterType: 'MIN_NOTIONAL', notional: '5' }], orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'], timeInForce: ['GTC'] })) };
      case 'GET /fapi/v1/ticker/24hr': {
        const px = this.px(p['symbol']!) ?? NaN;
        return { symbol: p['symbol'], priceChange: '0', priceChangePercent: '0', weightedAvgPrice: String(px), lastPrice: String(px), lastQty: '1', openPrice: String(px), highPrice: String(px), lowPrice: String(px), volume: '1000', quoteVolume: String(1000 * px), openTime: this.clock - 86_400_000, closeTime: this.clock, firstId: 1, lastId: 2, count: 2 };
      }
      case 'POST /fapi/v1/order': {
        const id = p['newClientOrderId'] ?? `auto${this.nextId}`;
        if (this.orders.has(id)) return err(-4116, 'ClientOrderId is duplicated.');
        const sym = p['symbol']!, qty = Number(p['quantity']), side = p['side'] as 'BUY' | 'SELL';
        const px = this.px(sym);
        if (px === undefined) return err(-1121, 'Invalid symbol.');
        const pos = this.positions.get(sym) ?? { amt: 0, entry: 0 };
        const s = side === 'BUY' ? 1 : -1;
        const reducing = pos.amt !== 0 && Math.sign(pos.amt) !== s;
        if (p['reduceOnly'] === 'true' && !reducing) return err(-2022, 'ReduceOnly Order is rejected.');
        let used = 0;
        for (const [k, q] of this.positions) used += Math.abs(q.amt) * (this.px(k) ?? 0);
        if (!reducing && used + qty * px > this.wallet) return err(-2019, 'Margin is insufficient.');
        r.params['__processed'] = '1';
        return this.orderJson(this.execute(id, sym, side, qty, px, p['type']!, p['reduceOnly'] === 'true'));
      }
      case 'POST /fapi/v1/algoOrder': {
        const id = p['clientAlgoId'] ?? `algo${this.nextId}`;
        if (this.algos.has(id)) return err(-4116, 'ClientOrderId is duplicated.');
        if (p['reduceOnly'] !== 'true') return err(-1000, 'fake-binance: conditional orders must be reduce-only here');
        if (!['STOP_MARKET', 'TAKE_PROFIT_MARKET'].includes(p['type'] ?? '')) return err(-1116, 'Invalid orderType.');
        r.params['__processed'] = '1';
        const a: FakeAlgo = { algoId: this.nextId++, clientAlgoId: id, symbol: p['symbol']!, side: p['side'] as 'BUY' | 'SELL', orderType: p['type']!, quantity: Number(p['quantity']), triggerPrice: Number(p['triggerPrice']), algoStatus: 'NEW', createTime: this.clock, checkedTo: Math.floor(this.clock / 60_000) * 60_000 + 60_000 };
        this.algos.set(id, a);
        return this.algoJson(a);
      }
      case 'GET /fapi/v1/algoOrder': {
        const a = this.algos.get(p['clientAlgoId'] ?? '');
        return a ? this.algoJson(a) : err(-2013, 'Order does not exist.');
      }
      case 'DELETE /fapi/v1/algoOrder': {
        const a = this.algos.get(p['clientAlgoId'] ?? '');
        if (!a || a.algoStatus !== 'NEW') return err(-2011, 'Unknown order sent.');
        a.algoStatus = 'CANCELED';
        return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, code: '200', msg: 'success' };
      }
      case 'GET /fapi/v1/openAlgoOrders':
        return [...this.algos.values()].filter((a) => a.algoStatus === 'NEW' && (!p['symbol'] || a.symbol === p['symbol'])).map((a) => this.algoJson(a));
      case 'GET /fapi/v1/time': {
        const t = this.clock;
        this.clock += this.autoAdvanceMs;
        return { serverTime: t };
      }
      case 'POST /test/advance': {
        this.clock += Number(p['ms'] ?? 0);
        return { serverTime: this.clock };
      }
      case 'GET /fapi/v1/order': {
        const byId = p['orderId'] ? [...this.orders.values()].find((x) => String(x.orderId) === p['orderId']) : undefined;
        const o = byId ?? this.orders.get(p['origClientOrderId'] ?? '');
        return o ? this.orderJson(o) : err(-2013, 'Order does not exist.');
      }
      case 'DELETE /fapi/v1/order': {
        const o = this.orders.get(p['origClientOrderId'] ?? '');
        if (!o) return err(-2011, 'Unknown order sent.');
        if (o.status !== 'NEW') return err(-2011, 'Unknown order sent.');
        o.status = 'CANCELED';
        return this.orderJson(o);
      }
      case 'GET /fapi/v1/openOrders':
        return [...this.orders.values()].filter((o) => o.status === 'NEW' && (!p['symbol'] || o.symbol === p['symbol'])).map((o) => this.orderJson(o));
      case 'GET /fapi/v1/userTrades':
        return this.trades.filter((t) => t.symbol === p['symbol'] && (!p['startTime'] || t.time >= Number(p['startTime']))).map((t) => ({ buyer: t.side === 'BUY', commission: String(t.commission), commissionAsset: 'USDT', id: t.id, maker: false, orderId: t.orderId, price: String(t.price), qty: String(t.qty), quoteQty: String(t.qty * t.price), realizedPnl: '0', side: t.side, positionSide: 'BOTH', symbol: t.symbol, time: t.time }));
      case 'GET /fapi/v1/income':
        return this.funding.filter((f) => (!p['symbol'] || f.symbol === p['symbol']) && (!p['startTime'] || f.time >= Number(p['startTime']))).map((f) => ({ symbol: f.symbol, incomeType: 'FUNDING_FEE', income: String(f.income), asset: 'USDT', info: 'FUNDING_FEE', time: f.time, tranId: f.tranId, tradeId: '' }));
      case 'GET /fapi/v1/leverageBracket':
        return this.symbols.map((s) => ({ symbol: s, brackets: [{ bracket: 1, initialLeverage: 20, notionalCap: 1e9, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 }] }));
      case 'GET /fapi/v3/positionRisk':
        return [...this.positions].filter(([, q]) => q.amt !== 0).map(([s, q]) => ({ symbol: s, positionSide: 'BOTH', positionAmt: String(q.amt), entryPrice: String(q.entry), breakEvenPrice: String(q.entry), markPrice: String(this.px(s)), unRealizedProfit: '0', liquidationPrice: '0', isolatedMargin: '0', notional: String(q.amt * this.px(s)!), marginAsset: 'USDT', isolatedWallet: '0', initialMargin: '0', maintMargin: '0', positionInitialMargin: '0', openOrderInitialMargin: '0', adl: 0, bidNotional: '0', askNotional: '0', updateTime: this.clock }));
      case 'GET /fapi/v3/account':
        return { totalInitialMargin: '0', totalMaintMargin: '0', totalWalletBalance: String(this.wallet), totalUnrealizedProfit: '0', totalMarginBalance: String(this.wallet), totalPositionInitialMargin: '0', totalOpenOrderInitialMargin: '0', totalCrossWalletBalance: String(this.wallet), totalCrossUnPnl: '0', availableBalance: String(this.wallet), maxWithdrawAmount: String(this.wallet), assets: [{ asset: 'USDT', walletBalance: String(this.wallet), unrealizedProfit: '0', marginBalance: String(this.wallet), maintMargin: '0', initialMargin: '0', positionInitialMargin: '0', openOrderInitialMargin: '0', crossWalletBalance: String(this.wallet), crossUnPnl: '0', availableBalance: String(this.wallet), maxWithdrawAmount: String(this.wallet), updateTime: this.clock }], positions: [] };
      case 'GET /fapi/v1/klines': {
        const rows = this.klines.get(p['symbol']!) ?? [];
        const start = Number(p['startTime'] ?? 0), limit = Math.min(Number(p['limit'] ?? 500), 1000), end = p['endTime'] ? Number(p['endTime']) : Infinity;
        const upTo = this.live ? Math.min(end, this.clock) : end;
        return rows.filter((k) => k[0] >= start && k[0] <= upTo).slice(0, limit).map((k) => [k[0], String(k[1]), String(k[2]), String(k[3]), String(k[4]), String(k[5]), k[0] + 59_999, String(k[5] * k[4]), 10, '0', '0', '0']);
      }
      case 'GET /fapi/v1/fundingRate': {
        const rows = this.fundingRates.get(p['symbol']!) ?? [];
        const start = Number(p['startTime'] ?? 0), limit = Math.min(Number(p['limit'] ?? 100), 1000);
        return rows.filter((x) => x[0] >= start).slice(0, limit).map(([t, r]) => ({ symbol: p['symbol'], fundingTime: t, fundingRate: String(r), markPrice: '100' }));
      }
      case 'GET /futures/data/openInterestHist': {
        const rows = this.openInterest.get(p['symbol']!) ?? [];
        const start = Number(p['startTime'] ?? 0), limit = Math.min(Number(p['limit'] ?? 30), 500), end = p['endTime'] ? Number(p['endTime']) : Infinity;
        return rows.filter((x) => x[0] >= start && x[0] <= end).slice(0, limit).map(([t, v]) => ({ symbol: p['symbol'], sumOpenInterest: String(v), sumOpenInterestValue: String(v * 100), timestamp: t }));
      }
      default:
        return err(-1000, `fake-binance: no route for ${r.method} ${r.path}`);
    }
  }
}
