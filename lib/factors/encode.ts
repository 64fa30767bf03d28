/**
 * Lossless JSON encoding of reports for the store: Float64Array series as
 * base64 of their bytes ({"$f64": "..."}) and non-finite numbers as
 * {"$num": "NaN" | "Infinity" | "-Infinity"}, so a report read back equals the
 * report written bit for bit (plain JSON would turn NaN into null).
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/** Encodes `value` to a JSON string (see the module comment). */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, _key: string, v: unknown) {
    if (v instanceof Float64Array) return { $f64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    return v;
  });
}

/** Decodes a string written by {@link encodeJson}. @throws SyntaxError on malformed JSON. */
export function decodeJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$f64 === 'string') return float64FromBase64(o.$f64);
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
