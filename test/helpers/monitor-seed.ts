/**
 * Seeds a project folder's stores for the dashboard tests and benchmark, with
 * real runs through each store's public functions, then prints one JSON line
 * of what the writers' own readers report (the tests compare the dashboard's
 * figures with it). Runs as its own process: DuckDB lets one process hold a
 * file, and the dashboard reads the files after this one exits.
 *
 *   tsx test/helpers/monitor-seed.ts <root> [--research N]
 *
 * - research loop: `research({ provider: 'offline', iterations: N })` on sp500_daily (knowledge base + trial store in data/quant.duckdb);
 * - hopeful alphas and submissions: lib/venues/brain store functions (metrics given here: no BRAIN miner run);
 * - trader: two paper replays (lib/trade `runReplay`) on seeded random-walk panels; the second journal's venue is then set to
 *   'binanceusdm' as the live engine would, so paper and live figures can be told apart (no exchange was reached);
 * - orchestrator: lib/jobs JobStore rows and a VRAM reading (lib/llm store);
 * - fleet: the state file (lib/llm writeFleetState);
 * - logs: lib/jobs createJobLogger lines for 'generator' and 'miner'.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Db } from '../../lib/db/index.js';
import { research, KnowledgeBase } from '../../lib/agent/index.js';
import { FactorStore } from '../../lib/factors/index.js';
import { Journal, replayMarks, runReplay, writeForceExit, writeMarks } from '../../lib/trade/index.js';
import { JobStore, claimRequest, createJobLogger, enqueueRequest, finishRequest } from '../../lib/jobs/index.js';
import { ensureVramTables, storeVramReading, writeFleetState, initialFleetState } from '../../lib/llm/index.js';
import { addHopefulAlpha, claimSubmission, ensureBrainTables, finishSubmission, listHopefulAlphas, listSubmissions } from '../../lib/venues/brain/store.js';
import { DEFAULT_BRAIN_SIMULATION_SETTINGS } from '../../lib/venues/brain/settings.js';
import { randomMasks, randomWalkPanel } from './market.js';

const root = process.argv[2]!;
const iterations = Number(process.argv[process.argv.indexOf('--research') + 1] ?? 2) || 2;
const data = join(root, 'data');
mkdirSync(join(data, 'trade'), { recursive: true });
const catalog = join(data, 'quant.duckdb');
const now = Date.now();

// research loop (offline proposer: no model server needed)
const summary = await research({ provider: 'offline', iterations, maxConsecutiveFailures: 100, dbPath: catalog, dataset: 'sp500_daily', strategiesDir: join(root, 'strategies'), log: () => undefined });
const db = await Db.open(catalog);
const kb = await KnowledgeBase.open(db);
const hyps = await kb.search({});
const byStatus: Record<string, number> = {};
for (const h of hyps) byStatus[h.status] = (byStatus[h.status] ?? 0) + 1;
await FactorStore.open(db);
const trials = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM factor_trials'))!.n);

// miners' candidates and submissions (BRAIN store)
await ensureBrainTables(db);
const metrics = [{ sharpe: 1.8, fitness: 1.3, turnover: 0.2 }, { sharpe: 0.6, fitness: 0.4, turnover: 0.3 }, { sharpe: 1.4, fitness: 1.1, turnover: 0.1 }];
for (const [i, m] of metrics.entries()) await addHopefulAlpha(db, { id: `mined-${i}`, expression: `rank(ts_delta(close, ${i + 2}))`, settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, source: 'miner', localMetrics: m }, undefined, now - i * 1000);
await claimSubmission(db, 'ALPHA1', 'mined-0', 'rank(ts_delta(close, 2))', now);
await finishSubmission(db, 'ALPHA1', 'accepted', [], null, now + 10);
await claimSubmission(db, 'ALPHA2', 'mined-2', 'rank(ts_delta(close, 4))', now + 20);
await finishSubmission(db, 'ALPHA2', 'rejected', [], 'LOW_SHARPE', now + 30);
const hopeful = await listHopefulAlphas(db);
const kbRuns = (await kb.runs()).length;
const subs = await listSubmissions(db);
db.close();

// trader: two replays on the engine with the PaperBroker
const journals: Record<string, { venue: string; trades: number; pnl: number; positions: number; state: string; unrealized: number; equityPnl: number; marks: Record<string, number> }> = {};
for (const [name, seed, venue] of [['paper-rw', 11, 'paper'], ['live-rw', 12, 'binanceusdm']] as const) {
  const path = join(data, 'trade', `${name}.duckdb`);
  const j = await Journal.open(path);
  const panel = randomWalkPanel(300, 3, seed);
  const rep = await runReplay({ panel, signals: randomMasks(300, 3, seed + 100), journal: j, name });
  // the marks a paper session writes at its end (lib/trade paperReplay does the same)
  const marks = replayMarks(rep.trades, 299, panel.times[299]!);
  await writeMarks(j, marks);
  if (venue !== 'paper') await j.setMeta({ venue });
  const trades = await j.trades();
  const open = rep.trades.filter((t) => t.reason === 'open');
  journals[name] = { venue, trades: trades.length, pnl: trades.reduce((a, t) => a + t.pnl, 0), positions: (await j.positions()).length, state: (await j.account())!.state, unrealized: open.reduce((a, t) => a + t.pnl, 0), equityPnl: rep.pnl, marks: marks.closes };
  j.close();
}

// orchestrator job state and a VRAM reading
const jdb = await Db.open(join(data, 'jobs.duckdb'));
const jobs = await JobStore.open(jdb);
await jobs.started('generator', now - 60_000);
await jobs.finished({ name: 'generator', status: 'ok', exits: [], result: { hypotheses: hyps.length } } as never, now - 30_000);
await jobs.nextRun('generator', new Date(now + 3_600_000));
await jobs.started('miner', now - 20_000);
await jobs.finished({ name: 'miner', status: 'failed', exits: [] } as never, now - 10_000);
await ensureVramTables(jdb);
await storeVramReading(jdb, { at: now, gpu: { status: 'gpu', gpus: [{ index: 0, usedMiB: 5120, totalMiB: 24576, utilizationPct: 37 }] }, models: [{ name: 'llama3.2:3b', sizeBytes: 2_000_000_000, vramBytes: 2_000_000_000, vramFraction: 1, partialOffload: false }], degraded: [] } as never);
const jobStates = await jobs.states();
jdb.close();

// a dashboard request the orchestrator ran, and a force exit not yet handled (no engine running)
const reqDir = join(data, 'control', 'requests');
const req = enqueueRequest(reqDir, 'mine', { iterations: 2 }, 'dashboard', now - 50_000);
const claimed = claimRequest(reqDir, req.id, `miner@${new Date(now - 40_000).toISOString()}`, now - 40_000)!;
finishRequest(reqDir, claimed, { state: 'done', result: { component: 'miner', ok: true }, pids: [4242] }, now - 35_000);
const fx = writeForceExit(join(data, 'trade', 'paper-rw.duckdb'), 'A1', 'dashboard', now - 5_000);

// fleet state
writeFleetState(join(data, 'model_fleet_state.json'), { ...initialFleetState('llama3.2:3b', now), tierIndex: 1, successes: 42, totalOoms: 3 });

// logs
const gen = createJobLogger('generator', { file: join(data, 'logs', 'generator.log'), console: false });
gen.info('batch started');
gen.warn({ apiKey: 'sk-secret-should-not-show' }, 'model slow');
const miner = createJobLogger('miner', { file: join(data, 'logs', 'miner.log'), console: false });
miner.error('miner crashed');

process.stdout.write(`${JSON.stringify({ research: { runs: kbRuns, hypotheses: hyps.length, byStatus, stopReason: summary.stopReason }, trials, hopeful: hopeful.length, hopefulPassing: hopeful.filter((h) => h.localPass).length, submissions: subs.map((s) => ({ alphaId: s.alphaId, state: s.state })), journals, jobs: jobStates, request: { id: req.id, jobId: claimed.jobId }, forceExit: fx })}\n`);
