/**
 * The cross-sectional rank kernel shared by the expression engine
 * (`rank`, `quantile`, `group_rank` in lib/expr) and factor validation
 * (per-date ranks, Rank IC and quantile buckets in lib/factors).
 *
 * Shapes: a "row" is `len` consecutive values `x[off .. off + len)` of a
 * dates x assets date-major array (one date's cross-section); NaN = missing,
 * missing values are not ranked (their output cell is set to NaN).
 *
 * Ties convention: average ranks, scipy `rankdata(method='average')`: a run
 * of equal values gets the mean of the 1-based ranks it spans; -0 and +0 tie.
 * Output forms: {@link RANK_AVERAGE} (1-based r), {@link RANK_UNIT}
 * ((r - 1) / (n - 1) in [0, 1], n = 1 gives 0.5; the BRAIN / "101 Formulaic
 * Alphas" `rank`), {@link RANK_BUCKET} (quantile bucket 1..q:
 * floor((r - 1) q / n) + 1).
 *
 * Sorting (exact, no comparator callbacks): an LSD radix sort (2 passes of 8
 * bits over words packing the key with the position) on the top 16 bits of
 * an order-preserving integer key of each value rounded to float32 (sign,
 * exponent, 7 mantissa bits: a monotone map, so a < b implies key(a) <=
 * key(b)), then an insertion pass on the exact float64 values, which only
 * reorders runs of equal keys (a quicksort per run takes over if that pass
 * gets long); rows under 48 values use the quicksort directly. Source: the
 * radix kernel of lib/factors (`rankRowInto`), measured faster than the
 * expression engine's (`RadixSorter`: 24-bit keys, 3 passes, warm start from
 * the previous date's order) on the S&P 500 panel (505 x 1,259), all rows,
 * ms per panel, lib/factors vs lib/expr: returns 24.5 vs 33.8, volume 23.7
 * vs 31.7, rank(returns) 22.0 vs 31.8, close 25.0 vs 21.2 (the warm start
 * helps there), rank(close) 22.0 vs 20.5; then tuned (packed key|position
 * words, branch-free keys, fused read-back and fix-up: about 18-20 ms for
 * each of these). The warm start gained nothing measurable after that and
 * was dropped.
 *
 * Ranks only ({@link RowRanker.rankOnly}, lib/expr `rank` / `quantile`,
 * issue 17): the same two radix passes on keys adapted to the row (a 14-bit
 * window of the magnitude's high word over the previous row's range, signed,
 * clamped), two independent scatter chains per pass, and no read-back: a key
 * held by one value gives its rank directly, only runs of equal keys are
 * compared; about 1.2-1.3x faster than `rankRow` on the S&P 500 rows (CPU ms
 * per panel under load, rankRow vs rankOnly: close 27.4 vs 22.4, volume 26.7
 * vs 22.1, returns 25.1 vs 22.1). Tried and dropped on the way: the native
 * `Float64Array.prototype.sort` of a copy plus a hash from value to rank (2x
 * slower: the native sort alone took 36 ms per panel).
 *
 * @module
 */

/** Output form: 1-based average rank r in 1..n. */
export const RANK_AVERAGE = 0;
/** Output form: (r - 1) / (n - 1) in [0, 1]; n = 1 gives 0.5. */
export const RANK_UNIT = 1;
/** Output form: quantile bucket floor((r - 1) q / n) + 1 in 1..q (1 = lowest values). */
export const RANK_BUCKET = 2;

/**
 * Sorts `vals[lo, hi)` ascending in place, permuting `idx` alongside
 * (quicksort with median-of-three pivots, insertion sort below 17 elements,
 * no comparator callback). `vals` must hold no NaN. Not stable.
 */
