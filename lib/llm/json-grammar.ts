/**
 * JSON Schema -> GBNF (llama.cpp's grammar format, grammars/README.md in
 * llama.cpp), so a model run in-process can only emit answers that follow
 * the schema, token by token. Unlike node-llama-cpp's own JSON-schema grammar
 * (which makes every property required and ignores numeric bounds), this
 * converter enforces what the hypothesis schema needs: required vs optional
 * properties, `enum`/`const`, type unions (`["string","null"]`), integer and
 * number ranges (`minimum`/`maximum`, exclusive forms), `minItems`/`maxItems`,
 * `minLength`/`maxLength`, `anyOf`/`oneOf` and local `$ref`s.
 *
 * Every rule is bounded (string length, array length, digit count,
 * whitespace), so decoding always ends, even for a model whose weights are
 * noise: the output of a grammar-constrained run is valid JSON that
 * validates against the schema whatever the model prefers.
 *
 * Conventions: properties are emitted in schema order, required ones first;
 * numbers with bounds are written with a fixed number of decimals
 * (`fractionDigits`, e.g. `0.050`), which JSON parses to the same value;
 * no additional properties are ever generated.
 */
import type { JsonSchema } from './types.js';

/** Bounds that keep every generated value finite. */
export interface GrammarLimits {
  /** Longest free string (characters) when the schema gives no smaller `maxLength`. Default 240. */
  readonly maxStringLength?: number;
  /** Most array items when the schema gives no `maxItems`. Default 8. */
  readonly maxArrayItems?: number;
  /** Most integer digits of an unbounded number. Default 9. */
  readonly maxIntegerDigits?: number;
  /** Decimals of a bounded number when its bounds need fewer. Default 2 (the bounds' own decimals win when more, up to 6). */
  readonly fractionDigits?: number;
}

