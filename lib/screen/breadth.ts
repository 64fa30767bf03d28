/**
 * Cross-sectional breadth of a traded factor (pure, one pass over the rows):
 * does the factor rank the assets at all, and over how many of them does the
 * market-neutral book it implies spread its bets? The screen classifies a
 * factor that fails either figure as `degenerate_signal` (classify.ts), so no
 * miner can pass or be rewarded for a book that trades a handful of data-gap
 * cells (e.g. `sign(volume)`, 1 everywhere but where the volume is 0: its
 * Sharpe comes from the few bars where it holds anything at all).
 * @module
 */

/** Breadth figures of a factor on rows [start, end) (see {@link factorBreadth}). */
export interface FactorBreadth {
  /** Rows (dates) measured. */
  readonly dates: number;
  /** Share of those dates on which the factor has at least 2 distinct finite values among the assets (in the universe when the panel has one), in [0, 1]. */
  readonly dispersedShare: number;
  /**
   * Mean over the dates of the effective number of positions of the
   * market-neutral book divided by the number of assets with a finite value:
   * `(sum_a |d_a|)^2 / (n sum_a d_a^2)` with `d_a = x_a - mean(x)` over the n
   * finite values of the date, i.e. the inverse Herfindahl index
   * `1 / sum w_a^2` of the weights `w = d / sum|d|` (before truncation), as a
   * share of the cross-section; 0 on a date without 2 distinct values. In
   * [0, 1]: about 0.64 for a normal factor, 0.75 for a uniform (rank) one,
   * `4p(1 - p)` for a 0/1 factor with a share p of ones, `4 / n` for one asset
   * differing from all the others.
   */
  readonly effectiveBreadth: number;
  /** Mean over the dates of the effective number of positions `(sum|d|)^2 / sum d^2` (0 on an undispersed date). */
  readonly effectivePositions: number;
}

/**
 * Breadth of `values` (dates x assets, date-major, N assets) on rows
 * [start, end): two reads per cell, no allocation. NaN and infinite values
 * do not count (a date with fewer than 2 finite values is undispersed);
 * `universe` (dates x assets, 1 = in the universe), when given, limits each
 * date to its members, as the portfolio does.
 * @throws RangeError when the rows are outside the values or the universe has another length.
 */
export function factorBreadth(values: Float64Array, N: number, start: number, end: number, universe?: Uint8Array): FactorBreadth {
  if (!(Number.isInteger(N) && N >= 1 && Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start && end * N <= values.length)) {
    throw new RangeError(`factorBreadth: rows [${start}, ${end}) x ${N} assets outside values of length ${values.length}`);
  }
  if (universe && universe.length !== values.length) throw new RangeError(`factorBreadth: universe has length ${universe.length}, values ${values.length}`);
  let dispersed = 0, shareSum = 0, positionsSum = 0;
  for (let t = start; t < end; t++) {
    const row = t * N;
    let n = 0, sum = 0, first = NaN, distinct = false;
    for (let a = 0; a < N; a++) {
      const x = values[row + a]!;
      if (!Number.isFinite(x) || (universe && !universe[row + a])) continue;
      if (n === 0) first = x;
      else if (x !== first) distinct = true;
      n++;
      sum += x;
    }
    if (!distinct) continue;
    dispersed++;
    const mean = sum / n;
    let abs = 0, sq = 0;
    for (let a = 0; a < N; a++) {
      const x = values[row + a]!;
      if (!Number.isFinite(x) || (universe && !universe[row + a])) continue;
      const d = x - mean;
      abs += Math.abs(d);
      sq += d * d;
    }
    if (!(sq > 0)) continue;
    const eff = (abs * abs) / sq;
    positionsSum += eff;
    shareSum += eff / n;
  }
  const dates = end - start;
  return dates === 0
    ? { dates: 0, dispersedShare: NaN, effectiveBreadth: NaN, effectivePositions: NaN }
    : { dates, dispersedShare: dispersed / dates, effectiveBreadth: shareSum / dates, effectivePositions: positionsSum / dates };
}
