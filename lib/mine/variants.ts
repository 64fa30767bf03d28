/**
 * Expression variants: the mutations of lib/expr mutate.ts applied to a
 * parent expression, by argument kind (never by regex): window scaling,
 * field swaps, operator swaps to registry alternatives of the same kind and
 * argument kinds, wrapping / unwrapping (rank, zscore, decay_linear) and
 * negation. Deterministic order; an optional seed shuffles it.
 *
 * @module
 */
import { canonical, parse, fieldsOf, flipSign, operatorAlternatives, replaceField, scaleWindows, subtrees, swapOperator, unwrap, wrap, type Mutation } from '../expr/index.js';
import { Rng } from '../stats/index.js';

/** A variant of a parent: its canonical expression and the mutation that made it (e.g. `scale_windows x2`, `field close->open`). */
export interface Variant {
  readonly expression: string;
  readonly parent: string;
  readonly mutation: string;
}

/** Options of {@link expressionVariants}. */
export interface VariantOptions {
  /** Fields a field may be swapped for (those of the panel). */
  readonly fields: readonly string[];
  /** Window scale factors. Default [0.5, 2]. */
  readonly windowFactors?: readonly number[];
  /** Shuffle the variants with this seed (lib/stats Rng); default: registry order. */
  readonly seed?: number;
}

/**
 * Every applicable single mutation of `parent` (canonical, unique, the parent
 * itself excluded), each with the mutation's name.
 * @throws ExprError when the parent does not parse.
 */
export function expressionVariants(parent: string, o: VariantOptions): Variant[] {
  const p = canonical(parent);
  const out: Variant[] = [];
  const seen = new Set<string>([p]);
  const add = (m: Mutation, mutation: string): void => {
    if (!m.ok || seen.has(m.canonical)) return;
    seen.add(m.canonical);
    out.push({ expression: m.canonical, parent: p, mutation });
  };
  for (const f of o.windowFactors ?? [0.5, 2]) add(scaleWindows(p, f), `scale_windows x${f}`);
  for (const from of fieldsOf(p)) for (const to of o.fields) if (to !== from) add(replaceField(p, from, to), `field ${from}->${to}`);
  for (const s of subtrees(parse(p))) {
    if (s.expr.type !== 'call') continue;
    for (const alt of operatorAlternatives(s.expr.op)) add(swapOperator(p, s.path, alt.name), `op ${s.expr.op}->${alt.name} at [${s.path.join(',')}]`);
  }
  add(wrap(p, 'rank'), 'wrap rank');
  add(wrap(p, 'zscore'), 'wrap zscore');
  add(wrap(p, 'decay_linear', 5), 'wrap decay_linear 5');
  add(unwrap(p), 'unwrap');
  add(flipSign(p), 'negate');
  if (o.seed !== undefined) {
    const rng = new Rng(o.seed);
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
  }
  return out;
}
