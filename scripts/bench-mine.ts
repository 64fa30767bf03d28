/**
 * `npm run bench:mine [-- N]`: screened candidates per second for depth-4
 * formulas (grid candidates of the default templates whose AST depth is 4)
 * on the S&P 500 sample (505 assets x 1,259 days; mining on the first 80 %
 * of the bars), one process, into in-memory trial stores, two ways:
 * - `full screen`: every stage of lib/screen for every candidate;
 * - `miner gate`: what the miners run, the screen with the hopeful-gate early
 *   rejection (lib/mine `hopefulGate`): signal stage and rolling windows only
 *   for candidates whose train-segment metrics pass BRAIN's hopeful gates;
 * each with the time split per candidate: evaluate (lib/expr, shared cache),
 * factor statistics (analyzeFactor), store (trial lookup, redundancy against
 * stored snapshots, insert), portfolio (walk-forward, gross, full-range and
 * rolling simulations), signal stage, rest. Then `mine grid` end to end
 * (journal included). Prints the machine load before and after: on a shared
 * machine the wall figures are lower bounds on the speed; CPU time per
 * candidate (process.cpuUsage, DuckDB's threads included) is steadier.
 */
import { loadavg, cpus } from 'node:os';
import { loadBundledPanel } from '../lib/data/index.js';
import { sliceDates, type Panel } from '../lib/data/panel.js';
import { FactorStore } from '../lib/factors/index.js';
import { evaluate, ExprCache, parse } from '../lib/expr/index.js';
import { screenExpression, type ScreenSettings } from '../lib/screen/index.js';
import { DEFAULT_MINE_GATES, DEFAULT_TEMPLATES, defaultMineFields, gridCandidates, hopefulGate, mineGrid, testSegmentStart, treeShape } from '../lib/mine/index.js';

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

/** Screens `exprs` and prints candidates/s with the time split. */
async function benchScreen(label: string, exprs: readonly string[], train: Panel, settings: ScreenSettings): Promise<number> {
  const store = await FactorStore.open(':memory:');
  const cache = new ExprCache();
  const split: Record<string, number> = { evaluate: 0, 'factor statistics': 0, store: 0, portfolio: 0, 'signal stage': 0, rest: 0 };
  let skipped = 0;
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (const e of exprs) {
    const ast = parse(e);
    let last = performance.now();
    evaluate(ast, train, { cache });
    split.evaluate! += performance.now() - last;
    last = performance.now();
    const r = await screenExpression(ast, train, settings, {
      store, exprCache: cache, onProgress: (stage) => {
        const t = performance.now();
        split[stage === 'signal' ? 'signal stage' : 'portfolio']! += t - last; // 'factor' (walk-forward + factor), 'backtest', 'rolling'
        last = t;
      },
    });
    split.rest! += performance.now() - last;
    const f = r.factor!;
    if (!f.cached) {
      // the factor stage's own clock: analysis vs store; the rest of the 'factor' span is the walk-forward portfolios
      split.portfolio! -= f.timings.totalMs;
      split['factor statistics']! += f.timings.analyzeMs + f.timings.factorMs;
      split.store! += f.timings.totalMs - f.timings.analyzeMs - f.timings.factorMs;
    }
    if (r.skipped) skipped++;
  }
  const total = performance.now() - t0;
  const cu = process.cpuUsage(c0), cpu = (cu.user + cu.system) / 1000;
  const n = exprs.length;
  process.stdout.write(`${label}: ${n} candidates in ${(total / 1000).toFixed(1)} s = ${((1000 * n) / total).toFixed(2)} candidates/s wall (${(total / n).toFixed(0)} ms each; ${skipped} early-rejected); ${(cpu / n).toFixed(0)} ms CPU each = ${((1000 * n) / cpu).toFixed(2)} candidates per CPU-second (DuckDB threads included)\n`);
  for (const [name, ms] of Object.entries(split)) process.stdout.write(`  ${name.padEnd(20)} ${(ms / n).toFixed(0).padStart(6)} ms  ${((100 * ms) / total).toFixed(0).padStart(3)} %\n`);
  store.db.close();
  return (1000 * n) / total;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 12);
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
  process.stdout.write(`speed-up of the gate: x${(gated / full).toFixed(2)}; goal 50 candidates/s on 2 cores\n`);
  const store = await FactorStore.open(':memory:');
  const t0 = performance.now();
  const r = await mineGrid({ panel, store, max: n, seed: 1, skipRetest: true });
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(`mine grid end to end (journal, self-correlation): ${r.candidates} candidates in ${s.toFixed(1)} s = ${(r.candidates / s).toFixed(2)} candidates/s (1 process)\n`);
  process.stdout.write(`load after: ${load()}\n`);
}
void main();
