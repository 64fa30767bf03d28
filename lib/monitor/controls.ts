/**
 * Commands the dashboard sends, as files (the processes it controls poll
 * them; the dashboard never calls into a running engine):
 * - stop: the trading kill switch, the journal's STOP file written by lib/trade's
 *   own helper (`writeStopFile`), honoured by the engine at its next bar;
 * - pause / resume: a PAUSE file in the control folder (`data/control/PAUSE`);
 *   the orchestrator (lib/jobs, `pauseFile`) starts no component run while it exists;
 * - generate / mine / submit: a request file in `data/control/requests/`
 *   (lib/jobs/requests.ts), run once by the orchestrator (any long-running
 *   mode, or `--mode requests`), which records done / failed with the job id;
 * - force exit: a request file next to a trading journal (lib/trade/requests.ts),
 *   honoured by the engine at its next bar through the normal order path.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { clearStopFile, stopFilePath, writeStopFile, writeForceExit, type ForceExitRequest } from '../trade/index.js';
import { enqueueRequest as enqueueJobRequest, listRequests, queuedRequests, type RequestRecord } from '../jobs/index.js';
import type { MonitorPaths } from './paths.js';

/** The PAUSE file: present = research loop and miners asked to pause. */
export function pauseFilePath(paths: MonitorPaths): string {
  return join(paths.control, 'PAUSE');
}

/** Who acts on PAUSE and request files today, said in every answer (honest "not wired"). */
export const PAUSE_CONSUMER = 'the orchestrator starts no generator, miner or submitter run while the PAUSE file exists (runs in progress finish)';
/** Said with every queued request. */
export const REQUEST_CONSUMER = 'the orchestrator (`alphalab orchestrator`, any long-running mode or --mode requests) runs it once, when a slot is free and not paused; its state is at /api/v1/requests';

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

export { REQUEST_KINDS, type RequestKind } from '../jobs/index.js';

/** The request folder: `<control>/requests`. */
export function requestsDir(paths: MonitorPaths): string {
  return join(paths.control, 'requests');
}

/**
 * Queues a generate / mine / submit request (lib/jobs `enqueueRequest`: validated, written atomically).
 * @throws Error naming the kind or parameter when invalid
 */
export function queueControlRequest(paths: MonitorPaths, kind: string, params: Record<string, unknown>, source: string): { queued: true; id: string; kind: string; file: string; note: string; request: RequestRecord } {
  const rec = enqueueJobRequest(requestsDir(paths), kind, params, source);
  return { queued: true, id: rec.id, kind: rec.kind, file: join(requestsDir(paths), `${rec.id}.json`), note: REQUEST_CONSUMER, request: rec };
}

/** Queued (not yet claimed) request files, oldest first. */
export function pendingRequests(paths: MonitorPaths): string[] {
  return queuedRequests(requestsDir(paths)).map((id) => join(requestsDir(paths), `${id}.json`));
}

/** Every request with its state (queued, running, done, failed, interrupted), newest first. */
export function readRequests(paths: MonitorPaths, limit = 100): RequestRecord[] {
  return listRequests(requestsDir(paths), limit);
}

/**
 * Force exit (freqtrade's `forceexit`): writes a request next to one journal
 * (or each, by default) to close `symbol`'s position, or every position with 'all'.
 * @throws Error when a named journal is not among `journals`, or the symbol is not a plain symbol
 */
export function forceExit(journals: string[], o: { symbol: string; journal?: string; source: string }): { journal: string; request: ForceExitRequest }[] {
  const chosen = o.journal ? journals.filter((p) => basename(p, '.duckdb') === o.journal) : journals;
  if (o.journal && chosen.length === 0) throw new Error(`forceexit: no journal named "${o.journal}"`);
  if (chosen.length === 0) throw new Error('forceexit: no trading journal');
  return chosen.map((p) => ({ journal: basename(p, '.duckdb'), request: writeForceExit(p, o.symbol, o.source) }));
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
