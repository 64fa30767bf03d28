/**
 * The live bar loop (lib/trade/live.ts) through the real ccxt binanceusdm
 * client against a scripted Binance USDT-M venue on 127.0.0.1
 * (fetchImplementation, real URLs kept), with the venue's clock injected as a
 * fast clock: closed bars only, decisions from the closed bar filled at the
 * next bar's open, journal equal to the venue, restart without duplicates,
 * refusal on a reconciliation mismatch, external orders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Journal, ReconciliationError, runLive } from '../lib/trade/index.js';
import { CcxtBarFeed, protectiveCause } from '../lib/venues/index.js';
import type { Panel } from '../lib/data/panel.js';
import { liveExchange, liveKlines, liveOptions, liveVenue, momentum, P, SYMBOLS, T0, venueClock } from './helpers/live-session.js';
import type { FakeBinanceUsdm } from './helpers/fake-binance.js';
import { runAlphalab } from './helpers/cli.js';

/** Journal and venue agree: every venue trade journaled once, same positions, each client id created at most once. */
async function assertJournalMatchesVenue(j: Journal, fake: FakeBinanceUsdm): Promise<void> {
  const fills = await j.db.all<{ id: string }>('SELECT fill_id AS id FROM trade_fills');
  assert.deepEqual(fills.map((f) => f.id).sort(), fake.trades.map((t) => `${t.symbol}-${t.id}`).sort());
  const venue = [...fake.positions].filter(([, q]) => q.amt !== 0).map(([s, q]) => [s, q.amt]).sort();
  assert.deepEqual((await j.positions()).map((p) => [p.symbol, p.qty]).sort(), venue);
  const ids = await j.orderIds();
  for (const o of fake.orders.values()) {
    // a triggered protective order: one fill per trigger (its algo order was created once)
    if (protectiveCause(o.clientOrderId)) continue;
    assert.equal(fake.created(o.clientOrderId), 1, `order ${o.clientOrderId} created once`);
    assert.ok(ids.has(o.clientOrderId), `venue order ${o.clientOrderId} is in the journal`);
  }
  for (const a of fake.algos.values()) assert.equal(fake.requests.filter((r) => r.path === '/fapi/v1/algoOrder' && r.method === 'POST' && r.params['clientAlgoId'] === a.clientAlgoId && r.params['__processed'] === '1').length, 1, `${a.clientAlgoId} placed once`);
  // venue-side stops left open protect open positions only (closed ones were cancelled)
  for (const a of fake.algos.values()) {
    if (a.algoStatus !== 'NEW') continue;
    const q = fake.positions.get(a.symbol)?.amt ?? 0;
    assert.ok(q !== 0 && (a.side === 'SELL') === q > 0 && a.quantity <= Math.abs(q) + 1e-9, `${a.clientAlgoId} protects a position`);
  }
}

