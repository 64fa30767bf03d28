import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { getBase58Decoder, verifySignature, getBase64Encoder, getTransactionDecoder, type SignatureBytes } from '@solana/kit';
import { Db } from '../lib/db/index.js';
import { DuckDbHttpLog } from '../lib/venues/http-log.js';
import { VenueError } from '../lib/venues/errors.js';
import { JupiterBroker, JupiterClient, SolanaRpc, SOL_MINT, fromBaseUnits, loadSolanaSigner, signSwapTransaction, toBaseUnits } from '../lib/venues/jupiter/index.js';
import { FAKE_API_KEY, FakeSolana, RENT_LAMPORTS } from './helpers/fake-solana.js';
import { brokerContract } from './helpers/broker-contract.js';
import { BrokerError, type Fill } from '../lib/venues/broker.js';
import { settlementOf, type ConfirmedTransaction } from '../lib/venues/jupiter/index.js';
import { Journal } from '../lib/trade/index.js';

const BONK = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263';
const fast = { retries: 5, baseMs: 1, maxMs: 5 };

/** A fresh ed25519 key pair as a wallet exports it: base58 of seed (32) + public key (32). */
function walletKey(): { secret: string; address: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const b58 = getBase58Decoder();
  return { secret: b58.decode(new Uint8Array([...d, ...x])), address: b58.decode(new Uint8Array(x)) };
}

/** A fetch that hangs forever once sendTransaction has reached the node: a process killed right after sending. */
const dyingAfterSend = (async (input: string | URL | Request, init?: RequestInit) => {
  const res = await fetch(input, init);
  if (typeof init?.body === 'string' && init.body.includes('"sendTransaction"')) return new Promise<Response>(() => undefined);
  return res;
}) as typeof fetch;

let fake: FakeSolana;
before(async () => {
  fake = new FakeSolana();
  await fake.start();
});
after(async () => fake.stop());

const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const JUP = 'JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN';
const MARKETS = { 'JUP/USDC': { base: JUP, quote: USDC }, 'BONK/USDC': { base: BONK, quote: USDC } };

async function setup(o: { db?: Db; fetch?: typeof fetch; recorder?: DuckDbHttpLog; key?: ReturnType<typeof walletKey>; server?: FakeSolana } = {}) {
  const server = o.server ?? fake;
  const key = o.key ?? walletKey();
  const signer = await loadSolanaSigner({ SOLANA_PRIVATE_KEY: key.secret });
  const jupiter = new JupiterClient({ baseUrl: server.url, apiKey: FAKE_API_KEY, backoff: fast, recorder: o.recorder, fetch: o.fetch });
  const rpc = new SolanaRpc({ url: `${server.url}/rpc`, backoff: fast, recorder: o.recorder, fetch: o.fetch });
  const broker = new JupiterBroker({ jupiter, rpc, signer, db: o.db, pollMs: 1, sleep: async () => undefined, markets: MARKETS, settlePolls: 3 });
  return { key, signer, jupiter, rpc, broker };
}

/** A scripted market JUP/USDC (both 6 decimals) quoted 100.5 ask / 99.5 bid, a wallet with 1,000 USDC and 1 SOL for fees. */
async function jupUsdcVenue() {
  const server = new FakeSolana();
  await server.start();
  server.decimals.set(USDC, 6);
  server.decimals.set(JUP, 6);
  server.prices.set(`${USDC}>${JUP}`, 1 / 100.5);
  server.prices.set(`${JUP}>${USDC}`, 99.5);
  const s = await setup({ server });
  server.lamports.set(s.signer.address, 1_000_000_000n);
  server.tokens.set(`${s.signer.address}:${USDC}`, 1_000_000_000n);
  return { server, ...s };
}

brokerContract('JupiterBroker (scripted Jupiter + Solana RPC)', async () => {
  const { server, broker } = await jupUsdcVenue();
  return { broker, symbol: 'JUP/USDC', close: () => server.stop() };
});

