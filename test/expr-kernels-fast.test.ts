/**
 * Bit-identity of the single-thread kernel speed-ups (issue 17) against naive
 * loops: `RowRanker.rankOnly` (lib/stats/rank.ts, used by lib/expr `rank` and
 * `quantile`) against a naive average-rank computation with the same final
 * expressions, and the asset-at-a-time rolling moments (ts_std, ts_cov,
 * ts_corr, ts_zscore, ts_regression) against the date-at-a-time loop they
 * replaced (kept here as the reference: the same floating-point operations in
 * the same order per cell, so the bits must match). Random panels with NaN
 * gaps, ties, zeros of both signs, constant runs and changing scales.
 * Every comparison is bitwise (Object.is per cell).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RANK_AVERAGE, RANK_BUCKET, RANK_UNIT, RowRanker } from '../lib/stats/index.js';
import { csQuantile, csRank, rollingCorr, rollingCov, rollingRegression, rollingStd, rollingZscore } from '../lib/expr/kernels.js';
import { lcg } from './helpers/numeric.js';

/** Bitwise equality of two arrays (NaN = NaN, -0 != +0), naming the first differing cell. */
function sameBits(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: cell ${i}: ${actual[i]} vs expected ${expected[i]}`);
  }
}

/**
 * Naive ranks of one row: for each value, the number of smaller values (i) and
 * of values <= it (j) give its tie run [i, j) in sorted order; then the
 * expressions of lib/stats emitAverageRanks for the form. O(n^2).
 */
function naiveRanks(x: Float64Array, form: number, q: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const vals = Array.from(x).filter((v) => v === v);
  const n = vals.length;
  x.forEach((v, a) => {
    if (v !== v) return;
    let i = 0, j = 0;
    for (const w of vals) { if (w < v) i++; if (w <= v) j++; }
    if (form === RANK_AVERAGE) out[a] = (i + 1 + j) / 2;
    else if (form === RANK_UNIT) out[a] = n === 1 ? 0.5 : ((i + j - 1) * 0.5) / (n - 1);
    else { const b = Math.floor((((i + j - 1) / 2) * q) / n + 1e-12); out[a] = (b < q - 1 ? b : q - 1) + 1; }
  });
  return out;
}

/** Rows of mixed kinds: ties on a grid with -0/+0, returns-like, volume-like, clustered, float32-equal neighbours, huge ranges, constant rows, all NaN. */
function rowOfKind(n: number, r: () => number, kind: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    let v: number;
    switch (kind % 9) {
      case 0: v = Math.round((u - 0.5) * 20) / 4; break;
      case 1: v = (u - 0.5) * 0.04; break;
      case 2: v = Math.exp(u * 12); break;
      case 3: v = 100 + (u - 0.5) * 1e-3; break;
      case 4: v = 1 + Math.floor(u * 8) * 2 ** -40; break;
      case 5: v = (u < 0.5 ? -1 : 1) * 10 ** ((u - 0.5) * 600); break; // 1e-300 .. 1e300, both signs
      case 6: v = 7; break; // constant row
      case 7: v = NaN; break; // nothing to rank
      default: v = u < 0.3 ? 0 : u < 0.4 ? -0 : u < 0.7 ? 5e-324 * Math.ceil(u * 10) : -(u * 3); // zeros, subnormals
    }
    x[i] = r() < 0.12 ? NaN : v;
  }
  if (n > 3 && kind % 9 !== 7) { x[0] = -0; x[1] = 0; }
  return x;
}

test('RowRanker.rankOnly gives the naive average ranks bit for bit (all forms, short and long rows, scale changes between rows)', () => {
  const r = lcg(1717);
  for (const n of [1, 2, 5, 47, 48, 49, 200, 505, 1000]) {
    const ranker = new RowRanker(n);
    for (let rep = 0; rep < 27; rep++) {
      // consecutive rows of different kinds: the key window carried from the previous row is wrong for this one
      const x = rowOfKind(n, r, rep);
      for (const form of [RANK_UNIT, RANK_AVERAGE, RANK_BUCKET]) {
        const out = new Float64Array(n + 3).fill(12345);
        const m = ranker.rankOnly(x, 0, n, out, 3, form, 5);
        sameBits(out.subarray(3), naiveRanks(x, form, 5), `n ${n} rep ${rep} form ${form}`);
        assert.equal(m, Array.from(x).filter((v) => v === v).length);
        assert.deepEqual(Array.from(out.subarray(0, 3)), [12345, 12345, 12345], 'cells outside the row untouched');
      }
    }
  }
});

test('RowRanker.rankOnly at offsets of a panel equals rankRow (the sorting path) on every row', () => {
  const r = lcg(99);
  const T = 60, N = 300;
  const x = new Float64Array(T * N);
  for (let a = 0; a < N; a++) x[a] = Math.exp(r() * 5);
  for (let t = 1; t < T; t++) for (let a = 0; a < N; a++) x[t * N + a] = r() < 0.03 ? NaN : (x[(t - 1) * N + a]! || 1) * (1 + (r() - 0.5) * (t < 30 ? 0.02 : 2));
  for (const form of [RANK_UNIT, RANK_AVERAGE, RANK_BUCKET]) {
    const a1 = new Float64Array(T * N), a2 = new Float64Array(T * N);
    const r1 = new RowRanker(N), r2 = new RowRanker(N);
    for (let t = 0; t < T; t++) { r1.rankRow(x, t * N, N, a1, t * N, form, 7); r2.rankOnly(x, t * N, N, a2, t * N, form, 7); }
    sameBits(a2, a1, `form ${form}`);
  }
});

test('csRank and csQuantile (lib/expr) equal the naive per-date ranks bit for bit', () => {
  const r = lcg(5);
  const T = 30, N = 120;
  const x = new Float64Array(T * N);
  for (let t = 0; t < T; t++) x.set(rowOfKind(N, r, t), t * N);
  const exp = new Float64Array(T * N), expQ = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    exp.set(naiveRanks(x.subarray(t * N, (t + 1) * N), RANK_UNIT, 0), t * N);
    expQ.set(naiveRanks(x.subarray(t * N, (t + 1) * N), RANK_BUCKET, 4), t * N);
  }
  sameBits(csRank(x, T, N, new Float64Array(T * N).fill(9)), exp, 'csRank');
  sameBits(csQuantile(x, T, N, 4, new Float64Array(T * N).fill(9)), expQ, 'csQuantile');
});

// ------------------------------------------------- rolling moments: the previous date-at-a-time loop as reference

const enum M { Std, Cov, Corr, Z, Reg }

/** The date-at-a-time rolling moments kernel that the asset-at-a-time one replaced (lib/expr/kernels.ts before issue 17), unchanged but for names. */
function referenceMoments(x: Float64Array, y: Float64Array, T: number, N: number, d: number, mode: M, rettype: number): Float64Array {
  const out = new Float64Array(T * N);
  if (d < 2) return out.fill(NaN);
  const S = new Float64Array(8 * N);
  const R = new Int32Array(2 * N);
  const single = mode === M.Std || mode === M.Z;
  const resync = (t: number, a: number): void => {
    const t0 = t - d + 1 > 0 ? t - d + 1 : 0;
    let kx = NaN, ky = NaN;
    for (let u = t; u >= t0; u--) { const vx = x[u * N + a]!, vy = y[u * N + a]!; if (vx === vx && vy === vy) { kx = vx; ky = vy; break; } }
    if (kx !== kx) { kx = 0; ky = 0; }
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, c = 0;
    for (let u = t0; u <= t; u++) {
      const vx = x[u * N + a]!, vy = y[u * N + a]!;
      if (single) { if (vx === vx) { const dx = vx - kx; sx += dx; sxx += dx * dx; } else c++; }
      else if (vx === vx && vy === vy) { const dx = vx - kx, dy = vy - ky; sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; } else c++;
    }
    const o = 8 * a;
    S[o] = sx; S[o + 1] = sy; S[o + 2] = sxx; S[o + 3] = syy; S[o + 4] = sxy; S[o + 5] = kx; S[o + 6] = ky; S[o + 7] = c;
  };
  for (let t = 0; t < T; t++) {
    const row = t * N;
    const old = t >= d ? (t - d) * N : -1;
    for (let a = 0; a < N; a++) {
      const o = 8 * a;
      const vx = x[row + a]!;
      const rx = vx !== vx ? 0 : t > 0 && vx === x[row - N + a]! ? R[2 * a]! + 1 : 1;
      R[2 * a] = rx;
      let ry = 0;
      if (!single) { const vy = y[row + a]!; ry = vy !== vy ? 0 : t > 0 && vy === y[row - N + a]! ? R[2 * a + 1]! + 1 : 1; R[2 * a + 1] = ry; }
      if (t % d === 0) resync(t, a);
      else if (single) {
        const kx = S[o + 5]!;
        let sx = S[o]!, sxx = S[o + 2]!, nan = S[o + 7]!;
        if (vx === vx) { const dx = vx - kx; sx += dx; sxx += dx * dx; } else nan++;
        if (old >= 0) {
          const ox = x[old + a]!;
          if (ox === ox) {
            const dx = ox - kx;
            sx -= dx; sxx -= dx * dx;
            if (dx * dx > 1e3 * sxx) { sx = 0; sxx = 0; for (let u = t - d + 1; u <= t; u++) { const vv = x[u * N + a]!; if (vv === vv) { const ex = vv - kx; sx += ex; sxx += ex * ex; } } }
          } else nan--;
        }
        S[o] = sx; S[o + 2] = sxx; S[o + 7] = nan;
      } else {
        const kx = S[o + 5]!, ky = S[o + 6]!;
        let sx = S[o]!, sy = S[o + 1]!, sxx = S[o + 2]!, syy = S[o + 3]!, sxy = S[o + 4]!, nan = S[o + 7]!;
        const vy = y[row + a]!;
        if (vx === vx && vy === vy) { const dx = vx - kx, dy = vy - ky; sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; } else nan++;
        if (old >= 0) {
          const ox = x[old + a]!, oy = y[old + a]!;
          if (ox === ox && oy === oy) {
            const dx = ox - kx, dy = oy - ky;
            sx -= dx; sy -= dy; sxx -= dx * dx; syy -= dy * dy; sxy -= dx * dy;
            if (dx * dx > 1e3 * sxx || dy * dy > 1e3 * syy) {
              sx = 0; sy = 0; sxx = 0; syy = 0; sxy = 0;
              for (let u = t - d + 1; u <= t; u++) { const wx = x[u * N + a]!, wy = y[u * N + a]!; if (wx === wx && wy === wy) { const ex = wx - kx, ey = wy - ky; sx += ex; sy += ey; sxx += ex * ex; syy += ey * ey; sxy += ex * ey; } }
            }
          } else nan--;
        }
        S[o] = sx; S[o + 1] = sy; S[o + 2] = sxx; S[o + 3] = syy; S[o + 4] = sxy; S[o + 7] = nan;
      }
      if (t < d - 1 || S[o + 7] !== 0) { out[row + a] = NaN; continue; }
      const sx = S[o]!, sy = S[o + 1]!;
      const cx = rx >= d, cy = ry >= d;
      let v: number;
      if (mode === M.Std) { const q = (S[o + 2]! - (sx * sx) / d) / (d - 1); v = cx || !(q > 0) ? 0 : Math.sqrt(q); }
      else if (mode === M.Cov) v = cx || cy ? 0 : (S[o + 4]! - (sx * sy) / d) / (d - 1);
      else if (mode === M.Corr) {
        const qx = S[o + 2]! - (sx * sx) / d, qy = S[o + 3]! - (sy * sy) / d;
        if (cx || cy || !(qx > 0 && qy > 0)) v = NaN;
        else { v = (S[o + 4]! - (sx * sy) / d) / Math.sqrt(qx * qy); v = v > 1 ? 1 : v < -1 ? -1 : v; }
      } else if (mode === M.Z) { const q = (S[o + 2]! - (sx * sx) / d) / (d - 1); v = cx || !(q > 0) ? 0 : (vx - (sx / d + S[o + 5]!)) / Math.sqrt(q); }
      else {
        const qx = S[o + 2]! - (sx * sx) / d;
        if (cx || !(qx > 0)) v = NaN;
        else {
          const beta = (S[o + 4]! - (sx * sy) / d) / qx;
          const alpha = sy / d + S[o + 6]! - beta * (sx / d + S[o + 5]!);
          const fit = alpha + beta * vx;
          v = rettype === 2 ? beta : rettype === 1 ? alpha : rettype === 3 ? fit : y[row + a]! - fit;
        }
      }
      out[row + a] = v - v === 0 ? v : NaN;
    }
  }
  return out;
}

/** A dates x assets panel: per asset a different regime (levels with noise, small integers with ties and constant runs, huge jumps that trip the cancellation guard), NaN gaps. */
function panelOf(T: number, N: number, r: () => number, nanRate: number): Float64Array {
  const x = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    for (let t = 0; t < T; t++) {
      const u = r();
      let v: number;
      switch (a % 5) {
        case 0: v = 100 + (u - 0.5) * 3; break;
        case 1: v = Math.round(u * 3); break;
        case 2: v = t % 17 < 6 ? 4.25 : u; break;
        case 3: v = u < 0.05 ? 1e9 * u : u - 0.5; break;
        default: v = 1e6 + u * 1e-4; break;
      }
      x[t * N + a] = r() < nanRate ? NaN : v;
    }
  }
  return x;
}

test('asset-at-a-time ts_std, ts_cov, ts_corr, ts_zscore, ts_regression equal the date-at-a-time reference bit for bit', () => {
  const r = lcg(2026);
  const T = 140, N = 11;
  const x = panelOf(T, N, r, 0.04), y = panelOf(T, N, r, 0.03);
  for (const d of [1, 2, 3, 5, 10, 23]) {
    sameBits(rollingStd(x, T, N, d, new Float64Array(T * N)), referenceMoments(x, x, T, N, d, M.Std, 0), `ts_std d ${d}`);
    sameBits(rollingZscore(x, T, N, d, new Float64Array(T * N)), referenceMoments(x, x, T, N, d, M.Z, 0), `ts_zscore d ${d}`);
    sameBits(rollingCov(x, y, T, N, d, new Float64Array(T * N)), referenceMoments(x, y, T, N, d, M.Cov, 0), `ts_cov d ${d}`);
    sameBits(rollingCorr(x, y, T, N, d, new Float64Array(T * N)), referenceMoments(x, y, T, N, d, M.Corr, 0), `ts_corr d ${d}`);
    sameBits(rollingCorr(x, x, T, N, d, new Float64Array(T * N)), referenceMoments(x, x, T, N, d, M.Corr, 0), `ts_corr(x, x) d ${d}`);
    for (const rt of [0, 1, 2, 3]) sameBits(rollingRegression(y, x, T, N, d, rt, new Float64Array(T * N)), referenceMoments(x, y, T, N, d, M.Reg, rt), `ts_regression d ${d} rettype ${rt}`);
  }
});
