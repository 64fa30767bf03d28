/**
 * analyzeFactor: every validation metric of one factor on one panel, pure (no
 * I/O). Composes the per-date kernels of ./kernels.ts with the statistics of
 * lib/stats. Ranks of the factor are computed once per date and reused for the
 * Rank IC, the quantile buckets, turnover and rank autocorrelation; forward
 * returns and their ranks are cached per price array (so a batch of factors on
 * one panel computes them once), and row views of one array share its
 * ({@link registerRowView}).
 */
import { type Panel } from '../data/panel.js';
import { resolveAnnualization } from '../data/calendar.js';
import { maskToUniverse } from '../data/universe.js';
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';
import {
  mean, neweyWestT, performanceStats, spearman, std, tStatistic, tTestPValue, drawdownSeries, equityCurve, deflatedSharpeReport, type DeflatedSharpeResult, type PerformanceStats,
} from '../stats/index.js';
import {
  bucketHeldReturns, bucketMeans, checkInt, checkShape, coverageSeries, forwardReturnsKernel, heldReturns, nanMean, quantileBuckets,
  quantileTurnover, rankAutocorrelation, rankRows, rollingMean, rowIcPair, type RankedRows,
} from './kernels.js';
import { gradeFactor, type GradeMetrics, type GradeResult, type PartialThresholds } from './grade.js';

/**
 * Settings of a factor evaluation. Every field has a default; the resolved
 * settings ({@link resolveSettings}) are stored with each result.
 */
export interface FactorSettings {
  /** Forward-return horizon in bars for the headline metrics. Default 1. */
  horizon?: number;
  /** Horizons (bars) of the IC decay curve. Default [1, 5, 10, 20] (plus `horizon`). */
  decayHorizons?: readonly number[];
  /** 0: enter at the close of the signal bar t; 1: at the close of t + 1. Default 1. */
  delay?: 0 | 1;
  /** Number of equal-count quantile buckets per date. Default 5. */
  quantiles?: number;
  /** Long-short construction: 'quantile' (equal-weight top minus bottom bucket) or 'rank' (rank-weighted). Default 'quantile'. */
  portfolio?: 'quantile' | 'rank';
  /** Window (dates) of the rolling IC mean. Default 60. */
  rollingWindow?: number;
  /** Minimum assets with both a factor value and a forward return for a date's IC. Default 5. */
  minAssets?: number;
  /** Bars per year for annualization. Default: the panel's calendar (lib/data `panelAnnualization`: inferred from its times, e.g. 244 for A-shares, 251.8 for the S&P sample, 8,760 for 1h crypto); a given value more than 5 % off it warns. */
  annualization?: number;
  /** Price field forward returns are computed from. Default 'close'. */
  priceField?: string;
  /** Grade thresholds (partial; merged over the defaults). */
  thresholds?: PartialThresholds;
}

/** Every key of {@link FactorSettings} (an unknown key is an error). */
export const FACTOR_SETTINGS_KEYS = settingsKeys<FactorSettings>()(['horizon', 'decayHorizons', 'delay', 'quantiles', 'portfolio', 'rollingWindow', 'minAssets', 'annualization', 'priceField', 'thresholds']);

/** Settings with every default filled in (the form stored and hashed). */
export interface ResolvedSettings {
  horizon: number;
  decayHorizons: number[];
  delay: 0 | 1;
  quantiles: number;
  portfolio: 'quantile' | 'rank';
  rollingWindow: number;
  minAssets: number;
  annualization: number;
  priceField: string;
  thresholds: PartialThresholds | null;
}

/**
 * Fills the defaults of {@link FactorSettings} for `panel`.
 * @throws RangeError naming the setting that is out of range.
 */
