/**
 * The expression language: parsing, precedence, error messages with
 * positions, canonical form (one string per factor), validation, limits,
 * lookback, and that expressions never reach eval / Function / the file system.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALPHA101, canonical, ExprError, listOperators, lookback, parse, validate, operatorReference, LIMITS } from '../lib/expr/index.js';
import type { Expr } from '../lib/expr/index.js';

function throwsAt(src: string, re: RegExp, position: number): void {
  assert.throws(() => parse(src), (e: unknown) => {
    assert.ok(e instanceof ExprError, `not an ExprError: ${String(e)}`);
    assert.match(e.message, re);
    assert.equal(e.position, position, `position of "${e.message}"`);
    return true;
  });
}

/** Fully parenthesized function form, to check structure independently of the printer. */
function lisp(e: Expr): string {
  if (e.type === 'number') return String(e.value);
  if (e.type === 'field') return e.name;
  return `${e.op}(${e.args.map(lisp).join(',')})`;
}

test('precedence and associativity', () => {
  assert.equal(lisp(parse('a + b * c')), 'add(a,mul(b,c))');
  assert.equal(lisp(parse('a - b - c')), 'sub(sub(a,b),c)');
  assert.equal(lisp(parse('a / b * c')), 'mul(div(a,b),c)');
  assert.equal(lisp(parse('-x ^ 2')), 'neg(pow(x,2))');
  assert.equal(lisp(parse('x ^ 2 ^ 3')), 'pow(x,pow(2,3))');
  assert.equal(lisp(parse('2 ^ -1')), 'pow(2,-1)');
  assert.equal(lisp(parse('a < b == c > d')), 'eq(lt(a,b),gt(c,d))');
  assert.equal(lisp(parse('a || b && !c')), 'or(a,and(b,not(c)))');
  assert.equal(lisp(parse('a > 0 ? b : c ? d : e')), 'if_else(gt(a,0),b,if_else(c,d,e))');
  assert.equal(lisp(parse('-1 * 1')), 'mul(-1,1)');
  assert.equal(lisp(parse('+x')), 'x');
  assert.equal(lisp(parse('- - 3')), '3');
  assert.equal(lisp(parse('.5 + 1e-3 + 2.')), 'add(add(0.5,0.001),2)');
});

test('calls: aliases, case-insensitive names, keyword arguments, defaults, floored windows', () => {
  assert.equal(lisp(parse('Ts_ArgMax(close, 5)')), 'ts_argmax(close,5)');
  assert.equal(lisp(parse('stddev(returns, 20)')), 'ts_std(returns,20)');
  assert.equal(lisp(parse('correlation(open, volume, 10)')), 'ts_corr(open,volume,10)');
  assert.equal(lisp(parse('sum(close, 7.9)')), 'ts_sum(close,7)');
  assert.equal(lisp(parse('scale(close)')), 'scale(close,1)');
  assert.equal(lisp(parse('scale(close, a=3)')), 'scale(close,3)');
  assert.equal(lisp(parse('ts_regression(close, open, d=5, rettype=2)')), 'ts_regression(close,open,5,2)');
  assert.equal(lisp(parse('rsi(close)')), 'rsi(close,14)');
});

