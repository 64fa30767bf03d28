/**
 * CcxtBroker through the real ccxt (binanceusdm) against a scripted Binance
 * USDT-M exchange on 127.0.0.1 (fetchImplementation, real URLs kept): the
 * Broker contract, InsufficientFunds, HTTP 418/429 as retryable NetworkError,
 * a connection lost after the order reached the venue (no second order),
 * funding events, and keys never in an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ccxt from 'ccxt';
import { BrokerError, CcxtBroker, classifyCcxtError, createExchange, exchangeKeys } from '../lib/venues/index.js';
import { PaperBroker } from '../lib/trade/index.js';
import { FakeBinanceUsdm } from './helpers/fake-binance.js';
import { brokerContract } from './helpers/broker-contract.js';

const KEY = 'TESTKEY-abcdef0123456789', SECRET = 'TESTSECRET-0123456789abcdef';

async function subject(wallet = 1000, symbols = ['BTCUSDT', 'ETHUSDT']) {
  const fake = new FakeBinanceUsdm(symbols, wallet);
  await fake.start();
  const ex = createExchange('binanceusdm', { apiKey: KEY, secret: SECRET });
  (ex as unknown as { fetchImplementation: typeof fake.fetchImplementation }).fetchImplementation = fake.fetchImplementation;
  const broker = new CcxtBroker(ex, { symbols, backoffMs: 5 });
  return { fake, broker };
}

brokerContract('CcxtBroker binanceusdm', async () => {
  const { fake, broker } = await subject();
  return { broker, symbol: 'BTCUSDT', close: () => fake.stop() };
});

brokerContract('PaperBroker', async () => {
  const p = new PaperBroker(['BTCUSDT'], { feeBps: 4, slippageBps: 0, impact: 0 }, 1000);
  const one = (x: number) => Float64Array.of(x);
  p.beginBar({ index: 0, time: 1.7e12, open: one(100), high: one(101), low: one(99), close: one(100), volume: null, funding: null });
  return { broker: p, symbol: 'BTCUSDT', close: async () => undefined };
});

test('notional orders are sized at the last price and rounded to the step; the client id goes out as newClientOrderId', async () => {
  const { fake, broker } = await subject();
  try {
    fake.prices.set('ETHUSDT', 250);
    const s = await broker.submit({ clientOrderId: 'n-1', symbol: 'ETHUSDT', side: 'sell', type: 'market', notional: 100.1 });
    assert.equal(s.filledQuantity, 0.4);
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/fapi/v1/order')!;
    assert.equal(post.params['newClientOrderId'], 'n-1');
    assert.equal(post.params['quantity'], '0.4');
    assert.deepEqual((await broker.positions()).map((p) => [p.symbol, p.quantity]), [['ETHUSDT', -0.4]]);
    await assert.rejects(broker.submit({ clientOrderId: 'x'.repeat(37), symbol: 'ETHUSDT', side: 'sell', type: 'market', quantity: 1 }), /1-36 characters/);
    await assert.rejects(broker.submit({ clientOrderId: 'st-1', symbol: 'ETHUSDT', side: 'buy', type: 'market', quantity: 1, stops: { stopLoss: 0.05, takeProfit: NaN, trailingStop: 0.03 } }), (e: unknown) => e instanceof BrokerError && e.code === 'TrailingStopNotSupported');
    assert.equal(fake.created('st-1'), 0);
  } finally {
    await fake.stop();
  }
});

test('insufficient margin (-2019) is InsufficientFunds -> reject; nothing filled', async () => {
  const { fake, broker } = await subject(50);
  try {
    await assert.rejects(broker.submit({ clientOrderId: 'big-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1 }), (e: unknown) => e instanceof BrokerError && e.kind === 'reject' && e.code === 'InsufficientFunds');
    assert.equal(fake.trades.length, 0);
  } finally {
    await fake.stop();
  }
});

test('HTTP 418 and 429 are DDoSProtection (a NetworkError): retried with the same client id, one order', async () => {
  const { fake, broker } = await subject();
  try {
    fake.faults.push({ path: '/fapi/v1/order', fault: 'http429' }, { path: '/fapi/v1/order', fault: 'http418' });
    const s = await broker.submit({ clientOrderId: 'rl-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1 });
    assert.equal(s.status, 'filled');
    assert.equal(fake.created('rl-1'), 1);
    // the classification itself, on ccxt's classes
    assert.deepEqual(classifyCcxtError(new ccxt.DDoSProtection('x')), { kind: 'retry', code: 'DDoSProtection' });
    assert.equal(classifyCcxtError(new ccxt.AuthenticationError('x')).kind, 'halt');
    assert.equal(classifyCcxtError(new ccxt.InvalidOrder('x')).kind, 'reject');
    // beyond the retries: a retryable BrokerError, still nothing sent twice
    fake.faults.push(...Array.from({ length: 8 }, () => ({ path: '/fapi/v1/order', fault: 'http429' as const })));
    await assert.rejects(broker.submit({ clientOrderId: 'rl-2', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1 }), (e: unknown) => e instanceof BrokerError && e.retryable);
    assert.equal(fake.created('rl-2'), 0);
  } finally {
    await fake.stop();
  }
});

test('connection lost after the venue took the order: the broker finds it by client id and sends nothing again', async () => {
  const { fake, broker } = await subject();
  try {
    fake.faults.push({ path: '/fapi/v1/order', fault: 'dropAfter' });
    const s = await broker.submit({ clientOrderId: 'net-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1 });
    assert.equal(s.status, 'filled');
    assert.equal(fake.created('net-1'), 1);
    assert.equal(fake.requests.filter((r) => r.method === 'POST' && r.params['newClientOrderId'] === 'net-1').length, 1);
    // lost before reaching the venue: sent again once, filled once
    fake.faults.push({ path: '/fapi/v1/order', fault: 'dropBefore' });
    await broker.submit({ clientOrderId: 'net-2', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1 });
    assert.equal(fake.created('net-2'), 1);
    // a restarted engine resubmitting a known id: the venue says "duplicated", the broker returns the order
    const again = await broker.submit({ clientOrderId: 'net-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1 });
    assert.equal(again.venueOrderId, s.venueOrderId);
    assert.equal(fake.created('net-1'), 1);
    assert.equal((await broker.events(0)).filter((e) => e.kind === 'fill').length, 2);
  } finally {
    await fake.stop();
  }
});

test('funding payments arrive as events (paid = positive); keys never appear in errors', async () => {
  const { fake, broker } = await subject();
  try {
    fake.funding.push({ symbol: 'BTCUSDT', income: -0.25, time: 1_700_000_500_000, tranId: 7 });
    const ev = (await broker.events(0)).filter((e) => e.kind === 'funding');
    assert.deepEqual(ev.map((e) => [e.symbol, (e as { amount: number }).amount]), [['BTCUSDT', 0.25]]);
    const err = await broker.submit({ clientOrderId: 'k-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1e6 }).catch((e: Error) => e);
    assert.ok(err instanceof BrokerError);
    assert.ok(!String(err.message).includes(KEY) && !String(err.message).includes(SECRET));
    assert.ok(!JSON.stringify(fake.requests).includes(SECRET), 'the secret never travels (only signatures)');
  } finally {
    await fake.stop();
  }
});

test('keys come from the environment or a keys file; missing keys give null', () => {
  assert.equal(exchangeKeys({}), null);
  assert.deepEqual(exchangeKeys({ ALPHALAB_EXCHANGE_API_KEY: 'a', ALPHALAB_EXCHANGE_API_SECRET: 'b' }), { apiKey: 'a', secret: 'b' });
  assert.throws(() => exchangeKeys({ ALPHALAB_EXCHANGE_KEYS_FILE: '/nonexistent/keys.json' }), /keys file \/nonexistent\/keys.json: not readable JSON/);
});

test('protective stops on the venue: reduce-only STOP_MARKET / TAKE_PROFIT_MARKET after the entry fills, idempotent ids, resized when the position shrinks, cancelled when it closes', async () => {
  const { fake, broker } = await subject(10_000);
  try {
    fake.prices.set('BTCUSDT', 200);
    const stops = { stopLoss: 0.05, takeProfit: 0.1, trailingStop: NaN };
    const st = await broker.submit({ clientOrderId: 'pe-1', symbol: 'BTCUSDT', side: 'sell', type: 'market', quantity: 2, stops });
    assert.equal(st.status, 'filled');
    // a short: the stop buys back above the entry, the take profit below
    const sl = fake.algos.get('pe-1.sl')!, tp = fake.algos.get('pe-1.tp')!;
    assert.deepEqual([sl.orderType, sl.side, sl.quantity, sl.triggerPrice, sl.algoStatus], ['STOP_MARKET', 'BUY', 2, 210, 'NEW']);
    assert.deepEqual([tp.orderType, tp.side, tp.quantity, tp.triggerPrice], ['TAKE_PROFIT_MARKET', 'BUY', 2, 180]);
    const post = fake.requests.find((r) => r.path === '/fapi/v1/algoOrder' && r.params['clientAlgoId'] === 'pe-1.sl')!;
    assert.equal(post.params['reduceOnly'], 'true');
    // idempotent: protecting again sends nothing new
    const again = await broker.protect({ symbol: 'BTCUSDT', quantity: -2, entryPrice: 200 }, stops, 'pe-1');
    assert.deepEqual(again.map((o) => o.clientOrderId), ['pe-1.sl', 'pe-1.tp']);
    assert.equal(fake.requests.filter((r) => r.method === 'POST' && r.path === '/fapi/v1/algoOrder' && r.params['__processed'] === '1').length, 2);
    assert.deepEqual((await broker.openOrders()).map((o) => o.clientOrderId).sort(), ['pe-1.sl', 'pe-1.tp']);
    // half bought back: both replaced by orders for 1 at the same triggers
    await broker.submit({ clientOrderId: 'px-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1, reduceOnly: true });
    assert.deepEqual([...fake.algos.values()].filter((a) => a.algoStatus === 'NEW').map((a) => [a.clientAlgoId, a.quantity, a.triggerPrice]).sort(), [['pe-1.sl1', 1, 210], ['pe-1.tp1', 1, 180]]);
    assert.equal(fake.algos.get('pe-1.sl')!.algoStatus, 'CANCELED');
    // closed: nothing left on the venue
    await broker.submit({ clientOrderId: 'px-2', symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: 1, reduceOnly: true });
    assert.deepEqual([...fake.algos.values()].filter((a) => a.algoStatus === 'NEW'), []);
    assert.deepEqual(await broker.positions(), []);
  } finally {
    await fake.stop();
  }
});
