/**
 * Token formulas (stack VM), conversion both ways, and the evaluator's shared
 * subexpressions and result cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALPHA101, call, canonical, evaluate, evaluateMany, evaluateTokens, ExprCache, ExprError, fieldRef, fromTokens, num, toTokens, getOperator, validate, parse } from '../lib/expr/index.js';
import type { EvalStats } from '../lib/expr/index.js';
import type { Panel } from '../lib/data/panel.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function panel(seed = 1, T = 40, N = 5): Panel {
  const rnd = lcg(seed);
  const f = (base: number) => Float64Array.from({ length: T * N }, () => base * (1 + rnd()));
  return { dataset: 'vm-test', frequency: '1d', market: 'equity', times: Float64Array.from({ length: T }, (_, i) => i * 86_400_000), assets: Array.from({ length: N }, (_, i) => `Z${i}`), fields: { open: f(10), high: f(11), low: f(9), close: f(10), volume: f(1e5) } };
}

function sameArray(a: Float64Array, b: Float64Array): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `index ${i}: ${a[i]} vs ${b[i]}`);
}

test('the issue example: [close, 5, ts_mean, volume, rank, mul]', () => {
  const tokens = ['close', '5', 'ts_mean', 'volume', 'rank', 'mul'];
  const e = fromTokens(tokens);
  assert.equal(canonical(e), 'rank(volume) * ts_mean(close, 5)');
  const p = panel();
  sameArray(evaluateTokens(tokens, p), evaluate('ts_mean(close, 5) * rank(volume)', p));
});

test('toTokens / fromTokens round-trip every Alpha101 expression, and the VM runs the same evaluator', () => {
  const p = panel(3, 60, 6);
  for (const [name, src] of Object.entries(ALPHA101)) {
    const tokens = toTokens(src);
    assert.equal(canonical(fromTokens(tokens)), canonical(src), name);
    assert.deepEqual(toTokens(fromTokens(tokens)), tokens, name);
    for (const t of tokens) assert.ok(/^-?[\d.]/.test(t) || getOperator(t) || ['open', 'high', 'low', 'close', 'volume', 'returns', 'vwap', 'adv20'].includes(t), `${name}: token ${t}`);
  }
  for (const name of ['alpha001', 'alpha009', 'alpha017', 'alpha041']) sameArray(evaluateTokens(toTokens(ALPHA101[name]!), p), evaluate(ALPHA101[name]!, p));
  assert.deepEqual(toTokens('(close > open) ? -1 : scale(close)'), ['close', 'open', 'gt', '-1', 'close', '1', 'scale', 'if_else']);
});

test('VM validity checks: underflow, leftover values, length limit, invalid tokens, argument kinds', () => {
  const fails = (tokens: string[], re: RegExp, position: number, opts = {}) => assert.throws(() => fromTokens(tokens, opts), (e: unknown) => {
    assert.ok(e instanceof ExprError);
    assert.match(e.message, re);
    assert.equal(e.position, position, e.message);
    return true;
  });
  fails(['close', 'ts_mean'], /stack underflow at token 1 \(ts_mean\): ts_mean needs 2 operands, the stack holds 1/, 1);
  fails(['close', 'add'], /stack underflow/, 1);
  fails(['close', 'open'], /leaves 2 values on the stack, expected exactly 1/, 2);
  fails([], /empty token formula/, 0);
  fails(Array.from({ length: 300 }, () => 'close'), /too long: 300 tokens, the maximum is 256/, 256);
  fails(['close', 'abs'], /too long/, 1, { maxLength: 1 });
  fails(['close', '$'], /invalid token "\$" at 1/, 1);
  fails(['close', '0.5', 'ts_mean'], /window must be a positive integer, got 0\.5 .*token 2: ts_mean/, 2);
  fails(['close', 'volume', 'ts_mean'], /window must be a positive integer literal/, 2);
  fails(['close', '3', 'group_rank'], /must be a group name/, 2);
  assert.equal(canonical(fromTokens(['close', '5.7', 'ts_mean'])), 'ts_mean(close, 5)');
  assert.equal(canonical(fromTokens(['close', 'STDDEV'].slice(0, 1).concat(['20', 'STDDEV']))), 'ts_std(close, 20)');
});

test('shared subexpressions are computed once', () => {
  const p = panel();
  const stats: EvalStats = { nodes: 0, computed: 0, cacheHits: 0 };
  evaluate('rank(delta(close, 1)) + rank(delta(close, 1)) * delta(close, 1)', p, { stats });
  // distinct operator nodes: delta, rank, mul, add = 4
  assert.equal(stats.computed, 4);
  evaluate(ALPHA101.alpha009!, p, { stats });
  // delta(close,1), ts_min, lt, ts_max, lt, neg/mul(-1, .), if_else, if_else = 8 (delta computed once though written 5 times)
  assert.equal(stats.computed, 8);
  // commutative spelling variants are one node
  evaluate('close * volume + volume * close', p, { stats });
  assert.equal(stats.computed, 2);
});

test('results are cached by canonical expression and panel identity, and callers get their own copy', () => {
  const p = panel(), q = panel(2);
  const cache = new ExprCache();
  const stats: EvalStats = { nodes: 0, computed: 0, cacheHits: 0 };
  const a = evaluate('ts_mean(close, 5) * rank(volume)', p, { cache, stats });
  assert.equal(stats.computed, 3);
  const b = evaluate('rank(volume) * ts_mean(close, 5.5)', p, { cache, stats });
  assert.equal(stats.computed, 0);
  assert.equal(stats.cacheHits, 1);
  sameArray(a, b);
  b[0] = 12345;
  const c = evaluate('rank(volume)*ts_mean(close,5)', p, { cache });
  assert.notEqual(c[0], 12345);
  sameArray(a, c);
  // another panel (even with the same dataset name) is another key
  evaluate('ts_mean(close, 5) * rank(volume)', q, { cache, stats });
  assert.equal(stats.computed, 3);
  assert.equal(cache.size, 2);
  // a cached subexpression is reused inside a larger expression
  evaluate('abs(ts_mean(close, 5) * rank(volume))', p, { cache, stats });
  assert.equal(stats.cacheHits, 1);
  // byte bound: a cache smaller than one result keeps nothing
  const tiny = new ExprCache(100);
  evaluate('close + 1', p, { cache: tiny });
  assert.equal(tiny.size, 0);
});

test('evaluation without a cache does not depend on call order (buffer recycling is invisible)', () => {
  const p = panel(9, 50, 7);
  const first = Object.values(ALPHA101).slice(0, 12).map((s) => evaluate(s, p));
  Object.values(ALPHA101).slice(12, 30).forEach((s) => evaluate(s, p));
  Object.values(ALPHA101).slice(0, 12).forEach((s, k) => sameArray(evaluate(s, p), first[k]!));
});

test('hand-built ASTs are checked before evaluation', () => {
  const p = panel();
  sameArray(evaluate(call('ts_mean', [fieldRef('close'), num(3)]), p), evaluate('ts_mean(close, 3)', p));
  assert.throws(() => evaluate(call('ts_avg', [fieldRef('close'), num(3)]), p), /unknown operator ts_avg/);
  assert.throws(() => evaluate(call('ts_mean', [fieldRef('close')]), p), /ts_mean expects 2 arguments, got 1/);
  assert.throws(() => evaluate(call('ts_mean', [fieldRef('close'), fieldRef('open')]), p), /argument d must be a number literal/);
  assert.throws(() => evaluate(call('ts_mean', [fieldRef('close'), num(2.5)]), p), /window must be a positive integer, got 2.5/);
  assert.throws(() => evaluate(fieldRef('a;b'), p), /invalid name/);
  const broken = { ...p, fields: { ...p.fields, close: new Float64Array(3) } };
  assert.throws(() => evaluate('rank(close)', broken), /panel field close has length 3, expected 40 dates x 5 assets = 200 at 5/);
  assert.throws(() => evaluate('returns', broken), /panel field close has length 3/);
  const noGroups = validate('group_rank(close, sector)');
  assert.equal(noGroups.ok, false);
  assert.throws(() => evaluate('group_rank(close, sector)', p), /unknown group sector at 18; groups: \(none in this panel\)/);
});

test('evaluateMany: one merged DAG for a batch, same values as one-by-one, fewer operator calls', () => {
  const p = panel(4, 60, 6);
  const srcs = [...Object.values(ALPHA101), ALPHA101.alpha001!, 'close'];
  const stats: EvalStats = { nodes: 0, computed: 0, cacheHits: 0 };
  const batch = evaluateMany(srcs, p, { stats });
  let separate = 0;
  srcs.forEach((src, k) => {
    const one: EvalStats = { nodes: 0, computed: 0, cacheHits: 0 };
    sameArray(batch[k]!, evaluate(src, p, { stats: one }));
    separate += one.computed;
  });
  assert.ok(stats.computed < separate, `batch ${stats.computed} vs separate ${separate}`);
  // the repeated alpha and the raw field come back as independent arrays
  const a = batch.length - 2;
  assert.notEqual(batch[a], batch[0]);
  batch[a]![0] = 999;
  assert.notEqual(batch[0]![0], 999);
  batch[a + 1]![0] = -5;
  assert.notEqual(p.fields.close![0], -5);
  assert.throws(() => evaluateMany(['close', 'rank('], p), /^ExprError: expression 1: unexpected end of expression at 5/);
});

test('issue 19: inherited names are unknown fields, unknown tokens are named, an emoji is one character', () => {
  const T = 3, N = 2;
  const close = new Float64Array([1, 2, 3, 4, 5, 6]);
  const panel = { times: new Float64Array([0, 86_400_000, 172_800_000]), assets: ['A', 'B'], fields: { close }, frequency: '1d', market: 'equity' } as unknown as Parameters<typeof evaluate>[1];
  void T; void N;
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    assert.throws(() => evaluate(name, panel), (e: Error) => e.message.startsWith(`unknown field ${name} at 0`), name);
  }
  assert.throws(() => evaluateTokens(['close', 'ts_avg'], panel), /unknown token "ts_avg" at 1: not an operator or a field of this panel; did you mean ts_mean\?/);
  assert.throws(() => evaluateTokens(['clsoe'], panel), /unknown token "clsoe" at 0: .*did you mean close\?/);
  assert.deepEqual([...evaluateTokens(['close', 'rank'], panel)], [...evaluate('rank(close)', panel)]);
  assert.throws(() => parse('close 😀 1'), (e: Error) => e.message === "unexpected character '😀' (U+1F600) at 6" && !/\uD83D(?!\uDE00)/.test(e.message));
  assert.throws(() => parse('close\u0000'), /unexpected character U\+0000 at 5/);
  assert.throws(() => parse('close # 1'), /unexpected character '#' at 6/);
});
