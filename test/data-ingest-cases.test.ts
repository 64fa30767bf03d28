/**
 * The bad-input ingest set (test/helpers/ingest-cases.ts, files in
 * test/fixtures/ingest): every case ends as documented: a plain error naming the
 * file, a rejection naming file, row and field, or an ingest with only warnings
 * the README lists. Rejections leave catalog and lake byte-identical.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Db } from '../lib/db/index.js';
import { lakeSnapshot as lakeSnap, catalogSnapshot as catalogSnap } from './helpers/snapshots.js';
import { ingestFiles, IngestRejectedError, CATALOG_TABLE, WARNING_CHECKS, ERROR_CHECKS, getDataset, ensureCatalog, type QualityReport } from '../lib/data/index.js';
import { INGEST_CASES, committedContents, gzipBase, writeTestTimeFixtures, type IngestCase } from './helpers/ingest-cases.js';

const FIX = resolve('test/fixtures/ingest');
let dir: string;
let lake: string;
let db: Db;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alphalab-cases-'));
  lake = join(dir, 'lake');
  db = await Db.open(join(dir, 'catalog.duckdb'));
  writeTestTimeFixtures(dir);
  await ensureCatalog(db);
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const lakeSnapshot = (): Record<string, string> => lakeSnap(lake);
const catalogSnapshot = (): Promise<string> => catalogSnap(db, ['ingested_at']);

const pathOf = (c: IngestCase): string => (c.committed ? join(FIX, c.file) : join(dir, c.file));

/** The warning and error check names the README's ingest section lists. */
function readmeChecks(): Set<string> {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('### Ingest outcomes');
  assert.ok(start >= 0, 'README has an "Ingest outcomes" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  return new Set([...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
}

test('the committed fixtures are the generator output (scripts/make-ingest-fixtures.ts)', () => {
  for (const [name, content] of Object.entries(committedContents())) {
    assert.ok(readFileSync(join(FIX, name)).equals(Buffer.from(content)), `${name} differs from its generator: rerun the script`);
  }
  const listed = new Set(INGEST_CASES.filter((c) => c.committed).map((c) => c.file));
  for (const f of readdirSync(FIX)) assert.ok(listed.has(f), `fixture ${f} has no case`);
  assert.ok(INGEST_CASES.length >= 51);
});

test('every bad-input case ends as documented; no case is accepted silently when wrong', async () => {
  const documented = readmeChecks();
  for (const name of [...WARNING_CHECKS, ...ERROR_CHECKS]) assert.ok(documented.has(name), `README lists the check ${name}`);
  for (const c of INGEST_CASES) {
    const path = pathOf(c);
    const opts = { dataset: c.name, frequency: '1d', market: 'crypto', db, lakeDir: lake, maxExamples: 3, ...c.options } as const;
    const cat0 = await catalogSnapshot();
    const lake0 = lakeSnapshot();
    const e = c.expect;
    if (e.kind === 'accepted') {
      let r: QualityReport;
      try {
        r = await ingestFiles(path, opts);
      } catch (err) {
        assert.fail(`${c.name}: expected accepted, got ${(err as Error).message}`);
      }
      assert.equal(r.status, 'ingested', c.name);
      assert.equal(r.rowsKept, e.rowsKept, `${c.name} rows kept`);
      const warned = Object.fromEntries(r.checks.filter((x) => x.count > 0).map((x) => [x.check, x.count]));
      assert.deepEqual(warned, e.warnings, `${c.name}: warnings`);
      for (const w of Object.keys(warned)) assert.ok(documented.has(w), `${c.name}: warning ${w} is listed in the README`);
      const entry = await getDataset(db, c.name);
      if (e.firstTime) assert.equal(entry.firstTime, e.firstTime, `${c.name} first time`);
      if (e.symbols) assert.deepEqual(entry.symbols, e.symbols, `${c.name} symbols`);
      continue;
    }
    await assert.rejects(ingestFiles(path, opts), (err: Error) => {
      if (e.kind === 'error') {
        assert.ok(!(err instanceof IngestRejectedError), `${c.name}: plain error expected, got a row report: ${err.message}`);
        assert.ok(err.message.includes(path), `${c.name}: the message names the file: ${err.message.slice(0, 300)}`);
        assert.match(err.message, e.message, c.name);
        assert.ok(err.message.length < 2000, `${c.name}: message of ${err.message.length} chars`);
      } else {
        assert.ok(err instanceof IngestRejectedError, `${c.name}: expected a rejection, got ${err.message}`);
        const row = err.report.checks.find((x) => x.check === e.check);
        assert.ok(row && row.count > 0, `${c.name}: check ${e.check} flagged; report: ${err.message}`);
        const ex = row.examples[0]!;
        assert.equal(ex.file, path, c.name);
        assert.equal(ex.row, e.row, `${c.name} row`);
        assert.match(ex.detail, e.detail, `${c.name} detail (the field)`);
      }
      return true;
    }, c.name);
    assert.equal(await catalogSnapshot(), cat0, `${c.name}: catalog unchanged`);
    assert.deepEqual(lakeSnapshot(), lake0, `${c.name}: lake unchanged`);
  }
});

test('a gzip cut at any of 40 points is never ingested', async () => {
  const base = gzipBase();
  const cut = join(dir, 'cut.csv.gz');
  for (let i = 1; i <= 40; i++) {
    const at = Math.floor((base.length * i) / 41);
    writeFileSync(cut, base.subarray(0, at));
    await assert.rejects(ingestFiles(cut, { dataset: 'cut', frequency: '1h', market: 'crypto', db, lakeDir: lake }),
      (err: Error) => err.message.includes(cut) && /corrupt or truncated gzip|empty file/.test(err.message), `cut at ${at} of ${base.length}`);
  }
});

test('inspectFile names the line, data row and field of an over-long line, within a chunk and across chunks', async () => {
  const { inspectFile } = await import('../lib/data/index.js');
  const small = join(dir, 'long_line.csv');
  writeFileSync(small, 'a,b,c\n1,2,3\n4,5,678901234567\n');
  await assert.rejects(inspectFile(small, { maxLineBytes: 10, columns: ['a', 'b', 'c'] }), new RegExp(`${small.replace(/[/.]/g, '\\$&')}: line 3 \\(data row 2\\), field "c": longer than the limit of 10 bytes`));
  const ok = await inspectFile(small, { maxLineBytes: 16 });
  assert.equal(ok.bytes, 29);
  const big = join(dir, 'long_across.csv');
  writeFileSync(big, `a,b\n${'x'.repeat(100)},${'y'.repeat(300_000)}\n1,2\n`);
  await assert.rejects(inspectFile(big, { maxLineBytes: 200_000, columns: ['a', 'b'] }), /line 2 \(data row 1\), field "b"/);
});