test('signer: SOLANA_PRIVATE_KEY (base58, 64 bytes) gives the wallet address; bad keys are refused without echoing them', async () => {
  const key = walletKey();
  const s = await loadSolanaSigner({ SOLANA_PRIVATE_KEY: key.secret });
  assert.equal(s.address, key.address);
  await assert.rejects(loadSolanaSigner({}), (e: VenueError) => e.code === 'credentials' && /SOLANA_PRIVATE_KEY is not set/.test(e.message));
  await assert.rejects(loadSolanaSigner({ SOLANA_PRIVATE_KEY: '0OIl' + key.secret.slice(4) }), (e: VenueError) => e.code === 'credentials' && !e.message.includes(key.secret.slice(4, 20)));
  const other = walletKey();
  const b58 = getBase58Decoder();
  const { getBase58Encoder } = await import('@solana/kit');
  const mixed = b58.decode(new Uint8Array([...getBase58Encoder().encode(key.secret).slice(0, 32), ...getBase58Encoder().encode(other.secret).slice(32)]));
  await assert.rejects(loadSolanaSigner({ SOLANA_PRIVATE_KEY: mixed }), /public half does not match/);
});

test('units: base units <-> decimal strings with the mint decimals, exactly', () => {
  assert.equal(toBaseUnits('1.5', 6), 1_500_000n);
  assert.equal(toBaseUnits('0.000000001', 9), 1n);
  assert.equal(fromBaseUnits(1_500_000n, 6), '1.5');
  assert.equal(fromBaseUnits(123_456_789_012n, 9), '123.456789012');
  assert.throws(() => toBaseUnits('0.0000001', 6), /has 7 decimals; the mint has 6/);
});

test('jupiter: quote and swap with x-api-key; a 429 is retried after Retry-After; a missing key is an auth error; the swap transaction is signed locally and the signature verifies', async () => {
  const { jupiter, signer } = await setup();
  fake.quote429 = 2;
  const before = fake.requests.length;
  const q = await jupiter.quote({ inputMint: SOL_MINT, outputMint: BONK, amount: 1_000_000n, slippageBps: 100 });
  assert.equal(fake.requests.length - before, 3);
  assert.equal(fake.requests.at(-1)!.apiKey, FAKE_API_KEY);
  assert.deepEqual([q.inAmount, q.outAmount, q.otherAmountThreshold, q.slippageBps], ['1000000', '2000000', '1980000', 100]);
  const s = await jupiter.swap({ quoteResponse: q, userPublicKey: signer.address });
  assert.ok(s.lastValidBlockHeight > fake.blockHeight);
  const signed = await signSwapTransaction(s.swapTransaction, signer);
  const tx = getTransactionDecoder().decode(getBase64Encoder().encode(signed.wire));
  const sig = tx.signatures[signer.address as keyof typeof tx.signatures] as SignatureBytes;
  assert.ok(await verifySignature(signer.keyPair.publicKey, sig, tx.messageBytes));
  assert.equal(getBase58Decoder().decode(sig), signed.signature);
  // a tampered message does not verify
  const tampered = new Uint8Array(tx.messageBytes);
  tampered[tampered.length - 1] ^= 1;
  assert.equal(await verifySignature(signer.keyPair.publicKey, sig, tampered), false);
  await assert.rejects(new JupiterClient({ baseUrl: fake.url, backoff: fast }).quote({ inputMint: SOL_MINT, outputMint: BONK, amount: 1n }), (e: VenueError) => e.code === 'auth' && e.status === 401);
  // a transaction for another wallet is refused
  const other = await loadSolanaSigner({ SOLANA_PRIVATE_KEY: walletKey().secret });
  await assert.rejects(signSwapTransaction(s.swapTransaction, other), /does not ask .* to sign/);
});

