import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Db } from '../lib/db/index.js';
import { lakeSnapshot as lakeSnap, catalogSnapshot as catalogSnap } from './helpers/snapshots.js';
import {
  ingestFiles, ingestBundled, listDatasets, getDataset, loadPanel, loadBundledPanel, IngestRejectedError, CATALOG_TABLE,
  type QualityReport, type CheckName,
} from '../lib/data/index.js';

const FIX = resolve('test/fixtures/data');
let dir: string;
let db: Db;
let lake: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alphalab-ingest-'));
  lake = join(dir, 'lake');
  db = await Db.open(join(dir, 'catalog.duckdb'));
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function rowsOf(r: QualityReport, check: CheckName): number[] {
  const c = r.checks.find((x) => x.check === check);
  assert.ok(c, `check ${check} missing from the report`);
  return c.examples.map((e) => e.row);
}
function countOf(r: QualityReport, check: CheckName): number {
  return r.checks.find((x) => x.check === check)?.count ?? -1;
}

const lakeSnapshot = (): Record<string, string> => lakeSnap(lake);
const catalogSnapshot = (): Promise<string> => catalogSnap(db);

test('each crafted problem is reported with file, 1-based row, symbol and time', async () => {
  const file = join(FIX, 'errors_daily.csv');
  const r = await ingestFiles(file, { dataset: 'errors_daily', frequency: '1d', market: 'equity', policy: 'drop', db, lakeDir: lake, maxExamples: 20 });
  const expected: [CheckName, number[]][] = [
    ['unparseable_time', [13]], ['missing_symbol', [14]], ['unparseable_value', [4]], ['infinite_value', [16]], ['duplicate', [6]],
    ['off_grid_time', [17]], ['non_positive_price', [11]], ['high_below_low', [9]], ['open_close_outside_range', [10, 11, 16]],
    ['negative_volume', [15]], ['nan_field', [8]], ['zero_volume', [3]], ['unsorted', [10]], ['gap', []],
  ];
  for (const [check, rows] of expected) {
    assert.deepEqual(rowsOf(r, check), rows, check);
    assert.equal(countOf(r, check), rows.length, check);
  }
  const bad = r.checks.find((c) => c.check === 'unparseable_value')!.examples[0]!;
  assert.equal(bad.file, file);
  assert.equal(bad.symbol, 'AAA');
  assert.equal(bad.time, '2020-01-07T00:00:00Z');
  assert.match(bad.detail, /close=abc/);
  assert.equal(r.checks.find((c) => c.check === 'unparseable_time')!.examples[0]!.time, '2020-01-0x');
  assert.equal(r.checks.find((c) => c.check === 'duplicate')!.examples[0]!.detail.includes('row 5'), true);
  assert.equal(r.checks.find((c) => c.check === 'high_below_low')!.severity, 'error');
  assert.equal(r.checks.find((c) => c.check === 'zero_volume')!.severity, 'warning');
});

test("policy 'drop' drops exactly the error rows and keeps the warnings", async () => {
  // Rows kept: 1, 2, 3 (zero volume), 5 (first of the duplicate pair), 7, 8 (NaN open), 12.
  const e = await getDataset(db, 'errors_daily');
  assert.equal(e.rowCount, 7);
  assert.equal(e.rowsDropped, 10);
  const rows = await db.all<{ symbol: string; d: string; close: number; open: number | null; volume: number }>(
    `SELECT symbol, strftime(time, '%Y-%m-%d') AS d, close, open, volume FROM read_parquet('${e.files[0]}') ORDER BY symbol, time`);
  assert.deepEqual(rows.map((x) => `${x.symbol} ${x.d} ${x.close}`), [
    'AAA 2020-01-02 10.5', 'AAA 2020-01-03 10.8', 'AAA 2020-01-06 11', 'AAA 2020-01-08 11.2',
    'BBB 2020-01-02 20.5', 'BBB 2020-01-03 20', 'CCC 2020-01-02 30',
  ]);
  assert.equal(rows[5]!.open, null, 'the NaN open is kept as missing');
  assert.equal(rows[2]!.volume, 0, 'the zero-volume row is kept');
  // Asking to drop warnings too removes the zero-volume and NaN rows.
  const r2 = await ingestFiles(join(FIX, 'errors_daily.csv'), { dataset: 'errors_daily_strict', frequency: '1d', market: 'equity', policy: 'drop', dropWarnings: ['zero_volume', 'nan_field'], db, lakeDir: lake });
  assert.equal(r2.rowsKept, 5);
});

