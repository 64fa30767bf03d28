/**
 * Pure numeric kernels of the expression engine, on date-major typed arrays.
 *
 * Every kernel reads dates x assets inputs laid out as in {@link Panel}
 * (value of asset `a` at bar `t` is `x[t * N + a]`, length `T * N`) and writes
 * every cell of a caller-supplied output array `out` of the same length (so
 * the caller may pass a reused, dirty buffer). NaN = missing. No kernel ever
 * writes an infinity: any non-finite result is stored as NaN.
 *
 * Time-series windows: window `d` = the current bar and the `d - 1` bars
 * before it. Windows are strict: a value is NaN if any input in the window is
 * NaN or fewer than `d` bars exist.
 *
 * Rolling sums, means, variances and covariances use O(1) updates of sums
 * shifted by a per-asset reference value (to limit cancellation), with an
 * exact recomputation of every window sum every `d` bars (so rounding error
 * does not accumulate beyond one window), and an exact recomputation of one
 * asset's window whenever a term more than 1,000 times the remaining sum
 * leaves it (cancellation guard). Windows whose values are all exactly
 * equal are detected exactly (run length of equal consecutive values) and give
 * variance 0. Rolling min/max/argmin/argmax use monotone deques. Cross-sectional
 * ranks use the shared kernel of lib/stats/rank.ts (its ranks-only path,
 * RowRanker.rankOnly).
 *
 * @module
 */
import { emitAverageRanks, RANK_BUCKET, RANK_UNIT, RowRanker, sortPairs } from '../stats/rank.js';

/** A dates x assets array, date-major, length `T * N`. */
export type Arr = Float64Array;
/** A series argument: a dates x assets array or a scalar broadcast to every cell. */
export type Val = Float64Array | number;

/** `v` if finite, else NaN (the panel invariant: no infinities). */
export function fin(v: number): number {
  return v - v === 0 ? v : NaN;
}

// ---------------------------------------------------------------- element-wise

/** Fills `out` with `v` (NaN if `v` is not finite). */
export function fill(out: Arr, v: number): Arr {
  out.fill(fin(v));
  return out;
}

/** Element-wise `a + b`, non-finite -> NaN. */
export function add(a: Val, b: Val, out: Arr): Arr {
  const n = out.length;
  if (typeof a === 'number') { if (typeof b === 'number') return fill(out, a + b); for (let i = 0; i < n; i++) { const v = a + b[i]!; out[i] = v - v === 0 ? v : NaN; } return out; }
  if (typeof b === 'number') { for (let i = 0; i < n; i++) { const v = a[i]! + b; out[i] = v - v === 0 ? v : NaN; } return out; }
  for (let i = 0; i < n; i++) { const v = a[i]! + b[i]!; out[i] = v - v === 0 ? v : NaN; }
  return out;
}

/** Element-wise `a - b`, non-finite -> NaN. */
export function sub(a: Val, b: Val, out: Arr): Arr {
  const n = out.length;
  if (typeof a === 'number') { if (typeof b === 'number') return fill(out, a - b); for (let i = 0; i < n; i++) { const v = a - b[i]!; out[i] = v - v === 0 ? v : NaN; } return out; }
  if (typeof b === 'number') { for (let i = 0; i < n; i++) { const v = a[i]! - b; out[i] = v - v === 0 ? v : NaN; } return out; }
  for (let i = 0; i < n; i++) { const v = a[i]! - b[i]!; out[i] = v - v === 0 ? v : NaN; }
  return out;
}

/** Element-wise `a * b`, non-finite -> NaN. */
export function mul(a: Val, b: Val, out: Arr): Arr {
  const n = out.length;
  if (typeof a === 'number') { if (typeof b === 'number') return fill(out, a * b); for (let i = 0; i < n; i++) { const v = a * b[i]!; out[i] = v - v === 0 ? v : NaN; } return out; }
  if (typeof b === 'number') { for (let i = 0; i < n; i++) { const v = a[i]! * b; out[i] = v - v === 0 ? v : NaN; } return out; }
  for (let i = 0; i < n; i++) { const v = a[i]! * b[i]!; out[i] = v - v === 0 ? v : NaN; }
  return out;
}

/** Element-wise `a / b`; division by 0 (and any non-finite result) -> NaN. */
export function div(a: Val, b: Val, out: Arr): Arr {
  const n = out.length;
  if (typeof a === 'number') { if (typeof b === 'number') return fill(out, a / b); for (let i = 0; i < n; i++) { const v = a / b[i]!; out[i] = v - v === 0 ? v : NaN; } return out; }
  if (typeof b === 'number') { for (let i = 0; i < n; i++) { const v = a[i]! / b; out[i] = v - v === 0 ? v : NaN; } return out; }
  for (let i = 0; i < n; i++) { const v = a[i]! / b[i]!; out[i] = v - v === 0 ? v : NaN; }
  return out;
}

/** Applies a binary function element-wise with scalar broadcast; non-finite results -> NaN. */
export function map2(a: Val, b: Val, f: (x: number, y: number) => number, out: Arr): Arr {
  const n = out.length;
  if (typeof a === 'number' && typeof b === 'number') return fill(out, f(a, b));
  for (let i = 0; i < n; i++) {
    const v = f(typeof a === 'number' ? a : a[i]!, typeof b === 'number' ? b : b[i]!);
    out[i] = v - v === 0 ? v : NaN;
  }
  return out;
}

