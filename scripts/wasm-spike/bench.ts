/**
 * WebAssembly spike bench (issue 17): JS kernels of lib/expr vs the same
 * arithmetic in WebAssembly (AssemblyScript, scalar and f64x2 SIMD), on the
 * S&P 500 panel, CPU time per call (process.cpuUsage), and a cell-by-cell
 * bit-identity check against the JS kernel (on the panel and on synthetic
 * panels with NaN holes, constant runs and spikes that trip the cancellation
 * guard).
 *
 *   scripts/wasm-spike/build.sh          # once, needs AssemblyScript 0.28 outside the repo
 *   npx tsx scripts/wasm-spike/bench.ts [--reps 15]
 *
 * "copy" variants include copying the inputs into linear memory and the
 * output back out per call; "resident" variants assume the inputs already
 * live in WASM memory (what a whole-evaluation-in-WASM design would get).
 */
import { cpus, loadavg } from 'node:os';
import { loadBundledPanel } from '../../lib/data/index.js';
import { csRank, div, mul, rollingCorr, rollingCov, rollingStd } from '../../lib/expr/kernels.js';
import { compileMoments, makeArena, MODE, spikePanel, type WasmArena } from './wasm.js';

let panelT = 0, panelN = 0;
const argReps = process.argv.indexOf('--reps');
const REPS = argReps > 0 ? Number(process.argv[argReps + 1]) : 15;

function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e3;
}

/** Cells whose bits differ, and cells that differ as values (Object.is: NaN = NaN, -0 != +0). */
function compare(a: Float64Array, b: Float64Array): { bits: number; values: number } {
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length), ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  let bits = 0, values = 0;
  for (let i = 0; i < a.length; i++) {
    if (ua[i] !== ub[i]) bits++;
    if (!Object.is(a[i], b[i])) values++;
  }
  return { bits, values };
}

interface Kernel {
  readonly name: string;
  readonly js: (out: Float64Array) => void;
  readonly inputs: readonly Float64Array[];
  readonly scalar?: (w: WasmArena) => void;
  readonly simd?: (w: WasmArena) => void;
  /** SIMD over blocks of 4 pairs (8 assets) advanced date by date. */
  readonly block?: (w: WasmArena) => void;
  /** SIMD on the pair-interleaved layout (inputs already transposed: qx, qy -> qout). */
  readonly pairs?: (w: WasmArena) => void;
  /** The scalar port on the pair-interleaved layout. */
  readonly pairsScalar?: (w: WasmArena) => void;
  /** The JS kernel on an asset-major copy (each asset's dates contiguous: one call per asset with N = 1), writing asset-major. */
  readonly jsAssetMajor?: (out: Float64Array) => void;
}

function median(v: number[]): number {
  const s = [...v].sort((p, q) => p - q);
  return s[s.length >> 1]!;
}

/** Copies the inputs into the arena, runs, copies the output out (the per-call cost of a JS-memory engine). */
function withCopy(w: WasmArena, k: Kernel, run: (w: WasmArena) => void, out: Float64Array): void {
  w.x.set(k.inputs[0]!);
  if (k.inputs[1]) w.y.set(k.inputs[1]);
  run(w);
  out.set(w.out);
}

/** Copy in, transpose to the pair layout, run on it, transpose back, copy out. */
function pairsWithCopy(w: WasmArena, k: Kernel, out: Float64Array): void {
  const T = panelT, N = panelN;
  w.x.set(k.inputs[0]!);
  w.ex.toPairs(w.xp, w.qxp, T, N);
  if (k.inputs[1]) { w.y.set(k.inputs[1]); w.ex.toPairs(w.yp, w.qyp, T, N); }
  k.pairs!(w);
  w.ex.fromPairs(w.qoutp, w.outp, T, N);
  out.set(w.out);
}

// ------------------------------------------------------------- synthetic bit-identity check

