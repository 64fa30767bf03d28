import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBase58Decoder } from '@solana/kit';
import { FAKE_API_KEY, FakeSolana } from './helpers/fake-solana.js';
import { BIRDEYE_KEY, FakeMarket } from './helpers/fake-market.js';
import { lastJson, runAlphalab } from './helpers/cli.js';

const BONK = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263';
let sol: FakeSolana;
let market: FakeMarket;
let dir: string;
before(async () => {
  sol = new FakeSolana();
  market = new FakeMarket(45);
  await sol.start();
  await market.start();
  dir = mkdtempSync(join(tmpdir(), 'venues-cli-'));
});
after(async () => {
  await sol.stop();
  await market.stop();
});

/** `alphalab ...` with this test's database and lake, --json. */
const cli = (args: string[], env: Record<string, string>) => runAlphalab([...args, '--db', join(dir, 'v.duckdb'), '--json'], { ALPHALAB_LAKE: join(dir, 'lake'), ...env });

test('cli: meme fetch runs the pipeline into the catalog and prints one JSON line', async () => {
  // liquidity >= 4,000,000 USD: tokens 39..44 (100k x (i + 1)), all with FDV >= 10 M
  const r = await cli(['meme', 'fetch', '--frequency', '1h', '--days', '1', '--max-tokens', '45', '--min-liquidity', '4000000', '--birdeye-url', market.url, '--dexscreener-url', market.url], { BIRDEYE_API_KEY: BIRDEYE_KEY });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const j = lastJson(r.stdout);
  assert.equal(j.tokensSeen, 45);
  assert.equal(j.tokensPassed.length, 6);
  assert.equal(j.ingest.status, 'ingested');
  assert.equal(j.ingest.rowsKept, j.bars);
  assert.ok(j.bars >= 6 * 23 && j.bars <= 6 * 24, `bars ${j.bars}`); // complete 1h bars of the last 24 h
});

test('cli: swap order; without --yes nothing is sent, with --yes one confirmed swap; the private key is never printed or stored', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const secret = getBase58Decoder().decode(new Uint8Array([...d, ...x]));
  const owner = getBase58Decoder().decode(new Uint8Array(x));
  sol.lamports.set(owner, 1_000_000_000n);
  sol.decimals.set(BONK, 5);
  const env = { SOLANA_PRIVATE_KEY: secret, JUPITER_API_KEY: FAKE_API_KEY, SOLANA_RPC_URL: `${sol.url}/rpc` };
  const common = ['--in', 'SOL', '--out', BONK, '--amount', '0.25', '--jupiter-url', sol.url];
  const dry = await cli(['swap', 'order', ...common, '--id', 'cli-1'], env);
  assert.equal(dry.code, 0, dry.stderr + dry.stdout);
  assert.equal(lastJson(dry.stdout).sent, false);
  assert.deepEqual([lastJson(dry.stdout).quote.inAmount, lastJson(dry.stdout).quote.outAmount], ['250000000', '500000000']);
  assert.equal(sol.rpcCalls('sendTransaction'), 0);
  const real = await cli(['swap', 'order', ...common, '--id', 'cli-1', '--yes'], env);
  assert.equal(real.code, 0, real.stderr + real.stdout);
  const f = lastJson(real.stdout);
  assert.deepEqual([f.state, f.inAmount, f.expectedOutAmount], ['confirmed', '250000000', '500000000']);
  assert.ok(sol.sent.includes(f.signature));
  const again = await cli(['swap', 'order', ...common, '--id', 'cli-1', '--yes'], env);
  assert.equal(lastJson(again.stdout).signature, f.signature);
  assert.equal(new Set(sol.sent).size, 1, 'the same order id was not executed twice');
  const everything = [dry, real, again].map((r) => r.stdout + r.stderr).join('') + readFileSync(join(dir, 'v.duckdb')).toString('latin1');
  assert.ok(!everything.includes(secret), 'private key leaked');
  assert.ok(!everything.includes(FAKE_API_KEY), 'API key leaked');
});