/**
 * `returns` = close / delay(close, 1) - 1 in one pass: the same two rounded
 * steps as div then sub (each non-finite intermediate -> NaN); NaN on the first bar.
 */
export function simpleReturns(close: Arr, T: number, N: number, out: Arr): Arr {
  const n = T * N, k = N < n ? N : n;
  out.fill(NaN, 0, k);
  for (let i = k; i < n; i++) {
    let v = close[i]! / close[i - k]!;
    v = v - v === 0 ? v : NaN;
    v = v - 1;
    out[i] = v - v === 0 ? v : NaN;
  }
  return out;
}

/** `vwap` fallback (high + low + close) / 3 in one pass: the same rounded steps as add, add, div (non-finite -> NaN at each). */
export function typicalPrice(h: Arr, l: Arr, c: Arr, out: Arr): Arr {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    let v = h[i]! + l[i]!;
    v = v - v === 0 ? v : NaN;
    v = v + c[i]!;
    v = v - v === 0 ? v : NaN;
    v = v / 3;
    out[i] = v - v === 0 ? v : NaN;
  }
  return out;
}

/** Array view and stride of a series argument: a scalar becomes a 1-element array with stride 0. */
function av(v: Val): Arr {
  return typeof v === 'number' ? Float64Array.of(v) : v;
}
function st(v: Val): number {
  return typeof v === 'number' ? 0 : 1;
}

/** Binary element-wise operators with a dedicated loop (NaN rules in {@link binary}). */
export type BinaryCode = 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne' | 'and' | 'or' | 'min' | 'max' | 'pow' | 'signed_power';

/**
 * Element-wise binary operator with scalar broadcast. Comparisons give 1/0,
 * logical operators treat non-zero as true and give 1/0; any NaN operand of a
 * comparison, logical operator, min or max gives NaN. (1/0 results are
 * written as `+(condition)`, which V8 compiles without a jump: comparisons of
 * noisy data are unpredictable branches.) `pow` = x^y,
 * `signed_power` = sign(x) |x|^y; non-finite results -> NaN.
 */
export function binary(code: BinaryCode, a: Val, b: Val, out: Arr): Arr {
  const A = av(a), B = av(b), sa = st(a), sb = st(b), n = out.length;
  switch (code) {
    case 'lt': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x < y); } break;
    case 'le': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x <= y); } break;
    case 'gt': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x > y); } break;
    case 'ge': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x >= y); } break;
    case 'eq': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x === y); } break;
    case 'ne': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x !== y); } break;
    case 'and': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x !== 0) & +(y !== 0); } break;
    case 'or': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : +(x !== 0) | +(y !== 0); } break;
    case 'min': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : x < y ? x : y; } break;
    case 'max': for (let i = 0; i < n; i++) { const x = A[i * sa]!, y = B[i * sb]!; out[i] = x !== x || y !== y ? NaN : x > y ? x : y; } break;
    case 'pow':
      if (sb === 0 && sa === 1 && powSmall(A, B[0]!, out, false)) break;
      for (let i = 0; i < n; i++) { const v = Math.pow(A[i * sa]!, B[i * sb]!); out[i] = v - v === 0 ? v : NaN; }
      break;
    case 'signed_power':
      if (sb === 0 && sa === 1 && powSmall(A, B[0]!, out, true)) break;
      for (let i = 0; i < n; i++) { const x = A[i * sa]!; const v = (x > 0 ? 1 : x < 0 ? -1 : x) * Math.pow(Math.abs(x), B[i * sb]!); out[i] = v - v === 0 ? v : NaN; }
      break;
  }
  return out;
}

/**
 * Fast paths of x^e (or sign(x)|x|^e when `signed`) for a scalar exponent e
 * in {1, 2, 3, 4, 5, 0.5}: repeated multiplication / sqrt give the same values as
 * Math.pow up to the last bit. Returns false when e has no fast path.
 */
function powSmall(A: Arr, e: number, out: Arr, signed: boolean): boolean {
  const n = out.length;
  if (e === 0.5) {
    for (let i = 0; i < n; i++) { const x = A[i]!; const v = signed ? (x < 0 ? -Math.sqrt(-x) : Math.sqrt(x)) : Math.sqrt(x); out[i] = v - v === 0 ? v : NaN; }
    return true;
  }
  if (!(e >= 1 && e <= 5 && Number.isInteger(e))) return false;
  for (let i = 0; i < n; i++) {
    const x = A[i]!;
    const b = signed ? Math.abs(x) : x;
    let v = b;
    for (let k = 1; k < e; k++) v *= b;
    if (signed && x < 0) v = -v;
    out[i] = v - v === 0 ? v : NaN;
  }
  return true;
}

/** Unary element-wise operators with a dedicated loop. */
export type UnaryCode = 'neg' | 'abs' | 'log' | 'sqrt' | 'exp' | 'sign' | 'not';

/**
 * Element-wise unary operator: `neg` -x, `abs` |x|, `log` ln x (x <= 0 -> NaN),
 * `sqrt` (x < 0 -> NaN), `exp`, `sign` (-1/0/1), `not` (1 if x == 0, 0 if x != 0);
 * NaN in -> NaN out; non-finite results -> NaN.
 */
