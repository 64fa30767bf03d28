/**
 * The operator registry: one table that the parser, the validator, the
 * evaluator, the token VM and the operator reference (`listOperators`,
 * docs/expressions.md) all read. Each entry states its exact semantics in
 * `description`, its argument kinds, its lookback, and the kernel it runs.
 *
 * Conventions (the contract): panels are dates x assets float64, NaN =
 * missing, never an infinity (any non-finite result is NaN). Window d = the
 * current bar and the d - 1 before it; windows are integers >= 1 (a
 * fractional window is floored, as in "101 Formulaic Alphas", Kakushadze 2016);
 * time-series windows are strict (NaN if any value in the window is NaN or
 * fewer than d bars exist).
 *
 * @module
 */
import * as K from './kernels.js';
import type { Arr, GroupCodes, Val } from './kernels.js';
import { INDICATORS, indicatorWarmup, runIndicator } from './indicators.js';

/** Kinds of operator, for the operator list given to people and LLMs. */
export type OpKind = 'cross_sectional' | 'time_series' | 'element_wise' | 'group' | 'indicator';

/**
 * Kinds of argument: `series` (any expression; a number broadcasts), `window`
 * (a positive integer literal, floored), `number` (a numeric literal), `group`
 * (a group name from `panel.groups`, or a field / expression whose values are
 * used as labels per date and asset).
 */
export type ArgKind = 'series' | 'window' | 'number' | 'group';

/** One declared argument of an operator. */
export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  /** Default value (number / window arguments only); an argument with a default may be omitted. */
  readonly default?: number;
  /** Inclusive lower bound for number arguments. */
  readonly min?: number;
  /** Inclusive upper bound for number arguments. */
  readonly max?: number;
  /** Number argument must be an integer. */
  readonly integer?: boolean;
}

/** What a kernel gets for each argument: a series (array or broadcast scalar), a number, or group codes. */
export type ArgValue = Val | GroupCodes;

/** Evaluation context handed to an operator's kernel. */
export interface OpContext {
  /** Number of dates (rows). */
  readonly T: number;
  /** Number of assets (columns). */
  readonly N: number;
  /** A buffer of length T * N with arbitrary contents; the kernel must write every cell. */
  alloc(): Float64Array;
}

/** Infix syntax of an operator (printing and parsing). */
export interface InfixSpec {
  readonly symbol: string;
  /** Binding strength: higher binds tighter. */
  readonly prec: number;
  readonly unary?: boolean;
  readonly rightAssoc?: boolean;
}

/** A registered operator. */
export interface OpSpec {
  readonly name: string;
  readonly kind: OpKind;
  readonly args: readonly ArgSpec[];
  /** Exact semantics (the contract), one paragraph. */
  readonly description: string;
  /** Other accepted names (e.g. the 101 Formulaic Alphas paper's `stddev`, `correlation`). */
  readonly aliases?: readonly string[];
  readonly infix?: InfixSpec;
  /** f(a, b) == f(b, a) exactly; canonical form sorts the two arguments. */
  readonly commutative?: boolean;
  /**
   * Bars of history this operator adds on top of its inputs' lookback, given
   * the constant arguments (`consts[i]` = value of argument i if it is a
   * number/window, else NaN).
   */
  readonly lookback: (consts: readonly number[]) => number;
  /** Runs the kernel. */
  readonly run: (ctx: OpContext, args: readonly ArgValue[]) => Arr;
}

const S = (name: string): ArgSpec => ({ name, kind: 'series' });
const W = (name = 'd', def?: number): ArgSpec => (def === undefined ? { name, kind: 'window' } : { name, kind: 'window', default: def });
const G = (name = 'group'): ArgSpec => ({ name, kind: 'group' });

const zero = (): number => 0;
const win = (i: number) => (c: readonly number[]): number => c[i]! - 1;

function arr(ctx: OpContext, v: ArgValue): Arr {
  if (typeof v === 'number') return K.fill(ctx.alloc(), v);
  if (v instanceof Float64Array) return v;
  throw new Error('internal: expected a series');
}
const val = (v: ArgValue): Val => {
  if (typeof v === 'number' || v instanceof Float64Array) return v;
  throw new Error('internal: expected a series');
};
const grp = (v: ArgValue): GroupCodes => v as GroupCodes;
const n = (v: ArgValue): number => v as number;

