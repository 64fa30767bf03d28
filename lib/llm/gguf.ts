/**
 * The GGUF container format (llama.cpp model files), version 3: a header
 * check that names the file when it is not a GGUF model, and a small writer
 * (metadata key/values plus F32 tensors) used to build test models.
 *
 * Layout (ggml docs/gguf.md; gguf-py `gguf_writer.py`), all little-endian:
 *   magic "GGUF" (4 bytes) | version u32 | tensor_count u64 | kv_count u64
 *   kv_count x { key: string, value_type u32, value }
 *   tensor_count x { name: string, n_dims u32, dims u64[n_dims] (ne[0] = innermost), ggml_type u32, offset u64 }
 *   padding to `general.alignment` (default 32) | tensor data, each tensor at its offset (aligned)
 * where string = u64 byte length + UTF-8 bytes, and an array value is
 * element_type u32 + count u64 + elements.
 */
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';

/** The 4 magic bytes every GGUF file starts with. */
export const GGUF_MAGIC = 'GGUF';
/** Default tensor data alignment in bytes (`general.alignment` overrides it). */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types (gguf-py `GGUFValueType`). */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** Scalar value kinds the writer supports. */
export type GgufScalarKind = 'u32' | 'i32' | 'f32' | 'u64' | 'bool' | 'string';

/** One metadata entry: a typed scalar, or an array of one scalar kind. */
export type GgufKv =
  | { readonly key: string; readonly kind: Exclude<GgufScalarKind, 'string' | 'bool'>; readonly value: number }
  | { readonly key: string; readonly kind: 'string'; readonly value: string }
  | { readonly key: string; readonly kind: 'bool'; readonly value: boolean }
  | { readonly key: string; readonly kind: 'array'; readonly of: Exclude<GgufScalarKind, 'string' | 'bool'>; readonly value: readonly number[] }
  | { readonly key: string; readonly kind: 'array'; readonly of: 'string'; readonly value: readonly string[] };

/** One F32 tensor: `dims` in GGUF order (dims[0] is the innermost, contiguous axis); data length = product of dims. */
export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** What {@link readGgufHeader} returns. */
export interface GgufHeader {
  readonly version: number;
  readonly tensorCount: number;
  readonly kvCount: number;
  /** File size in bytes. */
  readonly bytes: number;
}

const GGML_TYPE_F32 = 0;
const KIND_CODE: Record<GgufScalarKind, number> = { u32: GgufValueType.UINT32, i32: GgufValueType.INT32, f32: GgufValueType.FLOAT32, u64: GgufValueType.UINT64, bool: GgufValueType.BOOL, string: GgufValueType.STRING };

/**
 * Reads and checks the fixed header of a GGUF file (the first 24 bytes).
 * @throws Error naming the file when it does not exist, is not a regular file,
 *   is too short, does not start with the "GGUF" magic (e.g. a PyTorch
 *   .bin/.safetensors file or an HTML error page saved by a failed download),
 *   or has a version other than 2 or 3.
 */
export function readGgufHeader(path: string): GgufHeader {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error(`model file ${path} is not a regular file`);
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`model file ${path} does not exist`);
    throw err;
  }
  const buf = Buffer.alloc(24);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, buf, 0, 24, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 4 || buf.toString('latin1', 0, 4) !== GGUF_MAGIC) {
    const start = buf.subarray(0, Math.min(n, 8)).toString('hex');
    throw new Error(`model file ${path} is not a GGUF model: it starts with bytes ${start || '(empty file)'} instead of "GGUF" (convert it with llama.cpp's convert_hf_to_gguf.py, or download a .gguf file)`);
  }
  if (n < 24) throw new Error(`model file ${path} is not a GGUF model: the header is cut short (${n} bytes)`);
  const version = buf.readUInt32LE(4);
  if (version !== 2 && version !== 3) throw new Error(`model file ${path}: GGUF version ${version} is not supported (expected 2 or 3)`);
  return { version, tensorCount: Number(buf.readBigUInt64LE(8)), kvCount: Number(buf.readBigUInt64LE(16)), bytes: size };
}

/** Growable little-endian byte buffer. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = Buffer.alloc(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeScalar(w: ByteWriter, kind: GgufScalarKind, v: number | string | boolean): void {
  switch (kind) {
    case 'u32':
      return w.u32(v as number);
    case 'i32':
      return w.i32(v as number);
    case 'f32':
      return w.f32(v as number);
    case 'u64':
      return w.u64(v as number);
    case 'bool':
      return w.u8(v ? 1 : 0);
    case 'string':
      return w.str(v as string);
  }
}

/**
 * Encodes a GGUF v3 file from metadata and F32 tensors (alignment
 * {@link GGUF_DEFAULT_ALIGNMENT} unless a `general.alignment` u32 entry says otherwise).
 * @throws RangeError when a tensor's data length differs from the product of its dims, or a name repeats.
 */
export function encodeGguf(kvs: readonly GgufKv[], tensors: readonly GgufTensor[]): Buffer {
  const alignKv = kvs.find((k) => k.key === 'general.alignment');
  const alignment = alignKv && typeof alignKv.value === 'number' ? alignKv.value : GGUF_DEFAULT_ALIGNMENT;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new RangeError(`encodeGguf: tensor name ${t.name} repeats`);
    seen.add(t.name);
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`encodeGguf: tensor ${t.name} has ${t.data.length} values, dims ${t.dims.join('x')} need ${n}`);
  }
  const w = new ByteWriter();
  w.bytes(Buffer.from(GGUF_MAGIC, 'latin1'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const kv of kvs) {
    w.str(kv.key);
    if (kv.kind === 'array') {
      w.u32(GgufValueType.ARRAY);
      w.u32(KIND_CODE[kv.of]);
      w.u64(kv.value.length);
      for (const v of kv.value) writeScalar(w, kv.of, v);
    } else {
      w.u32(KIND_CODE[kv.kind]);
      writeScalar(w, kv.kind, kv.value);
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += t.data.byteLength;
    offset += (alignment - (offset % alignment)) % alignment;
  }
  tensors.forEach((t, i) => {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offsets[i]!);
  });
  w.padTo(alignment);
  for (const t of tensors) {
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.padTo(alignment);
  }
  return w.result();
}

/** Writes {@link encodeGguf}'s bytes to `path`. */
export function writeGguf(path: string, kvs: readonly GgufKv[], tensors: readonly GgufTensor[]): void {
  writeFileSync(path, encodeGguf(kvs, tensors));
}
