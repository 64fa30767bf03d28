/**
 * The trading journal in DuckDB: orders, fills, funding, positions, the
 * account (cash, venue event cursor, engine cursor), closed trades, risk
 * events, and the paper venue's own order record. Each change is one
 * transaction (an order intent before it is sent; a fill together with the
 * position, trade, account and order status it changes), so a kill -9 at any
 * point leaves a state the engine can resume from: see `engine.ts` for the
 * restart procedure.
 *
 * Secrets never reach the journal: it stores orders and fills, not settings
 * of the venue connection.
 */
import { Db } from '../db/index.js';
import type { Fill, FundingPayment, OrderRequest, OrderState } from './broker.js';
import type { BarPhase, PaperLogEntry, PaperOrderLog } from './paper.js';
import type { TradingState } from '../risk/limits.js';

/** A position as the engine keeps it (the backtest's per-trade accumulators). */
export interface JournalPosition {
  symbol: string;
  /** Signed base quantity. */
  qty: number;
  entryPrice: number;
  entryBar: number;
  signalBar: number;
  /** Fees paid so far on this trade, quote units. */
  fees: number;
  /** Funding paid so far on this trade (negative = received). */
  funding: number;
}

/** A closed round trip (the backtest's `Trade` fields by bar index). */
export interface JournalTrade {
  symbol: string;
  side: 1 | -1;
  signalBar: number;
  entryBar: number;
  exitBar: number;
  size: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
  fees: number;
  funding: number;
  reason: string;
}

/** An order the engine decided to send, with what it was for. */
export interface JournalOrder {
  order: OrderRequest;
  bar: number;
  phase: BarPhase;
  signalBar: number;
  time: number;
}

/** The engine's cursor and account figures. */
export interface JournalAccount {
  cash: number;
  venueSeq: number;
  bar: number;
  phase: BarPhase;
  state: TradingState;
  peakEquity: number;
  dayStartEquity: number;
  day: number;
}

