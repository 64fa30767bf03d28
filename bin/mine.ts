/**
 * `alphalab mine grid|variants|gp|generate`: alpha mining from the command line (issue 11, first pass), thin over lib/mine.
 *
 *   alphalab mine grid     --dataset sp500_daily [--max 200] [--seed 42] [--order sample|enumerate] [--templates FILE] [--windows 5,10,20,60]
 *   alphalab mine variants --dataset sp500_daily [--parents FILE] [--max 200] [--seed S]
 *   alphalab mine gp       --dataset sp500_daily [--population 20] [--generations 10] [--max 200] [--seed 42]
 *   alphalab mine generate --dataset sp500_daily [--model transformer|gru] [--policy-batch 16] [--repeat-penalty 0.25] [--max 200] [--seed 42] [--low-rank-decay X] [--low-rank-iterations 5] [--policy FILE.onnx]
 *
 * Common: --workers N (worker threads, default the number of cores; 1 = in
 * process), --batch-size B (candidates in flight), --queue redis://HOST:PORT
 * (compute on `alphalab worker` processes through BullMQ instead; this process
 * stays the single writer of the store), --time-limit S (stop this session after S seconds; the same command
 * resumes), --db FILE (trial store, journal and hopeful_alphas; default
 * data/quant.duckdb), --test-fraction F (held-out last bars, default 0.2),
 * --json (one summary line on stdout). A progress bar (candidates/s, hopeful,
 * best train Sharpe, ETA) goes to stderr. Ctrl-C finishes the candidates in
 * flight and prints the summary; the same command continues the run.
 *
 *   alphalab worker --queue redis://HOST:PORT [--threads N] [--lock-ms MS] [--stalled-ms MS]
 *
 * processes the queue's candidates on this machine (the dataset must be here:
 * bundled sample or catalog dataset with the same data; lib/mine/queue.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { defaultThreadCount } from '../lib/core/threads.js';
import type { Panel } from '../lib/data/panel.js';
import type { CandidateExecutor, MineProgress, MineResult } from '../lib/mine/index.js';

type Miner = 'grid' | 'variants' | 'gp' | 'generate';

interface MineCli {
  dataset: string;
  max: number;
  seed?: number;
  timeLimit?: number;
  db?: string;
  json?: boolean;
  testFraction: number;
  annualization?: number;
  order?: 'sample' | 'enumerate';
  templates?: string;
  windows?: number[];
  parents?: string;
  population?: number;
  generations?: number;
  workers?: number;
  batchSize?: number;
  queue?: string;
  model?: 'transformer' | 'gru';
  policyBatch?: number;
  lr?: number;
  entropy?: number;
  repeatPenalty?: number;
  policy?: string;
  out?: string;
  lowRankDecay?: number;
  lowRankIterations?: number;
}

const posInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};
const intArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${v}"`);
  return n;
};
const posNum = (v: string): number => {
  const n = Number(v);
  if (!(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
};
const windowList = (v: string): number[] => v.split(',').map((s) => posInt(s.trim()));

async function loadMinePanel(dataset: string, annualization: number | undefined): Promise<Panel> {
  const data = await import('../lib/data/index.js');
  const panel = dataset in data.BUNDLED ? await data.loadBundledPanel(dataset as keyof typeof data.BUNDLED) : await data.loadPanel(dataset);
  return data.withAnnualization(panel, annualization, '--annualization');
}

/** A progress bar on stderr (a TTY), else a line every 10 % of the run (not with --json). */
function progressDisplay(o: MineCli, miner: string) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      format: `mine ${miner} [{bar}] {value}/{total} | {rate}/s | hopeful {hopeful} | best train Sharpe {best} | ETA {eta_formatted}`,
      stream: process.stderr, etaBuffer: 20,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update: (p: MineProgress) => {
        if (!started) { bar.start(p.max, p.screened, { rate: '0.0', hopeful: 0, best: 'n/a' }); started = true; }
        bar.update(p.screened, { rate: p.perSecond.toFixed(1), hopeful: p.hopeful, best: Number.isFinite(p.bestSharpe) ? p.bestSharpe.toFixed(2) : 'n/a' });
      },
      stop: () => { if (started) bar.stop(); },
    };
  }
  let lastDecile = -1;
  return {
    update: (p: MineProgress) => {
      const d = Math.floor((10 * p.screened) / p.max);
      if (o.json || d === lastDecile) return;
      lastDecile = d;
      process.stderr.write(`mine ${miner}: ${p.screened}/${p.max} screened, ${p.perSecond.toFixed(1)}/s, hopeful ${p.hopeful}, best train Sharpe ${p.bestSharpe.toFixed(2)}\n`);
    },
    stop: () => undefined,
  };
}

