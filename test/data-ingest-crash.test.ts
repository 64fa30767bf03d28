/**
 * Crash and concurrency tests of ingest (issue 19, defects 4 and 7): a kill -9
 * at several points of an ingest leaves no orphan file after the next start
 * (no `.tmp-*`, no staged file, no superseded `part-*`; a glob over the dataset
 * folder reads); concurrent ingests of one dataset leave one catalog row.
 * The same file is the child process when INGEST_CRASH_CHILD is set.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Db, sqlString } from '../lib/db/index.js';
import { ingestFiles, getDataset, listDatasets, recoverLake, loadPanel, CATALOG_TABLE, STAGING_DIR, ensureCatalog } from '../lib/data/index.js';

const FIX = resolve('test/fixtures/data');

if (process.env.INGEST_CRASH_CHILD) {
  const db = await Db.open(process.env.INGEST_CRASH_DB!);
  process.stdout.write('READY\n');
  await ingestFiles(process.env.INGEST_CRASH_FILE!, { dataset: 'big', frequency: '1m', market: 'crypto', db, lakeDir: process.env.INGEST_CRASH_LAKE! });
  process.stdout.write('DONE\n');
  db.close();
  process.exit(0);
}

let dir: string;
let lake: string;
let dbPath: string;
let big: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'alphalab-crash-'));
  lake = join(dir, 'lake');
  dbPath = join(dir, 'catalog.duckdb');
  // 4 symbols x 30,000 one-minute bars (~6 MB): long enough to be killed mid-way.
  big = join(dir, 'big.csv');
  const lines = ['time,symbol,open,high,low,close,volume'];
  for (const s of ['AAA', 'BBB', 'CCC', 'DDD']) {
    for (let i = 0; i < 30_000; i++) lines.push(`${1704067200000 + i * 60_000},${s},10,11,9,10.5,${i}`);
  }
  writeFileSync(big, lines.join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under the lake that is not a registered parquet file of the catalog. */
async function orphans(db: Db): Promise<string[]> {
  const registered = new Set((await listDatasets(db)).flatMap((d) => d.files));
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!registered.has(p)) out.push(p);
    }
  };
  walk(lake);
  return out;
}

/** Runs the child ingest and SIGKILLs it once `when()` is true (polled every 2 ms). */
function killWhen(when: () => boolean): Promise<boolean> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'test/data-ingest-crash.test.ts'], {
      env: { ...process.env, INGEST_CRASH_CHILD: '1', INGEST_CRASH_DB: dbPath, INGEST_CRASH_LAKE: lake, INGEST_CRASH_FILE: big },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    const timer = setInterval(() => {
      if (!killed && out.includes('READY') && when()) {
        killed = true;
        p.kill('SIGKILL');
      }
    }, 2);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => {
      clearInterval(timer);
      if (!killed && code !== 0) rej(new Error(`child failed: ${err}`));
      else res(killed);
    });
  });
}

const staged = (ext: string) => (): boolean => existsSync(join(lake, STAGING_DIR)) && readdirSync(join(lake, STAGING_DIR)).some((n) => n.endsWith(ext));