test("policy 'reject' throws with the problems and leaves catalog and lake exactly as before", async () => {
  await ingestFiles(join(FIX, 'gaps_daily.csv'), { dataset: 'gaps_daily', frequency: '1d', market: 'equity', db, lakeDir: lake });
  const cat0 = await catalogSnapshot();
  const lake0 = lakeSnapshot();
  assert.ok(Object.keys(lake0).length >= 2);
  for (const dataset of ['errors_new', 'gaps_daily']) {
    await assert.rejects(
      ingestFiles(join(FIX, 'errors_daily.csv'), { dataset, frequency: '1d', market: 'equity', db, lakeDir: lake }),
      (err: unknown) => {
        assert.ok(err instanceof IngestRejectedError);
        assert.equal(err.report.status, 'rejected');
        assert.match(err.message, /errors_daily\.csv:4 AAA 2020-01-07T00:00:00Z: close=abc/);
        assert.match(err.message, /high_below_low: 1/);
        return true;
      });
  }
  assert.equal(await catalogSnapshot(), cat0);
  assert.deepEqual(lakeSnapshot(), lake0);
});

test('funding files: duplicates and unparseable rates are errors; the report names the rows', async () => {
  await assert.rejects(
    ingestFiles(join(FIX, 'funding_bad.csv'), { dataset: 'funding_bad', kind: 'funding', attachTo: 'x', frequency: '1h', market: 'crypto', db, lakeDir: lake }),
    (err: unknown) => {
      assert.ok(err instanceof IngestRejectedError);
      assert.deepEqual(rowsOf(err.report, 'duplicate'), [3]);
      assert.deepEqual(rowsOf(err.report, 'unparseable_value'), [4]);
      return true;
    });
});

test('gaps: calendar gaps for daily equities (late listing is no gap), grid gaps for 1h crypto', async () => {
  const e = await getDataset(db, 'gaps_daily');
  assert.equal(countOf(e.quality, 'gap'), 1);
  const g = e.quality.checks.find((c) => c.check === 'gap')!.examples[0]!;
  assert.deepEqual([g.symbol, g.time, g.row], ['BBB', '2020-01-06T00:00:00Z', 8]);
  const r = await ingestFiles(join(FIX, 'gaps_1h.csv'), { dataset: 'gaps_1h', frequency: '1h', market: 'crypto', db, lakeDir: lake });
  assert.deepEqual(r.checks.find((c) => c.check === 'gap')!.examples.map((x) => `${x.symbol} ${x.time} ${x.row}`), [
    'ETHUSDT 2025-01-01T01:00:00Z 7', 'ETHUSDT 2025-01-01T02:00:00Z 7',
  ]);
});

test('several files form one dataset: duplicates across files name the first file and row; filled gaps disappear', async () => {
  const a = join(FIX, 'gaps_1h.csv');
  const b = join(FIX, 'gaps_1h_more.csv');
  const r = await ingestFiles([a, b], { dataset: 'two_files', frequency: '1h', market: 'crypto', policy: 'drop', db, lakeDir: lake });
  const dup = r.checks.find((c) => c.check === 'duplicate')!;
  assert.equal(dup.count, 1);
  assert.deepEqual([dup.examples[0]!.file, dup.examples[0]!.row], [b, 3]);
  assert.equal(dup.examples[0]!.detail, `duplicate of row 5 of ${a}`);
  assert.equal(countOf(r, 'gap'), 0);
  assert.equal(r.rowsKept, 10);
  const p = await loadPanel('two_files', { db, assets: ['BTCUSDT'], fields: ['close'] });
  assert.equal(p.fields.close![4], 103, 'the first occurrence (file 1) is kept');
  assert.equal((await getDataset(db, 'two_files')).sources.length, 2);
});

test('concurrent ingests on one connection run one after the other (shared temp tables)', async () => {
  const [a, b] = await Promise.all([
    ingestFiles(join(FIX, 'gaps_daily.csv'), { dataset: 'conc_a', frequency: '1d', market: 'equity', db, lakeDir: lake }),
    ingestFiles(join(FIX, 'gaps_1h.csv'), { dataset: 'conc_b', frequency: '1h', market: 'crypto', db, lakeDir: lake }),
  ]);
  assert.deepEqual([a.rowsKept, b.rowsKept], [12, 8]);
  assert.deepEqual([countOf(a, 'gap'), countOf(b, 'gap')], [1, 2]);
});

test('single-asset file without a symbol column (constant symbol) and epoch-ms times', async () => {
  const r = await ingestFiles(join(FIX, 'btc_epoch_ms.csv'), { dataset: 'btc_epoch', symbol: 'BTCUSDT', frequency: '1h', market: 'crypto', db, lakeDir: lake });
  assert.equal(r.rowsKept, 3);
  const p = await loadPanel('btc_epoch', { db });
  assert.deepEqual(p.assets, ['BTCUSDT']);
  assert.deepEqual([...p.times], [Date.UTC(2025, 0, 1, 0), Date.UTC(2025, 0, 1, 1), Date.UTC(2025, 0, 1, 2)]);
  await assert.rejects(ingestFiles(join(FIX, 'btc_epoch_ms.csv'), { dataset: 'btc_epoch2', frequency: '1h', market: 'crypto', db, lakeDir: lake }), /missing required column "symbol"/);
});

