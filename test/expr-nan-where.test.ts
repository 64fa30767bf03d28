/**
 * The `nan` literal and `where(cond, x)` (issue 10): "exclude" means missing
 * (NaN), never 0. Hand-computed cases on a 3 x 3 panel in which asset B is
 * suspended at bar 1 (volume 0, price carried forward).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonical, evaluate, evaluateTokens, fromTokens, lookback, parse, print, toTokens, validate } from '../lib/expr/index.js';
import type { Panel } from '../lib/data/panel.js';

const N = 3;
// date-major: row t = [A, B, C]
const panel: Panel = {
  frequency: '1d', market: 'equity',
  times: Float64Array.from([0, 1, 2], (i) => Date.UTC(2020, 0, 2 + i)),
  assets: ['A', 'B', 'C'],
  fields: {
    close: Float64Array.from([10, 20, 30, 11, 20, 29, 12, 21, 28]),
    open: Float64Array.from([9, 20, 31, 10, 20, 30, 11, 20, 29]),
    volume: Float64Array.from([100, 300, 200, 110, 0, 210, 120, 320, 220]),
  },
};
const row = (x: Float64Array, t: number): number[] => Array.from(x.subarray(t * N, (t + 1) * N));
const same = (a: number[], b: number[]): void => assert.deepEqual(a.map((v) => (Number.isNaN(v) ? 'NaN' : v)), b.map((v) => (Number.isNaN(v) ? 'NaN' : v)));

test('nan parses as a literal, prints as nan, and fills every cell with NaN', () => {
  const e = parse('nan');
  assert.equal(e.type, 'call');
  assert.equal(print(e), 'nan');
  assert.equal(canonical('NaN'), 'nan');
  assert.equal(canonical('nan()'), 'nan');
  assert.equal(canonical('close + nan'), 'close + nan');
  const v = evaluate('nan', panel);
  assert.equal(v.length, 9);
  assert.ok(v.every((x) => Number.isNaN(x)));
  assert.ok(evaluate('close * 0 + nan', panel).every((x) => Number.isNaN(x)), 'arithmetic with nan is NaN');
  assert.ok(evaluate('if_else(nan, close, open)', panel).every((x) => Number.isNaN(x)), 'a NaN condition gives NaN');
  same(row(evaluate('if_else(volume > 0, close, nan)', panel), 1), [11, NaN, 29]);
  assert.equal(lookback('nan'), 0);
});

test('where(cond, x): x where cond is true, NaN where false or NaN', () => {
  const w = evaluate('where(volume > 0, volume)', panel);
  same(row(w, 0), [100, 300, 200]);
  same(row(w, 1), [110, NaN, 210]);
  // equal to if_else(cond, x, nan), cell by cell
  const alt = evaluate('if_else(volume > 0, volume, nan)', panel);
  for (let i = 0; i < 9; i++) assert.ok(Object.is(w[i], alt[i]));
  // a NaN condition excludes too
  same(row(evaluate('where(if_else(volume > 0, 1, nan), close)', panel), 1), [11, NaN, 29]);
  assert.equal(canonical('where(close > open, close)'), 'where(close > open, close)');
  assert.equal(lookback('where(close > open, ts_mean(close, 5))'), 4);
  const bad = validate('where(close > open, close, open)');
  assert.equal(bad.ok, false);
  assert.match(bad.errors![0]!.message, /where expects 2 arguments/);
});

test('propagation: ranks skip excluded names; windows over an excluded bar are NaN; 1/volume is not ranked most liquid', () => {
  // rank over the suspended bar: volume 0 ranks B lowest; where() leaves it out and ranks A, C over 2 names
  same(row(evaluate('rank(volume)', panel), 1), [0.5, 0, 1]);
  same(row(evaluate('rank(where(volume > 0, volume))', panel), 1), [0, NaN, 1]);
  // a volume-scaled factor: 1/volume is NaN at volume 0 already (division by 0); the mask makes it explicit
  // bar 1: A 11/110 = 0.1, C 29/210 = 0.138
  same(row(evaluate('rank(where(volume > 0, close / volume))', panel), 1), [0, NaN, 1]);
  // strict windows: ts_sum over 2 bars containing B's excluded bar 1 is NaN at bars 1 and 2
  const s = evaluate('ts_sum(where(volume > 0, volume), 2)', panel);
  same(row(s, 1), [210, NaN, 410]);
  same(row(s, 2), [230, NaN, 430]);
});

test('token form: nan and where are operators of the token VM', () => {
  const e = fromTokens(['volume', '0', 'gt', 'close', 'where']);
  assert.equal(canonical(e), 'where(volume > 0, close)');
  assert.deepEqual(toTokens(parse('where(volume > 0, nan)')), ['volume', '0', 'gt', 'nan', 'where']);
  assert.ok(evaluateTokens(['nan'], panel).every((x) => Number.isNaN(x)));
});
