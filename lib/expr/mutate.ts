/**
 * Mutations of expressions on the typed AST, by argument kind from the
 * operator registry (ops.ts): the offline proposer and every miner edit
 * expressions here, never with regular expressions on the text.
 *
 * Every mutation returns a {@link Mutation}: either a valid expression in
 * canonical form (`expr` normalized, `canonical` its printed text, which
 * parses back to the same canonical text), or `ok: false` with the reason it
 * does not apply (nothing to change, an argument out of bounds, an operator
 * without a same-kind alternative...). Subtrees are addressed by paths: the
 * argument indices from the root (`[]` = the root, `[0, 1]` = the second
 * argument of the first argument).
 *
 * Mutations:
 * - {@link scaleWindows}: multiplies the arguments of kind `window` only
 *   (`winsorize(x, 4)` keeps its 4: that is a number of standard deviations);
 * - {@link replaceField}: swaps one field for another in series positions;
 * - {@link swapOperator} / {@link operatorAlternatives}: an operator for another
 *   of the same kind with the same argument kinds;
 * - {@link wrap} / {@link unwrap}: `rank`, `zscore`, `decay_linear(., d)` around the root;
 * - {@link negate} (plain AST) and {@link flipSign} (as a mutation);
 * - {@link crossover}: a series subtree of one expression replaced by a series subtree of another;
 * - {@link instantiateTemplate}: a template with typed holes `{name:kind}`.
 *
 * @module
 */
import { call, num, type Expr, type NumberExpr } from './ast.js';
import { getOperator, OPERATORS, type ArgKind, type OpSpec } from './ops.js';
import { checkAst, LIMITS, normalize, parse, print } from './parser.js';

/** The result of a mutation: a valid canonical expression, or why the mutation does not apply. */
export type Mutation =
  | { readonly ok: true; readonly expr: Expr; readonly canonical: string; readonly reason?: undefined }
  | { readonly ok: false; readonly reason: string; readonly expr?: undefined; readonly canonical?: undefined };

/** A subtree and where it sits: its path from the root and the kind of argument position it fills (`series` for the root). */
export interface Subtree {
  readonly path: readonly number[];
  readonly expr: Expr;
  readonly kind: ArgKind;
}

const fail = (reason: string): Mutation => ({ ok: false, reason });

/** Checks and normalizes a built AST; a check failure becomes `ok: false`. */
function done(e: Expr, what: string): Mutation {
  try {
    checkAst(e);
    const n = normalize(e);
    const text = print(n);
    // the canonical text must survive a round trip through the parser
    parse(text);
    return { ok: true, expr: n, canonical: text };
  } catch (err) {
    return fail(`${what}: ${(err as Error).message}`);
  }
}

/** Every subtree of `e` in pre-order, with its path and argument kind. */
export function subtrees(e: Expr): Subtree[] {
  const out: Subtree[] = [];
  const go = (x: Expr, path: number[], kind: ArgKind): void => {
    out.push({ path, expr: x, kind });
    if (x.type !== 'call') return;
    const op = getOperator(x.op)!;
    x.args.forEach((a, k) => go(a, [...path, k], op.args[k]!.kind));
  };
  go(e, [], 'series');
  return out;
}

/** The subtree at `path`, or undefined when the path leaves the tree. */
export function subtreeAt(e: Expr, path: readonly number[]): Expr | undefined {
  let x: Expr | undefined = e;
  for (const k of path) x = x?.type === 'call' ? x.args[k] : undefined;
  return x;
}

/** `e` with the subtree at `path` replaced by `by` (no checks). @throws RangeError when the path leaves the tree. */
export function replaceAt(e: Expr, path: readonly number[], by: Expr): Expr {
  if (path.length === 0) return by;
  if (e.type !== 'call' || path[0]! >= e.args.length) throw new RangeError(`replaceAt: path [${path.join(', ')}] leaves the expression ${print(e)}`);
  const args = e.args.slice();
  args[path[0]!] = replaceAt(args[path[0]!]!, path.slice(1), by);
  return call(e.op, args, e.pos);
}

function mapCalls(e: Expr, f: (x: Expr, kind: ArgKind) => Expr, kind: ArgKind = 'series'): Expr {
  const y = f(e, kind);
  if (y.type !== 'call') return y;
  const op = getOperator(y.op)!;
  return call(y.op, y.args.map((a, k) => mapCalls(a, f, op.args[k]!.kind)), y.pos);
}

const asAst = (e: string | Expr): Expr => (typeof e === 'string' ? parse(e) : e);

/**
 * Multiplies every argument of kind `window` by `factor`, rounded, at least
 * `minWindow` and at most LIMITS.maxWindow. Windows below `minWindow` are kept
 * (a window of 1 is "the current bar", `delay(x, 1)` "the previous bar": scaling
 * those changes what the expression means, not its horizon). Arguments of kind
 * `number` (`winsorize`'s std, `quantile`'s q, `scale`'s a, indicator
 * multipliers) are never touched.
 * Not applicable when no window changes.
 */
