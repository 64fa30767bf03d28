/**
 * Writes the committed files of the bad-input ingest set to `test/fixtures/ingest/`
 * (see `test/helpers/ingest-cases.ts`): `npx tsx scripts/make-ingest-fixtures.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Db, sqlString } from '../lib/db/index.js';
import { committedContents } from '../test/helpers/ingest-cases.js';

const dir = resolve('test/fixtures/ingest');
mkdirSync(dir, { recursive: true });
for (const [name, content] of Object.entries(committedContents())) writeFileSync(join(dir, name), content);
// A parquet file whose close column is text (one value not a number).
const db = await Db.open(':memory:');
await db.exec(`COPY (SELECT * FROM (VALUES
    (TIMESTAMP '2024-01-01', 'AAA', 10.0, 11.0, 9.0, '10.5', 100.0),
    (TIMESTAMP '2024-01-02', 'AAA', 10.5, 12.0, 10.0, 'abc', 120.0),
    (TIMESTAMP '2024-01-03', 'AAA', 11.0, 11.5, 10.5, '11.2', 90.0)) t(time, symbol, open, high, low, close, volume))
  TO ${sqlString(join(dir, 'wrong_typed.parquet'))} (FORMAT parquet)`);
db.close();
console.log(`wrote ${Object.keys(committedContents()).length + 1} files to ${dir}`);