export function resolveSettings(panel: Pick<Panel, 'frequency' | 'market' | 'times' | 'barsPerYear'>, s: FactorSettings = {}): ResolvedSettings {
  const horizon = s.horizon ?? 1;
  checkInt('settings.horizon', horizon, 1);
  const delay = s.delay ?? 1;
  if (delay !== 0 && delay !== 1) throw new RangeError(`settings.delay must be 0 or 1, got ${String(delay)}`);
  const quantiles = s.quantiles ?? 5;
  checkInt('settings.quantiles', quantiles, 2);
  if (quantiles > 100) throw new RangeError(`settings.quantiles must be <= 100, got ${quantiles}`);
  const portfolio = s.portfolio ?? 'quantile';
  if (portfolio !== 'quantile' && portfolio !== 'rank') throw new RangeError(`settings.portfolio must be 'quantile' or 'rank', got ${String(portfolio)}`);
  const rollingWindow = s.rollingWindow ?? 60;
  checkInt('settings.rollingWindow', rollingWindow, 1);
  const minAssets = s.minAssets ?? 5;
  checkInt('settings.minAssets', minAssets, 2);
  const annualization = resolveAnnualization(panel, s.annualization, 'settings.annualization').barsPerYear;
  const decay = [...new Set([...(s.decayHorizons ?? [1, 5, 10, 20]), horizon])].sort((a, b) => a - b);
  for (const h of decay) checkInt('settings.decayHorizons[]', h, 1);
  return {
    horizon, decayHorizons: decay, delay, quantiles, portfolio, rollingWindow, minAssets, annualization,
    priceField: s.priceField ?? 'close', thresholds: s.thresholds ?? null,
  };
}

/** Summary of a per-date IC (or Rank IC) series. */
export interface IcStats {
  /** Mean of the per-date values (dates with a defined IC). */
  mean: number;
  /** Sample std (ddof = 1) of the per-date values. */
  std: number;
  /** ICIR = mean / std, per date, not annualized. */
  ir: number;
  /** One-sample t-statistic of mean = 0: mean / (std / sqrt(n)). Ignores the overlap of forward returns when horizon > 1 (see tNeweyWest). */
  t: number;
  /** Two-sided p-value of `t` (Student t, n - 1 df). */
  p: number;
  /** Newey-West t with horizon - 1 Bartlett lags (equals a population-std t for horizon 1). */
  tNeweyWest: number;
  /** Two-sided p-value of tNeweyWest (Student t, n - 1 df). */
  pNeweyWest: number;
  /** Share of dates with IC > 0 among dates with a defined IC. */
  positiveShare: number;
  /** Number of dates with a defined IC. */
  nDates: number;
  /** Per-date series, length nDates of the panel (NaN where undefined). */
  series: Float64Array;
  /** Trailing mean over `rollingWindow` dates (at least half of them defined), length nDates. */
  rolling: Float64Array;
}

/** One point of the IC decay curve. */
export interface DecayPoint {
  horizon: number;
  icMean: number;
  rankIcMean: number;
  rankIcIr: number;
}

/** Quantile analysis at the headline horizon. */
export interface QuantileStats {
  /** Number of buckets Q. Bucket 0 holds the lowest factor values, Q - 1 the highest. */
  n: number;
  /** Mean over dates of each bucket's equal-weight mean forward return (horizon bars, fraction), length Q. */
  meanReturn: number[];
  /** Mean over dates of each bucket's count of names with a forward return, length Q. */
  meanCount: number[];
  /** Mean over dates of top-minus-bottom (bucket Q-1 minus bucket 0) forward return, horizon bars. */
  spread: number;
  /** Standard error of `spread`: std(ddof 1) / sqrt(n dates) (overlap ignored when horizon > 1). */
  spreadSe: number;
  /** spread / spreadSe. */
  spreadT: number;
  /** Newey-West t of the spread with horizon - 1 lags (the overlap of horizon-bar returns taken into account); used by the grade when horizon > 1. */
  spreadTNeweyWest: number;
  /** Per-date top-minus-bottom spread, length nDates. */
  spreadSeries: Float64Array;
  /** Spearman correlation between bucket index (1..Q) and meanReturn; NaN when undefined. */
  monotonicity: number;
  /** Per-bucket compounded equity (from 1) of an equal-weight bucket portfolio rebalanced every `horizon` bars on one-bar returns, each length nDates. */
  cumulative: Float64Array[];
}

/** Turnover and rank stability. */
export interface TurnoverStats {
  /** Mean top-bucket turnover: share of names not in the top bucket `horizon` bars earlier. */
  top: number;
  /** Mean bottom-bucket turnover, same definition. */
  bottom: number;
  /** Per-date top / bottom turnover, length nDates. */
  topSeries: Float64Array;
  bottomSeries: Float64Array;
  /** Mean factor rank autocorrelation at lag 1 bar. */
  rankAutocorrelation: number;
  /** Per-date rank autocorrelation, length nDates. */
  rankAutocorrelationSeries: Float64Array;
}

