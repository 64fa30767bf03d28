/**
 * `npm run bench:mine [-- N [PREFILL] [WORKERS]]`: screened candidates per
 * second for depth-4 formulas (grid candidates of the default templates whose
 * AST depth is 4) on the S&P 500 sample (505 assets x 1,259 days; mining on
 * the first 80 % of the bars). Four parts:
 * 1. the screen, one process, into in-memory trial stores, two ways:
 *    `miner gate` (what the miners run: the screen with the hopeful-gate
 *    early rejection, lib/mine `hopefulGate`) and `full screen` (every stage);
 *    wall and CPU time per candidate;
 * 2. the CPU split of the gated screen per stage, each stage run on its own
 *    with the arguments computeScreen gives it (process.cpuUsage around each):
 *    evaluate (lib/expr, shared cache), portfolio (one portfolioPlan and the
 *    walk-forward, test-gross and full-range simulations read from it),
 *    factor statistics (evaluateFactor without a store), snapshots (the
 *    in-sample rank snapshot and the miner's train-segment one), trial store
 *    (recordFactorTrial: lookup, redundancy against the stored snapshots,
 *    deflated Sharpe, insert);
 * 3. the store-size effect: the trial store part on an empty store and on
 *    two that already hold PREFILL trials (default 2,000: copies of real
 *    trials, other ids and Sharpes): a research library, whose trials ran the
 *    full screen and keep their rank snapshots as redundancy references, and
 *    a mining store, whose trials the miners' gate rejected early (counted,
 *    no reference snapshot kept);
 * 4. `mine grid` end to end (journal, self-correlation) with 1 and WORKERS
 *    (default 2) worker threads.
 * Prints the machine load: on a shared machine the wall figures are lower
 * bounds on the speed; CPU time per candidate (process.cpuUsage, DuckDB's
 * threads included) is steadier.
 */
import { loadavg, cpus } from 'node:os';
import { loadBundledPanel } from '../lib/data/index.js';
import { sliceDates, type Panel } from '../lib/data/panel.js';
import { evaluateFactor, FactorStore, rankSnapshot, recordFactorTrial } from '../lib/factors/index.js';
import { evaluate, ExprCache, lookback, parse } from '../lib/expr/index.js';
import { portfolioPlan, simulateOnPlan, walkForward, type PortfolioMetrics } from '../lib/backtest/index.js';
import { screenExpression, type ScreenSettings } from '../lib/screen/index.js';
import {
  DEFAULT_MINE_GATES, DEFAULT_TEMPLATES, defaultMineFields, embeddedExecutor, gridCandidates, hopefulGate, mineGrid, testSegmentStart, threadPoolExecutor, treeShape,
} from '../lib/mine/index.js';

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const cpuMs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

/** Screens `exprs` and prints candidates/s, wall and CPU. */
async function benchScreen(label: string, exprs: readonly string[], train: Panel, settings: ScreenSettings): Promise<number> {
  const store = await FactorStore.open(':memory:');
  const cache = new ExprCache();
  let skipped = 0;
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (const e of exprs) {
    const r = await screenExpression(parse(e), train, settings, { store, exprCache: cache });
    if (r.skipped) skipped++;
  }
  const total = performance.now() - t0, cpu = cpuMs(c0);
  const n = exprs.length;
  process.stdout.write(`${label}: ${n} candidates in ${(total / 1000).toFixed(1)} s = ${((1000 * n) / total).toFixed(2)} candidates/s wall (${(total / n).toFixed(0)} ms each; ${skipped} early-rejected); ${(cpu / n).toFixed(0)} ms CPU each = ${((1000 * n) / cpu).toFixed(2)} candidates per CPU-second\n`);
  store.db.close();
  return (1000 * n) / cpu;
}

