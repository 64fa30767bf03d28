/**
 * Redundancy between factors: pure functions on compact per-date rank
 * snapshots. A snapshot keeps, for up to `maxDates` evenly spaced dates, each
 * asset's per-date rank percentile (rank - 0.5) / n quantized to 16 bits
 * (0..65534; 65535 = no value). The correlation of two factors is the mean over
 * their common snapshot dates of the per-date cross-sectional Pearson
 * correlation of these percentiles, i.e. (up to the 16-bit quantization) the
 * mean per-date Spearman correlation of the two factors.
 */
import { rankRows } from './kernels.js';

/** Code of a missing value in a snapshot. */
export const SNAPSHOT_MISSING = 65535;

/** Compact per-date rank percentiles of a factor on sampled dates. */
export interface RankSnapshot {
  /** Bar open times (epoch ms UTC) of the sampled dates, length D. */
  times: Float64Array;
  /** Number of assets per date (the panel's asset count). */
  nAssets: number;
  /** D x nAssets date-major codes: round((rank - 0.5) / n * 65534), 65535 = missing. */
  codes: Uint16Array;
}

/** Up to `maxDates` row indices evenly spaced over [0, T) (all rows when T <= maxDates). */
export function sampleDates(T: number, maxDates: number): Int32Array {
  if (T <= maxDates) return Int32Array.from({ length: T }, (_, i) => i);
  const out = new Int32Array(maxDates);
  for (let i = 0; i < maxDates; i++) out[i] = Math.floor(((i + 0.5) * T) / maxDates);
  return out;
}

/**
 * Snapshot of a dates x assets factor on up to `maxDates` evenly spaced dates
 * (default 250). Ranks are per date over the assets with a value (average ties).
 * @throws RangeError when values.length !== times.length * nAssets.
 */
export function rankSnapshot(values: Float64Array, times: Float64Array, nAssets: number, maxDates = 250): RankSnapshot {
  const T = times.length;
  const N = nAssets;
  if (values.length !== T * N) throw new RangeError(`rankSnapshot: values has length ${values.length}, expected ${T} x ${N}`);
  const idx = sampleDates(T, maxDates);
  const D = idx.length;
  const sub = new Float64Array(D * N);
  for (let d = 0; d < D; d++) sub.set(values.subarray(idx[d]! * N, idx[d]! * N + N), d * N);
  const { ranks, counts } = rankRows(sub, D, N);
  const codes = new Uint16Array(D * N);
  for (let d = 0; d < D; d++) {
    const n = counts[d]!;
    for (let a = 0; a < N; a++) {
      const r = ranks[d * N + a]!;
      codes[d * N + a] = r === r ? Math.round(((r - 0.5) / n) * 65534) : SNAPSHOT_MISSING;
    }
  }
  return { times: Float64Array.from(idx, (i) => times[i]!), nAssets: N, codes };
}

/**
 * Mean per-date cross-sectional correlation of two snapshots over their
 * common dates (matched by time) and the assets present in both on each date;
 * dates with fewer than `minPairs` common assets (default 5) or a constant side
 * are skipped. Returns NaN with nDates = 0 when no date qualifies.
 * @throws RangeError when the asset counts differ (snapshots of different universes).
 */
export function snapshotCorrelation(a: RankSnapshot, b: RankSnapshot, minPairs = 5): { corr: number; nDates: number } {
  if (a.nAssets !== b.nAssets) throw new RangeError(`snapshotCorrelation: asset counts differ (${a.nAssets} vs ${b.nAssets})`);
  const N = a.nAssets;
  const bIndex = new Map<number, number>();
  for (let i = 0; i < b.times.length; i++) bIndex.set(b.times[i]!, i);
  let sum = 0;
  let nd = 0;
  for (let i = 0; i < a.times.length; i++) {
    const j = bIndex.get(a.times[i]!);
    if (j === undefined) continue;
    const oa = i * N;
    const ob = j * N;
    let n = 0;
    let sx = 0;
    let sy = 0;
    for (let k = 0; k < N; k++) {
      const x = a.codes[oa + k]!;
      const y = b.codes[ob + k]!;
      if (x === SNAPSHOT_MISSING || y === SNAPSHOT_MISSING) continue;
      sx += x;
      sy += y;
      n++;
    }
    if (n < minPairs) continue;
    const mx = sx / n;
    const my = sy / n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let k = 0; k < N; k++) {
      const x = a.codes[oa + k]!;
      const y = b.codes[ob + k]!;
      if (x === SNAPSHOT_MISSING || y === SNAPSHOT_MISSING) continue;
      sxx += (x - mx) * (x - mx);
      syy += (y - my) * (y - my);
      sxy += (x - mx) * (y - my);
    }
    if (sxx === 0 || syy === 0) continue;
    sum += sxy / Math.sqrt(sxx * syy);
    nd++;
  }
  return { corr: nd > 0 ? sum / nd : NaN, nDates: nd };
}
