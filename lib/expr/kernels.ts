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
 * does not accumulate beyond one window). Windows whose values are all exactly
 * equal are detected exactly (run length of equal consecutive values) and give
 * variance 0. Rolling min/max/argmin/argmax use monotone deques.
 *
 * @module
 */

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

/** Applies a unary function element-wise; non-finite results -> NaN. */
export function map1(a: Val, f: (x: number) => number, out: Arr): Arr {
  if (typeof a === 'number') return fill(out, f(a));
  const n = out.length;
  for (let i = 0; i < n; i++) { const v = f(a[i]!); out[i] = v - v === 0 ? v : NaN; }
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

/** Applies a ternary function element-wise with scalar broadcast; non-finite results -> NaN. */
export function map3(a: Val, b: Val, c: Val, f: (x: number, y: number, z: number) => number, out: Arr): Arr {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const v = f(typeof a === 'number' ? a : a[i]!, typeof b === 'number' ? b : b[i]!, typeof c === 'number' ? c : c[i]!);
    out[i] = v - v === 0 ? v : NaN;
  }
  return out;
}

/** `if_else(c, a, b)`: a where c != 0, b where c == 0, NaN where c is NaN. */
export function ifElse(c: Val, a: Val, b: Val, out: Arr): Arr {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const cv = typeof c === 'number' ? c : c[i]!;
    out[i] = cv !== cv ? NaN : cv !== 0 ? (typeof a === 'number' ? a : a[i]!) : typeof b === 'number' ? b : b[i]!;
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
  const s = new Float64Array(N);
  const nan = new Int32Array(N);
  const K = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    if (t % d === 0) {
      // exact recomputation of the window [t-d+1, t]
      const t0 = Math.max(0, t - d + 1);
      for (let a = 0; a < N; a++) {
        let k = NaN;
        for (let u = t; u >= t0; u--) { const v = x[u * N + a]!; if (v === v) { k = v; break; } }
        if (k !== k) k = 0;
        let acc = 0, c = 0;
        for (let u = t0; u <= t; u++) { const v = x[u * N + a]!; if (v === v) acc += v - k; else c++; }
        s[a] = acc; nan[a] = c; K[a] = k;
      }
    } else {
      const old = t >= d ? (t - d) * N : -1;
      for (let a = 0; a < N; a++) {
        const v = x[row + a]!;
        if (v === v) s[a] += v - K[a]!; else nan[a]++;
        if (old >= 0) { const o = x[old + a]!; if (o === o) s[a] -= o - K[a]!; else nan[a]--; }
      }
    }
    if (t < d - 1) { out.fill(NaN, row, row + N); continue; }
    for (let a = 0; a < N; a++) {
      if (nan[a] !== 0) { out[row + a] = NaN; continue; }
      const v = mean ? s[a]! / d + K[a]! : s[a]! + d * K[a]!;
      out[row + a] = v - v === 0 ? v : NaN;
    }
  }
  return out;
}

/** Run length of exactly equal consecutive values ending at each bar, per asset (NaN resets to 0). */
function equalRuns(x: Arr, T: number, N: number): Int32Array {
  const run = new Int32Array(T * N);
  for (let a = 0; a < N; a++) run[a] = x[a]! === x[a]! ? 1 : 0;
  for (let t = 1; t < T; t++) {
    const row = t * N;
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!;
      run[row + a] = v !== v ? 0 : v === x[row - N + a]! ? run[row - N + a]! + 1 : 1;
    }
  }
  return run;
}

/**
 * Rolling second moments of one or two series over d bars, strict, with the
 * shifted-sum / resync scheme. Calls `emit(i, sx, sy, sxx, syy, sxy, kx, ky)` for each
 * cell whose window is full and NaN-free (sums of deviations from the shifts kx, ky);
 * other cells get NaN. When `y` is `x`, pass the same array.
 */