/** Fills `store` with `n` copies of its stored trials (other ids, run ids, per-bar Sharpes; the same rank snapshots), in SQL. */
async function prefill(store: FactorStore, n: number): Promise<void> {
  const k = Number((await store.db.one<{ n: number }>('SELECT count(*) AS n FROM factor_trials'))!.n);
  const copies = Math.ceil(n / k);
  await store.db.exec(`INSERT INTO factor_trials SELECT t.* REPLACE (t.run_id || '#' || i AS run_id, t.cache_key || '#' || i AS cache_key, t.factor_id || '#' || i AS factor_id,
      t.ls_sharpe_per_bar + 0.01 * sin(i * 7.0 + hash(t.run_id) % 100) AS ls_sharpe_per_bar, '{}' AS report)
    FROM factor_trials t, range(1, ${copies + 1}) r(i) QUALIFY row_number() OVER () <= ${n}`);
  await store.db.exec(`INSERT INTO factor_snapshots SELECT s.* REPLACE (s.factor_id || '#' || i AS factor_id)
    FROM factor_snapshots s, range(1, ${copies + 1}) r(i) QUALIFY row_number() OVER () <= ${n}`);
}

/**
 * The gated screen's stages run one by one on each candidate (the calls
 * computeScreen makes, default settings), CPU ms per stage; the trial store
 * part into `stores` (each gets every trial; its time is reported per store).
 */
