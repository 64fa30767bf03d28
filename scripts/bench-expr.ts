/**
 * Benchmark of the expression engine: evaluates the fixed set of formulaic
 * alphas in lib/expr/alpha101.ts (from "101 Formulaic Alphas", Kakushadze
 * 2016; those needing no industry data) on the bundled S&P 500 panel
 * (505 assets x 1,259 days) and on the larger US panel in ../shared/data
 * (1,050 x 2,485; skipped with a message when absent). Prints per-expression
 * milliseconds, the total, cells per second, and memory, plus a few
 * technical indicators separately.
 *
 * Run: npm run bench:expr
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ALPHA101, evaluate, evaluateMany, parse } from '../lib/expr/index.js';
import type { Panel } from '../lib/data/panel.js';
import { loadBundledPanel, loadFilePanel } from '../lib/data/index.js';
import { sharedDataDir } from '../lib/db/index.js';

const INDICATOR_EXPRS = ['rsi(close, 14)', 'macd_hist(close)', 'atr(high, low, close, 14)', 'bb_percent_b(close, 20, 2)'];

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function bench(label: string, panel: Panel): void {
  const T = panel.times.length, N = panel.assets.length, cells = T * N;
  const fieldBytes = cells * 8;
  console.log(`\n== ${label}: ${N} assets x ${T} bars = ${cells.toLocaleString('en-US')} cells (one field = ${mb(fieldBytes)})`);
  // machine-speed reference: one element-wise pass (x + y over one field), CPU time, best of 5
  const xs = panel.fields.close!, ys = panel.fields.open!, zs = new Float64Array(cells);
  let ref = Infinity;
  for (let k = 0; k < 5; k++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < cells; i++) zs[i] = xs[i]! + ys[i]!;
    const c1 = process.cpuUsage(c0);
    ref = Math.min(ref, (c1.user + c1.system) / 1000);
  }
  console.log(`  reference: one plain loop x + y over the panel takes ${ref.toFixed(2)} ms CPU here (${((ref * 1e6) / cells).toFixed(1)} ns per cell)`);
  const names = Object.keys(ALPHA101);
  const asts = names.map((n) => parse(ALPHA101[n]!));
  // warm-up pass (JIT), not timed
  for (const e of asts) evaluate(e, panel);
  if (global.gc) global.gc();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const rows: { name: string; ms: number; cpu: number; valid: number }[] = [];
  const t0 = performance.now();
  for (let k = 0; k < asts.length; k++) {
    const s = performance.now();
    const c = process.cpuUsage();
    const out = evaluate(asts[k]!, panel);
    const ms = performance.now() - s;
    const cu = process.cpuUsage(c);
    const cpu = (cu.user + cu.system) / 1000;
    let valid = 0;
    for (let i = 0; i < out.length; i++) if (out[i] === out[i]) valid++;
    rows.push({ name: names[k]!, ms, cpu, valid });
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const total = performance.now() - t0;
  const evalTotal = rows.reduce((s, r) => s + r.ms, 0);
  const cpuTotal = rows.reduce((s, r) => s + r.cpu, 0);
  console.log(`  ${'alpha'.padEnd(9)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)}   valid`);
  for (const r of rows) console.log(`  ${r.name.padEnd(9)} ${r.ms.toFixed(2).padStart(8)} ${r.cpu.toFixed(1).padStart(8)}   ${(100 * r.valid / cells).toFixed(1).padStart(5)}%  ${ALPHA101[r.name]!.length > 70 ? ALPHA101[r.name]!.slice(0, 67) + '...' : ALPHA101[r.name]}`);
  console.log(`  total: ${rows.length} alphas in ${evalTotal.toFixed(1)} ms wall, ${cpuTotal.toFixed(1)} ms CPU (process CPU time, less sensitive to other load on the machine); ${((rows.length * cells) / (evalTotal / 1000) / 1e6).toFixed(1)} M cells/s wall, ${((rows.length * cells) / (cpuTotal / 1000) / 1e6).toFixed(1)} M cells/s CPU`);
  console.log(`  (load average now: ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores; wall times include waiting for other processes)`);
  console.log(`  memory: rss ${mb(rss0)} before, peak ${mb(peak)} during (+${mb(peak - rss0)} = ${((peak - rss0) / fieldBytes).toFixed(1)} x one field)`);
  // the same set as one batch: subexpressions shared between alphas computed once
  {
    const s = performance.now();
    const c = process.cpuUsage();
    evaluateMany(asts, panel);
    const cu = process.cpuUsage(c);
    console.log(`  batch (evaluateMany, one merged DAG): ${(performance.now() - s).toFixed(1)} ms wall, ${((cu.user + cu.system) / 1000).toFixed(1)} ms CPU`);
  }
  for (const src of INDICATOR_EXPRS) {
    const s = performance.now();
    evaluate(src, panel);
    console.log(`  indicator ${src.padEnd(28)} ${(performance.now() - s).toFixed(1).padStart(8)} ms`);
  }
}

const sp = await loadBundledPanel('sp500_daily');
bench('S&P 500 daily 2013-2018 (bundled sample)', sp);
const big = join(sharedDataDir(), 'us_stocks_etfs_top1050_daily_2008_2017.csv.gz');
if (existsSync(big)) {
  const s = performance.now();
  const panel = await loadFilePanel(big, { frequency: '1d', market: 'equity' });
  console.log(`\n(loaded ${big} in ${((performance.now() - s) / 1000).toFixed(1)} s)`);
  bench('US top-1050 stocks/ETFs daily 2008-2017', panel);
} else {
  console.log(`\nskipped the 1,050 x 2,485 panel: ${big} not found (it lives in the shared data folder, ../shared/data next to the project or $ALPHALAB_SHARED_DATA)`);
}
