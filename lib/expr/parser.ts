/**
 * Parser, canonical printer and static analysis (lookback) of the alpha
 * expression language.
 *
 * Grammar (lowest to highest precedence; all binary operators left-associative
 * except `^`):
 *
 * ```
 * expr    := or ('?' expr ':' expr)?            c ? a : b  ==  if_else(c, a, b)
 * or      := and ('||' and)*
 * and     := eq ('&&' eq)*
 * eq      := cmp (('==' | '!=') cmp)*
 * cmp     := sum (('<' | '<=' | '>' | '>=') sum)*
 * sum     := prod (('+' | '-') prod)*
 * prod    := unary (('*' | '/') unary)*
 * unary   := ('-' | '+' | '!') unary | power
 * power   := primary ('^' unary)?               right-associative; -x^2 = -(x^2)
 * primary := number | name | name '(' args? ')' | '(' expr ')'
 * args    := arg (',' arg)* ;  arg := name '=' expr | expr
 * ```
 *
 * Operator names are case-insensitive (`Ts_ArgMax` = `ts_argmax`) and accept
 * the aliases of the registry (`stddev`, `correlation`, `sum`, ...). Field
 * names are case-sensitive. Unary minus on a number literal folds into a
 * negative literal. Keyword arguments map to the declared argument names.
 *
 * @module
 */
import { ExprError, call, fieldRef, num, suggest } from './ast.js';
import type { CallExpr, Expr, NumberExpr } from './ast.js';
import { getOperator, infixOperator, operatorNames, signature } from './ops.js';
import type { OpSpec } from './ops.js';

/** Limits checked by the parser and the token VM. */
export const LIMITS = {
  /** Longest accepted source, characters. */
  maxSourceLength: 10_000,
  /** Deepest accepted nesting of operators. */
  maxDepth: 64,
  /** Most nodes (literals, names, calls) in one expression. */
  maxNodes: 1_000,
  /** Largest window, bars. */
  maxWindow: 10_000,
};

type Tok = { t: 'num' | 'id' | 'op' | 'eof'; v: string; pos: number };

const OPS2 = ['<=', '>=', '==', '!=', '&&', '||'];
const OPS1 = '()+-*/^<>!?:,=';

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const numMatch = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i, i + 64));
    if (numMatch) {
      out.push({ t: 'num', v: numMatch[0], pos: i });
      i += numMatch[0].length;
      if (i < n && /[A-Za-z_]/.test(src[i]!)) throw new ExprError(`unexpected character '${src[i]}' after the number ${numMatch[0]} at ${i}`, i);
      continue;
    }
    const idMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 256));
    if (idMatch) { out.push({ t: 'id', v: idMatch[0], pos: i }); i += idMatch[0].length; continue; }
    const two = src.slice(i, i + 2);
    if (OPS2.includes(two)) { out.push({ t: 'op', v: two, pos: i }); i += 2; continue; }
    if (OPS1.includes(c)) { out.push({ t: 'op', v: c, pos: i }); i++; continue; }
    const hint = c === '&' ? ": did you mean '&&'?" : c === '|' ? ": did you mean '||'?" : c === '[' || c === '{' ? ': use ( ) for grouping' : '';
    // A whole code point (an emoji is two UTF-16 units), with its U+ code for invisible ones.
    const cp = src.codePointAt(i)!;
    const shown = cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${String.fromCodePoint(cp)}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
    throw new ExprError(`unexpected character ${c === String.fromCodePoint(cp) && cp >= 0x20 && cp < 0x7f ? `'${c}'` : shown} at ${i}${hint}`, i);
  }
  out.push({ t: 'eof', v: '', pos: n });
  return out;
}

/** One supplied argument before resolution: optional keyword name. */
export interface RawArg {
  readonly name?: string;
  readonly expr: Expr;
  readonly pos: number;
}

/**
 * Resolves a call of `name` with the given arguments against the registry:
 * maps keywords, fills defaults, checks arity and argument kinds, floors
 * windows. Shared by the parser and the token VM.
 * @throws ExprError with the position of the call or the offending argument.
 */
