/**
 * Ingest of a user's own file (issue 10): a China A-share-style daily file with a
 * `code` column, extra columns (preclose, amount, turn, tradestatus, isST, a text
 * `industry` label that changes over time), two bad rows and two suspended rows
 * (volume 0, price carried forward). Fixture: test/fixtures/ashare/ashare_daily_small.csv
 * (3 symbols x 10 sessions, 2020-01-02..2020-01-15; bad rows: data row 4 sh.600000
 * 2020-01-07 high < low, data row 29 sz.000002 2020-01-14 close "abc").
 * Also the calendar helpers: bars per year inferred on a 244-session calendar.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Db } from '../lib/db/index.js';
import { cell } from './helpers/panels.js';
import {
  ingestFiles, loadPanel, IngestRejectedError, findDataset, parseColumnMap, inferBarsPerYear, annualizationWarning, frequencyOfSpacing,
  checkAnnualization, labelAt, sliceDates, selectAssets, validatePanel, loadFilePanel,
} from '../lib/data/index.js';
import { evaluate } from '../lib/expr/index.js';

const FILE = resolve('test/fixtures/ashare/ashare_daily_small.csv');
const DAY = 86_400_000;
let dir: string;
let db: Db;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alphalab-any-'));
  db = await Db.open(join(dir, 'catalog.duckdb'));
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});


test('parseColumnMap: pairs, bad pair, repeated name', () => {
  assert.deepEqual(parseColumnMap('symbol=code, time=date'), { symbol: 'code', time: 'date' });
  assert.throws(() => parseColumnMap('symbol'), /"symbol" is not name=column/);
  assert.throws(() => parseColumnMap('time=a,TIME=b'), /names "time" twice/);
});

test('policy reject: the two bad rows are named, nothing is written', async () => {
  const lake = join(dir, 'lake-reject');
  await assert.rejects(
    ingestFiles(FILE, { db, lakeDir: lake, dataset: 'ashare_reject', map: { symbol: 'code', time: 'date' }, policy: 'reject' }),
    (err: unknown) => {
      assert.ok(err instanceof IngestRejectedError);
      const byCheck = Object.fromEntries(err.report.checks.filter((c) => c.count > 0).map((c) => [c.check, c]));
      assert.equal(byCheck.high_below_low!.count, 1);
      assert.equal(byCheck.high_below_low!.examples[0]!.row, 4);
      assert.equal(byCheck.unparseable_value!.count, 1);
      assert.equal(byCheck.unparseable_value!.examples[0]!.row, 29);
      assert.match(byCheck.unparseable_value!.examples[0]!.detail, /close/);
      assert.equal(byCheck.zero_volume!.count, 2);
      return true;
    },
  );
  assert.equal(await findDataset(db, 'ashare_reject'), undefined);
  assert.deepEqual(existsSync(lake) ? readdirSync(lake).filter((f) => f !== '.staging') : [], []);
});

test('mapping errors name the key or the missing column', async () => {
  await assert.rejects(ingestFiles(FILE, { db, lakeDir: join(dir, 'lake-x'), dataset: 'ashare_x', map: { symbol: 'ticker' } }), /symbol=ticker: no column "ticker"/);
  await assert.rejects(ingestFiles(FILE, { db, lakeDir: join(dir, 'lake-x'), dataset: 'ashare_x', map: { sector: 'industry' } }), /mapping key "sector" is not one of time, symbol, open/);
});

test('policy drop: extra numeric columns become fields, text columns labels; frequency and market inferred; the panel loads them', async () => {
  const lake = join(dir, 'lake-drop');
  const r = await ingestFiles(FILE, { db, lakeDir: lake, dataset: 'ashare', map: { symbol: 'code', time: 'date' }, policy: 'drop' });
  assert.equal(r.status, 'ingested');
  assert.equal(r.rowsIn, 30);
  assert.equal(r.rowsKept, 28);
  assert.equal(r.rowsDropped, 2);
  assert.deepEqual(r.fields, ['open', 'high', 'low', 'close', 'volume', 'preclose', 'amount', 'turn', 'tradestatus', 'isST']);
  assert.deepEqual(r.labels, ['industry']);
  assert.equal(r.frequency, '1d');
  assert.equal(r.frequencySource, 'inferred');
  assert.equal(r.market, 'equity');
  assert.equal(r.marketSource, 'inferred');
  assert.ok(r.notes!.some((n) => /frequency 1d inferred/.test(n)));
  // 10 sessions over 13 days (2020-01-02..2020-01-15): 9 / (13 / 365.2425) = 252.86 sessions a year.
  assert.ok(Math.abs(r.barsPerYear! - 9 / (13 / 365.2425)) < 1e-9);

  const p = await loadPanel('ashare', { db });
  validatePanel(p);
  assert.deepEqual(p.assets, ['sh.600000', 'sz.000001', 'sz.000002']);
  assert.equal(p.times.length, 10);
  assert.deepEqual(Object.keys(p.fields), r.fields);
  assert.equal(cell(p, 'amount', '2020-01-02', 'sh.600000'), 990000);
  assert.equal(cell(p, 'turn', '2020-01-03', 'sh.600000'), 0.0101);
  assert.ok(Number.isNaN(cell(p, 'turn', '2020-01-13', 'sh.600000')), 'empty extra value -> NaN');
  assert.equal(cell(p, 'volume', '2020-01-08', 'sz.000001'), 0, 'suspended row kept as given');
  assert.equal(cell(p, 'tradestatus', '2020-01-08', 'sz.000001'), 0);
  assert.equal(cell(p, 'tradestatus', '2020-01-07', 'sz.000001'), 1);
  assert.equal(cell(p, 'isST', '2020-01-09', 'sz.000002'), 0);
  assert.equal(cell(p, 'isST', '2020-01-10', 'sz.000002'), 1);
  assert.ok(Number.isNaN(cell(p, 'amount', '2020-01-07', 'sh.600000')), 'dropped bad row -> NaN in every field');
  assert.ok(Number.isNaN(cell(p, 'isST', '2020-01-14', 'sz.000002')));

  // The time-varying text label: industry of sz.000002 changes on its 6th session.
  const ind = p.labels!.industry!;
  assert.deepEqual(ind.levels, ['bank', 'property', 'realestate']);
  const N = p.assets.length;
  assert.equal(labelAt(ind, N, 4, 2), 'realestate');
  assert.equal(labelAt(ind, N, 5, 2), 'property');
  assert.equal(labelAt(ind, N, 0, 0), 'bank');
  assert.equal(labelAt(ind, N, 8, 2), undefined, 'dropped row has no label');

  // Group operators take the label of each date: a text label panel (industry) or a numeric field (isST).
  const gm = evaluate('group_mean(close, industry)', p);
  const closeAt = (t: number, a: number): number => p.fields.close![t * N + a]!;
  assert.equal(gm[4 * N + 0], (closeAt(4, 0) + closeAt(4, 1)) / 2, 'bank at bar 4: sh.600000 and sz.000001');
  assert.equal(gm[4 * N + 2], closeAt(4, 2), 'realestate at bar 4: sz.000002 alone');
  assert.equal(gm[5 * N + 2], closeAt(5, 2), 'property at bar 5: sz.000002 alone');
  const gn = evaluate('group_neutralize(close, isST)', p);
  const mean01 = (closeAt(6, 0) + closeAt(6, 1)) / 2;
  assert.ok(Math.abs(gn[6 * N + 0]! - (closeAt(6, 0) - mean01)) < 1e-12, 'isST 0 at bar 6: the two others');
  assert.equal(gn[6 * N + 2], 0, 'isST 1 at bar 6: sz.000002 alone');
  assert.ok(Math.abs(gn[5 * N + 2]! - (closeAt(5, 2) - (closeAt(5, 0) + closeAt(5, 1) + closeAt(5, 2)) / 3)) < 1e-12, 'isST 0 for all three at bar 5');

  // Fields and labels by name; unknown ones listed.
  const only = await loadPanel('ashare', { db, fields: ['close', 'amount'], labels: [] });
  assert.deepEqual(Object.keys(only.fields), ['close', 'amount']);
  assert.equal(only.labels, undefined);
  await assert.rejects(loadPanel('ashare', { db, fields: ['amt'] }), /unknown field "amt"; available: open, high, low, close, volume, preclose, amount/);
  await assert.rejects(loadPanel('ashare', { db, labels: ['sector'] }), /unknown label "sector"; available: industry/);

  // Slices carry the labels along.
  const s = selectAssets(sliceDates(p, 4, 6), ['sz.000002']);
  validatePanel(s);
  assert.deepEqual([labelAt(s.labels!.industry!, 1, 0, 0), labelAt(s.labels!.industry!, 1, 1, 0)], ['realestate', 'property']);

  // Same file and options again: unchanged.
  const again = await ingestFiles(FILE, { db, lakeDir: lake, dataset: 'ashare', map: { symbol: 'code', time: 'date' }, policy: 'drop' });
  assert.equal(again.status, 'unchanged');
});

test('given frequency is kept and a contradicting one is noted; --ignore drops a column from the stored set', async () => {
  const r = await ingestFiles(FILE, { db, lakeDir: join(dir, 'lake-given'), dataset: 'ashare_given', frequency: '1d', market: 'equity', policy: 'drop', ignore: ['industry', 'preclose'] });
  assert.equal(r.frequencySource, 'given');
  assert.deepEqual(r.notes, []);
  assert.deepEqual(r.labels, []);
  assert.deepEqual(r.fields, ['open', 'high', 'low', 'close', 'volume', 'amount', 'turn', 'tradestatus', 'isST']);
  const h = await ingestFiles(FILE, { db, lakeDir: join(dir, 'lake-given'), dataset: 'ashare_4h', frequency: '4h', market: 'crypto', policy: 'drop' });
  assert.ok(h.notes!.some((n) => /frequency 4h given, but the most common spacing between bars is 1d/.test(n)), JSON.stringify(h.notes));
});

test('CLI: alphalab ingest FILE --name --map --policy drop --json prints one summary line', () => {
  const env = { ...process.env, ALPHALAB_DB: join(dir, 'cli.duckdb'), ALPHALAB_LAKE: join(dir, 'cli-lake') };
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'bin/alphalab.ts', 'ingest', FILE, '--name', 'ashare_cli', '--map', 'symbol=code,time=date', '--frequency', '1d', ...args, '--json'], { encoding: 'utf8', env });
  const rej = run('--policy', 'reject');
  assert.equal(rej.status, 1, rej.stderr);
  const rs = JSON.parse(rej.stdout.trim()) as Record<string, unknown>;
  assert.equal(rs.ok, false);
  assert.deepEqual(rs.errors, { high_below_low: 1, unparseable_value: 1 });

  const ok = run('--policy', 'drop');
  assert.equal(ok.status, 0, ok.stderr);
  const lines = ok.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const s = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(s.dataset, 'ashare_cli');
  assert.equal(s.rows, 28);
  assert.equal(s.rowsDropped, 2);
  assert.equal(s.symbols, 3);
  assert.equal(s.first, '2020-01-02T00:00:00Z');
  assert.equal(s.last, '2020-01-15T00:00:00Z');
  assert.deepEqual(s.labels, ['industry']);
  assert.ok((s.fields as string[]).includes('turn'));
  assert.deepEqual(s.warnings, { zero_volume: 2, gap: 2 }, 'the two dropped rows leave two gaps');
  assert.deepEqual(s.errors, { high_below_low: 1, unparseable_value: 1 });

  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'bin/alphalab.ts', 'ingest', FILE, '--json'], { encoding: 'utf8', env });
  assert.equal(bad.status, 2);
  assert.match(bad.stdout, /--name NAME is required/);
});

test('loadFilePanel: column mapping and extra numeric fields from a raw file', async () => {
  const f = join(dir, 'clean.csv');
  writeFileSync(f, 'trade_date,code,open,high,low,close,volume,amount\n2020-01-02,sh.600000,10,11,9,10.5,100,1050\n2020-01-02,sz.000001,20,21,19,20.5,0,0\n2020-01-03,sh.600000,10.5,11,10,10.8,120,1296\n');
  const p = await loadFilePanel(f, { frequency: '1d', market: 'equity', map: { time: 'trade_date', symbol: 'code' }, extraFields: ['amount'] });
  assert.deepEqual(Object.keys(p.fields), ['open', 'high', 'low', 'close', 'volume', 'amount']);
  assert.deepEqual(p.assets, ['sh.600000', 'sz.000001']);
  assert.deepEqual(Array.from(p.fields.amount!), [1050, 0, 1296, NaN]);
  await assert.rejects(loadFilePanel(f, { frequency: '1d', market: 'equity', map: { time: 'trade_date' }, extraFields: ['turn'] }), /no extra column "turn"/);
});

/** A 244-session-a-year calendar: weekdays of `years` years minus holidays spread over each year. */
function sessions244(firstYear: number, years: number): Float64Array {
  const out: number[] = [];
  for (let y = firstYear; y < firstYear + years; y++) {
    const days: number[] = [];
    for (let t = Date.UTC(y, 0, 1); t < Date.UTC(y + 1, 0, 1); t += DAY) {
      const wd = new Date(t).getUTCDay();
      if (wd !== 0 && wd !== 6) days.push(t);
    }
    const drop = days.length - 244; // 17-18 weekday holidays, spread evenly
    const keep = days.filter((_, i) => !Array.from({ length: drop }, (_, k) => Math.floor(((k + 0.5) * days.length) / drop)).includes(i));
    out.push(...keep);
  }
  return Float64Array.from(out);
}