export function unary(code: UnaryCode, a: Val, out: Arr): Arr {
  const A = av(a), sa = st(a), n = out.length;
  switch (code) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -A[i * sa]!; break;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(A[i * sa]!); break;
    case 'log': for (let i = 0; i < n; i++) { const x = A[i * sa]!; const v = x > 0 ? Math.log(x) : NaN; out[i] = v - v === 0 ? v : NaN; } break;
    case 'sqrt': for (let i = 0; i < n; i++) { const v = Math.sqrt(A[i * sa]!); out[i] = v - v === 0 ? v : NaN; } break;
    case 'exp': for (let i = 0; i < n; i++) { const v = Math.exp(A[i * sa]!); out[i] = v - v === 0 ? v : NaN; } break;
    case 'sign': for (let i = 0; i < n; i++) { const x = A[i * sa]!; out[i] = x !== x ? NaN : +(x > 0) - +(x < 0); } break;
    case 'not': for (let i = 0; i < n; i++) { const x = A[i * sa]!; out[i] = x !== x ? NaN : +(x === 0); } break;
  }
  return out;
}

/** `if_else(c, a, b)`: a where c != 0, b where c == 0, NaN where c is NaN. */
export function ifElse(c: Val, a: Val, b: Val, out: Arr): Arr {
  const C = av(c), A = av(a), B = av(b), sc = st(c), sa = st(a), sb = st(b), n = out.length;
  for (let i = 0; i < n; i++) {
    const cv = C[i * sc]!;
    out[i] = cv !== cv ? NaN : cv !== 0 ? A[i * sa]! : B[i * sb]!;
  }
  return out;
}

/** `clip(x, lo, hi)`: min(max(x, lo), hi); NaN if any operand is NaN. */
export function clip(x: Val, lo: Val, hi: Val, out: Arr): Arr {
  const X = av(x), L = av(lo), H = av(hi), sx = st(x), sl = st(lo), sh = st(hi), n = out.length;
  for (let i = 0; i < n; i++) {
    const v = X[i * sx]!, l = L[i * sl]!, h = H[i * sh]!;
    out[i] = v !== v || l !== l || h !== h ? NaN : v < l ? l : v > h ? h : v;
  }
  return out;
}

// ---------------------------------------------------------------- time series

/** `delay(x, d)`: x at bar t - d; NaN for t < d. */
export function delay(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  const k = Math.min(d, T) * N;
  out.fill(NaN, 0, k);
  out.set(x.subarray(0, T * N - k), k);
  return out;
}

/** `delta(x, d)`: x[t] - x[t - d]; NaN for t < d. */
export function delta(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  const k = Math.min(d, T) * N;
  const n = T * N;
  out.fill(NaN, 0, k);
  for (let i = k; i < n; i++) { const v = x[i]! - x[i - k]!; out[i] = v - v === 0 ? v : NaN; }
  return out;
}

/**
 * Rolling sum (mode 0) or mean (mode 1) over d bars, strict.
 * Shifted sums with an exact resync every d bars.
 */
export function rollingSum(x: Arr, T: number, N: number, d: number, mean: boolean, out: Arr): Arr {
  // per asset: 0 shifted sum, 1 shift reference K, 2 NaN count (one pass per date, state in registers)
  const S = new Float64Array(3 * N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    const resync = t % d === 0;
    const old = t >= d ? (t - d) * N : -1;
    const emit = t >= d - 1;
    for (let a = 0; a < N; a++) {
      const o = 3 * a;
      let acc: number, k: number, c: number;
      if (resync) {
        // exact recomputation of the window [t-d+1, t]
        const t0 = t - d + 1 > 0 ? t - d + 1 : 0;
        k = NaN;
        for (let u = t; u >= t0; u--) { const v = x[u * N + a]!; if (v === v) { k = v; break; } }
        if (k !== k) k = 0;
        acc = 0; c = 0;
        for (let u = t0; u <= t; u++) { const v = x[u * N + a]!; if (v === v) acc += v - k; else c++; }
        S[o + 1] = k;
      } else {
        acc = S[o]!; k = S[o + 1]!; c = S[o + 2]!;
        const v = x[row + a]!;
        if (v === v) acc += v - k; else c++;
        if (old >= 0) {
          const ov = x[old + a]!;
          if (ov === ov) {
            const r = ov - k;
            acc -= r;
            // cancellation guard: a term much larger than the remaining sum left the window -> exact recomputation
            if (Math.abs(r) > 1e3 * Math.abs(acc)) {
              acc = 0;
              for (let u = t - d + 1; u <= t; u++) { const w = x[u * N + a]!; if (w === w) acc += w - k; }
            }
          } else c--;
        }
      }
      S[o] = acc; S[o + 2] = c;
      if (!emit || c !== 0) { out[row + a] = NaN; continue; }
      const v = mean ? acc / d + k : acc + d * k;
      out[row + a] = v - v === 0 ? v : NaN;
    }
  }
  return out;
}

/** Modes of {@link rollingMoments}. */
const enum M { Std, Cov, Corr, Z, Reg }

