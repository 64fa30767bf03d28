/**
 * The alpha expression engine: a BRAIN-style formulaic alpha language
 * (function calls with infix arithmetic, comparisons and logic), technical
 * indicators, and an AlphaGPT-style token VM, all on one operator registry and
 * one evaluator. Operator semantics: docs/expressions.md (generated from the
 * registry by {@link operatorReference}).
 *
 * ```ts
 * import { evaluate, canonical, validate } from './lib/expr/index.js';
 * const alpha = evaluate('-ts_corr(rank(open), rank(volume), 10)', panel); // Float64Array, dates x assets
 * ```
 *
 * An expression is data: it is parsed into a typed AST and run by kernels on
 * typed arrays; nothing in it reaches `eval`, `Function` or the file system.
 * {@link evaluateParallel} runs a list of expressions on worker threads over
 * the panel in shared memory (lib/expr/parallel.ts, loaded on first use).
 *
 * @module
 */
import { ExprError, suggest } from './ast.js';
import type { Expr } from './ast.js';
import { getOperator, OPERATORS, signature } from './ops.js';
import type { OpKind } from './ops.js';
import { ADV_RE, canonical, parse } from './parser.js';
import type { ExprThreadPool, ParallelOptions } from './parallel.js';
import type { Panel } from '../data/panel.js';

export { ExprError } from './ast.js';
export type { Expr, NumberExpr, FieldExpr, CallExpr } from './ast.js';
export { num, fieldRef, call } from './ast.js';
export { parse, canonical, lookback, normalize, print, checkAst, LIMITS } from './parser.js';
export { evaluate, evaluateMany, evaluateRange, ExprCache } from './evaluate.js';
export type { EvaluateOptions, EvalStats } from './evaluate.js';
export { toTokens, fromTokens, evaluateTokens, MAX_TOKENS } from './tokens.js';
export type { TokenOptions } from './tokens.js';
export { OPERATORS, getOperator } from './ops.js';
export {
  scaleWindows, replaceField, fieldsOf, operatorAlternatives, swapOperator, wrap, unwrap, negate, flipSign, crossover,
  instantiateTemplate, subtrees, subtreeAt, replaceAt, windowArguments,
} from './mutate.js';
export type { Mutation, Subtree, Wrapper, HoleValue } from './mutate.js';
export { ALPHA101 } from './alpha101.js';
export type { ExprThreadPool, ParallelOptions, ParallelStats } from './parallel.js';
export type { OpSpec, OpKind, ArgSpec, ArgKind } from './ops.js';

/**
 * Evaluates several expressions on one panel in parallel on worker threads,
 * the panel shared (one SharedArrayBuffer, no copy per thread), results
 * bit-identical to {@link evaluate}; longest expressions first. Loads
 * lib/expr/parallel.ts on first use (importing the engine starts no thread).
 * `opts.pool` reuses a started pool ({@link createExprThreadPool}); else
 * `opts.workers` threads (default: the machine's cores) are started for the
 * call and closed after it.
 * @returns one Float64Array per expression, in input order (dates x assets, date-major, views on SharedArrayBuffers).
 * @throws ExprError naming the failing expression (index and text); Error when a thread dies.
 */
export async function evaluateParallel(es: readonly (string | Expr)[], panel: Panel, opts: ParallelOptions = {}): Promise<Float64Array[]> {
  const m = await import('./parallel.js');
  return m.evaluateParallel(es, panel, opts);
}

/**
 * Starts a pool of `workers` expression threads (default: the machine's
 * cores) for repeated {@link evaluateParallel} calls (`{ pool }`) or its own
 * `evaluateMany`; await `pool.ready()` to wait for start-up, `pool.close()` at the end.
 * @throws RangeError for a `workers` that is not a positive integer.
 */
export async function createExprThreadPool(workers?: number): Promise<ExprThreadPool> {
  const m = await import('./parallel.js');
  return new m.ExprThreadPool(workers);
}

/** The fields assumed by {@link validate} when no field list is given (OHLCV; derived names are always accepted). */
export const DEFAULT_FIELDS: readonly string[] = ['open', 'high', 'low', 'close', 'volume'];

/** Derived names every panel with OHLCV offers: `returns`, `vwap`, `adv{d}`. */
export function isDerivedField(name: string): boolean {
  return name === 'returns' || name === 'vwap' || ADV_RE.test(name);
}

/** Options of {@link validate}. */
export interface ValidateOptions {
  /** Field names available (default {@link DEFAULT_FIELDS}); derived names are always accepted. */
  fields?: readonly string[];
  /** Group names available for group arguments (e.g. `sector`); fields are accepted as label series too. */
  groups?: readonly string[];
}

