/**
 * The kill switch as a file: `alphalab trade stop` (or the dashboard, or a
 * person with `touch`) writes a STOP file next to the journal; the engine
 * polls it at every bar and goes HALTED at once. The file's first line is
 * `halt` or `flatten` (also close every position), then who and when.
 * Remove the file (`alphalab trade stop --clear`) before trading again.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { KillRequest } from './engine.js';

/** The STOP file of a journal: `<journal path>.STOP` (`:memory:` journals use `./alphalab-trade.STOP`). */
export function stopFilePath(journalPath: string): string {
  return journalPath === ':memory:' ? 'alphalab-trade.STOP' : `${journalPath}.STOP`;
}

/** Writes the STOP file (atomic enough for a one-line file: written whole, then polled). */
export function writeStopFile(path: string, flatten: boolean, source: string): void {
  writeFileSync(path, `${flatten ? 'flatten' : 'halt'}\n${source}\n${new Date().toISOString()}\n`);
}

/** Removes the STOP file; returns whether there was one. */
export function clearStopFile(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/** Reads the STOP file: null when absent, otherwise the request it holds. */
export function readStopFile(path: string): KillRequest | null {
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'utf8').split('\n');
  return { flatten: lines[0]?.trim() === 'flatten', source: `STOP file ${path}${lines[1] ? ` (${lines[1].trim()})` : ''}` };
}

/** A kill-switch poller for `runReplay` / the live loop: checks the file at most every `everyMs` of wall time (default 0: every call). */
export function stopFileSwitch(path: string, everyMs = 0): () => KillRequest | null {
  let last = -Infinity, cached: KillRequest | null = null;
  return () => {
    const now = Date.now();
    if (now - last >= everyMs) {
      last = now;
      cached = readStopFile(path);
    }
    return cached;
  };
}