export function resolveCall(name: string, raw: readonly RawArg[], pos: number): CallExpr {
  const op = getOperator(name);
  if (!op) {
    const s = suggest(name, operatorNames());
    throw new ExprError(`unknown operator ${name} at ${pos}${s ? `: did you mean ${s}?` : ''}`, pos);
  }
  const spec = op.args;
  const slots: (RawArg | undefined)[] = new Array(spec.length).fill(undefined);
  let seenKeyword = false;
  let positional = 0;
  for (const a of raw) {
    if (a.name !== undefined) {
      seenKeyword = true;
      const k = spec.findIndex((s) => s.name === a.name);
      if (k < 0) throw new ExprError(`${op.name} has no argument named ${a.name} at ${a.pos}; arguments: ${spec.map((s) => s.name).join(', ')}`, a.pos);
      if (slots[k]) throw new ExprError(`${op.name} argument ${a.name} given twice at ${a.pos}`, a.pos);
      slots[k] = a;
    } else {
      if (seenKeyword) throw new ExprError(`positional argument after a keyword argument in ${op.name} at ${a.pos}`, a.pos);
      if (positional < spec.length) slots[positional] = a;
      positional++;
    }
  }
  const required = spec.filter((s) => s.default === undefined).length;
  const missing = spec.some((s, k) => !slots[k] && s.default === undefined);
  if (positional > spec.length || missing) {
    const expects = required === spec.length ? `${spec.length}` : `${required} to ${spec.length}`;
    throw new ExprError(`${op.name} expects ${expects} argument${spec.length === 1 ? '' : 's'}, got ${raw.length} at ${pos}: ${signature(op)}`, pos);
  }
  const args: Expr[] = spec.map((s, k) => checkArg(op, k, slots[k], pos));
  return call(op.name, args, pos);
}

function checkArg(op: OpSpec, k: number, a: RawArg | undefined, callPos: number): Expr {
  const s = op.args[k]!;
  if (!a) return num(s.default!, callPos);
  const e = a.expr;
  const where = `(${op.name} argument ${s.name}) at ${a.pos}`;
  switch (s.kind) {
    case 'series':
      return e;
    case 'group':
      if (e.type === 'number') throw new ExprError(`${op.name} argument ${s.name} must be a group name (e.g. sector) or a label series, got the number ${e.value} at ${a.pos}`, a.pos);
      return e;
    case 'window': {
      if (e.type !== 'number') throw new ExprError(`window must be a positive integer literal, got the expression ${print(e)} ${where}`, a.pos);
      const d = Math.floor(e.value);
      if (!(d >= 1)) throw new ExprError(`window must be a positive integer, got ${e.value} ${where}`, a.pos);
      if (d > LIMITS.maxWindow) throw new ExprError(`window ${e.value} exceeds the maximum ${LIMITS.maxWindow} ${where}`, a.pos);
      return num(d, e.pos);
    }
    case 'number': {
      if (e.type !== 'number') throw new ExprError(`${s.name} must be a number literal, got the expression ${print(e)} ${where}`, a.pos);
      const v = e.value;
      if (s.integer && !Number.isInteger(v)) throw new ExprError(`${s.name} must be an integer, got ${v} ${where}`, a.pos);
      if (s.min !== undefined && v < s.min) throw new ExprError(`${s.name} must be >= ${s.min}, got ${v} ${where}`, a.pos);
      if (s.max !== undefined && v > s.max) throw new ExprError(`${s.name} must be <= ${s.max}, got ${v} ${where}`, a.pos);
      return e;
    }
  }
}

class Parser {
  private i = 0;
  private depth = 0;
  private nodes = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok { return this.toks[this.i]!; }
  private next(): Tok { return this.toks[this.i++]!; }
  private isOp(v: string): boolean { const t = this.peek(); return t.t === 'op' && t.v === v; }
  private expect(v: string, what: string): Tok {
    const t = this.peek();
    if (t.t === 'op' && t.v === v) return this.next();
    throw new ExprError(`expected '${v}' ${what} at ${t.pos}, got ${describe(t)}`, t.pos);
  }
  private count(pos: number): void {
    if (++this.nodes > LIMITS.maxNodes) throw new ExprError(`expression too large: more than ${LIMITS.maxNodes} nodes at ${pos}`, pos);
  }
  private enter(pos: number): void {
    if (++this.depth > LIMITS.maxDepth) throw new ExprError(`expression nested too deeply: more than ${LIMITS.maxDepth} levels at ${pos}`, pos);
  }

  parseAll(): Expr {
    if (this.peek().t === 'eof') throw new ExprError('empty expression at 0', 0);
    const e = this.expr();
    const t = this.peek();
    if (t.t !== 'eof') throw new ExprError(`unexpected ${describe(t)} at ${t.pos}: expected an operator or the end of the expression`, t.pos);
    return e;
  }