const r4 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);

/** The one summary line of --json. */
export function mineSummary(r: MineResult): Record<string, unknown> {
  const b = r.winners[0];
  return {
    miner: r.miner,
    candidates: r.candidates,
    screened_per_s: r4(r.screenedPerSecond),
    hopeful: r.hopeful,
    best: b ? { expression: b.expression, train_sharpe: r4(b.trainSharpe), test_sharpe: r4(b.testSharpe), deflated_sharpe: r4(b.deflatedSharpe), ...(b.testNote ? { test_note: b.testNote } : {}) } : null,
    trials_in_store: r.trialsInStore,
    workers: r.executor.workers,
    queue: r.executor.queue,
    dataset: r.dataset, run_key: r.runKey, screened_this_session: r.screenedThisSession, rejected: r.rejected, stopped_by: r.stoppedBy,
    winners: r.winners.map((w) => ({ expression: w.expression, train_sharpe: r4(w.trainSharpe), test_sharpe: r4(w.testSharpe), deflated_sharpe: r4(w.deflatedSharpe), hopeful: w.hopeful, ...(w.testNote ? { test_note: w.testNote } : {}) })),
    improvements: r.improvements.length,
    pool: r.pool ? { n: r.pool.expressions.length, equal_ic: r4(r.pool.equalWeight.ic), equal_rank_ic: r4(r.pool.equalWeight.rankIc), ic_weighted_ic: r4(r.pool.icWeighted.ic), ic_weighted_rank_ic: r4(r.pool.icWeighted.rankIc) } : null,
  };
}

