/**
 * Crash-safe JSON files: write to a temporary file in the same folder, fsync
 * it, rename it over the target (rename(2) is atomic on POSIX file systems),
 * then fsync the folder so the rename itself is durable. A kill -9 at any
 * moment leaves either the old or the new complete file, never a half one.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * Writes `value` as pretty JSON to `path` atomically (see the module comment).
 * @throws Error from the file system (no space, permissions); the old file is then left as it was.
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${counter++}`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* some file systems do not allow fsync on a folder; the rename is still atomic */
  }
}

/** Removes temporary files a killed writer of `path` left behind (`.<name>.tmp-*`). Returns how many were removed. */
export function removeStaleTemps(path: string): number {
  const dir = dirname(path);
  if (!existsSync(dir)) return 0;
  const prefix = `.${basename(path)}.tmp-`;
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    try {
      unlinkSync(join(dir, f));
      n++;
    } catch {
      /* raced with another cleaner */
    }
  }
  return n;
}

/**
 * Reads and parses a JSON file.
 * @returns undefined when the file does not exist.
 * @throws Error naming the file when it is not valid JSON.
 */
export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}