/** GBNF string literal. */
function lit(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** Decimals written in a number's shortest form (0.005 -> 3). */
function decimals(x: number): number {
  const s = String(x);
  const e = /e-(\d+)$/.exec(s);
  if (e) return Number(e[1]) + (s.split('e')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

/**
 * GBNF alternatives matching exactly the digit strings of length n between
 * `lo` and `hi` (both n digits, lo <= hi, leading zeros allowed): the
 * classic numeric-range-to-pattern split on the first differing digit.
 */
export function fixedWidthRange(lo: string, hi: string): string[] {
  if (lo.length !== hi.length) throw new RangeError(`fixedWidthRange: ${lo} and ${hi} differ in length`);
  if (lo.length === 0) return [''];
  if (lo === hi) return [lit(lo)];
  const a = lo.charCodeAt(0) - 48;
  const b = hi.charCodeAt(0) - 48;
  const restLo = lo.slice(1);
  const restHi = hi.slice(1);
  const n = restLo.length;
  const join = (head: string, tail: string) => (tail === '' ? head : `${head} ${tail}`);
  if (a === b) return fixedWidthRange(restLo, restHi).map((t) => join(lit(String(a)), t));
  const out: string[] = [];
  const loFull = /^0*$/.test(restLo);
  const hiFull = /^9*$/.test(restHi);
  const from = loFull ? a : a + 1;
  const to = hiFull ? b : b - 1;
  if (!loFull) for (const t of fixedWidthRange(restLo, '9'.repeat(n))) out.push(join(lit(String(a)), t));
  if (from <= to) out.push(join(from === to ? lit(String(from)) : `[${from}-${to}]`, n === 0 ? '' : n === 1 ? '[0-9]' : `[0-9]{${n}}`));
  if (!hiFull) for (const t of fixedWidthRange('0'.repeat(n), restHi)) out.push(join(lit(String(b)), t));
  return out;
}

/** GBNF alternatives for the integers in [lo, hi] written without leading zeros (negative ones with "-"). */
export function integerRange(lo: number, hi: number): string[] {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) throw new RangeError(`integerRange: need safe integers lo <= hi, got ${lo}, ${hi}`);
  if (hi < 0) return integerRange(-hi, -lo).map((a) => `"-" ${a}`);
  if (lo < 0) return [...integerRange(1, -lo).map((a) => `"-" ${a}`), ...integerRange(0, hi)];
  const out: string[] = [];
  for (let w = String(lo).length; w <= String(hi).length; w++) {
    const a = Math.max(lo, w === 1 ? 0 : 10 ** (w - 1));
    const b = Math.min(hi, 10 ** w - 1);
    if (a <= b) out.push(...fixedWidthRange(String(a), String(b)));
  }
  return out;
}

/** GBNF alternatives for the scaled integers [lo, hi] (value = S / 10^k) written as `I.FFF` with k decimals. */
function decimalRange(lo: number, hi: number, k: number): string[] {
  if (hi < 0) return decimalRange(-hi, -lo, k).map((a) => `"-" ${a}`);
  if (lo < 0) return [...decimalRange(1, -lo, k).map((a) => `"-" ${a}`), ...decimalRange(0, hi, k)];
  const P = 10 ** k;
  const iLo = Math.floor(lo / P);
  const iHi = Math.floor(hi / P);
  const frac = (x: number) => String(x).padStart(k, '0');
  const seq = (ints: string[], fracs: string[]) => ints.flatMap((i) => fracs.map((f) => `${i} "." ${f}`));
  const anyFrac = [k === 1 ? '[0-9]' : `[0-9]{${k}}`];
  if (iLo === iHi) return seq(integerRange(iLo, iLo), fixedWidthRange(frac(lo % P), frac(hi % P)));
  const out = seq(integerRange(iLo, iLo), fixedWidthRange(frac(lo % P), frac(P - 1)));
  if (iLo + 1 <= iHi - 1) out.push(...integerRange(iLo + 1, iHi - 1).map((i) => `${i} "." ${anyFrac[0]}`));
  out.push(...seq(integerRange(iHi, iHi), fixedWidthRange(frac(0), frac(hi % P))));
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The GBNF grammar (root rule `root`) whose every sentence is a JSON value
 * valid under `schema`.
 * @throws Error naming the schema path of an unsupported keyword (`pattern`,
 *   `allOf`, `not`, `if`, non-local `$ref`, `format` other than none) or of a
 *   range that contains no value.
 */
export function jsonSchemaToGbnf(schema: JsonSchema, limits: GrammarLimits = {}): string {
  const maxStr = limits.maxStringLength ?? 240;
  const maxItems = limits.maxArrayItems ?? 8;
  const maxDigits = limits.maxIntegerDigits ?? 9;
  const fracDefault = limits.fractionDigits ?? 2;
  const rules = new Map<string, string>();
  const defs = { ...(isObj(schema.$defs) ? schema.$defs : {}), ...(isObj(schema.definitions) ? schema.definitions : {}) } as Record<string, unknown>;

  const add = (name: string, body: string): string => {
    const existing = rules.get(name);
    if (existing !== undefined && existing !== body) {
      let k = 2;
      while (rules.has(`${name}-${k}`) && rules.get(`${name}-${k}`) !== body) k++;
      name = `${name}-${k}`;
    }
    rules.set(name, body);
    return name;
  };
  const ruleName = (path: string) => path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'value';

  rules.set('ws', '| " " | "\\n" [ \\t]{0,16}');
  rules.set('char', '[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})');

  const stringRule = (min: number, max: number): string => add(`string-${min}-${max}`, `"\\"" char{${min},${max}} "\\""`);

  const value = (s: unknown, path: string): string => {
    if (s === true || s === undefined || (isObj(s) && Object.keys(s).length === 0)) return anyValue();
    if (!isObj(s)) throw new Error(`json grammar: schema at ${path} is not an object`);
    for (const k of ['pattern', 'allOf', 'not', 'if', 'patternProperties']) if (s[k] !== undefined) throw new Error(`json grammar: keyword "${k}" at ${path} is not supported`);
    if (typeof s.$ref === 'string') {
      const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(s.$ref);
      if (!m || !(m[1]! in defs)) throw new Error(`json grammar: $ref ${s.$ref} at ${path} is not a local definition`);
      const name = `def-${ruleName(m[1]!)}`;
      if (!rules.has(name)) {
        rules.set(name, '""'); // placeholder, allows recursive references
        rules.set(name, value(defs[m[1]!], `${path}/$ref`));
      }
      return name;
    }
    if (s.const !== undefined) return lit(JSON.stringify(s.const));
    if (Array.isArray(s.enum)) {
      if (s.enum.length === 0) throw new Error(`json grammar: empty enum at ${path}`);
      return `(${s.enum.map((v) => lit(JSON.stringify(v))).join(' | ')})`;
    }
    const union = (s.anyOf ?? s.oneOf) as unknown;
    if (Array.isArray(union)) return `(${union.map((u, i) => value(u, `${path}/anyOf/${i}`)).join(' | ')})`;
    if (Array.isArray(s.type)) return `(${s.type.map((t) => value({ ...s, type: t }, path)).join(' | ')})`;
    if (typeof s.format === 'string') throw new Error(`json grammar: keyword "format" at ${path} is not supported`);
    switch (s.type) {
      case 'null':
        return '"null"';
      case 'boolean':
        return '("true" | "false")';
      case 'string': {
        const min = typeof s.minLength === 'number' ? s.minLength : 0;
        const max = Math.max(min, Math.min(typeof s.maxLength === 'number' ? s.maxLength : maxStr, maxStr));
        return stringRule(min, max);
      }
      case 'integer': {
        const cap = 10 ** maxDigits - 1;
        let lo = typeof s.minimum === 'number' ? Math.ceil(s.minimum) : -cap;
        let hi = typeof s.maximum === 'number' ? Math.floor(s.maximum) : cap;
        if (typeof s.exclusiveMinimum === 'number') lo = Math.max(lo, Math.floor(s.exclusiveMinimum) + 1);
        if (typeof s.exclusiveMaximum === 'number') hi = Math.min(hi, Math.ceil(s.exclusiveMaximum) - 1);
        if (lo > hi) throw new Error(`json grammar: no integer in [${lo}, ${hi}] at ${path}`);
        return add(`${ruleName(path)}-int`, integerRange(lo, hi).join(' | '));
      }
      case 'number': {
        const bounds = [s.minimum, s.maximum, s.exclusiveMinimum, s.exclusiveMaximum].filter((x): x is number => typeof x === 'number');
        if (bounds.length === 0) return add('number', `"-"? ([0-9] | [1-9] [0-9]{1,${maxDigits - 1}}) ("." [0-9]{1,6})?`);
        const k = Math.min(6, Math.max(fracDefault, ...bounds.map(decimals)));
        const P = 10 ** k;
        const cap = (10 ** maxDigits - 1) * P;
        let lo = typeof s.minimum === 'number' ? Math.ceil(s.minimum * P - 1e-9) : -cap;
        let hi = typeof s.maximum === 'number' ? Math.floor(s.maximum * P + 1e-9) : cap;
        if (typeof s.exclusiveMinimum === 'number') lo = Math.max(lo, Math.floor(s.exclusiveMinimum * P + 1e-9) + 1);
        if (typeof s.exclusiveMaximum === 'number') hi = Math.min(hi, Math.ceil(s.exclusiveMaximum * P - 1e-9) - 1);
        if (lo > hi) throw new Error(`json grammar: no number with ${k} decimals in the bounds at ${path}`);
        return add(`${ruleName(path)}-num`, decimalRange(lo, hi, k).join(' | '));
      }
      case 'array': {
        const item = value(s.items, `${path}/items`);
        const min = typeof s.minItems === 'number' ? s.minItems : 0;
        const max = Math.max(min, Math.min(typeof s.maxItems === 'number' ? s.maxItems : maxItems, Math.max(maxItems, min)));
        const itemRule = add(`${ruleName(path)}-item`, item);
        let body: string;
        if (max === 0) body = '"[" ws "]"';
        else if (min === 0) body = `"[" ws (${itemRule} ("," ws ${itemRule}){0,${max - 1}})? ws "]"`;
        else body = `"[" ws ${itemRule} ("," ws ${itemRule}){${min - 1},${max - 1}} ws "]"`;
        return add(ruleName(path) || 'array', body);
      }
      case 'object': {
        const props = isObj(s.properties) ? s.properties : {};
        const required = new Set(Array.isArray(s.required) ? (s.required as unknown[]).filter((x): x is string => typeof x === 'string') : []);
        for (const r of required) if (!(r in props)) throw new Error(`json grammar: required property "${r}" at ${path} has no schema`);
        const keys = Object.keys(props);
        const pair = (k: string) => `${lit(JSON.stringify(k))} ws ":" ws ${value(props[k], `${path}/${k}`)}`;
        const req = keys.filter((k) => required.has(k)).map(pair);
        const opt = keys.filter((k) => !required.has(k)).map(pair);
        let inner: string;
        if (req.length > 0) inner = [req.join(' "," ws '), ...opt.map((p) => `("," ws ${p})?`)].join(' ');
        else if (opt.length > 0) inner = `(${opt.map((p, i) => [p, ...opt.slice(i + 1).map((q) => `("," ws ${q})?`)].join(' ')).join(' | ')})?`;
        else inner = '';
        return add(ruleName(path) || 'object', `"{" ws ${inner}${inner ? ' ' : ''}ws "}"`);
      }
      default:
        throw new Error(`json grammar: type ${JSON.stringify(s.type)} at ${path} is not supported`);
    }
  };

  let anyName: string | undefined;
  function anyValue(): string {
    if (anyName) return anyName;
    anyName = 'any-value';
    // free JSON, bounded in depth 2 so it always terminates
    const scalar = `(${stringRule(0, maxStr)} | ${add('number', `"-"? ([0-9] | [1-9] [0-9]{1,${maxDigits - 1}}) ("." [0-9]{1,6})?`)} | "true" | "false" | "null")`;
    rules.set('any-scalar', scalar);
    rules.set('any-flat', `any-scalar | "[" ws (any-scalar ("," ws any-scalar){0,${maxItems - 1}})? ws "]" | "{" ws (${stringRule(0, maxStr)} ws ":" ws any-scalar ("," ws ${stringRule(0, maxStr)} ws ":" ws any-scalar){0,${maxItems - 1}})? ws "}"`);
    rules.set(anyName, `any-scalar | "[" ws (any-flat ("," ws any-flat){0,${maxItems - 1}})? ws "]" | "{" ws (${stringRule(0, maxStr)} ws ":" ws any-flat ("," ws ${stringRule(0, maxStr)} ws ":" ws any-flat){0,${maxItems - 1}})? ws "}"`);
    return anyName;
  }

  const root = value(schema, '$');
  rules.delete('root');
  const lines = [`root ::= ${root}`];
  for (const [name, body] of rules) lines.push(`${name} ::= ${body}`);
  return lines.join('\n') + '\n';
}