async function stageSplit(exprs: readonly string[], train: Panel, stores: readonly { label: string; store: FactorStore }[]): Promise<void> {
  const cache = new ExprCache();
  const T = train.times.length, N = train.assets.length;
  const split: Record<string, number> = { evaluate: 0, portfolio: 0, 'factor statistics': 0, snapshots: 0 };
  for (const s of stores) split[`trial store (${s.label})`] = 0;
  for (const e of exprs) {
    const ast = parse(e);
    const warm = lookback(ast) + 1;
    let c0 = process.cpuUsage();
    const values = evaluate(ast, train, { cache });
    split.evaluate! += cpuMs(c0);
    c0 = process.cpuUsage();
    const plan = portfolioPlan(values, train, { delay: 1, costBps: 5, start: warm, end: T });
    const wf = await walkForward<null, PortfolioMetrics>({ nBars: T, start: warm, fit: () => null, evaluate: (_p, r) => simulateOnPlan(plan, { costBps: 5, start: r.start, end: r.end }).metrics });
    simulateOnPlan(plan, { costBps: 0, start: wf.split.test.start, end: wf.split.test.end });
    simulateOnPlan(plan, { costBps: 5, start: warm, end: T });
    split.portfolio! += cpuMs(c0);
    const rows = { start: warm, end: wf.split.validation.end };
    c0 = process.cpuUsage();
    const report = await evaluateFactor({ expression: ast, values }, train, { dataset: train.dataset!, delay: 1, rows, source: 'bench', exprCache: cache, store: false });
    split['factor statistics']! += cpuMs(c0);
    c0 = process.cpuUsage();
    const snap = rankSnapshot(values.subarray(rows.start * N, rows.end * N), train.times.subarray(rows.start, rows.end), N);
    rankSnapshot(values, train.times, N);
    split.snapshots! += cpuMs(c0);
    for (const s of stores) {
      c0 = process.cpuUsage();
      await recordFactorTrial(s.store, structuredClone(report), snap, train.assets);
      split[`trial store (${s.label})`]! += cpuMs(c0);
    }
  }
  const n = exprs.length;
  const gated = split.evaluate! + split.portfolio! + split['factor statistics']! + split.snapshots! + split[`trial store (${stores[0]!.label})`]!;
  process.stdout.write(`CPU split of the gated screen per stage (each stage on its own; % of the gated total with the ${stores[0]!.label} store, ${(gated / n).toFixed(0)} ms per candidate):\n`);
  for (const [name, ms] of Object.entries(split)) process.stdout.write(`  ${name.padEnd(34)} ${(ms / n).toFixed(1).padStart(7)} ms  ${((100 * ms) / gated).toFixed(0).padStart(3)} %\n`);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 12);
  const prefillN = Number(process.argv[3] ?? 2000);
  const workers = Number(process.argv[4] ?? 2);
  const panel = await loadBundledPanel('sp500_daily');
  process.stdout.write(`panel ${panel.assets.length} x ${panel.times.length} (mining on ${testSegmentStart(panel.times.length)} bars); ${cpus().length} cores, load ${load()} (shared machine: other processes take CPU)\n`);
  const train = sliceDates(panel, 0, testSegmentStart(panel.times.length));
  const exprs: string[] = [];
  for (const c of gridCandidates(DEFAULT_TEMPLATES, { fields: defaultMineFields(panel) }, { seed: 2 })) {
    if (exprs.length >= n) break;
    if (treeShape(parse(c.expression)).depth === 4) exprs.push(c.expression);
  }
  // the gated run goes first, on cold caches (forward returns and their ranks are cached per slice): its speed-up is not flattered
  const gated = await benchScreen('miner gate ', exprs, train, { earlyReject: hopefulGate(DEFAULT_MINE_GATES) });
  const full = await benchScreen('full screen', exprs, train, {});
  process.stdout.write(`speed-up of the gate (CPU): x${(gated / full).toFixed(2)}; goal 50 candidates/s on 2 cores = 40 ms CPU per candidate\n`);

  // store-size effect: a store that already holds `prefillN` trials of the dataset
  const empty = await FactorStore.open(':memory:');
  // two kinds of full store: trials that reached the full screen keep their rank snapshot as a redundancy reference (a research
  // library: every new trial is compared with each); trials a miner's gate rejected early are counted but keep none (a mining run)
  const library = await FactorStore.open(':memory:');
  const mined = await FactorStore.open(':memory:');
  const seedExprs: string[] = [];
  for (const c of gridCandidates(DEFAULT_TEMPLATES, { fields: defaultMineFields(panel) }, { seed: 3 })) {
    if (seedExprs.length >= 20) break;
    seedExprs.push(c.expression);
  }
  for (const e of seedExprs) {
    await screenExpression(parse(e), train, {}, { store: library });
    await screenExpression(parse(e), train, { earlyReject: hopefulGate(DEFAULT_MINE_GATES) }, { store: mined });
  }
  if (prefillN > 0) for (const s of [library, mined]) await prefill(s, prefillN);
  const describe = async (s: FactorStore) => `${await s.countTrials({ dataset: train.dataset! })} trials, ${(await s.db.one<{ n: number }>('SELECT count(*) AS n FROM factor_snapshots'))!.n} reference snapshots`;
  await stageSplit(exprs, train, [{ label: 'empty', store: empty }, { label: await describe(library), store: library }, { label: await describe(mined), store: mined }]);
  for (const s of [empty, library, mined]) s.db.close();

  for (const [label, executor] of [['in process', embeddedExecutor()], [`${workers} worker threads`, threadPoolExecutor({ workers })]] as const) {
    const store = await FactorStore.open(':memory:');
    const l0 = load();
    const t0 = performance.now(), c0 = process.cpuUsage();
    let first = 0, last = 0;
    const r = await mineGrid({ panel, store, max: n, seed: 1, skipRetest: true, executor, onProgress: () => { last = performance.now(); first ||= last; } });
    const s = (performance.now() - t0) / 1000, cpu = cpuMs(c0);
    const steady = (r.candidates - 1) / Math.max(1e-9, (last - first) / 1000);
    process.stdout.write(`mine grid, ${label}: ${r.candidates} candidates in ${s.toFixed(1)} s = ${(r.candidates / s).toFixed(2)} candidates/s overall, ${steady.toFixed(2)}/s after the first result; process CPU ${(cpu / r.candidates).toFixed(0)} ms per candidate (all threads) (load ${l0} -> ${load()})\n`);
    store.db.close();
  }
  process.stdout.write(`load after: ${load()}\n`);
}
void main();