export function sortPairs(vals: Float64Array, idx: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    if (vals[mid]! < vals[lo]!) swap(vals, idx, mid, lo);
    if (vals[hi - 1]! < vals[lo]!) swap(vals, idx, hi - 1, lo);
    if (vals[hi - 1]! < vals[mid]!) swap(vals, idx, hi - 1, mid);
    const p = vals[mid]!;
    let i = lo, j = hi - 1;
    while (i <= j) {
      while (vals[i]! < p) i++;
      while (vals[j]! > p) j--;
      if (i <= j) { swap(vals, idx, i, j); i++; j--; }
    }
    // recurse into the smaller side, loop on the larger
    if (j - lo < hi - i) { sortPairs(vals, idx, lo, j + 1); lo = i; } else { sortPairs(vals, idx, i, hi); hi = j + 1; }
  }
  for (let i = lo + 1; i < hi; i++) {
    const v = vals[i]!, k = idx[i]!;
    let j = i - 1;
    while (j >= lo && vals[j]! > v) { vals[j + 1] = vals[j]!; idx[j + 1] = idx[j]!; j--; }
    vals[j + 1] = v; idx[j + 1] = k;
  }
}

function swap(vals: Float64Array, idx: Int32Array, i: number, j: number): void {
  const v = vals[i]!; vals[i] = vals[j]!; vals[j] = v;
  const k = idx[i]!; idx[i] = idx[j]!; idx[j] = k;
}

/**
 * Writes average-tie ranks of the sorted values `vals[lo, hi)` (ascending,
 * original positions `idx`) to `out[base + idx[k]]` in the given form
 * ({@link RANK_AVERAGE}, {@link RANK_UNIT}, or {@link RANK_BUCKET} with `q`
 * buckets); n = hi - lo.
 */
export function emitAverageRanks(vals: Float64Array, idx: Int32Array, lo: number, hi: number, out: Float64Array, base: number, form: number, q = 0): void {
  const n = hi - lo;
  let i = lo;
  if (form === RANK_UNIT) {
    if (n === 1) { out[base + idx[lo]!] = 0.5; return; }
    const n1 = n - 1;
    while (i < hi) {
      const v = vals[i]!;
      let j = i + 1;
      while (j < hi && vals[j] === v) j++;
      const r = ((i - lo + j - 1 - lo) * 0.5) / n1; // average 0-based rank of the tie run (exact half-integer) over n - 1
      for (let k = i; k < j; k++) out[base + idx[k]!] = r;
      i = j;
    }
    return;
  }
  while (i < hi) {
    const v = vals[i]!;
    let j = i + 1;
    while (j < hi && vals[j] === v) j++;
    let r: number;
    if (form === RANK_AVERAGE) r = (i - lo + 1 + j - lo) / 2;
    else {
      const r0 = (i - lo + j - 1 - lo) / 2;
      const b = Math.floor((r0 * q) / n + 1e-12);
      r = (b < q - 1 ? b : q - 1) + 1;
    }
    for (let k = i; k < j; k++) out[base + idx[k]!] = r;
    i = j;
  }
}

/**
 * Sorts and ranks cross-sections (rows) of up to `capacity` values with
 * reused scratch buffers (no allocation per row). After {@link sortRow} or
 * {@link rankRow}, `vals[0, m)` holds the row's non-NaN values ascending and
 * `idx[0, m)` their positions in the row (0..len-1).
 */
export class RowRanker {
  /** Sorted non-NaN values of the last row, ascending, `[0, m)`. */
  readonly vals: Float64Array;
  /** Positions in the row of `vals[k]`, `[0, m)`. */
  readonly idx: Int32Array;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly wA: Int32Array;
  private readonly wB: Int32Array;
  private readonly hist = new Int32Array(512);
  /** Histograms of {@link rankOnly}: [0, 256) low key byte of the first half of the words, [256, 512) of the second half; [512, 1024) the same for the high byte. */
  private readonly hist2 = new Int32Array(1024);
  /** Key window of {@link rankOnly}: smallest magnitude (high word, sign cleared; -1 = none yet) and shift. */
  private keyLo = -1;
  private keyShift = 0;

  /** Sets the key window to magnitudes [lo, hi] (high words) in 14 bits. */
  private setKeyWindow(lo: number, hi: number): void {
    if (hi < lo) { this.keyLo = 0; this.keyShift = 0; return; } // no non-zero value
    let span = hi - lo, sh = 0;
    while (span >= 16384) { span >>>= 1; sh++; }
    this.keyLo = lo; this.keyShift = sh;
  }
  private readonly tab: Float64Array;
  private tabM = -1;
  private lastM = -1;
  /** The row array of the last {@link rankOnly} call and its Int32 view (high words of the doubles). */
  private viewOf: Float64Array | null = null;
  private view: Int32Array<ArrayBufferLike> = new Int32Array(0);

