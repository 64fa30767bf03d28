/**
 * Read-only access to the project's DuckDB stores for the dashboard. DuckDB
 * allows one writer process per file; the dashboard never writes a store, it
 * opens the file READ_ONLY for one read and closes it at once, so a trader or
 * orchestrator started later can still take the file. A file held by a
 * running writer cannot be opened: the reader reports that ("locked: a
 * process is writing it") instead of failing the whole page.
 */
import { existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** One row with BIGINTs made numbers when safe and timestamps as ISO strings. */
export type StoreRow = Record<string, unknown>;

/** A reader over one open connection (valid only inside {@link readStore}'s callback). */
export interface StoreReader {
  /** Runs a query and returns plain rows. */
  all(sql: string, params?: (string | number | boolean | null)[]): Promise<StoreRow[]>;
  /** Whether a table exists (stores create their tables lazily). */
  hasTable(name: string): Promise<boolean>;
}

/** Outcome of a read: the value, or why the store could not be read (absent file, locked by a writer). */
export type StoreResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}

/**
 * Opens `path` read-only, runs `fn`, closes the file.
 * @returns `{ ok: false, reason }` when the file is missing ("no store at PATH") or cannot be opened (a writer holds it); errors thrown by `fn` propagate.
 */
export async function readStore<T>(path: string, fn: (r: StoreReader) => Promise<T>): Promise<StoreResult<T>> {
  if (!existsSync(path)) return { ok: false, reason: `no store at ${path}` };
  let inst: DuckDBInstance, con: DuckDBConnection;
  try {
    inst = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    con = await inst.connect();
  } catch (err) {
    const msg = (err as Error).message;
    return { ok: false, reason: /lock/i.test(msg) ? `locked: a running process is writing ${path}` : `cannot open ${path}: ${msg.split('\n')[0]}` };
  }
  const reader: StoreReader = {
    async all(sql, params) {
      const res = await con.runAndReadAll(sql, params);
      return res.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
    },
    async hasTable(name) {
      const r = await con.runAndReadAll('SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?', [name]);
      return Number(r.getRowObjectsJS()[0]!['n']) > 0;
    },
  };
  try {
    return { ok: true, value: await fn(reader) };
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}