test('broker: SOL -> token swap is simulated, sent once and confirmed; balances and positions read back', async () => {
  const { broker, signer } = await setup();
  fake.lamports.set(signer.address, 2_000_000_000n);
  fake.tokens.set(`${signer.address}:${BONK}`, 5_000_000n);
  fake.decimals.set(BONK, 5);
  fake.confirmAfterPolls = 2;
  const sentBefore = fake.sent.length;
  const fill = await broker.submitOrder({ clientOrderId: 'o1', inputMint: SOL_MINT, outputMint: BONK, amount: 500_000_000n });
  assert.equal(fill.state, 'confirmed');
  assert.deepEqual([fill.inAmount, fill.expectedOutAmount, fill.minOutAmount], [500_000_000n, 1_000_000_000n, 995_000_000n]);
  // what really moved, read from getTransaction: 0.5 SOL in, 1e9 BONK units out, 5000 base + 5000 priority lamports fee, no new account
  assert.deepEqual(fill.settlement && [fill.settlement.inAmount, fill.settlement.outAmount, fill.settlement.feeLamports, fill.settlement.rentLamports], [500_000_000n, 1_000_000_000n, 10_000n, 0n]);
  assert.ok(fake.sent.slice(sentBefore).every((s) => s === fill.signature));
  // same order id again: nothing new is quoted or sent
  const quotes = fake.requests.filter((r) => r.path === '/swap/v1/quote').length;
  assert.deepEqual(await broker.submitOrder({ clientOrderId: 'o1', inputMint: SOL_MINT, outputMint: BONK, amount: 500_000_000n }), fill);
  assert.equal(fake.requests.filter((r) => r.path === '/swap/v1/quote').length, quotes);
  const b = await broker.balances();
  assert.equal(b.sol, '1.49999'); // 2 - 0.5 - 0.00001 fee
  assert.deepEqual(await broker.holdings(), [{ mint: BONK, amount: 1_005_000_000n, decimals: 5, uiAmount: '10050' }]);
});

test('broker: insufficient SOL or token balance is refused before anything is signed or sent', async () => {
  const { broker, signer } = await setup();
  fake.lamports.set(signer.address, 505_000_000n); // 0.505 SOL: 0.5 + 0.01 reserve does not fit
  const swaps = fake.requests.filter((r) => r.path === '/swap/v1/swap').length;
  const sends = fake.rpcCalls('sendTransaction');
  await assert.rejects(broker.submitOrder({ clientOrderId: 'o2', inputMint: SOL_MINT, outputMint: BONK, amount: 500_000_000n }), (e: VenueError) => e.code === 'insufficient_balance' && /needs 0.5 SOL \+ 0.01 SOL fee reserve, wallet has 0.505 SOL/.test(e.message));
  fake.decimals.set(BONK, 5);
  fake.tokens.set(`${signer.address}:${BONK}`, 100n);
  await assert.rejects(broker.submitOrder({ clientOrderId: 'o3', inputMint: BONK, outputMint: SOL_MINT, amount: 1000n }), (e: VenueError) => e.code === 'insufficient_balance' && /needs 0.01 of .* wallet has 0.001/.test(e.message));
  assert.equal(fake.requests.filter((r) => r.path === '/swap/v1/swap').length, swaps);
  assert.equal(fake.rpcCalls('sendTransaction'), sends);
});

test('broker: a failed simulation is not sent; an unconfirmed transaction expires at lastValidBlockHeight', async () => {
  const { broker, signer } = await setup();
  fake.lamports.set(signer.address, 5_000_000_000n);
  fake.simulateError = { InstructionError: [2, { Custom: 6001 }] };
  const sends = fake.rpcCalls('sendTransaction');
  const f1 = await broker.submitOrder({ clientOrderId: 'sim-fail', inputMint: SOL_MINT, outputMint: BONK, amount: 1_000_000n });
  assert.equal(f1.state, 'failed');
  assert.match(f1.error!, /simulation failed, not sent: .*6001/);
  assert.equal(fake.rpcCalls('sendTransaction'), sends);
  fake.simulateError = null;
  fake.confirmAfterPolls = Infinity;
  fake.validForBlocks = 6;
  const f2 = await broker.submitOrder({ clientOrderId: 'expire', inputMint: SOL_MINT, outputMint: BONK, amount: 1_000_000n });
  assert.equal(f2.state, 'expired');
  assert.match(f2.error!, /passed lastValidBlockHeight/);
  assert.ok(fake.rpcCalls('sendTransaction') > sends + 1, 'rebroadcast while waiting');
  fake.confirmAfterPolls = 2;
  fake.validForBlocks = 150;
});

