/**
 * The loop's view of the expression engine (lib/expr): validation against a
 * dataset's fields with the engine's own error messages, canonical forms for
 * duplicate detection, and the operator list shown to the model.
 */
import { listOperators, validate } from '../expr/index.js';
import type { Grammar, GrammarCheck, GrammarOperator } from './types.js';

/**
 * The {@link Grammar} backed by lib/expr: `validate` returns the engine's
 * canonical form, or its error messages (with 0-based positions) joined by "; ".
 */
export function exprGrammar(): Grammar {
  let ops: GrammarOperator[] | undefined;
  return {
    validate(src: string, fields: readonly string[]): GrammarCheck {
      const r = validate(src, { fields });
      // no `r.ok` narrowing: tslab compiles lib/ without strictNullChecks, where boolean discriminants do not narrow
      const errors = (r as { errors?: readonly { message: string }[] }).errors;
      if (errors) return { ok: false, error: errors.map((e) => e.message).join('; ') };
      return { ok: true, canonical: (r as { canonical: string }).canonical };
    },
    operators(): readonly GrammarOperator[] {
      ops ??= listOperators().map((o) => ({ name: o.name, signature: o.signature, description: o.description, kind: o.kind }));
      return ops;
    },
  };
}