function un(name: K.UnaryCode, description: string, extra: Partial<OpSpec> = {}): OpSpec {
  return { name, kind: 'element_wise', args: [S('x')], description, lookback: zero, run: (c, [x]) => K.unary(name, val(x!), c.alloc()), ...extra };
}

function bin(name: K.BinaryCode, description: string, extra: Partial<OpSpec> = {}): OpSpec {
  return { name, kind: 'element_wise', args: [S('x'), S('y')], description, lookback: zero, run: (c, [x, y]) => K.binary(name, val(x!), val(y!), c.alloc()), ...extra };
}

function elem2(name: string, description: string, f: (x: number, y: number) => number, extra: Partial<OpSpec> = {}): OpSpec {
  return { name, kind: 'element_wise', args: [S('x'), S('y')], description, lookback: zero, run: (c, [x, y]) => K.map2(val(x!), val(y!), f, c.alloc()), ...extra };
}

function ts(name: string, description: string, kernel: (x: Arr, T: number, N: number, d: number, out: Arr) => Arr, extra: Partial<OpSpec> = {}): OpSpec {
  return { name, kind: 'time_series', args: [S('x'), W()], description, lookback: win(1), run: (c, [x, d]) => kernel(arr(c, x!), c.T, c.N, n(d!), c.alloc()), ...extra };
}

function cs(name: string, description: string, kernel: (x: Arr, T: number, N: number, out: Arr) => Arr, extra: Partial<OpSpec> = {}): OpSpec {
  return { name, kind: 'cross_sectional', args: [S('x')], description, lookback: zero, run: (c, [x]) => kernel(arr(c, x!), c.T, c.N, c.alloc()), ...extra };
}

function group(name: string, description: string, kernel: (x: Arr, g: GroupCodes, T: number, N: number, out: Arr) => Arr): OpSpec {
  return { name, kind: 'group', args: [S('x'), G()], description, lookback: zero, run: (c, [x, g]) => kernel(arr(c, x!), grp(g!), c.T, c.N, c.alloc()) };
}

