/**
 * Force exit (freqtrade's `forceexit`) as files next to the journal, like the
 * STOP file (killswitch.ts): the dashboard (`POST /api/v1/forceexit`) or a
 * person writes `<journal>.requests/<id>.json` = `{ id, symbol, source, at }`
 * (`symbol` a traded symbol or 'all'); the engine, at the open of its next
 * bar ({@link forceExitHook}), closes that position with a reduce-only market
 * order through the normal order path (pre-trade risk checks, intent and fill
 * journaled, trade reason 'force_exit'), then moves the file to
 * `<journal>.requests/done/<id>.json` with the outcome.
 *
 * Crash-only: the order's client id is deterministic (run tag, bar, asset),
 * and a request stays pending until its outcome is written. A restart after
 * a kill -9 resumes at the journal's cursor bar and handles the request
 * again: a position already closed (its fill imported from the venue) is
 * flat and nothing is sent; an order sent but unconfirmed has the same client
 * id, and the venue returns it instead of executing it again.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ForceExitOutcome, TradingEngine } from './engine.js';

/** A force-exit request as stored. */
export interface ForceExitRequest {
  /** File name without `.json` (sorts by time). */
  id: string;
  /** A symbol the strategy trades, or 'all'. */
  symbol: string;
  /** Who asked ('dashboard', 'cli', ...). */
  source: string;
  /** ISO time it was written. */
  at: string;
}

/** A handled request: the request plus what the engine did, per symbol. */
export interface ForceExitDone extends ForceExitRequest {
  /** ISO time and bar it was handled at. */
  handledAt: string;
  bar: number;
  outcomes: ForceExitOutcome[];
  /** Why it could not be handled (e.g. a symbol the strategy does not trade). */
  error?: string;
}

/** The request folder of a journal: `<journal path>.requests` (`:memory:` journals use `./alphalab-trade.requests`). */
export function forceExitDir(journalPath: string): string {
  return journalPath === ':memory:' ? 'alphalab-trade.requests' : `${journalPath}.requests`;
}

/** Requests written by this process so far: orders two requests written in the same millisecond (file names sort oldest first). */
let writtenInProcess = 0;

/**
 * Writes a force-exit request (to a temp name, then renamed). Its id is
 * `<epoch ms>-<pid>-<6-digit sequence of this process>-<random>`, so requests
 * one process writes are handled in the order it wrote them, even within one
 * millisecond.
 * @throws Error when `symbol` is empty or not a plain symbol ([A-Za-z0-9_.:/-], at most 40 characters)
 */
export function writeForceExit(journalPath: string, symbol: string, source: string, now: number = Date.now()): ForceExitRequest {
  if (typeof symbol !== 'string' || !/^[A-Za-z0-9_.:/-]{1,40}$/.test(symbol)) throw new Error(`forceexit: "symbol" must be a traded symbol or "all", got ${JSON.stringify(symbol)}`);
  const dir = forceExitDir(journalPath);
  mkdirSync(dir, { recursive: true });
  const req: ForceExitRequest = { id: `${now}-${process.pid}-${String(writtenInProcess++).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`, symbol, source, at: new Date(now).toISOString() };
  const file = join(dir, `${req.id}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(req)}\n`);
  renameSync(`${file}.tmp`, file);
  return req;
}

const jsonFiles = (d: string) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')).sort() : []);

/** Pending force-exit requests of a journal, oldest first (a file that is not JSON is returned with symbol '' and fails when handled). */
export function pendingForceExits(journalPath: string): ForceExitRequest[] {
  const dir = forceExitDir(journalPath);
  return jsonFiles(dir).map((f) => {
    const id = f.slice(0, -5);
    try {
      return { source: '', at: '', ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Partial<ForceExitRequest>), id } as ForceExitRequest;
    } catch {
      return { id, symbol: '', source: `unreadable file ${join(dir, f)}`, at: '' };
    }
  });
}

/** Handled force-exit requests of a journal, oldest first. */
export function doneForceExits(journalPath: string): ForceExitDone[] {
  const dir = join(forceExitDir(journalPath), 'done');
  return jsonFiles(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ForceExitDone);
}

/**
 * The engine hook of `runReplay` (`onBarOpen`) that honours the journal's
 * force-exit requests at the open of each bar (see the module comment).
 * Checks the folder at most every `everyMs` of wall time (default 0: every bar).
 */
export function forceExitHook(journalPath: string, everyMs = 0): (engine: TradingEngine, bar: number, prices: Float64Array, time: number) => Promise<void> {
  const dir = forceExitDir(journalPath);
  let last = -Infinity;
  return async (engine, bar, prices, time) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    if (!existsSync(dir)) return;
    for (const req of pendingForceExits(journalPath)) {
      let outcomes: ForceExitOutcome[] = [], error: string | undefined;
      try {
        if (req.symbol === '') throw new Error(req.source);
        outcomes = await engine.forceExit(req.symbol, prices, `force exit ${req.id}${req.source ? ` (${req.source})` : ''}`);
      } catch (err) {
        error = (err as Error).message;
      }
      const done: ForceExitDone = { ...req, handledAt: new Date(time).toISOString(), bar, outcomes, ...(error ? { error } : {}) };
      mkdirSync(join(dir, 'done'), { recursive: true });
      const to = join(dir, 'done', `${req.id}.json`);
      writeFileSync(`${to}.tmp`, `${JSON.stringify(done)}\n`);
      renameSync(`${to}.tmp`, to);
      // the pending file goes last: a crash before this line handles the request again (idempotent, see above)
      rmSync(join(dir, `${req.id}.json`), { force: true });
    }
  };
}
