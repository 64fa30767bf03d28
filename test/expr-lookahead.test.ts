/**
 * No look-ahead, for every registered operator and indicator (iterating the
 * registry) and for the Alpha101 set: changing any data after bar t leaves
 * every value at or before t unchanged. Also: the declared lookback is enough
 * (evaluating a row range from `start - lookback` gives the full-history
 * values) for every operator without recursive state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALPHA101, evaluate, evaluateRange, lookback, OPERATORS } from '../lib/expr/index.js';
import type { OpSpec } from '../lib/expr/index.js';
import type { Panel } from '../lib/data/panel.js';

const T = 70, N = 6;

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function makePanel(seed: number, nanRate: number): Panel {
  const rnd = lcg(seed);
  const close = new Float64Array(T * N), open = new Float64Array(T * N), high = new Float64Array(T * N), low = new Float64Array(T * N), volume = new Float64Array(T * N), lab = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    let c = 50 + 10 * a;
    for (let t = 0; t < T; t++) {
      const i = t * N + a;
      c *= 1 + (rnd() - 0.5) * 0.06;
      const o = c * (1 + (rnd() - 0.5) * 0.02);
      close[i] = Math.round(c * 100) / 100; // ties happen
      open[i] = o;
      high[i] = Math.max(c, o) * (1 + rnd() * 0.01);
      low[i] = Math.min(c, o) * (1 - rnd() * 0.01);
      volume[i] = Math.round(1e5 * (1 + rnd()));
      lab[i] = (a + (t > 30 ? 1 : 0)) % 3;
      if (rnd() < nanRate) close[i] = NaN;
      if (rnd() < nanRate) volume[i] = NaN;
    }
  }
  return {
    dataset: `synthetic-${seed}`, frequency: '1d', market: 'equity',
    times: Float64Array.from({ length: T }, (_, i) => Date.UTC(2020, 0, 1) + i * 86_400_000),
    assets: Array.from({ length: N }, (_, i) => `S${i}`),
    fields: { close, open, high, low, volume, lab },
    groups: { sector: ['x', 'x', 'y', 'y', 'y', 'z'] },
  };
}

/** Every field value after row t replaced (different random values and some NaN). */
function perturbAfter(p: Panel, t: number, seed: number): Panel {
  const rnd = lcg(seed);
  const fields: Record<string, Float64Array> = {};
  for (const [k, f] of Object.entries(p.fields)) {
    const g = f.slice();
    for (let i = (t + 1) * N; i < g.length; i++) g[i] = rnd() < 0.1 ? NaN : k === 'lab' ? Math.floor(rnd() * 4) : (g[i]! === g[i]! ? g[i]! : 50) * (0.5 + rnd());
    fields[k] = g;
  }
  return { ...p, fields };
}

const SERIES_FOR: Record<string, string> = { x: 'close', y: 'open', a: 'volume / 100000', cond: 'close - open', lo: 'low', hi: 'high', high: 'high', low: 'low', close: 'close', volume: 'volume' };

/** A representative call of an operator: series arguments from fields, windows/numbers at small values. */
function sample(op: OpSpec, variant: number): string {
  const args = op.args.map((a, k) => {
    if (a.kind === 'series') return SERIES_FOR[a.name] ?? ['close', 'open', 'volume'][k % 3]!;
    if (a.kind === 'group') return variant === 0 ? 'sector' : 'lab';
    if (a.kind === 'window') return String(a.default !== undefined ? Math.min(a.default, 9) : [3, 5][variant]!);
    return String(a.default ?? 2);
  });
  return `${op.name}(${args.join(', ')})`;
}

function sameUpTo(a: Float64Array, b: Float64Array, t: number, what: string): void {
  for (let i = 0; i < (t + 1) * N; i++) {
    if (!Object.is(a[i], b[i]) && !(a[i] === 0 && b[i] === 0)) assert.fail(`${what}: value at row ${Math.floor(i / N)}, asset ${i % N} changed from ${a[i]} to ${b[i]} when data after row ${t} changed`);
  }
}

const CUTS = [0, 7, 23, 41, 68];

test('no look-ahead: every registered operator and indicator', () => {
  let checked = 0;
  for (const nanRate of [0, 0.05]) {
    const base = makePanel(11, nanRate);
    for (const op of OPERATORS) {
      for (const variant of [0, 1]) {
        const src = sample(op, variant);
        const full = evaluate(src, base);
        for (const t of CUTS) {
          sameUpTo(full, evaluate(src, perturbAfter(base, t, 100 + t)), t, src);
          checked++;
        }
      }
    }
  }
  assert.ok(checked >= OPERATORS.length * 2 * CUTS.length * 2);
});

test('no look-ahead: composed expressions, derived fields and the Alpha101 set', () => {
  const base = makePanel(5, 0.03);
  const exprs = [...Object.values(ALPHA101), 'returns', 'vwap', 'adv5', 'group_rank(ts_mean(returns, 5), sector)', 'rsi(rank(close), 5) + ts_corr(rsi(close, 3), volume, 4)', 'ts_regression(returns, delay(returns, 1), 10, 0)', 'if_else(ts_rank(close, 5) > 0.5, zscore(volume), -scale(close))'];
  for (const src of exprs) {
    const full = evaluate(src, base);
    for (const t of [10, 30, 55]) sameUpTo(full, evaluate(src, perturbAfter(base, t, 7 * t)), t, src);
  }
});

const RECURSIVE = new Set(['ema', 'rsi', 'macd', 'macd_signal', 'macd_hist', 'atr', 'adx', 'obv']);

test('the declared lookback is enough: evaluateRange from start - lookback equals the full evaluation', () => {
  const base = makePanel(23, 0);
  for (const op of OPERATORS) {
    if (RECURSIVE.has(op.name)) continue;
    for (const src of [sample(op, 0), `ts_mean(${sample(op, 1)}, 3)`, `delta(${sample(op, 0)}, 2)`]) {
      const full = evaluate(src, base);
      const lb = lookback(src);
      for (const start of [lb, lb + 5, 40]) {
        if (start >= T) continue;
        const part = evaluateRange(src, base, start, T);
        const ref = full.subarray(start * N);
        assert.equal(part.length, ref.length);
        for (let i = 0; i < ref.length; i++) {
          if (!Object.is(part[i], ref[i]) && Math.abs(part[i]! - ref[i]!) > 1e-7 * Math.max(1, Math.abs(ref[i]!))) assert.fail(`${src} (lookback ${lb}): row ${start + Math.floor(i / N)} asset ${i % N}: range ${part[i]} vs full ${ref[i]}`);
        }
      }
      // and one bar less history is not always enough for a windowed expression: its first valid row needs it
      if (lb > 0) {
        const first = evaluateRange(src, base, lb, lb + 1);
        assert.ok(Array.from(first).some((v) => !Number.isNaN(v)) || Array.from(full.subarray(lb * N, (lb + 1) * N)).every((v) => Number.isNaN(v)), `${src}: no value at its lookback row`);
      }
    }
  }
});