  private expr(): Expr {
    const start = this.peek().pos;
    this.enter(start);
    const c = this.binary(1);
    let out = c;
    if (this.isOp('?')) {
      const q = this.next();
      const a = this.expr();
      this.expect(':', "in 'cond ? a : b'");
      const b = this.expr();
      this.count(q.pos);
      out = resolveCall('if_else', [{ expr: c, pos: start }, { expr: a, pos: exprPos(a) }, { expr: b, pos: exprPos(b) }], q.pos);
    }
    this.depth--;
    return out;
  }

  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op') break;
      const op = infixOperator(t.v, false);
      if (!op || !op.infix || op.infix.prec < minPrec || op.infix.rightAssoc) break;
      this.next();
      this.enter(t.pos);
      const right = this.binary(op.infix.prec + 1);
      this.depth--;
      this.count(t.pos);
      left = resolveCall(op.name, [{ expr: left, pos: exprPos(left) }, { expr: right, pos: exprPos(right) }], t.pos);
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '!')) {
      this.next();
      this.enter(t.pos);
      const x = this.unary();
      this.depth--;
      if (t.v === '+') return x;
      if (t.v === '-' && x.type === 'number') return num(-x.value, t.pos);
      this.count(t.pos);
      return resolveCall(t.v === '-' ? 'neg' : 'not', [{ expr: x, pos: exprPos(x) }], t.pos);
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.primary();
    if (this.isOp('^')) {
      const t = this.next();
      this.enter(t.pos);
      const ex = this.unary();
      this.depth--;
      this.count(t.pos);
      return resolveCall('pow', [{ expr: base, pos: exprPos(base) }, { expr: ex, pos: exprPos(ex) }], t.pos);
    }
    return base;
  }

  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') {
      this.count(t.pos);
      const v = Number(t.v);
      if (!Number.isFinite(v)) throw new ExprError(`number ${t.v} is out of range at ${t.pos}`, t.pos);
      return num(v, t.pos);
    }
    if (t.t === 'id') {
      this.count(t.pos);
      if (!this.isOp('(')) {
        // A zero-argument operator (the `nan` literal) is written without parentheses.
        if (getOperator(t.v)?.args.length === 0) return resolveCall(t.v, [], t.pos);
        return fieldRef(t.v, t.pos);
      }
      this.next();
      this.enter(t.pos);
      const raw: RawArg[] = [];
      if (!this.isOp(')')) {
        for (;;) {
          const a = this.peek();
          const b = this.toks[this.i + 1]!;
          if (a.t === 'id' && b.t === 'op' && b.v === '=') {
            this.next(); this.next();
            const e = this.expr();
            raw.push({ name: a.v, expr: e, pos: a.pos });
          } else {
            const e = this.expr();
            raw.push({ expr: e, pos: a.pos });
          }
          if (this.isOp(',')) { this.next(); continue; }
          break;
        }
      }
      this.expect(')', `to close the arguments of ${t.v}(`);
      this.depth--;
      return resolveCall(t.v, raw, t.pos);
    }
    if (t.t === 'op' && t.v === '(') {
      this.enter(t.pos);
      const e = this.expr();
      this.expect(')', `to close the '(' at ${t.pos}`);
      this.depth--;
      return e;
    }
    if (t.t === 'eof') throw new ExprError(`unexpected end of expression at ${t.pos}: expected a number, a field or an operator call`, t.pos);
    throw new ExprError(`unexpected ${describe(t)} at ${t.pos}: expected a number, a field or an operator call`, t.pos);
  }
}

function describe(t: Tok): string {
  return t.t === 'eof' ? 'the end of the expression' : `'${t.v}'`;
}

function exprPos(e: Expr): number {
  return e.pos;
}

/**
 * Parses an expression into the typed AST (operators resolved, defaults
 * filled, windows floored).
 * @throws ExprError with the 0-based character position and a fixable message.
 */
export function parse(src: string): Expr {
  if (typeof src !== 'string') throw new ExprError('expression must be a string', -1);
  if (src.length > LIMITS.maxSourceLength) throw new ExprError(`expression too long: ${src.length} characters, the maximum is ${LIMITS.maxSourceLength} at ${LIMITS.maxSourceLength}`, LIMITS.maxSourceLength);
  return new Parser(lex(src)).parseAll();
}

