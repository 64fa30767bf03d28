/**
 * Downloads through the real ccxt (binanceusdm) against a scripted exchange on
 * 127.0.0.1: pagination (1,000 bars a page), funding and open interest,
 * rate-limit retries, an interruption then a resume (no duplicate, no gap),
 * and the validated ingest into a catalog whose panel holds the served values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { Db } from '../lib/db/index.js';
import { getDataset, loadPanel } from '../lib/data/index.js';
import { downloadMarketData } from '../lib/data/download.js';
import { FakeBinanceUsdm, type KlineRow } from './helpers/fake-binance.js';

const T0 = Date.UTC(2025, 0, 1), M = 60_000;

function fakeWithData(nBars: number): FakeBinanceUsdm {
  const fake = new FakeBinanceUsdm(['BTCUSDT', 'ETHUSDT']);
  for (const [k, s] of [[0, 'BTCUSDT'], [1, 'ETHUSDT']] as const) {
    const rows: KlineRow[] = [];
    for (let i = 0; i < nBars; i++) {
      const c = 100 * (k + 1) + Math.sin(i / 10) + i * 0.001;
      rows.push([T0 + i * M, c - 0.1, c + 0.5, c - 0.5, c, 10 + (i % 7)]);
    }
    fake.klines.set(s, rows);
    fake.fundingRates.set(s, Array.from({ length: Math.ceil(nBars / 480) }, (_, j) => [T0 + j * 480 * M, 0.0001 * (j + 1) * (k ? -1 : 1)]));
    fake.openInterest.set(s, Array.from({ length: Math.ceil(nBars / 5) }, (_, j) => [T0 + j * 5 * M, 1000 + j]));
  }
  return fake;
}

const exchangeFor = (fake: FakeBinanceUsdm) => {
  const ex = new ccxt.binanceusdm({ enableRateLimit: false });
  (ex as unknown as { fetchImplementation: typeof fake.fetchImplementation }).fetchImplementation = fake.fetchImplementation;
  return ex;
};

test('paginated bars, funding and open interest; rate limits retried; interruption resumed; ingested and loadable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-dl-'));
  const fake = fakeWithData(2500);
  await fake.start();
  try {
    const until = T0 + 2500 * M;
    const base = { exchange: exchangeFor(fake), symbols: ['BTCUSDT', 'ETHUSDT'], timeframe: '1m' as const, since: T0, until, funding: true, openInterest: true, dir: join(dir, 'stage'), backoffMs: 1, retries: 2 };
    // a 429 that the retry absorbs, then one that outlasts the retries in the middle of ETH's bars
    fake.faults.push({ path: '/fapi/v1/klines', fault: 'http429' });
    let pages = 0;
    const interrupted = await downloadMarketData({
      ...base,
      onProgress: (p) => {
        if (p.symbol === 'ETHUSDT' && p.kind === 'bars' && ++pages === 1) for (let i = 0; i < 3; i++) fake.faults.push({ path: '/fapi/v1/klines', fault: 'http429' });
      },
    }).catch((e: Error) => e);
    assert.ok(interrupted instanceof Error);
    assert.match(interrupted.message, /download ETHUSDT bars: DDoSProtection/);
    const ethFile = join(dir, 'stage', 'ETHUSDT.bars.csv');
    assert.equal(readFileSync(ethFile, 'utf8').trimEnd().split('\n').length - 1, 1000);
    const before = fake.requests.length;
    const db = await Db.open(join(dir, 'catalog.duckdb'));
    const rep = await downloadMarketData({ ...base, dataset: 'dl_test_1m', db, lakeDir: join(dir, 'lake') });
    // the resume asked only for what was missing: ETH bars from bar 1000 on (2 pages), nothing for BTC bars
    const resumed = fake.requests.slice(before).filter((r) => r.path === '/fapi/v1/klines');
    assert.deepEqual(resumed.map((r) => [r.params['symbol'], Number(r.params['startTime'])]), [['ETHUSDT', T0 + 1000 * M], ['ETHUSDT', T0 + 2000 * M]]);
    assert.deepEqual(rep.rows['BTCUSDT'], { bars: 2500, funding: 6, open_interest: 500 });
    assert.deepEqual(rep.rows['ETHUSDT'], { bars: 2500, funding: 6, open_interest: 500 });
    const lines = readFileSync(ethFile, 'utf8').trimEnd().split('\n').slice(1);
    assert.equal(new Set(lines.map((l) => l.split(',')[0])).size, 2500, 'no duplicate bar');
    // the catalog panel holds the served values
    const panel = await loadPanel('dl_test_1m', { db });
    assert.deepEqual([...panel.assets], ['BTCUSDT', 'ETHUSDT']);
    assert.equal(panel.times.length, 2500);
    const served = fake.klines.get('ETHUSDT')![1234]!;
    assert.equal(panel.times[1234], served[0]);
    assert.equal(panel.fields['close']![1234 * 2 + 1], served[4]);
    assert.equal(panel.fields['funding_rate']![480 * 2 + 1], -0.0002);
    assert.equal(rep.ingested.funding, 'dl_test_1m_funding');
    // open interest: its own catalog dataset through the validated ingest, attached to the bars
    assert.equal(rep.ingested.openInterest, 'dl_test_1m_open_interest');
    const oi = await getDataset(db, 'dl_test_1m_open_interest');
    assert.deepEqual([oi.kind, oi.attachTo, oi.rowCount, [...oi.symbols]], ['open_interest', 'dl_test_1m', 1000, ['BTCUSDT', 'ETHUSDT']]);
    const row = await db.one<{ t: number; oi: number; v: number }>(`SELECT epoch_ms(time)::DOUBLE AS t, open_interest AS oi, open_interest_value AS v FROM read_parquet('${oi.files[0]}') WHERE symbol = 'ETHUSDT' ORDER BY time LIMIT 1 OFFSET 7`);
    assert.deepEqual([Number(row!.t), row!.oi, row!.v], [T0 + 35 * M, 1007, 100_700]);
    db.close();
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only closed bars are kept and an empty range stops cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-dl-'));
  const fake = fakeWithData(50);
  await fake.start();
  try {
    const rep = await downloadMarketData({ exchange: exchangeFor(fake), symbols: ['BTCUSDT'], timeframe: '1m', since: T0, until: T0 + 30 * M + 30_000, dir, backoffMs: 1 });
    assert.equal(rep.rows['BTCUSDT']!.bars, 30);
    await assert.rejects(downloadMarketData({ exchange: exchangeFor(fake), symbols: ['NOPEUSDT'], timeframe: '1m', since: T0, until: T0 + M, dir }), /has no market NOPEUSDT/);
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