export function scaleWindows(e: string | Expr, factor: number, opts: { minWindow?: number } = {}): Mutation {
  if (!(factor > 0 && Number.isFinite(factor))) return fail(`scaleWindows: factor must be a positive number, got ${factor}`);
  const minWindow = opts.minWindow ?? 2;
  let changed = 0;
  const out = mapCalls(asAst(e), (x, kind) => {
    if (kind !== 'window' || x.type !== 'number' || x.value < minWindow) return x;
    const v = Math.min(LIMITS.maxWindow, Math.max(minWindow, Math.round(x.value * factor)));
    if (v !== x.value) changed++;
    return num(v, x.pos);
  });
  if (!changed) return fail(`scaleWindows: no window argument >= ${minWindow} changes when scaled by ${factor}`);
  return done(out, 'scaleWindows');
}

/**
 * Replaces the field `from` by `to` wherever it is a series (not a group label
 * argument). Not applicable when `from` does not occur or the names are equal.
 */
export function replaceField(e: string | Expr, from: string, to: string): Mutation {
  if (from === to) return fail(`replaceField: ${from} replaced by itself`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(to)) return fail(`replaceField: ${JSON.stringify(to)} is not a field name`);
  let changed = 0;
  const out = mapCalls(asAst(e), (x, kind) => {
    if (kind === 'group' || x.type !== 'field' || x.name !== from) return x;
    changed++;
    return { ...x, name: to };
  });
  if (!changed) return fail(`replaceField: ${from} does not occur as a series`);
  return done(out, 'replaceField');
}

/** The fields an expression reads as series (sorted, unique). */
export function fieldsOf(e: string | Expr): string[] {
  const names = new Set<string>();
  for (const s of subtrees(asAst(e))) if (s.expr.type === 'field' && s.kind !== 'group') names.add(s.expr.name);
  return [...names].sort();
}

const argKinds = (op: OpSpec): string => op.args.map((a) => a.kind).join(',');

/**
 * Operators that can stand in for `op`: same {@link OpKind}, same argument
 * kinds in the same order, same infix-ness for unary prefix operators, no
 * indicators (their parameters have their own bounds). E.g. `ts_mean` ->
 * `ts_sum`, `ts_std`, `ts_max`...; `rank` -> `zscore`, `demean`; `add` -> `sub`, `mul`, `div`...
 */
export function operatorAlternatives(op: string): OpSpec[] {
  const spec = getOperator(op);
  if (!spec || spec.kind === 'indicator') return [];
  const sig = argKinds(spec);
  return OPERATORS.filter((o) => o.name !== spec.name && o.kind === spec.kind && argKinds(o) === sig && !!o.infix?.unary === !!spec.infix?.unary);
}

/**
 * Swaps the operator of the call at `path` for `to` (see
 * {@link operatorAlternatives}); the arguments stay. Not applicable when there
 * is no call at `path` or `to` is not an alternative of it.
 */
export function swapOperator(e: string | Expr, path: readonly number[], to: string): Mutation {
  const ast = asAst(e);
  const at = subtreeAt(ast, path);
  if (!at || at.type !== 'call') return fail(`swapOperator: no operator call at [${path.join(', ')}]`);
  const target = getOperator(to);
  if (!target || !operatorAlternatives(at.op).some((o) => o.name === target.name)) {
    return fail(`swapOperator: ${to} is not an operator of the same kind and argument kinds as ${at.op} (alternatives: ${operatorAlternatives(at.op).map((o) => o.name).join(', ') || 'none'})`);
  }
  return done(replaceAt(ast, path, call(target.name, at.args, at.pos)), 'swapOperator');
}

/** The wrappers of {@link wrap} / {@link unwrap}. */
export type Wrapper = 'rank' | 'zscore' | 'decay_linear';

/**
 * Wraps the whole expression: `rank(e)`, `zscore(e)` or `decay_linear(e, window)`
 * (window default 5). Not applicable when the canonical form does not change
 * (`rank(rank(x))` is `rank(x)`).
 */
export function wrap(e: string | Expr, wrapper: Wrapper, window = 5): Mutation {
  const ast = asAst(e);
  const out = wrapper === 'decay_linear' ? call('decay_linear', [ast, num(window)]) : call(wrapper, [ast]);
  const r = done(out, `wrap ${wrapper}`);
  if (r.ok && r.canonical === print(normalize(ast))) return fail(`wrap: ${wrapper} does not change ${r.canonical}`);
  return r;
}

