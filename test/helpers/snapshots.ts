/** Byte-level snapshots of a lake folder and a catalog, to prove a rejected ingest changed nothing. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../lib/db/index.js';
import { CATALOG_TABLE } from '../../lib/data/index.js';

/** Every file under `lake` with its sha256 (the lake's full content). */
export function lakeSnapshot(lake: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    let names: string[] = [];
    try { names = readdirSync(d); } catch { return; }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(lake);
  return out;
}

/** Every catalog row as JSON, optionally without columns that change on every write (e.g. `ingested_at`). */
export async function catalogSnapshot(db: Db, exclude: readonly string[] = []): Promise<string> {
  const cols = exclude.length ? `* EXCLUDE (${exclude.join(', ')})` : '*';
  return JSON.stringify(await db.all(`SELECT ${cols} FROM ${CATALOG_TABLE} ORDER BY name`), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
