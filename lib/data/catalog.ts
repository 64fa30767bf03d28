/**
 * The dataset catalog: one DuckDB table `data_catalog` (one row per dataset)
 * describing the parquet files of each dataset in the lake
 * (`defaultLakeDir()/<dataset>/part-<checksum>.parquet`).
 */
import { listValue } from '@duckdb/node-api';
import { Db } from '../db/index.js';
import type { Frequency } from './panel.js';
import type { QualityReport } from './validate.js';

/** Name of the catalog table. */
export const CATALOG_TABLE = 'data_catalog';

/** One source file of a dataset. */
export interface SourceFile {
  /** Absolute path at ingest time. */
  readonly path: string;
  /** sha256 (hex) of the file's bytes. */
  readonly sha256: string;
  /** File size in bytes. */
  readonly bytes: number;
}

/** A catalog entry. */
export interface DatasetEntry {
  /** Dataset name (catalog key, folder name in the lake). */
  readonly name: string;
  /** 'bars' (OHLCV), 'funding' (funding events joined into the bars dataset `attachTo` at load) or 'open_interest' (open interest history attached to `attachTo`; stored and queryable, not joined into panels yet). */
  readonly kind: 'bars' | 'funding' | 'open_interest';
  /** Bar frequency (for funding: the frequency of the bars it attaches to). */
  readonly frequency: Frequency;
  /** Market kind. */
  readonly market: 'equity' | 'crypto';
  /** For funding datasets: the bars dataset it is joined into. */
  readonly attachTo: string | null;
  /** Source files with their checksums. */
  readonly sources: readonly SourceFile[];
  /** Input checksum: the sources' sha256 joined by ','. */
  readonly checksum: string;
  /** Options that shaped the stored rows (policy, dropWarnings), as a canonical string. */
  readonly options: string;
  /** Parquet files of the dataset (absolute paths). */
  readonly files: readonly string[];
  /** Symbols, sorted. */
  readonly symbols: readonly string[];
  /** First / last time (ISO UTC). */
  readonly firstTime: string | null;
  readonly lastTime: string | null;
  /** Rows stored. */
  readonly rowCount: number;
  /** Rows dropped at ingest. */
  readonly rowsDropped: number;
  /** Ingest time (ISO UTC). */
  readonly ingestedAt: string;
  /** The data-quality report of the ingest. */
  readonly quality: QualityReport;
}

const keyed = new WeakSet<Db>();

/**
 * Creates the catalog table if missing, with `name` as its primary key (one row
 * per dataset name). A catalog created before the key existed gets it added.
 * @throws Error naming the dataset when an older catalog holds two rows of one
 *   name (left by concurrent ingests before the key existed): remove one first.
 */
export async function ensureCatalog(db: Db): Promise<void> {
  if (keyed.has(db)) return;
  await db.exec(`CREATE TABLE IF NOT EXISTS ${CATALOG_TABLE} (
    name VARCHAR NOT NULL PRIMARY KEY,
    kind VARCHAR NOT NULL,
    frequency VARCHAR NOT NULL,
    market VARCHAR NOT NULL,
    attach_to VARCHAR,
    sources VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,
    options VARCHAR NOT NULL,
    files VARCHAR[] NOT NULL,
    symbols VARCHAR[] NOT NULL,
    n_symbols INTEGER NOT NULL,
    first_time TIMESTAMP,
    last_time TIMESTAMP,
    row_count BIGINT NOT NULL,
    rows_dropped BIGINT NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    quality VARCHAR NOT NULL
  )`);
  const pk = await db.one(`SELECT 1 AS k FROM duckdb_constraints() WHERE table_name = '${CATALOG_TABLE}' AND constraint_type = 'PRIMARY KEY'`);
  if (!pk) {
    const dup = await db.one<{ name: string; n: number }>(`SELECT name, count(*) AS n FROM ${CATALOG_TABLE} GROUP BY name HAVING count(*) > 1 ORDER BY name LIMIT 1`);
    if (dup) throw new Error(`catalog ${db.path}: dataset "${dup.name}" has ${dup.n} rows (left by concurrent ingests); delete the extra rows (DELETE FROM ${CATALOG_TABLE} WHERE name = '${dup.name}' AND ...) or re-ingest`);
    await db.exec(`ALTER TABLE ${CATALOG_TABLE} ADD PRIMARY KEY (name)`);
  }
  keyed.add(db);
}

interface CatalogRow {
  name: string; kind: string; frequency: string; market: string; attach_to: string | null; sources: string; checksum: string; options: string;
  files: string[]; symbols: string[]; first_time: string | null; last_time: string | null; row_count: number; rows_dropped: number; ingested_at: string; quality: string;
}