function rollingMoments(
  x: Arr, y: Arr, T: number, N: number, d: number, out: Arr,
  emit: (i: number, sx: number, sy: number, sxx: number, syy: number, sxy: number, kx: number, ky: number) => number,
): Arr {
  const SX = new Float64Array(N), SY = new Float64Array(N), SXX = new Float64Array(N), SYY = new Float64Array(N), SXY = new Float64Array(N);
  const KX = new Float64Array(N), KY = new Float64Array(N);
  const nan = new Int32Array(N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    if (t % d === 0) {
      const t0 = Math.max(0, t - d + 1);
      for (let a = 0; a < N; a++) {
        let kx = NaN, ky = NaN;
        for (let u = t; u >= t0; u--) { const vx = x[u * N + a]!, vy = y[u * N + a]!; if (vx === vx && vy === vy) { kx = vx; ky = vy; break; } }
        if (kx !== kx) { kx = 0; ky = 0; }
        let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, c = 0;
        for (let u = t0; u <= t; u++) {
          const vx = x[u * N + a]!, vy = y[u * N + a]!;
          if (vx === vx && vy === vy) { const dx = vx - kx, dy = vy - ky; sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; } else c++;
        }
        SX[a] = sx; SY[a] = sy; SXX[a] = sxx; SYY[a] = syy; SXY[a] = sxy; nan[a] = c; KX[a] = kx; KY[a] = ky;
      }
    } else {
      const old = t >= d ? (t - d) * N : -1;
      for (let a = 0; a < N; a++) {
        const vx = x[row + a]!, vy = y[row + a]!;
        if (vx === vx && vy === vy) {
          const dx = vx - KX[a]!, dy = vy - KY[a]!;
          SX[a] += dx; SY[a] += dy; SXX[a] += dx * dx; SYY[a] += dy * dy; SXY[a] += dx * dy;
        } else nan[a]++;
        if (old >= 0) {
          const ox = x[old + a]!, oy = y[old + a]!;
          if (ox === ox && oy === oy) {
            const dx = ox - KX[a]!, dy = oy - KY[a]!;
            SX[a] -= dx; SY[a] -= dy; SXX[a] -= dx * dx; SYY[a] -= dy * dy; SXY[a] -= dx * dy;
          } else nan[a]--;
        }
      }
    }
    if (t < d - 1) { out.fill(NaN, row, row + N); continue; }
    for (let a = 0; a < N; a++) {
      if (nan[a] !== 0) { out[row + a] = NaN; continue; }
      const v = emit(row + a, SX[a]!, SY[a]!, SXX[a]!, SYY[a]!, SXY[a]!, KX[a]!, KY[a]!);
      out[row + a] = v - v === 0 ? v : NaN;
    }
  }
  return out;
}

/** Rolling sample standard deviation (ddof = 1), strict; exactly-equal window -> 0; d = 1 -> NaN. */
export function rollingStd(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  const run = equalRuns(x, T, N);
  return rollingMoments(x, x, T, N, d, out, (i, sx, _sy, sxx) => {
    if (run[i]! >= d) return 0;
    const v = (sxx - (sx * sx) / d) / (d - 1);
    return v > 0 ? Math.sqrt(v) : 0;
  });
}

/** Rolling sample covariance (ddof = 1), strict; either window exactly constant -> 0; d = 1 -> NaN. */
export function rollingCov(x: Arr, y: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  const rx = equalRuns(x, T, N), ry = x === y ? rx : equalRuns(y, T, N);
  return rollingMoments(x, y, T, N, d, out, (i, sx, sy, _sxx, _syy, sxy) => {
    if (rx[i]! >= d || ry[i]! >= d) return 0;
    return (sxy - (sx * sy) / d) / (d - 1);
  });
}

/** Rolling Pearson correlation, strict; either window exactly constant -> NaN; d = 1 -> NaN; clamped to [-1, 1]. */
export function rollingCorr(x: Arr, y: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  const rx = equalRuns(x, T, N), ry = x === y ? rx : equalRuns(y, T, N);
  return rollingMoments(x, y, T, N, d, out, (i, sx, sy, sxx, syy, sxy) => {
    if (rx[i]! >= d || ry[i]! >= d) return NaN;
    const vx = sxx - (sx * sx) / d, vy = syy - (sy * sy) / d;
    if (!(vx > 0 && vy > 0)) return NaN;
    const c = (sxy - (sx * sy) / d) / Math.sqrt(vx * vy);
    return c > 1 ? 1 : c < -1 ? -1 : c;
  });
}

/** Rolling z-score (x_t - mean) / std (ddof = 1), strict; exactly-equal window -> 0; d = 1 -> NaN. */
export function rollingZscore(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  const run = equalRuns(x, T, N);
  return rollingMoments(x, x, T, N, d, out, (i, sx, _sy, sxx, _syy, _sxy, kx) => {
    if (run[i]! >= d) return 0;
    const v = (sxx - (sx * sx) / d) / (d - 1);
    if (!(v > 0)) return 0;
    return (x[i]! - (sx / d + kx)) / Math.sqrt(v);
  });
}

/**
 * Rolling OLS of y on x over d bars (y = alpha + beta * x + e), strict.
 * rettype 0: residual of the current bar y_t - (alpha + beta x_t); 1: alpha
 * (intercept); 2: beta (slope); 3: fitted value alpha + beta x_t.
 * x exactly constant in the window, or d < 2 -> NaN.
 */