  /** @param capacity the longest row this ranker will see. */
  constructor(readonly capacity: number) {
    const n = capacity > 0 ? capacity : 1;
    this.vals = new Float64Array(n);
    this.tab = new Float64Array(2 * n);
    this.idx = new Int32Array(n);
    this.f32 = new Float32Array(1);
    this.i32 = new Int32Array(this.f32.buffer);
    this.wA = new Int32Array(n);
    this.wB = new Int32Array(n);
  }

  /**
   * Sorts the non-NaN values of `x[off, off + len)` ascending into `vals` /
   * `idx` (see the class) and returns their count m. When `out` is given,
   * `out[outOff + a]` is set to NaN for each missing value.
   */
  sortRow(x: Float64Array, off: number, len: number, out?: Float64Array, outOff = 0): number {
    if (len < 48 || len > 65536) {
      const m = gather(x, off, len, this.vals, this.idx, out, outOff);
      sortPairs(this.vals, this.idx, 0, m);
      return m;
    }
    return radixSort(x, off, len, this.vals, this.idx, this.f32, this.i32, this.wA, this.wB, this.hist, out, outOff);
  }

  /**
   * Ranks the non-NaN values of `x[off, off + len)` among themselves (average
   * ties) and writes them in `form` to `out[outOff + a]` (NaN where x is NaN);
   * returns the count m. `q` is the bucket count of {@link RANK_BUCKET}.
   */
  rankRow(x: Float64Array, off: number, len: number, out: Float64Array, outOff: number, form: number, q = 0): number {
    const m = this.sortRow(x, off, len, out, outOff);
    if (m > 1 && form === RANK_UNIT && m === this.lastM) {
      // same count as the previous row: ranks from a table of (k / 2) / (m - 1), built once per count
      if (this.tabM !== m) {
        const n1 = m - 1;
        for (let k = 0; k < 2 * m - 1; k++) this.tab[k] = (k * 0.5) / n1;
        this.tabM = m;
      }
      emitUnitFromTable(this.vals, this.idx, m, out, outOff, this.tab);
    } else if (m > 0) emitAverageRanks(this.vals, this.idx, 0, m, out, outOff, form, q);
    this.lastM = m;
    return m;
  }