test('errors carry the position and a fixable message', () => {
  throwsAt('close + ts_avg(close, 5)', /^unknown operator ts_avg at 8: did you mean ts_mean\?$/, 8);
  throwsAt('ts_corr(close, open)', /^ts_corr expects 3 arguments, got 2 at 0/, 0);
  throwsAt('ts_mean(close, 0.5)', /window must be a positive integer, got 0\.5/, 15);
  throwsAt('ts_mean(close, close)', /window must be a positive integer literal, got the expression close/, 15);
  throwsAt('ts_mean(close, 99999)', /window 99999 exceeds the maximum 10000/, 15);
  throwsAt('scale(close, 1, 2)', /scale expects 1 to 2 arguments, got 3/, 0);
  throwsAt('scale(close, b=2)', /scale has no argument named b at 13; arguments: x, a/, 13);
  throwsAt('quantile(close, 2.5)', /q must be an integer, got 2\.5/, 16);
  throwsAt('ts_regression(close, open, 5, 7)', /rettype must be <= 3, got 7/, 30);
  throwsAt('group_rank(close, 3)', /must be a group name .* got the number 3/, 18);
  throwsAt('close & open', /unexpected character '&' at 6: did you mean '&&'\?/, 6);
  throwsAt('rank(close', /expected '\)' to close the arguments of rank\( at 10/, 10);
  throwsAt('close +', /unexpected end of expression at 7/, 7);
  throwsAt('close open', /unexpected 'open' at 6/, 6);
  throwsAt('(close', /expected '\)' to close the '\(' at 0/, 6);
  throwsAt('', /empty expression/, 0);
  throwsAt('3x', /unexpected character 'x' after the number 3 at 1/, 1);
  throwsAt('a ? b', /expected ':'/, 5);
});

test('limits: depth, size and length', () => {
  const deep = 'abs('.repeat(LIMITS.maxDepth + 1) + 'close' + ')'.repeat(LIMITS.maxDepth + 1);
  assert.throws(() => parse(deep), /nested too deeply/);
  const wide = Array.from({ length: 600 }, () => 'close').join(' + ');
  assert.throws(() => parse(wide), /expression too large: more than 1000 nodes/);
  assert.throws(() => parse('x'.repeat(LIMITS.maxSourceLength + 1)), /expression too long/);
  assert.doesNotThrow(() => parse('abs('.repeat(20) + 'close' + ')'.repeat(20)));
});

test('canonical: one string per factor, stable under re-parsing', () => {
  const same = [
    ['close * volume', 'volume * close', 'mul(volume, close)', '((close) * (volume))'],
    ['ts_std(returns, 20)', 'stddev(returns, 20.7)', 'TS_STD(returns, d=20)'],
    ['if_else(close > open, 1, -1)', '(close > open) ? 1 : -1', 'where(open < close == 1, 1, -1) * 0 + if_else(close > open, 1, -1)'].slice(0, 2),
    ['scale(rank(close))', 'scale(rank(close), 1)', 'scale(a=1, x=rank(close))'].slice(0, 2),
    ['min(open, close) + 1', '1 + min(close, open)'],
    ['-1 * close', '(-1) * close', 'close * -1'],
  ];
  for (const group of same) {
    const c = group.map((s) => canonical(s));
    for (const x of c) assert.equal(x, c[0], `${group.join(' | ')} -> ${c.join(' | ')}`);
  }
  assert.notEqual(canonical('close - open'), canonical('open - close'));
  assert.notEqual(canonical('(a + b) + c'), canonical('a + (b + c)'));
  assert.equal(canonical('a - (b - c)'), 'a - (b - c)');
  assert.equal(canonical('-x ^ 2'), '-x ^ 2');
  assert.equal(canonical('(-x) ^ 2'), '(-x) ^ 2');
  assert.equal(canonical('close ^ -1'), 'close ^ (-1)');
  for (const src of [...Object.values(ALPHA101), 'a > 0 ? b : c ? d : e', '!(a && b) || c', '(-1) ^ x', '- -x', 'x - -1', 'group_neutralize(ts_mean(returns, 5), sector)']) {
    const c = canonical(src);
    assert.equal(canonical(c), c, `not stable: ${src} -> ${c} -> ${canonical(c)}`);
    assert.equal(lisp(parse(c)), lisp(parse(canonical(src))));
  }
});

test('validate: unknown fields and groups with hints, all errors collected; ok gives the canonical form', () => {
  const ok = validate('rank(volume * close)');
  assert.deepEqual(ok.ok && ok.canonical, 'rank(close * volume)');
  const bad = validate('rank(clsoe) + volum + funding_rate');
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.deepEqual(bad.errors.map((e) => e.position), [5, 14, 22]);
    assert.match(bad.errors[0]!.message, /unknown field clsoe at 5: did you mean close\?/);
    assert.match(bad.errors[1]!.message, /did you mean volume\?/);
  }
  assert.equal(validate('funding_rate * 2', { fields: ['close', 'funding_rate'] }).ok, true);
  assert.equal(validate('returns + vwap + adv20 + adv5').ok, true);
  const g = validate('group_rank(close, sectr)', { groups: ['sector'] });
  assert.equal(g.ok, false);
  if (!g.ok) assert.match(g.errors[0]!.message, /unknown group sectr at 18: did you mean sector\?/);
  assert.equal(validate('group_rank(close, sector)', { groups: ['sector'] }).ok, true);
  const syntax = validate('ts_mean(close, 0)');
  assert.equal(syntax.ok, false);
  if (!syntax.ok) assert.equal(syntax.errors[0]!.position, 15);
});