/**
 * Result of {@link validate}. Each variant declares the other's fields as
 * optional `undefined`, so `r.errors` / `r.canonical` can be read without
 * narrowing (tslab compiles notebooks without strictNullChecks, where
 * narrowing on `r.ok` does not work).
 */
export type ValidateResult =
  | { ok: true; expr: Expr; canonical: string; errors?: undefined }
  | { ok: false; errors: { message: string; position: number }[]; expr?: undefined; canonical?: undefined };

/**
 * Checks an expression without evaluating it: syntax, operator names, arity,
 * argument kinds (series vs number literal vs window vs group), window bounds,
 * depth and size limits (see `LIMITS`), and that every name is a known field
 * or group. Never throws for bad input: errors are returned with their
 * 0-based position and a message that says how to fix them.
 */
export function validate(src: string, opts: ValidateOptions = {}): ValidateResult {
  let expr: Expr;
  try {
    expr = parse(src);
  } catch (err) {
    if (err instanceof ExprError) return { ok: false, errors: [{ message: err.message, position: err.position }] };
    return { ok: false, errors: [{ message: String((err as Error).message ?? err), position: -1 }] };
  }
  const fields = new Set(opts.fields ?? DEFAULT_FIELDS);
  const groups = new Set(opts.groups ?? []);
  const errors: { message: string; position: number }[] = [];
  const seen = new Set<string>();
  const walk = (e: Expr, asGroup: boolean): void => {
    if (e.type === 'number') return;
    if (e.type === 'field') {
      if (fields.has(e.name) || isDerivedField(e.name) || (asGroup && groups.has(e.name))) return;
      const key = `${e.name}@${e.pos}`;
      if (seen.has(key)) return;
      seen.add(key);
      const cands = asGroup ? [...groups, ...fields] : [...fields, 'returns', 'vwap', 'adv20'];
      const s = suggest(e.name, cands);
      const what = asGroup ? 'group' : 'field';
      const list = asGroup ? `groups: ${[...groups].join(', ') || '(none)'}` : `fields: ${[...fields].join(', ')}, returns, vwap, adv{d}`;
      errors.push({ message: `unknown ${what} ${e.name} at ${e.pos}${s ? `: did you mean ${s}?` : `; ${list}`}`, position: e.pos });
      return;
    }
    const op = getOperator(e.op)!;
    e.args.forEach((a, k) => walk(a, op.args[k]!.kind === 'group'));
  };
  walk(expr, false);
  if (errors.length) return { ok: false, errors };
  return { ok: true, expr, canonical: canonical(expr) };
}

/** One operator as listed for people and LLM prompts. */
export interface OperatorInfo {
  name: string;
  /** e.g. `ts_corr(x, y, d)`, `scale(x, a=1)`. */
  signature: string;
  kind: OpKind;
  /** Exact semantics. */
  description: string;
}

/** Every registered operator with its signature, kind and exact semantics (for LLM prompts and docs). */
export function listOperators(): OperatorInfo[] {
  return OPERATORS.map((op) => {
    const al = op.aliases?.length ? ` Also accepted as: ${op.aliases.join(', ')}.` : '';
    return { name: op.name, signature: signature(op), kind: op.kind, description: `${op.description}${al}`.trim() };
  });
}

const KIND_TITLES: Record<OpKind, string> = {
  element_wise: 'Element-wise',
  cross_sectional: 'Cross-sectional (per date, over assets with a value)',
  group: 'Group (per date, within the group of each asset)',
  time_series: 'Time-series (per asset, strict windows)',
  indicator: 'Technical indicators (technicalindicators 3.1.0, per asset)',
};

/**
 * The operator reference as Markdown (the body of docs/expressions.md's
 * operator tables), generated from the registry so it cannot drift from it.
 */
export function operatorReference(): string {
  const lines: string[] = [];
  for (const kind of Object.keys(KIND_TITLES) as OpKind[]) {
    lines.push(`### ${KIND_TITLES[kind]}`, '', '| operator | lookback | semantics |', '|---|---|---|');
    for (const op of OPERATORS.filter((o) => o.kind === kind)) {
      const lb = op.kind === 'indicator' ? 'measured warm-up' : op.name === 'delay' || op.name === 'delta' ? 'd' : op.args.some((a) => a.kind === 'window') ? 'd - 1' : '0';
      const al = op.aliases?.length ? ` Aliases: ${op.aliases.map((a) => `\`${a}\``).join(', ')}.` : '';
      lines.push(`| \`${signature(op)}\` | ${lb} | ${op.description.replace(/\|/g, '\\|')}${al} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
