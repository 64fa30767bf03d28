/**
 * Hand-computed cases for every operator of lib/expr (ties, NaNs inside
 * windows, short histories, zero variance), and cross-checks of the fast
 * rolling kernels against naive two-pass loops on random panels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, OPERATORS } from '../lib/expr/index.js';
import type { Panel } from '../lib/data/panel.js';

/** Panel from per-asset columns: cols[a][t]. */
function mk(fields: Record<string, number[][]>, groups?: Record<string, string[]>): Panel {
  const first = Object.values(fields)[0]!;
  const N = first.length, T = first[0]!.length;
  const f: Record<string, Float64Array> = {};
  for (const [k, cols] of Object.entries(fields)) {
    const arr = new Float64Array(T * N);
    for (let a = 0; a < N; a++) for (let t = 0; t < T; t++) arr[t * N + a] = cols[a]![t]!;
    f[k] = arr;
  }
  return { frequency: '1d', market: 'equity', times: Float64Array.from({ length: T }, (_, i) => i * 86_400_000), assets: Array.from({ length: N }, (_, i) => `A${i}`), fields: f, ...(groups ? { groups } : {}) };
}

/** One asset's series of an evaluated expression. */
function col(out: Float64Array, N: number, a: number): number[] {
  const r: number[] = [];
  for (let i = a; i < out.length; i += N) r.push(out[i]!);
  return r;
}
/** One date's row. */
function row(out: Float64Array, N: number, t: number): number[] {
  return Array.from(out.subarray(t * N, (t + 1) * N));
}

function close(actual: number[], expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((v, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e)) assert.ok(Number.isNaN(v), `index ${i}: expected NaN, got ${v} (${JSON.stringify(actual)})`);
    else assert.ok(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)), `index ${i}: expected ${e}, got ${v} (${JSON.stringify(actual)})`);
  });
}

const N_ = NaN;
/** A single-asset panel with x as close and y as open. */
const one = (x: number[], y: number[] = x): Panel => mk({ close: [x], open: [y] });
const ts1 = (expr: string, x: number[], y?: number[]): number[] => col(evaluate(expr, one(x, y)), 1, 0);

test('element-wise arithmetic: division by zero, log, pow and overflow give NaN, never an infinity', () => {
  const p = one([4, 0, -1, 2, N_], [2, 0, 3, 0, 1]);
  close(ts1('close + open', [4, 0, -1, 2, N_], [2, 0, 3, 0, 1]), [6, 0, 2, 2, N_]);
  close(col(evaluate('close / open', p), 1, 0), [2, N_, -1 / 3, N_, N_]);
  close(col(evaluate('log(close)', p), 1, 0), [Math.log(4), N_, N_, Math.log(2), N_]);
  close(col(evaluate('close ^ 0.5', p), 1, 0), [2, 0, N_, Math.SQRT2, N_]);
  close(col(evaluate('pow(close, -1)', p), 1, 0), [0.25, N_, -1, 0.5, N_]);
  close(col(evaluate('close ^ 3', p), 1, 0), [64, 0, -1, 8, N_]);
  close(col(evaluate('exp(close * 1000)', p), 1, 0), [N_, 1, 0, N_, N_]);
  close(col(evaluate('-close', p), 1, 0), [-4, 0, 1, -2, N_]);
  close(col(evaluate('abs(close) + sign(close)', p), 1, 0), [5, 0, 0, 3, N_]);
  close(col(evaluate('signed_power(close, 2)', p), 1, 0), [16, 0, -1, 4, N_]);
  close(col(evaluate('signed_power(close - 5, 0.5)', p), 1, 0), [-1, -Math.sqrt(5), -Math.sqrt(6), -Math.sqrt(3), N_]);
  close(col(evaluate('sqrt(close)', p), 1, 0), [2, 0, N_, Math.SQRT2, N_]);
  close(col(evaluate('-2 ^ 2', p), 1, 0), [-4, -4, -4, -4, -4]);
  for (const v of evaluate('close / open + log(open) + open ^ -3', p)) assert.ok(!(v === Infinity || v === -Infinity));
});

