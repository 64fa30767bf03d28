/**
 * The typed AST of the alpha expression language, and its error type.
 *
 * An expression is data: a tree of number literals, field (or group) names,
 * and operator calls resolved against the operator registry. Infix syntax
 * (`a + b`, `x < 0`, `c ? a : b`) is parsed into the same call nodes as the
 * function form (`add(a, b)`, `lt(x, 0)`, `if_else(c, a, b)`).
 *
 * @module
 */
import { editDistance } from '../core/settings.js';

/** A numeric literal (windows, exponents, constants). Always finite. */
export interface NumberExpr {
  readonly type: 'number';
  readonly value: number;
  /** 0-based character offset in the source, -1 when built programmatically. */
  readonly pos: number;
}

/**
 * A name: a panel field (`close`), a derived field (`returns`, `vwap`,
 * `adv20`), or, in a group argument, a group name (`sector`).
 */
export interface FieldExpr {
  readonly type: 'field';
  readonly name: string;
  readonly pos: number;
}

/** A call of a registered operator with its arguments in declared order (defaults filled in). */
export interface CallExpr {
  readonly type: 'call';
  /** The operator's canonical (registry) name, e.g. `ts_mean`, `add`. */
  readonly op: string;
  readonly args: readonly Expr[];
  readonly pos: number;
}

/** A node of the typed AST. Every expression evaluates to a dates x assets panel (a number broadcasts). */
export type Expr = NumberExpr | FieldExpr | CallExpr;

/**
 * A parse, validation or evaluation error of an expression, with the 0-based
 * character offset it refers to (`position`, -1 when unknown). Messages are
 * written so that a person or a language model can fix the expression from
 * them, e.g. `unknown operator ts_avg at 0: did you mean ts_mean?`.
 */
export class ExprError extends Error {
  /** 0-based character offset in the source string, -1 when unknown. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'ExprError';
    this.position = position;
  }
}

/** A number literal node. */
export function num(value: number, pos = -1): NumberExpr {
  return { type: 'number', value: Object.is(value, -0) ? 0 : value, pos };
}

/** A field / group name node. */
export function fieldRef(name: string, pos = -1): FieldExpr {
  return { type: 'field', name, pos };
}

/** A call node (no validation; use the parser or `fromTokens` for checked construction). */
export function call(op: string, args: readonly Expr[], pos = -1): CallExpr {
  return { type: 'call', op, args, pos };
}

/**
 * The closest candidate to `name` (edit distance <= max(2, len/3) after mapping
 * common synonyms: avg/average -> mean, stddev -> std, correlation -> corr), or undefined.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase().replace(/average|avg/g, 'mean').replace(/stddev|stdev/g, 'std').replace(/correlation/g, 'corr').replace(/covariance/g, 'cov');
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
