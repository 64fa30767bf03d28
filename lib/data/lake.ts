/**
 * Crash recovery of the parquet lake. An ingest writes its parquet file in
 * `<lake>/.staging/` (outside every dataset folder, so a user's
 * `read_parquet('<lake>/<dataset>/*.parquet')` never sees a half-written file),
 * and first records its intent there as `<pid>-<stamp>-<dataset>.json`: the
 * temp file, the final file, whether the final file already existed, and the
 * previous version's files to remove after the commit. A kill -9 at any point
 * leaves that record behind; the next ingest on the same catalog reads it and
 * finishes the work the catalog says was committed (removes the old files) or
 * undoes the work it says was not (removes the new file), then removes the temp
 * file and the record.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/index.js';
import { findDataset } from './catalog.js';

/** Folder under the lake that holds temp files and intent records. */
export const STAGING_DIR = '.staging';

/** An ingest's intent record. */
export interface PendingWrite {
  /** Process id of the writer. */
  readonly pid: number;
  /** Catalog database path the writer registers in. */
  readonly db: string;
  /** Dataset name. */
  readonly dataset: string;
  /** Temp parquet file (in the staging folder). */
  readonly tmp: string;
  /** Final parquet file (in the dataset folder). */
  readonly final: string;
  /** Whether the final file existed before (same content: never removed then). */
  readonly finalExisted: boolean;
  /** Files of the previous version, removed after the commit. */
  readonly old: readonly string[];
}

/** What {@link recoverLake} removed. */
export interface LakeRecovery {
  /** Files removed (temp files, uncommitted finals, superseded old versions, intent records). */
  readonly removed: readonly string[];
}

/** Whether a process with this id is running (EPERM: it runs under another user). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Names for a new staged write: `{ tmp, record }` paths in the staging folder
 * (created), carrying the pid so that recovery can tell live writers from dead.
 */
export function stagingPaths(lakeDir: string, dataset: string): { tmp: string; record: string } {
  const dir = join(lakeDir, STAGING_DIR);
  mkdirSync(dir, { recursive: true });
  const stem = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}-${dataset}`;
  return { tmp: join(dir, `${stem}.parquet`), record: join(dir, `${stem}.json`) };
}

/** Writes an intent record (atomically: temp name, then rename). */
export function writePending(record: string, p: PendingWrite): void {
  writeFileSync(`${record}.part`, JSON.stringify(p));
  renameSync(`${record}.part`, record);
}

/** Removes the staging folder when it is empty (an ingest that finished leaves nothing behind). */
export function tidyStaging(lakeDir: string): void {
  const dir = join(lakeDir, STAGING_DIR);
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // absent, or another writer staged a file meanwhile
  }
}

function rm(path: string, removed: string[]): void {
  if (existsSync(path)) {
    unlinkSync(path);
    removed.push(path);
  }
}

/**
 * Finishes or undoes the writes of dead ingest processes on this catalog (see the
 * module comment), and removes temp files of dead processes: staged files, and
 * `.tmp-<pid>-*.parquet` files that older versions left inside dataset folders.
 * Records of live processes and of other catalogs are left alone.
 * @returns the paths removed.
 */
export async function recoverLake(db: Db, lakeDir: string): Promise<LakeRecovery> {
  const removed: string[] = [];
  const staging = join(lakeDir, STAGING_DIR);
  const pidOf = (name: string): number | undefined => {
    const m = /^(\d+)-\d+-/.exec(name.replace(/^tmp_/, ''));
    return m ? Number(m[1]) : undefined;
  };
  if (existsSync(staging)) {
    const names = readdirSync(staging);
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const pid = pidOf(name);
      if (pid === undefined || alive(pid)) continue;
      const path = join(staging, name);
      let rec: PendingWrite;
      try {
        rec = JSON.parse(readFileSync(path, 'utf8')) as PendingWrite;
      } catch {
        rm(path, removed);
        continue;
      }
      if (rec.db !== db.path) continue;
      const entry = await findDataset(db, rec.dataset);
      const current = new Set(entry?.files ?? []);
      if (current.has(rec.final)) {
        for (const old of rec.old) if (!current.has(old)) rm(old, removed);
      } else if (!rec.finalExisted) {
        rm(rec.final, removed);
        const dir = join(lakeDir, rec.dataset);
        if (!entry && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
      }
      rm(rec.tmp, removed);
      rm(path, removed);
    }
    for (const name of readdirSync(staging)) {
      const pid = pidOf(name);
      if (name.endsWith('.json') || pid === undefined || alive(pid)) continue;
      // A staged file or partial record of a dead writer whose record is gone or unreadable.
      if (!existsSync(join(staging, name.replace(/^tmp_/, '').replace(/\.(parquet|json\.part)$/, '.json')))) rm(join(staging, name), removed);
    }
  }
  tidyStaging(lakeDir);
  if (existsSync(lakeDir)) {
    for (const ds of readdirSync(lakeDir, { withFileTypes: true })) {
      if (!ds.isDirectory() || ds.name === STAGING_DIR) continue;
      for (const name of readdirSync(join(lakeDir, ds.name))) {
        const m = /^\.tmp-(\d+)-\d+\.parquet$/.exec(name);
        if (m && !alive(Number(m[1]))) rm(join(lakeDir, ds.name, name), removed);
      }
    }
  }
  return { removed };
}