test('comparisons and logic give 1/0 and NaN (never false) on NaN; if_else, where, nan, min, max, clip', () => {
  const x = [1, 2, 3, N_, 0], y = [2, 2, 1, 1, N_];
  close(ts1('close < open', x, y), [1, 0, 0, N_, N_]);
  close(ts1('close <= open', x, y), [1, 1, 0, N_, N_]);
  close(ts1('close > open', x, y), [0, 0, 1, N_, N_]);
  close(ts1('close >= open', x, y), [0, 1, 1, N_, N_]);
  close(ts1('close == open', x, y), [0, 1, 0, N_, N_]);
  close(ts1('close != open', x, y), [1, 0, 1, N_, N_]);
  close(ts1('(close - 1) && open', x, y), [0, 1, 1, N_, N_]);
  close(ts1('(close - 1) || (open - 2)', x, y), [0, 1, 1, N_, N_]);
  close(ts1('!(close - 2)', x, y), [0, 1, 0, N_, 0]);
  close(ts1('if_else(close - 2, open, -open)', x, y), [2, -2, 1, N_, N_]);
  close(ts1('close > 1 ? 10 : 20', x, y), [20, 10, 10, N_, 20]);
  close(ts1('where(close - 2, open)', x, y), [2, N_, 1, N_, N_]);
  close(ts1('if_else(close > 1, open, nan)', x, y), [N_, 2, 1, N_, N_]);
  close(ts1('nan', x, y), [N_, N_, N_, N_, N_]);
  close(ts1('min(close, open)', x, y), [1, 2, 1, N_, N_]);
  close(ts1('max(close, open)', x, y), [2, 2, 3, N_, N_]);
  close(ts1('clip(close, 1.5, 2.5)', x, y), [1.5, 2, 2.5, N_, 1.5]);
  close(ts1('clip(close, open, 2.5)', x, y), [2, 2, 2.5, N_, N_]);
});

test('rank: average ties mapped (r-1)/(n-1), NaN skipped, n = 1 gives 0.5', () => {
  const p = mk({ close: [[3, 5, N_], [1, N_, N_], [3, 7, 2], [10, 5, N_], [N_, N_, N_]] });
  const out = evaluate('rank(close)', p);
  // row 0: values 3,1,3,10 -> ranks 2.5,1,2.5,4 of n=4 -> (r-1)/3
  close(row(out, 5, 0), [0.5, 0, 0.5, 1, N_]);
  // row 1: 5,7,5 -> ranks 1.5,3,1.5 of n=3 -> 0.25, 1, 0.25
  close(row(out, 5, 1), [0.25, N_, 1, 0.25, N_]);
  // row 2: only one value
  close(row(out, 5, 2), [N_, N_, 0.5, N_, N_]);
});

test('rank on wide rows (radix path) equals a naive average-rank computation, with many ties', () => {
  const T = 30, N = 300;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cols = Array.from({ length: N }, () => Array.from({ length: T }, () => { const u = rnd(); return u < 0.1 ? NaN : u < 0.5 ? Math.round(u * 20) : (u - 0.7) * 1e6 + 1e-9 * rnd(); }));
  const p = mk({ close: cols });
  const out = evaluate('rank(close)', p);
  for (let t = 0; t < T; t++) {
    const vals = cols.map((c) => c[t]!).filter((v) => !Number.isNaN(v));
    const n = vals.length;
    const exp = cols.map((c) => {
      const v = c[t]!;
      if (Number.isNaN(v)) return NaN;
      const less = vals.filter((w) => w < v).length, eq = vals.filter((w) => w === v).length;
      return (less + (eq - 1) / 2) / (n - 1);
    });
    close(row(out, N, t), exp, 1e-12);
  }
});

test('rank(rank(x)) equals rank(x) bitwise (the canonical rewrite relies on it)', () => {
  const rnd = lcg(17);
  const cols = Array.from({ length: 60 }, () => Array.from({ length: 8 }, () => { const u = rnd(); return u < 0.1 ? NaN : Math.round(u * 7); }));
  const p = mk({ close: cols });
  const once = evaluate('rank(close)', p);
  // evaluate the inner rank, then rank it again through a field (no rewrite possible)
  const again = evaluate('rank(r)', { ...p, fields: { ...p.fields, r: once } });
  for (let i = 0; i < once.length; i++) assert.ok(Object.is(once[i], again[i]), `cell ${i}: ${once[i]} vs ${again[i]}`);
});

