/**
 * The learned generator's token vocabulary and grammar (AlphaGPT style):
 * formulas in reverse-Polish order as in lib/expr `tokens.ts` (the same
 * stack VM, `fromTokens`, builds and checks the AST), over fields of the
 * panel, window lengths and operators of the one registry, with a typed
 * stack machine that masks every token that cannot lead to a valid formula,
 * so every sampled sequence is one.
 *
 * Vocabulary, in index order: `END`, fields, windows (numbers), operators.
 * Operators taken from the registry by signature: element-wise
 * (series, series) `add sub mul div min max`; element-wise unary `neg abs log
 * sign`; cross-sectional (series) `rank zscore demean`; every time-series
 * (series, window) operator; time-series (series, series, window) `ts_corr
 * ts_cov`. Comparisons, conditionals, indicators and operators with optional
 * number arguments are left out (their outputs are 0/1 masks or need
 * constants the vocabulary does not hold).
 *
 * Grammar: the stack holds series (S) and at most one window (W), on top; a
 * window may be pushed only onto a series and must be consumed by the next
 * token (a window operator); an operator is allowed when the top of the stack
 * matches its argument kinds; `END` only when the stack holds one series. A
 * token is also masked when the formula could no longer be finished within
 * `maxLength` tokens (the finish needs #S - 1 + #W more operators at most).
 *
 * @module
 */
import { canonical, fromTokens, OPERATORS, type Expr } from '../expr/index.js';
import { DEFAULT_WINDOWS } from './grid.js';

/** A token's role on the typed stack. */
export type TokenKind = 'end' | 'field' | 'window' | 'op';

/** The vocabulary of a generator. */
export interface Vocab {
  /** Token strings, index = token id; 0 is `END`. */
  readonly tokens: readonly string[];
  readonly kinds: readonly TokenKind[];
  /** Argument kinds of each operator token ('S' series, 'W' window); [] for others. */
  readonly args: readonly (readonly ('S' | 'W')[])[];
  /** Longest formula in tokens (END excluded). */
  readonly maxLength: number;
}

const EW2 = ['add', 'sub', 'mul', 'div', 'min', 'max'];
const EW1 = ['neg', 'abs', 'log', 'sign'];
const TS2 = ['ts_corr', 'ts_cov'];

/**
 * Builds the vocabulary from the registry for the given fields and windows.
 * @throws Error for no field, a window that is not a positive integer, or maxLength < 1.
 */
export function buildVocab(fields: readonly string[], windows: readonly number[] = DEFAULT_WINDOWS, maxLength = 12): Vocab {
  if (fields.length === 0) throw new Error('buildVocab: no field');
  for (const w of windows) if (!(Number.isInteger(w) && w >= 1)) throw new Error(`buildVocab: window ${w} is not a positive integer`);
  if (!(Number.isInteger(maxLength) && maxLength >= 1)) throw new Error(`buildVocab: maxLength ${maxLength} must be an integer >= 1`);
  const ops: { name: string; args: ('S' | 'W')[] }[] = [];
  for (const o of OPERATORS) {
    const sig = o.args.map((a) => a.kind).join(',');
    const ok = (o.kind === 'element_wise' && ((sig === 'series,series' && EW2.includes(o.name)) || (sig === 'series' && EW1.includes(o.name))))
      || (o.kind === 'cross_sectional' && sig === 'series')
      || (o.kind === 'time_series' && (sig === 'series,window' || (sig === 'series,series,window' && TS2.includes(o.name))));
    if (ok) ops.push({ name: o.name, args: o.args.map((a) => (a.kind === 'window' ? 'W' : 'S')) });
  }
  ops.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tokens = ['END', ...fields, ...windows.map(String), ...ops.map((o) => o.name)];
  const kinds: TokenKind[] = ['end', ...fields.map(() => 'field' as const), ...windows.map(() => 'window' as const), ...ops.map(() => 'op' as const)];
  const args = [[], ...fields.map(() => []), ...windows.map(() => []), ...ops.map((o) => o.args)];
  return { tokens, kinds, args, maxLength };
}

/** The typed stack of a prefix: number of series and whether a window is on top. */
export interface GrammarState {
  readonly series: number;
  readonly window: boolean;
  /** Tokens emitted so far (END excluded). */
  readonly length: number;
  readonly done: boolean;
}

/** The empty prefix. */
export const START_STATE: GrammarState = { series: 0, window: false, length: 0, done: false };

/** The state after emitting token `id`, or null when it is not allowed. */
export function grammarStep(v: Vocab, s: GrammarState, id: number): GrammarState | null {
  if (s.done) return null;
  const kind = v.kinds[id];
  if (kind === 'end') return s.series === 1 && !s.window ? { ...s, done: true } : null;
  if (s.length >= v.maxLength) return null;
  let series = s.series, window = s.window;
  if (kind === 'field') {
    if (window) return null;
    series++;
  } else if (kind === 'window') {
    if (window || series < 1) return null;
    window = true;
  } else {
    const a = v.args[id]!;
    const needW = a[a.length - 1] === 'W';
    const nS = a.filter((k) => k === 'S').length;
    if (needW !== window || series < nS) return null;
    series = series - nS + 1;
    window = false;
  }
  const length = s.length + 1;
  // tokens still needed to finish: one operator per extra series and per window
  if (series - 1 + (window ? 1 : 0) > v.maxLength - length) return null;
  return { series, window, length, done: false };
}

/** Allowed-token mask (1 allowed, 0 masked) of a state, length = vocabulary size. */
export function grammarMask(v: Vocab, s: GrammarState, out = new Uint8Array(v.tokens.length)): Uint8Array {
  for (let i = 0; i < v.tokens.length; i++) out[i] = grammarStep(v, s, i) ? 1 : 0;
  return out;
}

/**
 * The expression of a complete token-id sequence (END excluded or included),
 * built by lib/expr `fromTokens` (the one stack VM).
 * @throws ExprError when the sequence is not a valid formula.
 */
export function tokensToExpr(v: Vocab, ids: readonly number[]): Expr {
  const body = ids.filter((i) => v.kinds[i] !== 'end').map((i) => v.tokens[i]!);
  return fromTokens(body);
}

/** Canonical expression text of a token-id sequence. */
export function tokensToExpression(v: Vocab, ids: readonly number[]): string {
  return canonical(tokensToExpr(v, ids));
}