test('broker: killed after sending, a restart with the same order id resumes the same signature; no secret in the request log', async () => {
  const db = await Db.open(':memory:');
  try {
    const log = new DuckDbHttpLog(db, 'swap-run');
    // the first "process" dies right after sendTransaction reached the node
    const dying = dyingAfterSend;
    const a = await setup({ db, fetch: dying, recorder: log });
    fake.lamports.set(a.signer.address, 3_000_000_000n);
    void a.broker.submitOrder({ clientOrderId: 'crash-1', inputMint: SOL_MINT, outputMint: BONK, amount: 1_000_000_000n });
    const t0 = Date.now();
    while (!(await db.one(`SELECT 1 FROM jupiter_orders WHERE client_order_id = 'crash-1'`).catch(() => undefined)) || fake.rpcCalls('sendTransaction') === 0) {
      if (Date.now() - t0 > 10_000) throw new Error('never reached sendTransaction');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    const row = await db.one<{ signature: string; state: string }>(`SELECT signature, state FROM jupiter_orders WHERE client_order_id = 'crash-1'`);
    assert.equal(row!.state, 'signed');
    const quotes = fake.requests.filter((r) => r.path === '/swap/v1/quote').length;
    // restart: same wallet key, same journal
    const signer2 = await loadSolanaSigner({ SOLANA_PRIVATE_KEY: a.key.secret });
    const broker2 = new JupiterBroker({ jupiter: new JupiterClient({ baseUrl: fake.url, apiKey: FAKE_API_KEY, recorder: log }), rpc: new SolanaRpc({ url: `${fake.url}/rpc`, recorder: log }), signer: signer2, db, pollMs: 1, sleep: async () => undefined });
    const fill = await broker2.submitOrder({ clientOrderId: 'crash-1', inputMint: SOL_MINT, outputMint: BONK, amount: 1_000_000_000n });
    assert.equal(fill.state, 'confirmed');
    assert.equal(fill.signature, row!.signature);
    assert.equal(fake.requests.filter((r) => r.path === '/swap/v1/quote').length, quotes, 'not re-quoted');
    assert.deepEqual([...new Set(fake.sent.filter((s) => s === row!.signature))], [row!.signature]);
    await log.flush();
    const dump = JSON.stringify(await db.all('SELECT * FROM venue_http_log')) + JSON.stringify(await db.all('SELECT * FROM jupiter_orders'));
    assert.ok(dump.includes('[masked]'));
    assert.ok(!dump.includes(FAKE_API_KEY), 'API key in the log');
    assert.ok(!dump.includes(a.key.secret) && !dump.includes(a.key.secret.slice(0, 40)), 'private key in the log');
  } finally {
    db.close();
  }
});

test('settlement: amounts from pre/post balances; fee and new-account rent kept apart from the swapped SOL (hand case)', () => {
  const owner = 'Wallet1111111111111111111111111111111111111';
  const tok = (accountIndex: number, mint: string, amount: string) => ({ accountIndex, mint, owner, uiTokenAmount: { amount, decimals: 6 } });
  // SOL -> JUP: wallet pays 0.25 SOL + 7,000 lamports fee + 2,039,280 rent for the new JUP account; receives 12.5 JUP
  const tx: ConfirmedTransaction = {
    slot: 42, blockTime: 1_700_000_000,
    meta: { err: null, fee: 7000, preBalances: [1_000_000_000, 0, 5], postBalances: [1_000_000_000 - 250_000_000 - 7000 - 2_039_280, 2_039_280, 5], preTokenBalances: [], postTokenBalances: [tok(1, JUP, '12500000')] },
    transaction: { message: { accountKeys: [{ pubkey: owner }, { pubkey: 'ata' }, 'AmmPool' ] } },
  };
  const s = settlementOf(tx, owner);
  assert.deepEqual([s.slot, s.time, s.feeLamports, s.rentLamports], [42, 1_700_000_000_000, 7000n, 2_039_280n]);
  assert.deepEqual([...s.changes].sort(), [[JUP, 12_500_000n], [SOL_MINT, -250_000_000n]].sort());
  assert.throws(() => settlementOf(tx, 'Other11111111111111111111111111111111111111'), /does not touch wallet/);
});

test('broker port: buy by base quantity is an ExactOut swap; the fill is what the transaction moved (price drift inside slippage), the SOL fee a separate fee currency', async () => {
  const { server, broker, signer } = await jupUsdcVenue();
  try {
    server.prices.set(`${USDC}>${JUP}`, 1 / 100);
    server.fillDriftBps = 20; // the pool moved 0.2 % against us between quote and landing (slippage allows 0.5 %)
    const s = await broker.submit({ clientOrderId: 'eo-1', symbol: 'JUP/USDC', side: 'buy', type: 'market', quantity: 3 });
    const swapped = [...server.pending.values()].at(-1)!;
    assert.deepEqual([swapped.swapMode, swapped.outAmount, swapped.inAmount, swapped.threshold], ['ExactOut', 3_000_000n, 300_000_000n, 301_500_000n]);
    assert.equal(s.status, 'filled');
    assert.equal(s.filledQuantity, 3);
    // quoted in: 3e6 x 100 = 300,000,000 units; landed 0.2 % worse: 300,600,000 (the fill), not the quote
    const [f] = (await broker.events(0)) as Fill[];
    assert.equal(f!.notional, 300.6);
    assert.ok(Math.abs(f!.price - 100.2) < 1e-12);
    assert.equal(s.averagePrice, f!.price);
    assert.equal(f!.fee, 0);
    assert.deepEqual(f!.otherFees, [{ asset: 'SOL', amount: 0.00001 }]);
    assert.equal(f!.fillId, s.venueOrderId);
    // the trading journal keeps the SOL fee with the fill
    const journal = await Journal.open(':memory:');
    try {
      await journal.recordFill(f!, 0, { symbol: 'JUP/USDC', qty: 3, entryPrice: f!.price, entryBar: 0, signalBar: 0, fees: 0, funding: 0 }, null, null, { cash: 699.4, venueSeq: f!.seq, bar: 0, phase: 'open', state: 'ACTIVE', peakEquity: 1000, dayStartEquity: 1000, day: 0 });
      assert.deepEqual(JSON.parse((await journal.db.one<{ o: string }>('SELECT other_fees AS o FROM trade_fills'))!.o), [{ asset: 'SOL', amount: 0.00001 }]);
    } finally {
      journal.close();
    }
    assert.equal(server.tokens.get(`${signer.address}:${USDC}`), 1_000_000_000n - 300_600_000n);
    // the JUP account was opened by the swap: rent journaled, not in the price or the fee
    assert.equal(server.lamports.get(signer.address), 1_000_000_000n - 10_000n - RENT_LAMPORTS);
    // a sell by notional is ExactOut of the quote; a sell beyond the holding and limit orders are refused
    await assert.rejects(broker.submit({ clientOrderId: 'eo-2', symbol: 'JUP/USDC', side: 'sell', type: 'market', quantity: 3.5 }), (e: unknown) => e instanceof BrokerError && e.kind === 'reject' && e.code === 'NoShortSelling');
    await assert.rejects(broker.submit({ clientOrderId: 'eo-3', symbol: 'JUP/USDC', side: 'buy', type: 'limit', quantity: 1, limitPrice: 90 }), (e: unknown) => e instanceof BrokerError && e.code === 'OrderNotSupported');
    server.fillDriftBps = 0;
    const sn = await broker.submit({ clientOrderId: 'eo-4', symbol: 'JUP/USDC', side: 'sell', type: 'market', notional: 99.5 });
    assert.equal(sn.status, 'filled');
    assert.equal(sn.filledQuantity, 1); // 99.5 USDC exactly out at 99.5 -> 1 JUP in
    assert.deepEqual((await broker.positions()).map((p) => [p.symbol, p.quantity]), [['JUP/USDC', 2]]);
    // a swap beyond the slippage bound fails on chain: rejected, fee paid, no fill
    server.fillDriftBps = 80;
    const r = await broker.submit({ clientOrderId: 'eo-5', symbol: 'JUP/USDC', side: 'buy', type: 'market', quantity: 1 });
    assert.equal(r.status, 'rejected');
    assert.match(r.reason!, /failed on chain.*6001/);
    assert.equal((await broker.events(0)).length, 2);
  } finally {
    await server.stop();
  }
});

test('broker port: killed after sending, a restart recognizes the journaled signature (not re-quoted, not re-signed); a lagging node is settled later, one fill', async () => {
  const server = new FakeSolana();
  await server.start();
  const db = await Db.open(':memory:');
  try {
    server.decimals.set(USDC, 6);
    server.decimals.set(JUP, 6);
    server.prices.set(`${USDC}>${JUP}`, 1 / 100);
    const dying = dyingAfterSend;
    const a = await setup({ db, fetch: dying, server });
    server.lamports.set(a.signer.address, 1_000_000_000n);
    server.tokens.set(`${a.signer.address}:${USDC}`, 500_000_000n);
    server.tokens.set(`${a.signer.address}:${JUP}`, 0n);
    void a.broker.submit({ clientOrderId: 'port-crash', symbol: 'JUP/USDC', side: 'buy', type: 'market', quantity: 1.5 });
    const t0 = Date.now();
    while (server.rpcCalls('sendTransaction') === 0) {
      if (Date.now() - t0 > 10_000) throw new Error('never reached sendTransaction');
      await new Promise((r) => setTimeout(r, 10));
    }
    const row = await db.one<{ signature: string; swap_mode: string }>(`SELECT signature, swap_mode FROM jupiter_orders WHERE client_order_id = 'port-crash'`);
    assert.equal(row!.swap_mode, 'ExactOut');
    const quotes = server.requests.filter((r) => r.path === '/swap/v1/quote').length;
    const swaps = server.requests.filter((r) => r.path === '/swap/v1/swap').length;
    // restart: after a crash the swap is an open order until settled
    const b = await setup({ db, key: a.key, server });
    assert.deepEqual((await b.broker.openOrders()).map((o) => [o.clientOrderId, o.status, o.venueOrderId]), [['port-crash', 'open', row!.signature]]);
    server.transactionLag = 6; // the node confirms the signature but serves the transaction only later (settlePolls 3: submit and the first events read nothing)
    const st = await b.broker.submit({ clientOrderId: 'port-crash', symbol: 'JUP/USDC', side: 'buy', type: 'market', quantity: 1.5 });
    assert.equal(st.status, 'open', 'confirmed, amounts unknown yet');
    assert.equal(st.venueOrderId, row!.signature);
    assert.equal((await db.one<{ slot: unknown }>(`SELECT slot FROM jupiter_orders WHERE client_order_id = 'port-crash'`))!.slot, null, 'not settled yet');
    assert.deepEqual(await b.broker.events(0), [], 'no fill at made-up amounts');
    const fills = (await b.broker.events(0)) as Fill[];
    assert.deepEqual(fills.map((f) => [f.clientOrderId, f.quantity, f.notional, f.fillId]), [['port-crash', 1.5, 150, row!.signature]]);
    assert.equal(server.requests.filter((r) => r.path === '/swap/v1/quote').length, quotes, 'not re-quoted');
    assert.equal(server.requests.filter((r) => r.path === '/swap/v1/swap').length, swaps, 'not re-built');
    assert.deepEqual([...new Set(server.sent)], [row!.signature]);
    assert.equal(server.tokens.get(`${a.signer.address}:${JUP}`), 1_500_000n);
    assert.deepEqual(await b.broker.openOrders(), []);
    assert.equal((await b.broker.order('port-crash'))!.status, 'filled');
  } finally {
    db.close();
    await server.stop();
  }
});