  /**
   * The same ranks, bit for bit, as {@link rankRow} (same arguments, same
   * return value), faster, but without the sorted row: `vals` / `idx` are left
   * unspecified. For callers that only need the ranks (lib/expr `rank`,
   * `quantile`).
   *
   * Keys adapted to the row: a 14-bit window of each value's magnitude (the
   * high 32 bits of the double, less the row's smallest non-zero magnitude,
   * shifted so the row's range fits), negated for negative values, with -0 and
   * +0 on one key between the signs. The map is monotone and equal values get
   * equal keys, so after the two radix passes only runs of equal keys (rare:
   * the window follows the row's own range instead of a fixed float32
   * exponent) need a comparison sort, and each singleton run is ranked
   * straight from its word, without reading its value back or writing
   * `vals`/`idx`. Tie runs of equal values lie inside runs of equal keys, so
   * the run bounds, hence the ranks, are those of the full sort.
   */
  rankOnly(x: Float64Array, off: number, len: number, out: Float64Array, outOff: number, form: number, q = 0): number {
    if (len < 48 || len > 65536 || !LITTLE_ENDIAN) return this.rankRow(x, off, len, out, outOff, form, q);
    if (this.viewOf !== x) { this.view = new Int32Array(x.buffer, x.byteOffset, 2 * x.length); this.viewOf = x; }
    const xi = this.view, wA = this.wA, wB = this.wB, vals = this.vals, idx = this.idx;
    // the key window comes from the previous row's range (rows of a panel change slowly; keys are
    // clamped into the window, which keeps them monotone), or from a first scan of this row
    if (this.keyLo < 0) {
      let l = 0x7fffffff, h = 0;
      for (let a = 0; a < len; a++) {
        const v = x[off + a]!;
        if (v === v && v !== 0) { const mag = xi[2 * (off + a) + 1]! & 0x7fffffff; if (mag < l) l = mag; if (mag > h) h = mag; }
      }
      this.setKeyWindow(l, h);
    }
    const lo0 = this.keyLo, sh = this.keyShift;
    // one pass: NaN out; keys 16384 +- (1 + window) (16384 for zeros) packed with positions;
    // histograms of the low key byte per part of the words; this row's range for the next row
    const h2 = this.hist2;
    h2.fill(0, 0, 512);
    const split = this.lastM > 1 ? this.lastM >>> 1 : len >>> 1;
    let m = 0, lo = 0x7fffffff, hi = 0;
    for (let a = 0; a < len; a++) {
      const v = x[off + a]!;
      if (v !== v) { out[outOff + a] = NaN; continue; }
      const h = xi[2 * (off + a) + 1]!;
      const am = h & 0x7fffffff;
      const nz = +(v !== 0);
      if (nz) { if (am < lo) lo = am; if (am > hi) hi = am; }
      let w = (am - lo0) >> sh;
      w = w < 0 ? 0 : w > 16383 ? 16383 : w;
      const neg = h >> 31;
      const mag = (1 + w) * nz;
      const k = 16384 + ((mag ^ neg) - neg);
      h2[(+(m >= split) << 8) + (k & 255)]++;
      wA[m++] = (k << 16) | a;
    }
    this.lastM = m;
    if (m === 0) return 0;
    this.setKeyWindow(lo, hi);
    const split2 = m >>> 1;
    scatterParts(m, h2, wA, wB, true, split < m ? split : m, split2);
    scatterParts(m, h2, wB, wA, false, split2, 0);
    // ranks by runs of equal keys
    const unit = form === RANK_UNIT;
    if (unit && m > 1 && this.tabM !== m) {
      const n1 = m - 1;
      for (let k = 0; k < 2 * m - 1; k++) this.tab[k] = (k * 0.5) / n1;
      this.tabM = m;
    }
    const tab = this.tab;
    let i = 0, w = wA[0]!;
    while (i < m) {
      const key = w >>> 16;
      const nx = i + 1 < m ? wA[i + 1]! : -1; // key 0xffff: never a real key (at most 32768)
      if (nx >>> 16 !== key) {
        // a run of one: its rank needs no value
        out[outOff + (w & 0xffff)] = unit ? (m === 1 ? 0.5 : tab[2 * i]!) : runRank(i, i + 1, m, form, q);
        i++; w = nx;
        continue;
      }
      let j = i + 2;
      while (j < m && wA[j]! >>> 16 === key) j++;
      for (let k = i; k < j; k++) { const a = wA[k]! & 0xffff; vals[k] = x[off + a]!; idx[k] = a; }
      sortPairs(vals, idx, i, j);
      let s0 = i;
      while (s0 < j) {
        const v = vals[s0]!;
        let e = s0 + 1;
        while (e < j && vals[e] === v) e++;
        const r = unit ? tab[s0 + e - 1]! : runRank(s0, e, m, form, q);
        for (let k = s0; k < e; k++) out[outOff + idx[k]!] = r;
        s0 = e;
      }
      i = j;
      w = i < m ? wA[i]! : 0;
    }
    return m;
  }
}

/** True on little-endian platforms (the high word of a double is the odd Int32 of its pair); {@link RowRanker.rankOnly} falls back to the sort otherwise. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Rank of the tie run at sorted positions [i, j) of n values in form RANK_AVERAGE or RANK_BUCKET (q buckets): the expressions of {@link emitAverageRanks}. */
function runRank(i: number, j: number, n: number, form: number, q: number): number {
  if (form === RANK_AVERAGE) return (i + 1 + j) / 2;
  if (form === RANK_UNIT) return n === 1 ? 0.5 : ((i + j - 1) * 0.5) / (n - 1);
  const r0 = (i + j - 1) / 2;
  const b = Math.floor((r0 * q) / n + 1e-12);
  return (b < q - 1 ? b : q - 1) + 1;
}