test('sign(sign(x)), abs(abs(x)) and abs(-x) equal sign(x) and abs(x) bitwise (the canonical rewrites rely on it)', () => {
  const p = mk({ close: [[1, -2, 0, -0, N_, 3.5, -1e-300, Infinity, -Infinity]] });
  const via = (op: string, inner: Float64Array) => evaluate(`${op}(r)`, { ...p, fields: { ...p.fields, r: inner } });
  const sign = evaluate('sign(close)', p), abs = evaluate('abs(close)', p), neg = evaluate('-close', p);
  for (const [a, b] of [[via('sign', sign), sign], [via('abs', abs), abs], [via('abs', neg), abs]] as const) {
    for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `cell ${i}: ${a[i]} vs ${b[i]}`);
  }
});

test('zscore (population std, std 0 gives 0), demean, scale (sum 0 gives NaN), winsorize, quantile', () => {
  const p = mk({ close: [[1, 5, 0], [2, 5, 0], [3, 5, N_], [6, N_, 0]] });
  const N = 4;
  const m = 3, sd = Math.sqrt((4 + 1 + 0 + 9) / 4);
  close(row(evaluate('zscore(close)', p), N, 0), [-2 / sd, -1 / sd, 0, 3 / sd]);
  close(row(evaluate('zscore(close)', p), N, 1), [0, 0, 0, N_]);
  close(row(evaluate('demean(close)', p), N, 0), [-2, -1, 0, 3]);
  close(row(evaluate('scale(close)', p), N, 0), [1 / 12, 2 / 12, 3 / 12, 6 / 12]);
  close(row(evaluate('scale(close, 2)', p), N, 0), [2 / 12, 4 / 12, 6 / 12, 12 / 12]);
  close(row(evaluate('scale(close)', p), N, 2), [N_, N_, N_, N_]);
  // winsorize at 1 std: [m - sd, m + sd] = [3 - 1.87, 3 + 1.87]
  close(row(evaluate('winsorize(close, std=1)', p), N, 0), [m - sd, 2, 3, m + sd]);
  close(row(evaluate('quantile(close, 2)', p), N, 0), [1, 1, 2, 2]);
  close(row(evaluate('quantile(close, 4)', p), N, 0), [1, 2, 3, 4]);
  close(row(evaluate('quantile(close, 2)', p), N, 1), [1, 1, 1, N_]); // all tied: average rank 2 of 3 -> floor(1*2/3)+1 = 1
});

test('group operators with fixed labels and with a dates x assets label field', () => {
  const groups = { sector: ['a', 'a', 'b', 'b', 'b', ''] };
  const p = mk({ close: [[1, 1], [3, 2], [2, N_], [4, 4], [9, 4], [5, 5]], lab: [[1, 1], [1, 2], [2, 2], [2, 1], [2, 1], [N_, 1]] }, groups);
  const N = 6;
  close(row(evaluate('group_neutralize(close, sector)', p), N, 0), [-1, 1, -3, -1, 4, N_]);
  close(row(evaluate('group_mean(close, sector)', p), N, 0), [2, 2, 5, 5, 5, N_]);
  close(row(evaluate('group_rank(close, sector)', p), N, 0), [0, 1, 0, 0.5, 1, N_]);
  close(row(evaluate('group_rank(close, sector)', p), N, 1), [0, 1, N_, 0.5, 0.5, N_]);
  const sdb = Math.sqrt((9 + 1 + 16) / 3);
  close(row(evaluate('group_zscore(close, sector)', p), N, 0), [-1, 1, -3 / sdb, -1 / sdb, 4 / sdb, N_]);
  // row 1 group b: {4, 4} (asset 2 missing) -> std 0 -> 0
  close(row(evaluate('group_zscore(close, sector)', p), N, 1), [-1, 1, N_, 0, 0, N_]);
  // labels per date from a field: row 1 labels 1,2,2,1,1,1 -> group 1 = {1,4,4,5}, group 2 = {2}
  close(row(evaluate('group_mean(close, lab)', p), N, 1), [3.5, 2, N_, 3.5, 3.5, 3.5]);
  close(row(evaluate('group_rank(close, lab)', p), N, 1), [0, 0.5, N_, 0.5, 0.5, 1]);
  assert.throws(() => evaluate('group_mean(close, sectr)', p), /unknown group sectr at 18: did you mean sector\?/);
});