export function rollingRegression(y: Arr, x: Arr, T: number, N: number, d: number, rettype: number, out: Arr): Arr {
  if (d < 2) return out.fill(NaN);
  const rx = equalRuns(x, T, N);
  return rollingMoments(x, y, T, N, d, out, (i, sx, sy, sxx, _syy, sxy, kx, ky) => {
    if (rx[i]! >= d) return NaN;
    const vx = sxx - (sx * sx) / d;
    if (!(vx > 0)) return NaN;
    const beta = (sxy - (sx * sy) / d) / vx;
    if (rettype === 2) return beta;
    const alpha = sy / d + ky - beta * (sx / d + kx);
    if (rettype === 1) return alpha;
    const fit = alpha + beta * x[i]!;
    return rettype === 3 ? fit : y[i]! - fit;
  });
}

/** Last index u <= t (per asset) where x is NaN, as a running array; -1 if none. Used for strict deque windows. */
function strictOk(lastNan: number, t: number, d: number): boolean {
  return t - lastNan >= d && t >= d - 1;
}

/**
 * Rolling min / max (which = 'min' | 'max') or their position ('argmin' |
 * 'argmax', as bars ago: 0 = current bar; ties go to the most recent bar),
 * strict, with a monotone deque per asset (O(1) amortized per bar).
 */
export function rollingExtreme(x: Arr, T: number, N: number, d: number, which: 'min' | 'max' | 'argmin' | 'argmax', out: Arr): Arr {
  const isMax = which === 'max' || which === 'argmax';
  const arg = which === 'argmin' || which === 'argmax';
  const dq = new Int32Array(d + 1);
  const cap = d + 1;
  for (let a = 0; a < N; a++) {
    let head = 0, size = 0, lastNan = -Infinity;
    for (let t = 0; t < T; t++) {
      const i = t * N + a;
      const v = x[i]!;
      if (v !== v) { lastNan = t; size = 0; head = 0; out[i] = NaN; continue; }
      // drop expired
      while (size > 0 && dq[head]! <= t - d) { head = (head + 1) % cap; size--; }
      // pop back while back is dominated (ties: newer wins, so pop equal too)
      while (size > 0) {
        const back = dq[(head + size - 1) % cap]!;
        const bv = x[back * N + a]!;
        if (isMax ? bv <= v : bv >= v) size--; else break;
      }
      dq[(head + size) % cap] = t; size++;
      if (!strictOk(lastNan, t, d)) { out[i] = NaN; continue; }
      const f = dq[head]!;
      out[i] = arg ? t - f : x[f * N + a]!;
    }
  }
  return out;
}

/**
 * Rolling rank of the current value within its window (average rank of ties,
 * 1-based r among d values), mapped to (r - 1) / (d - 1); d = 1 gives 0.5. Strict. O(d) per cell.
 */
export function rollingRank(x: Arr, T: number, N: number, d: number, out: Arr): Arr {
  const lastNan = new Float64Array(N).fill(-Infinity);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!;
      if (v !== v) lastNan[a] = t;
      if (!strictOk(lastNan[a]!, t, d)) { out[row + a] = NaN; continue; }
      if (d === 1) { out[row + a] = 0.5; continue; }
      let less = 0, eq = 0;
      for (let u = 1; u < d; u++) { const w = x[row - u * N + a]!; if (w < v) less++; else if (w === v) eq++; }
      // average 1-based rank among ties: less + 1 + eq/2
      out[row + a] = (less + eq / 2) / (d - 1);
    }
  }
  return out;
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

/** Scratch buffers for the cross-sectional kernels (one per row width). */
class Scratch {
  vals: Float64Array;
  idx: Int32Array;
  constructor(n: number) {
    this.vals = new Float64Array(n);
    this.idx = new Int32Array(n);
  }
}

/**
 * Average ranks of `vals[0..n)` (already sorted copy in `sorted`), mapped to
 * [0, 1] as (r - 1) / (n - 1); n = 1 gives 0.5. Writes `out[outIdx[k]]`.
 */
function rankInto(v: number, sorted: Float64Array, n: number): number {
  if (n === 1) return 0.5;
  // lower bound: count of values < v
  let lo = 0, hi = n;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (sorted[m]! < v) lo = m + 1; else hi = m; }
  const less = lo;
  // upper bound: count of values <= v
  hi = n;
  if (lo < n && sorted[lo]! === v && (lo + 1 >= n || sorted[lo + 1]! !== v)) return less / (n - 1);
  while (lo < hi) { const m = (lo + hi) >>> 1; if (sorted[m]! <= v) lo = m + 1; else hi = m; }
  // average 1-based rank = (less + 1 + lo) / 2; mapped (r - 1) / (n - 1)
  return ((less + lo - 1) / 2) / (n - 1);
}

