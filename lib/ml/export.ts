/**
 * The feature matrix as a table for other libraries: one row per market row with
 * `timestamp` (Datetime ms UTC), every feature (Float64; NaN written as null, the polars /
 * parquet idiom), `label` (Int8: 0 sell, 1 hold, 2 buy; null where the triple-barrier label
 * is unknown) and `split` ('train' | 'validation' | 'test' as used by the model, 'excluded'
 * for rows purged, embargoed or without a label).
 */
import pl from 'nodejs-polars';
import type { PreparedData } from './pipeline.js';

/** Split name of every row of `d`. */
export function splitColumn(d: PreparedData): string[] {
  const out = new Array<string>(d.features.nRows).fill('excluded');
  for (const i of d.split.train) out[i] = 'train';
  for (const i of d.split.validation) out[i] = 'validation';
  for (const i of d.split.test) out[i] = 'test';
  return out;
}

/** The table of the module comment as a polars DataFrame. */
export function featureFrame(d: PreparedData): pl.DataFrame {
  const m = d.features;
  const T = m.nRows, F = m.nFeatures;
  const cols: pl.Series[] = [pl.Series('timestamp', m.timestamp).cast(pl.Datetime('ms'))];
  const c = new Float64Array(T);
  for (let j = 0; j < F; j++) {
    for (let t = 0; t < T; t++) c[t] = m.values[t * F + j]!;
    cols.push(pl.Series(m.names[j]!, Array.from(c, (v) => (v === v ? v : null)), pl.Float64));
  }
  cols.push(pl.Series('label', Array.from(d.labels.label, (v, t) => (d.labels.valid[t] ? v : null)), pl.Int8));
  cols.push(pl.Series('split', splitColumn(d), pl.Utf8));
  return pl.DataFrame(cols);
}

/** Writes {@link featureFrame} to a parquet file. @returns the number of rows written. */
export function writeFeatureParquet(path: string, d: PreparedData): number {
  const df = featureFrame(d);
  df.writeParquet(path);
  return df.height;
}
