/**
 * The bad-input ingest set (issue 19's probe, rebuilt): one small file per case
 * and the outcome each must end in. `writeIngestFixtures` writes the committed
 * files of `test/fixtures/ingest/` (run `npx tsx scripts/make-ingest-fixtures.ts`
 * after changing a case; the test checks the committed bytes equal these) and the
 * test-time ones (too big to commit, or not storable in git: a directory) into a
 * temp folder. Deterministic: no clock, no randomness (a seeded LCG for bytes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ErrorCheck, IngestOptions, WarningCheck } from '../../lib/data/index.js';

/** How a case must end. */
export type IngestExpectation =
  /** A plain Error whose message names the file and matches `message`; nothing written. */
  | { readonly kind: 'error'; readonly message: RegExp }
  /** IngestRejectedError whose first example of `check` is `row` with a detail matching `detail` (the field). */
  | { readonly kind: 'rejected'; readonly check: ErrorCheck; readonly row: number; readonly detail: RegExp }
  /** Ingested: exactly these warnings (count > 0) and no error, `rowsKept` rows; optionally the stored first time and symbols. */
  | { readonly kind: 'accepted'; readonly warnings: Partial<Record<WarningCheck, number>>; readonly rowsKept: number; readonly firstTime?: string; readonly symbols?: readonly string[] };

/** One case of the set. */
export interface IngestCase {
  /** Case name (also the dataset name). */
  readonly name: string;
  /** File name: under `test/fixtures/ingest/` when committed, else in the test's temp folder. */
  readonly file: string;
  /** Whether the file is committed (small) or written at test time. */
  readonly committed: boolean;
  /** Ingest options besides dataset/db/lake (default 1d crypto). */
  readonly options?: Partial<Pick<IngestOptions, 'frequency' | 'market' | 'kind' | 'attachTo' | 'symbol'>>;
  readonly expect: IngestExpectation;
}

const H = 'time,symbol,open,high,low,close,volume';
const GOOD = ['2024-01-01,AAA,10,11,9,10.5,100', '2024-01-02,AAA,10.5,12,10,11,120', '2024-01-03,AAA,11,11.5,10.5,11.2,90'];
const csv = (...rows: string[]): string => [H, ...rows].join('\n') + '\n';
/** GOOD with row 2 (1-based data row) replaced. */
const row2 = (line: string): string => csv(GOOD[0]!, line, GOOD[2]!);

/** Deterministic bytes (LCG), for the binary and garbage cases. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** A valid 1h CSV of 3 symbols x 200 bars, gzipped: the base of the truncated-gzip cases. */
export function gzipBase(): Buffer {
  const rows: string[] = [];
  for (const s of ['AAA', 'BBB', 'CCC']) {
    for (let i = 0; i < 200; i++) rows.push(`${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().replace('.000Z', 'Z')},${s},10,11,9,10.5,${100 + i}`);
  }
  return gzipSync(Buffer.from(csv(...rows)), { level: 9 });
}

const acc = (rowsKept: number, warnings: Partial<Record<WarningCheck, number>> = {}, extra: { firstTime?: string; symbols?: string[] } = {}): IngestExpectation => ({ kind: 'accepted', warnings, rowsKept, ...extra });
const rej = (check: ErrorCheck, row: number, detail: RegExp): IngestExpectation => ({ kind: 'rejected', check, row, detail });
const err = (message: RegExp): IngestExpectation => ({ kind: 'error', message });
const H1 = { frequency: '1h' } as const;

