import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OPERATORS, call, canonical, crossover, fieldRef, flipSign, instantiateTemplate, negate, num, operatorAlternatives, parse, print, replaceField,
  scaleWindows, subtrees, swapOperator, unwrap, windowArguments, wrap, type Expr, type Mutation, type OpSpec,
} from '../lib/expr/index.js';

/** A valid call of `op` with every argument given: series -> a distinct field, window -> 10 (or its default), number -> its default (or a value in bounds), group -> sector. */
function sample(op: OpSpec): Expr {
  let k = 0;
  const series = ['close', 'volume', 'open', 'high'];
  return call(op.name, op.args.map((a) => {
    switch (a.kind) {
      case 'series': return fieldRef(series[k++ % series.length]!);
      case 'window': return num(a.default ?? 10);
      case 'number': return num(a.default ?? (a.min !== undefined ? Math.max(a.min, 1) : 2));
      case 'group': return fieldRef('sector');
    }
  }));
}

/** The mutation is valid and canonical: its text parses to itself. */
function assertCanonical(m: Mutation, what: string): asserts m is Extract<Mutation, { ok: true }> {
  assert.ok(m.ok, `${what}: ${m.reason}`);
  assert.equal(canonical(m.canonical), m.canonical, `${what}: not canonical`);
  assert.equal(print(m.expr), m.canonical);
}

test('scaleWindows on every registered operator: only window arguments change, numbers never, the result is canonical', () => {
  let scaled = 0;
  for (const op of OPERATORS) {
    const e = sample(op);
    const m = scaleWindows(e, 2);
    if (!windowArguments(e).some((w) => w.value >= 2)) {
      assert.equal(m.ok, false, `${op.name} has no window >= 2: nothing to scale`);
      continue;
    }
    assertCanonical(m, op.name);
    scaled++;
    const before = subtrees(e), after = subtrees(parse(m.canonical));
    // compare argument by argument (canonical form may sort commutative arguments, so compare the sorted original)
    const orig = subtrees(parse(canonical(e)));
    assert.equal(after.length, orig.length, op.name);
    for (let i = 0; i < orig.length; i++) {
      const o = orig[i]!, a = after[i]!;
      if (o.kind === 'window' && o.expr.type === 'number' && o.expr.value >= 2) assert.equal((a.expr as { value: number }).value, Math.min(10_000, Math.round(o.expr.value * 2)), `${op.name} window`);
      else if (o.expr.type !== 'call') assert.deepEqual(print(a.expr), print(o.expr), `${op.name}: a ${o.kind} argument changed`);
    }
    assert.ok(before.length > 0);
  }
  assert.ok(scaled >= 20, `${scaled} operators with windows`);
});

test('scaleWindows: the regex cases it replaces, and what the regex got wrong', () => {
  const s = (e: string, f: number) => scaleWindows(e, f).canonical;
  assert.equal(s('ts_corr(rank(close), rank(volume), 10) + delay(close, 1)', 2), canonical('ts_corr(rank(close), rank(volume), 20) + delay(close, 1)'));
  assert.equal(s('ts_mean(close, 3)', 0.5), 'ts_mean(close, 2)');
  assert.equal(scaleWindows('(high - low + 0.001)', 2).ok, false);
  // winsorize's 4 is a number of standard deviations, quantile's 5 a bucket count: kept
  assert.equal(s('winsorize(ts_mean(close, 5), 4)', 2), 'winsorize(ts_mean(close, 10), 4)');
  assert.equal(s('quantile(ts_std(close, 20), 5)', 0.5), 'quantile(ts_std(close, 10), 5)');
  assert.equal(scaleWindows('winsorize(close, 4)', 2).ok, false);
  // bounded by the parser's window limit
  assert.equal(s('ts_mean(close, 9000)', 2), 'ts_mean(close, 10000)');
  assert.match(scaleWindows('ts_mean(close, 5)', -1).reason!, /positive/);
});

