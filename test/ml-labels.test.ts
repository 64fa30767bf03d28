import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedClassWeights, ewmaVolatility, purgedKFold, purgedSplit, TOUCH, tripleBarrier } from '../lib/ml/labels.js';
import { assertClose, lcg } from './helpers/numeric.js';

const fixed = { kind: 'fixed', profitTake: 0.004, stopLoss: 0.004 } as const;

test('triple barrier: upper first, lower first, vertical, and past the end of the data', () => {
  const p = Float64Array.from([100, 100.2, 100.5, 100.1, 99.5, 99.9, 100, 100, 100]);
  const l = tripleBarrier(p, { barriers: fixed, horizon: 3 });
  // t=0: 100.5 >= 100.4 at row 2 -> buy, ends at 2, return +0.4 %.
  assert.deepEqual([l.label[0], l.end[0], l.touch[0]], [2, 2, TOUCH.upper]);
  assertClose(l.ret[0]!, 0.004, 1e-15);
  // t=2 (100.5): lower 100.098; row 3 = 100.1 (no), row 4 = 99.5 -> sell at row 4.
  assert.deepEqual([l.label[2], l.end[2], l.touch[2]], [0, 4, TOUCH.lower]);
  // t=5 (99.9): upper 100.2996, lower 99.5004; rows 6..8 stay inside -> vertical at 8, hold.
  assert.deepEqual([l.label[5], l.end[5], l.touch[5], l.valid[5]], [1, 8, TOUCH.vertical, 1]);
  assertClose(l.ret[5]!, 100 / 99.9 - 1, 1e-15);
  // t=6: the window 7..9 runs past the data without a touch -> no label.
  assert.deepEqual([l.valid[6], l.end[6]], [0, -1]);
  const s = tripleBarrier(p, { barriers: fixed, horizon: 3, vertical: 'sign' });
  assert.equal(s.label[5], 2, 'vertical barrier labelled by the sign of the return');
});

test('triple barrier: both barriers inside one bar (high/low) -> hold by default, sell under the stop-first rule', () => {
  const close = Float64Array.from([100, 100, 100]);
  const high = Float64Array.from([100, 100.6, 100]);
  const low = Float64Array.from([100, 99.4, 100]);
  const h = tripleBarrier(close, { barriers: fixed, horizon: 2, high, low });
  assert.deepEqual([h.label[0], h.touch[0], h.end[0]], [1, TOUCH.both, 1]);
  const s = tripleBarrier(close, { barriers: fixed, horizon: 2, high, low, bothTouched: 'stop' });
  assert.equal(s.label[0], 0);
  assertClose(s.ret[0]!, -0.004, 1e-15);
});

test('volatility-scaled barriers: width = multiplier x EWMA sigma x sqrt(horizon); no label during warm-up', () => {
  const rnd = lcg(3);
  const p = new Float64Array(300);
  p[0] = 100;
  for (let t = 1; t < p.length; t++) p[t] = p[t - 1]! * Math.exp((rnd() - 0.5) * 0.002);
  const sig = ewmaVolatility(p, 20);
  // Recursion by hand for the first steps.
  const r1 = Math.log(p[1]! / p[0]!), r2 = Math.log(p[2]! / p[1]!);
  assertClose(sig[1]!, Math.abs(r1), 1e-15);
  assertClose(sig[2]!, Math.sqrt((1 - 2 / 21) * r1 * r1 + (2 / 21) * r2 * r2), 1e-15);
  const l = tripleBarrier(p, { barriers: { kind: 'volatility', multiplier: 2, span: 20 }, horizon: 16 });
  assert.equal(l.valid[19], 0);
  assertClose(l.upper[50]!, 2 * sig[50]! * 4, 1e-15);
  assert.ok(l.valid[50] === 1);
});

test('balanced class weights: n / (K n_c)', () => {
  const label = Uint8Array.from([0, 1, 1, 1, 2, 2]);
  const w = balancedClassWeights(label, Int32Array.from([0, 1, 2, 3, 4, 5]));
  assert.deepEqual(Array.from(w), [6 / 3, 6 / 9, 6 / 6]);
});

test('purged splits and purged k-fold never let a training label span reach into a later segment or a test span', () => {
  const rnd = lcg(11);
  const T = 2000;
  const p = new Float64Array(T);
  p[0] = 100;
  for (let t = 1; t < T; t++) p[t] = p[t - 1]! * (1 + (rnd() - 0.5) * 0.004);
  const l = tripleBarrier(p, { barriers: fixed, horizon: 30 });
  const sp = purgedSplit(l.end, l.valid, [0.6, 0.2, 0.2], 15);
  const [a, b] = sp.boundaries;
  for (const i of sp.train) assert.ok(l.end[i]! < a, `train row ${i} ends at ${l.end[i]} >= ${a}`);
  for (const i of sp.validation) assert.ok(i >= a + 15 && l.end[i]! < b);
  for (const i of sp.test) assert.ok(i >= b + 15 && l.valid[i] === 1);
  assert.ok(sp.train.length > 1000 && sp.validation.length > 300 && sp.test.length > 300);
  // Purging removes exactly the rows whose span crosses a, no more.
  let crossing = 0;
  for (let i = 0; i < a; i++) if (l.valid[i] && l.end[i]! >= a) crossing++;
  let validBefore = 0;
  for (let i = 0; i < a; i++) validBefore += l.valid[i]!;
  assert.equal(sp.train.length, validBefore - crossing);
  assert.ok(crossing > 0);

  for (const walkForward of [false, true]) {
    const folds = purgedKFold(l.end, l.valid, 5, { embargo: 20, walkForward });
    assert.equal(folds.length, walkForward ? 4 : 5);
    for (const f of folds) {
      const s = f.test[0]!, eLast = f.test[f.test.length - 1]!;
      let spanEnd = 0;
      for (const i of f.test) spanEnd = Math.max(spanEnd, l.end[i]!);
      for (const i of f.train) {
        assert.ok(l.end[i]! < s || i > spanEnd, `train ${i} [${i}, ${l.end[i]}] overlaps test [${s}, ${spanEnd}]`);
        assert.ok(!(i > eLast && i <= eLast + 20), `train ${i} inside the embargo`);
        if (walkForward) assert.ok(i < s);
      }
    }
  }
});