/** The cases, in the probe's order. */
export const INGEST_CASES: readonly IngestCase[] = [
  { name: 'wrong_header', file: 'wrong_header.csv', committed: true, expect: err(/missing required column "time"/) },
  { name: 'missing_columns', file: 'missing_columns.csv', committed: true, expect: err(/missing required column "volume"/) },
  { name: 'text_in_number', file: 'text_in_number.csv', committed: true, expect: rej('unparseable_value', 2, /^close=abc$/) },
  { name: 'decimal_comma', file: 'decimal_comma.csv', committed: true, expect: rej('unparseable_value', 2, /^open=10,5$/) },
  { name: 'nan_open', file: 'nan_open.csv', committed: true, expect: acc(3, { nan_field: 1 }) },
  { name: 'nan_high', file: 'nan_high.csv', committed: true, expect: acc(3, { nan_field: 1 }) },
  { name: 'nan_low', file: 'nan_low.csv', committed: true, expect: acc(3, { nan_field: 1 }) },
  { name: 'nan_close', file: 'nan_close.csv', committed: true, expect: acc(3, { nan_field: 1 }) },
  { name: 'nan_volume', file: 'nan_volume.csv', committed: true, expect: acc(3, { nan_field: 1 }) },
  { name: 'empty_field', file: 'empty_field.csv', committed: true, expect: acc(3, { nan_field: 1 }) },
  { name: 'inf', file: 'inf.csv', committed: true, expect: rej('infinite_value', 2, /^high=inf$/) },
  { name: 'neg_inf', file: 'neg_inf.csv', committed: true, expect: rej('infinite_value', 2, /^low=-inf$/) },
  { name: 'negative_price', file: 'negative_price.csv', committed: true, expect: rej('non_positive_price', 2, /^open=-1\.0$/) },
  { name: 'zero_price', file: 'zero_price.csv', committed: true, expect: rej('non_positive_price', 2, /^low=0\.0$/) },
  { name: 'high_below_low', file: 'high_below_low.csv', committed: true, expect: rej('high_below_low', 2, /^high=9\.0 < low=12\.0$/) },
  { name: 'close_outside', file: 'close_outside.csv', committed: true, expect: rej('open_close_outside_range', 2, /^close=13\.0 outside/) },
  { name: 'duplicates', file: 'duplicates.csv', committed: true, expect: rej('duplicate', 3, /duplicate of row 2 of .*duplicates\.csv$/) },
  { name: 'unsorted', file: 'unsorted.csv', committed: true, expect: acc(3, { unsorted: 1 }) },
  { name: 'mixed_time_formats', file: 'mixed_time_formats.csv', committed: true, expect: rej('unparseable_time', 2, /^time=01\/02\/2024$/) },
  { name: 'yyyymmdd', file: 'yyyymmdd.csv', committed: true, expect: acc(3, {}, { firstTime: '2024-01-01T00:00:00Z' }) },
  { name: 'invalid_yyyymmdd', file: 'invalid_yyyymmdd.csv', committed: true, expect: rej('unparseable_time', 2, /^time=20241302$/) },
  { name: 'ambiguous_digits', file: 'ambiguous_digits.csv', committed: true, expect: rej('unparseable_time', 1, /^time=17040672000$/) },
  { name: 'epoch_seconds', file: 'epoch_seconds.csv', committed: true, options: H1, expect: acc(3, {}, { firstTime: '2024-01-01T00:00:00Z' }) },
  { name: 'tz_offset', file: 'tz_offset.csv', committed: true, options: H1, expect: acc(3, {}, { firstTime: '2024-01-01T00:00:00Z' }) },
  { name: 'tz_offset_daily', file: 'tz_offset_daily.csv', committed: true, expect: rej('off_grid_time', 1, /bar grid/) },
  { name: 'tz_named', file: 'tz_named.csv', committed: true, options: H1, expect: acc(3, {}, { firstTime: '2024-01-01T05:00:00Z' }) },
  { name: 'tz_abbreviation', file: 'tz_abbreviation.csv', committed: true, options: H1, expect: rej('unparseable_time', 1, /^time=2024-01-01 00:00:00 EST$/) },
  { name: 'empty', file: 'empty.csv', committed: true, expect: err(/empty file/) },
  { name: 'header_only', file: 'header_only.csv', committed: true, expect: err(/no valid row to store/) },
  { name: 'truncated_gzip_head', file: 'truncated_gzip_head.csv.gz', committed: true, options: H1, expect: err(/corrupt or truncated gzip file: unexpected end of file/) },
  { name: 'truncated_gzip_middle', file: 'truncated_gzip_middle.csv.gz', committed: true, options: H1, expect: err(/corrupt or truncated gzip file: unexpected end of file/) },
  { name: 'truncated_gzip_tail', file: 'truncated_gzip_tail.csv.gz', committed: true, options: H1, expect: err(/corrupt or truncated gzip file: unexpected end of file/) },
  { name: 'gzip_no_trailer', file: 'gzip_no_trailer.csv.gz', committed: true, options: H1, expect: err(/corrupt or truncated gzip file: unexpected end of file/) },
  { name: 'gzip_bad_crc', file: 'gzip_bad_crc.csv.gz', committed: true, options: H1, expect: err(/corrupt or truncated gzip file: .*check/) },
  { name: 'not_gzip', file: 'not_gzip.csv.gz', committed: true, expect: err(/corrupt or truncated gzip file: incorrect header check/) },
  { name: 'gzip_ok', file: 'gzip_ok.csv.gz', committed: true, options: H1, expect: acc(600, {}, { symbols: ['AAA', 'BBB', 'CCC'] }) },
  { name: 'wrong_typed_parquet', file: 'wrong_typed.parquet', committed: true, expect: rej('unparseable_value', 2, /^close=abc$/) },
  { name: 'garbage_parquet', file: 'garbage.parquet', committed: true, expect: err(/cannot read as parquet/) },
  { name: 'binary', file: 'binary.csv', committed: true, expect: err(/binary\.csv/) },
  { name: 'huge_field', file: 'huge_field.csv', committed: false, expect: err(/line 3 \(data row 2\), field "volume": longer than the limit/) },
  { name: 'huge_number', file: 'huge_number.csv', committed: true, expect: rej('infinite_value', 2, /^close=inf$/) },
  { name: 'scientific', file: 'scientific.csv', committed: true, expect: acc(3) },
  { name: 'bom_crlf', file: 'bom_crlf.csv', committed: true, expect: acc(3, {}, { firstTime: '2024-01-01T00:00:00Z' }) },
  { name: 'ragged_long', file: 'ragged_long.csv', committed: true, expect: err(/Line: 3.*Expected Number of Columns: 7 Found: 8/) },
  { name: 'ragged_short', file: 'ragged_short.csv', committed: true, expect: err(/Line: 3.*Expected Number of Columns: 7 Found: 6/) },
  { name: 'sql_in_symbol', file: 'sql_in_symbol.csv', committed: true, expect: acc(3, {}, { symbols: ["x'); DROP TABLE data_catalog; --"] }) },
  { name: 'off_grid', file: 'off_grid.csv', committed: true, options: H1, expect: rej('off_grid_time', 2, /bar grid/) },
  { name: 'negative_volume', file: 'negative_volume.csv', committed: true, expect: rej('negative_volume', 2, /^volume=-5\.0$/) },
  { name: 'zero_volume', file: 'zero_volume.csv', committed: true, expect: acc(3, { zero_volume: 1 }) },
  { name: 'semicolons', file: 'semicolons.csv', committed: true, expect: err(/delimiter must be a comma, found ";"/) },
  { name: 'directory', file: 'directory.csv', committed: false, expect: err(/is a directory/) },
  { name: 'all_empty', file: 'all_empty.csv', committed: true, expect: rej('unparseable_time', 2, /^time=\(empty\)$/) },
  { name: 'nul_in_symbol', file: 'nul_in_symbol.csv', committed: true, expect: rej('invalid_symbol', 2, /control character \(code 0\)/) },
  { name: 'nul_in_number', file: 'nul_in_number.csv', committed: true, expect: rej('unparseable_value', 2, /^close=/) },
  { name: 'implausible_1970_2100_1m', file: 'implausible_1970_2100.csv', committed: true, options: { frequency: '1m' }, expect: acc(2, { implausible_time: 1, gap: Date.UTC(2100, 0, 1) / 60_000 - 1 }) },
  { name: 'implausible_0001_9999', file: 'implausible_0001_9999.csv', committed: true, expect: acc(2, { implausible_time: 2, gap: (Date.parse('9999-12-31T00:00:00Z') - Date.parse('0001-01-01T00:00:00Z')) / 86_400_000 - 1 }) },
  { name: 'funding_nan', file: 'funding_nan.csv', committed: true, options: { kind: 'funding', attachTo: 'x', frequency: '1h' }, expect: acc(3, { nan_field: 1 }) },
];

