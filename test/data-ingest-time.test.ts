/** Ingest time options: a strptime format and an IANA zone for zone-less local timestamps (hand-checked UTC instants). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { ingestFiles, loadPanel, IngestRejectedError } from '../lib/data/index.js';

test('--time-format and --tz: local Shanghai times in day/month/year form stored as UTC; zoned and epoch times unaffected; bad zone or format named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-time-'));
  const db = await Db.open(join(dir, 'c.duckdb'));
  try {
    const lake = join(dir, 'lake');
    const csv = join(dir, 'sh.csv');
    // 09:00 and 10:00 in Shanghai (UTC+8, no DST) = 01:00 and 02:00 UTC
    writeFileSync(csv, 'time,symbol,open,high,low,close,volume\n02/01/2020 09:00,A,1,1,1,1,10\n02/01/2020 10:00,A,1,1,1,1,10\n');
    const r = await ingestFiles(csv, { db, lakeDir: lake, dataset: 'sh', frequency: '1h', market: 'equity', timeFormat: '%d/%m/%Y %H:%M', timeZone: 'Asia/Shanghai' });
    assert.equal(r.status, 'ingested');
    const p = await loadPanel('sh', { db });
    assert.deepEqual(Array.from(p.times), [Date.UTC(2020, 0, 2, 1), Date.UTC(2020, 0, 2, 2)]);
    // without the format the same text is unparseable_time, reported by row
    await assert.rejects(ingestFiles(csv, { db, lakeDir: lake, dataset: 'sh2', frequency: '1h', market: 'equity' }), (e: unknown) => e instanceof IngestRejectedError && e.report.checks.some((c) => c.check === 'unparseable_time' && c.count === 2));
    // the zone applies to zone-less ISO text only: an explicit offset and epoch ms stay absolute
    const mixed = join(dir, 'ny.csv');
    writeFileSync(mixed, `time,symbol,open,high,low,close,volume\n2024-03-11 09:00,A,1,1,1,1,10\n2024-03-11T14:00:00Z,A,1,1,1,1,10\n${Date.UTC(2024, 2, 11, 15)},A,1,1,1,1,10\n`);
    await ingestFiles(mixed, { db, lakeDir: lake, dataset: 'ny', frequency: '1h', market: 'equity', timeZone: 'America/New_York' });
    // 09:00 New York on 2024-03-11 is EDT (UTC-4): 13:00 UTC
    assert.deepEqual(Array.from((await loadPanel('ny', { db })).times), [Date.UTC(2024, 2, 11, 13), Date.UTC(2024, 2, 11, 14), Date.UTC(2024, 2, 11, 15)]);
    await assert.rejects(ingestFiles(csv, { db, lakeDir: lake, dataset: 'sh3', timeZone: 'Mars/Olympus' }), /timeZone "Mars\/Olympus" is not a known IANA time zone/);
    await assert.rejects(ingestFiles(csv, { db, lakeDir: lake, dataset: 'sh3', timeFormat: 'dd/mm/yyyy' }), /timeFormat "dd\/mm\/yyyy" has no strptime directive/);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
