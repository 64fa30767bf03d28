/**
 * Token formulas (AlphaGPT style): a formula as a sequence of tokens in
 * reverse Polish order, e.g. `['close', '5', 'ts_mean', 'volume', 'rank', 'mul']`
 * = `ts_mean(close, 5) * rank(volume)`.
 *
 * Tokens: a number literal (`5`, `-0.5`, `1e-3`), an operator name of the
 * registry (canonical or alias, case-insensitive; infix operators by name:
 * `add sub mul div pow neg lt le gt ge eq ne and or not`), or any other name
 * = a field (or, in a group argument, a group). An operator pops exactly as
 * many operands as it declares arguments (defaults are not implied in token
 * form), and its arguments are checked exactly as in the expression language
 * (same `resolveCall`); the VM builds the same typed AST, which the same
 * evaluator runs: there is no second implementation of any operator.
 *
 * @module
 */
import { ExprError, fieldRef, num, suggest } from './ast.js';
import type { Expr } from './ast.js';
import { getOperator, OPERATORS } from './ops.js';
import { ADV_RE, normalize, parse, resolveCall } from './parser.js';
import type { RawArg } from './parser.js';
import { evaluate } from './evaluate.js';
import type { EvaluateOptions } from './evaluate.js';
import type { Panel } from '../data/panel.js';

/** Default longest accepted token formula. */
export const MAX_TOKENS = 256;

const NUM_RE = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The token sequence (reverse Polish) of an expression, in canonical argument
 * order with every argument explicit (defaults filled).
 * @throws ExprError when `e` is a string that does not parse.
 */
export function toTokens(e: string | Expr): string[] {
  const x = normalize(typeof e === 'string' ? parse(e) : e);
  const out: string[] = [];
  const go = (n: Expr): void => {
    if (n.type === 'number') out.push(Object.is(n.value, -0) ? '0' : String(n.value));
    else if (n.type === 'field') out.push(n.name);
    else { n.args.forEach(go); out.push(n.op); }
  };
  go(x);
  return out;
}

/** Options of {@link fromTokens}. */
export interface TokenOptions {
  /** Longest accepted sequence (default {@link MAX_TOKENS}). */
  maxLength?: number;
  /**
   * Names a token may refer to besides operators (fields and groups). When given,
   * any other name is an error naming the token (with a suggestion) instead of
   * becoming a field reference; derived `returns`, `vwap`, `adv{d}` are always accepted.
   * {@link evaluateTokens} passes the panel's fields and groups.
   */
  names?: readonly string[];
}

/**
 * Runs the stack VM over a token sequence and returns the expression it
 * builds. Errors carry `position` = the index of the offending token.
 * @throws ExprError on an empty or too long sequence, an invalid token, stack
 * underflow (an operator with too few operands), an argument of the wrong
 * kind (e.g. a window that is not a positive number), or leftover values.
 */
export function fromTokens(tokens: readonly string[], opts: TokenOptions = {}): Expr {
  const max = opts.maxLength ?? MAX_TOKENS;
  if (!Array.isArray(tokens)) throw new ExprError('token formula must be an array of strings', -1);
  if (tokens.length === 0) throw new ExprError('empty token formula at 0', 0);
  if (tokens.length > max) throw new ExprError(`token formula too long: ${tokens.length} tokens, the maximum is ${max} at ${max}`, max);
  const stack: Expr[] = [];
  const known = opts.names ? new Set(opts.names) : undefined;
  tokens.forEach((tok, i) => {
    if (typeof tok !== 'string') throw new ExprError(`token ${i} is not a string at ${i}`, i);
    if (NUM_RE.test(tok)) {
      const v = Number(tok);
      if (!Number.isFinite(v)) throw new ExprError(`number token ${tok} out of range at ${i}`, i);
      stack.push(num(v, i));
      return;
    }
    const op = getOperator(tok);
    if (op) {
      const k = op.args.length;
      if (stack.length < k) throw new ExprError(`stack underflow at token ${i} (${tok}): ${op.name} needs ${k} operand${k === 1 ? '' : 's'}, the stack holds ${stack.length}`, i);
      const args = stack.splice(stack.length - k, k);
      const raw: RawArg[] = args.map((a) => ({ expr: a, pos: a.pos }));
      try {
        stack.push(resolveCall(op.name, raw, i));
      } catch (err) {
        if (err instanceof ExprError) throw new ExprError(`${err.message.replace(/ at -?\d+/g, '')} (token ${i}: ${tok})`, i);
        throw err;
      }
      return;
    }
    if (NAME_RE.test(tok)) {
      if (known && !known.has(tok) && tok !== 'returns' && tok !== 'vwap' && !ADV_RE.test(tok)) {
        const s = suggest(tok, [...OPERATORS.map((o) => o.name), ...known]);
        throw new ExprError(`unknown token ${JSON.stringify(tok)} at ${i}: not an operator or a field of this panel${s ? `; did you mean ${s}?` : ''}`, i);
      }
      stack.push(fieldRef(tok, i));
      return;
    }
    throw new ExprError(`invalid token ${JSON.stringify(tok)} at ${i}: expected a number, a field or an operator name`, i);
  });
  if (stack.length !== 1) throw new ExprError(`token formula leaves ${stack.length} values on the stack, expected exactly 1 at ${tokens.length}`, tokens.length);
  return stack[0]!;
}

/**
 * Evaluates a token formula: {@link fromTokens} then the one evaluator.
 * @returns Float64Array of length nDates * nAssets, date-major.
 */
export function evaluateTokens(tokens: readonly string[], panel: Panel, opts: EvaluateOptions & TokenOptions = {}): Float64Array {
  return evaluate(fromTokens(tokens, { names: [...Object.keys(panel.fields), ...Object.keys(panel.groups ?? {})], ...opts }), panel, opts);
}
