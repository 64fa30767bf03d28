/**
 * Ingest policy 'repair' (issue 10): only an open or close outside [low, high] by at
 * most one tick is repaired (clamped into [low, high]), each repair listed by row;
 * any other error row rejects the file exactly as 'reject' does (catalog and lake
 * byte-identical). Fixtures: test/fixtures/repair/ (tick 0.01 for AAA, 0.5 for BBB)
 * and the A-share-style file test/fixtures/ashare/ashare_daily_small.csv.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Db } from '../lib/db/index.js';
import { cell } from './helpers/panels.js';
import { ingestFiles, loadPanel, findDataset, formatReport, IngestRejectedError } from '../lib/data/index.js';
import { runIngestFiles } from '../bin/ingest-file.js';
import { lakeSnapshot, catalogSnapshot } from './helpers/snapshots.js';

const MIXED = resolve('test/fixtures/repair/one_tick_and_five_ticks.csv');
const ONLY = resolve('test/fixtures/repair/only_repairable.csv');
const ASHARE = resolve('test/fixtures/ashare/ashare_daily_small.csv');
let dir: string;
let lake: string;
let db: Db;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alphalab-repair-'));
  lake = join(dir, 'lake');
  db = await Db.open(join(dir, 'catalog.duckdb'));
  // Something already stored, so "byte-identical" compares a non-empty catalog and lake.
  await ingestFiles(ONLY, { db, lakeDir: lake, dataset: 'existing', policy: 'repair' });
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});


/** Runs `fn`, which must reject with IngestRejectedError, and proves catalog and lake unchanged. */
async function rejectedUnchanged(fn: () => Promise<unknown>): Promise<IngestRejectedError> {
  const lakeBefore = lakeSnapshot(lake);
  const catBefore = await catalogSnapshot(db);
  let caught: unknown;
  await fn().catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof IngestRejectedError, `rejected: ${String(caught)}`);
  assert.deepEqual(lakeSnapshot(lake), lakeBefore, 'lake byte-identical');
  assert.equal(await catalogSnapshot(db), catBefore, 'catalog byte-identical');
  return caught;
}

