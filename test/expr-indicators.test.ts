/**
 * Technical indicators (technicalindicators 3.1.0 wrapped per asset): checked
 * against independent hand computations (SMA, EMA, WMA, RSI, ATR, Bollinger,
 * MACD vs EMA difference, OBV), warm-up alignment and NaN-gap handling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, lookback } from '../lib/expr/index.js';
import type { Panel } from '../lib/data/panel.js';

function one(close: number[], extra: Record<string, number[]> = {}): Panel {
  const fields: Record<string, Float64Array> = { close: Float64Array.from(close) };
  for (const [k, v] of Object.entries(extra)) fields[k] = Float64Array.from(v);
  return { frequency: '1d', market: 'equity', times: Float64Array.from(close.map((_, i) => i * 86_400_000)), assets: ['X'], fields };
}

function near(actual: Float64Array | number[], expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    const v = actual[i]!;
    if (Number.isNaN(e)) assert.ok(Number.isNaN(v), `index ${i}: expected NaN, got ${v}`);
    else assert.ok(Math.abs(v - e) <= tol, `index ${i}: expected ${e}, got ${v}`);
  });
}

const C = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03, 46.41, 46.22, 45.64];

function smaRef(x: number[], d: number): number[] {
  return x.map((_, t) => (t < d - 1 ? NaN : x.slice(t - d + 1, t + 1).reduce((s, v) => s + v, 0) / d));
}

function emaRef(x: number[], d: number): number[] {
  const out: number[] = [];
  const a = 2 / (d + 1);
  let prev = NaN;
  x.forEach((v, t) => {
    if (t < d - 1) { out.push(NaN); return; }
    prev = t === d - 1 ? x.slice(0, d).reduce((s, u) => s + u, 0) / d : a * v + (1 - a) * prev;
    out.push(prev);
  });
  return out;
}

test('SMA, EMA, WMA equal hand computations; first value at bar d - 1', () => {
  const p = one(C);
  near(evaluate('sma(close, 5)', p), smaRef(C, 5), 1e-9);
  near(evaluate('ema(close, 5)', p), emaRef(C, 5), 1e-9);
  const wma = C.map((_, t) => (t < 3 ? NaN : (C[t - 3]! + 2 * C[t - 2]! + 3 * C[t - 1]! + 4 * C[t]!) / 10));
  near(evaluate('wma(close, 4)', p), wma, 1e-9);
  assert.equal(lookback('sma(close, 5)'), 4);
  assert.equal(lookback('ema(close, 5)'), 4);
  assert.equal(lookback('wma(close, 4)'), 3);
});

test("RSI equals Wilder's RSI computed by hand (package rounds to 2 decimals); first value at bar d", () => {
  const d = 14;
  const ref: number[] = C.map(() => NaN);
  let ag = 0, al = 0;
  for (let t = 1; t < C.length; t++) {
    const ch = C[t]! - C[t - 1]!;
    const g = Math.max(ch, 0), l = Math.max(-ch, 0);
    if (t <= d) { ag += g / d; al += l / d; } else { ag = (ag * (d - 1) + g) / d; al = (al * (d - 1) + l) / d; }
    if (t >= d) ref[t] = al === 0 ? 100 : 100 - 100 / (1 + ag / al);
  }
  near(evaluate('rsi(close, 14)', one(C)), ref, 0.0051);
  assert.equal(lookback('rsi(close, 14)'), 14);
  assert.ok(Math.abs(ref[14]! - 70.46) < 0.01, `textbook value (StockCharts RSI example) ${ref[14]}`);
});

test("ATR equals Wilder's smoothing of the true range computed by hand; first value at bar d", () => {
  const H = C.map((c, i) => c + 0.3 + (i % 3) * 0.2);
  const L = C.map((c, i) => c - 0.4 - (i % 2) * 0.25);
  const d = 5;
  const tr = C.map((_, t) => (t === 0 ? NaN : Math.max(H[t]! - L[t]!, Math.abs(H[t]! - C[t - 1]!), Math.abs(L[t]! - C[t - 1]!))));
  const ref: number[] = C.map(() => NaN);
  let atr = NaN;
  for (let t = 1; t < C.length; t++) {
    if (t === d) atr = tr.slice(1, d + 1).reduce((s, v) => s + v, 0) / d;
    else if (t > d) atr = (atr * (d - 1) + tr[t]!) / d;
    if (t >= d) ref[t] = atr;
  }
  near(evaluate('atr(high, low, close, 5)', one(C, { high: H, low: L })), ref, 1e-9);
  assert.equal(lookback('atr(high, low, close, 5)'), 5);
});

test('Bollinger %B and bandwidth from SMA +- k population std; MACD line = EMA(fast) - EMA(slow); OBV', () => {
  const p = one(C, { volume: C.map((_, i) => 1000 + 10 * i) });
  const d = 5, k = 2;
  const pb: number[] = [], bw: number[] = [];
  C.forEach((v, t) => {
    if (t < d - 1) { pb.push(NaN); bw.push(NaN); return; }
    const w = C.slice(t - d + 1, t + 1), m = w.reduce((s, u) => s + u, 0) / d;
    const sd = Math.sqrt(w.reduce((s, u) => s + (u - m) ** 2, 0) / d);
    pb.push((v - (m - k * sd)) / (2 * k * sd));
    bw.push((2 * k * sd) / m);
  });
  near(evaluate('bb_percent_b(close, 5, 2)', p), pb, 1e-9);
  near(evaluate('bb_bandwidth(close, 5, 2)', p), bw, 1e-9);
  const e3 = emaRef(C, 3), e6 = emaRef(C, 6);
  near(evaluate('macd(close, 3, 6, 2)', p), C.map((_, t) => e3[t]! - e6[t]!), 1e-9);
  const vol = C.map((_, i) => 1000 + 10 * i);
  let obv = 0;
  const ref = C.map((c, t) => { if (t === 0) return NaN; obv += c > C[t - 1]! ? vol[t]! : c < C[t - 1]! ? -vol[t]! : 0; return obv; });
  near(evaluate('obv(close, volume)', p), ref, 1e-9);
});

test('indicators restart their warm-up after a NaN gap and are NaN on missing bars', () => {
  const x = [...C.slice(0, 8), NaN, ...C.slice(9)];
  const out = evaluate('sma(close, 3)', one(x));
  const ref = smaRef(x, 3); // strict SMA: NaN where the window holds the gap
  near(out, ref, 1e-9);
  const rsi = evaluate('rsi(close, 3)', one(x));
  for (let t = 8; t <= 11; t++) assert.ok(Number.isNaN(rsi[t]!), `rsi at ${t} should be NaN (gap at 8, warm-up 3)`);
  assert.ok(Number.isFinite(rsi[12]!));
  // the run after the gap equals the indicator computed on that run alone
  const tail = evaluate('rsi(close, 3)', one(C.slice(9)));
  near(Array.from(rsi.subarray(9)), Array.from(tail), 1e-12);
});

test('every indicator output lies in its documented range on a real-looking series', () => {
  const H = C.map((c) => c + 0.5), L = C.map((c) => c - 0.5), V = C.map((_, i) => 100 + i);
  const p = one(C, { high: H, low: L, volume: V });
  for (const [e, lo, hi] of [['rsi(close, 5)', 0, 100], ['stoch_k(high, low, close, 5, 3)', 0, 100], ['stoch_d(high, low, close, 5, 3)', 0, 100], ['adx(high, low, close, 3)', 0, 100], ['mfi(high, low, close, volume, 5)', 0, 100]] as const) {
    const out = evaluate(e, p);
    const finite = Array.from(out).filter((v) => !Number.isNaN(v));
    assert.ok(finite.length > 0, `${e} produced no values`);
    for (const v of finite) assert.ok(v >= lo && v <= hi, `${e}: ${v} outside [${lo}, ${hi}]`);
    const first = Array.from(out).findIndex((v) => !Number.isNaN(v));
    assert.equal(first, lookback(e), `${e}: first value at ${first}, lookback ${lookback(e)}`);
  }
});

test('stochastic %K/%D, CCI and MFI equal hand computations', () => {
  const H = C.map((c, i) => c + 0.2 + (i % 4) * 0.15);
  const L = C.map((c, i) => c - 0.3 - (i % 3) * 0.1);
  const V = C.map((_, i) => 1000 + 37 * ((i * 7) % 11));
  const p = one(C, { high: H, low: L, volume: V });
  const d = 5, s = 3;
  const k = C.map((c, t) => {
    if (t < d - 1) return NaN;
    const hh = Math.max(...H.slice(t - d + 1, t + 1)), ll = Math.min(...L.slice(t - d + 1, t + 1));
    return (100 * (c - ll)) / (hh - ll);
  });
  near(evaluate('stoch_k(high, low, close, 5, 3)', p), k, 1e-9);
  const dd = k.map((_, t) => (t < d - 1 + s - 1 ? NaN : (k[t]! + k[t - 1]! + k[t - 2]!) / 3));
  near(evaluate('stoch_d(high, low, close, 5, 3)', p), dd, 1e-9);
  const tp = C.map((c, i) => (H[i]! + L[i]! + c) / 3);
  const cci = tp.map((x, t) => {
    if (t < d - 1) return NaN;
    const w = tp.slice(t - d + 1, t + 1), m = w.reduce((a, b) => a + b, 0) / d;
    const md = w.reduce((a, b) => a + Math.abs(b - m), 0) / d;
    return (x - m) / (0.015 * md);
  });
  near(evaluate('cci(high, low, close, 5)', p), cci, 1e-9);
  // MFI: money flow tp*volume, positive when tp rises vs the previous bar, over d flows; the package rounds to 2 decimals
  const mfi = tp.map((_, t) => {
    if (t < d) return NaN;
    let pos = 0, neg = 0;
    for (let u = t - d + 1; u <= t; u++) { const f = tp[u]! * V[u]!; if (tp[u]! > tp[u - 1]!) pos += f; else if (tp[u]! < tp[u - 1]!) neg += f; }
    return 100 - 100 / (1 + pos / neg);
  });
  const got = evaluate('mfi(high, low, close, volume, 5)', p);
  const first = Array.from(got).findIndex((v) => !Number.isNaN(v));
  assert.equal(first, lookback('mfi(high, low, close, volume, 5)'));
  for (let t = first; t < C.length; t++) assert.ok(Math.abs(got[t]! - mfi[t]!) <= 0.0051, `mfi at ${t}: ${got[t]} vs ${mfi[t]}`);
});

test("ADX equals Wilder's directional movement computed by hand; first value at bar 2d - 1", () => {
  const H = C.map((c, i) => c + 0.25 + ((i * 5) % 7) * 0.05);
  const L = C.map((c, i) => c - 0.2 - ((i * 3) % 5) * 0.06);
  const d = 4;
  const n = C.length;
  const tr: number[] = [NaN], pdm: number[] = [NaN], mdm: number[] = [NaN];
  for (let t = 1; t < n; t++) {
    tr.push(Math.max(H[t]! - L[t]!, Math.abs(H[t]! - C[t - 1]!), Math.abs(L[t]! - C[t - 1]!)));
    const up = H[t]! - H[t - 1]!, down = L[t - 1]! - L[t]!;
    pdm.push(up > down && up > 0 ? up : 0);
    mdm.push(down > up && down > 0 ? down : 0);
  }
  // Wilder smoothing of sums: first = sum of bars 1..d, then S - S/d + x
  const smooth = (x: number[]) => { const out: number[] = x.map(() => NaN); let s = 0; for (let t = 1; t < n; t++) { if (t < d) { s += x[t]!; continue; } s = t === d ? s + x[t]! : s - s / d + x[t]!; out[t] = s; } return out; };
  const str = smooth(tr), sp = smooth(pdm), sm = smooth(mdm);
  const dx = str.map((v, t) => { if (Number.isNaN(v)) return NaN; const p = (100 * sp[t]!) / v, m = (100 * sm[t]!) / v; return (100 * Math.abs(p - m)) / (p + m); });
  const adx: number[] = dx.map(() => NaN);
  let a = NaN;
  for (let t = d; t < n; t++) {
    if (t < 2 * d - 1) continue;
    a = t === 2 * d - 1 ? dx.slice(d, 2 * d).reduce((s, v) => s + v, 0) / d : (a * (d - 1) + dx[t]!) / d;
    adx[t] = a;
  }
  near(evaluate('adx(high, low, close, 4)', one(C, { high: H, low: L })), adx, 1e-6);
  assert.equal(lookback('adx(high, low, close, 4)'), 2 * d - 1);
});