const OPS: OpSpec[] = [
  // ------------------------------------------------------------ element-wise
  elem2('add', 'x + y (infix `+`).', (x, y) => x + y, { infix: { symbol: '+', prec: 5 }, commutative: true, run: (c, [x, y]) => K.add(val(x!), val(y!), c.alloc()) }),
  elem2('sub', 'x - y (infix `-`).', (x, y) => x - y, { infix: { symbol: '-', prec: 5 }, run: (c, [x, y]) => K.sub(val(x!), val(y!), c.alloc()) }),
  elem2('mul', 'x * y (infix `*`).', (x, y) => x * y, { infix: { symbol: '*', prec: 6 }, commutative: true, run: (c, [x, y]) => K.mul(val(x!), val(y!), c.alloc()) }),
  elem2('div', 'x / y (infix `/`); y = 0 gives NaN.', (x, y) => x / y, { infix: { symbol: '/', prec: 6 }, run: (c, [x, y]) => K.div(val(x!), val(y!), c.alloc()) }),
  bin('pow', 'x to the power y (infix `x ^ y`, right-associative, binds tighter than unary minus: -x^2 = -(x^2)); non-finite results (0 to a negative power, negative x to a fractional power, overflow) give NaN.', { infix: { symbol: '^', prec: 8, rightAssoc: true }, aliases: ['power'] }),
  un('neg', '-x (unary minus).', { infix: { symbol: '-', prec: 7, unary: true } }),
  un('abs', 'absolute value |x| (NaN stays NaN).'),
  un('log', 'natural logarithm; x <= 0 gives NaN.'),
  un('sqrt', 'square root; x < 0 gives NaN.'),
  un('exp', 'e to the power x; overflow gives NaN.'),
  un('sign', 'sign of x: -1, 0 or 1 (NaN stays NaN).'),
  bin('signed_power', 'sign(x) * |x|^a (a may be a number or a series); non-finite results give NaN.', { args: [S('x'), S('a')], aliases: ['signedpower'] }),
  bin('min', 'element-wise minimum of x and y; NaN if either is NaN. (For the rolling minimum use ts_min.)', { commutative: true }),
  bin('max', 'element-wise maximum of x and y; NaN if either is NaN. (For the rolling maximum use ts_max.)', { commutative: true }),
  bin('lt', 'x < y: 1 if true, 0 if false, NaN if either is NaN (infix `<`).', { infix: { symbol: '<', prec: 4 } }),
  bin('le', 'x <= y: 1/0, NaN if either is NaN (infix `<=`).', { infix: { symbol: '<=', prec: 4 } }),
  bin('gt', 'x > y: 1/0, NaN if either is NaN (infix `>`).', { infix: { symbol: '>', prec: 4 } }),
  bin('ge', 'x >= y: 1/0, NaN if either is NaN (infix `>=`).', { infix: { symbol: '>=', prec: 4 } }),
  bin('eq', 'x == y (exact float equality): 1/0, NaN if either is NaN (infix `==`).', { infix: { symbol: '==', prec: 3 }, commutative: true }),
  bin('ne', 'x != y: 1/0, NaN if either is NaN (infix `!=`).', { infix: { symbol: '!=', prec: 3 }, commutative: true }),
  bin('and', 'logical and (non-zero is true): 1/0, NaN if either is NaN (infix `&&`).', { infix: { symbol: '&&', prec: 2 }, commutative: true }),
  bin('or', 'logical or (non-zero is true): 1/0, NaN if either is NaN (infix `||`).', { infix: { symbol: '||', prec: 1 }, commutative: true }),
  un('not', 'logical not: 1 if x == 0, 0 if x != 0, NaN if x is NaN (prefix `!`).', { infix: { symbol: '!', prec: 7, unary: true } }),
  {
    name: 'if_else', kind: 'element_wise', args: [S('cond'), S('a'), S('b')],
    description: 'a where cond != 0, b where cond == 0, NaN where cond is NaN (also written `cond ? a : b`).',
    lookback: zero, run: (c, [p, a, b]) => K.ifElse(val(p!), val(a!), val(b!), c.alloc()),
  },
  {
    name: 'where', kind: 'element_wise', args: [S('cond'), S('x')],
    description: 'x where cond != 0, NaN (missing) where cond == 0 or cond is NaN: excludes values without setting them to 0; same as if_else(cond, x, nan). A cross-sectional operator over the result ranks only the kept values; a time-series window containing an excluded bar is NaN (windows are strict).',
    lookback: zero, run: (c, [p, x]) => K.ifElse(val(p!), val(x!), NaN, c.alloc()),
  },
  {
    name: 'nan', kind: 'element_wise', args: [],
    description: 'the missing value: NaN in every cell (written `nan`, no parentheses; `nan()` is accepted). Any arithmetic with it gives NaN; comparisons with it give NaN, so `if_else(nan, a, b)` is NaN. A panel field named `nan` cannot be referenced.',
    lookback: zero, run: (c) => K.fill(c.alloc(), NaN),
  },
  {
    name: 'clip', kind: 'element_wise', args: [S('x'), S('lo'), S('hi')],
    description: 'x limited to [lo, hi]: min(max(x, lo), hi); NaN if any operand is NaN.',
    lookback: zero, run: (c, [x, lo, hi]) => K.clip(val(x!), val(lo!), val(hi!), c.alloc()),
  },

  // ------------------------------------------------------------ cross-sectional
  cs('rank', 'cross-sectional rank per date over assets with a value: average rank r (1..n) of ties mapped to (r - 1) / (n - 1) in [0, 1]; n = 1 gives 0.5; NaN stays NaN.', K.csRank),
  cs('zscore', 'cross-sectional z-score per date: (x - mean) / std over assets with a value, population std (ddof = 0); std 0 gives 0.', K.csZscore),
  cs('demean', 'cross-sectional demean per date: x - mean over assets with a value.', K.csDemean),
  {
    name: 'scale', kind: 'cross_sectional', args: [S('x'), { name: 'a', kind: 'number', default: 1 }],
    description: 'x * a / sum(|x|) per date over assets with a value (book scaled to a); sum 0 gives NaN.',
    lookback: zero, run: (c, [x, a]) => K.csScale(arr(c, x!), c.T, c.N, n(a!), c.alloc()),
  },
  {
    name: 'winsorize', kind: 'cross_sectional', args: [S('x'), { name: 'std', kind: 'number', default: 4, min: 0 }],
    description: 'x clipped per date to [mean - std * sd, mean + std * sd], sd the population std over assets with a value.',
    lookback: zero, run: (c, [x, k]) => K.csWinsorize(arr(c, x!), c.T, c.N, n(k!), c.alloc()),
  },
  {
    name: 'quantile', kind: 'cross_sectional', args: [S('x'), { name: 'q', kind: 'number', default: 5, min: 1, max: 1000, integer: true }],
    description: 'bucket number 1..q per date: floor((r - 1) * q / n) + 1 with r the average 1-based rank among the n assets with a value (1 = lowest values).',
    lookback: zero, run: (c, [x, q]) => K.csQuantile(arr(c, x!), c.T, c.N, n(q!), c.alloc()),
  },

  // ------------------------------------------------------------ group
  group('group_neutralize', 'x minus the mean of x over the assets of its group on the same date (assets with a value and a label); no label gives NaN.', K.groupNeutralize),
  group('group_mean', 'the mean of x over the assets of its group on the same date.', K.groupMean),
  group('group_zscore', 'z-score within the group on the same date, population std; std 0 gives 0.', K.groupZscore),
  group('group_rank', 'rank within the group on the same date: average rank r of ties mapped to (r - 1) / (n - 1); a group of one gives 0.5.', K.groupRank),

  // ------------------------------------------------------------ time series
  ts('delay', 'x[t - d], the value d bars ago; NaN for the first d bars.', K.delay, { lookback: (c) => c[1]!, aliases: ['ts_delay'] }),
  ts('delta', 'x[t] - x[t - d]; NaN for the first d bars.', K.delta, { lookback: (c) => c[1]!, aliases: ['ts_delta'] }),
  ts('ts_sum', 'sum of x over the window of d bars.', (x, T, N, d, o) => K.rollingSum(x, T, N, d, false, o), { aliases: ['sum'] }),
  ts('ts_mean', 'mean of x over the window of d bars.', (x, T, N, d, o) => K.rollingSum(x, T, N, d, true, o)),
  ts('ts_product', 'product of x over the window of d bars.', K.rollingProduct, { aliases: ['product'] }),
  ts('ts_min', 'minimum of x over the window of d bars.', (x, T, N, d, o) => K.rollingExtreme(x, T, N, d, 'min', o)),
  ts('ts_max', 'maximum of x over the window of d bars.', (x, T, N, d, o) => K.rollingExtreme(x, T, N, d, 'max', o)),
  ts('ts_argmin', 'bars ago of the minimum of x in the window (0 = current bar; ties go to the most recent bar).', (x, T, N, d, o) => K.rollingExtreme(x, T, N, d, 'argmin', o)),
  ts('ts_argmax', 'bars ago of the maximum of x in the window (0 = current bar; ties go to the most recent bar).', (x, T, N, d, o) => K.rollingExtreme(x, T, N, d, 'argmax', o)),
  ts('ts_std', 'sample standard deviation (ddof = 1) of x over the window; a window of exactly equal values gives 0; d = 1 gives NaN.', K.rollingStd, { aliases: ['stddev', 'ts_stddev'] }),
  ts('ts_rank', 'rank of the current value within its window: average rank r (1..d) of ties mapped to (r - 1) / (d - 1); d = 1 gives 0.5.', K.rollingRank),
  ts('decay_linear', 'linearly decaying weighted mean: sum_{i=0}^{d-1} (d - i) * x[t - i] / (d (d + 1) / 2).', K.decayLinear, { aliases: ['ts_decay_linear'] }),
  ts('ts_zscore', '(x[t] - mean) / std over the window, std with ddof = 1; a window of exactly equal values gives 0; d = 1 gives NaN.', K.rollingZscore),
  ts('ts_skew', 'sample skewness over the window, adjusted Fisher-Pearson G1 = sqrt(d(d-1))/(d-2) * m3 / m2^1.5 (population central moments; the pandas rolling skew); d < 3 or a constant window gives NaN.', K.rollingSkew),
  {
    name: 'ts_cov', kind: 'time_series', args: [S('x'), S('y'), W()], aliases: ['covariance', 'ts_covariance'],
    description: 'sample covariance (ddof = 1) of x and y over the window (strict in both); a window where x or y is exactly constant gives 0; d = 1 gives NaN.',
    lookback: win(2), run: (c, [x, y, d]) => K.rollingCov(arr(c, x!), arr(c, y!), c.T, c.N, n(d!), c.alloc()),
  },
  {
    name: 'ts_corr', kind: 'time_series', args: [S('x'), S('y'), W()], aliases: ['correlation', 'ts_correlation'],
    description: 'Pearson correlation of x and y over the window (strict in both); a window where x or y is exactly constant gives NaN; d = 1 gives NaN.',
    lookback: win(2), run: (c, [x, y, d]) => K.rollingCorr(arr(c, x!), arr(c, y!), c.T, c.N, n(d!), c.alloc()),
  },
  {
    name: 'ts_regression', kind: 'time_series', args: [S('y'), S('x'), W(), { name: 'rettype', kind: 'number', default: 0, min: 0, max: 3, integer: true }],
    description: 'rolling OLS y = alpha + beta * x + e over the window (strict): rettype 0 = residual of the current bar y[t] - alpha - beta * x[t], 1 = alpha (intercept), 2 = beta (slope), 3 = fitted value alpha + beta * x[t]; x exactly constant in the window or d = 1 gives NaN.',
    lookback: win(2), run: (c, [y, x, d, r]) => K.rollingRegression(arr(c, y!), arr(c, x!), c.T, c.N, n(d!), n(r!), c.alloc()),
  },
];