/** Long-short portfolio built from the factor. */
export interface LongShort {
  /** 'quantile': +1 spread equally over the top bucket, -1 over the bottom; 'rank': weights proportional to demeaned rank, long leg +1, short leg -1 (dollar neutral, gross 2). */
  method: 'quantile' | 'rank';
  /** Per-bar returns indexed by the signal date t (earned from the close of t + delay to the next close), length nDates, NaN where undefined. */
  returns: Float64Array;
  /** Compounded equity from 1, length nDates. */
  equity: Float64Array;
  /** Drawdown of the equity (<= 0), length nDates. */
  drawdown: Float64Array;
  /** performanceStats of `returns` with the stored annualization (top minus bottom as is). */
  stats: PerformanceStats;
  /** performanceStats of `direction * returns`: the portfolio traded the way the mean Rank IC points. Used by the grade. */
  directional: PerformanceStats;
}

/**
 * Everything {@link analyzeFactor} computes. Series have length nDates and are
 * indexed like `times`.
 */
export interface FactorAnalysis {
  nDates: number;
  nAssets: number;
  /** Bar open times, epoch ms UTC, length nDates. */
  times: Float64Array;
  settings: ResolvedSettings;
  /** Bars per year used to annualize (copied from settings). */
  annualization: number;
  ic: IcStats;
  rankIc: IcStats;
  decay: DecayPoint[];
  quantiles: QuantileStats;
  turnover: TurnoverStats;
  /** Mean and per-date share of the tradable universe (assets with a price) with a factor value. */
  coverage: { mean: number; series: Float64Array };
  /** +1 when the mean Rank IC is >= 0 (or undefined), -1 otherwise. */
  direction: 1 | -1;
  longShort: LongShort;
  /** The inputs of the grade. */
  gradeMetrics: GradeMetrics;
  /** Grade, pass and rejection reasons. */
  grade: GradeResult;
  /** Wall time of the computation, ms. */
  computeMs: number;
  /** Wall time per stage, ms: per-date factor ranks, IC / Rank IC over the decay horizons (forward returns included when not cached), quantiles, portfolios, turnover and the rest. */
  stageMs: { ranks: number; ic: number; quantiles: number; portfolios: number; turnover: number };
}

interface Fwd {
  fwd: Float64Array;
  ranked: RankedRows;
  /**
   * Rows of `fwd` / `ranked` that hold the forward return of this price array
   * (every row of an array's own computation; for a row view, the rows whose
   * window ends inside the view: later rows hold returns past the view's end
   * and must not be read; their metrics are NaN, as the view's own forward returns would be).
   */
  rows: number;
}

const fwdCache = new WeakMap<Float64Array, Map<string, Fwd>>();

/** Row views registered by {@link registerRowView}: view -> the whole array it is a view of, and its first row. */
const rowViews = new WeakMap<Float64Array, { whole: Float64Array; wholeT: number; off: number }>();

/**
 * Declares `view` = rows [off, off + T) of `whole` (a price array of
 * `wholeT` rows), so {@link analyzeFactor} on a panel holding `view` reads
 * forward returns and their ranks from `whole`'s (computed once per whole
 * array, horizon and delay) instead of computing them for each view: the
 * screen's in-sample rows differ per candidate (each warm-up moves both ends).
 * Forward returns of view rows whose window ends inside the view equal the
 * view's own, ranks are per date, and the later rows are treated as
 * undefined, so every metric is identical.
 */
export function registerRowView(view: Float64Array, whole: Float64Array, wholeT: number, off: number): void {
  rowViews.set(view, { whole, wholeT, off });
}

/**
 * Forward returns and their per-date ranks for (price array, horizon, delay),
 * cached on the price array's identity; a registered row view
 * ({@link registerRowView}) reads the whole array's (`rows` then stops
 * where the view's own forward returns end).
 */