test('default catalog and lake ($ALPHALAB_DB, $ALPHALAB_LAKE): ingest and load without passing a db', async () => {
  const saved = { db: process.env.ALPHALAB_DB, lake: process.env.ALPHALAB_LAKE };
  process.env.ALPHALAB_DB = join(dir, 'default.duckdb');
  process.env.ALPHALAB_LAKE = join(dir, 'default-lake');
  try {
    const r = await ingestFiles(join(FIX, 'gaps_daily.csv'), { dataset: 'dflt', frequency: '1d', market: 'equity' });
    assert.equal(r.status, 'ingested');
    assert.ok(readdirSync(join(dir, 'default-lake', 'dflt'))[0]!.startsWith('part-'));
    const p = await loadPanel('dflt');
    assert.deepEqual([p.times.length, p.assets.length], [5, 3]);
  } finally {
    if (saved.db === undefined) delete process.env.ALPHALAB_DB; else process.env.ALPHALAB_DB = saved.db;
    if (saved.lake === undefined) delete process.env.ALPHALAB_LAKE; else process.env.ALPHALAB_LAKE = saved.lake;
  }
});

test('a missing required column is an error naming the file and the column; catalog untouched', async () => {
  const cat0 = await catalogSnapshot();
  const file = join(FIX, 'missing_close.csv');
  await assert.rejects(ingestFiles(file, { dataset: 'mc', frequency: '1h', market: 'crypto', db, lakeDir: lake }),
    (err: Error) => err.message.includes(file) && err.message.includes('"close"'));
  await assert.rejects(ingestFiles(join(FIX, 'ragged.csv'), { dataset: 'mc', frequency: '1h', market: 'crypto', db, lakeDir: lake }),
    (err: Error) => err.message.includes(join(FIX, 'ragged.csv')) && /Line: 3.*Expected Number of Columns: 7 Found: 8/.test(err.message));
  await assert.rejects(ingestFiles(join(FIX, 'nope.csv'), { dataset: 'mc', frequency: '1h', market: 'crypto', db, lakeDir: lake }), /nope\.csv: file not found/);
  assert.equal(await catalogSnapshot(), cat0);
});

test('re-ingest is idempotent ("unchanged"); a changed file replaces the dataset and its old parquet', async () => {
  const src = join(dir, 'top.csv');
  copyFileSync(join(FIX, 'top1050_style.csv'), src);
  const opts = { dataset: 'top', frequency: '1d', market: 'equity', db, lakeDir: lake } as const;
  const r1 = await ingestFiles(src, opts);
  assert.equal(r1.status, 'ingested');
  const cat1 = await catalogSnapshot();
  const lake1 = lakeSnapshot();
  const r2 = await ingestFiles(src, opts);
  assert.equal(r2.status, 'unchanged');
  assert.equal(await catalogSnapshot(), cat1);
  assert.deepEqual(lakeSnapshot(), lake1);
  const e1 = await getDataset(db, 'top');
  assert.deepEqual(e1.symbols, ['SPY', 'ZZZ']);
  assert.equal(e1.firstTime, '2016-01-04T00:00:00Z');
  assert.equal(e1.sources[0]!.sha256, createHash('sha256').update(readFileSync(src)).digest('hex'));
  writeFileSync(src, readFileSync(src, 'utf8') + '2016-01-07,ZZZ,stock,5.3,5.5,5.2,5.4,2000\n');
  const r3 = await ingestFiles(src, opts);
  assert.equal(r3.status, 'ingested');
  const e3 = await getDataset(db, 'top');
  assert.equal(e3.rowCount, 6);
  assert.notEqual(e3.files[0], e1.files[0]);
  assert.equal(Object.keys(lakeSnapshot()).filter((p) => p.includes(`${join(lake, 'top')}/`)).length, 1, 'old parquet removed');
  const p = await loadPanel('top', { db });
  assert.deepEqual(p.assets, ['SPY', 'ZZZ']);
  assert.equal(p.times.length, 4);
  assert.ok(Number.isNaN(p.fields.close![3 * 2 + 0]!), 'SPY has no bar on 2016-01-07');
  assert.equal(p.fields.close![3 * 2 + 1], 5.4);
});

