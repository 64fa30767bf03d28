/**
 * The mining run shared by every miner: a deterministic candidate stream in,
 * each candidate screened by the one candidate screen (lib/screen) on the
 * train segment only and counted in the one trial store, hopeful gates,
 * self-correlation dedup, lineage and progress journaled in DuckDB (resumable
 * after Ctrl-C or kill -9), and at the end a re-test of the winners on the
 * test segment.
 *
 * Segments: the last `testFraction` (default 20 %) of the dataset's bars are
 * the test segment. Mining sees only `sliceDates(panel, 0, testStart)` (the
 * "train segment" of the run; inside it the screen makes its own 60/20/20
 * walk-forward split); the hopeful gates use the screen's `full` metrics on
 * that segment (every bar after warm-up, net of costs), i.e. BRAIN's in-sample
 * figures. The test segment is read once, after mining, for the winners.
 *
 * Tables (created when missing, in the trial store's database):
 * - `mine_runs`: run_key (PK: hash of miner, dataset, panel shape, test start
 *   and the miner's config), miner, dataset, config JSON, started_at, updated_at;
 * - `mine_candidates`: (run_key, expression) PK, seq, template, parent,
 *   mutation, generation, status ('screened' | 'rejected' | 'error'), new_trial, sharpe,
 *   fitness, turnover, self_corr, hopeful, failures JSON, detail, created_at.
 * A hopeful alpha also goes to the BRAIN `hopeful_alphas` table
 * (lib/venues/brain `addHopefulAlpha`, source `mine:<miner>`) in the same
 * transaction as its journal row; its lineage is the journal row.
 *
 * Resume: the same command (same run key) replays the deterministic stream
 * and skips every expression journaled for the run. A kill between the
 * screen's trial insert and the journal row re-screens that one candidate on
 * resume; the trial store then returns the stored trial (cache hit), so it is
 * never counted twice.
 *
 * Compute and record: each candidate is computed by a `CandidateExecutor`
 * (executor.ts: in process, worker threads with the train segment in shared
 * memory, or a BullMQ queue), up to `batchSize` at once, and recorded here in
 * candidate order (lib/screen `completeScreen`: the trial store; then the
 * self-correlation gate, the journal row and hopeful_alphas). This loop is
 * the only writer, and nothing an executor computes depends on the store, so
 * the journal, the trial rows and the hopeful set are the same whatever the
 * executor, worker count and batch size. A stream yields `MINE_BARRIER` where
 * its next candidates depend on results (GP generations).
 *
 * Self-correlation: the mean per-date Spearman correlation
 * (lib/factors `snapshotCorrelation` of `rankSnapshot`s) of the candidate and
 * each hopeful alpha in the table, both evaluated on the whole train segment
 * (same sampled dates for every alpha). The store's own snapshots are not used
 * here: they are sampled over each trial's own in-sample rows, which start
 * after different warm-ups, so two trials rarely share sampled dates.
 *
 * @module
 */
import type { Panel } from '../data/panel.js';
import { sliceDates } from '../data/panel.js';
import { Db, sha256, stableJson } from '../db/index.js';
import { evaluate, parse } from '../expr/index.js';
import { FactorStore, rankSnapshot, snapshotCorrelation, type RankSnapshot } from '../factors/index.js';
import { simulatePortfolio, type PortfolioSettings } from '../backtest/index.js';
import { deflatedSharpeReport } from '../stats/index.js';
import { completeScreen, type FailureKind } from '../screen/index.js';
import { embeddedExecutor, type CandidateExecutor, type CandidateWork } from './executor.js';
import { poolReport, type PoolReport } from './pool.js';
import { addHopefulAlpha, DEFAULT_BRAIN_SIMULATION_SETTINGS, DEFAULT_LOCAL_GATES, ensureBrainTables, fromPortfolioSettings, listHopefulAlphas, passesLocalGates, type LocalGates } from '../venues/brain/index.js';

/** One candidate of a miner's stream, with its lineage. */
export interface MineCandidate {
  /** Canonical expression. */
  readonly expression: string;
  /** Template it instantiates (grid). */
  readonly template?: string;
  /** Parent expression (variants, GP). */
  readonly parent?: string;
  /** Mutation that made it from the parent, or 'parent' for the parent itself. */
  readonly mutation?: string;
  /** GP generation (0 = initial population). */
  readonly generation?: number;
}