/**
 * Checks an AST built outside the parser (e.g. by hand with `call`): every
 * call names a registered operator with its declared number of arguments,
 * window and number arguments are number literals, names are identifiers.
 * Parser and token-VM output always passes.
 * @throws ExprError naming the first problem.
 */
export function checkAst(e: Expr): void {
  if (e.type === 'number') {
    if (!Number.isFinite(e.value)) throw new ExprError(`number literal ${e.value} is not finite at ${e.pos}`, e.pos);
    return;
  }
  if (e.type === 'field') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) throw new ExprError(`invalid name ${JSON.stringify(e.name)} at ${e.pos}`, e.pos);
    return;
  }
  const op = getOperator(e.op);
  if (!op || op.name !== e.op) throw new ExprError(`unknown operator ${e.op} at ${e.pos} (an AST must use canonical operator names)`, e.pos);
  if (e.args.length !== op.args.length) throw new ExprError(`${op.name} expects ${op.args.length} arguments, got ${e.args.length} at ${e.pos}: ${signature(op)}`, e.pos);
  op.args.forEach((s, k) => {
    const a = e.args[k]!;
    if ((s.kind === 'window' || s.kind === 'number') && a.type !== 'number') throw new ExprError(`${op.name} argument ${s.name} must be a number literal at ${a.pos}`, a.pos);
    if (s.kind === 'window' && !(Number.isInteger((a as NumberExpr).value) && (a as NumberExpr).value >= 1 && (a as NumberExpr).value <= LIMITS.maxWindow)) throw new ExprError(`window must be a positive integer, got ${(a as NumberExpr).value} (${op.name} argument ${s.name}) at ${a.pos}`, a.pos);
    checkAst(a);
  });
}

// ------------------------------------------------------------------ printing

function fmtNum(v: number): string {
  return Object.is(v, -0) ? '0' : String(v);
}

const ATOM = 100;

function pr(e: Expr): { s: string; p: number } {
  if (e.type === 'number') return { s: fmtNum(e.value), p: e.value < 0 ? 0 : ATOM };
  if (e.type === 'field') return { s: e.name, p: ATOM };
  const op = getOperator(e.op)!;
  const inf = op.infix;
  if (inf) {
    const p = inf.prec;
    if (inf.unary) {
      const a = pr(e.args[0]!);
      return { s: `${inf.symbol}${a.p < p ? `(${a.s})` : a.s}`, p };
    }
    const l = pr(e.args[0]!), r = pr(e.args[1]!);
    const wl = inf.rightAssoc ? l.p <= p : l.p < p;
    const wr = inf.rightAssoc ? r.p < p : r.p <= p;
    return { s: `${wl ? `(${l.s})` : l.s} ${inf.symbol} ${wr ? `(${r.s})` : r.s}`, p };
  }
  if (op.args.length === 0) return { s: op.name, p: ATOM };
  return { s: `${op.name}(${e.args.map((a) => pr(a).s).join(', ')})`, p: ATOM };
}

/** Prints an AST as is (no reordering); infix where the operator has an infix form, minimal parentheses. */
export function print(e: Expr): string {
  return pr(e).s;
}

/**
 * The canonical AST: arguments of commutative operators (`+`, `*`, `min`,
 * `max`, `==`, `!=`, `&&`, `||`) in sorted order of their canonical text
 * (number literals last), so `volume * close` and `close * volume` are one
 * factor; element-wise operators on literals folded (`-1 * 1` -> `-1`);
 * `x * -1` -> `-x`, `x * 1` and `x / 1` -> `x`, `-(-x)` -> `x`,
 * `rank(rank(x))` -> `rank(x)`, `sign(sign(x))` -> `sign(x)`, `abs(abs(x))` and
 * `abs(-x)` -> `abs(x)`. These rewrites give bitwise-identical values. No other rewriting (no re-association:
 * floating-point `(a + b) + c` and `a + (b + c)` differ).
 */
