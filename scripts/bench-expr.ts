/**
 * Benchmark of the expression engine: evaluates the fixed set of formulaic
 * alphas in lib/expr/alpha101.ts (from "101 Formulaic Alphas", Kakushadze
 * 2016; those needing no industry data) on the bundled S&P 500 panel
 * (505 assets x 1,259 days) and on the larger US panel in ../shared/data
 * (1,050 x 2,485; skipped with a message when absent). Prints per-expression
 * milliseconds, the total, cells per second, and memory, plus a few
 * technical indicators separately.
 *
 * With `--vs-pandas` (issue 17) the same formulas (the engine's canonical
 * ASTs, so both sides evaluate the same trees) also run in pandas/numpy
 * (scripts/expr-pandas-reference.py under Debian's /usr/bin/python3 with
 * python3-pandas; installed with apt-get when missing and root) and as
 * nodejs-polars expressions (scripts/expr-polars.ts; the alphas polars can
 * express), on the same panel in the same run; per alpha it prints the three
 * times, the ratios and how many cells agree with the engine (|a - b| <=
 * 1e-6 max(1, |a|, |b|) or both NaN), then the totals, with the engine
 * serial (one thread: the per-alpha table) and on worker threads. It also
 * measures the evaluation of random depth-4 formulas (seeded) in formulas/s
 * in one thread (plain `evaluate`) and through the thread pool with 1 and W
 * threads.
 *
 * Every run also evaluates the alpha set on a pool of worker threads
 * (lib/expr `ExprThreadPool`, 1 and W threads, W = --workers, default 2):
 * start-up of the pool (threads loading the engine) printed apart, then one
 * warm-up pass and one timed pass (wall, and process CPU = all threads). It
 * prints a digest of the engine's output bits for the serial run and for each
 * thread count (equal digests = bit-identical outputs, across thread counts
 * and engine versions).
 *
 * Run: npm run bench:expr [-- --vs-pandas] [--workers W] [--formulas 1000] [--skip-big] [--dates N (first N dates of the S&P 500 panel: a quick check)]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pl from 'nodejs-polars';
import { ALPHA101, createExprThreadPool, evaluate, evaluateMany, normalize, parse } from '../lib/expr/index.js';
import type { Expr, ExprThreadPool, ParallelStats } from '../lib/expr/index.js';
import { Rng } from '../lib/stats/rng.js';
import { longFrame, polarsPlan, PolarsUnsupported, toDateMajor } from './expr-polars.js';
import type { Panel } from '../lib/data/panel.js';
import { sliceDates } from '../lib/data/panel.js';
import { loadBundledPanel, loadFilePanel } from '../lib/data/index.js';
import { sharedDataDir } from '../lib/db/index.js';

const ALPHA101_NAMES = Object.keys(ALPHA101);
const INDICATOR_EXPRS = ['rsi(close, 14)', 'macd_hist(close)', 'atr(high, low, close, 14)', 'bb_percent_b(close, 20, 2)'];

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Digest (sha256, first 16 hex) of the bits of outputs in order. */
function digestOf(outs: readonly Float64Array[]): string {
  const hash = createHash('sha256');
  for (const out of outs) hash.update(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  return hash.digest('hex').slice(0, 16);
}

/** One timed pass of the alpha set on a thread pool. */
interface ThreadRun { threads: number; startMs: number; ms: number; cpu: number; digest: string }

const load = (): string => `load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores`;

/** The alpha set on pools of 1 and `workers` threads: start-up, a warm-up pass, a timed pass (printed). */
async function benchThreads(panel: Panel, asts: readonly Expr[], counts: readonly number[], serialDigest: string): Promise<ThreadRun[]> {
  const runs: ThreadRun[] = [];
  for (const threads of counts) {
    const s0 = performance.now();
    const pool = await createExprThreadPool(threads);
    let run: ThreadRun;
    let balance = '';
    try {
      await pool.ready();
      const startMs = performance.now() - s0;
      await pool.evaluateMany(asts, panel); // warm-up (JIT in each thread), not timed; shares the panel with the threads
      if (global.gc) global.gc();
      const stats = {} as ParallelStats;
      const s = performance.now(), c = process.cpuUsage();
      const outs = await pool.evaluateMany(asts, panel, { stats });
      const ms = performance.now() - s, cu = process.cpuUsage(c);
      run = { threads, startMs, ms, cpu: (cu.user + cu.system) / 1000, digest: digestOf(outs) };
      // load balance: the wall time can be no less than the longest alpha nor than the thread time shared evenly
      const sum = stats.threadMs.reduce((a, b) => a + b, 0), longest = Math.max(...stats.threadMs);
      balance = `in-thread times: sum ${sum.toFixed(0)} ms, longest alpha ${longest.toFixed(0)} ms (${asts.length > 0 ? (ALPHA101_NAMES[stats.threadMs.indexOf(longest)] ?? '?') : '-'}), lower bound on the wall max(longest, sum / ${threads}) = ${Math.max(longest, sum / threads).toFixed(0)} ms; dispatched first: ${stats.order.slice(0, 3).map((i) => ALPHA101_NAMES[i]).join(', ')}`;
    } finally {
      await pool.close();
    }
    runs.push(run);
    console.log(`  worker threads: ${threads} -> ${run.ms.toFixed(1)} ms wall, ${run.cpu.toFixed(1)} ms CPU (all threads) for the ${asts.length} alphas; pool start-up ${run.startMs.toFixed(0)} ms (not included); digest ${run.digest}${run.digest === serialDigest ? ' (= serial)' : ' (DIFFERS from serial!)'}; ${load()}`);
    console.log(`    ${balance}`);
  }
  return runs;
}

/** Engine timings of the alpha set on one panel (printed), serial and on worker threads, plus the digest of all outputs. */
async function bench(label: string, panel: Panel, threadCounts: readonly number[]): Promise<{ rows: EngineRow[]; digest: string; threads: ThreadRun[] }> {
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
  const rows: EngineRow[] = [];
  const hash = createHash('sha256');
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
    hash.update(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
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
    const c = process.cpuUsage();
    evaluate(src, panel);
    const cu = process.cpuUsage(c);
    console.log(`  indicator ${src.padEnd(28)} ${(performance.now() - s).toFixed(1).padStart(8)} ms wall ${((cu.user + cu.system) / 1000).toFixed(1).padStart(8)} ms CPU`);
  }
  const digest = hash.digest('hex').slice(0, 16);
  console.log(`  engine output digest (sha256 of all alpha outputs' bits): ${digest}`);
  const threads = await benchThreads(panel, asts, threadCounts, digest);
  return { rows, digest, threads };
}

/** Engine time of one alpha. */
interface EngineRow { name: string; ms: number; cpu: number; valid: number }

const PYTHON = '/usr/bin/python3';
const HERE = fileURLToPath(new URL('.', import.meta.url));

/** Fraction of cells where both are NaN or |a - b| <= 1e-6 max(1, |a|, |b|). */
function agreement(a: Float64Array, b: Float64Array): number {
  let ok = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x !== x ? y !== y : Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x), Math.abs(y))) ok++;
  }
  return ok / a.length;
}