test('repair + an unrepairable row (close 5 ticks above high): rejected as under reject, the error names the 5-tick row only', async () => {
  const err = await rejectedUnchanged(() => ingestFiles(MIXED, { db, lakeDir: lake, dataset: 'mixed', policy: 'repair' }));
  const r = err.report;
  assert.equal(r.status, 'rejected');
  assert.equal(r.policy, 'repair');
  assert.equal(r.rowsKept, 0);
  assert.equal(r.rowsRepaired, 0);
  assert.equal(r.rowsUnrepairable, 1);
  assert.equal(r.unrepairable!.length, 1);
  const u = r.unrepairable![0]!;
  assert.equal(u.row, 3);
  assert.equal(u.symbol, 'AAA');
  assert.equal(u.time, '2024-01-03T00:00:00Z');
  assert.match(u.detail, /^open_close_outside_range: close=10\.35 outside \[low=10\.1, high=10\.3\]; more than one tick \(0\.01\) outside$/);
  // The check itself counts both out-of-range rows (2 and 3); only row 3 blocks the file.
  assert.equal(r.checks.find((c) => c.check === 'open_close_outside_range')!.count, 2);
  assert.match(err.message, /rejected \(policy repair: 1 error rows cannot be repaired, first .*one_tick_and_five_ticks\.csv:3 AAA 2024-01-03T00:00:00Z/);
  assert.match(err.message, /catalog and lake unchanged/);
  assert.doesNotMatch(err.message.split('\n')[0]!, /\.csv:2 AAA/, 'the repairable row 2 is not named as unrepairable');
  assert.doesNotMatch(err.message.slice(err.message.indexOf('cannot repair:')), /\.csv:2 AAA/);
  assert.equal(await findDataset(db, 'mixed'), undefined);

  // Same file under reject: rejected too, both rows named by the check.
  const rej = await rejectedUnchanged(() => ingestFiles(MIXED, { db, lakeDir: lake, dataset: 'mixed', policy: 'reject' }));
  assert.deepEqual(rej.report.checks.find((c) => c.check === 'open_close_outside_range')!.examples.map((e) => e.row), [2, 3]);

  // A given tick of 0.05 covers 5 ticks of 0.01: both rows repaired.
  const wide = await ingestFiles(MIXED, { db, lakeDir: lake, dataset: 'mixed_wide', policy: 'repair', tick: 0.05 });
  assert.equal(wide.tickSource, 'given');
  assert.deepEqual(wide.repairs!.map((x) => [x.row, x.field, x.old, x.new, x.tick]), [[2, 'close', 10.21, 10.2, 0.05], [3, 'close', 10.35, 10.3, 0.05]]);
});

test('only repairable rows: ingested, stored values clamped, each repair listed by row; unrepaired values untouched', async () => {
  const r = await ingestFiles(ONLY, { db, lakeDir: lake, dataset: 'only', policy: 'repair' });
  assert.equal(r.status, 'ingested');
  assert.equal(r.rowsIn, 7);
  assert.equal(r.rowsKept, 7);
  assert.equal(r.rowsDropped, 0);
  assert.equal(r.rowsRepaired, 4);
  assert.equal(r.tickSource, 'inferred');
  assert.deepEqual(
    r.repairs!.map((x) => [x.row, x.symbol, x.time, x.field, x.old, x.new, x.tick]),
    [
      [2, 'AAA', '2024-01-02T00:00:00Z', 'close', 10.21, 10.2, 0.01],
      [3, 'AAA', '2024-01-03T00:00:00Z', 'open', 9.99, 10, 0.01],
      [4, 'AAA', '2024-01-04T00:00:00Z', 'open', 10.26, 10.25, 0.01],
      [4, 'AAA', '2024-01-04T00:00:00Z', 'close', 10.09, 10.1, 0.01],
      [6, 'BBB', '2024-01-02T00:00:00Z', 'open', 101.5, 101, 0.5],
    ],
  );
  assert.ok(r.repairs!.every((x) => x.file === ONLY));
  const text = formatReport(r);
  assert.match(text, /rows in 7, kept 7, dropped 0, repaired 4/);
  assert.match(text, /repaired: 4 rows, 5 values \(tick inferred\)/);
  assert.match(text, /only_repairable\.csv:4 AAA 2024-01-04T00:00:00Z: close 10\.09 -> 10\.1 \(tick 0\.01\)/);
  assert.match(text, /only_repairable\.csv:6 BBB 2024-01-02T00:00:00Z: open 101\.5 -> 101 \(tick 0\.5\)/);

  const p = await loadPanel('only', { db });
  assert.equal(cell(p, 'close', '2024-01-02', 'AAA'), 10.2);
  assert.equal(cell(p, 'open', '2024-01-03', 'AAA'), 10);
  assert.equal(cell(p, 'open', '2024-01-04', 'AAA'), 10.25);
  assert.equal(cell(p, 'close', '2024-01-04', 'AAA'), 10.1);
  assert.equal(cell(p, 'open', '2024-01-02', 'BBB'), 101);
  assert.equal(cell(p, 'close', '2024-01-02', 'BBB'), 100, 'the in-range close of a repaired row is unchanged');
  assert.equal(cell(p, 'open', '2024-01-02', 'AAA'), 10.05, 'the in-range open of a repaired row is unchanged');
  assert.equal(cell(p, 'high', '2024-01-02', 'AAA'), 10.2, 'high and low are never changed');
  // Every stored bar is consistent now.
  const N = p.assets.length;
  for (let i = 0; i < p.times.length * N; i++) {
    const [o, h, l, c] = (['open', 'high', 'low', 'close'] as const).map((f) => p.fields[f]![i]!);
    if (Number.isNaN(c)) continue;
    assert.ok(l <= o && o <= h && l <= c && c <= h, `bar ${i} in range`);
  }
  const stored = await findDataset(db, 'only');
  assert.equal(stored!.quality.repairs!.length, 5, 'the catalog keeps the repair list');

  // A given tick of 0.01 is too small for BBB's half-point move: rejected, naming BBB's row.
  const err = await rejectedUnchanged(() => ingestFiles(ONLY, { db, lakeDir: lake, dataset: 'only_tick', policy: 'repair', tick: 0.01 }));
  assert.deepEqual(err.report.unrepairable!.map((e) => [e.row, e.symbol]), [[6, 'BBB']]);
});

test('a repairable row dropped by dropWarnings is dropped, not counted as repaired', async () => {
  const f = join(dir, 'zero_volume_repairable.csv');
  writeFileSync(f, 'time,symbol,open,high,low,close,volume\n2024-01-01,AAA,10.00,10.10,9.90,10.05,100\n2024-01-02,AAA,10.05,10.20,10.00,10.21,0\n2024-01-03,AAA,10.20,10.30,10.10,10.31,90\n');
  const r = await ingestFiles(f, { db, lakeDir: lake, dataset: 'zv', policy: 'repair', dropWarnings: ['zero_volume'] });
  assert.equal(r.rowsKept, 2);
  assert.equal(r.rowsDropped, 1);
  assert.equal(r.rowsRepaired, 1);
  assert.deepEqual(r.repairs!.map((x) => [x.row, x.field, x.old, x.new]), [[3, 'close', 10.31, 10.3]]);
});

test('the A-share-style file under reject, drop and repair: a clear report each time', async () => {
  const base = { db, lakeDir: lake, map: { symbol: 'code', time: 'date' } } as const;
  const rej = await rejectedUnchanged(() => ingestFiles(ASHARE, { ...base, dataset: 'ashare_r', policy: 'reject' }));
  assert.match(rej.message, /ashare_r: rejected \(policy reject\); rows in 30, kept 0, dropped 0/);
  assert.match(rej.message, /error high_below_low: 1\n.*ashare_daily_small\.csv:4 sh\.600000 2020-01-07T00:00:00Z: high=9\.8 < low=10\.11/);
  assert.match(rej.message, /error unparseable_value: 1\n.*ashare_daily_small\.csv:29 sz\.000002 2020-01-14T00:00:00Z: close=abc/);

  const drop = await ingestFiles(ASHARE, { ...base, dataset: 'ashare_d', policy: 'drop' });
  assert.equal(drop.rowsKept, 28);
  assert.equal(drop.rowsDropped, 2);
  assert.equal(drop.rowsRepaired, undefined);
  assert.match(formatReport(drop), /ashare_d: ingested \(policy drop\); rows in 30, kept 28, dropped 2\n/);

  // repair: neither bad row is an open/close one tick out, so the file is rejected, naming both.
  const rep = await rejectedUnchanged(() => ingestFiles(ASHARE, { ...base, dataset: 'ashare_p', policy: 'repair' }));
  assert.equal(rep.report.rowsUnrepairable, 2);
  assert.deepEqual(rep.report.unrepairable!.map((e) => [e.row, e.detail]), [[4, 'high_below_low: high=9.8 < low=10.11'], [29, 'unparseable_value: close=abc']]);
  assert.match(rep.message, /rejected \(policy repair: 2 error rows cannot be repaired, first .*ashare_daily_small\.csv:4 sh\.600000 2020-01-07T00:00:00Z \(high_below_low: high=9\.8 < low=10\.11\); .*:29 sz\.000002/);
  assert.match(rep.message, /ashare_p: rejected \(policy repair\); rows in 30, kept 0, dropped 0, repaired 0/);
  assert.match(rep.message, /cannot repair: 2 error rows \(only open\/close within one tick of \[low, high\] is repairable\)/);
  for (const d of ['ashare_r', 'ashare_p']) assert.equal(await findDataset(db, d), undefined);
});

test('CLI path: --policy repair --json counts rowsRepaired; --tick; unknown policy names the valid ones', async () => {
  const ok = await runIngestFiles([ONLY], { name: 'only_cli', policy: 'repair', json: true }, db);
  assert.equal(ok.code, 0, ok.text);
  assert.equal(ok.summary.rowsRepaired, 4);
  assert.equal(ok.summary.rows, 7);
  assert.deepEqual(ok.summary.errors, { open_close_outside_range: 4 }, 'the file held these errors; all were repaired');
  assert.match(ok.text, /repaired: 4 rows, 5 values/);

  const dropSummary = await runIngestFiles([MIXED], { name: 'mixed_cli_drop', policy: 'drop' }, db);
  assert.equal(dropSummary.summary.rowsRepaired, 0);

  const bad = await runIngestFiles([MIXED], { name: 'mixed_cli', policy: 'repair' }, db);
  assert.equal(bad.code, 1);
  assert.equal(bad.summary.ok, false);
  assert.equal(bad.summary.rowsUnrepairable, 1);
  assert.match(bad.text, /cannot repair: 1 error rows/);

  const wide = await runIngestFiles([MIXED], { name: 'mixed_cli', policy: 'repair', tick: '0.05' }, db);
  assert.equal(wide.code, 0, wide.text);
  assert.equal(wide.summary.rowsRepaired, 2);

  // The real CLI wires --policy repair and --tick through commander.
  const env = { ...process.env, ALPHALAB_DB: join(dir, 'cli.duckdb'), ALPHALAB_LAKE: join(dir, 'cli-lake') };
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'bin/alphalab.ts', 'ingest', MIXED, '--name', 'mixed_bin', '--policy', 'repair', '--tick', '0.05', '--json'], { encoding: 'utf8', env });
  assert.equal(cli.status, 0, cli.stderr);
  const line = cli.stdout.trim().split('\n');
  assert.equal(line.length, 1);
  const js = JSON.parse(line[0]!) as Record<string, unknown>;
  assert.equal(js.policy, 'repair');
  assert.equal(js.rowsRepaired, 2);

  const unknown = await runIngestFiles([MIXED], { name: 'x', policy: 'fix' }, db);
  assert.equal(unknown.code, 2);
  assert.match(unknown.text, /--policy fix: unknown policy; valid policies: reject, drop, repair/);
  assert.match((await runIngestFiles([MIXED], { name: 'x', policy: 'drop', tick: '0.01' }, db)).text, /--tick 0\.01: only used with --policy repair/);
  assert.match((await runIngestFiles([MIXED], { name: 'x', policy: 'repair', tick: '-1' }, db)).text, /--tick -1: must be a price step > 0/);
  await assert.rejects(ingestFiles(MIXED, { db, lakeDir: lake, dataset: 'x', policy: 'fix' as never }), /unknown policy "fix"; valid policies: reject, drop, repair/);
  await assert.rejects(ingestFiles(MIXED, { db, lakeDir: lake, dataset: 'x', policy: 'repair', tick: 0 }), /tick 0: must be a finite price step > 0/);
});
