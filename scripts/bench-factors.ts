/**
 * Benchmark of factor validation (`npm run bench:factors`): the time to
 * compute every metric of one factor at one horizon (IC / Rank IC with decay
 * over 1, 5, 10, 20 bars, quantiles, turnover, coverage, long-short stats,
 * grade) on the S&P 500 panel (505 x 1,259) and the top-1,050 US panel
 * (1,050 x 2,485), and the throughput of a batch of 100 factors: metrics only
 * (precomputed values), and end to end (expression evaluation + metrics +
 * redundancy + DuckDB trial store in memory).
 *
 * "cold" = first evaluation on a panel (forward returns and their per-date
 * ranks computed and cached); "warm" = median of repeated evaluations of a
 * new factor on a panel whose forward returns are cached (the case of a batch).
 * Wall time and process CPU time are printed (CPU time is the better figure on
 * a machine shared with other work). Options: --skip-us (no 1,050 x 2,485
 * panel), --reps N (default 7).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { loadBundledPanel, loadFilePanel, type Panel } from '../lib/data/index.js';
import { ALPHA101, evaluate } from '../lib/expr/index.js';
import { analyzeFactor, evaluateFactors, FactorStore, type FactorAnalysis } from '../lib/factors/index.js';
import { median } from '../lib/stats/index.js';
import { sharedDataDir } from '../lib/db/index.js';
import { join } from 'node:path';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] ?? 7) || 7;
const skipUs = args.includes('--skip-us');
const US_PATH = join(sharedDataDir(), 'us_stocks_etfs_top1050_daily_2008_2017.csv.gz');

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** 100 factor expressions: the engine's Alpha101 set plus technical-indicator and price/volume factors over several windows. */
function factorSet(): string[] {
  const out = Object.values(ALPHA101);
  for (const d of [2, 3, 5, 10, 20, 40, 60, 120]) {
    out.push(`-ts_delta(close, ${d}) / delay(close, ${d})`, `ts_corr(close, volume, ${d})`, `-ts_std(returns, ${d})`, `ts_rank(volume, ${d})`, `-ts_zscore(close, ${d})`);
  }
  for (const d of [7, 14, 28]) out.push(`-rsi(close, ${d})`, `-cci(high, low, close, ${d})`, `adx(high, low, close, ${d})`);
  out.push('macd_hist(close)', 'bb_percent_b(close)', '-bb_bandwidth(close)', 'rank(volume / adv20)', 'obv(close, volume)');
  return out.slice(0, 100);
}

interface Timing { wall: number; cpu: number }

/** Wall and process CPU time (user + system) of fn, ms. CPU time is less affected by other processes sharing the machine. */
function timed(fn: () => void): Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function timeOne(panel: Panel, values: Float64Array[], label: string): void {
  const cold = timed(() => analyzeFactor(values[0]!, panel, { horizon: 1 }));
  const warm: Timing[] = [];
  const single: Timing[] = [];
  const stages: Record<string, number[]> = {};
  for (let i = 0; i < reps; i++) {
    const v = values[(i + 1) % values.length]!;
    let a: FactorAnalysis | undefined;
    warm.push(timed(() => { a = analyzeFactor(v, panel, { horizon: 1 }); }));
    for (const [k, x] of Object.entries(a!.stageMs)) (stages[k] ??= []).push(x);
    single.push(timed(() => analyzeFactor(v, panel, { horizon: 1, decayHorizons: [1] })));
  }
  const w = median(warm.map((x) => x.wall));
  const c = median(warm.map((x) => x.cpu));
  console.log(`${label}`);
  console.log(`  cold (first factor, forward returns + ranks for 4 horizons): wall ${ms(cold.wall)}, cpu ${ms(cold.cpu)}`);
  console.log(`  warm, all metrics, decay over 1/5/10/20: wall median ${ms(w)} (min ${ms(Math.min(...warm.map((x) => x.wall)))}), cpu median ${ms(c)}  [${reps} factors]`);
  console.log(`  warm, all metrics, decay at the one horizon only: wall median ${ms(median(single.map((x) => x.wall)))}, cpu median ${ms(median(single.map((x) => x.cpu)))}`);
  console.log(`  stages (wall median): ${Object.entries(stages).map(([k, x]) => `${k} ${median(x).toFixed(1)}`).join(', ')} ms`);
}

async function main(): Promise<void> {
  console.log(`bench:factors on ${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('one factor = all metrics at horizon 1 (decay over 1, 5, 10, 20), 5 quantiles, delay 1\n');
  let t = performance.now();
  const sp = await loadBundledPanel('sp500_daily');
  console.log(`loaded sp500_daily ${sp.assets.length} x ${sp.times.length} in ${ms(performance.now() - t)}`);
  const exprs = factorSet();
  const spValues: Float64Array[] = [];
  t = performance.now();
  for (const e of exprs) spValues.push(evaluate(e, sp));
  const spExprMs = performance.now() - t;
  timeOne(sp, spValues, `S&P 500 (${sp.assets.length} x ${sp.times.length})`);

  if (!skipUs && existsSync(US_PATH)) {
    t = performance.now();
    const us = await loadFilePanel(US_PATH, { frequency: '1d', market: 'equity' });
    console.log(`loaded top-1050 US ${us.assets.length} x ${us.times.length} in ${ms(performance.now() - t)}`);
    const usValues = exprs.slice(0, reps + 1).map((e) => evaluate(e, us));
    timeOne(us, usValues, `US top-1050 (${us.assets.length} x ${us.times.length})`);
  } else console.log('US top-1050 panel skipped');

  // Batch of 100 on the S&P 500 panel.
  const batch = timed(() => {
    for (const v of spValues) analyzeFactor(v, sp, { horizon: 1 });
  });
  const metricsMs = batch.wall;
  console.log(`\nbatch of ${exprs.length} factors on S&P 500:`);
  console.log(`  expression evaluation          ${ms(spExprMs).padStart(10)}  (${(spExprMs / exprs.length).toFixed(1)} ms / factor)`);
  console.log(`  metrics only (analyzeFactor)   ${ms(metricsMs).padStart(10)}  (${(metricsMs / exprs.length).toFixed(1)} ms / factor, ${((exprs.length * 1000) / metricsMs).toFixed(1)} factors/s; cpu ${(batch.cpu / exprs.length).toFixed(1)} ms / factor)`);
  const store = await FactorStore.open(':memory:');
  t = performance.now();
  const reports = await evaluateFactors(exprs, sp, { store, horizon: 1, source: 'bench' });
  const e2e = performance.now() - t;
  console.log(`  end to end (evaluateFactor)    ${ms(e2e).padStart(10)}  (${(e2e / exprs.length).toFixed(1)} ms / factor, ${((exprs.length * 1000) / e2e).toFixed(1)} factors/s: expression + metrics + redundancy + DuckDB)`);
  t = performance.now();
  await evaluateFactors(exprs, sp, { store, horizon: 1, source: 'bench' });
  const cachedMs = performance.now() - t;
  console.log(`  same batch again (store hits)  ${ms(cachedMs).padStart(10)}  (${(cachedMs / exprs.length).toFixed(1)} ms / factor)`);
  const pass = reports.filter((r) => r.grade.pass).length;
  console.log(`  trials stored ${await store.countTrials()}, passing ${pass}, redundant ${reports.filter((r) => r.redundancy?.redundant).length}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