// ------------------------------------------------------------ indicators
for (const def of INDICATORS) {
  const inputs: ArgSpec[] = def.inputs.map((name) => S(name));
  const params: ArgSpec[] = def.params.map((p) => (p.integer ? { name: p.name, kind: 'window' as const, default: p.default } : { name: p.name, kind: 'number' as const, default: p.default, min: p.min }));
  const k = inputs.length;
  OPS.push({
    name: def.name, kind: 'indicator', args: [...inputs, ...params],
    description: `${def.description}. Per asset over contiguous runs of finite inputs, right-aligned: the value at t uses bars up to t only; NaN during the warm-up.`,
    lookback: (c) => indicatorWarmup(def, c.slice(k)),
    run: (c, args) => runIndicator(def, args.slice(0, k).map((a) => arr(c, a)), args.slice(k) as number[], c.T, c.N, c.alloc()),
  });
}

const BY_NAME = new Map<string, OpSpec>();
for (const op of OPS) {
  if (BY_NAME.has(op.name)) throw new Error(`duplicate operator ${op.name}`);
  BY_NAME.set(op.name, op);
}
for (const op of OPS) for (const a of op.aliases ?? []) {
  if (BY_NAME.has(a)) throw new Error(`alias ${a} of ${op.name} clashes`);
  BY_NAME.set(a, op);
}

/** All registered operators, in registry order. */
export const OPERATORS: readonly OpSpec[] = OPS;

/** The operator named `name` (canonical name or alias, case-insensitive), or undefined. */
export function getOperator(name: string): OpSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** All accepted operator names (canonical names and aliases). */
export function operatorNames(): string[] {
  return [...BY_NAME.keys()];
}

/** The operator with this infix symbol (`unary` selects prefix `-` / `!`). */
export function infixOperator(symbol: string, unary: boolean): OpSpec | undefined {
  return OPS.find((o) => o.infix && o.infix.symbol === symbol && !!o.infix.unary === unary);
}

/** Signature string of an operator, e.g. `ts_corr(x, y, d)` or `scale(x, a=1)`. */
export function signature(op: OpSpec): string {
  return `${op.name}(${op.args.map((a) => (a.default !== undefined ? `${a.name}=${a.default}` : a.name)).join(', ')})`;
}
