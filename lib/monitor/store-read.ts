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

/** When a value is the last good read of a store that is now locked by its writer: when it was read, its age, and why it is not fresh. */
export interface Staleness {
  /** ISO time of the last good read. */
  readAt: string;
  /** Age of that read at answer time, seconds. */
  ageS: number;
  reason: string;
}

/** Outcome of a read: the value (with `stale` when it is the last good read of a locked store), or why the store could not be read (absent file, locked by a writer, never read). */
export type StoreResult<T> = { ok: true; value: T; stale?: Staleness } | { ok: false; reason: string };

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}

// One in-memory DuckDB for all reads (threads=1: reads are small): each read ATTACHes the file READ_ONLY,
// runs, DETACHes. Creating an instance per read cost 150-400 ms on a loaded 2-core machine; an ATTACH costs far less.
let host: Promise<DuckDBConnection> | null = null;
let queue: Promise<unknown> = Promise.resolve();
let seq = 0;

function connection(): Promise<DuckDBConnection> {
  host ??= DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' }).then((i) => i.connect());
  return host;
}

/**
 * Opens `path` read-only, runs `fn`, closes the file. Reads run one at a time
 * (one connection, its default catalog switched to the attached file).
 * @returns `{ ok: false, reason }` when the file is missing ("no store at PATH") or cannot be opened (a writer holds it); errors thrown by `fn` propagate.
 */
export function readStore<T>(path: string, fn: (r: StoreReader) => Promise<T>): Promise<StoreResult<T>> {
  const run = queue.then(() => readOne(path, fn));
  queue = run.catch(() => undefined);
  return run;
}

// last good value per (what was read, file), for stores that are locked later (their writer is running)
const lastGood = new Map<string, { at: number; value: unknown }>();

/**
 * {@link readStore} that remembers each good read under `key` (what is read,
 * e.g. 'trades'; the file's path is added); when the store is locked by a
 * writer, the last good value comes back with `stale` (its time and age)
 * instead of nothing. Absent files are not covered (nothing to show).
 */
export async function readStoreOrLast<T>(key: string, path: string, fn: (r: StoreReader) => Promise<T>, now: () => number = Date.now): Promise<StoreResult<T>> {
  const k = `${key}\u0000${path}`;
  const res = await readStore(path, fn);
  if (res.ok) {
    lastGood.delete(k);
    lastGood.set(k, { at: now(), value: res.value });
    // bounded: filters (alpha text searches) make new keys; the oldest read goes first
    if (lastGood.size > 256) lastGood.delete(lastGood.keys().next().value!);
    return res;
  }
  const last = lastGood.get(k);
  if (!last || !res.reason.startsWith('locked')) return res;
  return { ok: true, value: last.value as T, stale: { readAt: new Date(last.at).toISOString(), ageS: Math.round((now() - last.at) / 100) / 10, reason: res.reason } };
}

async function readOne<T>(path: string, fn: (r: StoreReader) => Promise<T>): Promise<StoreResult<T>> {
  if (!existsSync(path)) return { ok: false, reason: `no store at ${path}` };
  const con = await connection();
  const alias = `store_${++seq}`;
  try {
    await con.run(`ATTACH '${path.replace(/'/g, "''")}' AS ${alias} (READ_ONLY)`);
  } catch (err) {
    const msg = (err as Error).message;
    return { ok: false, reason: /lock/i.test(msg) ? `locked: a running process is writing ${path}` : `cannot open ${path}: ${msg.split('\n')[0]}` };
  }
  let tables: Set<string> | null = null;
  const all = async (sql: string, params?: (string | number | boolean | null)[]) => {
    const res = await con.runAndReadAll(sql, params);
    return res.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
  };
  const reader: StoreReader = {
    all,
    async hasTable(name) {
      tables ??= new Set((await all('SELECT table_name AS t FROM information_schema.tables WHERE table_catalog = ?', [alias])).map((r) => String(r.t)));
      return tables.has(name);
    },
  };
  try {
    await con.run(`USE ${alias}`);
    return { ok: true, value: await fn(reader) };
  } finally {
    await con.run('USE memory');
    await con.run(`DETACH ${alias}`);
  }
}
