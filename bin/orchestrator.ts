/**
 * `alphalab orchestrator`: runs the generator (LLM hypothesis loop on the
 * model fleet), the miner and the submitter unattended, and manages the fleet.
 *
 *   alphalab orchestrator --mode continuous|daily|miner|submitter|generator [--max-concurrent 1]
 *       [--mining-interval 6] [--batch-size 1] [--ollama-url URL] [--ollama-model NAME]
 *       [--restart-interval 30] [--credentials FILE] [--daily-at "0 2 * * *"] [--once] [--json]
 *   alphalab orchestrator --mode requests [--once]   (only the dashboard's generate / mine / submit requests)
 *   alphalab orchestrator --mode fleet-status|fleet-reset|fleet-downgrade [--json]
 *
 * Each component runs as a supervised child (bin/orchestrator-worker.ts): restarted with backoff when
 * it crashes, restarted every --restart-interval minutes, PID and exit logged (pino: JSON lines in
 * data/logs/orchestrator.log and data/logs/<component>.log, readable lines on stderr); every run is recorded in DuckDB
 * (data/jobs.duckdb: job_state, job_runs), with VRAM readings every --vram-interval seconds (vram_gpu, vram_models). SIGTERM / Ctrl-C stop the children cleanly.
 * Requests queued in data/control/requests/ (the dashboard's buttons) are run once each in the modes continuous, daily,
 * miner and requests (lib/jobs/requests.ts); data/control/PAUSE holds them and every scheduled run.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { projectRoot } from '../lib/db/paths.js';
import { Db } from '../lib/db/index.js';
import { defaultFleetStatePath, ensureVramTables, FleetProvider, fleetStatus, formatVramReading, loadFleetConfig, OllamaModelOps, storeVramReading, VramMonitor, type FleetStatus } from '../lib/llm/index.js';
import { createJobLogger, JobStore, Orchestrator, REQUEST_COMPONENT, type ChildSpec, type ComponentName, type RequestKind, type RequestParams, type RunOutcome, type ScheduleMode } from '../lib/jobs/index.js';
import type { WorkerSettings } from './orchestrator-worker.js';

const MODES = ['continuous', 'daily', 'miner', 'submitter', 'generator', 'requests', 'fleet-status', 'fleet-reset', 'fleet-downgrade'] as const;

/** Flags of `alphalab orchestrator`. */
export interface OrchestratorFlags {
  mode: (typeof MODES)[number];
  maxConcurrent: number;
  miningInterval: number;
  batchSize: number;
  ollamaUrl?: string;
  ollamaModel?: string;
  restartInterval: number;
  credentials?: string;
  brainUrl?: string;
  dailyAt: string;
  dailyLimit: number;
  once?: boolean;
  json?: boolean;
  db?: string;
  jobsDb?: string;
  fleetState?: string;
  fleetConfig?: string;
  dataset: string;
  seed: number;
  timeout: number;
  restartBackoff: number;
  maxRestarts: number;
  logFile?: string;
  submissionsDir?: string;
  vramInterval: number;
  controlDir?: string;
}

const posInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};
const posNum = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
};
const nonNeg = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number >= 0, got "${v}"`);
  return n;
};

/** The fleet-status object printed by `--mode fleet-status --json`. */
export function fleetStatusJson(s: FleetStatus): Record<string, unknown> {
  return {
    mode: 'fleet-status',
    tierIndex: s.tierIndex,
    tier: s.tier.name,
    model: s.tier.model,
    provider: s.tier.provider,
    emergency: s.tier.emergency ?? false,
    numCtx: s.tier.numCtx,
    consecutiveOoms: s.consecutiveOoms,
    totalOoms: s.totalOoms,
    successes: s.successes,
    degraded: s.degraded,
    degradedDetail: s.degradedDetail ?? null,
    lastChange: s.lastChange ? { at: s.lastChange.at, kind: s.lastChange.kind, from: s.lastChange.fromModel, to: s.lastChange.toModel, reason: s.lastChange.reason } : null,
    tiers: s.tiers.map((t) => t.model),
    statePath: s.statePath,
  };
}

function printFleet(s: FleetStatus): void {
  console.log(`fleet: tier ${s.tierIndex + 1}/${s.tiers.length} ${s.tier.name} = ${s.tier.model} (${s.tier.provider}, num_ctx ${s.tier.numCtx}${s.tier.emergency ? ', emergency' : ''})`);
  console.log(`  OOM-class errors: ${s.consecutiveOoms} in a row, ${s.totalOoms} in all; ${s.successes} answers`);
  console.log(`  ${s.degraded ? `DEGRADED: ${s.degradedDetail}` : 'not degraded'}`);
  console.log(`  last change: ${s.lastChange ? `${s.lastChange.at} ${s.lastChange.kind} ${s.lastChange.fromModel} -> ${s.lastChange.toModel}: ${s.lastChange.reason}` : 'none'}`);
  console.log(`  state file: ${s.statePath}`);
}

async function fleetCommand(f: OrchestratorFlags, root: string): Promise<number> {
  const statePath = resolve(f.fleetState ?? defaultFleetStatePath(root));
  const config = loadFleetConfig(resolve(f.fleetConfig ?? join(root, 'model_fleet.json')));
  if (f.mode === 'fleet-reset' || f.mode === 'fleet-downgrade') {
    const fleet = new FleetProvider({ config, statePath, host: f.ollamaUrl, timeoutMs: 10_000 });
    if (f.mode === 'fleet-reset') fleet.reset('fleet-reset from the command line');
    else if (!(await fleet.downgrade('fleet-downgrade from the command line'))) process.stderr.write(`fleet: already on the last tier (${fleet.model})\n`);
  }
  const s = fleetStatus(statePath, config);
  if (f.json) console.log(JSON.stringify({ ...fleetStatusJson(s), mode: f.mode }));
  else printFleet(s);
  return 0;
}

function workerSpec(name: ComponentName, f: OrchestratorFlags, root: string, db: string, over: Partial<WorkerSettings> = {}): ChildSpec {
  const settings: WorkerSettings = {
    component: name,
    batchSize: f.batchSize,
    ollamaUrl: f.ollamaUrl,
    ollamaModel: f.ollamaModel,
    // DuckDB allows one writer process per file: concurrent miner batches get their own file
    db: name === 'miner' && f.maxConcurrent > 1 ? db.replace(/(\.duckdb)?$/, '-miner.duckdb') : db,
    dataset: f.dataset,
    fleetState: resolve(f.fleetState ?? defaultFleetStatePath(root)),
    fleetConfig: resolve(f.fleetConfig ?? join(root, 'model_fleet.json')),
    submissionsDb: join(resolve(f.submissionsDir ?? join(root, 'data')), 'submissions.duckdb'),
    submissionsLog: join(resolve(f.submissionsDir ?? join(root, 'data')), 'submissions.jsonl'),
    dailyLimit: f.dailyLimit,
    seed: f.seed,
    timeoutMs: f.timeout * 1000,
    // with --credentials the submitter goes to BRAIN (bin/orchestrator-brain.ts); the path only, never the secret
    ...(f.credentials ? { brainCredentials: resolve(f.credentials) } : {}),
    ...(f.brainUrl ? { brainUrl: f.brainUrl } : {}),
    ...over,
  };
  return { name, command: process.execPath, args: ['--import', 'tsx', join(root, 'bin', 'orchestrator-worker.ts')], cwd: root, env: { ...process.env, ALPHALAB_ROOT: root, ALPHALAB_WORKER: JSON.stringify(settings) } };
}

function summarize(o: RunOutcome): Record<string, unknown> {
  return { job: o.name, status: o.status, children: o.exits.map((e) => ({ pid: e.pid, code: e.code, signal: e.signal, reason: e.reason })), result: o.result ?? null };
}

async function runMode(f: OrchestratorFlags, root: string): Promise<number> {
  if (f.credentials && !existsSync(f.credentials)) throw new Error(`--credentials: file not found: ${f.credentials}`);
  const logFile = resolve(f.logFile ?? join(root, 'data', 'logs', 'orchestrator.log'));
  const log = createJobLogger('orchestrator', { file: logFile });
  // one JSON-lines file per component next to the orchestrator's: generator.log, miner.log, submitter.log
  const componentLog = (name: ComponentName) => createJobLogger(name, { file: join(dirname(logFile), `${name}.log`) });
  const jobsDbPath = resolve(f.jobsDb ?? process.env.ALPHALAB_JOBS_DB ?? join(root, 'data', 'jobs.duckdb'));
  let jobsDb: Db;
  try {
    jobsDb = await Db.open(jobsDbPath);
  } catch (err) {
    throw new Error(`${(err as Error).message} (is another orchestrator running on this file?)`);
  }
  const store = await JobStore.open(jobsDb);
  // VRAM readings every --vram-interval seconds into the same file (own connection: own transactions)
  const vramDb = await Db.open(jobsDbPath);
  await ensureVramTables(vramDb);
  let lastVram = '';
  const monitor = new VramMonitor({
    models: new OllamaModelOps({ host: f.ollamaUrl ?? process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434', timeoutMs: 5000 }),
    intervalMs: f.vramInterval * 1000,
    onReading: async (r) => {
      await storeVramReading(vramDb, r);
      const line = formatVramReading(r).replace(/\d+\/\d+ MiB \(\d+%\) \d+% busy/g, 'GPU');
      if (line !== lastVram) log.info({ degraded: r.degraded }, `vram: ${formatVramReading(r)}`);
      lastVram = line;
    },
    onError: (err) => log.warn({ err: (err as Error).message }, 'vram: reading not stored'),
  });
  monitor.start();
  const db = resolve(f.db ?? process.env.ALPHALAB_DB ?? join(root, 'data', 'quant.duckdb'));
  const components = { generator: workerSpec('generator', f, root, db), miner: workerSpec('miner', f, root, db), submitter: workerSpec('submitter', f, root, db) };
  if (f.credentials) log.info(`credentials file: ${resolve(f.credentials)} (passed by path to the submitter, which submits to WorldQuant BRAIN${f.brainUrl ? ` at ${f.brainUrl}` : ''}); without it submissions go to the local log`);
  const controlDir = resolve(f.controlDir ?? join(root, 'data', 'control'));
  // a dashboard request's parameters replace the flags for that one run; a submit request can only lower the daily limit
  const requestSpec = (kind: RequestKind, p: RequestParams): ChildSpec => {
    const name = REQUEST_COMPONENT[kind];
    const over: Partial<WorkerSettings> = { ...(p.iterations ? { batchSize: p.iterations } : {}), ...(p.dataset ? { dataset: p.dataset } : {}), ...(p.limit ? { dailyLimit: Math.min(p.limit, f.dailyLimit) } : {}) };
    return workerSpec(name, f, root, db, over);
  };
  const orch = new Orchestrator(
    {
      mode: f.mode as ScheduleMode,
      maxConcurrent: f.maxConcurrent,
      miningIntervalHours: f.miningInterval,
      dailyAt: f.dailyAt,
      once: f.once,
      pauseFile: join(controlDir, 'PAUSE'),
      requestsDir: join(controlDir, 'requests'),
      policy: { restartIntervalMs: f.restartInterval * 60_000, backoffBaseMs: f.restartBackoff * 1000, maxRestarts: f.maxRestarts },
    },
    components,
    store,
    log,
    componentLog,
    requestSpec,
  );
  let interrupts = 0;
  let stopSignal = '';
  const onSignal = (sig: string) => {
    interrupts++;
    stopSignal ||= sig;
    if (interrupts > 1) process.exit(130);
    log.info(`${sig}: stopping the children (again to quit at once)`);
    void orch.stop();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const outcomes = await orch.run();
  monitor.stop();
  await monitor.readOnce(); // one last reading, and waits for one in flight
  const states = await store.states();
  vramDb.close();
  jobsDb.close();
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const requests = orch.requests.map((r) => ({ id: r.id, kind: r.kind, state: r.state, jobId: r.jobId ?? null, ...(r.error ? { error: r.error } : {}) }));
  if (f.json) console.log(JSON.stringify({ mode: f.mode, runs: outcomes.map(summarize), requests, jobs: states, jobsDb: jobsDbPath }));
  else {
    for (const o of outcomes) console.log(`${o.name}: ${o.status}${o.result ? ` ${JSON.stringify(o.result)}` : ''}`);
    for (const r of requests) console.log(`request ${r.id}: ${r.state}${r.jobId ? ` (job ${r.jobId})` : ''}${r.error ? `: ${r.error}` : ''}`);
  }
  // stopped by a signal: 128 + its number (130 for Ctrl-C, 143 for SIGTERM), after the children stopped
  return failed ? 1 : stopSignal === 'SIGINT' ? 130 : stopSignal === 'SIGTERM' ? 143 : 0;
}

/** Registers `orchestrator` on the alphalab program. */
export function registerOrchestrator(program: Command): void {
  program
    .command('orchestrator')
    .description('run generator, miner and submitter unattended (supervised children, schedules), or manage the model fleet')
    .addOption(new Option('--mode <mode>', 'what to run').choices([...MODES]).default('continuous'))
    .option('--max-concurrent <n>', 'component runs at once', posInt, 1)
    .option('--mining-interval <hours>', 'hours between miner runs', posNum, 6)
    .option('--batch-size <n>', 'iterations per generator / miner batch', posInt, 1)
    .option('--ollama-url <url>', 'Ollama server (default $OLLAMA_HOST or http://127.0.0.1:11434)')
    .option('--ollama-model <name>', 'use this one model instead of the fleet')
    .option('--restart-interval <minutes>', 'restart a component that runs longer than this', nonNeg, 30)
    .option('--credentials <file>', 'BRAIN credentials file (["email", "password"], chmod 600): the submitter then submits to WorldQuant BRAIN instead of the local log (read by the venue client only; never logged)')
    .option('--brain-url <url>', 'BRAIN API base URL (default https://api.worldquantbrain.com)')
    .option('--daily-at <cron>', 'cron pattern (UTC) of the daily mode', '0 2 * * *')
    .option('--daily-limit <n>', 'submissions per UTC day', posInt, 1)
    .option('--once', 'fire every schedule once, then exit')
    .option('--json', 'print one JSON summary line')
    .option('--db <path>', 'knowledge base / trial store DuckDB file (default data/quant.duckdb)')
    .option('--jobs-db <path>', 'job state DuckDB file (default data/jobs.duckdb)')
    .option('--fleet-state <path>', 'fleet state file (default data/model_fleet_state.json)')
    .option('--fleet-config <path>', 'fleet config file (default model_fleet.json; built-in tiers when absent)')
    .option('-d, --dataset <name>', 'dataset of the generator and miner', 'sp500_daily')
    .option('--seed <n>', 'seed', (v) => Number(v), 7)
    .option('--timeout <s>', 'model call timeout in seconds', posNum, 180)
    .option('--restart-backoff <s>', 'first crash-restart backoff in seconds (doubles per crash, capped at 5 min)', posNum, 5)
    .option('--max-restarts <n>', 'crash restarts in a row before a run is given up', (v) => Number(v), 5)
    .option('--submissions-dir <dir>', 'folder of the submission ledger (submissions.duckdb) and the local submission log (submissions.jsonl); default data/')
    .option('--vram-interval <s>', 'seconds between VRAM readings (nvidia-smi and /api/ps, stored in the jobs DuckDB)', posNum, 30)
    .option('--control-dir <dir>', "the dashboard's command folder: PAUSE file and requests/ (default data/control)")
    .option('--log-file <path>', 'JSON-lines log of the orchestrator (default data/logs/orchestrator.log); components log to <component>.log in the same folder')
    .action(async (f: OrchestratorFlags) => {
      const root = projectRoot();
      process.exitCode = f.mode.startsWith('fleet-') ? await fleetCommand(f, root) : await runMode(f, root);
      if (!f.mode.startsWith('fleet-')) process.exit(process.exitCode);
    });
}