test('the feed returns closed bars only: the forming bar the venue serves is dropped', async () => {
  const fake = liveVenue(100, 40);
  await fake.start();
  try {
    const feed = new CcxtBarFeed(liveExchange(fake.fetchImplementation), SYMBOLS, '1m', { backoffMs: 5 });
    const now = fake.clock; // 5 s into bar 40
    const bars = await feed.closedBars(T0 + 30 * P, now);
    assert.deepEqual(bars.map((b) => (b.time - T0) / P), [30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
    // the venue did serve bar 40 (still forming) in its answer
    const served = fake.klines.get('BTCUSDT')!.filter((k) => k[0] >= T0 + 30 * P && k[0] <= now);
    assert.equal(served.at(-1)![0], T0 + 40 * P);
    const k39 = liveKlines(100).get('ETHUSDT')![39]!;
    assert.deepEqual([bars[9]!.open[1], bars[9]!.high[1], bars[9]!.low[1], bars[9]!.close[1], bars[9]!.volume[1]], k39.slice(1));
    // exactly at the close time the bar counts as closed
    assert.equal((await feed.closedBars(T0 + 39 * P, T0 + 40 * P)).length, 1);
    assert.equal((await feed.closedBars(T0 + 39 * P, T0 + 40 * P - 1)).length, 0);
  } finally {
    await fake.stop();
  }
});

test('a live session acts on each closed bar, fills at the next open, journals exactly what the venue did; a restart continues without duplicates', async () => {
  const fake = liveVenue(200, 40);
  await fake.start();
  const j = await Journal.open(':memory:');
  try {
    const clock = venueClock(fake);
    const seen: Array<{ bar: number; now: number }> = [];
    const rep = await runLive({ ...liveOptions(fake.fetchImplementation, j, clock, 25), onBar: (b) => seen.push({ bar: b.bar, now: clock.now() }) });
    assert.equal(rep.barsActed, 25);
    assert.equal(rep.resumed, false);
    // never on a bar that had not closed
    for (const s of seen) assert.ok((s.bar + 1) * P <= s.now, `bar ${s.bar} processed at ${s.now}`);
    assert.deepEqual(seen.map((s) => s.bar - T0 / P), Array.from({ length: 25 }, (_, i) => 40 + i));
    assert.ok(rep.ordersSent >= 6, `orders sent: ${rep.ordersSent}`);
    // each entry was decided from signal row k on the full history and filled at the open of bar k + 1
    const full: Panel = { frequency: '1m', market: 'crypto', times: Float64Array.from(liveKlines(200).get('BTCUSDT')!, (k) => k[0]), assets: SYMBOLS, fields: { close: Float64Array.from(liveKlines(200).get('BTCUSDT')!.flatMap((k, t) => [k[4], liveKlines(200).get('ETHUSDT')![t]![4]])) } };
    const masks = momentum(full);
    const tag = (await j.meta('run_tag'))!;
    let entries = 0;
    for (const o of fake.orders.values()) {
      const m = new RegExp(`^${tag}-(\\d+)-oe(\\d)$`).exec(o.clientOrderId);
      if (!m) continue;
      entries++;
      const k = Number(m[1]) - 1 - T0 / P, a = Number(m[2]);
      assert.ok(masks.longEntry![k * 2 + a] === 1 || masks.shortEntry![k * 2 + a] === 1, `entry ${o.clientOrderId} has an entry signal at row ${k}`);
      assert.equal(o.avgPrice, liveKlines(200).get(SYMBOLS[a]!)![k + 1]![1], 'filled at the next bar open');
      assert.equal(o.side, masks.longEntry![k * 2 + a] === 1 ? 'BUY' : 'SELL');
    }
    assert.ok(entries >= 3, `entries: ${entries}`);
    await assertJournalMatchesVenue(j, fake);

    // restart on the same journal: resumes after its marker, reconciles, no order twice
    const before = fake.orders.size;
    const rep2 = await runLive(liveOptions(fake.fetchImplementation, j, clock, 5));
    assert.equal(rep2.resumed, true);
    assert.equal(rep2.barsActed, 5);
    assert.ok(fake.orders.size >= before);
    await assertJournalMatchesVenue(j, fake);
  } finally {
    j.close();
    await fake.stop();
  }
});

test('start: a venue position the journal does not know refuses to trade (journaled, nothing sent); unknown open orders become external orders', async () => {
  const fake = liveVenue(100, 40);
  await fake.start();
  const j = await Journal.open(':memory:');
  try {
    fake.positions.set('BTCUSDT', { amt: 0.5, entry: 100 });
    const posts = () => fake.requests.filter((r) => r.method === 'POST').length;
    await assert.rejects(runLive(liveOptions(fake.fetchImplementation, j, venueClock(fake), 3)), (e: unknown) => e instanceof ReconciliationError && /BTCUSDT: journal 0, venue 0.5/.test(e.message));
    assert.equal(posts(), 0);
    assert.equal((await j.riskEvents()).at(-1)!.kind, 'reconciliation_failed');

    const j2 = await Journal.open(':memory:');
    try {
      fake.positions.clear();
      fake.orders.set('by-hand-1', { orderId: 42, clientOrderId: 'by-hand-1', symbol: 'ETHUSDT', side: 'BUY', type: 'LIMIT', origQty: 1, executedQty: 0, avgPrice: 0, status: 'NEW', reduceOnly: false, updateTime: fake.clock });
      const rep = await runLive(liveOptions(fake.fetchImplementation, j2, venueClock(fake), 2));
      assert.equal(rep.externalOrders, 1);
      const ext = await j2.db.one<{ tag: string; status: string; symbol: string }>(`SELECT tag, status, symbol FROM trade_orders WHERE client_order_id = 'by-hand-1'`);
      assert.deepEqual({ ...ext }, { tag: 'external', status: 'open', symbol: 'ETHUSDT' });
      assert.ok((await j2.riskEvents()).some((e) => e.kind === 'external_order' && e.detail.includes('by-hand-1')));
      assert.equal(fake.orders.get('by-hand-1')!.status, 'NEW', 'left alone');
    } finally {
      j2.close();
    }
  } finally {
    j.close();
    await fake.stop();
  }
});

test('venue-side stops in a live session: placed after each entry, triggered intrabar by the venue, journaled as stop_loss / take_profit, the rest cancelled', async () => {
  const fake = liveVenue(200, 40);
  await fake.start();
  const j = await Journal.open(':memory:');
  try {
    const stops = { stopLoss: 0.003, takeProfit: 0.004, trailingStop: NaN };
    const rep = await runLive({ ...liveOptions(fake.fetchImplementation, j, venueClock(fake), 30), stops });
    assert.equal(rep.barsActed, 30);
    const tag = (await j.meta('run_tag'))!;
    const entries = [...fake.orders.values()].filter((o) => new RegExp(`^${tag}-\\d+-oe\\d$`).test(o.clientOrderId));
    assert.ok(entries.length >= 3);
    for (const e of entries) {
      const sl = fake.algos.get(`${e.clientOrderId}.sl`)!, tp = fake.algos.get(`${e.clientOrderId}.tp`)!;
      const long = e.side === 'BUY';
      assert.equal(sl.triggerPrice, Number((e.avgPrice * (long ? 1 - 0.003 : 1 + 0.003)).toFixed(2)));
      assert.equal(tp.triggerPrice, Number((e.avgPrice * (long ? 1 + 0.004 : 1 - 0.004)).toFixed(2)));
      assert.equal(sl.quantity, e.executedQty);
    }
    const trades = await j.trades();
    const byVenue = trades.filter((t) => t.reason === 'stop_loss' || t.reason === 'take_profit');
    assert.ok(byVenue.length >= 2, `venue-side exits: ${byVenue.length}`);
    for (const t of byVenue) {
      // filled at the trigger, or at the open of a bar that gapped through it
      const e = entries.find((o) => o.symbol === t.symbol && Math.abs(o.avgPrice - t.entryPrice) < 1e-9)!;
      const trig = fake.algos.get(`${e.clientOrderId}.${t.reason === 'stop_loss' ? 'sl' : 'tp'}`)!.triggerPrice;
      const opens = liveKlines(200).get(t.symbol)!.map((k) => k[1]);
      assert.ok(t.exitPrice === trig || opens.includes(t.exitPrice), `${t.reason} at ${t.exitPrice} (trigger ${trig})`);
    }
    await assertJournalMatchesVenue(j, fake);
  } finally {
    j.close();
    await fake.stop();
  }
});

test('alphalab trade live refuses without keys, and with real keys without the real-money flag (nothing loaded or sent; keys never printed)', async () => {
  const none = await runAlphalab(['trade', 'live', '-s', 'nothing'], { ALPHALAB_EXCHANGE_API_KEY: '', ALPHALAB_EXCHANGE_API_SECRET: '', ALPHALAB_EXCHANGE_KEYS_FILE: '' });
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /no exchange keys: set ALPHALAB_EXCHANGE_API_KEY and ALPHALAB_EXCHANGE_API_SECRET/);
  const secret = 'SECRET-do-not-print-0123456789';
  const noFlag = await runAlphalab(['trade', 'live', '-s', 'nothing'], { ALPHALAB_EXCHANGE_API_KEY: 'KEY-do-not-print-0123456789', ALPHALAB_EXCHANGE_API_SECRET: secret });
  assert.notEqual(noFlag.code, 0);
  assert.match(noFlag.stderr, /refusing to start without --i-understand-this-trades-real-money \(try --demo/);
  assert.ok(!(noFlag.stdout + noFlag.stderr).includes(secret) && !(noFlag.stdout + noFlag.stderr).includes('KEY-do-not-print'));
});