const SELECT = `SELECT name, kind, frequency, market, attach_to, sources, checksum, options, files, symbols,
  strftime(first_time, '%Y-%m-%dT%H:%M:%SZ') AS first_time, strftime(last_time, '%Y-%m-%dT%H:%M:%SZ') AS last_time,
  row_count, rows_dropped, strftime(ingested_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS ingested_at, quality FROM ${CATALOG_TABLE}`;

function toEntry(r: CatalogRow): DatasetEntry {
  return {
    name: r.name,
    kind: r.kind as DatasetEntry['kind'],
    frequency: r.frequency as Frequency,
    market: r.market as DatasetEntry['market'],
    attachTo: r.attach_to,
    sources: JSON.parse(r.sources) as SourceFile[],
    checksum: r.checksum,
    options: r.options,
    files: [...r.files],
    symbols: [...r.symbols],
    firstTime: r.first_time,
    lastTime: r.last_time,
    rowCount: Number(r.row_count),
    rowsDropped: Number(r.rows_dropped),
    ingestedAt: r.ingested_at,
    quality: JSON.parse(r.quality) as QualityReport,
  };
}

/** All catalog entries, sorted by name (empty when the catalog table does not exist yet). */
export async function listDatasets(db: Db): Promise<DatasetEntry[]> {
  await ensureCatalog(db);
  return (await db.all<CatalogRow & Record<string, unknown>>(`${SELECT} ORDER BY name`)).map(toEntry);
}

/** The catalog entry of `name`, or undefined. */
export async function findDataset(db: Db, name: string): Promise<DatasetEntry | undefined> {
  await ensureCatalog(db);
  const r = await db.one<CatalogRow & Record<string, unknown>>(`${SELECT} WHERE name = ?`, [name]);
  return r ? toEntry(r) : undefined;
}

/**
 * The catalog entry of `name`.
 * @throws Error naming the dataset and listing the datasets that exist.
 */
export async function getDataset(db: Db, name: string): Promise<DatasetEntry> {
  const e = await findDataset(db, name);
  if (!e) {
    const names = (await listDatasets(db)).map((d) => d.name);
    throw new Error(`dataset "${name}" is not in the catalog ${db.path}; datasets: ${names.length ? names.join(', ') : '(none: run the ingest, e.g. ingestBundled())'}`);
  }
  return e;
}

/** The funding dataset attached to bars dataset `name`, if any. */
export async function findFundingFor(db: Db, name: string): Promise<DatasetEntry | undefined> {
  await ensureCatalog(db);
  const r = await db.one<CatalogRow & Record<string, unknown>>(`${SELECT} WHERE kind = 'funding' AND attach_to = ? ORDER BY name LIMIT 1`, [name]);
  return r ? toEntry(r) : undefined;
}

/** Writes (replaces) the catalog row of `e.name`. Call inside a transaction together with the file rename. */
export async function putDataset(db: Db, e: Omit<DatasetEntry, 'ingestedAt'>): Promise<void> {
  await ensureCatalog(db);
  await db.exec(`DELETE FROM ${CATALOG_TABLE} WHERE name = ?`, [e.name]);
  // Lists go in as parameters, never spliced into SQL (a symbol may hold any character).
  const list = (xs: readonly string[], name: string): string => (xs.length ? `$${name}::VARCHAR[]` : '[]::VARCHAR[]');
  const lists: Record<string, ReturnType<typeof listValue>> = {};
  if (e.files.length) lists.files = listValue([...e.files]);
  if (e.symbols.length) lists.symbols = listValue([...e.symbols]);
  await db.exec(
    `INSERT INTO ${CATALOG_TABLE} VALUES ($name, $kind, $frequency, $market, $attach_to, $sources, $checksum, $options,
      ${list(e.files, 'files')}, ${list(e.symbols, 'symbols')}, $n_symbols, CAST($first_time AS TIMESTAMP), CAST($last_time AS TIMESTAMP),
      $row_count, $rows_dropped, CAST($ingested_at AS TIMESTAMP), $quality)`,
    {
      name: e.name, kind: e.kind, frequency: e.frequency, market: e.market, attach_to: e.attachTo, sources: JSON.stringify(e.sources),
      checksum: e.checksum, options: e.options, n_symbols: e.symbols.length, first_time: e.firstTime?.replace('Z', '') ?? null,
      last_time: e.lastTime?.replace('Z', '') ?? null, row_count: e.rowCount, rows_dropped: e.rowsDropped, quality: JSON.stringify(e.quality),
      ingested_at: new Date().toISOString().replace('Z', ''), ...lists,
    },
  );
}