test('annualization: 244-session calendar inferred within 1 %; crypto calendar bars; warning above 5 %', () => {
  const cal = sessions244(2016, 5);
  assert.equal(cal.length, 5 * 244);
  const a = inferBarsPerYear(cal, '1d', 'equity');
  assert.equal(a.method, 'sessions');
  assert.equal(a.sessions, 1220);
  assert.ok(Math.abs(a.barsPerYear / 244 - 1) < 0.01, `inferred ${a.barsPerYear}`);
  // Hourly crypto: 24/7 calendar bars whatever the gaps.
  const hours = Float64Array.from({ length: 1000 }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000 * (i % 7 === 0 ? 1 : 1));
  assert.equal(inferBarsPerYear(hours, '1h', 'crypto').barsPerYear, 8760);
  assert.throws(() => inferBarsPerYear(Float64Array.of(Date.UTC(2020, 0, 2)), '1d', 'equity'), /at least two dates/);

  assert.equal(annualizationWarning(252, 244), undefined, '3.3 % is within 5 %');
  assert.match(annualizationWarning(252, 230)!, /252 bars\/year differs from the 230\.0 inferred from the data by 9\.6 %/);
  assert.equal(annualizationWarning(365, 252) !== undefined, true);
  const c = checkAnnualization(cal, '1d', 'equity');
  assert.equal(c.given, 252);
  assert.equal(c.warning, undefined);
  assert.match(checkAnnualization(cal, '1d', 'equity', 365).warning!, /365 bars\/year differs/);

  assert.equal(frequencyOfSpacing(86_400_000), '1d');
  assert.equal(frequencyOfSpacing(3_600_000), '1h');
  assert.equal(frequencyOfSpacing(7_200_000), undefined);
});