test('delay, delta, ts_sum, ts_mean, ts_product: short histories and NaN inside windows', () => {
  const x = [1, 2, 4, N_, 5, 6, 7];
  close(ts1('delay(close, 2)', x), [N_, N_, 1, 2, 4, N_, 5]);
  close(ts1('delta(close, 1)', x), [N_, 1, 2, N_, N_, 1, 1]);
  close(ts1('ts_sum(close, 3)', x), [N_, N_, 7, N_, N_, N_, 18]);
  close(ts1('ts_mean(close, 2)', x), [N_, 1.5, 3, N_, N_, 5.5, 6.5]);
  close(ts1('ts_product(close, 2)', x), [N_, 2, 8, N_, N_, 30, 42]);
  close(ts1('ts_sum(close, 1)', x), x);
  close(ts1('ts_mean(close, 9)', x), x.map(() => N_));
  close(ts1('ts_mean(close, 2.9)', x), ts1('ts_mean(close, 2)', x));
});

test('ts_min, ts_max, ts_argmin, ts_argmax: ties go to the most recent bar, NaN windows', () => {
  const x = [3, 1, 3, 3, 2, N_, 1, 5, 5];
  close(ts1('ts_max(close, 3)', x), [N_, N_, 3, 3, 3, N_, N_, N_, 5]);
  close(ts1('ts_min(close, 3)', x), [N_, N_, 1, 1, 2, N_, N_, N_, 1]);
  close(ts1('ts_argmax(close, 3)', x), [N_, N_, 0, 0, 1, N_, N_, N_, 0]);
  close(ts1('ts_argmin(close, 3)', x), [N_, N_, 1, 2, 0, N_, N_, N_, 2]);
  close(ts1('ts_argmax(close, 1)', x), x.map((v) => (Number.isNaN(v) ? N_ : 0)));
  close(ts1('ts_argmin(close, 4)', [2, 2, 2, 2, 2]), [N_, N_, N_, 0, 0]);
});

test('ts_std (ddof 1), ts_cov, ts_corr: constant windows, d = 1, NaN', () => {
  const x = [1, 2, 4, 4, 4, 4, N_, 1, 3];
  close(ts1('ts_std(close, 3)', x), [N_, N_, Math.sqrt(7 / 3), Math.sqrt(4 / 3), 0, 0, N_, N_, N_]);
  close(ts1('ts_std(close, 1)', x), x.map(() => N_));
  const y = [2, 1, 0, 3, 5, 6, 1, 2, 2];
  // cov over 3: window [1,2,4] & [2,1,0]: means 7/3, 1; sum dx*dy = (-4/3)(1)+(-1/3)(0)+(5/3)(-1) = -3 -> /2 = -1.5
  const cov = ts1('ts_cov(close, open, 3)', x, y);
  close(cov.slice(0, 6), [N_, N_, -1.5, (2 - 10 / 3) * (1 - 4 / 3) / 2 + (4 - 10 / 3) * (0 - 4 / 3) / 2 + (4 - 10 / 3) * (3 - 4 / 3) / 2, 0, 0]);
  close(cov.slice(6), [N_, N_, N_]);
  const corr = ts1('ts_corr(close, open, 3)', x, y);
  const sx = Math.sqrt(7 / 3), sy = 1;
  close(corr.slice(0, 3), [N_, N_, -1.5 / (sx * sy)]);
  close(corr.slice(4, 6), [N_, N_]); // x constant 4,4,4 -> NaN
  close(ts1('ts_corr(close, open, 1)', x, y), x.map(() => N_));
  close(ts1('ts_cov(close, open, 1)', x, y), x.map(() => N_));
  // perfectly linear -> exactly +-1 after clamping
  close(ts1('ts_corr(close, -2 * close + 1, 4)', [1, 5, 2, 8, 3]), [N_, N_, N_, -1, -1], 1e-12);
});