function syntheticCheck(mod: WebAssembly.Module): { cases: number; cells: number; bad: number } {
  let cases = 0, cells = 0, bad = 0;
  for (const [T, N] of [[300, 7], [257, 8], [120, 1], [64, 33], [200, 19], [90, 16]] as const) {
    const x = spikePanel(T, N, T * 31 + N), y = spikePanel(T, N, T * 17 + N + 5);
    const w = makeArena(mod, T, N);
    w.x.set(x); w.y.set(y);
    for (const d of [2, 3, 5, 10, 20]) {
      const ref = new Float64Array(T * N);
      for (const [mode, js] of [[MODE.std, () => rollingStd(x, T, N, d, ref)], [MODE.cov, () => rollingCov(x, y, T, N, d, ref)], [MODE.corr, () => rollingCorr(x, y, T, N, d, ref)]] as const) {
        js();
        for (const f of [w.ex.momentsScalar, w.ex.momentsSimd, (...a: [number, number, number, number, number, number, number]) => w.ex.momentsSimdBlock(...a, 4), (...a: [number, number, number, number, number, number, number]) => w.ex.momentsSimdBlock(...a, 2)]) {
          w.out.fill(12345);
          f(w.xp, mode === MODE.std ? w.xp : w.yp, w.outp, T, N, d, mode);
          bad += compare(ref, w.out).bits; cells += ref.length; cases++;
        }
        w.ex.toPairs(w.xp, w.qxp, T, N); w.ex.toPairs(w.yp, w.qyp, T, N);
        w.out.fill(12345);
        w.ex.momentsPairs(w.qxp, mode === MODE.std ? w.qxp : w.qyp, w.qoutp, T, N, d, mode);
        w.ex.fromPairs(w.qoutp, w.outp, T, N);
        bad += compare(ref, w.out).bits; cells += ref.length; cases++;
      }
    }
  }
  return { cases, cells, bad };
}

// ------------------------------------------------------------------------------- main
const panel = await loadBundledPanel('sp500_daily');
const T = panel.times.length, N = panel.assets.length, n = T * N;
panelT = T; panelN = N;
const f = panel.fields;
const open = f.open!, volume = f.volume!, close = f.close!;
const mod = compileMoments();
/** Asset-major copy (x[a * T + t]) of a date-major field. */
function assetMajor(x: Float64Array): Float64Array {
  const o = new Float64Array(x.length);
  for (let t = 0; t < T; t++) for (let a = 0; a < N; a++) o[a * T + t] = x[t * N + a]!;
  return o;
}
const closeOverOpen = div(close, open, new Float64Array(n));
const openA = assetMajor(open), volumeA = assetMajor(volume), closeA = assetMajor(close);
/** Runs a JS kernel once per asset on asset-major data (contiguous dates, N = 1). */
function perAsset(f: (x: Float64Array, y: Float64Array, o: Float64Array) => void, x: Float64Array, y: Float64Array, o: Float64Array): void {
  for (let a = 0; a < N; a++) f(x.subarray(a * T, a * T + T), y.subarray(a * T, a * T + T), o.subarray(a * T, a * T + T));
}
const w = makeArena(mod, T, N);
console.log(`S&P panel ${N} assets x ${T} dates; ${cpus().length} CPUs; load before ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${REPS} reps, median (min) CPU ms per call`);

