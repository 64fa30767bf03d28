/**
 * One component run of the orchestrator, in its own process (started and
 * supervised by `alphalab orchestrator`; not meant to be run by hand):
 *
 *   generator   one batch of the LLM hypothesis loop (--batch-size iterations) on the model fleet,
 *               or on --ollama-model alone when given
 *   miner       one batch of the offline proposer (templates and mutations of the best stored factors;
 *               the mining issue's miners replace it when they land)
 *   submitter   at most the daily limit of submissions, through the Submitter interface: WorldQuant
 *               BRAIN when a credentials file is configured (bin/orchestrator-brain.ts), else a
 *               local submission log
 *
 * Settings arrive as JSON in $ALPHALAB_WORKER (never secrets: a credentials file is passed by path).
 * The last stdout line is the run's result as JSON. When the orchestrator dies (even by kill -9) the
 * IPC channel closes and the run stops after its current step.
 */
import { Db } from '../lib/db/index.js';
import { research, openKnowledgeBase } from '../lib/agent/index.js';
import { FleetProvider, LlmError, loadFleetConfig, OllamaProvider, probeGpus, freeVramGb, type LlmProvider } from '../lib/llm/index.js';
import { LocalSubmissionLog, onParentGone, runSubmissions, SubmissionLedger, type SubmissionCandidate, type Submitter } from '../lib/jobs/index.js';
import { BrainClient } from '../lib/venues/brain/index.js';
import { brainCredentials } from '../lib/venues/credentials.js';
import { BrainJobsSubmitter } from './orchestrator-brain.js';

/** Settings of a worker run (built by bin/orchestrator.ts). */
export interface WorkerSettings {
  readonly component: 'generator' | 'miner' | 'submitter';
  readonly batchSize: number;
  readonly ollamaUrl?: string;
  readonly ollamaModel?: string;
  /** Knowledge base + trial store DuckDB file. */
  readonly db: string;
  readonly dataset: string;
  readonly fleetState: string;
  readonly fleetConfig: string;
  readonly submissionsDb: string;
  readonly submissionsLog: string;
  readonly dailyLimit: number;
  readonly seed: number;
  readonly timeoutMs: number;
  /** BRAIN credentials file (path only): the submitter submits to BRAIN. Absent: the local log. */
  readonly brainCredentials?: string;
  /** BRAIN API base URL (default the real one). */
  readonly brainUrl?: string;
}

const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
const err = (l: string) => process.stderr.write(`${l}\n`);

async function generator(s: WorkerSettings, signal: AbortSignal): Promise<void> {
  const llm: LlmProvider = s.ollamaModel
    ? new OllamaProvider({ model: s.ollamaModel, host: s.ollamaUrl, timeoutMs: s.timeoutMs })
    : new FleetProvider({
        config: loadFleetConfig(s.fleetConfig),
        statePath: s.fleetState,
        host: s.ollamaUrl,
        timeoutMs: s.timeoutMs,
        log: err,
        // free GPU memory for the upgrade decision (nvidia-smi; undefined = CPU only)
        freeVramGb: async () => freeVramGb(await probeGpus()),
      });
  try {
    await llm.check();
  } catch (e) {
    if (e instanceof LlmError) {
      err(`generator: ${e.message}`);
      out({ component: 'generator', ok: false, error: e.message, code: e.code });
      process.exit(3);
    }
    throw e;
  }
  const r = await research({ llm, provider: 'ollama', iterations: s.batchSize, dataset: s.dataset, dbPath: s.db, seed: s.seed, signal, log: err, timeoutMs: s.timeoutMs });
  out({ component: 'generator', ok: r.status === 'completed', runId: r.runId, model: r.model, tried: r.tried, tested: r.tested, passed: r.passed, bestSharpe: Number.isFinite(r.bestSharpe) ? r.bestSharpe : null, status: r.status, stopReason: r.stopReason, ...(llm instanceof FleetProvider ? { fleetTier: llm.state.tierIndex } : {}) });
}

async function miner(s: WorkerSettings, signal: AbortSignal): Promise<void> {
  const r = await research({ provider: 'offline', iterations: s.batchSize, dataset: s.dataset, dbPath: s.db, seed: s.seed, signal, log: err, requirements: 'mine variants and mutations of the best stored factors' });
  out({ component: 'miner', ok: r.status === 'completed', runId: r.runId, tried: r.tried, tested: r.tested, passed: r.passed, bestSharpe: Number.isFinite(r.bestSharpe) ? r.bestSharpe : null, status: r.status });
}

async function submitter(s: WorkerSettings): Promise<void> {
  // candidates: validated hypotheses, best Sharpe first (the knowledge base is closed before submitting)
  const kb = await openKnowledgeBase(s.db);
  let candidates: SubmissionCandidate[];
  try {
    const validated = (await kb.search({ status: 'validated' })).filter((h) => Number.isFinite(h.sharpe)).sort((a, b) => b.sharpe - a.sharpe);
    candidates = validated.map((h) => ({ id: h.id, payload: { name: h.name, expression: h.expressions[0], params: h.params, sharpe: h.sharpe } }));
  } finally {
    kb.close();
    Db.closeAll();
  }
  const db = await Db.open(s.submissionsDb);
  try {
    const ledger = await SubmissionLedger.open(db);
    // BRAIN's own tables live in the same file as the ledger
    const venue: Submitter = s.brainCredentials
      ? new BrainJobsSubmitter(db, new BrainClient({ credentials: brainCredentials(s.brainCredentials), ...(s.brainUrl ? { baseUrl: s.brainUrl } : {}) }), { log: err })
      : new LocalSubmissionLog(s.submissionsLog);
    const r = await runSubmissions({ ledger, submitter: venue, candidates, dailyLimit: s.dailyLimit, log: err });
    out({ component: 'submitter', ok: true, venue: venue.name, day: r.day, submitted: r.submitted.map((x) => ({ id: x.candidateId, ref: x.ref })), reconciled: r.reconciled, stoppedBy: r.stoppedBy, todayCount: r.todayCount, candidates: candidates.length });
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const raw = process.env.ALPHALAB_WORKER;
  if (!raw) throw new Error('orchestrator-worker: $ALPHALAB_WORKER is not set (this process is started by `alphalab orchestrator`)');
  const s = JSON.parse(raw) as WorkerSettings;
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  onParentGone(stop);
  if (s.component === 'generator') await generator(s, ac.signal);
  else if (s.component === 'miner') await miner(s, ac.signal);
  else if (s.component === 'submitter') await submitter(s);
  else throw new Error(`orchestrator-worker: unknown component "${(s as { component: string }).component}"`);
  // the IPC channel keeps the event loop alive: leave explicitly
  process.disconnect?.();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    err(`orchestrator-worker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
