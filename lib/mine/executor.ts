/**
 * Where a mining run's candidates are computed: the seam between the run
 * loop (run.ts, the single writer of the journal and the trial store) and the
 * compute, with three implementations:
 * - {@link embeddedExecutor}: in the mining process, one candidate at a time;
 * - `threadPoolExecutor` (thread-pool.ts): a pool of `worker_threads`, the
 *   train segment shared through a SharedArrayBuffer (lib/data shared-panel.ts);
 * - `queueExecutor` (queue.ts): BullMQ jobs on Redis, computed by
 *   `alphalab worker` processes on any machine that has the dataset.
 *
 * Every executor computes the same pure function, {@link computeCandidate}:
 * the store-free part of the screen (lib/screen `computeScreen`: values,
 * walk-forward, factor validation, portfolios, signal stage, rolling windows)
 * plus the candidate's rank snapshot on the train segment (for the
 * self-correlation gate). Nothing an executor computes depends on the store,
 * on other candidates or on the order of completion, so the run loop, which
 * records results in candidate order (lib/screen `completeScreen`, the journal,
 * hopeful gates), writes the same rows whatever the executor and worker count.
 *
 * @module
 */
import type { Panel } from '../data/panel.js';
import { evaluate, ExprCache, parse } from '../expr/index.js';
import { rankSnapshot, type RankSnapshot } from '../factors/index.js';
import { computeScreen, type ScreenCheapStages, type ScreenComputation, type ScreenSettings } from '../screen/index.js';
import { passesLocalGates, type LocalGates } from '../venues/brain/index.js';

/** What every candidate of a run is computed with. Plain data (structured-cloneable). */
export interface CandidateTaskSpec {
  /** The train segment the run mines (never the test segment). */
  readonly panel: Panel;
  /** Dataset name the trials are recorded under. */
  readonly dataset: string;
  /** Trial source tag (`mine:<miner>`). */
  readonly source: string;
  /**
   * Screen settings (portfolio, costs), and the hopeful gates of early
   * rejection (plain data, so they cross threads and the queue; the screen gets
   * {@link hopefulGate} of them as `earlyReject`).
   */
  readonly settings: Pick<ScreenSettings, 'portfolio' | 'costBps'> & { readonly hopefulGates?: LocalGates };
}

/**
 * The miners' early-rejection gate (lib/screen `ScreenSettings.earlyReject`):
 * skip the signal stage and rolling windows of a candidate whose cheap
 * full-range (train segment) metrics miss the hopeful gates (BRAIN's Sharpe,
 * fitness and turnover), since such a candidate cannot become hopeful; its
 * trial is still recorded and every figure the journal keeps (full Sharpe,
 * fitness, turnover) is unchanged.
 */
export function hopefulGate(gates: LocalGates): (cheap: ScreenCheapStages) => string | null {
  return ({ full, failures }) => {
    if (failures.some((f) => f.kind === 'degenerate_signal')) return 'degenerate signal (it barely ranks the assets): cannot be hopeful';
    return passesLocalGates(full, gates) ? null : `misses the hopeful gates (Sharpe ${full.sharpe.toFixed(2)}, fitness ${full.fitness.toFixed(2)}, turnover ${full.turnover.toFixed(3)})`;
  };
}

/** The result of {@link computeCandidate}: the screen's store-free part and the self-correlation snapshot, or the error it threw. */
export type CandidateWork =
  | { readonly ok: true; readonly computation: ScreenComputation; readonly snapshot: RankSnapshot | null }
  | { readonly ok: false; readonly error: string };

/**
 * Computes one candidate (see the module comment): parse, `computeScreen` on
 * the spec's panel, and for a screened candidate the rank snapshot of its
 * values on the whole train segment (lib/factors `rankSnapshot`). An error of
 * the candidate itself (parse error, unknown field, bad settings) is returned
 * as `{ ok: false }`, not thrown, so every executor reports it the same way.
 */
export async function computeCandidate(expression: string, spec: CandidateTaskSpec, cache?: ExprCache): Promise<CandidateWork> {
  try {
    const ast = parse(expression);
    const { hopefulGates, ...screen } = spec.settings;
    const computation = await computeScreen(ast, spec.panel, { ...screen, ...(hopefulGates ? { earlyReject: hopefulGate(hopefulGates) } : {}) }, { dataset: spec.dataset, source: spec.source, ...(cache ? { exprCache: cache } : {}) });
    const snapshot = computation.screened ? rankSnapshot(evaluate(ast, spec.panel, cache ? { cache } : {}), spec.panel.times, spec.panel.assets.length) : null;
    return { ok: true, computation, snapshot };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Where the candidates of a run are computed (see the module comment). */
export interface CandidateExecutor {
  /** 'embedded' (in process), 'threads' (worker_threads pool) or 'queue' (BullMQ). */
  readonly kind: 'embedded' | 'threads' | 'queue';
  /** Candidates computed at once (threads: the pool size; queue: workers seen on the queue; embedded: 1). */
  readonly workers: number;
  /** The queue's address without credentials, or null. */
  readonly queue: string | null;
  /** Candidates the run keeps in flight when no batch size is given. */
  readonly defaultBatchSize: number;
  /** Prepares the run (called once by runMiner before the first candidate). */
  open(spec: CandidateTaskSpec): Promise<void>;
  /** Computes one candidate; many may be in flight. Rejects only when the executor itself fails (a worker crashed, the queue refused the job, a worker had other data). */
  compute(expression: string): Promise<CandidateWork>;
  /** Releases threads / connections (called by runMiner when the run ends, also on error). */
  close(): Promise<void>;
}

/** Bytes of the expression cache of an in-process or per-thread computation. */
export const EXPR_CACHE_BYTES = 256 * 1024 * 1024;

/** The in-process executor: candidates computed one after the other on the mining thread (the default with one worker). */
export function embeddedExecutor(): CandidateExecutor {
  let spec: CandidateTaskSpec | undefined;
  let cache: ExprCache | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  return {
    kind: 'embedded', workers: 1, queue: null, defaultBatchSize: 1,
    async open(s) {
      spec = s;
      cache = new ExprCache(EXPR_CACHE_BYTES);
    },
    compute(expression) {
      if (!spec) return Promise.reject(new Error('embeddedExecutor: compute before open'));
      const s = spec;
      // one at a time, in submission order
      const run = tail.then(() => computeCandidate(expression, s, cache));
      tail = run.catch(() => undefined);
      return run;
    },
    async close() {
      spec = undefined;
      cache = undefined;
    },
  };
}
