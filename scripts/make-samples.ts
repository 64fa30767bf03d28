/**
 * Builds the bundled samples under data/samples/ from the shared data folder (lib/db sharedDataDir) with DuckDB
 * (zstd parquet, values exactly as in the source: empty fields stay NULL = missing).
 * Run once: `node_modules/.bin/tsx scripts/make-samples.ts [sourceDir]`. Prints the
 * row counts, ranges and sha256 of source and output for data/samples/PROVENANCE.md.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Db, projectRoot, sharedDataDir, sqlString } from '../lib/db/index.js';

const SRC = process.argv[2] ?? sharedDataDir();
const OUT = join(projectRoot(), 'data', 'samples');
mkdirSync(OUT, { recursive: true });

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

const db = await Db.open(':memory:');
const jobs = [
  {
    out: 'sp500_daily_2013_2018.parquet',
    src: 'us_sp500_5yr_daily_2013_2018.csv.gz',
    sql: (p: string) => `SELECT CAST(date AS TIMESTAMP) AS time, Name AS symbol, open, high, low, close, volume
      FROM read_csv(${p}, header=true, auto_detect=false, columns={'date':'DATE','open':'DOUBLE','high':'DOUBLE','low':'DOUBLE','close':'DOUBLE','volume':'DOUBLE','Name':'VARCHAR'})
      ORDER BY symbol, time`,
  },
  {
    out: 'binance_perp_1h_2024_2026.parquet',
    src: 'crypto_binance_usdm_perp_1h_2024_2026.csv.gz',
    sql: (p: string) => `SELECT date AS time, symbol, open, high, low, close, volume
      FROM read_csv(${p}, header=true, auto_detect=false, columns={'date':'TIMESTAMP','symbol':'VARCHAR','open':'DOUBLE','high':'DOUBLE','low':'DOUBLE','close':'DOUBLE','volume':'DOUBLE'})
      ORDER BY symbol, time`,
  },
  {
    out: 'binance_perp_funding_2024_2026.parquet',
    src: 'crypto_binance_usdm_perp_funding_2024_2026.csv.gz',
    sql: (p: string) => `SELECT date AS time, symbol, funding_rate
      FROM read_csv(${p}, header=true, auto_detect=false, columns={'date':'TIMESTAMP','symbol':'VARCHAR','funding_rate':'DOUBLE'})
      ORDER BY symbol, time`,
  },
];
for (const job of jobs) {
  const src = join(SRC, job.src);
  const out = join(OUT, job.out);
  await db.exec(`COPY (${job.sql(sqlString(src))}) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19, ROW_GROUP_SIZE 122880)`);
  const s = await db.one(`SELECT count(*) AS n, count(DISTINCT symbol) AS symbols, min(time)::VARCHAR AS first, max(time)::VARCHAR AS last FROM read_parquet(${sqlString(out)})`);
  console.log(JSON.stringify({ file: job.out, source: job.src, ...s, bytes: statSync(out).size, sha256: await sha256(out), source_sha256: await sha256(src) }));
}
db.close();
