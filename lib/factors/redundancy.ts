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
 * Cross-sectional Pearson correlation of date row `oa` of snapshot codes `a`
 * and date row `ob` of `b` (N assets each) over the assets present in both
 * (two-pass: means first); NaN with fewer than `minPairs` common assets or a
 * constant side. The per-date term of {@link snapshotCorrelation} and of
 * {@link SnapshotIndex.correlations} (one code path, so both give the same bits).
 */
export function snapshotDateCorrelation(a: Uint16Array, oa: number, b: Uint16Array, ob: number, N: number, minPairs: number): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < N; k++) {
    const x = a[oa + k]!;
    const y = b[ob + k]!;
    if (x === SNAPSHOT_MISSING || y === SNAPSHOT_MISSING) continue;
    sx += x;
    sy += y;
    n++;
  }
  if (n < minPairs) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = 0; k < N; k++) {
    const x = a[oa + k]!;
    const y = b[ob + k]!;
    if (x === SNAPSHOT_MISSING || y === SNAPSHOT_MISSING) continue;
    sxx += (x - mx) * (x - mx);
    syy += (y - my) * (y - my);
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
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
    const c = snapshotDateCorrelation(a.codes, i * N, b.codes, j * N, N, minPairs);
    if (Number.isNaN(c)) continue;
    sum += c;
    nd++;
  }
  return { corr: nd > 0 ? sum / nd : NaN, nDates: nd };
}

/**
 * Per-date-row figures of a snapshot that {@link snapshotDateCorrelation}
 * recomputes for every pair, computed once: the missing positions of each row
 * and, over the row's own present codes in asset order, their count, sum and
 * sum of squared deviations from their mean. When two rows miss the same
 * assets these are exactly the pair's n, sx / sy and sxx / syy (same values
 * added in the same order), so only the cross term is left to compute.
 */
interface RowStats {
  /** Missing asset positions of every row, concatenated; row d's are missing[from[d] .. from[d + 1]). */
  readonly missing: Int32Array;
  readonly from: Int32Array;
  readonly n: Int32Array;
  readonly sum: Float64Array;
  readonly sxx: Float64Array;
}

function rowStats(s: RankSnapshot): RowStats {
  const N = s.nAssets, D = s.times.length, c = s.codes;
  const miss: number[] = [];
  const from = new Int32Array(D + 1);
  const n = new Int32Array(D), sum = new Float64Array(D), sxx = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    from[d] = miss.length;
    const o = d * N;
    let k = 0, sx = 0;
    for (let a = 0; a < N; a++) {
      const x = c[o + a]!;
      if (x === SNAPSHOT_MISSING) {
        miss.push(a);
        continue;
      }
      sx += x;
      k++;
    }
    n[d] = k;
    sum[d] = sx;
    if (k === 0) continue;
    const mx = sx / k;
    let q = 0;
    for (let a = 0; a < N; a++) {
      const x = c[o + a]!;
      if (x === SNAPSHOT_MISSING) continue;
      q += (x - mx) * (x - mx);
    }
    sxx[d] = q;
  }
  from[D] = miss.length;
  return { missing: Int32Array.from(miss), from, n, sum, sxx };
}

/** Whether row i of `a` and row j of `b` miss exactly the same assets. */
function sameMissing(a: RowStats, i: number, b: RowStats, j: number): boolean {
  const la = a.from[i + 1]! - a.from[i]!;
  if (la !== b.from[j + 1]! - b.from[j]!) return false;
  const oa = a.from[i]!, ob = b.from[j]!;
  for (let k = 0; k < la; k++) if (a.missing[oa + k] !== b.missing[ob + k]) return false;
  return true;
}

/**
 * {@link snapshotDateCorrelation} of row i of `a` and row j of `b` with their
 * {@link RowStats}: the same result bit for bit; when both rows miss the same
 * assets, n, the means and the two sums of squares come from the row stats
 * and one pass computes the cross term.
 */