/**
 * Rolling second moments of one or two series over d bars, strict, with the
 * shifted-sum / resync scheme described in the module comment, and exact
 * detection of windows of equal values (run length of exactly equal
 * consecutive values, NaN resets). Writes the statistic of `mode` per cell;
 * cells whose window is not full or holds a NaN (in x or y) get NaN.
 *
 * Every d bars (t % d = 0) the window is recomputed exactly: shift references
 * = the most recent bar of the window where x and y are both present (0 if
 * none), then the shifted sums and the NaN count.
 *
 * One asset at a time over its dates (stride N in memory): the asset's whole
 * state (shift references, shifted sums, NaN count, run lengths, previous
 * values) stays in registers, with no loads and stores of a state array per
 * cell (measured 1.1-1.5x faster on the S&P 500 panel than the earlier pass per
 * date with the state in an interleaved array; rollingSum, with 3 state
 * values, stays a pass per date: the same change made it slower). The
 * floating-point operations per cell are the same, in the same order.
 */
function rollingMoments(x: Arr, y: Arr, T: number, N: number, d: number, mode: M, rettype: number, out: Arr): Arr {
  const single = mode === M.Std || mode === M.Z; // y is x and only SX, SXX are needed
  for (let a = 0; a < N; a++) {
    // this asset's state in registers: shift references, shifted sums, NaN count, run lengths of equal values
    let kx = 0, ky = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, nan = 0, rx = 0, ry = 0;
    let px = NaN, py = NaN; // the previous bar's values
    let phase = 0; // t % d, counted rather than divided per cell
    for (let t = 0, i = a; t < T; t++, i += N, phase = phase + 1 === d ? 0 : phase + 1) {
      const vx = x[i]!;
      // runs of exactly equal values
      rx = vx !== vx ? 0 : t > 0 && vx === px ? rx + 1 : 1;
      px = vx;
      let vy = vx;
      if (!single) {
        vy = y[i]!;
        ry = vy !== vy ? 0 : t > 0 && vy === py ? ry + 1 : 1;
        py = vy;
      }
      if (phase === 0) {
        // exact recomputation of the window [t-d+1, t] (inline: the same operations as resyncMoments)
        const t0 = t - d + 1 > 0 ? t - d + 1 : 0;
        kx = NaN; ky = NaN;
        for (let u = t, j = i; u >= t0; u--, j -= N) { const wx = x[j]!, wy = y[j]!; if (wx === wx && wy === wy) { kx = wx; ky = wy; break; } }
        if (kx !== kx) { kx = 0; ky = 0; }
        sx = 0; sy = 0; sxx = 0; syy = 0; sxy = 0; nan = 0;
        if (single) {
          for (let j = t0 * N + a; j <= i; j += N) { const wx = x[j]!; if (wx === wx) { const dx = wx - kx; sx += dx; sxx += dx * dx; } else nan++; }
        } else {
          for (let j = t0 * N + a; j <= i; j += N) {
            const wx = x[j]!, wy = y[j]!;
            if (wx === wx && wy === wy) { const dx = wx - kx, dy = wy - ky; sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; } else nan++;
          }
        }
      } else if (single) {
        if (vx === vx) { const dx = vx - kx; sx += dx; sxx += dx * dx; } else nan++;
        if (t >= d) {
          const ox = x[i - d * N]!;
          if (ox === ox) {
            const dx = ox - kx;
            sx -= dx; sxx -= dx * dx;
            if (dx * dx > 1e3 * sxx) {
              sx = 0; sxx = 0;
              for (let u = t - d + 1; u <= t; u++) { const vv = x[u * N + a]!; if (vv === vv) { const ex = vv - kx; sx += ex; sxx += ex * ex; } }
            }
          } else nan--;
        }
      } else {
        if (vx === vx && vy === vy) {
          const dx = vx - kx, dy = vy - ky;
          sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
        } else nan++;
        if (t >= d) {
          const ox = x[i - d * N]!, oy = y[i - d * N]!;
          if (ox === ox && oy === oy) {
            const dx = ox - kx, dy = oy - ky;
            sx -= dx; sy -= dy; sxx -= dx * dx; syy -= dy * dy; sxy -= dx * dy;
            // cancellation guard: a squared deviation much larger than the remaining sum left -> exact recomputation
            if (dx * dx > 1e3 * sxx || dy * dy > 1e3 * syy) {
              sx = 0; sy = 0; sxx = 0; syy = 0; sxy = 0;
              for (let u = t - d + 1; u <= t; u++) {
                const wx = x[u * N + a]!, wy = y[u * N + a]!;
                if (wx === wx && wy === wy) { const ex = wx - kx, ey = wy - ky; sx += ex; sy += ey; sxx += ex * ex; syy += ey * ey; sxy += ex * ey; }
              }
            }
          } else nan--;
        }
      }
      if (t < d - 1 || nan !== 0) { out[i] = NaN; continue; }
      const cx = rx >= d, cy = ry >= d;
      let v: number;
      switch (mode) {
        case M.Std: {
          const q = (sxx - (sx * sx) / d) / (d - 1);
          v = cx || !(q > 0) ? 0 : Math.sqrt(q);
          break;
        }
        case M.Cov:
          v = cx || cy ? 0 : (sxy - (sx * sy) / d) / (d - 1);
          break;
        case M.Corr: {
          const qx = sxx - (sx * sx) / d, qy = syy - (sy * sy) / d;
          if (cx || cy || !(qx > 0 && qy > 0)) { v = NaN; break; }
          v = (sxy - (sx * sy) / d) / Math.sqrt(qx * qy);
          v = v > 1 ? 1 : v < -1 ? -1 : v;
          break;
        }
        case M.Z: {
          const q = (sxx - (sx * sx) / d) / (d - 1);
          v = cx || !(q > 0) ? 0 : (vx - (sx / d + kx)) / Math.sqrt(q);
          break;
        }
        default: { // regression of y on x
          const qx = sxx - (sx * sx) / d;
          if (cx || !(qx > 0)) { v = NaN; break; }
          const beta = (sxy - (sx * sy) / d) / qx;
          const alpha = sy / d + ky - beta * (sx / d + kx);
          const fit = alpha + beta * vx;
          v = rettype === 2 ? beta : rettype === 1 ? alpha : rettype === 3 ? fit : vy - fit;
        }
      }
      out[i] = v - v === 0 ? v : NaN;
    }
  }
  return out;
}

