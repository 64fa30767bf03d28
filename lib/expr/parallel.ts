/**
 * Parallel evaluation: many expressions on one panel, spread over a pool of
 * `worker_threads` ({@link ExprThreadPool}, {@link evaluateParallel}).
 *
 * - The panel's numeric arrays are copied once into one SharedArrayBuffer
 *   (lib/data `toSharedPanel`) and posted to every thread, which reads the
 *   same memory (no copy per thread); the pool remembers the panels it has
 *   shared (by object, the last {@link MAX_PANELS}), so evaluating again on
 *   the same panel posts nothing but the expressions.
 * - Each expression's result is written by its thread into a
 *   SharedArrayBuffer of its own that the caller receives as a Float64Array
 *   view (dates x assets, date-major): no copy back.
 * - A thread runs the same `evaluate` as the main thread on the same bytes,
 *   so every result is bit-identical to `evaluate(expression, panel)`
 *   whatever the number of threads and the order the threads finish in.
 * - Load balancing: expressions are dispatched longest first (a static cost
 *   estimate from the DAG's operators, {@link estimateCost}: a cross-sectional
 *   rank or a rolling correlation weighs several element-wise passes), one at
 *   a time to the first idle thread, so a slow alpha starts early instead of
 *   holding the batch up at its end.
 * - A failing expression rejects the call with an error naming it (index and
 *   text; an ExprError keeps its class and position); a thread that dies
 *   fails the pool, naming the expression it was running.
 * - Threads start through lib/core/thread-boot.mjs (tsx's loader registered
 *   in the thread; see there), found under the project root. Starting a
 *   thread costs a few hundred ms (loading the engine's modules in it):
 *   reuse a pool ({@link ExprThreadPool}) for repeated batches.
 *
 * Loaded lazily by lib/expr/index.ts (`evaluateParallel`,
 * `createExprThreadPool`), so importing the engine starts no thread and
 * loads none of this.
 *
 * @module
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExprError } from './ast.js';
import type { Expr } from './ast.js';
import { getOperator } from './ops.js';
import { checkAst, normalize, parse, print } from './parser.js';
import type { Panel } from '../data/panel.js';
import { toSharedPanel } from '../data/shared-panel.js';
import { projectRoot } from '../db/paths.js';
import { defaultThreadCount } from '../core/threads.js';

/** Panels a pool keeps shared with its threads at once (least recently used dropped first). */
export const MAX_PANELS = 4;

/** A message to an evaluation thread. */
export type ExprThreadRequest =
  | { readonly type: 'panel'; readonly panelId: number; readonly panel: Panel }
  | { readonly type: 'drop'; readonly panelId: number }
  | { readonly type: 'eval'; readonly taskId: number; readonly panelId: number; readonly expr: Expr; readonly out: SharedArrayBuffer };

/** An evaluation thread's reply: started, a task done (with the ms it took in the thread, wall clock), or a task's error. */
export type ExprThreadReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly taskId: number; readonly ms: number }
  | { readonly type: 'error'; readonly taskId: number; readonly message: string; readonly exprError: boolean; readonly position: number };

/** Options of {@link ExprThreadPool.evaluateMany} and {@link evaluateParallel}. */
export interface ParallelOptions {
  /** Threads of the pool {@link evaluateParallel} starts (default: the machine's available parallelism). Ignored with `pool`. */
  workers?: number;
  /** A started pool to use (it stays open); without it {@link evaluateParallel} starts one and closes it afterwards. */
  pool?: ExprThreadPool;
  /** Filled with per-call figures (for benchmarks). */
  stats?: ParallelStats;
}

/** Figures of one parallel call. */
export interface ParallelStats {
  /** Threads used. */
  threads: number;
  /** Milliseconds (wall clock, in its thread) each expression took, input order (Node 20 has no per-thread CPU clock: process.cpuUsage around the call counts every thread). */
  threadMs: number[];
  /** The order expressions were dispatched in (indices, longest estimate first). */
  order: number[];
}

interface Task {
  readonly taskId: number;
  readonly index: number;
  readonly text: string;
  readonly panelId: number;
  readonly expr: Expr;
  readonly out: SharedArrayBuffer;
  readonly batch: Batch;
}

interface Batch {
  remaining: number;
  failed: boolean;
  readonly threadMs: number[];
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly index: number;
  task: Task | null;
}

/**
 * A relative cost estimate of evaluating an expression (arbitrary units,
 * about one element-wise pass each), for longest-first dispatch: each
 * distinct subexpression counted once (the evaluator merges repeats), a
 * cross-sectional or group operator 8 (a sort per date), `ts_corr` /
 * `ts_cov` / `ts_rank` 6, other time-series operators 3, an indicator 4, an
 * element-wise operator or a derived field 1, a panel field 0.
 */
