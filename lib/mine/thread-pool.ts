/**
 * A pool of `worker_threads` that compute mining candidates
 * (executor.ts `computeCandidate`) in parallel, and the executor over it.
 *
 * - The panel of a spec is converted once to shared memory (lib/data
 *   `toSharedPanel`) and posted to every thread: the threads read the same
 *   bytes, no copy per thread.
 * - Each thread computes one candidate at a time; waiting candidates go to the
 *   first idle thread. Results come back with their task id, so completion
 *   order does not matter: the run loop commits them in candidate order.
 * - A thread that crashes (an uncaught error, out of memory, exit) fails the
 *   pool: its candidate and every waiting one reject with an error naming the
 *   thread; nothing is recorded for them, and the run's journal lets the same
 *   command resume.
 * - Threads start through lib/core/thread-boot.mjs, which registers tsx's loader in
 *   the thread before it imports thread-worker.ts (a Worker does not inherit
 *   its parent's `--import tsx` hooks). Both files are found under the
 *   project root (lib/db `projectRoot`: the working directory upwards, or
 *   $ALPHALAB_ROOT).
 *
 * @module
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { toSharedPanel } from '../data/shared-panel.js';
import { defaultThreadCount } from '../core/threads.js';
import { projectRoot } from '../db/index.js';
import type { CandidateExecutor, CandidateTaskSpec, CandidateWork } from './executor.js';

/** A message to a mining thread. */
export type ThreadRequest =
  | { readonly type: 'spec'; readonly specId: number; readonly spec: CandidateTaskSpec }
  | { readonly type: 'drop'; readonly specId: number }
  | { readonly type: 'compute'; readonly taskId: number; readonly specId: number; readonly expression: string };

/** A mining thread's reply: the work of a task, or a failure of the thread itself. */
export type ThreadReply = { readonly taskId: number; readonly work: CandidateWork } | { readonly taskId: number; readonly fatal: string };

interface Task {
  readonly taskId: number;
  readonly specId: number;
  readonly expression: string;
  readonly resolve: (w: CandidateWork) => void;
  readonly reject: (e: Error) => void;
}

/** A pool of mining threads (see the module comment). */
export class CandidateThreadPool {
  private readonly threads: { worker: Worker; task: Task | null; index: number }[] = [];
  private readonly waiting: Task[] = [];
  private nextTask = 1;
  private nextSpec = 1;
  private failure: Error | null = null;
  private closing = false;

  /**
   * Starts `size` threads (each with an expression cache of `cacheBytes`).
   * @throws RangeError for a size that is not a positive integer.
   */
  constructor(readonly size: number, cacheBytes = 128 * 1024 * 1024) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`CandidateThreadPool: size must be a positive integer, got ${size}`);
    // lib/ avoids import.meta (tslab loads it as CommonJS): the thread files are found from the project root
    const here = join(projectRoot(), 'lib', 'mine');
    const entry = pathToFileURL(join(here, 'thread-worker.ts')).href;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(join(here, '..', 'core', 'thread-boot.mjs'), { workerData: { entry, cacheBytes } });
      const slot = { worker, task: null as Task | null, index: i };
      worker.on('message', (m: ThreadReply) => this.onReply(slot, m));
      worker.on('error', (err) => this.fail(new Error(`mining worker thread ${i} failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`mining worker thread ${i} exited (code ${code})`));
      });
      this.threads.push(slot);
    }
  }

  /** Shares the spec's panel (one SharedArrayBuffer) with every thread; returns the spec id for {@link compute}. */
  register(spec: CandidateTaskSpec): number {
    const specId = this.nextSpec++;
    const shared: CandidateTaskSpec = { ...spec, panel: toSharedPanel(spec.panel) };
    for (const t of this.threads) t.worker.postMessage({ type: 'spec', specId, spec: shared } satisfies ThreadRequest);
    return specId;
  }

  /** Forgets a spec in every thread (its expression cache is freed). */
  unregister(specId: number): void {
    for (const t of this.threads) t.worker.postMessage({ type: 'drop', specId } satisfies ThreadRequest);
  }

  /** Computes one candidate on the first idle thread. Rejects when the pool has failed or is closed. */
  compute(specId: number, expression: string): Promise<CandidateWork> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('CandidateThreadPool: closed'));
    return new Promise<CandidateWork>((resolve, reject) => {
      this.waiting.push({ taskId: this.nextTask++, specId, expression, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; waiting candidates reject. */
  async close(): Promise<void> {
    this.closing = true;
    const err = new Error('CandidateThreadPool: closed');
    for (const t of this.waiting.splice(0)) t.reject(err);
    for (const t of this.threads) t.task?.reject(err);
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    for (const t of this.threads) {
      if (t.task || this.waiting.length === 0) continue;
      const task = this.waiting.shift()!;
      t.task = task;
      t.worker.postMessage({ type: 'compute', taskId: task.taskId, specId: task.specId, expression: task.expression } satisfies ThreadRequest);
    }
  }

  private onReply(slot: { task: Task | null; index: number }, m: ThreadReply): void {
    const task = slot.task;
    if (!task || task.taskId !== m.taskId) return;
    slot.task = null;
    if ('fatal' in m) {
      this.fail(new Error(`mining worker thread ${slot.index}: ${m.fatal}`));
      task.reject(this.failure!);
      return;
    }
    task.resolve(m.work);
    this.dispatch();
  }

  private fail(err: Error): void {
    if (this.failure || this.closing) return;
    this.failure = err;
    for (const t of this.waiting.splice(0)) t.reject(err);
    for (const t of this.threads) {
      t.task?.reject(err);
      t.task = null;
    }
  }
}

/**
 * The worker-thread executor: `workers` threads (default: the number of
 * cores), the run's train segment shared with them. Keeps 2 candidates per
 * thread in flight by default, so a thread never waits for the run loop.
 */
export function threadPoolExecutor(opts: { workers?: number; cacheBytes?: number } = {}): CandidateExecutor {
  const workers = opts.workers ?? defaultThreadCount();
  let pool: CandidateThreadPool | undefined;
  let specId = 0;
  return {
    kind: 'threads', workers, queue: null, defaultBatchSize: 2 * workers,
    async open(spec) {
      pool = new CandidateThreadPool(workers, opts.cacheBytes);
      specId = pool.register(spec);
    },
    compute(expression) {
      if (!pool) return Promise.reject(new Error('threadPoolExecutor: compute before open'));
      return pool.compute(specId, expression);
    },
    async close() {
      await pool?.close();
      pool = undefined;
    },
  };
}
