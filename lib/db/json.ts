/**
 * The one JSON codec for non-finite numbers and typed arrays (JSON itself has
 * neither: `JSON.stringify(NaN)` is `null`, a Float64Array becomes an object),
 * in two forms:
 * - the store form, lossless ({@link encodeJson} / {@link decodeJson}):
 *   Float64Array series as base64 of their bytes (`{"$f64": "..."}`), other
 *   typed arrays likewise with their type (`{"$ta": "Uint16Array", "b64": "..."}`), and
 *   non-finite numbers as `{"$num": "NaN" | "Infinity" | "-Infinity"}`, so a
 *   report read back equals the report written bit for bit (the factor trial
 *   store, DuckDB JSON columns);
 * - the document form, readable ({@link toJsonSafe}, {@link nonFiniteAsString},
 *   {@link reviveNonFinite}, {@link decodeNumber}): typed arrays as plain arrays
 *   and non-finite numbers as the strings "NaN", "Infinity", "-Infinity"
 *   (exported strategy documents, knowledge-base metric records), with
 *   {@link canonicalJson} (sorted keys) as the input of content hashes.
 * Plus {@link sha256} and {@link stableJson} for cache keys.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/** Encodes `value` to a JSON string (see the module comment). */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, _key: string, v: unknown) {
    if (v instanceof Float64Array) return { $f64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView) && TYPED_ARRAYS[v.constructor.name]) return { $ta: v.constructor.name, b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    return v;
  });
}

/** The other typed arrays the store form keeps (`{"$ta": "<constructor name>", "b64": "..."}`), e.g. a rank snapshot's Uint16Array codes. */
const TYPED_ARRAYS: Readonly<Record<string, { new (b: ArrayBuffer): ArrayBufferView; BYTES_PER_ELEMENT: number }>> = {
  Float32Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array,
};

function typedArrayFromBase64(kind: string, b64: string): ArrayBufferView {
  const bytes = Buffer.from(b64, 'base64');
  const Ctor = TYPED_ARRAYS[kind]!;
  if (bytes.length % Ctor.BYTES_PER_ELEMENT !== 0) throw new RangeError(`decodeJson: ${bytes.length} bytes is not a whole number of ${kind} elements`);
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return new Ctor(buf);
}

/** Decodes a string written by {@link encodeJson}. @throws SyntaxError on malformed JSON. */
export function decodeJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$f64 === 'string') return float64FromBase64(o.$f64);
      if (typeof o.$ta === 'string' && typeof o.b64 === 'string' && TYPED_ARRAYS[o.$ta]) return typedArrayFromBase64(o.$ta, o.b64);
      if (typeof o.$num === 'string' && Object.keys(o).length === 1) return Number(o.$num);
    }
    return v;
  }) as T;
}

/** Float64Array from the base64 of its little-endian bytes (copied into an aligned buffer). */
export function float64FromBase64(b64: string): Float64Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % 8 !== 0) throw new RangeError(`float64FromBase64: ${bytes.length} bytes is not a multiple of 8`);
  const out = new Float64Array(bytes.length / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Hex sha256 of a string or of the bytes of a typed array. */
export function sha256(data: string | ArrayBufferView): string {
  const h = createHash('sha256');
  if (typeof data === 'string') h.update(data);
  else h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex');
}

/** JSON with object keys sorted (a canonical form for hashing settings). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return v;
  });
}

/** A JSON value (the document form). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A JSON.stringify replacer for the document form: non-finite numbers as "NaN", "Infinity", "-Infinity". */
export function nonFiniteAsString(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** A JSON.parse reviver for the document form: the strings "NaN", "Infinity", "-Infinity" back to numbers. */
export function reviveNonFinite(_key: string, v: unknown): unknown {
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
}

/** A number of the document form: a number as is, "NaN" / "Infinity" / "-Infinity" decoded, anything else (null included) NaN. */
export function decodeNumber(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  return NaN;
}

/** Copy of a value in the document form: typed arrays as arrays, non-finite numbers as strings, functions and undefined dropped, bigint as number. */
export function toJsonSafe(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => toJsonSafe(x));
  if (Array.isArray(v)) return v.map(toJsonSafe);
  if (typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined || typeof x === 'function') continue;
      out[k] = toJsonSafe(x);
    }
    return out;
  }
  return null;
}

/** Canonical JSON of a document-form value: object keys sorted, no whitespace (the input of content hashes). */
export function canonicalJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`)
    .join(',')}}`;
}