test('ts_rank: average ties, (r-1)/(d-1), d = 1 gives 0.5', () => {
  const x = [1, 3, 2, 2, 5, N_, 1, 1, 1];
  // t=2: window [1,3,2], current 2 -> r=2 -> 0.5; t=3: [3,2,2] current 2 -> r = 1.5 -> 0.25; t=4: [2,2,5] -> 1
  close(ts1('ts_rank(close, 3)', x), [N_, N_, 0.5, 0.25, 1, N_, N_, N_, 0.5]);
  close(ts1('ts_rank(close, 1)', x), x.map((v) => (Number.isNaN(v) ? N_ : 0.5)));
});

test('decay_linear, ts_zscore, ts_skew, ts_regression', () => {
  const x = [1, 2, 4, 8, N_, 1, 2, 3];
  // d = 3: (3*x_t + 2*x_{t-1} + x_{t-2}) / 6
  close(ts1('decay_linear(close, 3)', x), [N_, N_, (12 + 4 + 1) / 6, (24 + 8 + 2) / 6, N_, N_, N_, (9 + 4 + 1) / 6]);
  // ts_zscore d=3 at t=2: window 1,2,4 mean 7/3 sd sqrt(7/3)
  close(ts1('ts_zscore(close, 3)', x).slice(0, 4), [N_, N_, (4 - 7 / 3) / Math.sqrt(7 / 3), (8 - 14 / 3) / Math.sqrt(28 / 3)]);
  close(ts1('ts_zscore(close, 2)', [5, 5, 5]), [N_, 0, 0]);
  // skew of 1,2,4: m = 7/3, e = -4/3,-1/3,5/3; m2 = 42/27, m3 = (-64-1+125)/81 = 60/81
  const m2 = 42 / 27, m3 = 60 / 81;
  close(ts1('ts_skew(close, 3)', x).slice(0, 3), [N_, N_, (Math.sqrt(6) / 1) * m3 / Math.pow(m2, 1.5)]);
  close(ts1('ts_skew(close, 3)', [2, 2, 2, 1]), [N_, N_, N_, (() => { const m = 5 / 3, e = [1 / 3, 1 / 3, -2 / 3]; const q2 = e.reduce((s, v) => s + v * v, 0) / 3, q3 = e.reduce((s, v) => s + v ** 3, 0) / 3; return Math.sqrt(6) * q3 / Math.pow(q2, 1.5) + 0 * m; })()]);
  // regression of y = 2x + 1 + noise on x over 3 bars
  const xs = [1, 2, 3, 4], ys = [3, 5.5, 7, 9];
  // window t=2: x 1,2,3 y 3,5.5,7: beta = cov/var = ((-1)(-2.1667)+0+(1)(1.8333))/2 = 2; alpha = 5.1667 - 4 = 1.1667
  const p = mk({ close: [ys], open: [xs] });
  close(col(evaluate('ts_regression(close, open, 3, rettype=2)', p), 1, 0), [N_, N_, 2, 1.75]);
  close(col(evaluate('ts_regression(close, open, 3, 1)', p), 1, 0).slice(2, 3), [31 / 6 - 4]);
  close(col(evaluate('ts_regression(close, open, 3)', p), 1, 0).slice(2, 3), [7 - (31 / 6 - 4) - 6]);
  close(col(evaluate('ts_regression(close, open, 3, 3)', p), 1, 0).slice(2, 3), [31 / 6 - 4 + 6]);
  close(col(evaluate('ts_regression(close, 5, 3, 2)', p), 1, 0), [N_, N_, N_, N_]);
});

test('derived fields: returns, vwap fallback and adv{d}', () => {
  const p = mk({ close: [[10, 11, 0, 5]], high: [[12, 12, 12, 12]], low: [[9, 9, 9, 9]], volume: [[100, 200, 300, 400]] });
  close(col(evaluate('returns', p), 1, 0), [N_, 0.1, -1, N_]);
  close(col(evaluate('vwap', p), 1, 0), [31 / 3, 32 / 3, 7, 26 / 3]);
  close(col(evaluate('adv2', p), 1, 0), [N_, 150, 250, 350]);
  const withVwap = { ...p, fields: { ...p.fields, vwap: Float64Array.from([1, 2, 3, 4]) } };
  close(col(evaluate('vwap', withVwap), 1, 0), [1, 2, 3, 4]);
  assert.throws(() => evaluate('clsoe', p), /unknown field clsoe at 0: did you mean close\?/);
});