test('kill -9 during ingest (intent written, parquet being written, after the write) leaves no orphan after the next start', async () => {
  const points: [string, () => boolean][] = [
    ['intent record written', staged('.json')],
    ['staged parquet being written', staged('.parquet')],
    ['dataset file in place', () => existsSync(join(lake, 'big')) && readdirSync(join(lake, 'big')).some((n) => n.startsWith('part-'))],
  ];
  let kills = 0;
  for (const [what, when] of points) {
    const killed = await killWhen(when);
    if (killed) kills++;
    const db = await Db.open(dbPath);
    try {
      // The next start: any ingest on this catalog recovers the lake first.
      await ingestFiles(join(FIX, 'gaps_1h.csv'), { dataset: 'small', frequency: '1h', market: 'crypto', db, lakeDir: lake });
      assert.deepEqual(await orphans(db), [], `after a kill at: ${what}`);
      assert.equal(existsSync(join(lake, STAGING_DIR)), false, 'staging folder removed when empty');
      const big = (await listDatasets(db)).find((d) => d.name === 'big');
      if (big) {
        const n = await db.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(lake, 'big', '*.parquet'))})`);
        assert.equal(Number(n!.n), big.rowCount, 'the glob over the dataset folder reads exactly the registered rows');
      }
    } finally {
      db.close();
      Db.closeAll();
    }
  }
  assert.ok(kills >= 1, 'at least one kill landed mid-ingest');
});

test('a kill between commit and removal of the old version, and older .tmp-* files: recovered on the next start', async () => {
  const db = await Db.open(join(dir, 'recover.duckdb'));
  const lakeR = join(dir, 'lake-r');
  const src = join(dir, 'top.csv');
  copyFileSync(join(FIX, 'gaps_daily.csv'), src);
  const opts = { dataset: 'ds', frequency: '1d', market: 'equity', db, lakeDir: lakeR } as const;
  await ingestFiles(src, opts);
  const v1 = (await getDataset(db, 'ds')).files[0]!;
  await ingestFiles(src, { ...opts, policy: 'drop' });
  const v2 = (await getDataset(db, 'ds')).files[0]!;
  assert.notEqual(v1, v2);
  // The state a kill -9 leaves between COMMIT and the unlink of v1 (v1 still there, its record too),
  // plus an uncommitted write (final file not in the catalog) and a .tmp file of the old layout.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  copyFileSync(v2, v1);
  const uncommitted = join(lakeR, 'ds', 'part-0123456789abcdef.parquet');
  copyFileSync(v2, uncommitted);
  const legacyTmp = join(lakeR, 'ds', `.tmp-${dead}-1700000000000.parquet`);
  copyFileSync(v2, legacyTmp);
  mkdirSync(join(lakeR, STAGING_DIR), { recursive: true });
  const rec = (stem: string, final: string, old: string[]): void =>
    writeFileSync(join(lakeR, STAGING_DIR, `${stem}.json`), JSON.stringify({ pid: dead, db: db.path, dataset: 'ds', tmp: join(lakeR, STAGING_DIR, `${stem}.parquet`), final, finalExisted: false, old }));
  rec(`${dead}-1-a-ds`, v2, [v1]);
  rec(`${dead}-2-b-ds`, uncommitted, [v2]);
  writeFileSync(join(lakeR, STAGING_DIR, `${dead}-2-b-ds.parquet`), 'partial');
  // A live writer's record (this process) is left alone.
  writeFileSync(join(lakeR, STAGING_DIR, `${process.pid}-3-c-ds.json`), '{}');
  const before = await db.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(lakeR, 'ds', '*.parquet'))})`);
  assert.equal(Number(before!.n), 4 * (await getDataset(db, 'ds')).rowCount, 'before recovery the glob reads the leftovers too');
  const r = await recoverLake(db, lakeR);
  assert.deepEqual([...r.removed].sort(), [v1, uncommitted, legacyTmp, join(lakeR, STAGING_DIR, `${dead}-1-a-ds.json`), join(lakeR, STAGING_DIR, `${dead}-2-b-ds.json`), join(lakeR, STAGING_DIR, `${dead}-2-b-ds.parquet`)].sort());
  assert.deepEqual(readdirSync(join(lakeR, 'ds')), [v2.split('/').pop()]);
  assert.deepEqual(readdirSync(join(lakeR, STAGING_DIR)), [`${process.pid}-3-c-ds.json`]);
  const n = await db.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(lakeR, 'ds', '*.parquet'))})`);
  assert.equal(Number(n!.n), (await getDataset(db, 'ds')).rowCount);
  db.close();
});

test('concurrent ingests of one new dataset on two connections: serialized, one catalog row, loadPanel reads it', async () => {
  const path = join(dir, 'conc.duckdb');
  const a = await Db.open(path);
  const b = await Db.open(path);
  const lakeC = join(dir, 'lake-c');
  const run = (db: Db, file: string) => ingestFiles(join(FIX, file), { dataset: 'same', frequency: '1h', market: 'crypto', db, lakeDir: lakeC, policy: 'drop' });
  const [ra, rb] = await Promise.all([run(a, 'gaps_1h.csv'), run(b, 'gaps_1h_more.csv')]);
  assert.deepEqual([ra.status, rb.status], ['ingested', 'ingested']);
  const rows = await a.all<{ n: number }>(`SELECT count(*) AS n FROM ${CATALOG_TABLE} WHERE name = 'same'`);
  assert.equal(Number(rows[0]!.n), 1, 'one catalog row per dataset name');
  // The later ingest wins, exactly as if run one after the other.
  assert.deepEqual((await getDataset(a, 'same')).sources.map((s) => s.path), [join(FIX, 'gaps_1h_more.csv')]);
  assert.equal((await loadPanel('same', { db: a })).times.length > 0, true);
  // Also with an existing dataset (formerly "Conflict on tuple deletion", naming nothing).
  const [rc, rd] = await Promise.all([run(a, 'gaps_1h.csv'), run(b, 'gaps_1h_more.csv')]);
  assert.deepEqual([rc.status, rd.status], ['ingested', 'ingested']);
  assert.equal(readdirSync(join(lakeC, 'same')).length, 1);
  // The catalog refuses a second row of one name at the database level.
  await assert.rejects(a.exec(`INSERT INTO ${CATALOG_TABLE} SELECT * FROM ${CATALOG_TABLE} WHERE name = 'same'`), /PRIMARY KEY|duplicate key|Constraint/i);
  a.close();
  b.close();
});

test('an older catalog without the key gets it; one holding two rows of a name is refused naming the dataset', async () => {
  const db = await Db.open(':memory:');
  await db.exec(`CREATE TABLE ${CATALOG_TABLE} (name VARCHAR NOT NULL, x INTEGER)`);
  await db.exec(`INSERT INTO ${CATALOG_TABLE} VALUES ('dup', 1), ('dup', 2)`);
  await assert.rejects(ensureCatalog(db), /dataset "dup" has 2 rows/);
  await db.exec(`DELETE FROM ${CATALOG_TABLE} WHERE x = 2`);
  await ensureCatalog(db);
  await assert.rejects(db.exec(`INSERT INTO ${CATALOG_TABLE} VALUES ('dup', 3)`), /PRIMARY KEY|duplicate key|Constraint/i);
  db.close();
});