/**
 * A candidate stream may yield this between candidates: the run computes and
 * records every candidate drawn before it, and calls `onResult` for each,
 * before it draws the next. A miner whose next candidates depend on results
 * (the next GP generation) yields it before breeding, so what it breeds does
 * not depend on the batch size or the number of workers.
 */
export const MINE_BARRIER: unique symbol = Symbol('mine barrier');

/** Hopeful gates: BRAIN's local IS limits plus the self-correlation limit. */
export interface MineGates extends LocalGates {
  /** Keep only when max |self-correlation| with the stored hopeful alphas is below this. Default 0.7 (BRAIN's rule). */
  readonly maxSelfCorrelation: number;
}

/** BRAIN's hopeful gates: Sharpe >= 1.25, fitness >= 1.0, turnover in [1 %, 70 %], self-correlation < 0.7. */
export const DEFAULT_MINE_GATES: MineGates = { ...DEFAULT_LOCAL_GATES, maxSelfCorrelation: 0.7 };

/** Progress of a run (after each candidate). */
export interface MineProgress {
  /** Candidates screened by this run in all (resumed ones included). */
  readonly screened: number;
  readonly max: number;
  readonly hopeful: number;
  /** Best train-segment Sharpe so far. */
  readonly bestSharpe: number;
  readonly bestExpression: string | null;
  /** Candidates per second in this session. */
  readonly perSecond: number;
}

/** Options of {@link runMiner}. */
export interface MineRunOptions {
  /** Miner name ('grid', 'variants', ...): the trial source tag is `mine:<miner>`. */
  readonly miner: string;
  /** The whole dataset (only its train segment is mined). */
  readonly panel: Panel;
  /** The one trial store; its database also holds the journal and hopeful_alphas. */
  readonly store: FactorStore;
  /** The miner's deterministic candidate stream (with {@link MINE_BARRIER} where the next candidates depend on results). */
  readonly candidates: Iterable<MineCandidate | typeof MINE_BARRIER>;
  /** What identifies the run besides miner and data (templates, seed, domains...): the same config resumes. */
  readonly config: unknown;
  /** Candidates to screen in all (resumed ones included). Default 200. */
  readonly max?: number;
  /** Stop this session after this many seconds (the run can be resumed). */
  readonly timeLimitS?: number;
  /** Share of the last bars held out as the test segment. Default 0.2. */
  readonly testFraction?: number;
  readonly gates?: MineGates;
  /** Portfolio settings of the screen (BRAIN defaults otherwise). */
  readonly portfolio?: Partial<Omit<PortfolioSettings, 'costBps' | 'start' | 'end'>>;
  /** Cost in bps of traded notional. Default 5. */
  readonly costBps?: number;
  /** Winners re-tested on the test segment at the end. Default 5. */
  readonly retest?: number;
  /** Checked before each candidate (Ctrl-C). */
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (p: MineProgress) => void;
  /**
   * Called with every journaled candidate: first each row journaled in an
   * earlier session (resume), then each new row before the next candidate is
   * drawn, so a miner that steers by results (GP) sees the same results
   * whether the run was interrupted or not.
   */
  readonly onResult?: (row: MinedCandidate) => void;
  /** Skip the end-of-run test-segment re-test (tests of what is mined). Default false. */
  readonly skipRetest?: boolean;
  /**
   * Where candidates are computed (executor.ts): in process (default),
   * worker threads (thread-pool.ts) or a BullMQ queue (queue.ts). Results are
   * recorded in candidate order whatever the executor. runMiner opens it and closes it.
   */
  readonly executor?: CandidateExecutor;
  /** Candidates drawn and in flight at once (default: the executor's, e.g. 2 per worker thread). */
  readonly batchSize?: number;
}

/** A journaled candidate. */
export interface MinedCandidate {
  readonly seq: number;
  readonly expression: string;
  readonly template: string | null;
  readonly parent: string | null;
  readonly mutation: string | null;
  readonly generation: number | null;
  readonly status: 'screened' | 'rejected' | 'error';
  readonly newTrial: boolean;
  /** Train-segment net Sharpe (annualized), fitness, turnover (fraction of book per bar). NaN when not screened. */
  readonly sharpe: number;
  readonly fitness: number;
  readonly turnover: number;
  readonly selfCorr: number;
  readonly hopeful: boolean;
  readonly detail: string | null;
  /**
   * Failure kinds the screen found (lib/screen; the cheap stages' only when
   * early rejection skipped the rest), [] when none or not screened. A
   * `degenerate_signal` candidate is never hopeful, never a winner, and gets
   * no reward or fitness from the generator and GP ({@link isDegenerate}).
   */
  readonly failureKinds: readonly FailureKind[];
}

