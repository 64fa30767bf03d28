/**
 * Translation of our expression language (`lib/expr`, one operator registry)
 * to WorldQuant BRAIN's FASTEXPR text. The expression is parsed by our parser
 * (so aliases, keyword arguments and defaults are resolved), then printed
 * operator by operator from {@link FASTEXPR_OPERATORS}. Operators with no
 * BRAIN equivalent (technical indicators, `quantile`, `ts_skew`) and fields
 * BRAIN does not have are all collected and named in ONE error, before
 * anything is sent.
 *
 * BRAIN names used (BRAIN operator reference, FASTEXPR): arithmetic and
 * comparisons infix; ts_delay, ts_delta, ts_sum, ts_mean, ts_product, ts_min,
 * ts_max, ts_arg_min, ts_arg_max, ts_std_dev, ts_rank, ts_decay_linear,
 * ts_zscore, ts_covariance, ts_corr, ts_regression(y, x, d, rettype=),
 * rank, zscore, normalize (= demean), scale(x, scale=), winsorize(x, std=),
 * group_neutralize / group_rank / group_zscore (x, group),
 * group_mean(x, weight, group), power, signed_power, if_else, and, or, not.
 *
 * Known semantic differences kept as they are (the parity report shows their
 * effect): our `vwap` is the typical price (high + low + close) / 3 when the
 * panel has no vwap field, BRAIN's is the traded VWAP; `adv{d}` is translated
 * to `ts_mean(volume, d)` (our definition: share volume).
 *
 * @module
 */
import { parse, type Expr } from '../../expr/index.js';
import { ExprError } from '../../expr/index.js';
import { VenueError } from '../errors.js';

type Emit = (a: readonly string[], e: Expr & { type: 'call' }) => string;

const fn = (name: string): Emit => (a) => `${name}(${a.map(stripOuter).join(', ')})`;
const infix = (sym: string): Emit => (a) => `(${a[0]} ${sym} ${a[1]})`;

/** Our canonical operator name -> how it prints in FASTEXPR. */
export const FASTEXPR_OPERATORS: Readonly<Record<string, Emit>> = {
  add: infix('+'), sub: infix('-'), mul: infix('*'), div: infix('/'),
  pow: fn('power'), neg: (a) => `(-${a[0]})`, abs: fn('abs'), log: fn('log'), sqrt: fn('sqrt'), exp: fn('exp'), sign: fn('sign'),
  signed_power: fn('signed_power'), min: fn('min'), max: fn('max'),
  lt: infix('<'), le: infix('<='), gt: infix('>'), ge: infix('>='), eq: infix('=='), ne: infix('!='),
  and: fn('and'), or: fn('or'), not: fn('not'), if_else: fn('if_else'),
  clip: (a) => `max(min(${stripOuter(a[0]!)}, ${a[2]}), ${a[1]})`,
  rank: fn('rank'), zscore: fn('zscore'), demean: (a) => `normalize(${stripOuter(a[0]!)})`,
  scale: (a) => `scale(${stripOuter(a[0]!)}, scale=${a[1]})`, winsorize: (a) => `winsorize(${stripOuter(a[0]!)}, std=${a[1]})`,
  group_neutralize: fn('group_neutralize'), group_rank: fn('group_rank'), group_zscore: fn('group_zscore'),
  group_mean: (a) => `group_mean(${stripOuter(a[0]!)}, 1, ${a[1]})`,
  delay: fn('ts_delay'), delta: fn('ts_delta'), ts_sum: fn('ts_sum'), ts_mean: fn('ts_mean'), ts_product: fn('ts_product'),
  ts_min: fn('ts_min'), ts_max: fn('ts_max'), ts_argmin: fn('ts_arg_min'), ts_argmax: fn('ts_arg_max'),
  ts_std: fn('ts_std_dev'), ts_rank: fn('ts_rank'), decay_linear: fn('ts_decay_linear'), ts_zscore: fn('ts_zscore'),
  ts_cov: fn('ts_covariance'), ts_corr: fn('ts_corr'),
  ts_regression: (a) => `ts_regression(${stripOuter(a[0]!)}, ${stripOuter(a[1]!)}, ${a[2]}, rettype=${a[3]})`,
};