/** Rolling sample standard deviation (ddof = 1), strict; exactly-equal window -> 0; d = 1 -> NaN. */
export function rollingStd(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  return rollingMoments(x, x, T, N, d, M.Std, 0, out);
}

/** Rolling sample covariance (ddof = 1), strict; either window exactly constant -> 0; d = 1 -> NaN. */
export function rollingCov(x: Arr, y: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  return rollingMoments(x, y, T, N, d, M.Cov, 0, out);
}

/** Rolling Pearson correlation, strict; either window exactly constant -> NaN; d = 1 -> NaN; clamped to [-1, 1]. */
export function rollingCorr(x: Arr, y: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  return rollingMoments(x, y, T, N, d, M.Corr, 0, out);
}

/** Rolling z-score (x_t - mean) / std (ddof = 1), strict; exactly-equal window -> 0; d = 1 -> NaN. */
export function rollingZscore(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  return rollingMoments(x, x, T, N, d, M.Z, 0, out);
}

/**
 * Rolling OLS of y on x over d bars (y = alpha + beta * x + e), strict.
 * rettype 0: residual of the current bar y_t - (alpha + beta x_t); 1: alpha
 * (intercept); 2: beta (slope); 3: fitted value alpha + beta x_t.
 * x exactly constant in the window, or d < 2 -> NaN.
 */
export function rollingRegression(y: Arr, x: Arr, T: number, N: number, d: number, rettype: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  return rollingMoments(x, y, T, N, d, M.Reg, rettype, out);
}

/** A strict window of d bars ending at t is complete and NaN-free, given the last bar with a NaN (-Infinity if none). */
function strictOk(lastNan: number, t: number, d: number): boolean {
  return t - lastNan >= d && t >= d - 1;
}

/**
 * Rolling min / max (which = 'min' | 'max') or their position ('argmin' |
 * 'argmax', as bars ago: 0 = current bar; ties go to the most recent bar),
 * strict, with a monotone deque per asset (O(1) amortized per bar).
 */
export function rollingExtreme(x: Arr, T: number, N: number, d: number, which: 'min' | 'max' | 'argmin' | 'argmax', out: Arr): Arr {
  const sgn = which === 'max' || which === 'argmax' ? 1 : -1;
  const arg = which === 'argmin' || which === 'argmax';
  const di = new Int32Array(T); // deque of bar indices (linear buffer: at most T pushes per asset)
  const dv = new Float64Array(T); // their values times sgn (so the deque is always a max-deque)
  for (let a = 0; a < N; a++) {
    let head = 0, tail = 0, lastNan = -d;
    for (let t = 0, i = a; t < T; t++, i += N) {
      const raw = x[i]!;
      if (raw !== raw) { lastNan = t; head = tail = 0; out[i] = NaN; continue; }
      const v = sgn * raw;
      while (tail > head && dv[tail - 1]! <= v) tail--; // ties: the newer bar wins
      di[tail] = t; dv[tail] = v; tail++;
      if (di[head]! <= t - d) head++;
      if (t - lastNan < d || t < d - 1) { out[i] = NaN; continue; }
      out[i] = arg ? t - di[head]! : sgn * dv[head]!; // sgn * (sgn * raw) = raw exactly
    }
  }
  return out;
}

/**
 * Rolling rank of the current value within its window (average rank of ties,
 * 1-based r among d values), mapped to (r - 1) / (d - 1); d = 1 gives 0.5. Strict.
 * O(d) per cell: per asset, the window is kept in a small ring buffer and the
 * current value is compared with each entry, counting 2 per smaller value and
 * 1 per equal one (itself included), so r - 1 = (count - 1) / 2 exactly.
 */
export function rollingRank(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d === 1) {
    for (let i = 0; i < T * N; i++) { const v = x[i]!; out[i] = v !== v ? NaN : 0.5; }
    return out;
  }
  const ring = new Float64Array(d);
  const inv = d - 1;
  for (let a = 0; a < N; a++) {
    let lastNan = -d, pos = 0;
    for (let t = 0, i = a; t < T; t++, i += N) {
      const v = x[i]!;
      ring[pos] = v;
      pos = pos + 1 === d ? 0 : pos + 1;
      if (v !== v) lastNan = t;
      if (t - lastNan < d || t < d - 1) { out[i] = NaN; continue; }
      out[i] = ((ringCount(ring, d, v) - 1) * 0.5) / inv;
    }
  }
  return out;
}

