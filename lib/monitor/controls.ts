/**
 * Commands the dashboard sends, as files (the processes it controls poll
 * them; the dashboard never calls into a running engine):
 * - stop: the trading kill switch, the journal's STOP file written by lib/trade's
 *   own helper (`writeStopFile`), honoured by the engine at its next bar;
 * - pause / resume: a PAUSE file in the control folder (`data/control/PAUSE`);
 *   the orchestrator (lib/jobs, `pauseFile`) starts no component run while it exists;
 * - generate / mine / submit: a request file in `data/control/requests/`,
 *   for a consumer to pick up. No process reads request files yet (the
 *   orchestrator schedules its own runs); the answers say so.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { clearStopFile, stopFilePath, writeStopFile } from '../trade/index.js';
import type { MonitorPaths } from './paths.js';

/** The PAUSE file: present = research loop and miners asked to pause. */
export function pauseFilePath(paths: MonitorPaths): string {
  return join(paths.control, 'PAUSE');
}

/** Who acts on PAUSE and request files today, said in every answer (honest "not wired"). */
export const PAUSE_CONSUMER = 'the orchestrator starts no generator, miner or submitter run while the PAUSE file exists (runs in progress finish)';
/** Said with every queued request. */
export const REQUEST_CONSUMER = 'no running process reads request files yet: the orchestrator runs its own schedule; the request stays queued for a consumer';

/** Writes the PAUSE file. Returns whether it was already there. */
export function pause(paths: MonitorPaths, source: string): { paused: true; already: boolean; file: string; note: string } {
  const file = pauseFilePath(paths);
  const already = existsSync(file);
  mkdirSync(paths.control, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ source, at: new Date().toISOString() })}\n`);
  return { paused: true, already, file, note: PAUSE_CONSUMER };
}

/** Removes the PAUSE file. */
export function resume(paths: MonitorPaths): { paused: false; was: boolean; file: string } {
  const file = pauseFilePath(paths);
  const was = existsSync(file);
  if (was) rmSync(file);
  return { paused: false, was, file };
}

/** Kinds of request a consumer may pick up. */
export const REQUEST_KINDS = ['generate', 'mine', 'submit'] as const;
/** One of {@link REQUEST_KINDS}. */
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Queues a request file (written to a temp name, then renamed: a reader never sees half a file). */
export function enqueueRequest(paths: MonitorPaths, kind: RequestKind, params: Record<string, unknown>, source: string): { queued: true; kind: RequestKind; file: string; note: string } {
  if (!REQUEST_KINDS.includes(kind)) throw new Error(`unknown request kind "${String(kind)}" (${REQUEST_KINDS.join(', ')})`);
  const dir = join(paths.control, 'requests');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}-${kind}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ kind, params, source, at: new Date().toISOString() })}\n`);
  renameSync(`${file}.tmp`, file);
  return { queued: true, kind, file, note: REQUEST_CONSUMER };
}

/** Pending request files, oldest first. */
export function pendingRequests(paths: MonitorPaths): string[] {
  const dir = join(paths.control, 'requests');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f)) : [];
}

/**
 * The kill switch: writes (or with `clear` removes) the STOP file of each
 * journal given (default: every journal the dashboard sees).
 * @throws Error when a named journal is not among `journals`
 */
export function stopTrading(journals: string[], o: { journal?: string; flatten?: boolean; clear?: boolean; source: string }): { journal: string; stopFile: string; action: 'halt' | 'flatten' | 'cleared' | 'nothing to clear' }[] {
  const chosen = o.journal ? journals.filter((p) => basename(p, '.duckdb') === o.journal) : journals;
  if (o.journal && chosen.length === 0) throw new Error(`stop: no journal named "${o.journal}"`);
  return chosen.map((p) => {
    const f = stopFilePath(p);
    if (o.clear) return { journal: basename(p, '.duckdb'), stopFile: f, action: clearStopFile(f) ? 'cleared' as const : 'nothing to clear' as const };
    writeStopFile(f, !!o.flatten, o.source);
    return { journal: basename(p, '.duckdb'), stopFile: f, action: o.flatten ? 'flatten' as const : 'halt' as const };
  });
}
