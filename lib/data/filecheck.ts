/**
 * One streaming pass over an input file before DuckDB reads it: its sha256 (the
 * catalog checksum), a full gzip check for `.gz` files, and the longest line.
 *
 * Why: DuckDB's CSV reader stops quietly at the end of a truncated gzip stream
 * and never checks the CRC-32 / size trailer (RFC 1952 section 2.3.1), so a cut
 * file was ingested as a smaller dataset; and a line past DuckDB's
 * `max_line_size` either vanishes or fails with a parallel-reader message that
 * names neither file nor line. Node's zlib verifies the trailer ("unexpected end
 * of file" on a cut stream), and the line scan names the line and field.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** Longest accepted CSV line, in bytes (1 MiB; DuckDB's own default limit is 2 MiB). */
export const MAX_LINE_BYTES = 1 << 20;

/** What {@link inspectFile} found. */
export interface FileInspection {
  /** sha256 (hex) of the file's bytes as stored (compressed for `.gz`). */
  readonly sha256: string;
  /** File size in bytes. */
  readonly bytes: number;
}

/** Options of {@link inspectFile}. */
export interface InspectOptions {
  /** Decompress and verify as gzip (default: by the `.gz` extension). */
  readonly gzip?: boolean;
  /** Scan CSV lines for length (default true for non-parquet files). */
  readonly csv?: boolean;
  /** Longest accepted line in bytes (default {@link MAX_LINE_BYTES}). */
  readonly maxLineBytes?: number;
  /** Header column names, to name the field of an over-long line. */
  readonly columns?: readonly string[];
}

/**
 * Checks that `path` is a regular file, hashes it, and for CSV content verifies
 * the whole gzip stream (CRC-32 and size trailer) and that no line is longer
 * than `maxLineBytes`.
 * @returns sha256 and size.
 * @throws Error naming the file: a directory or non-regular file; a corrupt or
 *   truncated gzip stream (with zlib's reason, e.g. "unexpected end of file");
 *   a line longer than the limit (naming the 1-based line, the data row and the
 *   field, from the count of commas before the limit: quoted commas are not
 *   told apart, so the field is approximate in quoted data).
 */
export async function inspectFile(path: string, opts: InspectOptions = {}): Promise<FileInspection> {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (st.isDirectory()) throw new Error(`${path}: is a directory, not a data file`);
  if (!st.isFile()) throw new Error(`${path}: not a regular file`);
  const gzip = opts.gzip ?? /\.gz$/i.test(path);
  const csv = opts.csv ?? !/\.(parquet|pq)$/i.test(path);
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const hash = createHash('sha256');
  // The current line: its 1-based number, its length so far and the chunks it spans
  // (kept by reference, one per chunk, to name the field of an over-long line).
  let line = 1;
  let lineLen = 0;
  let lineChunks: Buffer[] = [];
  const tooLong = (): Error => {
    const head = Buffer.concat(lineChunks).subarray(0, maxLine);
    let commas = 0;
    for (let i = head.indexOf(44); i >= 0; i = head.indexOf(44, i + 1)) commas++;
    const field = opts.columns?.[commas] ?? `field ${commas + 1}`;
    const where = line === 1 ? 'the header' : `data row ${line - 1}`;
    return new Error(`${path}: line ${line} (${where}), field "${field}": longer than the limit of ${maxLine} bytes per line (a huge field or a binary file?)`);
  };
  const scan = (chunk: Buffer): void => {
    const first = chunk.indexOf(10);
    if (first < 0) {
      lineChunks.push(chunk);
      lineLen += chunk.length;
      if (lineLen > maxLine) throw tooLong();
      return;
    }
    if (lineLen + first > maxLine) {
      lineChunks.push(chunk.subarray(0, first));
      throw tooLong();
    }
    let prev = first;
    line++;
    for (let i = chunk.indexOf(10, first + 1); i >= 0; i = chunk.indexOf(10, i + 1)) {
      if (i - prev - 1 > maxLine) {
        lineChunks = [chunk.subarray(prev + 1, i)];
        throw tooLong();
      }
      prev = i;
      line++;
    }
    lineChunks = [chunk.subarray(prev + 1)];
    lineLen = chunk.length - prev - 1;
  };
  await new Promise<void>((resolvePromise, reject) => {
    const raw = createReadStream(path);
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      raw.destroy();
      reject(err);
    };
    raw.on('data', (d) => hash.update(d as Buffer));
    raw.on('error', (e) => fail(new Error(`${path}: cannot read: ${e.message}`)));
    if (!csv) {
      raw.on('end', () => resolvePromise());
      return;
    }
    const text = gzip ? raw.pipe(createGunzip()) : raw;
    if (gzip) text.on('error', (e: Error) => fail(new Error(`${path}: corrupt or truncated gzip file: ${e.message}`)));
    text.on('data', (d: Buffer) => {
      if (failed) return;
      try {
        scan(d);
      } catch (err) {
        fail(err as Error);
      }
    });
    text.on('end', () => {
      if (!failed) resolvePromise();
    });
  });
  return { sha256: hash.digest('hex'), bytes: st.size };
}
