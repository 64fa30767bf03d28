/**
 * Shared by the venue verbs (`bin/brain.ts`, `bin/venues.ts`): the library
 * loaded only when a verb runs (registering the verbs costs `alphalab start`
 * no DuckDB, polars or @solana/kit load), the one-line JSON output, and the
 * database handle of a command.
 */
import { resolve } from 'node:path';
import type { Db } from '../lib/db/index.js';
import type { VenueError } from '../lib/venues/index.js';

const loadLib = async () => ({ ...(await import('../lib/db/index.js')), ...(await import('../lib/venues/index.js')) });

/** lib/db + lib/venues, set by {@link ensureLib} (an ES module live binding). */
export let L!: Awaited<ReturnType<typeof loadLib>>;

/** Loads the library once; call first in every action. */
export async function ensureLib(): Promise<void> {
  L ??= await loadLib();
}

/** Whether an error is a VenueError (by name: usable before the library is loaded). */
export const isVenueError = (e: unknown): e is VenueError => e instanceof Error && e.name === 'VenueError';

/** Options every venue verb takes. */
export interface CliCommon {
  db?: string;
  json?: boolean;
}

/** JSON with bigints as strings and non-finite numbers as null. */
export const toJson = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : typeof x === 'number' && !Number.isFinite(x) ? null : x));

/** With --json one JSON line, else the text. */
export function out(o: CliCommon, json: unknown, text: string): void {
  process.stdout.write(o.json ? `${toJson(json)}\n` : `${text}\n`);
}

/** Runs `fn` with the command's database (--db or data/quant.duckdb), closed after. */
export async function withDb<T>(o: CliCommon, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await L.Db.open(o.db ? resolve(o.db) : L.defaultDbPath());
  try {
    return await fn(db);
  } finally {
    db.close();
    L.Db.closeAll();
  }
}
