import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { getBase58Decoder, verifySignature, getBase64Encoder, getTransactionDecoder, type SignatureBytes } from '@solana/kit';
import { Db } from '../lib/db/index.js';
import { DuckDbHttpLog } from '../lib/venues/http-log.js';
import { VenueError } from '../lib/venues/errors.js';
import { JupiterBroker, JupiterClient, SolanaRpc, SOL_MINT, fromBaseUnits, loadSolanaSigner, signSwapTransaction, toBaseUnits } from '../lib/venues/jupiter/index.js';
import { FAKE_API_KEY, FakeSolana } from './helpers/fake-solana.js';

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

let fake: FakeSolana;
before(async () => {
  fake = new FakeSolana();
  await fake.start();
});
after(async () => fake.stop());

async function setup(o: { db?: Db; fetch?: typeof fetch; recorder?: DuckDbHttpLog } = {}) {
  const key = walletKey();
  const signer = await loadSolanaSigner({ SOLANA_PRIVATE_KEY: key.secret });
  const jupiter = new JupiterClient({ baseUrl: fake.url, apiKey: FAKE_API_KEY, backoff: fast, recorder: o.recorder, fetch: o.fetch });
  const rpc = new SolanaRpc({ url: `${fake.url}/rpc`, backoff: fast, recorder: o.recorder, fetch: o.fetch });
  const broker = new JupiterBroker({ jupiter, rpc, signer, db: o.db, pollMs: 1, sleep: async () => undefined });
  return { key, signer, jupiter, rpc, broker };
}

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
  assert.ok(fake.sent.slice(sentBefore).every((s) => s === fill.signature));
  // same order id again: nothing new is quoted or sent
  const quotes = fake.requests.filter((r) => r.path === '/swap/v1/quote').length;
  assert.deepEqual(await broker.submitOrder({ clientOrderId: 'o1', inputMint: SOL_MINT, outputMint: BONK, amount: 500_000_000n }), fill);
  assert.equal(fake.requests.filter((r) => r.path === '/swap/v1/quote').length, quotes);
  const b = await broker.balances();
  assert.equal(b.sol, '2');
  assert.deepEqual(await broker.positions(), [{ mint: BONK, amount: 5_000_000n, decimals: 5, uiAmount: '50' }]);
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
    const dying = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (typeof init?.body === 'string' && init.body.includes('"sendTransaction"')) return new Promise<Response>(() => undefined);
      return res;
    }) as typeof fetch;
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