// ---------------------------------------------------------------- fast vs naive

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function naiveWindow(x: number[], t: number, d: number): number[] | undefined {
  if (t < d - 1) return undefined;
  const w = x.slice(t - d + 1, t + 1);
  return w.some((v) => Number.isNaN(v)) ? undefined : w;
}

const NAIVE: Record<string, (w: number[], v?: number[]) => number> = {
  ts_sum: (w) => w.reduce((s, v) => s + v, 0),
  ts_mean: (w) => w.reduce((s, v) => s + v, 0) / w.length,
  ts_std: (w) => {
    if (w.length < 2) return NaN;
    const m = w.reduce((s, v) => s + v, 0) / w.length;
    return w.every((v) => v === w[0]) ? 0 : Math.sqrt(w.reduce((s, v) => s + (v - m) ** 2, 0) / (w.length - 1));
  },
  ts_min: (w) => Math.min(...w),
  ts_max: (w) => Math.max(...w),
  ts_argmax: (w) => { let b = 0; w.forEach((v, i) => { if (v >= w[b]!) b = i; }); return w.length - 1 - b; },
  ts_argmin: (w) => { let b = 0; w.forEach((v, i) => { if (v <= w[b]!) b = i; }); return w.length - 1 - b; },
  ts_rank: (w) => { const v = w[w.length - 1]!; if (w.length === 1) return 0.5; const less = w.filter((u) => u < v).length, eq = w.filter((u) => u === v).length; return (less + (eq - 1) / 2) / (w.length - 1); },
  decay_linear: (w) => w.reduce((s, v, i) => s + (i + 1) * v, 0) / ((w.length * (w.length + 1)) / 2),
  ts_zscore: (w) => { const sd = NAIVE.ts_std!(w); const m = NAIVE.ts_mean!(w); return Number.isNaN(sd) ? NaN : sd === 0 ? 0 : (w[w.length - 1]! - m) / sd; },
};

test('rolling kernels equal naive loops on random panels with NaNs and ties (all windows, resync boundaries)', () => {
  const rnd = lcg(42);
  const T = 120, N = 7;
  const cols = Array.from({ length: N }, (_, a) => Array.from({ length: T }, () => { const u = rnd(); return u < 0.05 ? NaN : a % 2 ? Math.round(u * 5) : 100 + (u - 0.5) * 3; }));
  const p = mk({ close: cols });
  for (const d of [1, 2, 3, 5, 10, 17]) {
    for (const [op, f] of Object.entries(NAIVE)) {
      const out = evaluate(`${op}(close, ${d})`, p);
      for (let a = 0; a < N; a++) {
        const exp = cols[a]!.map((_, t) => { const w = naiveWindow(cols[a]!, t, d); return w ? f(w) : NaN; });
        close(col(out, N, a), exp, 1e-9);
      }
    }
  }
});

test('ts_cov / ts_corr / ts_regression equal naive two-pass computations', () => {
  const rnd = lcg(9);
  const T = 90, N = 4;
  const xs = Array.from({ length: N }, (_, a) => Array.from({ length: T }, () => { const u = rnd(); return u < 0.04 ? NaN : a === 3 ? Math.round(u * 2) : 50 + 10 * u; }));
  const ys = Array.from({ length: N }, () => Array.from({ length: T }, () => { const u = rnd(); return u < 0.04 ? NaN : 1000 + u; }));
  const p = mk({ close: xs, open: ys });
  for (const d of [2, 5, 12]) {
    const cov = evaluate(`ts_cov(close, open, ${d})`, p), corr = evaluate(`ts_corr(close, open, ${d})`, p), beta = evaluate(`ts_regression(open, close, ${d}, 2)`, p);
    for (let a = 0; a < N; a++) {
      const ec: number[] = [], er: number[] = [], eb: number[] = [];
      for (let t = 0; t < T; t++) {
        const wx = naiveWindow(xs[a]!, t, d), wy = naiveWindow(ys[a]!, t, d);
        if (!wx || !wy) { ec.push(NaN); er.push(NaN); eb.push(NaN); continue; }
        const mx = wx.reduce((s, v) => s + v, 0) / d, my = wy.reduce((s, v) => s + v, 0) / d;
        let sxy = 0, sxx = 0, syy = 0;
        for (let i = 0; i < d; i++) { sxy += (wx[i]! - mx) * (wy[i]! - my); sxx += (wx[i]! - mx) ** 2; syy += (wy[i]! - my) ** 2; }
        const cx = wx.every((v) => v === wx[0]), cy = wy.every((v) => v === wy[0]);
        ec.push(cx || cy ? 0 : sxy / (d - 1));
        er.push(cx || cy ? NaN : sxy / Math.sqrt(sxx * syy));
        eb.push(cx ? NaN : sxy / sxx);
      }
      close(col(cov, N, a), ec, 1e-8);
      close(col(corr, N, a), er, 1e-8);
      close(col(beta, N, a), eb, 1e-8);
    }
  }
});