/**
 * Cross-sectional rank per date over assets with a value: average rank of ties
 * r in 1..n mapped to (r - 1) / (n - 1); n = 1 gives 0.5; NaN stays NaN.
 */
export function csRank(x: Arr, T: number, N: number, out: Arr): Arr {
  const s = new Scratch(N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    let n = 0;
    for (let a = 0; a < N; a++) { const v = x[row + a]!; if (v === v) s.vals[n++] = v; }
    const sorted = s.vals.subarray(0, n);
    sorted.sort();
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!;
      out[row + a] = v === v ? rankInto(v, sorted, n) : NaN;
    }
  }
  return out;
}

/** Per-date mean and population std over assets with a value; calls emit per cell. */
function csMoments(x: Arr, T: number, N: number, out: Arr, emit: (v: number, mean: number, std: number, sumAbs: number, n: number) => number): Arr {
  for (let t = 0; t < T; t++) {
    const row = t * N;
    let n = 0, s = 0, sa = 0;
    for (let a = 0; a < N; a++) { const v = x[row + a]!; if (v === v) { n++; s += v; sa += Math.abs(v); } }
    const mean = n > 0 ? s / n : NaN;
    let ss = 0;
    for (let a = 0; a < N; a++) { const v = x[row + a]!; if (v === v) ss += (v - mean) * (v - mean); }
    const std = n > 0 ? Math.sqrt(ss / n) : NaN;
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!;
      if (v !== v) { out[row + a] = NaN; continue; }
      const r = emit(v, mean, std, sa, n);
      out[row + a] = r - r === 0 ? r : NaN;
    }
  }
  return out;
}

/** Cross-sectional z-score (x - mean) / std with population std (ddof = 0); std 0 gives 0. */
export function csZscore(x: Arr, T: number, N: number, out: Arr): Arr {
  return csMoments(x, T, N, out, (v, m, sd) => (sd > 0 ? (v - m) / sd : 0));
}

/** Cross-sectional demean: x - mean over assets with a value. */
export function csDemean(x: Arr, T: number, N: number, out: Arr): Arr {
  return csMoments(x, T, N, out, (v, m) => v - m);
}

/** Cross-sectional scale: x * a / sum|x| over assets with a value; sum 0 gives NaN. */
export function csScale(x: Arr, T: number, N: number, a: number, out: Arr): Arr {
  return csMoments(x, T, N, out, (v, _m, _sd, sa) => (sa > 0 ? (v * a) / sa : NaN));
}

/** Cross-sectional winsorize: clip x to [mean - k std, mean + k std] (population std) per date. */
export function csWinsorize(x: Arr, T: number, N: number, k: number, out: Arr): Arr {
  return csMoments(x, T, N, out, (v, m, sd) => {
    const lo = m - k * sd, hi = m + k * sd;
    return v < lo ? lo : v > hi ? hi : v;
  });
}

/**
 * Cross-sectional quantile bucket 1..q: floor((r - 1) * q / n) + 1 with r the
 * average 1-based rank among the n assets with a value (bucket 1 = lowest).
 */
export function csQuantile(x: Arr, T: number, N: number, q: number, out: Arr): Arr {
  const s = new Scratch(N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    let n = 0;
    for (let a = 0; a < N; a++) { const v = x[row + a]!; if (v === v) s.vals[n++] = v; }
    const sorted = s.vals.subarray(0, n);
    sorted.sort();
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!;
      if (v !== v) { out[row + a] = NaN; continue; }
      const r01 = rankInto(v, sorted, n); // (r-1)/(n-1)
      const r1 = n === 1 ? 0 : r01 * (n - 1); // r - 1
      out[row + a] = Math.min(q - 1, Math.floor((r1 * q) / n + 1e-12)) + 1;
    }
  }
  return out;
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
  for (let t = 0; t < T; t++) {
    const row = t * N;
    start.fill(0);
    for (let a = 0; a < N; a++) { const v = x[row + a]!, c = gcode(g, row, a); if (v === v && c >= 0) start[c + 1]++; }
    for (let c = 0; c < G; c++) start[c + 1] += start[c]!;
    for (let c = 0; c < G; c++) pos[c] = start[c]!;
    for (let a = 0; a < N; a++) { const v = x[row + a]!, c = gcode(g, row, a); if (v === v && c >= 0) vals[pos[c]++] = v; }
    for (let c = 0; c < G; c++) vals.subarray(start[c]!, start[c + 1]!).sort();
    for (let a = 0; a < N; a++) {
      const v = x[row + a]!, c = gcode(g, row, a);
      if (v !== v || c < 0) { out[row + a] = NaN; continue; }
      out[row + a] = rankInto(v, vals.subarray(start[c]!, start[c + 1]!), start[c + 1]! - start[c]!);
    }
  }
  return out;
}
