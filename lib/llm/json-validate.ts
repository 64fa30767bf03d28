/**
 * A small JSON Schema validator for the subset the project's answer schemas
 * use (draft 2020-12 keywords: type incl. unions, enum, const, properties,
 * required, items, minItems/maxItems, minLength/maxLength, minimum/maximum,
 * exclusiveMinimum/exclusiveMaximum, anyOf/oneOf, local $ref). Independent
 * of the grammar converter, so a test can check one with the other.
 */
import type { JsonSchema } from './types.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * Checks `value` against `schema`.
 * @returns the violations as "path: message" lines, [] when valid.
 */
export function validateJson(value: unknown, schema: JsonSchema): string[] {
  const errors: string[] = [];
  const defs = { ...(isObj(schema.$defs) ? schema.$defs : {}), ...(isObj(schema.definitions) ? schema.definitions : {}) } as Record<string, unknown>;
  const check = (v: unknown, s: unknown, path: string): void => {
    if (s === true || s === undefined) return;
    if (s === false) return void errors.push(`${path}: no value is allowed here`);
    if (!isObj(s)) return;
    if (typeof s.$ref === 'string') {
      const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(s.$ref);
      return m && m[1]! in defs ? check(v, defs[m[1]!], path) : void errors.push(`${path}: unresolved $ref ${s.$ref}`);
    }
    if (s.const !== undefined && JSON.stringify(v) !== JSON.stringify(s.const)) errors.push(`${path}: must be ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    const union = (s.anyOf ?? s.oneOf) as unknown;
    if (Array.isArray(union)) {
      const before = errors.length;
      const ok = union.some((u) => {
        const sub = validateJson(v, { ...(u as object), $defs: defs });
        return sub.length === 0;
      });
      errors.length = before;
      if (!ok) errors.push(`${path}: matches none of the ${s.anyOf ? 'anyOf' : 'oneOf'} alternatives`);
    }
    if (s.type !== undefined) {
      const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      const t = typeOf(v);
      if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) return void errors.push(`${path}: expected ${types.join(' or ')}, got ${t}`);
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${path}: ${v} < minimum ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${path}: ${v} > maximum ${s.maximum}`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) errors.push(`${path}: ${v} <= exclusiveMinimum ${s.exclusiveMinimum}`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) errors.push(`${path}: ${v} >= exclusiveMaximum ${s.exclusiveMaximum}`);
    }
    if (typeof v === 'string') {
      const n = [...v].length;
      if (typeof s.minLength === 'number' && n < s.minLength) errors.push(`${path}: shorter than ${s.minLength} characters`);
      if (typeof s.maxLength === 'number' && n > s.maxLength) errors.push(`${path}: longer than ${s.maxLength} characters`);
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
      v.forEach((x, i) => check(x, s.items, `${path}[${i}]`));
    }
    if (isObj(v)) {
      const props = isObj(s.properties) ? s.properties : {};
      if (Array.isArray(s.required)) for (const r of s.required) if (typeof r === 'string' && !(r in v)) errors.push(`${path}: missing required property "${r}"`);
      for (const [k, x] of Object.entries(v)) {
        if (k in props) check(x, props[k], `${path}.${k}`);
        else if (s.additionalProperties === false) errors.push(`${path}: unexpected property "${k}"`);
        else if (isObj(s.additionalProperties)) check(x, s.additionalProperties, `${path}.${k}`);
      }
    }
  };
  check(value, schema, '$');
  return errors;
}
