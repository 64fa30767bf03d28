/**
 * Requested jobs (the dashboard's Generate / Mine / Submit buttons, or a file
 * written by hand): a folder of request files that the orchestrator runs,
 * each at most once, even across a kill -9 of the orchestrator.
 *
 * Layout of the folder (default `data/control/requests/`), every write to a
 * temp name then renamed (a reader never sees half a file):
 * - `<id>.json`          queued: `{ kind, params, source, at }`;
 * - `running/<id>.json`  claimed by an orchestrator (an atomic rename of the
 *                        queued file: two orchestrators cannot both claim it),
 *                        then rewritten with the job id and start time;
 * - `done/<id>.json`     finished: state `done`, `failed` or `interrupted`,
 *                        job id, times, the job's result line or the error.
 *
 * Crash-only: a request is claimed (renamed) before its job starts. An
 * orchestrator killed while the job runs leaves it in `running/`; the next
 * orchestrator ({@link recoverRequests}) marks it `interrupted` and does NOT
 * run it again (at most once: a half-run mining batch or submission is not
 * repeated behind the user's back; the submitter's own ledger also refuses a
 * second submission of a key). A request left both in `running/` and `done/`
 * (killed between the two writes) is finished: the `running/` copy is removed.
 *
 * No domain imports: what a kind runs is decided by bin/ (the orchestrator's
 * request spec).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Kinds of request, and the orchestrator component each runs. */
export const REQUEST_KINDS = ['generate', 'mine', 'submit'] as const;
/** One of {@link REQUEST_KINDS}. */
export type RequestKind = (typeof REQUEST_KINDS)[number];
/** The component a request kind runs (lib/jobs `ComponentName`). */
export const REQUEST_COMPONENT: Readonly<Record<RequestKind, 'generator' | 'miner' | 'submitter'>> = { generate: 'generator', mine: 'miner', submit: 'submitter' };

/** Parameters a request may carry (all optional; absent = the orchestrator's own setting). */
export interface RequestParams {
  /** generate / mine: iterations of the batch (generate 1..50, mine 1..500). */
  iterations?: number;
  /** generate / mine: dataset name (catalog name, [A-Za-z0-9_.-]). */
  dataset?: string;
  /** submit: at most this many submissions in this run (1..100); the daily limit of the ledger still applies. */
  limit?: number;
}

/** Life cycle of a request. */
export type RequestState = 'queued' | 'running' | 'done' | 'failed' | 'interrupted';

/** One request as stored (every field but `id` and `state` is in the file). */
export interface RequestRecord {
  /** File name without `.json` (`<ms>-<pid>-<random>-<kind>`, sorts by queue time). */
  id: string;
  kind: RequestKind;
  params: RequestParams;
  /** Who queued it ('dashboard', 'cli', ...). */
  source: string;
  /** ISO time it was queued. */
  at: string;
  state: RequestState;
  /** The job that ran it: `<component>@<ISO start>` (the start time of the run recorded in job_state / job_runs). */
  jobId?: string;
  startedAt?: string;
  endedAt?: string;
  /** PID of the orchestrator that claimed it, and of each child process of its job. */
  orchestratorPid?: number;
  pids?: number[];
  /** The job's result line (JSON printed by the worker), when it printed one. */
  result?: unknown;
  /** Why it failed or was interrupted. */
  error?: string;
}

const LIMITS: Record<string, [number, number]> = { 'generate.iterations': [1, 50], 'mine.iterations': [1, 500], 'submit.limit': [1, 100] };
const ALLOWED: Record<RequestKind, readonly string[]> = { generate: ['iterations', 'dataset'], mine: ['iterations', 'dataset'], submit: ['limit'] };

/**
 * Checks a request's parameters.
 * @returns the parameters with only known keys
 * @throws Error naming the kind and field (unknown kind or key, integer out of range, bad dataset name)
 */