function dateCorrelationWithStats(a: RankSnapshot, as: RowStats, i: number, b: RankSnapshot, bs: RowStats, j: number, N: number, minPairs: number): number {
  if (!sameMissing(as, i, bs, j)) return snapshotDateCorrelation(a.codes, i * N, b.codes, j * N, N, minPairs);
  const n = as.n[i]!;
  if (n < minPairs) return NaN;
  const mx = as.sum[i]! / n;
  const my = bs.sum[j]! / n;
  const ca = a.codes, cb = b.codes, oa = i * N, ob = j * N;
  let sxy = 0;
  for (let k = 0; k < N; k++) {
    const x = ca[oa + k]!;
    if (x === SNAPSHOT_MISSING) continue; // b misses the same assets
    sxy += (x - mx) * (cb[ob + k]! - my);
  }
  const sxx = as.sxx[i]!, syy = bs.sxx[j]!;
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Many stored snapshots of one universe, indexed by date, for the redundancy
 * check of each new trial against all of them: {@link SnapshotIndex.correlations}
 * touches only the stored snapshots that share a date with the new one (two
 * trials whose in-sample rows start after different warm-ups rarely share a
 * sampled date), so it costs O(shared dates x assets), with no per-pair Map.
 * Each result equals `snapshotCorrelation(snapshot, stored)` bit for bit (the
 * same per-date terms summed in the same order). Entries carry `meta`, and
 * lists come in the order of `compare` on it (the store orders by creation
 * time, then factor id).
 */
export class SnapshotIndex<M> {
  private readonly entries: ({ id: string; meta: M; snapshot: RankSnapshot; stats: RowStats } | null)[] = [];
  private readonly slots = new Map<string, number>();
  /** date (epoch ms) -> [entry slot, row in that snapshot] pairs, flat. */
  private readonly byTime = new Map<number, number[]>();
  private dead = 0;

  constructor(private readonly compare: (a: M, b: M) => number) {}

  /** Number of live snapshots. */
  get size(): number {
    return this.slots.size;
  }

  /** Whether a snapshot is stored under `id`. */
  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** Adds the snapshot of `id` (one already under `id` is replaced). */
  add(id: string, meta: M, snapshot: RankSnapshot): void {
    this.remove(id);
    const slot = this.entries.length;
    this.slots.set(id, slot);
    this.entries.push({ id, meta, snapshot, stats: rowStats(snapshot) });
    // the last row of a repeated time wins, as in snapshotCorrelation's Map
    const rows = new Map<number, number>();
    for (let i = 0; i < snapshot.times.length; i++) rows.set(snapshot.times[i]!, i);
    for (const [t, i] of rows) {
      let l = this.byTime.get(t);
      if (!l) this.byTime.set(t, (l = []));
      l.push(slot, i);
    }
  }

  /** Removes the snapshot of `id`, if any (its index entries are skipped; compacted when half are dead). */
  remove(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    this.slots.delete(id);
    this.entries[slot] = null;
    if (++this.dead * 2 > this.entries.length && this.entries.length > 64) this.compact();
  }

  /** Live snapshots in `compare` order. */
  list(): { id: string; meta: M; snapshot: RankSnapshot }[] {
    const live: { id: string; meta: M; snapshot: RankSnapshot }[] = [];
    for (const e of this.entries) if (e) live.push({ id: e.id, meta: e.meta, snapshot: e.snapshot });
    return live.sort((x, y) => this.compare(x.meta, y.meta));
  }

  /**
   * Correlation of `a` with every live stored snapshot (except `excludeId`)
   * that shares at least one qualifying date, as
   * `snapshotCorrelation(a, stored, minPairs)`, in `compare` order; the
   * snapshots left out would give NaN.
   * @throws RangeError when a stored snapshot's asset count differs from a's.
   */
  correlations(a: RankSnapshot, excludeId?: string, minPairs = 5): { id: string; meta: M; corr: number; nDates: number }[] {
    const N = a.nAssets;
    const as = rowStats(a);
    const sum = new Map<number, { s: number; n: number }>();
    for (let i = 0; i < a.times.length; i++) {
      const l = this.byTime.get(a.times[i]!);
      if (!l) continue;
      for (let p = 0; p < l.length; p += 2) {
        const e = this.entries[l[p]!];
        if (!e || e.id === excludeId) continue;
        const b = e.snapshot;
        if (b.nAssets !== N) throw new RangeError(`snapshotCorrelation: asset counts differ (${N} vs ${b.nAssets})`);
        const c = dateCorrelationWithStats(a, as, i, b, e.stats, l[p + 1]!, N, minPairs);
        if (Number.isNaN(c)) continue;
        const acc = sum.get(l[p]!);
        if (acc) {
          acc.s += c;
          acc.n++;
        } else sum.set(l[p]!, { s: 0 + c, n: 1 }); // 0 + c as in snapshotCorrelation (-0 becomes +0)
      }
    }
    const out: { id: string; meta: M; corr: number; nDates: number }[] = [];
    for (const [slot, acc] of sum) {
      const e = this.entries[slot]!;
      out.push({ id: e.id, meta: e.meta, corr: acc.s / acc.n, nDates: acc.n });
    }
    return out.sort((x, y) => this.compare(x.meta, y.meta));
  }

  private compact(): void {
    const live = this.entries.filter((e): e is { id: string; meta: M; snapshot: RankSnapshot; stats: RowStats } => e !== null);
    this.entries.length = 0;
    this.byTime.clear();
    this.slots.clear();
    this.dead = 0;
    for (const e of live) this.add(e.id, e.meta, e.snapshot);
  }
}