/** {@link emitAverageRanks} in form RANK_UNIT for vals/idx[0, m), with tab[k] = (k * 0.5) / (m - 1) precomputed (same values). */
function emitUnitFromTable(vals: Float64Array, idx: Int32Array, m: number, out: Float64Array, base: number, tab: Float64Array): void {
  let i = 0;
  let v = vals[0]!;
  while (i < m) {
    const nx = i + 1 < m ? vals[i + 1]! : NaN;
    if (nx !== v) { out[base + idx[i]!] = tab[2 * i]!; i++; v = nx; continue; } // no tie (the common case)
    let j = i + 2;
    while (j < m && vals[j] === v) j++;
    const r = tab[i + j - 1]!;
    for (let k = i; k < j; k++) out[base + idx[k]!] = r;
    i = j;
    v = i < m ? vals[i]! : NaN;
  }
}

/**
 * The radix sort of {@link RowRanker} for rows of 48..65536 values, with its
 * scratch arrays: returns m and leaves the sorted row in vals/idx[0, m).
 */
function radixSort(x: Float64Array, off: number, len: number, vals: Float64Array, idx: Int32Array, f32: Float32Array, i32: Int32Array, wA: Int32Array, wB: Int32Array, hist: Int32Array, out: Float64Array | undefined, outOff: number): number {
  hist.fill(0);
  const m = gatherKeys(x, off, len, f32, i32, wA, hist, out, outOff);
  if (m === 0) return 0;
  scatterWords(m, hist, 0, 16, wA, wB);
  scatterWords(m, hist, 256, 24, wB, wA);
  // (both passes always run: skipping a constant byte made V8's code for the passes about 2x slower)
  if (!unpackSorted(x, off, wA, vals, idx, m, 4 * m + 64)) runSorts(wA, vals, idx, m);
  return m;
}

/** Quicksort of each run of equal keys (after a fix-up pass that ran out of budget; keys are constant within a run, so its moves left them aligned). */
function runSorts(w: Int32Array, vals: Float64Array, idx: Int32Array, m: number): void {
  let s = 0;
  while (s < m) {
    const k = w[s]! >>> 16;
    let e = s + 1;
    while (e < m && w[e]! >>> 16 === k) e++;
    if (e - s > 1) sortPairs(vals, idx, s, e);
    s = e;
  }
}

/**
 * Collects the non-NaN values of x[off, off + len) as packed words (order-
 * preserving 16-bit key of the value rounded to float32) << 16 | position,
 * with the histograms of both key bytes; NaN to out where given. Returns the
 * count. Words and float bits are handled as Int32 (the same bits as
 * unsigned): V8 keeps them in 32-bit registers, where Uint32 values >= 2^31
 * would become doubles.
 */
function gatherKeys(x: Float64Array, off: number, len: number, f32: Float32Array, i32: Int32Array, w: Int32Array, hist: Int32Array, out: Float64Array | undefined, outOff: number): number {
  let m = 0;
  for (let a = 0; a < len; a++) {
    const v = x[off + a]!;
    if (v === v) {
      f32[0] = v;
      const u = i32[0]!;
      // negative: all bits flipped; positive: sign bit set (branch-free: signs of returns are unpredictable)
      const k = (u ^ ((u >> 31) | 0x80000000)) >>> 16;
      w[m++] = (k << 16) | a;
      hist[k & 255]++;
      hist[256 + (k >>> 8)]++;
    } else if (out) out[outOff + a] = NaN;
  }
  return m;
}

/**
 * One stable counting-sort pass of m words from w1 to w2 on the low key byte
 * (`low`, bits 16-23; histograms of w1[0, split) in hist[0, 256) and of
 * w1[split, m) in hist[256, 512)) or on the high key byte (bits 24-31;
 * histograms in hist[512, 1024), split at `split`, which the low pass fills
 * for its output split at `nextSplit` as it places each word). The two parts
 * are scattered in one loop with their own offsets (the second part's after
 * the first's in each bucket, so the pass stays stable): two independent
 * chains of bucket increments instead of one, which halves the stalls when
 * consecutive words fall in the same bucket.
 */
