import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { loadPanel } from '../lib/data/index.js';
import { RateLimiter } from '../lib/venues/limits.js';
import { DuckDbHttpLog } from '../lib/venues/http-log.js';
import { BirdeyeClient, DexScreenerClient, passesMemeFilter, runMemePipeline } from '../lib/venues/market/index.js';
import { BIRDEYE_KEY, FakeMarket } from './helpers/fake-market.js';

let fake: FakeMarket;
before(async () => {
  fake = new FakeMarket(45);
  await fake.start();
});
after(async () => fake.stop());
const noWait = { sleep: async () => undefined };

test('rate limiter: requests are spaced 60 / perMinute seconds apart, in order', async () => {
  let now = 0;
  const waits: number[] = [];
  const lim = new RateLimiter(120, () => now, async (ms) => { waits.push(ms); now += ms; });
  for (let i = 0; i < 4; i++) await lim.take();
  assert.deepEqual(waits, [500, 500, 500]);
  now += 2000; // idle: the next request goes at once
  await lim.take();
  assert.equal(waits.length, 3);
});

test('birdeye: trending paginates 20 a page with the API key; OHLCV paginates past 1,000 bars; 429 retried', async () => {
  const be = new BirdeyeClient({ baseUrl: fake.url, apiKey: BIRDEYE_KEY, perMinute: 6000, backoff: { retries: 3, baseMs: 1, maxMs: 2 } });
  const before = fake.requests.length;
  const toks = await be.trending(45);
  const pages = fake.requests.slice(before);
  assert.deepEqual(pages.map((r) => [r.query.offset, r.query.limit]), [['0', '20'], ['20', '20'], ['40', '5']]);
  assert.ok(pages.every((r) => r.apiKey === BIRDEYE_KEY));
  assert.equal(toks.length, 45);
  assert.deepEqual([toks[4]!.liquidityUsd, toks[4]!.fdvUsd, toks[4]!.rank], [500_000, 5_000_000, 5]);
  // 2,500 bars of 15 minutes: three requests
  const from = 1_700_000_200_000; // off the 15-minute grid: the first bar is the next grid point
  const to = from + 2500 * 900_000;
  const b0 = fake.requests.length;
  fake.force429 = 1;
  const bars = await be.ohlcv(fake.address(3), '15m', from, to);
  assert.equal(fake.requests.length - b0, 4); // one 429 + 3 pages
  // the start is off the grid: the first bar opens at the next grid point, and the bar still open at `to` is left out
  assert.equal(bars.length, 2499);
  assert.equal(bars[0]!.time, Math.ceil(from / 900_000) * 900_000);
  assert.ok(bars.every((b, k) => k === 0 || b.time - bars[k - 1]!.time === 900_000));
  assert.ok(bars.every((b) => b.time >= from && b.time + 900_000 <= to));
  await assert.rejects(new BirdeyeClient({ baseUrl: fake.url, apiKey: 'wrong-key-123', ...noWait }).trending(5), /check BIRDEYE_API_KEY/);
});

test('dexscreener: boosts filtered to the chain, pairs requested 30 at a time, the most liquid pair kept', async () => {
  const ds = new DexScreenerClient({ baseUrl: fake.url, boostsPerMinute: 6000, pairsPerMinute: 6000 });
  const before = fake.requests.length;
  const toks = await ds.trending(100);
  const calls = fake.requests.slice(before).map((r) => r.path);
  assert.equal(calls[0], '/token-boosts/top/v1');
  assert.equal(calls.length, 1 + 2); // 45 addresses -> 30 + 15
  assert.equal(toks.length, 45);
  assert.equal(toks[0]!.address, fake.address(44));
  assert.deepEqual([toks[0]!.liquidityUsd, toks[0]!.pairAddress], [4_500_000, `P1${fake.address(44)}`]);
});

test('filters: liquidity >= 500k USD and FDV >= 10M USD', () => {
  assert.equal(passesMemeFilter({ liquidityUsd: 500_000, fdvUsd: 10_000_000 }), true);
  assert.equal(passesMemeFilter({ liquidityUsd: 499_999, fdvUsd: 1e9 }), false);
  assert.equal(passesMemeFilter({ liquidityUsd: 1e9, fdvUsd: 9_999_999 }), false);
  assert.equal(passesMemeFilter({ liquidityUsd: NaN, fdvUsd: 1e9 }), false);
});

test('pipeline: trending -> filter -> snapshot -> OHLCV -> validated ingest into the catalog; no API key in the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meme-'));
  const db = await Db.open(join(dir, 'm.duckdb'));
  try {
    const log = new DuckDbHttpLog(db);
    const birdeye = new BirdeyeClient({ baseUrl: fake.url, apiKey: BIRDEYE_KEY, perMinute: 6000, recorder: log });
    const dexscreener = new DexScreenerClient({ baseUrl: fake.url, boostsPerMinute: 6000, pairsPerMinute: 6000, recorder: log });
    const from = Date.parse('2026-11-01T00:00:00Z');
    const rep = await runMemePipeline({ db, birdeye, dexscreener, maxTokens: 45, frequency: '1h', fromMs: from, toMs: from + 48 * 3_600_000, lakeDir: join(dir, 'lake'), now: () => from });
    // token i passes when 100k (i + 1) >= 500k and 1M (i + 1) >= 10M: i >= 9 -> 36 tokens
    assert.equal(rep.tokensSeen, 45);
    assert.equal(rep.tokensPassed.length, 36);
    assert.ok(rep.tokensPassed.every((t) => Number(t.address.slice(3, 6)) >= 9));
    assert.equal(rep.bars, 36 * 48);
    assert.equal(rep.ingest!.status, 'ingested');
    assert.equal(rep.ingest!.rowsKept, 36 * 48);
    const snap = await db.one<{ n: number; p: number }>(`SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE passed)::INTEGER AS p FROM meme_tokens`);
    assert.deepEqual([snap!.n, snap!.p], [90, 72]); // both sources, 45 each
    const panel = await loadPanel('meme_ohlcv_1h', { db, lakeDir: join(dir, 'lake') } as never);
    assert.equal(panel.assets.length, 36);
    assert.equal(panel.times.length, 48);
    await log.flush();
    assert.ok(!JSON.stringify(await db.all('SELECT * FROM venue_http_log')).includes(BIRDEYE_KEY));
  } finally {
    db.close();
  }
});