/** File contents of the committed cases (parquet cases are written by DuckDB: see the script). */
export function committedContents(): Record<string, string | Buffer> {
  const base = gzipBase();
  const noTrailer = base.subarray(0, base.length - 8);
  const badCrc = Buffer.from(base);
  badCrc[badCrc.length - 8]! ^= 0xff;
  return {
    'wrong_header.csv': 'when,ticker,o,h,l,c,v\n2024-01-01,AAA,10,11,9,10.5,100\n',
    'missing_columns.csv': 'time,symbol,open,high,low,close\n2024-01-01,AAA,10,11,9,10.5\n',
    'text_in_number.csv': row2('2024-01-02,AAA,10.5,12,10,abc,120'),
    'decimal_comma.csv': row2('2024-01-02,AAA,"10,5",12,10,11,120'),
    'nan_open.csv': row2('2024-01-02,AAA,NaN,12,10,11,120'),
    'nan_high.csv': row2('2024-01-02,AAA,10.5,nan,10,11,120'),
    'nan_low.csv': row2('2024-01-02,AAA,10.5,12,NaN,11,120'),
    'nan_close.csv': row2('2024-01-02,AAA,10.5,12,10,NAN,120'),
    'nan_volume.csv': row2('2024-01-02,AAA,10.5,12,10,11,NaN'),
    'empty_field.csv': row2('2024-01-02,AAA,10.5,12,10,,120'),
    'inf.csv': row2('2024-01-02,AAA,10.5,inf,10,11,120'),
    'neg_inf.csv': row2('2024-01-02,AAA,10.5,12,-Infinity,11,120'),
    'negative_price.csv': row2('2024-01-02,AAA,-1,12,10,11,120'),
    'zero_price.csv': row2('2024-01-02,AAA,10.5,12,0,11,120'),
    'high_below_low.csv': row2('2024-01-02,AAA,10.5,9,12,11,120'),
    'close_outside.csv': row2('2024-01-02,AAA,10.5,12,10,13,120'),
    'duplicates.csv': csv(GOOD[0]!, GOOD[1]!, GOOD[1]!.replace(',120', ',121'), GOOD[2]!),
    'unsorted.csv': csv(GOOD[0]!, GOOD[2]!, GOOD[1]!),
    'mixed_time_formats.csv': csv(GOOD[0]!, GOOD[1]!.replace('2024-01-02', '01/02/2024'), GOOD[2]!.replace('2024-01-03', '2024-01-03 00:00:00')),
    'yyyymmdd.csv': csv(...GOOD.map((r) => r.replace(/^(\d{4})-(\d{2})-(\d{2})/, '$1$2$3'))),
    'invalid_yyyymmdd.csv': csv('20240101,AAA,10,11,9,10.5,100', '20241302,AAA,10.5,12,10,11,120', '20240103,AAA,11,11.5,10.5,11.2,90'),
    'ambiguous_digits.csv': csv(GOOD[0]!.replace('2024-01-01', '17040672000'), GOOD[1]!, GOOD[2]!),
    'epoch_seconds.csv': csv(...GOOD.map((r, i) => r.replace(/^[^,]+/, String(1704067200 + i * 3600)))),
    'tz_offset.csv': csv(...['2024-01-01T05:00:00+05:00', '2024-01-01T01:00:00Z', '2023-12-31T21:00:00-0500'].map((t, i) => GOOD[i]!.replace(/^[^,]+/, t))),
    'tz_offset_daily.csv': csv(GOOD[0]!.replace('2024-01-01', '2024-01-01T00:00:00+05:00'), GOOD[1]!, GOOD[2]!),
    'tz_named.csv': csv(...['2024-01-01 00:00:00 America/New_York', '2024-01-01 06:00:00 UTC', '2024-01-01T07:00:00Z'].map((t, i) => GOOD[i]!.replace(/^[^,]+/, t))),
    'tz_abbreviation.csv': csv(GOOD[0]!.replace('2024-01-01', '2024-01-01 00:00:00 EST'), GOOD[1]!.replace('2024-01-02', '2024-01-01 06:00:00'), GOOD[2]!.replace('2024-01-03', '2024-01-01 07:00:00')),
    'empty.csv': '',
    'header_only.csv': H + '\n',
    'truncated_gzip_head.csv.gz': base.subarray(0, 40),
    'truncated_gzip_middle.csv.gz': base.subarray(0, Math.floor(base.length / 2)),
    'truncated_gzip_tail.csv.gz': base.subarray(0, base.length - 20),
    'gzip_no_trailer.csv.gz': noTrailer,
    'gzip_bad_crc.csv.gz': badCrc,
    'not_gzip.csv.gz': csv(...GOOD),
    'gzip_ok.csv.gz': base,
    'garbage.parquet': Buffer.concat([Buffer.from('PAR1'), bytes(2000, 7), Buffer.from('PAR1')]),
    'binary.csv': bytes(4096, 11),
    'huge_number.csv': row2(`2024-01-02,AAA,10.5,12,10,${'9'.repeat(400)},120`),
    'scientific.csv': csv(GOOD[0]!, '2024-01-02,AAA,1.05e1,1.2E1,1e1,11,1.2e2', GOOD[2]!),
    'bom_crlf.csv': '\ufeff' + csv(...GOOD).replace(/\n/g, '\r\n'),
    'ragged_long.csv': row2('2024-01-02,AAA,10.5,12,10,11,120,7'),
    'ragged_short.csv': row2('2024-01-02,AAA,10.5,12,10,11'),
    'sql_in_symbol.csv': csv(...GOOD.map((r) => r.replace('AAA', `"x'); DROP TABLE data_catalog; --"`))),
    'off_grid.csv': csv('2024-01-01 00:00:00,AAA,10,11,9,10.5,100', '2024-01-01 00:30:00,AAA,10.5,12,10,11,120', '2024-01-01 01:00:00,AAA,11,11.5,10.5,11.2,90'),
    'negative_volume.csv': row2('2024-01-02,AAA,10.5,12,10,11,-5'),
    'zero_volume.csv': row2('2024-01-02,AAA,10.5,12,10,11,0'),
    'semicolons.csv': H.replace(/,/g, ';') + '\n' + GOOD.map((r) => r.replace(/,/g, ';')).join('\n') + '\n',
    'all_empty.csv': csv(GOOD[0]!, ',,,,,,', GOOD[2]!),
    'nul_in_symbol.csv': row2('2024-01-02,AA\u0000A,10.5,12,10,11,120'),
    'nul_in_number.csv': row2('2024-01-02,AAA,10.5,12,10,1\u00001,120'),
    'implausible_1970_2100.csv': csv('1970-01-01 00:00:00,AAA,10,11,9,10.5,100', '2100-01-01 00:00:00,AAA,10,11,9,10.5,100'),
    'implausible_0001_9999.csv': csv('0001-01-01,AAA,10,11,9,10.5,100', '9999-12-31,AAA,10,11,9,10.5,100'),
    'funding_nan.csv': 'time,symbol,funding_rate\n2024-01-01 00:00:00,AAA,0.0001\n2024-01-01 08:00:00,AAA,NaN\n2024-01-01 16:00:00,AAA,-0.0002\n',
  };
}

/** Writes the test-time cases (a 2 MiB field; a directory) into `dir`. */
export function writeTestTimeFixtures(dir: string): void {
  writeFileSync(join(dir, 'huge_field.csv'), row2(`2024-01-02,AAA,10.5,12,10,11,${'1'.repeat(2 << 20)}`));
  mkdirSync(join(dir, 'directory.csv'), { recursive: true });
}
