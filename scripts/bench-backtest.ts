/**
 * Backtest throughput (`npm run bench:backtest`):
 * 1. single-asset backtests per second on the BTCUSDT perpetual 5-minute
 *    series (~120k bars, with funding), full output (trades, positions);
 * 2. a parameter grid of 1,000 combinations on the same series with
 *    `backtestGrid` (z-scores for each lookback computed once and shared);
 * 3. the BRAIN-style cross-sectional simulation on the S&P 500 daily panel.
 * Prints figures only; nothing is asserted.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { loadBundledPanel, loadFilePanel, type Panel } from '../lib/data/index.js';
import { evaluate } from '../lib/expr/index.js';
import { backtestGrid, backtestSignals, paramGrid, runSignalStage, simulatePortfolio, type SignalSpec } from '../lib/backtest/index.js';
import { sharedDataDir } from '../lib/db/index.js';

const DATA = sharedDataDir();
const BARS = join(DATA, 'crypto_binance_usdm_perp_5m_2024_2026.csv.gz');
const FUNDING = join(DATA, 'crypto_binance_usdm_perp_funding_2024_2026.csv.gz');

const fmt = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Runs fn; returns its value, wall seconds and CPU seconds of this process (the machine may be shared: CPU time is the fairer figure). */
function time<T>(fn: () => T): [T, number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const c = process.cpuUsage(c0);
  return [out, (performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
}

async function main(): Promise<void> {
  console.log(`bench:backtest  node ${process.version}, ${new Date().toISOString()}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  if (!existsSync(BARS)) throw new Error(`bench-backtest: data file not found: ${BARS} (set ALPHALAB_SHARED_DATA)`);
  let t0 = performance.now();
  const btc: Panel = await loadFilePanel(BARS, { frequency: '5m', market: 'crypto', symbols: ['BTCUSDT'], fundingPath: FUNDING });
  const T = btc.times.length;
  console.log(`\nBTCUSDT perp 5m: ${T.toLocaleString('en-US')} bars, fields ${Object.keys(btc.fields).join(', ')} (loaded in ${fmt((performance.now() - t0) / 1000, 2)} s)`);

  // 1. single backtests, full output
  const lookbacks = [48, 96, 192, 288, 576];
  t0 = performance.now();
  const z = new Map(lookbacks.map((L) => [L, evaluate(`ts_zscore(close, ${L})`, btc)]));
  console.log(`indicators: ${lookbacks.length} z-scores (ts_zscore(close, L)) in ${fmt((performance.now() - t0) / 1000, 3)} s, shared by all runs`);
  const spec = (L: number, entry: number, exit: number): SignalSpec => ({
    factors: { z: z.get(L)! },
    longEntry: { factor: 'z', op: '<', value: -entry },
    longExit: { factor: 'z', op: '>', value: -exit },
    shortEntry: { factor: 'z', op: '>', value: entry },
    shortExit: { factor: 'z', op: '<', value: exit },
  });
  const settings = { feeBps: 4, slippageBps: 1, stopLoss: 0.02, takeProfit: 0.04, sizing: { kind: 'fixedFraction' as const, fraction: 1 } };
  backtestSignals(btc, spec(96, 2, 0), settings); // warm-up
  const reps = 30;
  const [last, secs, cpu] = time(() => {
    let r = backtestSignals(btc, spec(96, 2, 0), settings);
    for (let i = 1; i < reps; i++) r = backtestSignals(btc, spec(96, 2 + (i % 5) * 0.1, 0), settings);
    return r;
  });
  console.log(`\n1) single-asset backtest, full output (trades, positions, decay), ${reps} runs`);
  console.log(`   ${fmt(reps / secs)} backtests/s wall, ${fmt(reps / cpu)} per CPU-second (${fmt((secs / reps) * 1000, 2)} ms each, ${fmt((reps * T) / secs / 1e6)} M bars/s); example: ${last.metrics.nTrades} trades, Sharpe ${fmt(last.metrics.sharpe, 2)}, funding paid ${last.metrics.totalFunding.toExponential(2)}`);

  // 2. grid of 1,000 combinations
  const combos = paramGrid({ L: lookbacks, entry: [1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 4], exit: [0, 0.25, 0.5, 0.75, 1], sl: [null, 0.01, 0.02, 0.04] });
  backtestGrid(btc, combos.slice(0, 10), (p) => ({ signals: spec(p.L, p.entry, p.exit), settings: { stopLoss: p.sl } }), settings);
  const [rows, gsecs, gcpu] = time(() => backtestGrid(btc, combos, (p) => ({ signals: spec(p.L, p.entry, p.exit), settings: { stopLoss: p.sl } }), settings));
  const best = rows.reduce((b, r) => (r.metrics.sharpe > b.metrics.sharpe ? r : b));
  console.log(`\n2) parameter grid: ${rows.length.toLocaleString('en-US')} combinations x ${T.toLocaleString('en-US')} bars`);
  console.log(`   ${fmt(gsecs, 2)} s wall (${fmt(gcpu, 2)} CPU-s), ${fmt(rows.length / gsecs)} backtests/s wall, ${fmt(rows.length / gcpu)} per CPU-second, ${fmt((rows.length * T) / gsecs / 1e6)} M bar-steps/s`);
  console.log(`   best in-sample Sharpe ${fmt(best.metrics.sharpe, 2)} at ${JSON.stringify(best.params)} (in-sample; not a validated result)`);

  // 3. cross-sectional simulation on the S&P 500 panel
  t0 = performance.now();
  const sp = await loadBundledPanel('sp500_daily');
  console.log(`\nS&P 500 daily: ${sp.times.length} days x ${sp.assets.length} assets (loaded in ${fmt((performance.now() - t0) / 1000, 2)} s)`);
  const [factor, fsecs] = time(() => evaluate('-ts_delta(close, 5) / close', sp));
  simulatePortfolio(factor, sp, { decay: 4, costBps: 5 });
  const xreps = 10;
  const [pr, psecs, pcpu] = time(() => {
    let r = simulatePortfolio(factor, sp, { decay: 4, costBps: 5 });
    for (let i = 1; i < xreps; i++) r = simulatePortfolio(factor, sp, { decay: 4, costBps: 5, truncation: 0.05 + i * 0.001 });
    return r;
  });
  console.log(`3) simulatePortfolio (delay 1, decay 4, market neutral, truncation, 5 bps costs): ${fmt((psecs / xreps) * 1000, 2)} ms per simulation wall, ${fmt((pcpu / xreps) * 1000, 2)} ms CPU (factor evaluation ${fmt(fsecs * 1000, 1)} ms, once)`);
  console.log(`   5-day reversal: Sharpe ${fmt(pr.metrics.sharpe, 2)}, turnover ${fmt(pr.metrics.turnover, 3)}/day, fitness ${fmt(pr.metrics.fitness, 2)}, margin ${fmt(pr.metrics.margin * 1e4, 2)} bps`);

  // 4. the candidate screen's signal stage (masks once, test range + full range backtests), the figure
  //    test/agent-tester.test.ts used to assert as a timing
  const T2 = sp.times.length;
  const stage = () => runSignalStage(sp, factor, { params: { delay: 1 }, costBps: 5, range: { start: Math.floor(T2 * 0.8), end: T2 }, fullRange: { start: 21, end: T2 } });
  stage();
  const sreps = 5;
  const [st, ssecs, scpu] = time(() => {
    let r = stage();
    for (let i = 1; i < sreps; i++) r = stage();
    return r;
  });
  console.log(`4) signal stage (masks + 2 backtests, delay 1, 5 bps): ${fmt((ssecs / sreps) * 1000, 1)} ms wall, ${fmt((scpu / sreps) * 1000, 1)} ms CPU per stage; ${st.full!.nTrades.toLocaleString('en-US')} trades in the full range`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
