/**
 * `npm run bench:mine-workers [-- N [W]]`: screened candidates per second of the grid
 * miner on the S&P 500 sample (505 assets x 1,259 days; mining on the first
 * 80 % of the bars) into an in-memory trial store, in process and with W
 * worker threads (default 2; the same seed, so the same candidates: the
 * journals are compared); then the time split of the screen's stages on N
 * grid candidates (evaluate; walk-forward + factor validation; the trial
 * insert; gross and full-range portfolios; signal stage; rolling windows). Prints the
 * machine load: figures on a shared machine are upper bounds on the time.
 */
import { loadavg, cpus } from 'node:os';
import { loadBundledPanel } from '../lib/data/index.js';
import { sliceDates } from '../lib/data/panel.js';
import { FactorStore } from '../lib/factors/index.js';
import { evaluate, ExprCache, parse } from '../lib/expr/index.js';
import { screenExpression } from '../lib/screen/index.js';
import { DEFAULT_TEMPLATES, defaultMineFields, embeddedExecutor, gridCandidates, mineGrid, testSegmentStart, threadPoolExecutor } from '../lib/mine/index.js';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10);
  const panel = await loadBundledPanel('sp500_daily');
  process.stdout.write(`panel ${panel.assets.length} x ${panel.times.length}; ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  const workers = Number(process.argv[3] ?? 2);
  const runs: { label: string; journal: string[] }[] = [];
  for (const [label, executor] of [['in process', embeddedExecutor()], [`${workers} worker threads`, threadPoolExecutor({ workers })]] as const) {
    const store = await FactorStore.open(':memory:');
    const load = loadavg()[0]!.toFixed(1);
    const t0 = performance.now();
    let first = 0, last = 0;
    const r = await mineGrid({ panel, store, max: n, seed: 1, skipRetest: true, executor, onProgress: () => { last = performance.now(); first ||= last; } });
    const s = (performance.now() - t0) / 1000;
    const steady = (r.candidates - 1) / Math.max(1e-9, (last - first) / 1000);
    process.stdout.write(`mine grid, ${label}: ${r.candidates} candidates in ${s.toFixed(1)} s = ${(r.candidates / s).toFixed(2)} candidates/s overall (start-up included), ${steady.toFixed(2)}/s after the first result (load ${load} -> ${loadavg()[0]!.toFixed(1)})\n`);
    runs.push({ label, journal: r.journal.map((j) => `${j.expression}|${j.sharpe}|${j.hopeful}`) });
    store.db.close();
  }
  process.stdout.write(`same journal in process and with ${workers} threads: ${JSON.stringify(runs[0]!.journal) === JSON.stringify(runs[1]!.journal) ? 'yes' : 'NO'}\n`);

  const train = sliceDates(panel, 0, testSegmentStart(panel.times.length));
  const store2 = await FactorStore.open(':memory:');
  const cache = new ExprCache();
  const split: Record<string, number> = {};
  let k = 0;
  for (const c of gridCandidates(DEFAULT_TEMPLATES, { fields: defaultMineFields(panel) }, { seed: 2 })) {
    if (k++ >= n) break;
    const ast = parse(c.expression);
    let last = performance.now();
    evaluate(ast, train, { cache });
    const now = performance.now();
    split.evaluate = (split.evaluate ?? 0) + now - last;
    last = now;
    await screenExpression(ast, train, {}, {
      store: store2, exprCache: cache, onProgress: (stage) => {
        const t = performance.now();
        const name = stage === 'factor' ? 'walk-forward + factor validation' : stage === 'backtest' ? 'gross + full-range portfolios' : stage;
        split[name] = (split[name] ?? 0) + t - last;
        last = t;
      },
    });
    split['trial store (completeScreen) + rest'] = (split['trial store (completeScreen) + rest'] ?? 0) + performance.now() - last;
  }
  const total = Object.values(split).reduce((a, b) => a + b, 0);
  process.stdout.write(`time split over ${n} candidates (${(total / n).toFixed(0)} ms each):\n`);
  for (const [name, ms] of Object.entries(split)) process.stdout.write(`  ${name.padEnd(48)} ${(ms / n).toFixed(0).padStart(6)} ms  ${((100 * ms) / total).toFixed(0).padStart(3)} %\n`);
  process.stdout.write(`load after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
}
void main();