function printText(r: MineResult): void {
  const lines = [
    `mine ${r.miner} on ${r.dataset}: ${r.candidates} candidates screened (${r.screenedThisSession} this session, ${r.screenedPerSecond.toFixed(1)}/s), ${r.rejected} rejected, ${r.hopeful} hopeful; stopped by ${r.stoppedBy}; ${r.trialsInStore} trials in the store for ${r.dataset}`,
    `computed ${r.executor.kind === 'queue' ? `through the queue ${r.executor.queue} (${r.executor.workers} workers seen)` : r.executor.kind === 'threads' ? `on ${r.executor.workers} worker threads` : 'in this process'}, ${r.executor.batchSize} in flight; recorded in candidate order by this process`,
    `mined on bars [0, ${r.testStart}); winners re-tested once on the test segment [${r.testStart}, end):`,
    ...r.winners.map((w) => `  ${w.hopeful ? '*' : ' '} train Sharpe ${w.trainSharpe.toFixed(2)}  test Sharpe ${w.testSharpe.toFixed(2)}  DSR ${w.deflatedSharpe.toFixed(3)} (${w.nTrials} trials)  ${w.expression}${w.testNote ? `  (${w.testNote})` : ''}`),
  ];
  if (r.pool) {
    const p = r.pool;
    lines.push(`pool of ${p.expressions.length} on the test segment: equal weight IC ${p.equalWeight.ic.toFixed(4)} / Rank IC ${p.equalWeight.rankIc.toFixed(4)}; IC-weighted (train Rank IC) IC ${p.icWeighted.ic.toFixed(4)} / Rank IC ${p.icWeighted.rankIc.toFixed(4)}`);
  }
  if (r.improvements.length) {
    lines.push(`variants that beat their parent on the train segment (${r.improvements.length}):`);
    for (const i of r.improvements.slice(0, 10)) lines.push(`  ${i.mutation}: ${i.expression}  (${Object.entries(i.improved).map(([k, v]) => `${k} ${v.parent.toFixed(2)} -> ${v.variant.toFixed(2)}`).join(', ')})`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The executor of --workers / --queue: a BullMQ queue, worker threads (N > 1), or in process (N = 1). */
async function mineExecutor(o: MineCli): Promise<CandidateExecutor> {
  if (o.queue) {
    if (o.workers !== undefined) throw new Error('--workers and --queue exclude each other: with a queue the workers are `alphalab worker` processes');
    const { queueExecutor } = await import('../lib/mine/queue.js');
    return queueExecutor({ url: o.queue });
  }
  const lib = await import('../lib/mine/index.js');
  const workers = o.workers ?? defaultThreadCount();
  return workers === 1 ? lib.embeddedExecutor() : lib.threadPoolExecutor({ workers });
}

async function runMineVerb(miner: Miner, o: MineCli): Promise<void> {
  const { FactorStore } = await import('../lib/factors/index.js');
  const lib = await import('../lib/mine/index.js');
  // workers load the panel with its inferred calendar: an override here would make their Sharpes differ from this process's
  if (o.queue && o.annualization !== undefined) throw new Error('--annualization cannot be combined with --queue: queue workers use the panel\'s inferred calendar');
  const panel = await loadMinePanel(o.dataset, o.annualization);
  const executor = await mineExecutor(o);
  const store = await FactorStore.open(o.db);
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nmine: stopping after the candidates in flight (Ctrl-C again to quit now); the same command resumes\n');
  };
  process.on('SIGINT', onSigint);
  const progress = progressDisplay(o, miner);
  try {
    const common = {
      panel, store, max: o.max, testFraction: o.testFraction, shouldStop: () => stop, onProgress: progress.update, executor,
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      ...(o.timeLimit !== undefined ? { timeLimitS: o.timeLimit } : {}),
    };
    const r = miner === 'grid'
      ? await lib.mineGrid({
        ...common,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.order ? { order: o.order } : {}),
        ...(o.templates ? { templates: readFileSync(o.templates, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) } : {}),
        ...(o.windows ? { domains: { windows: o.windows } } : {}),
      })
      : miner === 'generate'
      ? await lib.mineGenerate({
        ...common,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.model ? { model: o.model } : {}),
        ...(o.policyBatch ? { batch: o.policyBatch } : {}),
        ...(o.lr ? { lr: o.lr } : {}),
        ...(o.entropy !== undefined ? { entropyBonus: o.entropy } : {}),
        ...(o.lowRankDecay !== undefined ? { lowRankDecay: o.lowRankDecay } : {}),
        ...(o.lowRankIterations !== undefined ? { lowRankIterations: o.lowRankIterations } : {}),
        ...(o.repeatPenalty !== undefined ? { repeatPenalty: o.repeatPenalty } : {}),
        ...(o.windows ? { windows: o.windows } : {}),
        ...(o.policy ? { policy: o.policy } : {}),
        ...(o.out ? { outDir: o.out } : {}),
      })
      : miner === 'gp'
      ? await lib.mineGp({
        ...common,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        gp: { ...(o.population ? { population: o.population } : {}), ...(o.generations ? { generations: o.generations } : {}) },
        ...(o.windows ? { domains: { windows: o.windows } } : {}),
      })
      : await lib.mineVariants({ ...common, ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.parents ? { parents: lib.readParentsFile(o.parents) } : {}) });
    progress.stop();
    const gen = 'curve' in r ? (r as import('../lib/mine/index.js').MineGenerateResult) : null;
    const genSummary = gen ? { policy: { checkpoint: gen.checkpointId, files: gen.files, updates: gen.curve.length, first_mean_reward: r4(gen.curve[0]?.meanReward ?? NaN), last_mean_reward: r4(gen.curve[gen.curve.length - 1]?.meanReward ?? NaN), last_stable_rank: r4(gen.curve[gen.curve.length - 1]?.stableRank ?? NaN) } } : {};
    if (o.json) process.stdout.write(`${JSON.stringify({ ...mineSummary(r), ...genSummary })}\n`);
    else {
      printText(r);
      if (gen) process.stdout.write(`policy ${gen.checkpointId}: ${gen.curve.length} updates; files ${Object.values(gen.files).join(', ') || '(sampling mode)'}\n`);
    }
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    store.db.close();
  }
}