function scatterParts(m: number, hist: Int32Array, w1: Int32Array, w2: Int32Array, low: boolean, split: number, nextSplit: number): void {
  const base = low ? 0 : 512, sh = low ? 16 : 24;
  let s = 0;
  for (let b = base; b < base + 256; b++) {
    const c0 = hist[b]!, c1 = hist[b + 256]!;
    hist[b] = s; hist[b + 256] = s + c0; s += c0 + c1;
  }
  const pairs = split < m - split ? split : m - split;
  if (low) {
    hist.fill(0, 512, 1024);
    for (let i = 0, j = split; i < pairs; i++, j++) {
      const v0 = w1[i]!, v1 = w1[j]!;
      const p0 = hist[(v0 >>> 16) & 255]++, p1 = hist[256 + ((v1 >>> 16) & 255)]++;
      w2[p0] = v0; w2[p1] = v1;
      hist[512 + (+(p0 >= nextSplit) << 8) + (v0 >>> 24)]++;
      hist[512 + (+(p1 >= nextSplit) << 8) + (v1 >>> 24)]++;
    }
    for (let i = pairs; i < split; i++) { const v = w1[i]!, p = hist[(v >>> 16) & 255]++; w2[p] = v; hist[512 + (+(p >= nextSplit) << 8) + (v >>> 24)]++; }
    for (let j = split + pairs; j < m; j++) { const v = w1[j]!, p = hist[256 + ((v >>> 16) & 255)]++; w2[p] = v; hist[512 + (+(p >= nextSplit) << 8) + (v >>> 24)]++; }
  } else {
    for (let i = 0, j = split; i < pairs; i++, j++) {
      const v0 = w1[i]!, v1 = w1[j]!;
      w2[hist[512 + (v0 >>> 24)]++] = v0;
      w2[hist[768 + (v1 >>> 24)]++] = v1;
    }
    for (let i = pairs; i < split; i++) { const v = w1[i]!; w2[hist[512 + (v >>> 24)]++] = v; }
    for (let j = split + pairs; j < m; j++) { const v = w1[j]!; w2[hist[768 + (v >>> 24)]++] = v; }
  }
}

/** One counting-sort pass of the words on their byte at `sh`, from w1 to w2. */
function scatterWords(m: number, hist: Int32Array, base: number, sh: number, w1: Int32Array, w2: Int32Array): void {
  let s = 0;
  for (let b = base; b < base + 256; b++) { const c = hist[b]!; hist[b] = s; s += c; }
  for (let i = 0; i < m; i++) {
    const v = w1[i]!;
    w2[hist[base + ((v >>> sh) & 255)]++] = v;
  }
}

/**
 * Positions from the key-sorted words, values read back from the row, each
 * inserted at its exact place (only runs of equal keys can be out of order in
 * float64). True when done within `budget` element moves; otherwise the rest
 * is only unpacked (in key order) and false is returned.
 */
function unpackSorted(x: Float64Array, off: number, w: Int32Array, vals: Float64Array, idx: Int32Array, m: number, budget: number): boolean {
  let i = 0;
  // the largest value so far in a register: most values are not below it (no move), and that
  // test needs no load of vals[i - 1], which was just stored
  let top = -Infinity;
  for (; i < m && budget >= 0; i++) {
    const a = w[i]! & 0xffff, v = x[off + a]!;
    if (!(top > v)) { vals[i] = v; idx[i] = a; top = v; continue; }
    let j = i - 1;
    while (j >= 0 && vals[j]! > v) { vals[j + 1] = vals[j]!; idx[j + 1] = idx[j]!; j--; }
    vals[j + 1] = v; idx[j + 1] = a;
    budget -= i - 1 - j;
  }
  if (i >= m) return true;
  for (; i < m; i++) {
    const a = w[i]! & 0xffff;
    idx[i] = a;
    vals[i] = x[off + a]!;
  }
  return false;
}

/** Collects the non-NaN values of x[off, off + len) with their positions; NaN to out where given. */
function gather(x: Float64Array, off: number, len: number, vals: Float64Array, idx: Int32Array, out: Float64Array | undefined, outOff: number): number {
  let m = 0;
  if (out) {
    for (let a = 0; a < len; a++) {
      const v = x[off + a]!;
      if (v === v) { vals[m] = v; idx[m] = a; m++; } else out[outOff + a] = NaN;
    }
  } else {
    for (let a = 0; a < len; a++) {
      const v = x[off + a]!;
      if (v === v) { vals[m] = v; idx[m] = a; m++; }
    }
  }
  return m;
}