const kernels: Kernel[] = [
  { name: 'ts_corr(open, volume, 10)', inputs: [open, volume], js: (o) => rollingCorr(open, volume, T, N, 10, o),
    scalar: (a) => a.ex.momentsScalar(a.xp, a.yp, a.outp, T, N, 10, MODE.corr), simd: (a) => a.ex.momentsSimd(a.xp, a.yp, a.outp, T, N, 10, MODE.corr),
    block: (a) => a.ex.momentsSimdBlock(a.xp, a.yp, a.outp, T, N, 10, MODE.corr, 4),
    pairs: (a) => a.ex.momentsPairs(a.qxp, a.qyp, a.qoutp, T, N, 10, MODE.corr),
    pairsScalar: (a) => a.ex.momentsPairsScalar(a.qxp, a.qyp, a.qoutp, T, N, 10, MODE.corr),
    jsAssetMajor: (o) => perAsset((x, y, q) => rollingCorr(x, y, T, 1, 10, q), openA, volumeA, o) },
  { name: 'ts_cov(open, volume, 10)', inputs: [open, volume], js: (o) => rollingCov(open, volume, T, N, 10, o),
    scalar: (a) => a.ex.momentsScalar(a.xp, a.yp, a.outp, T, N, 10, MODE.cov), simd: (a) => a.ex.momentsSimd(a.xp, a.yp, a.outp, T, N, 10, MODE.cov),
    block: (a) => a.ex.momentsSimdBlock(a.xp, a.yp, a.outp, T, N, 10, MODE.cov, 4),
    pairs: (a) => a.ex.momentsPairs(a.qxp, a.qyp, a.qoutp, T, N, 10, MODE.cov),
    pairsScalar: (a) => a.ex.momentsPairsScalar(a.qxp, a.qyp, a.qoutp, T, N, 10, MODE.cov),
    jsAssetMajor: (o) => perAsset((x, y, q) => rollingCov(x, y, T, 1, 10, q), openA, volumeA, o) },
  { name: 'ts_std(close, 20)', inputs: [close], js: (o) => rollingStd(close, T, N, 20, o),
    scalar: (a) => a.ex.momentsScalar(a.xp, a.xp, a.outp, T, N, 20, MODE.std), simd: (a) => a.ex.momentsSimd(a.xp, a.xp, a.outp, T, N, 20, MODE.std),
    block: (a) => a.ex.momentsSimdBlock(a.xp, a.xp, a.outp, T, N, 20, MODE.std, 4),
    pairs: (a) => a.ex.momentsPairs(a.qxp, a.qxp, a.qoutp, T, N, 20, MODE.std),
    pairsScalar: (a) => a.ex.momentsPairsScalar(a.qxp, a.qxp, a.qoutp, T, N, 20, MODE.std),
    jsAssetMajor: (o) => perAsset((x, _y, q) => rollingStd(x, T, 1, 20, q), closeA, closeA, o) },
  { name: 'close * volume', inputs: [close, volume], js: (o) => mul(close, volume, o),
    scalar: (a) => a.ex.mulScalar(a.xp, a.yp, a.outp, n), simd: (a) => a.ex.mulSimd(a.xp, a.yp, a.outp, n) },
  { name: 'rank(close)', inputs: [close], js: (o) => csRank(close, T, N, o), scalar: (a) => a.ex.rankUnit(a.xp, a.outp, T, N, a.scratchp) },
  { name: 'rank(volume)', inputs: [volume], js: (o) => csRank(volume, T, N, o), scalar: (a) => a.ex.rankUnit(a.xp, a.outp, T, N, a.scratchp) },
  { name: 'rank(close / open)', inputs: [closeOverOpen], js: (o) => csRank(closeOverOpen, T, N, o), scalar: (a) => a.ex.rankUnit(a.xp, a.outp, T, N, a.scratchp) },
  { name: 'close / open', inputs: [close, open], js: (o) => div(close, open, o), simd: (a) => a.ex.divSimd(a.xp, a.yp, a.outp, n) },
];