/** Over ring[0, d): 2 per value below v, 1 per value equal to v. */
function ringCount(ring: Float64Array, d: number, v: number): number {
  let c = 0;
  // branch-free: the comparisons are unpredictable, and +(bool) compiles without a jump
  if (d < 8) {
    for (let k = 0; k < d; k++) { const w = ring[k]!; c += +(w < v) + +(w <= v); }
    return c;
  }
  if (d >= 16) {
    // four accumulators for long windows
    let c1 = 0, c2 = 0, c3 = 0, k = 0;
    for (; k + 3 < d; k += 4) {
      const w0 = ring[k]!, w1 = ring[k + 1]!, w2 = ring[k + 2]!, w3 = ring[k + 3]!;
      c += +(w0 < v) + +(w0 <= v);
      c1 += +(w1 < v) + +(w1 <= v);
      c2 += +(w2 < v) + +(w2 <= v);
      c3 += +(w3 < v) + +(w3 <= v);
    }
    for (; k < d; k++) { const w = ring[k]!; c += +(w < v) + +(w <= v); }
    return c + c1 + c2 + c3;
  }
  // two accumulators (independent adds) pay off from about 8 entries
  let c1 = 0, k = 0;
  for (; k + 1 < d; k += 2) {
    const w0 = ring[k]!, w1 = ring[k + 1]!;
    c += +(w0 < v) + +(w0 <= v);
    c1 += +(w1 < v) + +(w1 <= v);
  }
  if (k < d) { const w = ring[k]!; c += +(w < v) + +(w <= v); }
  return c + c1;
}

/** Rolling product over d bars, strict; non-finite products -> NaN. O(d) per cell. */
export function rollingProduct(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  const lastNan = new Float64Array(N).fill(-Infinity);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    for (let a = 0; a < N; a++) {
      if (x[row + a]! !== x[row + a]!) lastNan[a] = t;
      if (!strictOk(lastNan[a]!, t, d)) { out[row + a] = NaN; continue; }
      let p = 1;
      for (let u = 0; u < d; u++) p *= x[row - u * N + a]!;
      out[row + a] = p - p === 0 ? p : NaN;
    }
  }
  return out;
}

/**
 * Linearly decaying weighted mean: sum_{i=0}^{d-1} (d - i) x[t-i] / (d (d+1) / 2), strict.
 * (101 Formulaic Alphas, decay_linear with weights d, d-1, ..., 1 rescaled to sum 1.) O(d) per cell.
 */
export function decayLinear(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  const lastNan = new Float64Array(N).fill(-Infinity);
  const norm = (d * (d + 1)) / 2;
  for (let t = 0; t < T; t++) {
    const row = t * N;
    for (let a = 0; a < N; a++) {
      if (x[row + a]! !== x[row + a]!) lastNan[a] = t;
      if (!strictOk(lastNan[a]!, t, d)) { out[row + a] = NaN; continue; }
      let s = 0;
      for (let u = 0; u < d; u++) s += (d - u) * x[row - u * N + a]!;
      const v = s / norm;
      out[row + a] = v - v === 0 ? v : NaN;
    }
  }
  return out;
}

/**
 * Rolling sample skewness, adjusted Fisher-Pearson G1 = sqrt(d(d-1))/(d-2) * m3 / m2^1.5
 * with population central moments m2, m3 (the pandas `rolling().skew()` estimator). Strict;
 * d < 3 or an exactly-constant window (m2 = 0) -> NaN. Two-pass per window, O(d) per cell.
 */
export function rollingSkew(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 3) return out.fill(NaN);
  const lastNan = new Float64Array(N).fill(-Infinity);
  const adj = Math.sqrt(d * (d - 1)) / (d - 2);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    for (let a = 0; a < N; a++) {
      if (x[row + a]! !== x[row + a]!) lastNan[a] = t;
      if (!strictOk(lastNan[a]!, t, d)) { out[row + a] = NaN; continue; }
      let m = 0;
      for (let u = 0; u < d; u++) m += x[row - u * N + a]!;
      m /= d;
      let m2 = 0, m3 = 0;
      for (let u = 0; u < d; u++) { const e = x[row - u * N + a]! - m; m2 += e * e; m3 += e * e * e; }
      m2 /= d; m3 /= d;
      if (!(m2 > 0)) { out[row + a] = NaN; continue; }
      const v = (adj * m3) / Math.pow(m2, 1.5);
      out[row + a] = v - v === 0 ? v : NaN;
    }
  }
  return out;
}

// ---------------------------------------------------------------- cross-section

/**
 * Cross-sectional rank per date over assets with a value: average rank of ties
 * r in 1..n mapped to (r - 1) / (n - 1); n = 1 gives 0.5; NaN stays NaN.
 * Uses the shared rank kernel of lib/stats ({@link RowRanker}).
 */
export function csRank(x: Arr, T: number, N: number, out: Arr): Arr {
  return csRankLike(x, T, N, out, RANK_UNIT, 0);
}

/**
 * Ranks each date with one {@link RowRanker}, writing `form` (a RANK_* constant
 * of lib/stats/rank.ts). Unit ranks of rows with few distinct values (ranks of
 * `ts_rank`, `ts_argmax`, signs, comparisons) go through
 * {@link DiscreteRanker} while the rows keep to at most
 * {@link DISCRETE_MAX} distinct values (same results).
 */
function csRankLike(x: Arr, T: number, N: number, out: Arr, form: number, q: number): Arr {
  const ranker = new RowRanker(N);
  let dr: DiscreteRanker | null = form === RANK_UNIT ? new DiscreteRanker(N) : null;
  for (let t = 0; t < T; t++) {
    if (dr) {
      if (dr.rankRow(x, t * N, N, out, t * N)) continue;
      dr = null; // too many distinct values: the sort from here on
    }
    ranker.rankOnly(x, t * N, N, out, t * N, form, q);
  }
  return out;
}

