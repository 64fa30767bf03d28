/**
 * Mining across machines on BullMQ (Redis): `alphalab mine ... --queue
 * redis://HOST:PORT` enqueues its candidates ({@link queueExecutor}) and
 * `alphalab worker --queue redis://HOST:PORT` processes them
 * ({@link startQueueWorker}) on any machine that has the dataset.
 *
 * Who writes what:
 * - a worker computes the store-free part of the screen (executor.ts
 *   `computeCandidate`, in its own worker-thread pool so its event loop stays
 *   free to renew job locks) and returns it as the job's return value; workers
 *   need no database;
 * - the `mine` process is the single writer: it waits for each job and
 *   records the results in candidate order (trial store, journal,
 *   hopeful_alphas), exactly as with the in-process executor. A job computed
 *   twice (a worker killed mid-job, a lock lost under load) is recorded once.
 *
 * Job id = sha256 of (dataset fingerprint, canonical expression, settings
 * hash), so a candidate is computed once however often it is enqueued: a
 * resumed or repeated run, or a second miner over the same data and settings,
 * gets the stored result back (completed jobs are kept in Redis until the
 * queue is cleaned).
 *
 * Dataset fingerprint: sha256 of the full content of the train segment the
 * run mines (lib/data `panelSha256`: frequency, market, assets, times and
 * every field's bytes) and its groups. A worker loads the dataset by name,
 * slices the same bars, and refuses the job (an unrecoverable failure that
 * stops the `mine` run with a message naming both fingerprints) when its data
 * differ, so a worker with other data can never feed a result into the store.
 *
 * Failures: a worker that dies mid-job (SIGKILL, machine lost) stops renewing
 * the job's lock; after `lockDuration` another worker's stalled-job check
 * (every `stalledInterval`) puts the job back in the queue and it is
 * retried (BullMQ stalled jobs; `maxStalledCount` times, default 3). A job
 * whose processor throws is retried `attempts` times (default 3); a job
 * that finally fails stops the `mine` run with its reason, nothing recorded
 * for it, and the same command resumes (a failed job is retried once when
 * enqueued again).
 *
 * Connections: bullmq is given constructed ioredis clients (ESM), with
 * `maxRetriesPerRequest: null` as its blocking commands require.
 *
 * @module
 */
import { hostname } from 'node:os';
import { Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Panel } from '../data/panel.js';
import { sliceDates } from '../data/panel.js';
import { panelSha256 } from '../data/identity.js';
import { decodeJson, encodeJson, sha256, stableJson } from '../db/index.js';
import type { CandidateExecutor, CandidateTaskSpec, CandidateWork } from './executor.js';
import { CandidateThreadPool } from './thread-pool.js';
import { defaultThreadCount } from '../core/threads.js';

/** Default queue name. */
export const MINE_QUEUE_NAME = 'alphalab-mine';

/** Version of the job payload and result format; a worker refuses jobs of another version. */
export const MINE_QUEUE_WIRE_VERSION = 1;

/** The data of one queue job: what a worker needs to compute the candidate and check it has the same data. */
export interface MineJobData {
  readonly v: number;
  readonly expression: string;
  readonly dataset: string;
  /** Bars of the train segment: the first `bars` bars of the dataset. */
  readonly bars: number;
  /** {@link datasetFingerprint} of that train segment. */
  readonly fingerprint: string;
  readonly source: string;
  readonly settings: CandidateTaskSpec['settings'];
}

/** Content fingerprint of the panel a run mines: sha256 of lib/data `panelSha256` and its groups (hex). */
export function datasetFingerprint(panel: Panel): string {
  return sha256(stableJson({ data: panelSha256(panel), groups: panel.groups ?? null }));
}

/** The job id of a candidate: hex sha256 of dataset fingerprint, canonical expression and the hash of the settings (source tag, screen settings, wire version). */
export function mineJobId(fingerprint: string, expression: string, settings: CandidateTaskSpec['settings'], source: string): string {
  const settingsHash = sha256(stableJson({ settings, source, v: MINE_QUEUE_WIRE_VERSION }));
  return sha256(stableJson({ fingerprint, expression, settingsHash }));
}

/** A redis:// address without user and password (for logs and summaries). @throws TypeError for an unparseable URL. */
export function redactRedisUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

/** A bullmq-ready ioredis client for `url` (redis://[user:pass@]host:port[/db]). Its connection errors are not printed (bullmq retries; {@link checkReachable} names the first one). */
function redisClient(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  c.on('error', () => undefined);
  return c;
}

/**
 * PINGs Redis once, without retries, before any bullmq object is made (they
 * would reconnect forever to an address that is wrong).
 * @throws Error naming the address without credentials and the connection error.
 */
export async function checkReachable(url: string, timeoutMs = 15_000): Promise<void> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let first: string | undefined;
  c.on('error', (e: Error) => { first ??= e.message; });
  try {
    await c.connect();
    await c.ping();
  } catch (err) {
    throw new Error(`mine queue: Redis at ${redactRedisUrl(url)} is not reachable: ${first ?? (err as Error).message}`);
  } finally {
    c.disconnect();
  }
}