const rows: string[] = ['| kernel | JS | JS, asset-major layout | WASM scalar + copy | WASM scalar resident | WASM SIMD + copy | WASM SIMD resident | WASM SIMD 8-asset blocks + copy | WASM SIMD 8-asset blocks resident | pair layout: WASM scalar resident | pair layout: WASM SIMD resident | pair layout: + copy + transpose in/out | transpose in+out alone | copy in+out alone | best resident speed-up vs JS | bit-identical |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
const cpu0 = process.cpuUsage(), wall0 = performance.now();
for (const k of kernels) {
  const ref = new Float64Array(n), got = new Float64Array(n), gotA = new Float64Array(n);
  k.js(ref);
  const t: Record<string, number[]> = { ja: [], js: [], sc: [], sr: [], vc: [], vr: [], bc: [], br: [], ps: [], pr: [], pc: [], tr: [], copy: [] };
  // warm-up, then interleaved repetitions (so load swings hit every variant alike)
  for (let r = -2; r < REPS; r++) {
    const m = {
      js: cpuMs(() => k.js(got)),
      ja: k.jsAssetMajor ? cpuMs(() => k.jsAssetMajor!(gotA)) : NaN,
      sc: k.scalar ? cpuMs(() => withCopy(w, k, k.scalar!, got)) : NaN,
      sr: k.scalar ? cpuMs(() => k.scalar!(w)) : NaN,
      vc: k.simd ? cpuMs(() => withCopy(w, k, k.simd!, got)) : NaN,
      vr: k.simd ? cpuMs(() => k.simd!(w)) : NaN,
      bc: k.block ? cpuMs(() => withCopy(w, k, k.block!, got)) : NaN,
      br: k.block ? cpuMs(() => k.block!(w)) : NaN,
      ps: k.pairsScalar ? cpuMs(() => k.pairsScalar!(w)) : NaN,
      pr: k.pairs ? cpuMs(() => k.pairs!(w)) : NaN,
      pc: k.pairs ? cpuMs(() => pairsWithCopy(w, k, got)) : NaN,
      tr: k.pairs ? cpuMs(() => { w.ex.toPairs(w.xp, w.qxp, T, N); if (k.inputs[1]) w.ex.toPairs(w.yp, w.qyp, T, N); w.ex.fromPairs(w.qoutp, w.outp, T, N); }) : NaN,
      copy: cpuMs(() => { w.x.set(k.inputs[0]!); if (k.inputs[1]) w.y.set(k.inputs[1]); got.set(w.out); }),
    };
    if (r >= 0) for (const key of Object.keys(t)) t[key]!.push(m[key as keyof typeof m]);
  }
  // bit identity: every variant against the JS kernel
  let bits = 0, values = 0;
  if (k.pairs) {
    got.fill(12345);
    pairsWithCopy(w, k, got);
    const c = compare(ref, got); bits += c.bits; values += c.values;
    w.out.fill(12345);
    k.pairsScalar!(w); // qx, qy hold this kernel's inputs after pairsWithCopy
    w.ex.fromPairs(w.qoutp, w.outp, T, N);
    const c2 = compare(ref, w.out); bits += c2.bits; values += c2.values;
  }
  for (const run of [k.scalar, k.simd, k.block]) {
    if (!run) continue;
    w.out.fill(12345);
    withCopy(w, k, run, got);
    const c = compare(ref, got); bits += c.bits; values += c.values;
  }
  const fmt = (v: number[]): string => (v[0]! !== v[0]! ? '-' : `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)})`);
  if (k.jsAssetMajor) {
    k.jsAssetMajor(gotA);
    let diff = 0;
    for (let tt = 0; tt < T; tt++) for (let a = 0; a < N; a++) if (!Object.is(gotA[a * T + tt], ref[tt * N + a])) diff++;
    bits += diff; values += diff;
  }
  rows.push(`| ${k.name} | ${fmt(t.js!)} | ${fmt(t.ja!)} | ${fmt(t.sc!)} | ${fmt(t.sr!)} | ${fmt(t.vc!)} | ${fmt(t.vr!)} | ${fmt(t.bc!)} | ${fmt(t.br!)} | ${fmt(t.ps!)} | ${fmt(t.pr!)} | ${fmt(t.pc!)} | ${fmt(t.tr!)} | ${fmt(t.copy!)} | ${(median(t.js!) / Math.min(k.simd ? median(t.vr!) : Infinity, k.scalar ? median(t.sr!) : Infinity, k.block ? median(t.br!) : Infinity, k.pairs ? median(t.pr!) : Infinity)).toFixed(2)}x | ${bits === 0 ? 'yes' : `NO: ${bits} cells differ in bits, ${values} in value`} |`);
}
const cpu = process.cpuUsage(cpu0), wall = performance.now() - wall0;
console.log(rows.join('\n'));
console.log(`timed section: CPU ${((cpu.user + cpu.system) / 1e3).toFixed(0)} ms, wall ${wall.toFixed(0)} ms; load after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const s = syntheticCheck(mod);
console.log(`synthetic bit-identity (NaN holes, equal runs, zeros, 1e7 spikes; d 2..20; N odd/even/1): ${s.cases} kernel runs, ${s.cells} cells, ${s.bad} differing in bits`);
