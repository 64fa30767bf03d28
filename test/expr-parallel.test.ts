/**
 * Parallel evaluation on worker threads (lib/expr/parallel.ts): results equal
 * `evaluate` bit for bit with 1, 2 and 3 threads (the Alpha101 set,
 * indicators, group operators, repeated and constant expressions, a panel
 * reused across calls), dispatch is longest first, and a failing expression
 * rejects with an error naming it while the pool stays usable; a thread that
 * dies fails the pool naming the expression it ran.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALPHA101, createExprThreadPool, evaluate, evaluateParallel, ExprError } from '../lib/expr/index.js';
import { estimateCost } from '../lib/expr/parallel.js';
import type { ParallelStats } from '../lib/expr/parallel.js';
import { normalize, parse } from '../lib/expr/parser.js';
import type { Panel } from '../lib/data/panel.js';
import { Rng } from '../lib/stats/rng.js';

/** A small OHLCV panel with NaN gaps, ties and a sector group. */
function ohlcvPanel(T: number, N: number, seed: number): Panel {
  const rng = new Rng(seed);
  const f = { open: new Float64Array(T * N), high: new Float64Array(T * N), low: new Float64Array(T * N), close: new Float64Array(T * N), volume: new Float64Array(T * N) };
  for (let a = 0; a < N; a++) {
    let c = 20 + 80 * rng.random();
    for (let t = 0; t < T; t++) {
      const i = t * N + a;
      const o = c;
      c = rng.random() < 0.1 ? c : c * (1 + 0.03 * (rng.random() - 0.5));
      f.open[i] = o; f.close[i] = c;
      f.high[i] = Math.max(o, c) * (1 + 0.01 * rng.random());
      f.low[i] = Math.min(o, c) * (1 - 0.01 * rng.random());
      f.volume[i] = Math.round(1e5 * (1 + rng.random()));
      if (rng.random() < 0.03) for (const k of Object.keys(f) as (keyof typeof f)[]) f[k][i] = NaN;
    }
  }
  const times = Float64Array.from({ length: T }, (_, t) => Date.UTC(2020, 0, 1) + t * 86_400_000);
  const assets = Array.from({ length: N }, (_, a) => `S${a}`);
  return { frequency: '1d', market: 'equity', times, assets, fields: f, groups: { sector: assets.map((_, a) => `g${a % 3}`) } };
}

const EXTRA = ['rsi(close, 14)', 'macd_hist(close)', 'atr(high, low, close, 5)', 'group_neutralize(returns, sector)', 'close', '3', 'rank(close)', 'rank(close)'];

function sameBits(got: Float64Array, want: Float64Array, label: string): void {
  assert.equal(got.length, want.length, label);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${label} cell ${i}: parallel ${got[i]} vs evaluate ${want[i]}`);
}

test('evaluateParallel equals evaluate bit for bit with 1, 2 and 3 threads (Alpha101 set, indicators, groups, repeats, constants)', async () => {
  const panel = ohlcvPanel(90, 14, 5);
  const exprs = [...Object.values(ALPHA101), ...EXTRA];
  const want = exprs.map((e) => evaluate(e, panel));
  for (const workers of [1, 2, 3]) {
    const stats = {} as ParallelStats;
    const got = await evaluateParallel(exprs, panel, { workers, stats });
    assert.equal(got.length, exprs.length);
    exprs.forEach((e, i) => sameBits(got[i]!, want[i]!, `${workers} threads, ${e}`));
    assert.equal(stats.threads, workers);
    assert.deepEqual([...stats.order].sort((a, b) => a - b), exprs.map((_, i) => i), 'every expression dispatched once');
    const costs = stats.order.map((i) => estimateCost(normalize(parse(exprs[i]!))));
    for (let k = 1; k < costs.length; k++) assert.ok(costs[k - 1]! >= costs[k]!, 'longest estimate first');
    assert.ok(got.every((r) => r.buffer instanceof SharedArrayBuffer), 'results are views on shared buffers');
  }
});

test('a pool is reused across calls and panels; a failing expression rejects naming it and the pool keeps working', async () => {
  const pool = await createExprThreadPool(2);
  try {
    await pool.ready();
    const p1 = ohlcvPanel(40, 6, 1), p2 = ohlcvPanel(50, 7, 2);
    for (const p of [p1, p2, p1]) {
      const exprs = ['ts_corr(rank(open), rank(volume), 5)', 'decay_linear(returns, 4)', 'ts_rank(vwap, 6)'];
      const got = await pool.evaluateMany(exprs, p);
      exprs.forEach((e, i) => sameBits(got[i]!, evaluate(e, p), e));
    }
    await assert.rejects(pool.evaluateMany(['rank(close)', 'ts_mean(clsoe, 5)', 'delta(close, 2)'], p1), (err: unknown) => {
      assert.ok(err instanceof ExprError, 'an ExprError');
      assert.match(err.message, /^expression 1 \(ts_mean\(clsoe, 5\)\): unknown field clsoe at 8: did you mean close\?/);
      assert.equal(err.position, 8);
      return true;
    });
    await assert.rejects(pool.evaluateMany(['rank(close)', 'ts_mean(close'], p1), /expression 1: /, 'a parse error names the index before any thread runs');
    const after = await pool.evaluateMany(['rank(close)'], p1);
    sameBits(after[0]!, evaluate('rank(close)', p1), 'after a failure');
    assert.deepEqual(await pool.evaluateMany([], p1), []);
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.evaluateMany(['close'], ohlcvPanel(5, 2, 3)), /closed/);
  await assert.rejects(evaluateParallel(['close'], ohlcvPanel(5, 2, 3), { workers: 0 }), RangeError);
});

test('estimateCost: ranks and rolling correlations weigh more than element-wise chains; repeats counted once', () => {
  assert.equal(estimateCost(parse('close')), 0);
  assert.equal(estimateCost(parse('rank(close)')), 8);
  assert.equal(estimateCost(parse('ts_corr(close, volume, 10)')), 6);
  assert.equal(estimateCost(parse('add(rank(close), rank(close))')), 9);
  assert.ok(estimateCost(parse('ts_corr(rank(open), rank(volume), 10)')) > estimateCost(parse('close / open - 1 + high * low')));
});

test('a thread that dies fails the pool with an error naming the expression it was running', async () => {
  const pool = await createExprThreadPool(1);
  try {
    await pool.ready();
    const panel = ohlcvPanel(300, 40, 9);
    const running = pool.evaluateMany(['ts_corr(rank(ts_rank(close, 20)), rank(volume), 30)'], panel);
    // the task was dispatched synchronously by the call; kill its thread (reaching into the pool: there is no public way to crash one)
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await slots[0]!.worker.terminate();
    await assert.rejects(running, /^Error: expression thread 0 exited \(code 1\) while evaluating expression 0 \(ts_corr\(rank\(ts_rank\(close, 20\)\), rank\(volume\), 30\)\)/);
    await assert.rejects(pool.evaluateMany(['close'], panel), /expression thread 0 exited/, 'the pool stays failed');
  } finally {
    await pool.close();
  }
});
