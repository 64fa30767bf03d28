/**
 * Download-what-is-missing (lib/data/ensure.ts) through the real ccxt against
 * the scripted Binance venue: a missing symbol is downloaded and ingested,
 * stored symbols are not fetched again, and without a network route the
 * error says so plainly and the catalog is unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { Db } from '../lib/db/index.js';
import { loadPanel } from '../lib/data/index.js';
import { DataUnavailableError, ensureSymbols } from '../lib/data/ensure.js';
import { FakeBinanceUsdm, type KlineRow } from './helpers/fake-binance.js';

const T0 = Date.UTC(2025, 0, 1), H = 3_600_000;

test('missing symbols are downloaded into the dataset, stored ones are not fetched again; no network: a plain error, nothing changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-ensure-'));
  const fake = new FakeBinanceUsdm(['BTCUSDT', 'ETHUSDT']);
  for (const [k, s] of [[0, 'BTCUSDT'], [1, 'ETHUSDT']] as const) fake.klines.set(s, Array.from({ length: 48 }, (_, i): KlineRow => [T0 + i * H, 100 * (k + 1) + i, 100 * (k + 1) + i + 1, 100 * (k + 1) + i - 1, 100 * (k + 1) + i + 0.5, 5 + i]));
  await fake.start();
  const db = await Db.open(join(dir, 'catalog.duckdb'));
  try {
    const ex = new ccxt.binanceusdm({ enableRateLimit: false });
    (ex as unknown as { fetchImplementation: typeof fake.fetchImplementation }).fetchImplementation = fake.fetchImplementation;
    const base = { dataset: 'auto_1h', timeframe: '1h' as const, exchange: ex, since: T0, until: T0 + 48 * H, dir: join(dir, 'stage'), db, lakeDir: join(dir, 'lake'), backoffMs: 1 };
    const first = await ensureSymbols({ ...base, symbols: ['BTCUSDT'] });
    assert.deepEqual(first, { dataset: 'auto_1h', present: [], downloaded: ['BTCUSDT'] });
    const before = fake.requests.length;
    const second = await ensureSymbols({ ...base, symbols: ['BTCUSDT', 'ETHUSDT'] });
    assert.deepEqual(second, { dataset: 'auto_1h', present: ['BTCUSDT'], downloaded: ['ETHUSDT'] });
    assert.deepEqual([...new Set(fake.requests.slice(before).filter((r) => r.path === '/fapi/v1/klines').map((r) => r.params['symbol']))], ['ETHUSDT']);
    const panel = await loadPanel('auto_1h', { db });
    assert.deepEqual([...panel.assets], ['BTCUSDT', 'ETHUSDT']);
    assert.equal(panel.times.length, 48);
    assert.equal(panel.fields['close']![10 * 2 + 1], 210.5);
    // all present: nothing fetched
    const n = fake.requests.length;
    assert.deepEqual((await ensureSymbols({ ...base, symbols: ['ETHUSDT'] })).downloaded, []);
    assert.equal(fake.requests.length, n);

    // no network route: a plain error naming what is missing and what to run; the dataset is unchanged
    const offline = new ccxt.binanceusdm({ enableRateLimit: false });
    (offline as unknown as { fetchImplementation: (u: string) => Promise<Response> }).fetchImplementation = () => Promise.reject(new TypeError('fetch failed'));
    await assert.rejects(ensureSymbols({ ...base, exchange: offline, symbols: ['BTCUSDT', 'SOLUSDT'] }), (e: unknown) => e instanceof DataUnavailableError && /lacks SOLUSDT, and binanceusdm cannot be reached from here \(no network route/.test(e.message) && /alphalab download -s SOLUSDT --timeframe 1h --dataset auto_1h/.test(e.message));
    assert.deepEqual([...(await loadPanel('auto_1h', { db })).assets], ['BTCUSDT', 'ETHUSDT']);
  } finally {
    db.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