/** A risk event: a denied order, a state change, a kill switch. */
export interface RiskEvent {
  time: number;
  bar: number;
  kind: string;
  detail: string;
  state: TradingState;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS trade_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS trade_orders (client_order_id VARCHAR PRIMARY KEY, bar INTEGER, phase VARCHAR, signal_bar INTEGER, symbol VARCHAR, side VARCHAR, quantity DOUBLE, notional DOUBLE, tag VARCHAR, request VARCHAR, status VARCHAR, venue_order_id VARCHAR, reason VARCHAR, time BIGINT)`,
  `CREATE TABLE IF NOT EXISTS trade_fills (fill_id VARCHAR PRIMARY KEY, seq BIGINT, client_order_id VARCHAR, symbol VARCHAR, side VARCHAR, quantity DOUBLE, price DOUBLE, fee DOUBLE, notional DOUBLE, time BIGINT, cause VARCHAR, bar INTEGER)`,
  // fees in other assets (JSON of Fill.otherFees, e.g. a Solana network fee in SOL); added after the first release, so journals created before get it too
  `ALTER TABLE trade_fills ADD COLUMN IF NOT EXISTS other_fees VARCHAR`,
  `CREATE TABLE IF NOT EXISTS trade_funding (funding_id VARCHAR PRIMARY KEY, seq BIGINT, symbol VARCHAR, amount DOUBLE, time BIGINT, bar INTEGER)`,
  `CREATE TABLE IF NOT EXISTS trade_positions (symbol VARCHAR PRIMARY KEY, qty DOUBLE, entry_price DOUBLE, entry_bar INTEGER, signal_bar INTEGER, fees DOUBLE, funding DOUBLE)`,
  `CREATE TABLE IF NOT EXISTS trade_trades (n INTEGER PRIMARY KEY, symbol VARCHAR, side INTEGER, signal_bar INTEGER, entry_bar INTEGER, exit_bar INTEGER, size DOUBLE, entry_price DOUBLE, exit_price DOUBLE, pnl DOUBLE, fees DOUBLE, funding DOUBLE, reason VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS trade_account (id INTEGER PRIMARY KEY, cash DOUBLE, venue_seq BIGINT, bar INTEGER, phase VARCHAR, state VARCHAR, peak_equity DOUBLE, day_start_equity DOUBLE, day BIGINT)`,
  `CREATE TABLE IF NOT EXISTS trade_risk_events (id INTEGER PRIMARY KEY, time BIGINT, bar INTEGER, kind VARCHAR, detail VARCHAR, state VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS paper_venue_orders (client_order_id VARCHAR PRIMARY KEY, n INTEGER, bar INTEGER, phase VARCHAR, request VARCHAR)`,
];

const num = (x: unknown): number => (typeof x === 'bigint' ? Number(x) : (x as number));

/**
 * An order request as journal text: JSON, except that a non-finite number
 * (NaN = "off" for an attached stop; NaN quantity of an external order) is
 * written as its string ("NaN", "Infinity", "-Infinity"). Plain JSON writes
 * them as null, and null read back as a stop fraction acts as 0 (a stop at
 * the entry price): a rebuilt paper venue then stopped out positions the
 * original never closed.
 */
function encodeRequest(r: OrderRequest): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** A number field of a stored request: its string form for non-finite values, null in journals written before {@link encodeRequest} (plain JSON's NaN). */
const storedNumber = (v: unknown): number => (v === null ? NaN : typeof v === 'string' ? Number(v) : (v as number));

/** Inverse of {@link encodeRequest} (also reads journals written with plain JSON, where null stood for NaN). */
function decodeRequest(text: string): OrderRequest {
  const r = JSON.parse(text) as Record<string, unknown>;
  for (const k of ['quantity', 'notional', 'limitPrice'] as const) if (k in r) r[k] = storedNumber(r[k]);
  const st = r['stops'] as Record<string, unknown> | undefined;
  if (st) for (const k of ['stopLoss', 'takeProfit', 'trailingStop'] as const) st[k] = storedNumber(st[k]);
  return r as unknown as OrderRequest;
}

/** The journal (see the module header). Open with {@link Journal.open}. */
export class Journal implements PaperOrderLog {
  private nTrades = 0;
  private nRisk = 0;
  private nPaper = 0;
  private hasAccount = false;
  /** Fill and funding ids already recorded (dedup without a query per event). */
  private readonly seen = new Set<string>();
  private constructor(readonly db: Db) {}

  /** Opens (creating if needed) a journal in a DuckDB file (or ':memory:'). @throws Error naming the path when it cannot be opened */
  static async open(path: string): Promise<Journal> {
    const db = await Db.open(path);
    for (const s of SCHEMA) await db.exec(s);
    const j = new Journal(db);
    j.nTrades = num((await db.one<{ n: unknown }>('SELECT count(*) AS n FROM trade_trades'))!.n);
    j.nRisk = num((await db.one<{ n: unknown }>('SELECT count(*) AS n FROM trade_risk_events'))!.n);
    j.nPaper = num((await db.one<{ n: unknown }>('SELECT count(*) AS n FROM paper_venue_orders'))!.n);
    j.hasAccount = (await db.one('SELECT 1 AS x FROM trade_account WHERE id = 1')) !== undefined;
    for (const r of await db.all<{ id: string }>('SELECT fill_id AS id FROM trade_fills UNION ALL SELECT funding_id AS id FROM trade_funding')) j.seen.add(r.id);
    return j;
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }

  /** A metadata value (strategy, run tag, settings), or null. */
  async meta(key: string): Promise<string | null> {
    const r = await this.db.one<{ value: string }>('SELECT value FROM trade_meta WHERE key = ?', [key]);
    return r ? r.value : null;
  }

  /** Sets metadata values in one transaction. */
  async setMeta(values: Record<string, string>): Promise<void> {
    await this.tx(async (db) => {
      for (const [k, v] of Object.entries(values)) await db.exec('INSERT OR REPLACE INTO trade_meta VALUES (?, ?)', [k, v]);
    });
  }

  /** The account row, or null for a new journal. */
  async account(): Promise<JournalAccount | null> {
    const r = await this.db.one('SELECT * FROM trade_account WHERE id = 1');
    if (!r) return null;
    return { cash: num(r['cash']), venueSeq: num(r['venue_seq']), bar: num(r['bar']), phase: r['phase'] as BarPhase, state: r['state'] as TradingState, peakEquity: num(r['peak_equity']), dayStartEquity: num(r['day_start_equity']), day: num(r['day']) };
  }

  /** Writes the account row (inside the caller's transaction when there is one). */
  async putAccount(a: JournalAccount): Promise<void> {
    const v = [a.cash, a.venueSeq, a.bar, a.phase, a.state, a.peakEquity, a.dayStartEquity, a.day];
    if (this.hasAccount) await this.db.exec('UPDATE trade_account SET cash = ?, venue_seq = ?, bar = ?, phase = ?, state = ?, peak_equity = ?, day_start_equity = ?, day = ? WHERE id = 1', v);
    else {
      await this.db.exec('INSERT INTO trade_account VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)', v);
      this.hasAccount = true;
    }
  }

  /** A transaction; after a rollback the cached "account row exists" flag is re-read (an insert may have been undone). */
  private async tx(fn: (db: Db) => Promise<void>): Promise<void> {
    try {
      await this.db.transaction(fn);
    } catch (err) {
      this.hasAccount = (await this.db.one('SELECT 1 AS x FROM trade_account WHERE id = 1').catch(() => undefined)) !== undefined;
      throw err;
    }
  }

  /** Records an order before it is sent (status 'sending'), with the account cursor, in one transaction. */
  async recordIntent(o: JournalOrder, account: JournalAccount): Promise<void> {
    await this.tx(async (db) => {
      const r = o.order;
      await db.exec('INSERT OR IGNORE INTO trade_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [r.clientOrderId, o.bar, o.phase, o.signalBar, r.symbol, r.side, r.quantity ?? null, r.notional ?? null, r.tag ?? null, encodeRequest(r), 'sending', null, null, o.time]);
      await this.putAccount(account);
    });
  }

  /** Records the venue's answer to an order. */
  async recordOrderState(s: OrderState): Promise<void> {
    await this.db.exec('UPDATE trade_orders SET status = ?, venue_order_id = ?, reason = ? WHERE client_order_id = ?', [s.status, s.venueOrderId, s.reason ?? null, s.clientOrderId]);
  }

  /**
   * Records an order found open on the venue that this journal never sent (an
   * "external" order, nautilus_trader's term: placed by hand or by another
   * program): tag 'external', bar -1, the venue's status. The engine never
   * acts on it; it is listed so the user sees it. An id already in the journal is left alone.
   * @returns whether it was new
   */
  async recordExternalOrder(s: OrderState, time: number): Promise<boolean> {
    if ((await this.order(s.clientOrderId)) !== null) return false;
    const request = { clientOrderId: s.clientOrderId, symbol: s.symbol, side: s.side, type: s.type, quantity: s.quantity, tag: 'external' };
    await this.db.exec('INSERT INTO trade_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [s.clientOrderId, -1, 'open', -1, s.symbol, s.side, Number.isFinite(s.quantity) ? s.quantity : null, null, 'external', encodeRequest(request), s.status, s.venueOrderId, null, time]);
    return true;
  }

  /**
   * Marks orders still 'sending' from bars before `bar` as 'canceled' with
   * `reason` (the live loop after a restart: the venue was asked and never
   * received them, and their bar has passed, so they will not be sent).
   * @returns how many
   */
  async abandonUnsent(bar: number, reason: string): Promise<number> {
    const r = await this.db.one<{ n: unknown }>(`SELECT count(*) AS n FROM trade_orders WHERE status = 'sending' AND bar < ?`, [bar]);
    const n = num(r!.n);
    if (n > 0) await this.db.exec(`UPDATE trade_orders SET status = 'canceled', reason = ? WHERE status = 'sending' AND bar < ?`, [reason, bar]);
    return n;
  }

  /** Client order id of the first fill of `symbol` at bar `bar` (the entry order of a position opened there), or null. */
  async entryOrderId(symbol: string, bar: number): Promise<string | null> {
    const r = await this.db.one<{ id: string }>('SELECT client_order_id AS id FROM trade_fills WHERE symbol = ? AND bar = ? ORDER BY seq, fill_id LIMIT 1', [symbol, bar]);
    return r ? r.id : null;
  }

  /** Client order ids of every order in the journal (sent, denied at the venue, or external). */
  async orderIds(): Promise<Set<string>> {
    return new Set((await this.db.all<{ id: string }>('SELECT client_order_id AS id FROM trade_orders')).map((r) => r.id));
  }

  /** An order of the journal by client id, or null. */
  async order(clientOrderId: string): Promise<{ signalBar: number; tag: string | null; status: string } | null> {
    const r = await this.db.one('SELECT signal_bar, tag, status FROM trade_orders WHERE client_order_id = ?', [clientOrderId]);
    return r ? { signalBar: num(r['signal_bar']), tag: (r['tag'] as string | null) ?? null, status: r['status'] as string } : null;
  }

  /** Orders still 'sending' (sent or not before a crash: the restart asks the venue). */
  async unsettledOrders(): Promise<OrderRequest[]> {
    const rows = await this.db.all<{ request: string }>(`SELECT request FROM trade_orders WHERE status = 'sending' ORDER BY time, client_order_id`);
    return rows.map((r) => decodeRequest(r.request));
  }

  /**
   * Applies one fill in one transaction: the fill row, the position (upsert
   * or delete), the closed trade if any, the order's status and the account.
   * A fill id already recorded is ignored (returns false).
   */
  async recordFill(f: Fill, bar: number, position: JournalPosition | null, previous: JournalPosition | null, trade: JournalTrade | null, account: JournalAccount): Promise<boolean> {
    if (this.seen.has(f.fillId)) return false;
    await this.tx(async (db) => {
      await db.exec('INSERT INTO trade_fills (fill_id, seq, client_order_id, symbol, side, quantity, price, fee, notional, time, cause, bar, other_fees) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [f.fillId, f.seq, f.clientOrderId, f.symbol, f.side, f.quantity, f.price, f.fee, f.notional, f.time, f.cause, bar, f.otherFees?.length ? JSON.stringify(f.otherFees) : null]);
      await this.putPosition(f.symbol, position, previous !== null);
      if (trade) await this.insertTrade(trade);
      await db.exec(`UPDATE trade_orders SET status = 'filled' WHERE client_order_id = ? AND status = 'sending'`, [f.clientOrderId]);
      await this.putAccount(account);
    });
    this.seen.add(f.fillId);
    return true;
  }

  /** Applies one funding payment (payment row, position accumulator, account) in one transaction; a known id is ignored. */
  async recordFunding(p: FundingPayment, bar: number, position: JournalPosition | null, account: JournalAccount): Promise<boolean> {
    if (this.seen.has(p.fundingId)) return false;
    await this.tx(async (db) => {
      await db.exec('INSERT INTO trade_funding VALUES (?, ?, ?, ?, ?, ?)', [p.fundingId, p.seq, p.symbol, p.amount, p.time, bar]);
      await this.putPosition(p.symbol, position, position !== null);
      await this.putAccount(account);
    });
    this.seen.add(p.fundingId);
    return true;
  }

  /** Records a risk event with the account (state changes travel with it) in one transaction. */
  async recordRiskEvent(e: RiskEvent, account: JournalAccount | null): Promise<void> {
    await this.tx(async (db) => {
      await db.exec('INSERT INTO trade_risk_events VALUES (?, ?, ?, ?, ?, ?)', [++this.nRisk, e.time, e.bar, e.kind, e.detail, e.state]);
      if (account) await this.putAccount(account);
    });
  }

  /** Open positions. */
  async positions(): Promise<JournalPosition[]> {
    const rows = await this.db.all('SELECT * FROM trade_positions ORDER BY symbol');
    return rows.map((r) => ({ symbol: r['symbol'] as string, qty: num(r['qty']), entryPrice: num(r['entry_price']), entryBar: num(r['entry_bar']), signalBar: num(r['signal_bar']), fees: num(r['fees']), funding: num(r['funding']) }));
  }

  /** Closed trades in closing order. */
  async trades(): Promise<JournalTrade[]> {
    const rows = await this.db.all('SELECT * FROM trade_trades ORDER BY n');
    return rows.map((r) => ({ symbol: r['symbol'] as string, side: num(r['side']) as 1 | -1, signalBar: num(r['signal_bar']), entryBar: num(r['entry_bar']), exitBar: num(r['exit_bar']), size: num(r['size']), entryPrice: num(r['entry_price']), exitPrice: num(r['exit_price']), pnl: num(r['pnl']), fees: num(r['fees']), funding: num(r['funding']), reason: r['reason'] as string }));
  }

  /** Risk events in order. */
  async riskEvents(): Promise<RiskEvent[]> {
    const rows = await this.db.all('SELECT * FROM trade_risk_events ORDER BY id');
    return rows.map((r) => ({ time: num(r['time']), bar: num(r['bar']), kind: r['kind'] as string, detail: r['detail'] as string, state: r['state'] as TradingState }));
  }

  /** Counts for reports: orders by status, fills. */
  async counts(): Promise<{ orders: number; fills: number; denied: number; sending: number }> {
    const r = (await this.db.one(`SELECT (SELECT count(*) FROM trade_orders) AS orders, (SELECT count(*) FROM trade_fills) AS fills, (SELECT count(*) FROM trade_risk_events WHERE kind = 'denied') AS denied, (SELECT count(*) FROM trade_orders WHERE status = 'sending') AS sending`))!;
    return { orders: num(r['orders']), fills: num(r['fills']), denied: num(r['denied']), sending: num(r['sending']) };
  }

  /** PaperOrderLog: the paper venue's record of an accepted order (its own transaction, before the fill). */
  async append(e: PaperLogEntry): Promise<void> {
    await this.db.exec('INSERT INTO paper_venue_orders VALUES (?, ?, ?, ?, ?)', [e.order.clientOrderId, ++this.nPaper, e.bar, e.phase, encodeRequest(e.order)]);
  }

  /** The paper venue's recorded orders, in arrival order. */
  async paperOrders(): Promise<PaperLogEntry[]> {
    const rows = await this.db.all('SELECT bar, phase, request FROM paper_venue_orders ORDER BY n');
    return rows.map((r) => ({ bar: num(r['bar']), phase: r['phase'] as BarPhase, order: decodeRequest(r['request'] as string) }));
  }

  private async putPosition(symbol: string, p: JournalPosition | null, existed: boolean): Promise<void> {
    if (p === null) {
      if (existed) await this.db.exec('DELETE FROM trade_positions WHERE symbol = ?', [symbol]);
    } else if (existed) await this.db.exec('UPDATE trade_positions SET qty = ?, entry_price = ?, entry_bar = ?, signal_bar = ?, fees = ?, funding = ? WHERE symbol = ?', [p.qty, p.entryPrice, p.entryBar, p.signalBar, p.fees, p.funding, symbol]);
    else await this.db.exec('INSERT INTO trade_positions VALUES (?, ?, ?, ?, ?, ?, ?)', [p.symbol, p.qty, p.entryPrice, p.entryBar, p.signalBar, p.fees, p.funding]);
  }

  private async insertTrade(t: JournalTrade): Promise<void> {
    await this.db.exec('INSERT INTO trade_trades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [++this.nTrades, t.symbol, t.side, t.signalBar, t.entryBar, t.exitBar, t.size, t.entryPrice, t.exitPrice, t.pnl, t.fees, t.funding, t.reason]);
  }
}