test('rolling std keeps precision on large levels with tiny variance (vs naive two-pass)', () => {
  const rnd = lcg(3);
  const T = 2000;
  const x = Array.from({ length: T }, () => 1e6 + Math.round(rnd() * 1000) / 1e4); // level 1e6, std ~0.03
  const out = ts1('ts_std(close, 20)', x);
  let worst = 0;
  for (let t = 19; t < T; t++) {
    const w = x.slice(t - 19, t + 1);
    const m = w.reduce((s, v) => s + v, 0) / 20;
    const sd = Math.sqrt(w.reduce((s, v) => s + (v - m) ** 2, 0) / 19);
    worst = Math.max(worst, Math.abs(out[t]! - sd) / sd);
  }
  assert.ok(worst < 1e-6, `worst relative error ${worst}`);
});

test('every registered non-indicator operator is in the hand-computed list of this file (indicators: expr-indicators)', () => {
  const covered = new Set(['add', 'sub', 'mul', 'div', 'pow', 'neg', 'abs', 'log', 'sqrt', 'exp', 'sign', 'signed_power', 'min', 'max', 'lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or', 'not', 'if_else', 'where', 'nan', 'clip', 'rank', 'zscore', 'demean', 'scale', 'winsorize', 'quantile', 'group_neutralize', 'group_mean', 'group_zscore', 'group_rank', 'delay', 'delta', 'ts_sum', 'ts_mean', 'ts_product', 'ts_min', 'ts_max', 'ts_argmin', 'ts_argmax', 'ts_std', 'ts_rank', 'decay_linear', 'ts_zscore', 'ts_skew', 'ts_cov', 'ts_corr', 'ts_regression']);
  for (const op of OPERATORS) {
    assert.ok(op.description.length > 10, `${op.name} has no description`);
    if (op.kind !== 'indicator') assert.ok(covered.has(op.name), `operator ${op.name} has no hand-computed test`);
  }
});

test('cancellation guard: after a huge value leaves the window, rolling sums and std are exact again', () => {
  const x = [1, 2, 1e15, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const mean = ts1('ts_mean(close, 3)', x);
  const sd = ts1('ts_std(close, 3)', x);
  for (let t = 5; t < x.length; t++) {
    const w = x.slice(t - 2, t + 1);
    assert.equal(mean[t], (w[0]! + w[1]! + w[2]!) / 3, `mean at ${t}`);
    assert.ok(Math.abs(sd[t]! - 1) < 1e-12, `std at ${t}: ${sd[t]}`);
  }
});

test('ts_cov / ts_corr / ts_regression of a series with itself (one shared input array)', () => {
  const x = [1, 2, 4, 4, 7, 3];
  const sd = ts1('ts_std(close, 3)', x);
  close(ts1('ts_cov(close, close, 3)', x), sd.map((v) => v * v), 1e-12);
  close(ts1('ts_corr(close, close, 3)', x), [N_, N_, 1, 1, 1, 1], 1e-12);
  close(ts1('ts_regression(close, close, 3, 2)', x), [N_, N_, 1, 1, 1, 1], 1e-12);
  close(ts1('ts_regression(close, close, 3, 0)', x), [N_, N_, 0, 0, 0, 0], 1e-12);
});