/** Removes a root `rank`, `zscore` or `decay_linear` (or a negation around one). Not applicable otherwise. */
export function unwrap(e: string | Expr): Mutation {
  const ast = normalize(asAst(e));
  const inner = ast.type === 'call' && ast.op === 'neg' ? ast.args[0]! : ast;
  if (inner.type !== 'call' || !['rank', 'zscore', 'decay_linear'].includes(inner.op)) return fail(`unwrap: ${print(ast)} has no rank, zscore or decay_linear at its root`);
  const core = inner.args[0]!;
  return done(inner === ast ? core : call('neg', [core]), 'unwrap');
}

/** `-e` as an AST (unchecked, normalized: `-(-x)` is `x`): the traded expression of a claimed negative sign. */
export function negate(e: Expr): Expr {
  return normalize(call('neg', [e]));
}

/** {@link negate} as a mutation (checked, canonical). */
export function flipSign(e: string | Expr): Mutation {
  return done(call('neg', [asAst(e)]), 'flipSign');
}

/**
 * Subtree crossover: the series subtree of `a` at `pathA` replaced by the
 * series subtree of `b` at `pathB`. Only series positions are exchanged (a
 * window never receives an expression). Not applicable when a path does not
 * address a series subtree or the child equals `a`.
 */
export function crossover(a: string | Expr, b: string | Expr, pathA: readonly number[], pathB: readonly number[]): Mutation {
  const ea = asAst(a), eb = asAst(b);
  const sa = subtrees(ea).find((s) => s.path.length === pathA.length && s.path.every((k, i) => k === pathA[i]));
  const sb = subtrees(eb).find((s) => s.path.length === pathB.length && s.path.every((k, i) => k === pathB[i]));
  if (!sa || sa.kind !== 'series') return fail(`crossover: [${pathA.join(', ')}] is not a series subtree of the first parent`);
  if (!sb || sb.kind !== 'series') return fail(`crossover: [${pathB.join(', ')}] is not a series subtree of the second parent`);
  const r = done(replaceAt(ea, pathA, sb.expr), 'crossover');
  if (r.ok && r.canonical === print(normalize(ea))) return fail('crossover: the child equals the first parent');
  return r;
}

/** A binding of a template hole: a window or number (a number), a series (an expression or its source), a field or group (a name). */
export type HoleValue = number | string | Expr;

const HOLE = /\{([A-Za-z_][A-Za-z0-9_]*):(series|window|number|field|group)\}/g;

/**
 * Instantiates a template with typed holes `{name:kind}`, kind one of
 * `series` (any expression), `field`, `group` (a name), `window` (an integer
 * 1..LIMITS.maxWindow) or `number` (a finite number), e.g.
 * `instantiateTemplate('ts_corr(rank({x:field}), rank({y:field}), {d:window})', { x: 'close', y: 'volume', d: 10 })`.
 * Each binding is checked against its hole's kind before substitution, and
 * the result against the grammar (a window hole in a series position is
 * fine; a series in a window position is not).
 */
export function instantiateTemplate(template: string, bindings: Readonly<Record<string, HoleValue>>): Mutation {
  const missing = new Set<string>();
  let bad: string | undefined;
  const text = template.replace(HOLE, (_m, name: string, kind: string) => {
    const v = bindings[name];
    if (v === undefined) {
      missing.add(name);
      return '0';
    }
    switch (kind) {
      case 'window':
        if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= LIMITS.maxWindow)) bad ??= `hole ${name} is a window: an integer in [1, ${LIMITS.maxWindow}], got ${typeof v === 'object' ? print(v) : String(v)}`;
        return String(v);
      case 'number':
        if (!(typeof v === 'number' && Number.isFinite(v))) bad ??= `hole ${name} is a number, got ${typeof v === 'object' ? print(v) : String(v)}`;
        return `(${String(v)})`;
      case 'field':
      case 'group':
        if (!(typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) bad ??= `hole ${name} is a ${kind} name, got ${typeof v === 'object' ? print(v) : String(v)}`;
        return String(v);
      default:
        if (typeof v === 'number') return `(${String(v)})`;
        return `(${typeof v === 'string' ? v : print(v)})`;
    }
  });
  if (missing.size) return fail(`instantiateTemplate: no binding for ${[...missing].join(', ')}`);
  if (bad) return fail(`instantiateTemplate: ${bad}`);
  try {
    return done(parse(text), 'instantiateTemplate');
  } catch (err) {
    return fail(`instantiateTemplate: ${(err as Error).message}`);
  }
}

/** The window arguments of an expression, with their paths (for miners that pick one to vary). */
export function windowArguments(e: string | Expr): { path: readonly number[]; value: number }[] {
  return subtrees(asAst(e)).filter((s) => s.kind === 'window').map((s) => ({ path: s.path, value: (s.expr as NumberExpr).value }));
}
