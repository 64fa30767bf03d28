/**
 * Feature grading for one instrument's time series, through lib/factors'
 * grade ({@link gradeFactor}: the same nine criteria, thresholds and AAA-E
 * scale as cross-sectional factors), with Bonferroni across the feature set,
 * rank-correlation redundancy and automatic selection.
 *
 * Time-series versions of the factor metrics (one asset, so no cross-section;
 * `fwd_t` = price[t + h] / price[t] - 1 at the label horizon h):
 * - Rank IC: mean of the Spearman correlations of (feature_t, fwd_t) within
 *   contiguous blocks of `blockRows` rows (default max(20 h, 200)); ICIR = mean / std of the
 *   block ICs (not annualized); p-value = two-sided t-test of the block ICs (blocks far
 *   longer than h are close to independent, so overlapping forward returns do not inflate it).
 * - Quantiles: rows bucketed by the feature's quantiles over the evaluated rows
 *   (Q = 5); monotonicity = Spearman(bucket, mean fwd of the bucket); spread t =
 *   t-statistic of (top mean - bottom mean) measured on non-overlapping rows (every h-th).
 * - Long-short: position +1 in the top bucket, -1 in the bottom one (times the sign of the
 *   Rank IC), rebalanced every h rows, earning the next h rows' return: Sharpe, Sortino,
 *   Calmar of that series annualized with `annualization` periods of h rows per year.
 * - Turnover: share of rebalances at which the position changes.
 * The quantile thresholds use the evaluated rows themselves (as alphalens does
 * per date): an evaluation statistic, not a tradable rule. Pass training rows
 * only when grades select features for a model, so the test rows stay unseen.
 */
import { gradeFactor, type GradeMetrics, type GradeResult, type PartialThresholds } from '../factors/index.js';
import { averageRanks, bonferroni, mean, pearson, performanceStats, spearman, std, tStatistic, tTestPValue } from '../stats/index.js';
import type { FeatureMatrix } from './features.js';

/** Options of {@link gradeFeatures}. */
export interface GradeFeaturesOptions {
  /** Label horizon in rows (forward returns and rebalancing). */
  horizon: number;
  /** Rows evaluated (default all); e.g. the training split. */
  rows?: Int32Array;
  /** Block length for the block Rank IC (default max(20 horizon, 200)). */
  blockRows?: number;
  /** Quantile buckets (default 5). */
  quantiles?: number;
  /** Rows per year, for annualizing (default 252 x 23,400: one row per second of a 6.5-hour equity session). */
  rowsPerYear?: number;
  /** Grade thresholds (lib/factors defaults otherwise). */
  thresholds?: PartialThresholds;
}

/** The grade of one feature. */
export interface FeatureGrade {
  name: string;
  metrics: GradeMetrics;
  /** Unadjusted p-value of the block Rank IC, and its Bonferroni adjustment over all graded features (used in `metrics.pValue` and the grade). */
  pRaw: number;
  pBonferroni: number;
  grade: GradeResult;
  nBlocks: number;
}

/** Forward simple returns over `h` rows (NaN for the last h rows). */
export function forwardReturn(price: Float64Array, h: number): Float64Array {
  const out = new Float64Array(price.length).fill(NaN);
  for (let t = 0; t + h < price.length; t++) out[t] = price[t + h]! / price[t]! - 1;
  return out;
}

/** Metrics of one feature column (see the module comment) before the Bonferroni step. */
function featureMetrics(x: Float64Array, fwd: Float64Array, rows: Int32Array, h: number, blockRows: number, Q: number, rowsPerYear: number): { m: GradeMetrics; nBlocks: number } {
  // Block Rank IC.
  const ics: number[] = [];
  for (let b = 0; b + blockRows <= rows.length; b += blockRows) {
    const xs: number[] = [], ys: number[] = [];
    for (let i = b; i < b + blockRows; i++) {
      const r = rows[i]!;
      if (x[r] === x[r] && fwd[r] === fwd[r]) {
        xs.push(x[r]!);
        ys.push(fwd[r]!);
      }
    }
    if (xs.length >= 30) {
      const c = spearman(xs, ys);
      if (c === c) ics.push(c);
    }
  }
  const icMean = mean(ics);
  const icStd = std(ics, 1);
  const tt = tStatistic(ics);
  const pValue = tTestPValue(tt.t, tt.df);
  const direction = icMean < 0 ? -1 : 1;
  // Quantile buckets over the evaluated rows.
  const vals: number[] = [];
  for (const r of rows) if (x[r] === x[r] && fwd[r] === fwd[r]) vals.push(x[r]!);
  vals.sort((a, b) => a - b);
  const cuts = Array.from({ length: Q - 1 }, (_, q) => vals[Math.floor(((q + 1) * vals.length) / Q)] ?? NaN);
  const bucket = (v: number) => {
    let q = 0;
    while (q < Q - 1 && v >= cuts[q]!) q++;
    return q;
  };
  const sums = new Float64Array(Q), counts = new Float64Array(Q);
  const spread: number[] = [];
  const ls: number[] = [];
  let changes = 0, rebalances = 0, prevPos = NaN;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!(x[r] === x[r] && fwd[r] === fwd[r])) continue;
    const q = bucket(x[r]!);
    sums[q] += fwd[r]!;
    counts[q]++;
    if (r % h === 0) {
      const pos = q === Q - 1 ? direction : q === 0 ? -direction : 0;
      if (q === Q - 1) spread.push(fwd[r]!);
      else if (q === 0) spread.push(-fwd[r]!);
      ls.push(pos * fwd[r]!);
      if (prevPos === prevPos) {
        rebalances++;
        if (pos !== prevPos) changes++;
      }
      prevPos = pos;
    }
  }
  const bucketMeans = Array.from(sums, (s, q) => (counts[q]! > 0 ? s / counts[q]! : NaN));
  const perf = performanceStats(ls, rowsPerYear / h);
  return {
    nBlocks: ics.length,
    m: {
      rankIc: icMean, icir: icStd > 0 ? icMean / icStd : NaN, spreadT: tStatistic(spread).t, monotonicity: spearman(bucketMeans.map((_, q) => q), bucketMeans),
      turnover: rebalances > 0 ? changes / rebalances : NaN, sharpe: perf.sharpe, sortino: perf.sortino, calmar: perf.calmar, pValue,
    },
  };
}