function forwardWithRanks(price: Float64Array, T: number, N: number, horizon: number, delay: 0 | 1): Fwd {
  const v = rowViews.get(price);
  if (v) {
    let f: Fwd | undefined;
    try {
      f = forwardWithRanks(v.whole, v.wholeT, N, horizon, delay);
    } catch {
      f = undefined; // e.g. a non-positive price outside the view: compute on the view itself, as before
    }
    if (f) {
      const o = v.off;
      return {
        fwd: f.fwd.subarray(o * N), ranked: { ranks: f.ranked.ranks.subarray(o * N), counts: f.ranked.counts.subarray(o), order: f.ranked.order.subarray(o * N) },
        rows: Math.max(0, Math.min(T, f.rows - o, T - delay - horizon)),
      };
    }
  }
  let m = fwdCache.get(price);
  if (!m) {
    m = new Map();
    fwdCache.set(price, m);
  }
  const key = `${T}x${N}:${horizon}:${delay}`;
  let f = m.get(key);
  if (!f) {
    const fwd = forwardReturnsKernel(price, T, N, horizon, delay);
    f = { fwd, ranked: rankRows(fwd, T, N), rows: T };
    m.set(key, f);
  }
  return f;
}

/** `x` (rows x width) extended to T rows with `fill`: the rows a kernel was not run on (no forward return there). */
function padRows<A extends Float64Array | Int32Array>(x: A, T: number, width: number, fill: number): A {
  if (x.length === T * width) return x;
  const out = new (x.constructor as new (n: number) => A)(T * width);
  out.fill(fill);
  out.set(x);
  return out;
}

/**
 * Forward simple returns of `panel`'s price field over `horizon` bars with
 * `delay` (dates x assets, fractions): fwd[t, a] = p[t+delay+horizon, a] /
 * p[t+delay, a] - 1; NaN at the last delay + horizon bars and wherever a price
 * is missing. See {@link forwardReturnsKernel}. The result is a fresh copy.
 * @throws RangeError for a bad horizon or delay; Error for a missing field or non-positive price.
 */
export function forwardReturns(panel: Panel, horizon: number, delay: 0 | 1, priceField = 'close'): Float64Array {
  const price = panel.fields[priceField];
  if (!price) throw new Error(`forwardReturns: panel has no field "${priceField}"; fields: ${Object.keys(panel.fields).join(', ')}`);
  return forwardReturnsKernel(price, panel.times.length, panel.assets.length, horizon, delay);
}

function icStats(series: Float64Array, horizon: number, window: number): IcStats {
  const n = series.reduce((c, v) => (Number.isNaN(v) ? c : c + 1), 0);
  const m = mean(series);
  const s = std(series, 1);
  const { t } = tStatistic(series);
  const nw = neweyWestT(series, horizon - 1);
  let pos = 0;
  for (let i = 0; i < series.length; i++) if (series[i]! > 0) pos++;
  return {
    mean: m,
    std: s,
    ir: s > 0 ? m / s : NaN,
    t,
    p: n >= 2 ? tTestPValue(t, n - 1) : NaN,
    tNeweyWest: nw.t,
    pNeweyWest: n >= 2 ? tTestPValue(nw.t, n - 1) : NaN,
    positiveShare: n > 0 ? pos / n : NaN,
    nDates: n,
    series,
    rolling: rollingMean(series, window),
  };
}

/**
 * Computes every validation metric of one factor. `values` is dates x assets
 * (same layout as the panel's fields), the signal known at the close of each
 * bar. Definitions (all per date, then summarized over dates):
 * - forward returns: {@link forwardReturns} with settings.horizon and delay;
 * - IC: Pearson, Rank IC: Spearman, pairwise-complete per date, dates with
 *   fewer than `minAssets` pairs undefined; IC stats via lib/stats (t, p);
 * - decay: mean IC / Rank IC for each of `decayHorizons`;
 * - quantiles: equal-count buckets of the per-date factor ranks over the
 *   assets with a factor value (a date with fewer assets than buckets has no
 *   buckets); mean forward return per bucket; spread = top minus bottom;
 * - turnover: top / bottom bucket turnover at lag `horizon`; rank
 *   autocorrelation at lag 1;
 * - long-short: rebalanced every `horizon` bars, per-bar returns, stats from
 *   lib/stats `performanceStats` with `annualization`;
 * - grade from {@link gradeFactor} with p-value = Rank IC p and spread t =
 *   plain t for horizon 1, their Newey-West versions (horizon - 1 lags) when
 *   horizon > 1, since overlapping forward returns make consecutive dates
 *   dependent.
 * No value at t uses factor values after t; returns enter only through the
 * forward returns that define the metrics.
 * @throws RangeError when `values` does not have nDates x nAssets entries or a setting is invalid; Error when the price field is missing.
 */