/** Most distinct values per row that {@link DiscreteRanker} handles. */
const DISCRETE_MAX = 32;

/**
 * Unit ranks ((r - 1) / (n - 1), average ties; n = 1 gives 0.5) of rows with
 * at most {@link DISCRETE_MAX} distinct values without sorting the row: the
 * distinct values are found with a small hash table on their bits, counted,
 * and only they are sorted. The rank of a tie run spanning sorted positions
 * [i, j) is ((i + j - 1) * 0.5) / (n - 1), the same expression as the sort
 * path's, so the results are bitwise the same.
 */
class DiscreteRanker {
  private readonly f = new Float64Array(1);
  private readonly b = new Int32Array(this.f.buffer);
  private readonly occ = new Int32Array(128);
  private readonly dv = new Float64Array(DISCRETE_MAX);
  private readonly dlo = new Int32Array(DISCRETE_MAX);
  private readonly dhi = new Int32Array(DISCRETE_MAX);
  private readonly cnt = new Int32Array(DISCRETE_MAX);
  private readonly ord = new Int32Array(DISCRETE_MAX);
  private readonly rv = new Float64Array(DISCRETE_MAX);
  private readonly sl: Int32Array;

  constructor(n: number) {
    this.sl = new Int32Array(n > 0 ? n : 1);
  }

  /** Unit ranks of x[off, off + len) to out[outOff + a] (NaN where x is NaN); false (out partly written) when the row has too many distinct values. */
  rankRow(x: Arr, off: number, len: number, out: Arr, outOff: number): boolean {
    const { f, b, occ, dv, dlo, dhi, cnt, ord, rv, sl } = this;
    occ.fill(-1);
    let K = 0, m = 0;
    for (let a = 0; a < len; a++) {
      const v = x[off + a]!;
      if (v !== v) { out[outOff + a] = NaN; sl[a] = -1; continue; }
      f[0] = v;
      const lo = b[0]!, hi = b[1]!;
      let h = Math.imul(lo ^ hi, -1640531535) >>> 25;
      let id: number;
      for (;;) {
        id = occ[h]!;
        if (id < 0) {
          if (K === DISCRETE_MAX) return false;
          id = K++;
          occ[h] = id; dv[id] = v; dlo[id] = lo; dhi[id] = hi; cnt[id] = 0;
          break;
        }
        if (dlo[id] === lo && dhi[id] === hi) break;
        h = (h + 1) & 127;
      }
      cnt[id]++;
      sl[a] = id;
      m++;
    }
    if (m === 0) return true;
    // distinct values ascending (insertion sort of their ids)
    for (let k = 0; k < K; k++) {
      const v = dv[k]!;
      let j = k - 1;
      while (j >= 0 && dv[ord[j]!]! > v) { ord[j + 1] = ord[j]!; j--; }
      ord[j + 1] = k;
    }
    // tie runs (equal values with different bits, -0 and +0, form one run)
    const n1 = m - 1;
    let i = 0, k = 0;
    while (k < K) {
      const v = dv[ord[k]!]!;
      let e = k, j = i;
      while (e < K && dv[ord[e]!] === v) { j += cnt[ord[e]!]!; e++; }
      const r = m === 1 ? 0.5 : ((i + j - 1) * 0.5) / n1;
      for (let u = k; u < e; u++) rv[ord[u]!] = r;
      i = j; k = e;
    }
    for (let a = 0; a < len; a++) { const s = sl[a]!; if (s >= 0) out[outOff + a] = rv[s]!; }
    return true;
  }
}

/**
 * Per-date statistics of row `row` over assets with a value, into st: st[0] =
 * mean, st[1] = population std (only when `needStd`), st[2] = sum of |x|;
 * NaN mean/std when no asset has a value.
 */
function rowMoments(x: Arr, row: number, N: number, st: Float64Array, needStd: boolean): void {
  let n = 0, s = 0, sa = 0;
  for (let a = 0; a < N; a++) { const v = x[row + a]!; if (v === v) { n++; s += v; sa += Math.abs(v); } }
  const mean = n > 0 ? s / n : NaN;
  st[0] = mean; st[2] = sa;
  if (!needStd) return;
  let ss = 0;
  for (let a = 0; a < N; a++) { const v = x[row + a]!; if (v === v) ss += (v - mean) * (v - mean); }
  st[1] = n > 0 ? Math.sqrt(ss / n) : NaN;
}

/** Cross-sectional z-score (x - mean) / std with population std (ddof = 0); std 0 gives 0. */
export function csZscore(x: Arr, T: number, N: number, out: Arr): Arr {
  const st = new Float64Array(3);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    rowMoments(x, row, N, st, true);
    const m = st[0]!, sd = st[1]!;
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!;
      const r = v !== v ? NaN : sd > 0 ? (v - m) / sd : 0;
      out[row + a] = r - r === 0 ? r : NaN;
    }
  }
  return out;
}

/** Cross-sectional demean: x - mean over assets with a value. */
export function csDemean(x: Arr, T: number, N: number, out: Arr): Arr {
  const st = new Float64Array(3);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    rowMoments(x, row, N, st, false);
    const m = st[0]!;
    for (let a = 0; a < N; a++) { const r = x[row + a]! - m; out[row + a] = r - r === 0 ? r : NaN; }
  }
  return out;
}

