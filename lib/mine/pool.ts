/**
 * Pool report: the mined alphas combined into one factor, scored on the test
 * segment. Each alpha is evaluated on the whole panel (a value at t uses bars
 * up to t only), rank-normalized per date to (rank - 0.5) / n - 0.5 over the
 * assets with a value, and combined per date and asset as a weighted mean over
 * the alphas with a value there:
 * - equal weight: w_k = 1;
 * - IC-weighted: w_k = the alpha's Rank IC on the train segment (its sign
 *   kept, so an alpha with a negative train IC enters negated); the weights
 *   use no test-segment data.
 * Pool IC (Pearson) and Rank IC (Spearman) are lib/factors `analyzeFactor`'s
 * mean per-date ICs at horizon 1, delay 1, on the test-segment bars only
 * (forward returns that would leave the segment are NaN, not filled).
 *
 * @module
 */
import type { Panel } from '../data/panel.js';
import { sliceDates } from '../data/panel.js';
import { evaluate, parse } from '../expr/index.js';
import { analyzeFactor, kernels } from '../factors/index.js';

/** IC and Rank IC of one factor on one segment. */
export interface SegmentIc {
  readonly ic: number;
  readonly rankIc: number;
}

/** The outcome of {@link poolReport}. */
export interface PoolReport {
  /** The alphas combined. */
  readonly expressions: readonly string[];
  /** Train-segment Rank IC of each alpha (the IC weights). */
  readonly trainRankIc: readonly number[];
  /** Test segment: each alpha alone, the equal-weight pool and the IC-weighted pool. */
  readonly members: readonly SegmentIc[];
  readonly equalWeight: SegmentIc;
  readonly icWeighted: SegmentIc;
}

/** Per-date rank normalization to (rank - 0.5) / n - 0.5 (NaN kept), dates x assets. */
function rankNormalize(values: Float64Array, T: number, N: number): Float64Array {
  const { ranks, counts } = kernels.rankRows(values, T, N);
  const out = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let a = 0; a < N; a++) {
    const r = ranks[t * N + a]!;
    out[t * N + a] = r === r ? (r - 0.5) / counts[t]! - 0.5 : NaN;
  }
  return out;
}

/** Weighted mean per cell over the members with a value (NaN when none, or when the weights of those present sum to 0 in absolute value). */
function combine(parts: readonly Float64Array[], w: readonly number[]): Float64Array {
  const out = new Float64Array(parts[0]!.length);
  for (let i = 0; i < out.length; i++) {
    let s = 0, sw = 0;
    for (let k = 0; k < parts.length; k++) {
      const v = parts[k]![i]!;
      if (v === v && Number.isFinite(w[k]!)) { s += w[k]! * v; sw += Math.abs(w[k]!); }
    }
    out[i] = sw > 0 ? s / sw : NaN;
  }
  return out;
}

const segmentIc = (values: Float64Array, panel: Panel, start: number, end: number): SegmentIc => {
  const N = panel.assets.length;
  const a = analyzeFactor(values.slice(start * N, end * N), sliceDates(panel, start, end), { horizon: 1, delay: 1, decayHorizons: [1] });
  return { ic: a.ic.mean, rankIc: a.rankIc.mean };
};

/**
 * Combines `expressions` (see the module comment) and scores each alone and
 * both pools on bars [testStart, T); the IC weights come from bars [0, testStart).
 * @throws Error for an empty list or an expression that does not evaluate on the panel.
 */
export function poolReport(expressions: readonly string[], panel: Panel, testStart: number): PoolReport {
  if (expressions.length === 0) throw new Error('poolReport: no alphas to combine');
  const T = panel.times.length, N = panel.assets.length;
  const train = sliceDates(panel, 0, testStart);
  const full = expressions.map((e) => rankNormalize(evaluate(parse(e), panel), T, N));
  const trainRankIc = expressions.map((e) => segmentIc(evaluate(parse(e), train), train, 0, testStart).rankIc);
  return {
    expressions,
    trainRankIc,
    members: full.map((v) => segmentIc(v, panel, testStart, T)),
    equalWeight: segmentIc(combine(full, full.map(() => 1)), panel, testStart, T),
    icWeighted: segmentIc(combine(full, trainRankIc), panel, testStart, T),
  };
}