test('swapOperator on every registered operator: each alternative has the same kind and argument kinds and gives a canonical expression', () => {
  let swaps = 0;
  for (const op of OPERATORS) {
    const e = sample(op);
    for (const alt of operatorAlternatives(op.name)) {
      assert.equal(alt.kind, op.kind);
      assert.deepEqual(alt.args.map((a) => a.kind), op.args.map((a) => a.kind));
      const m = swapOperator(e, [], alt.name);
      assertCanonical(m, `${op.name} -> ${alt.name}`);
      swaps++;
    }
    assert.equal(swapOperator(e, [], 'no_such_op').ok, false);
  }
  assert.ok(swaps > 100, `${swaps} swaps`);
  assert.ok(operatorAlternatives('ts_mean').some((o) => o.name === 'ts_std'));
  assert.ok(!operatorAlternatives('ts_mean').some((o) => o.name === 'rank'), 'a time-series operator is not swapped for a cross-sectional one');
  assert.equal(swapOperator('rank(ts_mean(close, 5))', [0], 'ts_max').canonical, 'rank(ts_max(close, 5))');
  assert.match(swapOperator('rank(close)', [0], 'zscore').reason!, /no operator call/);
});

test('wrap / unwrap / negate / flipSign on every registered operator give canonical expressions; unwrap undoes wrap', () => {
  for (const op of OPERATORS) {
    const e = sample(op);
    for (const w of ['rank', 'zscore', 'decay_linear'] as const) {
      const m = wrap(e, w, 4);
      if (w === 'rank' && op.name === 'rank') {
        assert.equal(m.ok, false, 'rank(rank(x)) is rank(x)');
        continue;
      }
      assertCanonical(m, `${w}(${op.name})`);
      const u = unwrap(m.expr);
      assertCanonical(u, `unwrap ${w}(${op.name})`);
      assert.equal(u.canonical, canonical(e));
    }
    const f = flipSign(e);
    assertCanonical(f, `flip ${op.name}`);
    assertCanonical(flipSign(f.expr), `flip flip ${op.name}`);
    assert.equal(flipSign(f.expr).canonical, canonical(e), 'flipping twice is the identity');
    assert.equal(print(negate(e)), f.canonical);
  }
  assert.equal(flipSign('-1 * ts_mean(close, 5)').canonical, 'ts_mean(close, 5)');
  assert.equal(flipSign('-1 * a - b').canonical, canonical('-1 * (-1 * a - b)'));
  assert.equal(unwrap('ts_mean(close, 5)').ok, false);
});

test('replaceField and crossover keep argument kinds; template holes are typed', () => {
  assert.equal(replaceField('ts_corr(close, volume, 10) + group_rank(close, sector)', 'close', 'open').canonical, canonical('ts_corr(open, volume, 10) + group_rank(open, sector)'));
  assert.equal(replaceField('group_rank(close, sector)', 'sector', 'industry').ok, false, 'a group label is not a series');
  assert.equal(replaceField('close', 'volume', 'open').ok, false);
  const a = 'rank(ts_mean(close, 5)) - ts_std(volume, 10)', b = 'ts_corr(open, high, 20)';
  const c = crossover(a, b, [0, 0], []);
  assertCanonical(c, 'crossover');
  assert.equal(c.canonical, canonical('rank(ts_corr(open, high, 20)) - ts_std(volume, 10)'));
  assert.match(crossover(a, b, [0, 0, 1], []).reason!, /not a series subtree/, 'a window never receives an expression');
  assert.match(crossover(a, b, [0], [2]).reason!, /not a series subtree/);
  assert.deepEqual(windowArguments(a).map((w) => [w.path, w.value]), [[[0, 0, 1], 5], [[1, 1], 10]]);
  const t = 'ts_corr(rank({x:field}), rank({y:field}), {d:window}) * {k:number} + {s:series}';
  assertCanonical(instantiateTemplate(t, { x: 'close', y: 'volume', d: 10, k: 2, s: 'ts_mean(close, 3)' }), 'template');
  assert.match(instantiateTemplate(t, { x: 'close', y: 'volume', d: 2.5, k: 2, s: 'close' }).reason!, /hole d is a window/);
  assert.match(instantiateTemplate(t, { x: 'close', y: 'volume', d: 10, k: 2 }).reason!, /no binding for s/);
  assert.match(instantiateTemplate(t, { x: 'close + 1', y: 'volume', d: 10, k: 2, s: 'close' }).reason!, /hole x is a field name/);
  assert.match(instantiateTemplate('ts_mean(close, {d:series})', { d: 'close' }).reason!, /window/);
});