export function analyzeFactor(factorValues: Float64Array, panel: Panel, settings?: FactorSettings): FactorAnalysis {
  const t0 = performance.now();
  checkSettingsKeys(settings, FACTOR_SETTINGS_KEYS, 'FactorSettings');
  // Only in-universe cells enter the statistics (panel.universe; NaN elsewhere, as a missing value).
  const values = maskToUniverse(factorValues, panel);
  const T = panel.times.length;
  const N = panel.assets.length;
  checkShape('factor values', values, T, N);
  const s = resolveSettings(panel, settings);
  const price = panel.fields[s.priceField];
  if (!price) throw new Error(`analyzeFactor: panel has no price field "${s.priceField}"; fields: ${Object.keys(panel.fields).join(', ')}`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === Infinity || v === -Infinity) throw new RangeError(`factor values hold an infinity at row ${Math.floor(i / N)}, asset ${panel.assets[i % N]}`);
  }
  const { horizon, delay, quantiles: Q, minAssets } = s;

  // Factor ranks once per date.
  const ranked = rankRows(values, T, N);
  const { ranks, counts } = ranked;

  const t1 = performance.now();
  // IC and Rank IC per horizon (decay), headline horizon kept in full.
  let icH: Float64Array | undefined;
  let ricH: Float64Array | undefined;
  const decay: DecayPoint[] = [];
  for (const h of s.decayHorizons) {
    const f = forwardWithRanks(price, T, N, h, delay);
    const pair = rowIcPair(values, ranked, f.fwd, f.ranked, f.rows, N, minAssets);
    const ic = padRows(pair.ic, T, 1, NaN);
    const ric = padRows(pair.rankIc, T, 1, NaN);
    const rs = std(ric, 1);
    decay.push({ horizon: h, icMean: mean(ic), rankIcMean: mean(ric), rankIcIr: rs > 0 ? mean(ric) / rs : NaN });
    if (h === horizon) {
      icH = ic;
      ricH = ric;
    }
  }
  const ic = icStats(icH!, horizon, s.rollingWindow);
  const rankIc = icStats(ricH!, horizon, s.rollingWindow);
  const direction: 1 | -1 = rankIc.mean < 0 ? -1 : 1;

  const t2 = performance.now();
  // Quantiles at the headline horizon.
  const fH = forwardWithRanks(price, T, N, horizon, delay);
  const buckets = quantileBuckets(ranks, counts, T, N, Q);
  const bmRows = bucketMeans(buckets, fH.fwd, fH.rows, N, Q);
  const bm = { means: padRows(bmRows.means, T, Q, NaN), counts: padRows(bmRows.counts, T, Q, 0) };
  const meanReturn: number[] = [];
  const meanCount: number[] = [];
  const col = new Float64Array(T);
  for (let q = 0; q < Q; q++) {
    let c = 0;
    let nd = 0;
    for (let t = 0; t < T; t++) {
      col[t] = bm.means[t * Q + q]!;
      if (!Number.isNaN(col[t]!)) {
        c += bm.counts[t * Q + q]!;
        nd++;
      }
    }
    meanReturn.push(mean(col));
    meanCount.push(nd > 0 ? c / nd : NaN);
  }
  const spreadSeries = new Float64Array(T);
  for (let t = 0; t < T; t++) spreadSeries[t] = bm.means[t * Q + Q - 1]! - bm.means[t * Q]!;
  const spreadStat = tStatistic(spreadSeries);
  const spreadSe = spreadStat.n >= 2 ? std(spreadSeries, 1) / Math.sqrt(spreadStat.n) : NaN;
  const spreadNw = neweyWestT(spreadSeries, horizon - 1).t;
  const bucketIndex = meanReturn.map((_, i) => i + 1);
  const monotonicity = spearman(bucketIndex, meanReturn);

  const t3 = performance.now();
  // Per-bar portfolios on one-bar returns, rebalanced every `horizon` bars.
  const f1 = forwardWithRanks(price, T, N, 1, delay);
  const held = padRows(bucketHeldReturns(buckets, f1.fwd, f1.rows, N, Q, horizon), T, Q, NaN);
  const cumulative: Float64Array[] = [];
  const hq = new Float64Array(T);
  for (let q = 0; q < Q; q++) {
    for (let t = 0; t < T; t++) hq[t] = held[t * Q + q]!;
    cumulative.push(equityCurve(hq));
  }
  let lsReturns: Float64Array;
  if (s.portfolio === 'quantile') {
    // Equal weight +1 over the top bucket and -1 over the bottom bucket: top mean minus bottom mean.
    lsReturns = new Float64Array(T);
    for (let t = 0; t < T; t++) lsReturns[t] = held[t * Q + Q - 1]! - held[t * Q]!;
  } else lsReturns = padRows(heldReturns(f1.fwd, f1.rows, N, horizon, (k, w) => {
    const o = k * N;
    const n = counts[k]!;
    if (n < minAssets) return false;
    const mid = (n + 1) / 2;
    let pos = 0;
    for (let a = 0; a < N; a++) {
      const r = ranks[o + a]!;
      if (r === r && r > mid) pos += r - mid;
    }
    if (pos === 0) return false; // constant factor: no ranking
    // Demeaned ranks sum to 0, so the negative side sums to -pos as well.
    for (let a = 0; a < N; a++) {
      const r = ranks[o + a]!;
      if (r === r) w[a] = (r - mid) / pos;
    }
    return true;
  }), T, 1, NaN);
  const stats = performanceStats(lsReturns, s.annualization);
  const directional = direction === 1 ? stats : performanceStats(lsReturns.map((v) => -v), s.annualization);

  const t4 = performance.now();
  // Turnover and rank autocorrelation.
  const topSeries = quantileTurnover(buckets, T, N, Q - 1, horizon);
  const bottomSeries = quantileTurnover(buckets, T, N, 0, horizon);
  const rac = rankAutocorrelation(ranks, T, N, 1, minAssets);
  const turnover: TurnoverStats = {
    top: nanMean(topSeries),
    bottom: nanMean(bottomSeries),
    topSeries,
    bottomSeries,
    rankAutocorrelation: nanMean(rac),
    rankAutocorrelationSeries: rac,
  };
  const cov = coverageSeries(values, price, T, N);

  const gradeMetrics: GradeMetrics = {
    rankIc: rankIc.mean,
    icir: rankIc.ir,
    spreadT: horizon > 1 ? spreadNw : spreadStat.t,
    monotonicity,
    turnover: Number.isNaN(turnover.top) || Number.isNaN(turnover.bottom) ? NaN : (turnover.top + turnover.bottom) / 2,
    sharpe: directional.sharpe,
    sortino: directional.sortino,
    calmar: directional.calmar,
    pValue: horizon > 1 ? rankIc.pNeweyWest : rankIc.p,
  };
  const grade = gradeFactor(gradeMetrics, s.thresholds ?? undefined);
  const t5 = performance.now();
  return {
    nDates: T,
    nAssets: N,
    times: panel.times,
    settings: s,
    annualization: s.annualization,
    ic,
    rankIc,
    decay,
    quantiles: {
      n: Q, meanReturn, meanCount, spread: mean(spreadSeries), spreadSe, spreadT: spreadStat.t, spreadTNeweyWest: spreadNw, spreadSeries, monotonicity, cumulative,
    },
    turnover,
    coverage: { mean: nanMean(cov), series: cov },
    direction,
    longShort: { method: s.portfolio, returns: lsReturns, equity: equityCurve(lsReturns), drawdown: drawdownSeries(lsReturns), stats, directional },
    gradeMetrics,
    grade,
    computeMs: t5 - t0,
    stageMs: { ranks: t1 - t0, ic: t2 - t1, quantiles: t3 - t2, portfolios: t4 - t3, turnover: t5 - t4 },
  };
}

/**
 * The deflated Sharpe (lib/stats deflatedSharpeReport) of a factor's
 * directional long-short returns (top minus bottom, times the sign of the mean
 * Rank IC) from their stored moments, annualized with the analysis' bars per year.
 */
export function directionalDeflatedSharpe(a: Pick<FactorAnalysis, 'longShort' | 'annualization'>, nTrials: number, trialSharpeVariance: number): DeflatedSharpeResult {
  const d = a.longShort.directional;
  return deflatedSharpeReport({ sharpePerBar: d.sharpePerBar, nObs: d.nBars, skew: d.skew, kurtosis: d.kurtosis, nTrials, trialSharpeVariance, annualization: a.annualization });
}

