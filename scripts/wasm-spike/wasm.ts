/**
 * Loader of the WebAssembly spike module (scripts/wasm-spike/moments.wasm,
 * built by build.sh from moments.as): instantiates it and lays out three
 * dates x assets f64 regions (x, y, out) in its linear memory.
 *
 * Spike code (issue 17): not used by lib/.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../lib/stats/rng.js';

/** Exports of moments.wasm. Pointers are byte offsets; `mode` 0 std, 1 cov, 2 corr; d >= 2. */
export interface MomentsExports {
  readonly memory: WebAssembly.Memory;
  momentsScalar(xp: number, yp: number, outp: number, T: number, N: number, d: number, mode: number): void;
  momentsSimd(xp: number, yp: number, outp: number, T: number, N: number, d: number, mode: number): void;
  /** momentsSimd over blocks of `B` pairs (B <= 4) advanced date by date. */
  momentsSimdBlock(xp: number, yp: number, outp: number, T: number, N: number, d: number, mode: number, B: number): void;
  /** Date-major -> pair-interleaved (f64 index p * 2T + 2t + lane) and back; see moments.as. */
  toPairs(src: number, dst: number, T: number, N: number): void;
  fromPairs(src: number, dst: number, T: number, N: number): void;
  /** momentsSimd on the pair-interleaved layout. */
  momentsPairs(xp: number, yp: number, outp: number, T: number, N: number, d: number, mode: number): void;
  /** The scalar port on the pair-interleaved layout. */
  momentsPairsScalar(xp: number, yp: number, outp: number, T: number, N: number, d: number, mode: number): void;
  /** Cross-sectional unit ranks (csRank), `scratch` = 8 KB + 24 N bytes. */
  rankUnit(xp: number, outp: number, T: number, N: number, scratch: number): void;
  mulScalar(ap: number, bp: number, outp: number, n: number): void;
  mulSimd(ap: number, bp: number, outp: number, n: number): void;
  divSimd(ap: number, bp: number, outp: number, n: number): void;
}

/** Rolling moment modes of the module. */
export const MODE = { std: 0, cov: 1, corr: 2 } as const;

/** An instantiated module with x, y, out regions of `n` f64 each (views re-taken after growth). */
export interface WasmArena {
  readonly ex: MomentsExports;
  /** Byte offsets of the x, y, out regions. */
  readonly xp: number;
  readonly yp: number;
  readonly outp: number;
  /** Float64 views of the three regions (valid: memory is not grown after creation). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly out: Float64Array;
  /** Byte offsets of three pair-interleaved regions (T * 2 * ceil(N / 2) f64 each). */
  readonly qxp: number;
  readonly qyp: number;
  readonly qoutp: number;
  /** Byte offset of a scratch region of 8 KB + 24 N bytes (rankUnit). */
  readonly scratchp: number;
}

/** The module bytes, compiled once. Throws if moments.wasm is missing (run build.sh). */
export function compileMoments(): WebAssembly.Module {
  const path = fileURLToPath(new URL('./moments.wasm', import.meta.url));
  return new WebAssembly.Module(readFileSync(path));
}

/**
 * Instantiates the module with room for three date-major regions of T x N f64
 * values and three pair-interleaved ones (data from byte 1024, 16-aligned;
 * bytes below 1024 are the module's scratch).
 */
export function makeArena(mod: WebAssembly.Module, T: number, N: number): WasmArena {
  const ex = new WebAssembly.Instance(mod, {}).exports as unknown as MomentsExports;
  const n = T * N;
  const bytes = Math.ceil((n * 8) / 16) * 16, qbytes = T * 2 * Math.ceil(N / 2) * 8;
  const xp = 1024, yp = xp + bytes, outp = yp + bytes;
  const qxp = outp + bytes, qyp = qxp + qbytes, qoutp = qyp + qbytes;
  const scratchp = qoutp + qbytes;
  const need = scratchp + 8192 + 24 * N + 64;
  const have = ex.memory.buffer.byteLength;
  if (need > have) ex.memory.grow(Math.ceil((need - have) / 65536));
  const buf = ex.memory.buffer;
  return { ex, xp, yp, outp, qxp, qyp, qoutp, scratchp, x: new Float64Array(buf, xp, n), y: new Float64Array(buf, yp, n), out: new Float64Array(buf, outp, n) };
}

/**
 * A synthetic dates x assets panel (T x N, date-major) for the spike's
 * bit-identity checks: per asset a walk with 5 % NaN holes, 10 % repeats of
 * the previous value, 2 % spikes up to 1e7 (they trip the kernels'
 * cancellation guard), 1 % zeros; seeded lib/stats `Rng`.
 */
export function spikePanel(T: number, N: number, seed: number): Float64Array {
  const rng = new Rng(seed), r = () => rng.random(), x = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    let v = 100 * r();
    for (let t = 0; t < T; t++) {
      const u = r();
      if (u < 0.05) v = NaN;
      else if (u < 0.15) { if (v !== v) v = 50; }
      else if (u < 0.17) v = (r() < 0.5 ? 1 : -1) * 1e7 * r();
      else if (u < 0.18) v = 0;
      else v = (v === v && Math.abs(v) < 1e6 ? v : 100) + r() - 0.5;
      x[t * N + a] = v;
    }
  }
  return x;
}