/** Whether a journaled candidate's factor is degenerate (lib/screen `degenerate_signal`: it barely ranks the assets). */
export function isDegenerate(row: { readonly failureKinds?: readonly FailureKind[] } | undefined): boolean {
  return row?.failureKinds?.includes('degenerate_signal') ?? false;
}

/** A winner re-tested on the test segment. */
export interface RetestedWinner {
  readonly expression: string;
  readonly trainSharpe: number;
  readonly testSharpe: number;
  readonly testFitness: number;
  readonly testTurnover: number;
  /** Deflated Sharpe (probability the true Sharpe > 0) of the test-segment returns with every trial of the dataset counted. */
  readonly deflatedSharpe: number;
  readonly nTrials: number;
  readonly hopeful: boolean;
  /** Why the test Sharpe is not a number (e.g. the book holds nothing on the test segment), absent when it is. */
  readonly testNote?: string;
}

/** A variant that beat its parent on a train-segment metric. */
export interface Improvement {
  readonly expression: string;
  readonly parent: string;
  readonly mutation: string;
  /** Metrics improved, with the parent's and the variant's values. */
  readonly improved: Readonly<Record<string, { parent: number; variant: number }>>;
}

/** The outcome of {@link runMiner}. */
export interface MineResult {
  readonly runKey: string;
  readonly miner: string;
  readonly dataset: string;
  /** Candidates screened by the run in all (resumed included). */
  readonly candidates: number;
  /** Screened in this session, and how fast. */
  readonly screenedThisSession: number;
  readonly screenedPerSecond: number;
  /** Rejected before screening (lookback, parse) or erroring, in all. */
  readonly rejected: number;
  /** Stream entries skipped because the run journaled them in an earlier session (resume). */
  readonly resumedSkips: number;
  /** Stream entries skipped as canonical duplicates of an earlier entry of this session. */
  readonly duplicateSkips: number;
  readonly hopeful: number;
  readonly testStart: number;
  readonly stoppedBy: 'max' | 'exhausted' | 'time' | 'signal';
  readonly journal: readonly MinedCandidate[];
  readonly winners: readonly RetestedWinner[];
  readonly improvements: readonly Improvement[];
  /** The run's hopeful alphas (at most 50, best train Sharpe first; else the winners) combined, scored on the test segment (pool.ts); null with skipRetest. */
  readonly pool: PoolReport | null;
  readonly trialsInStore: number;
  /** Where the candidates were computed: executor kind, workers (threads, or workers seen on the queue), queue address without credentials. */
  readonly executor: { readonly kind: CandidateExecutor['kind']; readonly workers: number; readonly queue: string | null; readonly batchSize: number };
}

const JOURNAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS mine_runs (
  run_key VARCHAR PRIMARY KEY, miner VARCHAR NOT NULL, dataset VARCHAR NOT NULL, config JSON NOT NULL,
  started_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS mine_candidates (
  run_key VARCHAR NOT NULL, seq INTEGER NOT NULL, expression VARCHAR NOT NULL, template VARCHAR, parent VARCHAR, mutation VARCHAR, generation INTEGER,
  status VARCHAR NOT NULL, new_trial BOOLEAN NOT NULL, sharpe DOUBLE, fitness DOUBLE, turnover DOUBLE, self_corr DOUBLE,
  hopeful BOOLEAN NOT NULL, failures JSON, detail VARCHAR, created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (run_key, expression));
`;

/**
 * Lineage of each hopeful alpha (the BRAIN `hopeful_alphas` table belongs to
 * lib/venues/brain and its inserts list every column, so the lineage lives
 * beside it, keyed by the same id): miner, run, journal row, template, parent,
 * mutation, generation and, for the learned generator, the policy checkpoint
 * (`template` = `policy:<checkpoint id>`). Written in the hopeful row's transaction.
 */
const LINEAGE_SCHEMA = `
CREATE TABLE IF NOT EXISTS hopeful_lineage (
  id VARCHAR PRIMARY KEY, miner VARCHAR NOT NULL, run_key VARCHAR NOT NULL, seq INTEGER NOT NULL, template VARCHAR, parent VARCHAR, mutation VARCHAR,
  generation INTEGER, checkpoint VARCHAR, created_at TIMESTAMP NOT NULL);
`;

async function recordLineage(tx: Pick<Db, 'exec'>, runKey: string, miner: string, row: MinedCandidate): Promise<void> {
  const checkpoint = row.template?.startsWith('policy:') ? row.template.slice('policy:'.length) : null;
  await tx.exec(`INSERT OR REPLACE INTO hopeful_lineage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP)`, [row.expression, miner, runKey, row.seq, row.template, row.parent, row.mutation, row.generation, checkpoint, nowTs()]);
}

/** Hopeful alphas with their lineage (null fields for rows added by hand or before lineage was recorded). */
export async function listHopefulLineage(db: Db): Promise<Record<string, unknown>[]> {
  await ensureBrainTables(db);
  await db.exec(LINEAGE_SCHEMA);
  return db.all(`SELECT h.id, h.expression, h.source, l.miner, l.run_key, l.seq, l.template, l.parent, l.mutation, l.generation, l.checkpoint FROM hopeful_alphas h LEFT JOIN hopeful_lineage l ON l.id = h.id ORDER BY h.id`);
}

const nowTs = (): string => new Date().toISOString().replace('T', ' ').replace('Z', '');
const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export { hopefulGate } from './executor.js';

/** The journal of a run, in screening order. */
export async function readMineJournal(db: Db, runKey: string): Promise<MinedCandidate[]> {
  await db.exec(JOURNAL_SCHEMA);
  const rows = await db.all(`SELECT * FROM mine_candidates WHERE run_key = ? ORDER BY seq`, [runKey]);
  return rows.map((r) => ({
    seq: Number(r.seq), expression: String(r.expression), template: (r.template as string | null) ?? null, parent: (r.parent as string | null) ?? null,
    mutation: (r.mutation as string | null) ?? null, generation: r.generation === null || r.generation === undefined ? null : Number(r.generation), status: String(r.status) as MinedCandidate['status'], newTrial: Boolean(r.new_trial),
    sharpe: num(r.sharpe), fitness: num(r.fitness), turnover: num(r.turnover), selfCorr: num(r.self_corr), hopeful: Boolean(r.hopeful), detail: (r.detail as string | null) ?? null,
    failureKinds: failureKindsOf(r.failures),
  }));
}

/** The kinds of a journal row's `failures` JSON (a string or the parsed value, depending on the driver); [] for null. */
function failureKindsOf(v: unknown): FailureKind[] {
  const list: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(list) ? list.map((f) => (f as { kind: FailureKind }).kind).filter((k) => typeof k === 'string') : [];
}

/** First bar of the test segment: floor(T x (1 - testFraction)). @throws RangeError for a fraction outside (0, 0.5]. */
export function testSegmentStart(nBars: number, testFraction = 0.2): number {
  if (!(testFraction > 0 && testFraction <= 0.5)) throw new RangeError(`testFraction must be in (0, 0.5], got ${testFraction}`);
  return Math.floor(nBars * (1 - testFraction));
}

/** The run key: a hash of miner, dataset, panel shape, test start and config. */
export function mineRunKey(miner: string, panel: Panel, testStart: number, config: unknown): string {
  return sha256(stableJson({ miner, dataset: panel.dataset ?? null, T: panel.times.length, N: panel.assets.length, first: panel.times[0] ?? null, testStart, config })).slice(0, 24);
}

/**
 * Runs a miner (see the module comment). Each candidate screened counts one
 * trial in the store (none for a candidate whose identical trial is already
 * stored: `newTrial` false).
 * @throws Error when the panel has no dataset name; errors of the store.
 */
export async function runMiner(o: MineRunOptions): Promise<MineResult> {
  const { panel, store, miner } = o;
  const dataset = panel.dataset;
  if (!dataset) throw new Error('runMiner: the panel has no dataset name to record trials under');
  const db = store.db;
  const T = panel.times.length, N = panel.assets.length;
  const testStart = testSegmentStart(T, o.testFraction);
  const train = sliceDates(panel, 0, testStart);
  const runKey = mineRunKey(miner, panel, testStart, o.config);
  const max = o.max ?? 200;
  const gates = o.gates ?? DEFAULT_MINE_GATES;
  const costBps = o.costBps ?? 5;
  const source = `mine:${miner}`;
  await db.exec(JOURNAL_SCHEMA);
  await ensureBrainTables(db);
  await db.exec(LINEAGE_SCHEMA);
  await db.exec(`INSERT INTO mine_runs VALUES (?, ?, ?, ?, ?::TIMESTAMP, ?::TIMESTAMP) ON CONFLICT (run_key) DO UPDATE SET updated_at = excluded.updated_at`,
    [runKey, miner, dataset, JSON.stringify(o.config ?? null), nowTs(), nowTs()]);

  const journal = await readMineJournal(db, runKey);
  const before = new Set(journal.map((j) => j.expression));
  const done = new Set<string>();
  let screened = journal.filter((j) => j.status === 'screened').length;
  let seq = journal.length;

  // the hopeful pool: every stored hopeful alpha evaluated on the train segment
  const pool: { expression: string; snap: RankSnapshot }[] = [];
  const snapshotOf = (values: Float64Array) => rankSnapshot(values, train.times, N);
  for (const h of await listHopefulAlphas(db)) {
    try {
      pool.push({ expression: h.expression, snap: snapshotOf(evaluate(parse(h.expression), train)) });
    } catch {
      // a hopeful alpha over fields this panel lacks is not comparable here
    }
  }

  for (const j of journal) o.onResult?.(j);
  const t0 = performance.now();
  let session = 0, resumedSkips = 0, duplicateSkips = 0;
  let stoppedBy: MineResult['stoppedBy'] = 'exhausted';
  let best = journal.filter((j) => j.status === 'screened').reduce<{ s: number; e: string | null }>((b, j) => (j.sharpe > b.s ? { s: j.sharpe, e: j.expression } : b), { s: -Infinity, e: null });
  let hopefulCount = journal.filter((j) => j.hopeful).length;
  const pf = o.portfolio ?? {};
  const brainSettings = (() => {
    try {
      return fromPortfolioSettings(pf);
    } catch {
      return { ...DEFAULT_BRAIN_SIMULATION_SETTINGS };
    }
  })();

  /** Completes one computed candidate (store, self-correlation, gates) and journals it, in one transaction with its hopeful_alphas row. */
  const recordCandidate = async (c: MineCandidate, work: CandidateWork): Promise<MinedCandidate> => {
    const lineage = { seq, expression: c.expression, template: c.template ?? null, parent: c.parent ?? null, mutation: c.mutation ?? null, generation: c.generation ?? null };
    const unscreened = { newTrial: false, sharpe: NaN, fitness: NaN, turnover: NaN, selfCorr: NaN, hopeful: false, failureKinds: [] };
    let row: MinedCandidate;
    let failures: unknown = null;
    try {
      if (!work.ok) throw new Error(work.error);
      const r = await completeScreen(work.computation, train.assets, { portfolio: pf, costBps }, { store, dataset, source });
      failures = r.failures;
      if (!r.screened) {
        row = { ...lineage, ...unscreened, status: 'rejected', detail: r.failures.map((f) => f.detail).join('; '), failureKinds: r.failures.map((f) => f.kind) };
      } else {
        const m = r.full!;
        const snap = work.snapshot!;
        let selfCorr = NaN;
        for (const p of pool) {
          if (p.expression === c.expression) continue;
          const { corr } = snapshotCorrelation(snap, p.snap);
          if (Number.isFinite(corr) && !(Math.abs(corr) <= selfCorr)) selfCorr = Math.abs(corr);
        }
        const failureKinds = r.failures.map((f) => f.kind);
        // a degenerate factor (it barely ranks the assets) is never hopeful, whatever its Sharpe
        const hopeful = passesLocalGates(m, gates) && !(selfCorr >= gates.maxSelfCorrelation) && !failureKinds.includes('degenerate_signal');
        row = { ...lineage, status: 'screened', newTrial: !r.factor!.cached, sharpe: m.sharpe, fitness: m.fitness, turnover: m.turnover, selfCorr, hopeful, detail: null, failureKinds };
        if (hopeful) pool.push({ expression: c.expression, snap });
      }
    } catch (err) {
      row = { ...lineage, ...unscreened, status: 'error', detail: (err as Error).message };
    }
    const done = row;
    await db.transaction(async (tx) => {
      await tx.exec(`INSERT INTO mine_candidates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP)`, [
        runKey, done.seq, done.expression, done.template, done.parent, done.mutation, done.generation, done.status, done.newTrial,
        finiteOrNull(done.sharpe), finiteOrNull(done.fitness), finiteOrNull(done.turnover), finiteOrNull(done.selfCorr), done.hopeful,
        failures === null ? null : JSON.stringify(failures), done.detail, nowTs(),
      ]);
      if (done.hopeful) {
        await addHopefulAlpha(tx, { id: done.expression, expression: done.expression, settings: brainSettings, source, localMetrics: { sharpe: done.sharpe, fitness: done.fitness, turnover: done.turnover } }, gates);
        await recordLineage(tx, runKey, miner, done);
      }
    });
    return done;
  };

  // Candidates are computed by the executor (in process, worker threads or a queue), up to `batch` in
  // flight, and recorded here one by one in candidate order: this loop is the single writer of the trial
  // store, the journal and hopeful_alphas, so the rows do not depend on the executor or the worker count.
  const executor = o.executor ?? embeddedExecutor();
  const batch = o.batchSize ?? executor.defaultBatchSize;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`runMiner: batchSize must be a positive integer, got ${batch}`);
  const inflight: { c: MineCandidate; work: Promise<CandidateWork> }[] = [];
  const it = o.candidates[Symbol.iterator]();
  let exhausted = false, atBarrier = false;
  let stopReason: 'time' | 'signal' | null = null;
  try {
    await executor.open({ panel: train, dataset, source, settings: { portfolio: pf, costBps, hopefulGates: gates } });
    for (;;) {
      while (!exhausted && !atBarrier && stopReason === null && inflight.length < batch && screened + inflight.length < max) {
        if (o.shouldStop?.()) { stopReason = 'signal'; break; }
        if (o.timeLimitS !== undefined && (performance.now() - t0) / 1000 >= o.timeLimitS) { stopReason = 'time'; break; }
        const next = it.next();
        if (next.done) { exhausted = true; break; }
        if (next.value === MINE_BARRIER) { atBarrier = true; break; }
        const c = next.value;
        if (before.has(c.expression)) { resumedSkips++; continue; }
        if (done.has(c.expression)) { duplicateSkips++; continue; }
        done.add(c.expression);
        const work = executor.compute(c.expression);
        work.catch(() => undefined); // awaited in order below; a rejection is not "unhandled" meanwhile
        inflight.push({ c, work });
      }
      const head = inflight.shift();
      if (!head) {
        if (atBarrier) {
          atBarrier = false;
          // a stream may pass barriers with nothing to compute (every sample already known): let signals and timers run
          await new Promise((r) => setImmediate(r));
          continue;
        }
        break;
      }
      const row = await recordCandidate(head.c, await head.work);
      journal.push(row);
      seq++;
      o.onResult?.(row);
      if (row.status === 'screened') {
        screened++;
        session++;
        if (row.sharpe > best.s) best = { s: row.sharpe, e: row.expression };
        if (row.hopeful) hopefulCount++;
      }
      o.onProgress?.({ screened, max, hopeful: hopefulCount, bestSharpe: best.s, bestExpression: best.e, perSecond: session / Math.max(1e-9, (performance.now() - t0) / 1000) });
    }
  } finally {
    await executor.close();
  }
  if (stopReason) stoppedBy = stopReason;
  if (stoppedBy === 'exhausted' && screened >= max) stoppedBy = 'max';
  const elapsed = (performance.now() - t0) / 1000;
  await db.exec(`UPDATE mine_runs SET updated_at = ?::TIMESTAMP WHERE run_key = ?`, [nowTs(), runKey]);

  const winners = o.skipRetest ? [] : await retestWinners(journal, panel, store, testStart, pf, costBps, o.retest ?? 5);
  const hopefulExprs = journal.filter((j) => j.hopeful).sort((a, b) => b.sharpe - a.sharpe).slice(0, 50).map((j) => j.expression);
  const poolExprs = hopefulExprs.length ? hopefulExprs : winners.map((w) => w.expression);
  const poolReportOut = o.skipRetest || poolExprs.length === 0 ? null : poolReport(poolExprs, panel, testStart);
  return {
    runKey, miner, dataset, candidates: screened, screenedThisSession: session, screenedPerSecond: elapsed > 0 ? session / elapsed : 0,
    rejected: journal.filter((j) => j.status !== 'screened').length, resumedSkips, duplicateSkips, hopeful: hopefulCount, testStart, stoppedBy,
    journal, winners, improvements: improvements(journal), pool: poolReportOut, trialsInStore: await store.countTrials({ dataset }),
    executor: { kind: executor.kind, workers: executor.workers, queue: executor.queue, batchSize: batch },
  };
}

/**
 * Re-tests the winners on the test segment: the hopeful candidates (else the
 * screened ones that are not `degenerate_signal`) with the highest train Sharpe, evaluated on the whole panel
 * (values at t use bars up to t only) and simulated on bars [testStart, T)
 * with the mining settings; the deflated Sharpe counts every trial of the
 * dataset in the store and their per-bar Sharpe variance. A test Sharpe that
 * is not a number comes with `testNote` saying why (a flat book, or a PnL
 * with no variance).
 */
export async function retestWinners(journal: readonly MinedCandidate[], panel: Panel, store: FactorStore, testStart: number, pf: MineRunOptions['portfolio'], costBps: number, k: number): Promise<RetestedWinner[]> {
  const screened = journal.filter((j) => j.status === 'screened' && Number.isFinite(j.sharpe) && !isDegenerate(j));
  const hopeful = screened.filter((j) => j.hopeful);
  const pick = (hopeful.length ? hopeful : screened).slice().sort((a, b) => b.sharpe - a.sharpe).slice(0, k);
  const { nTrials, variance } = await store.trialSharpeStats({ dataset: panel.dataset! });
  return pick.map((j) => {
    const values = evaluate(parse(j.expression), panel);
    const r = simulatePortfolio(values, panel, { ...pf, costBps, start: testStart, end: panel.times.length });
        const ds = deflatedSharpeReport({ returns: r.returns, annualization: r.metrics.annualization, nTrials: Math.max(1, nTrials), trialSharpeVariance: nTrials <= 1 || !Number.isFinite(variance) ? 0 : variance });
    const note = Number.isFinite(r.metrics.sharpe) ? null : testSharpeNote(r.weights, r.returns, panel.assets.length);
    return { expression: j.expression, trainSharpe: j.sharpe, testSharpe: r.metrics.sharpe, testFitness: r.metrics.fitness, testTurnover: r.metrics.turnover, deflatedSharpe: ds.dsr, nTrials, hopeful: j.hopeful, ...(note ? { testNote: note } : {}) };
  });
}

/** Why a test-segment Sharpe is not a number: no position on any bar, or returns without variance (weights bars x N, returns per bar). */
export function testSharpeNote(weights: Float64Array, returns: Float64Array, N: number): string {
  const bars = returns.length;
  let held = 0;
  for (let i = 0; i < bars; i++) {
    for (let a = 0; a < N; a++) if (weights[i * N + a] !== 0) { held++; break; }
  }
  if (held === 0) return `no position on any of the ${bars} test bars (every asset gets the same value, or none a value): Sharpe undefined`;
  const finite = Array.from(returns).filter((x) => Number.isFinite(x));
  const mean = finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
  const varZero = finite.every((x) => x === mean);
  return varZero ? `positions on ${held} of ${bars} test bars but a constant return: Sharpe undefined` : `positions on ${held} of ${bars} test bars; Sharpe not finite (${finite.length} finite returns of ${bars})`;
}

/** Variants that beat their parent's train-segment Sharpe or fitness (the parent journaled in the same run; neither `degenerate_signal`). */
export function improvements(journal: readonly MinedCandidate[]): Improvement[] {
  const byExpr = new Map(journal.map((j) => [j.expression, j]));
  const out: Improvement[] = [];
  for (const j of journal) {
    if (!j.parent || j.status !== 'screened' || isDegenerate(j)) continue;
    const p = byExpr.get(j.parent);
    if (!p || p.status !== 'screened' || isDegenerate(p)) continue;
    const improved: Record<string, { parent: number; variant: number }> = {};
    if (j.sharpe > p.sharpe) improved.sharpe = { parent: p.sharpe, variant: j.sharpe };
    if (j.fitness > p.fitness) improved.fitness = { parent: p.fitness, variant: j.fitness };
    if (Object.keys(improved).length) out.push({ expression: j.expression, parent: p.expression, mutation: j.mutation ?? '?', improved });
  }
  return out;
}