/** Data fields BRAIN has under the same name (price-volume data set pv1). */
export const BRAIN_FIELDS: readonly string[] = ['open', 'high', 'low', 'close', 'volume', 'returns', 'vwap', 'cap', 'adv20', 'sharesout'];
/** Group names BRAIN accepts in group operators. */
export const BRAIN_GROUPS: readonly string[] = ['market', 'sector', 'industry', 'subindustry', 'country', 'exchange'];

/** One thing that cannot be sent to BRAIN. */
export interface Untranslatable {
  readonly kind: 'operator' | 'field' | 'group';
  readonly name: string;
  /** 0-based character offset in our expression. */
  readonly position: number;
}

/** Options of {@link translateToFastExpr}. */
export interface TranslateOptions {
  /** Our field name -> BRAIN data field (e.g. `{ mcap: 'cap' }`), for fields BRAIN names differently. */
  readonly fieldMap?: Readonly<Record<string, string>>;
  /** Send unknown field names unchanged (BRAIN has thousands of data fields; default false). */
  readonly allowUnknownFields?: boolean;
}

function fmt(v: number): string {
  return Object.is(v, -0) ? '0' : String(v);
}

/**
 * The FASTEXPR text of an expression of ours.
 * @throws VenueError 'unsupported' listing every operator / field / group with
 *   no BRAIN equivalent and its position (details: Untranslatable[]);
 *   VenueError 'bad_request' when the expression does not parse (our parser's message)
 */
export function translateToFastExpr(src: string | Expr, o: TranslateOptions = {}): string {
  let e: Expr;
  try {
    e = typeof src === 'string' ? parse(src) : src;
  } catch (err) {
    if (err instanceof ExprError) throw new VenueError('brain', 'bad_request', `expression does not parse: ${err.message}`, undefined, false, { position: err.position });
    throw err;
  }
  const missing: Untranslatable[] = [];
  const out = emit(e, o, missing, false);
  if (missing.length) {
    const seen = new Set<string>();
    const list = missing.filter((m) => !seen.has(`${m.kind}:${m.name}`) && seen.add(`${m.kind}:${m.name}`)).map((m) => `${m.kind} ${m.name} (at ${m.position})`);
    throw new VenueError('brain', 'unsupported', `no BRAIN FASTEXPR equivalent for: ${list.join(', ')}; nothing was sent. Rewrite with BRAIN operators (see lib/venues/README.md)${missing.some((m) => m.kind === 'field') ? ' or map fields with fieldMap' : ''}`, undefined, false, missing);
  }
  return stripOuter(out);
}

/** `(a + b)` -> `a + b` when the outer parentheses enclose the whole text. */
function stripOuter(s: string): string {
  if (!s.startsWith('(') || !s.endsWith(')')) return s;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    if (depth === 0 && i < s.length - 1) return s;
  }
  return s.slice(1, -1);
}

function emit(e: Expr, o: TranslateOptions, missing: Untranslatable[], asGroup: boolean): string {
  if (e.type === 'number') return fmt(e.value);
  if (e.type === 'field') {
    const mapped = o.fieldMap?.[e.name];
    if (mapped) return mapped;
    if (asGroup) {
      if (!BRAIN_GROUPS.includes(e.name)) missing.push({ kind: 'group', name: e.name, position: e.pos });
      return e.name;
    }
    const adv = /^adv([1-9][0-9]*)$/.exec(e.name);
    if (adv && e.name !== 'adv20') return `ts_mean(volume, ${adv[1]})`;
    if (!BRAIN_FIELDS.includes(e.name) && !o.allowUnknownFields) missing.push({ kind: 'field', name: e.name, position: e.pos });
    return e.name;
  }
  const f = FASTEXPR_OPERATORS[e.op];
  const isGroupOp = e.op.startsWith('group_');
  const args = e.args.map((a, k) => emit(a, o, missing, isGroupOp && k === 1));
  if (!f) {
    missing.push({ kind: 'operator', name: e.op, position: e.pos });
    return `${e.op}(${args.join(', ')})`;
  }
  return f(args, e);
}