export function validateRequest(kind: string, params: Record<string, unknown>): { kind: RequestKind; params: RequestParams } {
  if (!(REQUEST_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown request kind "${kind}" (${REQUEST_KINDS.join(', ')})`);
  const k = kind as RequestKind;
  const out: RequestParams = {};
  for (const [key, v] of Object.entries(params ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    if (!ALLOWED[k].includes(key)) throw new Error(`request ${k}: unknown parameter "${key}" (${ALLOWED[k].join(', ') || 'none'})`);
    if (key === 'dataset') {
      if (typeof v !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(v)) throw new Error(`request ${k}: "dataset" must be a dataset name [A-Za-z0-9_.-], got ${JSON.stringify(v)}`);
      out.dataset = v;
      continue;
    }
    const [lo, hi] = LIMITS[`${k}.${key}`]!;
    const x = typeof v === 'string' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) throw new Error(`request ${k}: "${key}" must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
    (out as Record<string, number>)[key] = x;
  }
  return { kind: k, params: out };
}

function writeAtomic(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value)}\n`);
  renameSync(`${file}.tmp`, file);
}

const runningDir = (dir: string) => join(dir, 'running');
const doneDir = (dir: string) => join(dir, 'done');
const ids = (d: string) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => f.slice(0, -5)) : []);

/** Requests queued by this process so far: orders two requests queued in the same millisecond (ids sort oldest first). */
let queuedInProcess = 0;

/**
 * Queues a request (validated first). Its id is `<epoch ms>-<pid>-<6-digit
 * sequence of this process>-<random>-<kind>`, so the requests one process
 * queues run in the order it queued them, even within one millisecond.
 * @returns the queued record
 * @throws Error from {@link validateRequest}
 */
export function enqueueRequest(dir: string, kind: string, params: Record<string, unknown>, source: string, now: number = Date.now()): RequestRecord {
  const v = validateRequest(kind, params);
  mkdirSync(dir, { recursive: true });
  const id = `${now}-${process.pid}-${String(queuedInProcess++).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}-${v.kind}`;
  const rec = { kind: v.kind, params: v.params, source, at: new Date(now).toISOString() };
  writeAtomic(join(dir, `${id}.json`), rec);
  return { id, ...rec, state: 'queued' };
}

function readRecord(file: string, id: string, state: RequestState): RequestRecord {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<RequestRecord>;
    return { params: {}, source: '', at: '', ...o, kind: o.kind as RequestKind, id, state: (o.state as RequestState | undefined) ?? state };
  } catch (err) {
    // a hand-written file that is not JSON: shown (and failed by the consumer), never dropped silently
    return { id, kind: 'generate', params: {}, source: '', at: '', state: state === 'queued' ? 'queued' : 'failed', error: `unreadable request file ${file}: ${(err as Error).message}` };
  }
}

/**
 * The kind and parameters of a queued request, unvalidated; null when it is no longer queued.
 * @throws Error naming the file when it is not JSON
 */
export function readQueuedRequest(dir: string, id: string): { kind?: unknown; params?: Record<string, unknown> } | null {
  const f = join(dir, `${id}.json`);
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as { kind?: unknown; params?: Record<string, unknown> };
  } catch (err) {
    throw new Error(`request file ${f}: not JSON (${(err as Error).message})`);
  }
}

/** Queued request ids, oldest first. */
export function queuedRequests(dir: string): string[] {
  return ids(dir);
}

/**
 * Every request in the folder (queued, running, finished), newest first, at most `limit` (default 100).
 * A request found both running and done (killed between the writes) shows as done.
 */
export function listRequests(dir: string, limit = 100): RequestRecord[] {
  const done = ids(doneDir(dir));
  const doneSet = new Set(done);
  const all = [
    ...ids(dir).map((id) => readRecord(join(dir, `${id}.json`), id, 'queued')),
    ...ids(runningDir(dir)).filter((id) => !doneSet.has(id)).map((id) => ({ ...readRecord(join(runningDir(dir), `${id}.json`), id, 'running'), state: 'running' as const })),
    ...done.map((id) => readRecord(join(doneDir(dir), `${id}.json`), id, 'done')),
  ];
  return all.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, Math.max(1, limit));
}

/** Counts of requests by state. */
export function requestCounts(dir: string): Record<RequestState, number> {
  const c: Record<RequestState, number> = { queued: 0, running: 0, done: 0, failed: 0, interrupted: 0 };
  for (const r of listRequests(dir, Number.MAX_SAFE_INTEGER)) c[r.state]++;
  return c;
}

/**
 * Claims a queued request: renames it into `running/` (atomic; false when
 * another orchestrator took it first or it is gone), then records the job id.
 */
export function claimRequest(dir: string, id: string, jobId: string, now: number = Date.now()): RequestRecord | null {
  mkdirSync(runningDir(dir), { recursive: true });
  const to = join(runningDir(dir), `${id}.json`);
  try {
    renameSync(join(dir, `${id}.json`), to);
  } catch {
    return null;
  }
  const rec: RequestRecord = { ...readRecord(to, id, 'running'), state: 'running', jobId, startedAt: new Date(now).toISOString(), orchestratorPid: process.pid };
  writeAtomic(to, rec);
  return rec;
}

/** Finishes a claimed request: writes `done/<id>.json`, then removes the `running/` copy. */
export function finishRequest(dir: string, rec: RequestRecord, outcome: { state: 'done' | 'failed' | 'interrupted'; result?: unknown; error?: string; pids?: number[] }, now: number = Date.now()): RequestRecord {
  mkdirSync(doneDir(dir), { recursive: true });
  const out: RequestRecord = { ...rec, state: outcome.state, endedAt: new Date(now).toISOString(), ...(outcome.pids ? { pids: outcome.pids } : {}), ...(outcome.result !== undefined ? { result: outcome.result } : {}), ...(outcome.error ? { error: outcome.error } : {}) };
  writeAtomic(join(doneDir(dir), `${rec.id}.json`), out);
  rmSync(join(runningDir(dir), `${rec.id}.json`), { force: true });
  return out;
}

/**
 * After a start: every request left in `running/` by a killed orchestrator is
 * marked `interrupted` (not run again); one already in `done/` just loses its
 * `running/` copy.
 * @returns the ids marked interrupted
 */
export function recoverRequests(dir: string, now: number = Date.now()): string[] {
  const done = new Set(ids(doneDir(dir)));
  const out: string[] = [];
  for (const id of ids(runningDir(dir))) {
    if (done.has(id)) {
      rmSync(join(runningDir(dir), `${id}.json`), { force: true });
      continue;
    }
    const rec = readRecord(join(runningDir(dir), `${id}.json`), id, 'running');
    finishRequest(dir, rec, { state: 'interrupted', error: `the orchestrator${rec.orchestratorPid ? ` (pid ${rec.orchestratorPid})` : ''} stopped while this request ran; not run again (a request runs at most once): queue a new one` }, now);
    out.push(id);
  }
  return out;
}