interface WorkerCli {
  queue: string;
  threads?: number;
  lockMs?: number;
  stalledMs?: number;
  json?: boolean;
}

/** `alphalab worker`: processes mining candidates from the queue until SIGINT / SIGTERM, then finishes the jobs in hand. */
async function runWorkerVerb(o: WorkerCli): Promise<void> {
  const { startQueueWorker, redactRedisUrl } = await import('../lib/mine/queue.js');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const handle = await startQueueWorker({
    url: o.queue, loadPanel: (dataset) => loadMinePanel(dataset, undefined),
    ...(o.threads ? { threads: o.threads } : {}),
    ...(o.lockMs ? { lockDurationMs: o.lockMs } : {}),
    ...(o.stalledMs ? { stalledIntervalMs: o.stalledMs } : {}),
    onJob: (e) => { if (!o.json) log(`worker: ${e.dataset} ${e.expression}`); },
    onDone: (e) => { if (o.json) process.stdout.write(`${JSON.stringify({ job: e.id, expression: e.expression, ms: Math.round(e.ms) })}\n`); },
  });
  log(`worker: processing ${redactRedisUrl(o.queue)} (Ctrl-C to stop after the jobs in hand)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('worker: stopping');
  await handle.close();
  log(`worker: ${handle.processed()} jobs processed`);
}

/** Registers `mine grid|variants|gp` and `worker` on the alphalab program. */
export function registerMineCommand(program: Command): void {
  program.command('worker').description('process mining candidates from a BullMQ queue (alphalab mine ... --queue URL); needs the same dataset on this machine')
    .requiredOption('--queue <url>', 'Redis of the queue (redis://HOST:PORT)')
    .option('--threads <n>', 'worker threads (jobs at once; default: the number of cores)', posInt)
    .option('--lock-ms <ms>', 'job lock duration: a job of a dead worker is retried after this (default 30000)', posInt)
    .option('--stalled-ms <ms>', 'how often to look for stalled jobs (default 30000)', posInt)
    .option('--json', 'one JSON line per job done on stdout')
    .action(async (o: WorkerCli) => {
      try {
        await runWorkerVerb(o);
      } catch (err) {
        process.stderr.write(`worker: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });

  const mine = program.command('mine').description('alpha mining: template grid, expression variants (lib/mine); every candidate screened on the train segment and counted in the trial store');
  const common = (cmd: Command): Command =>
    cmd
      .option('-d, --dataset <name>', 'dataset (bundled sample or catalog dataset)', 'sp500_daily')
      .option('--max <n>', 'candidates to screen in all (a resumed run counts those screened before)', posInt, 200)
      .option('--seed <s>', 'seed of the sample / variant order', intArg)
      .option('--time-limit <s>', 'stop this session after S seconds (the same command resumes)', posNum)
      .option('--db <file>', 'DuckDB file of the trial store, the mining journal and hopeful_alphas (default data/quant.duckdb)')
      .option('--test-fraction <f>', 'share of the last bars held out as the test segment', posNum, 0.2)
      .option('--workers <n>', 'worker threads computing candidates (default: the number of cores; 1 = in this process)', posInt)
      .option('--batch-size <n>', 'candidates drawn and in flight at once (default 2 per worker thread, 32 with --queue)', posInt)
      .option('--queue <url>', 'compute candidates on `alphalab worker` processes through BullMQ on this Redis (redis://HOST:PORT)')
      .option('--annualization <bars>', "bars per year for Sharpe and annual figures (default: inferred from the panel's calendar; warns when > 5 % off it)", posNum)
      .option('--json', 'print one JSON summary line');
  const act = (miner: Miner) => async (o: MineCli) => {
    try {
      await runMineVerb(miner, o);
    } catch (err) {
      if (o.json) process.stdout.write(`${JSON.stringify({ miner, ok: false, message: (err as Error).message })}\n`);
      else process.stderr.write(`mine ${miner}: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  };
  common(mine.command('grid').description('template grid miner: typed-hole templates over registry operators, fields and windows'))
    .option('--order <order>', 'sample (seeded permutation, default) or enumerate', (v: string) => {
      if (v !== 'sample' && v !== 'enumerate') throw new InvalidArgumentError('expected sample or enumerate');
      return v;
    })
    .option('--templates <file>', 'templates with typed holes, one per line (default lib/mine DEFAULT_TEMPLATES)')
    .option('--windows <list>', 'window lengths in bars, comma-separated (default 5,10,20,60)', windowList)
    .action(act('grid'));
  common(mine.command('variants').description('expression miner: variants (window scaling, field / operator swaps, wrapping, negation) of the hopeful alphas'))
    .option('--parents <file>', 'parent expressions: JSON array (strings or {expression}) or one per line (default: the hopeful_alphas table)')
    .action(act('variants'));
  common(mine.command('gp').description('genetic programming: typed crossover and mutation, tournament, parsimony, elitism; initial population from the template grid'))
    .option('--population <n>', 'individuals per generation (default 20)', posInt)
    .option('--generations <n>', 'generations after the first (default 10)', posInt)
    .option('--windows <list>', 'window lengths of the initial population, comma-separated (default 5,10,20,60)', windowList)
    .action(act('gp'));
  common(mine.command('generate').description('learned generator (AlphaGPT style): a small Transformer (or the GRU baseline) samples grammar-masked token formulas, trained by REINFORCE on the train-segment Sharpe; exports the policy to ONNX'))
    .option('--model <kind>', 'transformer (default) or gru', (v: string) => {
      if (v !== 'transformer' && v !== 'gru') throw new InvalidArgumentError('expected transformer or gru');
      return v;
    })
    .option('--policy-batch <n>', 'samples per policy update (default 16)', posInt)
    .option('--lr <x>', 'Adam learning rate (default 0.003)', posNum)
    .option('--entropy <x>', 'entropy bonus (default 0.01)', Number)
    .option('--low-rank-decay <x>', "AlphaGPT's low-rank decay of the attention Q/K weights after each update, W <- W - x * NewtonSchulz(W) (default 0 = off; AlphaGPT uses 0.001; transformer only)", (v: string) => {
      const n = Number(v);
      if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError(`expected a number >= 0, got "${v}"`);
      return n;
    })
    .option('--low-rank-iterations <n>', 'Newton-Schulz iterations of the low-rank decay (default 5)', posInt)
    .option('--repeat-penalty <x>', 'novelty term: the n-th sample of a formula is rewarded reward - x log2(n) (default 0.25; 0 = off)', Number)
    .option('--windows <list>', 'window tokens, comma-separated (default 5,10,20,60)', windowList)
    .option('--policy <file>', 'sample from this exported policy.onnx (onnxruntime-node) instead of training')
    .option('--out <dir>', 'folder for policy.json, policy.onnx and curve.json (default data/runs/mine/<run key>)')
    .action(act('generate'));
}