/** Cross-sectional scale: x * a / sum|x| over assets with a value; sum 0 gives NaN. */
export function csScale(x: Arr, T: number, N: number, a: number, out: Arr): Arr {
  const st = new Float64Array(3);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    rowMoments(x, row, N, st, false);
    const sa = st[2]!;
    if (!(sa > 0)) { out.fill(NaN, row, row + N); continue; }
    for (let k = 0; k < N; k++) { const r = (x[row + k]! * a) / sa; out[row + k] = r - r === 0 ? r : NaN; }
  }
  return out;
}

/** Cross-sectional winsorize: clip x to [mean - k std, mean + k std] (population std) per date. */
export function csWinsorize(x: Arr, T: number, N: number, k: number, out: Arr): Arr {
  const st = new Float64Array(3);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    rowMoments(x, row, N, st, true);
    const m = st[0]!, sd = st[1]!;
    const lo = m - k * sd, hi = m + k * sd;
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!;
      const r = v !== v ? NaN : v < lo ? lo : v > hi ? hi : v;
      out[row + a] = r - r === 0 ? r : NaN;
    }
  }
  return out;
}

/**
 * Cross-sectional quantile bucket 1..q: floor((r - 1) * q / n) + 1 with r the
 * average 1-based rank among the n assets with a value (bucket 1 = lowest).
 */
export function csQuantile(x: Arr, T: number, N: number, q: number, out: Arr): Arr {
  return csRankLike(x, T, N, out, RANK_BUCKET, q);
}

// ---------------------------------------------------------------- groups

/** Group labels as integer codes: per asset (length N) or per cell (length T * N); -1 = no label. */
export interface GroupCodes {
  codes: Int32Array;
  perCell: boolean;
  nGroups: number;
}

/** Group code of cell (t, a). */
function gcode(g: GroupCodes, row: number, a: number): number {
  return g.perCell ? g.codes[row + a]! : g.codes[a]!;
}

/**
 * Per-date group statistics: for each group, mean and population std of x over
 * assets with a value and a label; `emit` maps each cell. Cells with NaN x or
 * no label give NaN.
 */
function groupMoments(x: Arr, g: GroupCodes, T: number, N: number, out: Arr, emit: (v: number, mean: number, std: number) => number): Arr {
  const G = g.nGroups;
  const cnt = new Float64Array(G), sum = new Float64Array(G), ss = new Float64Array(G);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    cnt.fill(0); sum.fill(0); ss.fill(0);
    for (let a = 0; a < N; a++) { const v = x[row + a]!, c = gcode(g, row, a); if (v === v && c >= 0) { cnt[c]++; sum[c] += v; } }
    for (let c = 0; c < G; c++) if (cnt[c]! > 0) sum[c] = sum[c]! / cnt[c]!;
    for (let a = 0; a < N; a++) { const v = x[row + a]!, c = gcode(g, row, a); if (v === v && c >= 0) ss[c] += (v - sum[c]!) * (v - sum[c]!); }
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!, c = gcode(g, row, a);
      if (v !== v || c < 0) { out[row + a] = NaN; continue; }
      const r = emit(v, sum[c]!, Math.sqrt(ss[c]! / cnt[c]!));
      out[row + a] = r - r === 0 ? r : NaN;
    }
  }
  return out;
}

/** x minus the mean of x over its group on the same date. */
export function groupNeutralize(x: Arr, g: GroupCodes, T: number, N: number, out: Arr): Arr {
  return groupMoments(x, g, T, N, out, (v, m) => v - m);
}

/** The mean of x over the asset's group on the same date (assets with a value and a label). */
export function groupMean(x: Arr, g: GroupCodes, T: number, N: number, out: Arr): Arr {
  return groupMoments(x, g, T, N, out, (_v, m) => m);
}

/** Z-score within the group on the same date (population std); std 0 gives 0. */
export function groupZscore(x: Arr, g: GroupCodes, T: number, N: number, out: Arr): Arr {
  return groupMoments(x, g, T, N, out, (v, m, sd) => (sd > 0 ? (v - m) / sd : 0));
}

/** Rank within the group on the same date, (r - 1) / (n - 1) with average ties; n = 1 gives 0.5. */
export function groupRank(x: Arr, g: GroupCodes, T: number, N: number, out: Arr): Arr {
  const G = g.nGroups;
  const start = new Int32Array(G + 1);
  const pos = new Int32Array(G);
  const vals = new Float64Array(N);
  const idx = new Int32Array(N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    start.fill(0);
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!, c = gcode(g, row, a);
      if (v === v && c >= 0) start[c + 1]++; else out[row + a] = NaN;
    }
    for (let c = 0; c < G; c++) start[c + 1] += start[c]!;
    for (let c = 0; c < G; c++) pos[c] = start[c]!;
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!, c = gcode(g, row, a);
      if (v === v && c >= 0) { const k = pos[c]++; vals[k] = v; idx[k] = a; }
    }
    for (let c = 0; c < G; c++) {
      sortPairs(vals, idx, start[c]!, start[c + 1]!);
      emitAverageRanks(vals, idx, start[c]!, start[c + 1]!, out, row, RANK_UNIT);
    }
  }
  return out;
}