test('lookback sums windows along the deepest path', () => {
  assert.equal(lookback('close'), 0);
  assert.equal(lookback('returns'), 1);
  assert.equal(lookback('adv20'), 19);
  assert.equal(lookback('ts_mean(close, 5)'), 4);
  assert.equal(lookback('delay(close, 5)'), 5);
  assert.equal(lookback('delta(ts_mean(close, 5), 3)'), 7);
  assert.equal(lookback('ts_corr(ts_mean(close, 10), delay(volume, 3), 5)'), 13);
  assert.equal(lookback('rank(ts_std(returns, 20)) + ts_max(close, 3)'), 20);
  assert.equal(lookback(ALPHA101.alpha001!), 24);
  assert.equal(lookback('group_neutralize(close, delay(volume, 4))'), 4);
});

test('listOperators and the operator reference cover every operator with a signature', () => {
  const ops = listOperators();
  assert.ok(ops.length >= 60);
  const names = new Set(ops.map((o) => o.name));
  for (const n of ['rank', 'ts_corr', 'group_neutralize', 'rsi', 'macd_hist', 'bb_percent_b', 'atr', 'adx', 'obv', 'stoch_k', 'stoch_d', 'cci', 'mfi', 'ema', 'sma', 'wma', 'if_else', 'signed_power', 'ts_regression', 'ts_skew', 'quantile', 'winsorize']) assert.ok(names.has(n), n);
  const ref = operatorReference();
  for (const o of ops) assert.ok(ref.includes(`\`${o.signature}\``), o.signature);
  const doc = readFileSync(join(import.meta.dirname ?? '.', '..', 'docs', 'expressions.md'), 'utf8');
  for (const o of ops) assert.ok(doc.includes(`\`${o.signature}\``), `docs/expressions.md lacks ${o.signature}`);
  // the generated section is exactly the registry's reference (regenerate it from operatorReference() after changing an operator)
  const start = '<!-- generated by operatorReference() in lib/expr/index.ts: do not edit by hand -->\n';
  const section = doc.slice(doc.indexOf(start) + start.length, doc.indexOf('<!-- end of generated reference -->'));
  assert.equal(section.trim(), ref.trim(), 'docs/expressions.md operator tables are out of date');
});

test('expressions are data: lib/expr has no eval, Function constructor, file system or process access', () => {
  const dir = join(import.meta.dirname ?? '.', '..', 'lib', 'expr');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    assert.doesNotMatch(src, /\beval\s*\(|new\s+Function\b|\bFunction\s*\(|from\s+'node:fs'|require\s*\(|child_process|import\.meta/, f);
  }
  assert.throws(() => parse("require('fs')"), /unexpected character/);
  assert.throws(() => parse('constructor(close)'), /unknown operator constructor/);
  assert.throws(() => parse('__proto__(close)'), /unknown operator __proto__/);
  assert.throws(() => parse('toString(close)'), /unknown operator/);
});

test('canonical applies only value-preserving rewrites: folding, x * -1, x * 1, x / 1, double negation', () => {
  assert.equal(canonical('(-1 * correlation(rank(open), rank(volume), 10))'), canonical('-ts_corr(rank(open), rank(volume), 10)'));
  assert.equal(canonical('close * (-1 * 1)'), '-close');
  assert.equal(canonical('close * 1 / 1'), 'close');
  assert.equal(canonical('-(-close)'), 'close');
  assert.equal(canonical('rank(rank(rank(close)))'), 'rank(close)');
  assert.equal(canonical('sign(sign(sign(volume)))'), 'sign(volume)');
  assert.equal(canonical('abs(-abs(-(close - open)))'), 'abs(close - open)');
  assert.notEqual(canonical('sign(abs(close))'), canonical('abs(close)'));
  assert.equal(canonical('2 ^ 3 + close'), 'close + 8');
  assert.equal(canonical('close + 1 / 0'), '1 / 0 + close'); // not folded: 1/0 is not finite
  assert.notEqual(canonical('0 - close'), canonical('-close'));
  assert.notEqual(canonical('close + 0'), canonical('close'));
});