/** Closes ioredis clients: QUIT when connected, else drop the socket (QUIT would wait for a server that is not there). */
async function closeClients(clients: Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => (c.status === 'ready' ? c.quit().then(() => undefined, () => c.disconnect()) : (c.disconnect(), Promise.resolve()))));
}

/** Closes bullmq objects, waiting at most `ms` (a close may wait for a connection that never came). */
async function closeWithin(closes: (Promise<unknown> | undefined)[], ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closes.map((p) => p?.catch(() => undefined))), new Promise<void>((r) => { timer = setTimeout(r, ms); })]);
  clearTimeout(timer);
}

/** Encodes a result for a job's return value (lib/db `encodeJson`: non-finite numbers and typed arrays kept exactly). */
export function encodeWork(work: CandidateWork): string {
  return encodeJson(work);
}

/** Decodes {@link encodeWork}'s output (as stored by bullmq, possibly JSON-parsed once already). */
export function decodeWork(v: unknown): CandidateWork {
  if (typeof v !== 'string') throw new TypeError(`mine queue: a job's return value is not an encoded result (${typeof v})`);
  return decodeJson<CandidateWork>(v);
}

/** Options of {@link queueExecutor}. */
export interface QueueExecutorOptions {
  /** redis://HOST:PORT (credentials allowed; never printed). */
  readonly url: string;
  readonly queueName?: string;
  /** Tries of a job whose processor throws. Default 3. */
  readonly attempts?: number;
  /** Candidates in flight when the run gives no batch size. Default 32. */
  readonly defaultBatchSize?: number;
  /** Timeout of the first connection to Redis, ms. Default 15,000. */
  readonly connectTimeoutMs?: number;
}