/** Debian's pandas, installed with apt-get when missing (root only); false when unavailable. */
function ensurePandas(): boolean {
  const probe = (): boolean => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0;
  if (probe()) return true;
  if (process.getuid?.() === 0) {
    console.log('  (python3-pandas missing: apt-get install -y python3-pandas)');
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-pandas'], { stdio: 'inherit' });
  }
  return probe();
}

interface OtherRow { ms: number; cpu: number; agree: number; error?: string }

/** Runs the alpha set in pandas (child process); per alpha its times and agreement with the engine's outputs. */
function runPandas(panel: Panel, asts: Record<string, Expr>, engineOut: Record<string, Float64Array>): Map<string, OtherRow> {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-bench-pandas-'));
  const res = new Map<string, OtherRow>();
  try {
    const T = panel.times.length, N = panel.assets.length;
    const fields = Object.keys(panel.fields).filter((f) => panel.fields[f]!.length === T * N);
    for (const f of fields) { const a = panel.fields[f]!; writeFileSync(join(dir, `${f}.f64`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength)); }
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ T, N, fields, alphas: asts }));
    const outDir = join(dir, 'out');
    spawnSync('mkdir', [outDir]);
    const r = spawnSync(PYTHON, [join(HERE, 'expr-pandas-reference.py'), dir, '--out', outDir], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`pandas reference failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    for (const line of r.stdout.trim().split('\n')) {
      const o = JSON.parse(line) as { name: string; wall_ms: number; cpu_ms: number; error?: string };
      let agree = NaN;
      if (!o.error) {
        const buf = readFileSync(join(outDir, `${o.name}.f64`));
        agree = agreement(engineOut[o.name]!, new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8));
      }
      res.set(o.name, { ms: o.wall_ms, cpu: o.cpu_ms, agree, error: o.error });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return res;
}

/** Runs the alphas polars can express (one select per alpha, warm-up on the whole set first). */
function runPolars(panel: Panel, asts: Record<string, Expr>, engineOut: Record<string, Float64Array>): Map<string, OtherRow> {
  const T = panel.times.length, N = panel.assets.length;
  const fields = Object.keys(panel.fields).filter((f) => panel.fields[f]!.length === T * N);
  const df = longFrame(panel, fields);
  const res = new Map<string, OtherRow>();
  const exprs: [string, ReturnType<typeof polarsPlan>][] = [];
  for (const [name, ast] of Object.entries(asts)) {
    try { exprs.push([name, polarsPlan(ast, fields)]); } catch (e) {
      if (!(e instanceof PolarsUnsupported)) throw e;
      res.set(name, { ms: NaN, cpu: NaN, agree: NaN, error: `not expressible: ${e.message}` });
    }
  }
  // one lazy query per alpha: its intermediate columns, then the result
  const sel = (plan: ReturnType<typeof polarsPlan>, name: string) => {
    let q = df.lazy();
    for (const [col, e] of plan.steps) q = q.withColumns(e.alias(col));
    const r = plan.result;
    return q.select((typeof r === 'number' ? pl.lit(r) : r).alias(name)).collectSync();
  };
  for (const [name, e] of exprs) sel(e, name); // warm-up
  for (const [name, e] of exprs) {
    const s = performance.now(), c = process.cpuUsage();
    const out = sel(e, name);
    const ms = performance.now() - s, cu = process.cpuUsage(c);
    res.set(name, { ms, cpu: (cu.user + cu.system) / 1000, agree: agreement(engineOut[name]!, toDateMajor(out, name, T, N)) });
  }
  return res;
}

/** Engine vs pandas vs polars on one panel: per-alpha table and totals. */
function compare(label: string, panel: Panel, engine: EngineRow[], threads: readonly ThreadRun[]): void {
  const asts: Record<string, Expr> = {};
  const engineOut: Record<string, Float64Array> = {};
  for (const r of engine) { asts[r.name] = normalize(parse(ALPHA101[r.name]!)); engineOut[r.name] = evaluate(asts[r.name]!, panel); }
  console.log(`\n== ${label}: engine vs pandas ${'(Debian python3-pandas)'} vs nodejs-polars, same panel, same run`);
  const pandas = ensurePandas() ? runPandas(panel, asts, engineOut) : null;
  if (!pandas) console.log('  pandas: not available (no /usr/bin/python3 with pandas; install Debian python3-pandas); pandas columns skipped');
  const polars = runPolars(panel, asts, engineOut);
  const f = (v: number, w = 8, p = 1) => (v === v ? v.toFixed(p) : '-').padStart(w);
  console.log(`  ${'alpha'.padEnd(9)} ${'engine'.padStart(8)} ${'pandas'.padStart(8)} ${'polars'.padStart(8)}  ${'x pandas'.padStart(8)} ${'x polars'.padStart(8)}  agree pd/pl (ms wall; CPU totals below)`);
  const tot = { e: 0, eCpu: 0, p: 0, pCpu: 0, eForP: 0, eCpuForP: 0, q: 0, qCpu: 0, eForQ: 0, eCpuForQ: 0, nP: 0, nQ: 0 };
  for (const r of engine) {
    const pd = pandas?.get(r.name), pq = polars.get(r.name);
    const pOk = pd && !pd.error, qOk = pq && !pq.error;
    tot.e += r.ms; tot.eCpu += r.cpu;
    if (pOk) { tot.p += pd.ms; tot.pCpu += pd.cpu; tot.eForP += r.ms; tot.eCpuForP += r.cpu; tot.nP++; }
    if (qOk) { tot.q += pq.ms; tot.qCpu += pq.cpu; tot.eForQ += r.ms; tot.eCpuForQ += r.cpu; tot.nQ++; }
    const pct = (o: OtherRow | undefined) => (o && !o.error ? `${(100 * o.agree).toFixed(1)}%` : '-').padStart(6);
    const note = [pd?.error ? `pandas: ${pd.error}` : '', pq?.error ? `polars: ${pq.error}` : ''].filter(Boolean).join('; ');
    console.log(`  ${r.name.padEnd(9)} ${f(r.ms)} ${f(pOk ? pd.ms : NaN)} ${f(qOk ? pq.ms : NaN)}  ${f(pOk ? pd.ms / r.ms : NaN, 8, 2)} ${f(qOk ? pq.ms / r.ms : NaN, 8, 2)}  ${pct(pd)} ${pct(pq)}${note ? `  (${note})` : ''}`);
  }
  console.log(`  total engine: ${tot.e.toFixed(1)} ms wall, ${tot.eCpu.toFixed(1)} ms CPU for ${engine.length} alphas`);
  if (pandas) console.log(`  total vs pandas (${tot.nP} alphas): engine ${tot.eForP.toFixed(1)} ms wall / ${tot.eCpuForP.toFixed(1)} ms CPU, pandas ${tot.p.toFixed(1)} ms wall / ${tot.pCpu.toFixed(1)} ms CPU: ratio ${(tot.p / tot.eForP).toFixed(2)}x wall, ${(tot.pCpu / tot.eCpuForP).toFixed(2)}x CPU`);
  if (pandas && tot.nP === engine.length) {
    for (const r of threads) console.log(`  total vs pandas, engine on ${r.threads} worker thread${r.threads > 1 ? 's' : ''} (all ${engine.length} alphas, one batch): engine ${r.ms.toFixed(1)} ms wall / ${r.cpu.toFixed(1)} ms CPU: ratio ${(tot.p / r.ms).toFixed(2)}x wall, ${(tot.pCpu / r.cpu).toFixed(2)}x CPU`);
  } else if (pandas) console.log(`  (threads vs pandas not compared: pandas ran ${tot.nP} of ${engine.length} alphas)`);
  console.log(`  total vs polars (${tot.nQ} alphas it can express): engine ${tot.eForQ.toFixed(1)} ms wall / ${tot.eCpuForQ.toFixed(1)} ms CPU, polars ${tot.q.toFixed(1)} ms wall / ${tot.qCpu.toFixed(1)} ms CPU (all its threads): ratio ${(tot.q / tot.eForQ).toFixed(2)}x wall, ${(tot.qCpu / tot.eCpuForQ).toFixed(2)}x CPU`);
  console.log(`  (load average now: ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores, shared with other agents: wall ratios are noisy, CPU ratios less so)`);
}

// ---------------------------------------------------------------- random formulas

const RANDOM_LEAVES = ['open', 'high', 'low', 'close', 'volume', 'returns', 'vwap'];
const RANDOM_WINDOWS = [3, 5, 10, 20];
const RANDOM_OPS: { op: string; series: number; window: boolean }[] = [
  ...['add', 'sub', 'mul', 'div'].map((op) => ({ op, series: 2, window: false })),
  ...['abs', 'log', 'sign', 'neg', 'rank', 'zscore', 'scale'].map((op) => ({ op, series: 1, window: false })),
  ...['ts_mean', 'ts_std', 'ts_rank', 'delta', 'delay', 'ts_min', 'ts_max', 'decay_linear', 'ts_sum', 'ts_argmax'].map((op) => ({ op, series: 1, window: true })),
  ...['ts_corr', 'ts_cov'].map((op) => ({ op, series: 2, window: true })),
];

/**
 * `count` random formulas of depth `depth` (operator levels on the longest
 * path; other arguments of depth below), seeded: the first argument of each
 * operator grows to the full depth, other series arguments to a random depth.
 */
function randomFormulas(count: number, depth: number, seed: number): string[] {
  const rng = new Rng(seed);
  const gen = (d: number): string => {
    if (d === 0) return RANDOM_LEAVES[rng.int(RANDOM_LEAVES.length)]!;
    const o = RANDOM_OPS[rng.int(RANDOM_OPS.length)]!;
    const args = [gen(d - 1)];
    for (let k = 1; k < o.series; k++) args.push(gen(rng.int(d)));
    if (o.window) args.push(String(RANDOM_WINDOWS[rng.int(RANDOM_WINDOWS.length)]));
    return `${o.op}(${args.join(', ')})`;
  };
  return Array.from({ length: count }, () => gen(depth));
}

/** Evaluates formulas [lo, hi) of the seeded set one by one (no cache); wall and CPU ms. */
function evalFormulas(panel: Panel, formulas: readonly string[]): { ms: number; cpu: number } {
  const s = performance.now(), c = process.cpuUsage();
  for (const f of formulas) evaluate(f, panel);
  const cu = process.cpuUsage(c);
  return { ms: performance.now() - s, cpu: (cu.user + cu.system) / 1000 };
}

const FORMULA_SEED = 17;

/** Formulas through a pool, in chunks (a result per formula is one panel-sized buffer: not all held at once); wall and process CPU ms (all threads). */
async function poolFormulas(pool: ExprThreadPool, panel: Panel, formulas: readonly string[], chunk: number): Promise<{ ms: number; cpu: number }> {
  const s = performance.now(), c = process.cpuUsage();
  for (let k = 0; k < formulas.length; k += chunk) await pool.evaluateMany(formulas.slice(k, k + chunk), panel);
  const cu = process.cpuUsage(c);
  return { ms: performance.now() - s, cpu: (cu.user + cu.system) / 1000 };
}

async function formulaThroughput(panel: Panel, count: number, threadCounts: readonly number[]): Promise<void> {
  const formulas = randomFormulas(count, 4, FORMULA_SEED);
  console.log(`\n== ${count} random depth-4 formulas (seed ${FORMULA_SEED}, e.g. ${formulas[0]}) on ${panel.assets.length} x ${panel.times.length}, no cache`);
  evalFormulas(panel, formulas.slice(0, 20)); // warm-up
  const one = evalFormulas(panel, formulas);
  console.log(`  1 thread, plain evaluate: ${one.ms.toFixed(0)} ms wall, ${one.cpu.toFixed(0)} ms CPU: ${(count / (one.ms / 1000)).toFixed(1)} formulas/s wall, ${(count / (one.cpu / 1000)).toFixed(1)} formulas/s per CPU-second`);
  for (const threads of threadCounts) {
    const s0 = performance.now();
    const pool = await createExprThreadPool(threads);
    try {
      await pool.ready();
      const startMs = performance.now() - s0;
      const chunk = 16 * threads;
      await poolFormulas(pool, panel, formulas.slice(0, 2 * chunk), chunk); // warm-up
      const r = await poolFormulas(pool, panel, formulas, chunk);
      console.log(`  thread pool, ${threads} worker thread${threads > 1 ? 's' : ''} (batches of ${chunk}): ${r.ms.toFixed(0)} ms wall, ${r.cpu.toFixed(0)} ms CPU (all threads): ${(count / (r.ms / 1000)).toFixed(1)} formulas/s wall, ${(count / (r.cpu / 1000)).toFixed(1)} per CPU-second; pool start-up ${startMs.toFixed(0)} ms (not included); ${load()}`);
    } finally {
      await pool.close();
    }
  }
  console.log(`  (${load()}, shared with other agents)`);
}

// ---------------------------------------------------------------- main

const argv = process.argv.slice(2);
{
  const vsPandas = argv.includes('--vs-pandas');
  const fi = argv.indexOf('--formulas');
  const nFormulas = fi >= 0 ? Number(argv[fi + 1]) : 1000;
  const wi = argv.indexOf('--workers');
  const workers = wi >= 0 ? Number(argv[wi + 1]) : 2;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers: a positive integer, got ${argv[wi + 1]}`);
  const threadCounts = workers === 1 ? [1] : [1, workers];
  const di = argv.indexOf('--dates'); // quick check of the bench itself on the first N dates
  const sp0 = await loadBundledPanel('sp500_daily');
  const sp = di >= 0 ? sliceDates(sp0, 0, Number(argv[di + 1])) : sp0;
  const spRun = await bench('S&P 500 daily 2013-2018 (bundled sample)', sp, threadCounts);
  if (vsPandas) {
    compare('S&P 500 daily 2013-2018 (bundled sample)', sp, spRun.rows, spRun.threads);
    await formulaThroughput(sp, nFormulas, threadCounts);
  }
  const big = join(sharedDataDir(), 'us_stocks_etfs_top1050_daily_2008_2017.csv.gz');
  if (argv.includes('--skip-big')) console.log('\nskipped the 1,050 x 2,485 panel (--skip-big)');
  else if (existsSync(big)) {
    const s = performance.now();
    const panel = await loadFilePanel(big, { frequency: '1d', market: 'equity' });
    console.log(`\n(loaded ${big} in ${((performance.now() - s) / 1000).toFixed(1)} s)`);
    const r = await bench('US top-1050 stocks/ETFs daily 2008-2017', panel, threadCounts);
    if (vsPandas) compare('US top-1050 stocks/ETFs daily 2008-2017', panel, r.rows, r.threads);
  } else {
    console.log(`\nskipped the 1,050 x 2,485 panel: ${big} not found (it lives in the shared data folder, ../shared/data next to the project or $ALPHALAB_SHARED_DATA)`);
  }
}