export function estimateCost(e: Expr): number {
  const seen = new Set<string>();
  const walk = (x: Expr): number => {
    if (x.type === 'number') return 0;
    const key = print(x);
    if (seen.has(key)) return 0;
    seen.add(key);
    if (x.type === 'field') return x.name === 'returns' || x.name === 'vwap' || x.name.startsWith('adv') ? 1 : 0;
    const op = getOperator(x.op);
    let own = 1;
    if (op?.kind === 'cross_sectional' || op?.kind === 'group') own = 8;
    else if (op?.kind === 'indicator') own = 4;
    else if (op?.kind === 'time_series') own = x.op === 'ts_corr' || x.op === 'ts_cov' || x.op === 'ts_rank' ? 6 : 3;
    return own + x.args.reduce((s, a) => s + walk(a), 0);
  };
  return walk(e);
}

/** The arrays an evaluation thread needs (a universe or tradability mask would be copied by postMessage: left out). */
function evaluationPanel(panel: Panel): Panel {
  const { universe: _u, tradable: _t, ...rest } = panel;
  return rest;
}

/**
 * A pool of evaluation threads (see the module comment). Start it once, call
 * {@link evaluateMany} as often as needed, {@link close} it at the end.
 */
export class ExprThreadPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private readonly panels = new Map<Panel, number>();
  private readonly started: Promise<void>;
  private nextTask = 1;
  private nextPanel = 1;
  private failure: Error | null = null;
  private closing = false;

  /**
   * Starts `size` threads (default {@link defaultThreadCount}).
   * @throws RangeError for a size that is not a positive integer.
   */
  constructor(readonly size: number = defaultThreadCount()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`ExprThreadPool: workers must be a positive integer, got ${size}`);
    // lib/ never reads its own module URL (tslab loads it as CommonJS): the thread files are found from the project root
    const lib = join(projectRoot(), 'lib');
    const entry = pathToFileURL(join(lib, 'expr', 'parallel-worker.ts')).href;
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(join(lib, 'core', 'thread-boot.mjs'), { workerData: { entry } });
      const slot: Slot = { worker, index: i, task: null };
      ready.push(new Promise<void>((resolve, reject) => {
        worker.once('message', (m: ExprThreadReply) => (m.type === 'ready' ? resolve() : reject(new Error(`expression thread ${i}: unexpected first message ${m.type}`))));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`expression thread ${i} exited during start-up (code ${code})`)));
      }));
      worker.on('message', (m: ExprThreadReply) => this.onReply(slot, m));
      worker.on('error', (err) => this.fail(slot, `failed: ${err.message}`));
      worker.on('exit', (code) => { if (!this.closing) this.fail(slot, `exited (code ${code})`); });
      this.slots.push(slot);
    }
    this.started = Promise.all(ready).then(() => undefined);
    this.started.catch(() => undefined); // observed by ready() / evaluateMany(); no unhandled rejection meanwhile
  }

  /** Resolves when every thread has loaded the engine (to measure start-up apart from evaluation). */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * Evaluates expressions on a panel on the pool's threads.
   * @returns one Float64Array per expression, in input order (length nDates * nAssets, date-major, views on SharedArrayBuffers), bit-identical to `evaluate`.
   * @throws ExprError for a parse error (naming the expression's index) or a failing expression (index and text; position kept); Error when a thread dies or the pool is closed.
   */
  async evaluateMany(es: readonly (string | Expr)[], panel: Panel, opts: Pick<ParallelOptions, 'stats'> = {}): Promise<Float64Array[]> {
    const exprs = es.map((e, i) => {
      try {
        if (typeof e !== 'string') checkAst(e);
        return normalize(typeof e === 'string' ? parse(e) : e);
      } catch (err) {
        if (err instanceof ExprError) throw new ExprError(`expression ${i}: ${err.message}`, err.position);
        throw err;
      }
    });
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error('ExprThreadPool: closed');
    const size = panel.times.length * panel.assets.length;
    const panelId = this.share(panel);
    const outs = exprs.map(() => new SharedArrayBuffer(size * Float64Array.BYTES_PER_ELEMENT));
    const order = exprs.map((e, i) => ({ i, cost: estimateCost(e) })).sort((a, b) => b.cost - a.cost || a.i - b.i).map((o) => o.i);
    const threadMs = exprs.map(() => 0);
    if (opts.stats) { opts.stats.threads = this.size; opts.stats.threadMs = threadMs; opts.stats.order = order; }
    if (exprs.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const batch: Batch = { remaining: exprs.length, failed: false, threadMs, resolve, reject };
        for (const i of order) {
          const text = typeof es[i] === 'string' ? (es[i] as string) : print(exprs[i]!);
          this.waiting.push({ taskId: this.nextTask++, index: i, text, panelId, expr: exprs[i]!, out: outs[i]!, batch });
        }
        this.dispatch();
      });
    }
    return outs.map((b) => new Float64Array(b));
  }

  /** Stops every thread; calls still running reject. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const err = new Error('ExprThreadPool: closed');
    for (const t of this.waiting.splice(0)) this.rejectBatch(t.batch, err);
    for (const s of this.slots) if (s.task) { this.rejectBatch(s.task.batch, err); s.task = null; }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** The id of the panel in the threads, sharing it first when new (at most MAX_PANELS kept). */
  private share(panel: Panel): number {
    const known = this.panels.get(panel);
    if (known !== undefined) {
      this.panels.delete(panel);
      this.panels.set(panel, known);
      return known;
    }
    const panelId = this.nextPanel++;
    const shared = toSharedPanel(evaluationPanel(panel));
    for (const s of this.slots) s.worker.postMessage({ type: 'panel', panelId, panel: shared } satisfies ExprThreadRequest);
    this.panels.set(panel, panelId);
    if (this.panels.size > MAX_PANELS) {
      const [oldest, oldId] = this.panels.entries().next().value!;
      this.panels.delete(oldest);
      // tasks already queued on the dropped panel would find it gone: drop only when none waits for it
      if (!this.waiting.some((t) => t.panelId === oldId) && !this.slots.some((s) => s.task?.panelId === oldId)) {
        for (const s of this.slots) s.worker.postMessage({ type: 'drop', panelId: oldId } satisfies ExprThreadRequest);
      }
    }
    return panelId;
  }

  private dispatch(): void {
    for (const s of this.slots) {
      while (!s.task && this.waiting.length > 0) {
        const task = this.waiting.shift()!;
        if (task.batch.failed) continue;
        s.task = task;
        s.worker.postMessage({ type: 'eval', taskId: task.taskId, panelId: task.panelId, expr: task.expr, out: task.out } satisfies ExprThreadRequest);
      }
    }
  }

  private onReply(slot: Slot, m: ExprThreadReply): void {
    if (m.type === 'ready') return;
    const task = slot.task;
    if (!task || task.taskId !== m.taskId) return;
    slot.task = null;
    const batch = task.batch;
    if (m.type === 'error') {
      const msg = `expression ${task.index} (${task.text}): ${m.message}`;
      this.rejectBatch(batch, m.exprError ? new ExprError(msg, m.position) : new Error(msg));
    } else if (!batch.failed) {
      batch.threadMs[task.index] = m.ms;
      if (--batch.remaining === 0) batch.resolve();
    }
    this.dispatch();
  }

  private rejectBatch(batch: Batch, err: Error): void {
    if (batch.failed) return;
    batch.failed = true;
    batch.reject(err);
  }

  private fail(slot: Slot, what: string): void {
    if (this.closing) return;
    const running = slot.task;
    const err = new Error(`expression thread ${slot.index} ${what}${running ? ` while evaluating expression ${running.index} (${running.text})` : ''}`);
    if (!this.failure) this.failure = err;
    if (running) { this.rejectBatch(running.batch, err); slot.task = null; }
    for (const t of this.waiting.splice(0)) this.rejectBatch(t.batch, this.failure);
    for (const s of this.slots) if (s.task) { this.rejectBatch(s.task.batch, this.failure); s.task = null; }
  }
}

/**
 * Evaluates several expressions on one panel in parallel on worker threads
 * (see the module comment): `opts.pool` when given, else a pool of
 * `opts.workers` threads (default: the machine's cores) started for this call
 * and closed after it (start-up included: reuse a pool for repeated calls).
 * @returns one Float64Array per expression, in input order, bit-identical to `evaluate(expression, panel)`.
 * @throws ExprError as {@link ExprThreadPool.evaluateMany}; RangeError for a bad `workers`.
 */
export async function evaluateParallel(es: readonly (string | Expr)[], panel: Panel, opts: ParallelOptions = {}): Promise<Float64Array[]> {
  if (opts.pool) return opts.pool.evaluateMany(es, panel, opts);
  const pool = new ExprThreadPool(opts.workers ?? defaultThreadCount());
  try {
    await pool.ready();
    return await pool.evaluateMany(es, panel, opts);
  } finally {
    await pool.close();
  }
}