/** The queue executor of the `mine` side (see the module comment). */
export function queueExecutor(o: QueueExecutorOptions): CandidateExecutor {
  const name = o.queueName ?? MINE_QUEUE_NAME;
  const redacted = redactRedisUrl(o.url);
  let queue: Queue | undefined;
  let events: QueueEvents | undefined;
  const clients: Redis[] = [];
  let base: Omit<MineJobData, 'expression'> | undefined;
  let workersSeen = 0, added = 0;
  const pending = new Map<string, { resolve: (w: CandidateWork) => void; reject: (e: Error) => void; expression: string }>();
  const settle = (jobId: string, f: (p: { resolve: (w: CandidateWork) => void; reject: (e: Error) => void; expression: string }) => void) => {
    const p = pending.get(jobId);
    if (!p) return;
    pending.delete(jobId);
    f(p);
  };
  const completed = (jobId: string, value: unknown) => settle(jobId, (p) => {
    try {
      p.resolve(decodeWork(value));
    } catch (err) {
      p.reject(err as Error);
    }
  });
  const failed = (jobId: string, reason: string) => settle(jobId, (p) => p.reject(new Error(`mine queue: the job of ${JSON.stringify(p.expression)} failed: ${reason}`)));
  const countWorkers = async () => {
    // only on a live connection: a command on a client that is still (re)connecting waits for it
    if (queue && clients[0]?.status === 'ready') workersSeen = Math.max(workersSeen, await queue.getWorkersCount().catch(() => 0));
  };
  return {
    kind: 'queue',
    get workers() { return workersSeen; },
    queue: redacted,
    defaultBatchSize: o.defaultBatchSize ?? 32,
    async open(spec) {
      await checkReachable(o.url, o.connectTimeoutMs);
      clients.push(redisClient(o.url), redisClient(o.url));
      queue = new Queue(name, { connection: clients[0]! });
      events = new QueueEvents(name, { connection: clients[1]! });
      events.on('completed', ({ jobId, returnvalue }) => completed(jobId, returnvalue));
      events.on('failed', ({ jobId, failedReason }) => failed(jobId, failedReason));
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      base = { v: MINE_QUEUE_WIRE_VERSION, dataset: spec.dataset, bars: spec.panel.times.length, fingerprint: datasetFingerprint(spec.panel), source: spec.source, settings: spec.settings };
      await countWorkers();
    },
    compute(expression) {
      if (!queue || !base) return Promise.reject(new Error('queueExecutor: compute before open'));
      const q = queue, data: MineJobData = { ...base, expression };
      const jobId = mineJobId(data.fingerprint, expression, data.settings, data.source);
      const result = new Promise<CandidateWork>((resolve, reject) => pending.set(jobId, { resolve, reject, expression }));
      // listen first, then add (a no-op when the job id exists), then look once: the job may have finished before
      void (async () => {
        await q.add('candidate', data, { jobId, attempts: o.attempts ?? 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
        const job = await Job.fromId(q, jobId);
        if (!job) throw new Error(`mine queue: job ${jobId} vanished after it was added`);
        const state = await job.getState();
        if (state === 'completed') completed(jobId, job.returnvalue);
        else if (state === 'failed' && pending.has(jobId)) await job.retry('failed'); // failed in an earlier run: try again once
        if (++added % 25 === 0) await countWorkers();
      })().catch((err: Error) => failed(jobId, err.message));
      return result;
    },
    async close() {
      await countWorkers();
      for (const id of [...pending.keys()]) failed(id, 'the mining run closed the queue');
      await closeWithin([events?.close(), queue?.close()]);
      // bullmq does not close connections it was given
      await closeClients(clients.splice(0));
      queue = undefined;
      events = undefined;
    },
  };
}

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** redis://HOST:PORT of the queue. */
  readonly url: string;
  /** Loads a dataset by name (the CLI: bundled sample or catalog dataset). Called once per dataset. */
  readonly loadPanel: (dataset: string) => Promise<Panel>;
  readonly queueName?: string;
  /** Worker threads computing candidates (and jobs taken at once). Default: the number of cores. */
  readonly threads?: number;
  /** Job lock in ms; a job whose worker stops renewing it is stalled after this. Default 30,000 (BullMQ's). */
  readonly lockDurationMs?: number;
  /** How often this worker checks for stalled jobs, ms. Default 30,000 (BullMQ's). */
  readonly stalledIntervalMs?: number;
  /** Times a job may stall before it fails. Default 3. */
  readonly maxStalledCount?: number;
  /** Timeout of the first connection to Redis, ms. Default 15,000. */
  readonly connectTimeoutMs?: number;
  /** Called when a job starts (logs, tests). */
  readonly onJob?: (e: { id: string; expression: string; dataset: string }) => void;
  /** Called when a job is done, with its duration in ms. */
  readonly onDone?: (e: { id: string; expression: string; ms: number }) => void;
}

/** A running queue worker. */
export interface QueueWorkerHandle {
  /** Jobs processed so far. */
  readonly processed: () => number;
  /** Stops taking jobs, waits for the running ones, closes threads and connections. */
  close(): Promise<void>;
}

/**
 * Starts a worker process's side of the queue (see the module comment): a
 * BullMQ Worker whose processor loads the job's dataset (once), checks its
 * fingerprint, and computes the candidate on a worker-thread pool.
 * @throws Error when Redis cannot be reached.
 */
export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  await checkReachable(o.url, o.connectTimeoutMs);
  const threads = o.threads ?? defaultThreadCount();
  const pool = new CandidateThreadPool(threads);
  const panels = new Map<string, Promise<Panel>>();
  const specs = new Map<string, Promise<number>>();
  const who = `${hostname()}:${process.pid}`;
  let processed = 0;
  const specFor = (d: MineJobData): Promise<number> => {
    const key = stableJson({ dataset: d.dataset, bars: d.bars, fingerprint: d.fingerprint, settings: d.settings, source: d.source });
    let hit = specs.get(key);
    if (!hit) {
      hit = (async () => {
        let p = panels.get(d.dataset);
        if (!p) {
          p = o.loadPanel(d.dataset);
          panels.set(d.dataset, p);
          p.catch(() => panels.delete(d.dataset));
        }
        const full = await p;
        if (full.times.length < d.bars) throw new UnrecoverableError(`worker ${who}: dataset ${d.dataset} has ${full.times.length} bars here, the miner mines its first ${d.bars}`);
        const train = sliceDates(full, 0, d.bars);
        const fp = datasetFingerprint(train);
        if (fp !== d.fingerprint) throw new UnrecoverableError(`worker ${who}: dataset ${d.dataset} differs from the miner's (fingerprint of the first ${d.bars} bars ${fp.slice(0, 16)} here, ${d.fingerprint.slice(0, 16)} in the job): give every worker the same data`);
        return pool.register({ panel: train, dataset: d.dataset, source: d.source, settings: d.settings });
      })();
      specs.set(key, hit);
      hit.catch(() => specs.delete(key));
    }
    return hit;
  };
  const connection = redisClient(o.url);
  const worker = new Worker<MineJobData, string>(o.queueName ?? MINE_QUEUE_NAME, async (job) => {
    const d = job.data;
    if (d.v !== MINE_QUEUE_WIRE_VERSION) throw new UnrecoverableError(`worker ${who}: job format ${d.v}, this worker speaks ${MINE_QUEUE_WIRE_VERSION} (update alphalab on every machine)`);
    o.onJob?.({ id: job.id!, expression: d.expression, dataset: d.dataset });
    const t0 = performance.now();
    const specId = await specFor(d);
    const work = await pool.compute(specId, d.expression);
    processed++;
    o.onDone?.({ id: job.id!, expression: d.expression, ms: performance.now() - t0 });
    return encodeWork(work);
  }, {
    connection,
    concurrency: threads,
    name: who,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 30_000,
    maxStalledCount: o.maxStalledCount ?? 3,
  });
  await worker.waitUntilReady();
  return {
    processed: () => processed,
    async close() {
      await worker.close();
      await pool.close();
      await closeClients([connection]);
    },
  };
}