test('a failure while registering rolls back: catalog row, old parquet and lake folder as before, no temp file left', async () => {
  const dbx = await Db.open(join(dir, 'failing.duckdb'));
  const lakeX = join(dir, 'lake-x');
  // The same catalog schema plus a CHECK that refuses 6-row datasets, to make the INSERT fail inside the transaction.
  await dbx.exec(`CREATE TABLE ${CATALOG_TABLE} (name VARCHAR NOT NULL, kind VARCHAR NOT NULL, frequency VARCHAR NOT NULL, market VARCHAR NOT NULL,
    attach_to VARCHAR, sources VARCHAR NOT NULL, checksum VARCHAR NOT NULL, options VARCHAR NOT NULL, files VARCHAR[] NOT NULL,
    symbols VARCHAR[] NOT NULL, n_symbols INTEGER NOT NULL, first_time TIMESTAMP, last_time TIMESTAMP, row_count BIGINT NOT NULL CHECK (row_count <> 6),
    rows_dropped BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL, quality VARCHAR NOT NULL)`);
  const src = join(dir, 'top-x.csv');
  copyFileSync(join(FIX, 'top1050_style.csv'), src);
  const opts = { dataset: 'topx', frequency: '1d', market: 'equity', db: dbx, lakeDir: lakeX } as const;
  await ingestFiles(src, opts);
  const snap = async (): Promise<string> => JSON.stringify(await dbx.all(`SELECT * FROM ${CATALOG_TABLE}`), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  const cat0 = await snap();
  const files0 = readdirSync(join(lakeX, 'topx'));
  assert.equal(files0.length, 1);
  writeFileSync(src, readFileSync(src, 'utf8') + '2016-01-07,ZZZ,stock,5.3,5.5,5.2,5.4,2000\n');
  await assert.rejects(ingestFiles(src, opts), /CHECK|constraint/i);
  assert.equal(await snap(), cat0);
  assert.deepEqual(readdirSync(join(lakeX, 'topx')), files0);
  // A first ingest that fails leaves no dataset folder behind.
  await assert.rejects(ingestFiles(src, { ...opts, dataset: 'topy' }), /CHECK|constraint/i);
  assert.deepEqual(readdirSync(lakeX), ['topx']);
  dbx.close();
});

test('ingestBundled: S&P report shows the 11 NaN opens, 4 zero volumes, 12 OHLC errors; second call unchanged; catalog panels match the samples', async () => {
  const reps = await ingestBundled({ db, lakeDir: lake });
  assert.deepEqual(reps.map((r) => [r.dataset, r.status]), [['sp500_daily', 'ingested'], ['binance_perp_1h', 'ingested'], ['binance_perp_1h_funding', 'ingested']]);
  const sp = reps[0]!;
  assert.equal(sp.rowsIn, 619040);
  assert.equal(countOf(sp, 'nan_field'), 11);
  assert.equal(countOf(sp, 'zero_volume'), 4);
  assert.equal(countOf(sp, 'high_below_low') + countOf(sp, 'open_close_outside_range'), 12);
  assert.equal(sp.rowsDropped, 12);
  assert.ok(sp.checks.find((c) => c.check === 'open_close_outside_range')!.examples.some((e) => e.symbol === 'BBY'));
  assert.equal(reps[1]!.rowsKept, 151109);
  assert.equal(countOf(reps[1]!, 'gap'), 0);
  assert.equal(reps[2]!.rowsKept, 27058);
  const again = await ingestBundled({ db, lakeDir: lake });
  assert.deepEqual(again.map((r) => r.status), ['unchanged', 'unchanged', 'unchanged']);
  assert.deepEqual((await listDatasets(db)).map((d) => d.name).filter((n) => n.startsWith('sp500') || n.startsWith('binance')), ['binance_perp_1h', 'binance_perp_1h_funding', 'sp500_daily']);

  // The catalog panels equal the bundled ones (S&P: same 12 rows left out; perp: funding joined from its own dataset).
  const spCat = await loadPanel('sp500_daily', { db });
  const spBundled = await loadBundledPanel('sp500_daily');
  assert.deepEqual(spCat.assets, spBundled.assets);
  assert.deepEqual(spCat.times, spBundled.times);
  for (const f of Object.keys(spBundled.fields)) assert.deepEqual(spCat.fields[f], spBundled.fields[f], f);
  const a = await loadPanel('binance_perp_1h', { db, start: '2025-06-01', end: '2025-07-01' });
  const b = await loadBundledPanel('binance_perp_1h', { start: '2025-06-01', end: '2025-07-01' });
  assert.deepEqual(a.assets, b.assets);
  assert.deepEqual(a.times, b.times);
  for (const f of Object.keys(b.fields)) assert.deepEqual(a.fields[f], b.fields[f], f);
  await assert.rejects(loadPanel('binance_perp_1h_funding', { db }), /funding events/);
  await assert.rejects(loadPanel('nope', { db }), /dataset "nope" is not in the catalog/);
});