/**
 * Grades every feature of `features` against forward returns of `price` at the label horizon.
 * @throws RangeError when `price` does not have one value per row or the horizon is not an integer >= 1.
 */
export function gradeFeatures(features: FeatureMatrix, price: Float64Array, opts: GradeFeaturesOptions): FeatureGrade[] {
  const T = features.nRows, F = features.nFeatures, h = opts.horizon;
  if (price.length !== T) throw new RangeError(`gradeFeatures: price has ${price.length} rows, features ${T}`);
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`gradeFeatures: horizon must be an integer >= 1, got ${h}`);
  const rows = opts.rows ?? Int32Array.from({ length: T }, (_, i) => i);
  const fwd = forwardReturn(price, h);
  const col = new Float64Array(T);
  const raw = features.names.map((name, j) => {
    for (let t = 0; t < T; t++) col[t] = features.values[t * F + j]!;
    return { name, ...featureMetrics(col, fwd, rows, h, opts.blockRows ?? Math.max(20 * h, 200), opts.quantiles ?? 5, opts.rowsPerYear ?? 252 * 23_400) };
  });
  const ps = raw.map((r) => (Number.isNaN(r.m.pValue) ? 1 : r.m.pValue));
  const adj = bonferroni(ps);
  return raw.map((r, j) => {
    const metrics = { ...r.m, pValue: Number.isNaN(r.m.pValue) ? NaN : adj[j]! };
    return { name: r.name, metrics, pRaw: r.m.pValue, pBonferroni: metrics.pValue, grade: gradeFactor(metrics, opts.thresholds), nBlocks: r.nBlocks };
  });
}

/**
 * Spearman correlation matrix of the features (F x F, row-major) on every `step`-th
 * row of `rows` (rows where either value is NaN are skipped pairwise).
 */
export function featureRedundancy(features: FeatureMatrix, rows?: Int32Array, maxRows = 3000): Float64Array {
  const F = features.nFeatures;
  const all = rows ?? Int32Array.from({ length: features.nRows }, (_, i) => i);
  const step = Math.max(1, Math.floor(all.length / maxRows));
  const picked: number[] = [];
  for (let i = 0; i < all.length; i += step) picked.push(all[i]!);
  const cols = features.names.map((_, j) => Float64Array.from(picked, (r) => features.values[r * F + j]!));
  const allFinite = cols.map((c) => c.every((v) => v === v));
  const ranks = cols.map((c) => averageRanks(c));
  const out = new Float64Array(F * F);
  for (let a = 0; a < F; a++) {
    out[a * F + a] = 1;
    for (let b = a + 1; b < F; b++) {
      const c = allFinite[a] && allFinite[b] ? pearson(ranks[a]!, ranks[b]!) : spearman(cols[a]!, cols[b]!);
      out[a * F + b] = c;
      out[b * F + a] = c;
    }
  }
  return out;
}

/** Options of {@link selectFeatures}. */
export interface SelectOptions {
  /** Worst grade kept (default 'BB'). */
  minGrade?: GradeResult['grade'];
  /** Largest |Spearman| with an already kept feature (default 0.9). */
  maxCorrelation?: number;
  /** Keep at least this many features, best non-redundant ones first (default 10). */
  minFeatures?: number;
}

/**
 * Automatic selection: features sorted by grade points (then |Rank IC|); a feature is
 * kept when its grade is at least `minGrade` and it is not redundant (|corr| <= maxCorrelation)
 * with one kept before it; if fewer than `minFeatures` pass, the best remaining
 * non-redundant ones are added. @returns feature indices in rank order.
 */
export function selectFeatures(grades: FeatureGrade[], corr: Float64Array, opts: SelectOptions = {}): number[] {
  const GR = ['AAA', 'AA', 'A', 'BBB', 'BB', 'B', 'C', 'D', 'E'];
  const F = grades.length;
  const minIdx = GR.indexOf(opts.minGrade ?? 'BB');
  const maxC = opts.maxCorrelation ?? 0.9;
  const minN = opts.minFeatures ?? 10;
  const order = grades.map((_, j) => j).sort((a, b) => grades[b]!.grade.points.total - grades[a]!.grade.points.total || Math.abs(grades[b]!.metrics.rankIc || 0) - Math.abs(grades[a]!.metrics.rankIc || 0));
  const kept: number[] = [];
  const redundant = (j: number) => kept.some((k) => Math.abs(corr[j * F + k]!) > maxC);
  for (const j of order) if (GR.indexOf(grades[j]!.grade.grade) <= minIdx && !redundant(j)) kept.push(j);
  for (const j of order) {
    if (kept.length >= minN) break;
    if (!kept.includes(j) && !redundant(j)) kept.push(j);
  }
  return kept;
}