export function normalize(e: Expr): Expr {
  if (e.type !== 'call') return e;
  const args = e.args.map(normalize);
  const op = getOperator(e.op)!;
  // value-preserving rewrites (bitwise identical results in IEEE 754):
  // constant folding of element-wise operators on literals (when finite),
  // x * -1 -> -x, x * 1 -> x, x / 1 -> x, -(-x) -> x
  if (op.kind === 'element_wise' && args.every((a) => a.type === 'number')) {
    const v = op.run({ T: 1, N: 1, alloc: () => new Float64Array(1) }, args.map((a) => (a as NumberExpr).value))[0]!;
    if (Number.isFinite(v)) return num(v, e.pos);
  }
  if (e.op === 'mul') {
    const [a, b] = args as [Expr, Expr];
    for (const [k, other] of [[a, b], [b, a]] as const) {
      if (k.type === 'number' && k.value === -1) return normalize(call('neg', [other], e.pos));
      if (k.type === 'number' && k.value === 1) return other;
    }
  }
  if (e.op === 'div' && args[1]!.type === 'number' && args[1]!.value === 1) return args[0]!;
  if (e.op === 'neg' && args[0]!.type === 'call' && args[0]!.op === 'neg') return args[0]!.args[0]!;
  // rank is idempotent: ranking ranks keeps the order, the ties and n, so rank(rank(x)) == rank(x) exactly
  if (e.op === 'rank' && args[0]!.type === 'call' && args[0]!.op === 'rank') return args[0]!;
  // sign and abs are idempotent (sign's kernel gives -1, +0, 1 or NaN, all fixed points), and |-x| = |x| bit for bit
  if ((e.op === 'sign' || e.op === 'abs') && args[0]!.type === 'call' && args[0]!.op === e.op) return args[0]!;
  if (e.op === 'abs' && args[0]!.type === 'call' && args[0]!.op === 'neg') return normalize(call('abs', [args[0]!.args[0]!], e.pos));
  if (op.commutative && args.length === 2) {
    // sort by text, number literals last (so `close * 2`, not `2 * close`)
    const a = print(args[0]!), b = print(args[1]!);
    const na = args[0]!.type === 'number' ? 1 : 0, nb = args[1]!.type === 'number' ? 1 : 0;
    if (nb < na || (na === nb && b < a)) return call(e.op, [args[1]!, args[0]!], e.pos);
  }
  return call(e.op, args, e.pos);
}

/**
 * The canonical printed form of an expression: parse, sort commutative
 * arguments, fill default arguments, floor windows, print with infix
 * operators and minimal parentheses, operator names lower-case. Two spellings
 * of one factor (aliases, keyword arguments, `?:` vs `if_else`, extra
 * parentheses, argument order of commutative operators) give one string; use
 * it as the cache and deduplication key.
 * @throws ExprError when `e` is a string that does not parse.
 */
export function canonical(e: string | Expr): string {
  return print(normalize(typeof e === 'string' ? parse(e) : e));
}

// ------------------------------------------------------------------ lookback

/** Matches the derived field `adv{d}` (mean share volume over d bars). */
export const ADV_RE = /^adv([1-9][0-9]*)$/;

/** Lookback of a name: `returns` 1, `adv{d}` d - 1, others 0. */
export function fieldLookback(name: string): number {
  if (name === 'returns') return 1;
  const m = ADV_RE.exec(name);
  return m ? Number(m[1]) - 1 : 0;
}

/**
 * Bars of history an expression needs before its first valid value: the sum
 * along the deepest path of each operator's declared lookback (window d adds
 * d - 1; delay/delta d add d; indicators add their measured warm-up; derived
 * fields: `returns` 1, `adv{d}` d - 1). Evaluating rows [s, e) needs rows
 * [s - lookback, e). For recursive indicators (EMA, RSI, MACD, ATR, ADX) and
 * cumulative OBV this is the warm-up only; their later values still depend on
 * where history starts.
 * @throws ExprError when `e` is a string that does not parse.
 */
export function lookback(e: string | Expr): number {
  const x = typeof e === 'string' ? parse(e) : e;
  const memo = new Map<Expr, number>();
  const go = (n: Expr): number => {
    if (n.type === 'number') return 0;
    if (n.type === 'field') return fieldLookback(n.name);
    const m = memo.get(n);
    if (m !== undefined) return m;
    const op = getOperator(n.op)!;
    const consts = n.args.map((a) => (a.type === 'number' ? a.value : NaN));
    let child = 0;
    op.args.forEach((s, k) => { if (s.kind === 'series' || s.kind === 'group') child = Math.max(child, go(n.args[k]!)); });
    const v = op.lookback(consts) + child;
    memo.set(n, v);
    return v;
  };
  return go(x);
}
