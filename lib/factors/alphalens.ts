/**
 * The alphalens parts of a tear sheet that a {@link FactorAnalysis} does not
 * hold: demeaned quantile returns with standard errors at several horizons,
 * IC distribution shape (skew, kurtosis, normal Q-Q points), monthly mean
 * IC, by-group IC and group-neutral quantile spreads, and the interpretation
 * lines a reader needs. Pure (typed arrays in, plain objects out).
 *
 * Definitions follow alphalens (quantopian/alphalens `performance.py`,
 * `plotting.py`) where it has one, with the variants named:
 * - demeaned forward return: the asset's forward return minus the equal-weight
 *   mean forward return, that date, of the assets with a factor bucket
 *   (alphalens `demean_forward_returns`); group-neutral: minus the mean of the
 *   asset's group that date;
 * - mean return by quantile: the mean over dates of each bucket's per-date
 *   mean (alphalens `mean_return_by_quantile(by_date=True)` then averaged),
 *   standard error = std over dates (ddof 1) / sqrt(dates), overlap of
 *   h-bar returns ignored (as alphalens does); also shown per bar as
 *   (1 + r)^(1/h) - 1 (alphalens `rate_of_return`);
 * - IC skew: skewness, IC kurtosis: excess kurtosis (lib/stats `kurtosis` - 3, scipy's Fisher
 *   definition as alphalens prints), both with population moments, of the per-date Rank IC;
 * - Q-Q: sorted standardized Rank IC against standard normal quantiles at
 *   plotting positions (i - 0.5) / n (alphalens `plot_ic_qq` uses scipy's
 *   probplot, whose Filliben positions differ by < 1/n in probability);
 * - monthly IC: mean Rank IC of the dates in each calendar month (UTC).
 */
import type { Panel } from '../data/panel.js';
import { kurtosis, mean, neweyWestT, normalPpf, skewness, std } from '../stats/index.js';
import type { FactorAnalysis } from './analyze.js';
import { GRADES } from './grade.js';
import { bucketMeans, checkShape, forwardReturnsKernel, quantileBuckets, rankRows, rowIcPair } from './kernels.js';

/** Demeaned mean forward return by quantile at one horizon. */
export interface QuantileReturnsAtHorizon {
  /** Horizon in bars. */
  horizon: number;
  /** Mean over dates of the bucket's demeaned h-bar forward return (fraction), length Q; bucket 0 = lowest factor values. */
  mean: number[];
  /** Standard error of `mean`: std over dates (ddof 1) / sqrt(dates with the bucket), length Q. */
  stdError: number[];
  /** `mean` as a per-bar rate: (1 + mean)^(1/h) - 1, length Q. */
  meanPerBar: number[];
  /** Dates with a defined value, per bucket. */
  nDates: number[];
  /** Mean top-minus-bottom spread of demeaned returns (equals the raw spread), h bars. */
  spread: number;
}

/** Shape of the Rank IC distribution and its normal Q-Q points. */
export interface IcDistribution {
  /** Sample skewness of the per-date Rank IC. */
  skew: number;
  /** Excess kurtosis of the per-date Rank IC (0 for a normal). */
  kurtosis: number;
  /** Standard normal quantiles at positions (i - 0.5) / n, ascending. */
  theoretical: number[];
  /** Sorted standardized Rank IC values ((x - mean) / std), ascending, same length. */
  sample: number[];
}

/** Mean Rank IC per calendar month. */
export interface MonthlyIc {
  /** Years present, ascending. */
  years: number[];
  /** years x 12 means (Jan..Dec), NaN where a month has no defined IC. */
  z: number[][];
}

/** One group's row of the by-group table. */
export interface GroupIcRow {
  group: string;
  /** Assets in the group. */
  assets: number;
  /** Mean per-date Rank IC computed within the group (dates with at least minAssets pairs). */
  rankIc: number;
  /** Newey-West t of that mean (horizon - 1 lags). */
  tNw: number;
  /** Dates with a defined within-group IC. */
  nDates: number;
  /** Mean top-minus-bottom spread of group-demeaned forward returns of the group's members (fraction, horizon bars). */
  spread: number;
}

/** Everything {@link alphalensStats} computes. */
export interface AlphalensStats {
  /** Demeaned quantile returns, one entry per horizon (universe-demeaned). */
  quantileReturns: QuantileReturnsAtHorizon[];
  /** Group-neutral quantile returns (demeaned within each group), per horizon; null without groups. */
  groupNeutralReturns: QuantileReturnsAtHorizon[] | null;
  icDistribution: IcDistribution;
  monthlyIc: MonthlyIc;
  /** By-group Rank IC and spread at the headline horizon; null without groups. */
  byGroup: GroupIcRow[] | null;
}

/** Options of {@link alphalensStats}. */
export interface AlphalensOptions {
  /** Horizons (bars) of the quantile returns. Default [1, 5, 10]. */
  horizons?: readonly number[];
  /**
   * Group label per asset (length nAssets), e.g. sectors, or the name of one of
   * the panel's group sets (`panel.groups`); default: the panel's `sector`
   * set, else its only set. By-group tables only when the panel has groups.
   */
  groups?: readonly string[] | string;
  /** Minimum pairs for a within-group IC on a date. Default 5. */
  minAssets?: number;
}

/**
 * Per-date mean of `ret` over the assets with a bucket and a return,
 * optionally within groups: returns a copy of `ret` with that mean subtracted
 * (NaN where the asset has no bucket or return).
 */
export function demeanReturns(ret: Float64Array, buckets: Int8Array, T: number, N: number, groupIndex?: Int32Array, nGroups = 1): Float64Array {
  const out = new Float64Array(T * N).fill(NaN);
  const G = groupIndex ? nGroups : 1;
  const sum = new Float64Array(G);
  const cnt = new Int32Array(G);
  for (let t = 0; t < T; t++) {
    sum.fill(0);
    cnt.fill(0);
    const o = t * N;
    for (let a = 0; a < N; a++) {
      const r = ret[o + a]!;
      if (buckets[o + a]! < 0 || r !== r) continue;
      const g = groupIndex ? groupIndex[a]! : 0;
      sum[g] += r;
      cnt[g]++;
    }
    for (let a = 0; a < N; a++) {
      const r = ret[o + a]!;
      if (buckets[o + a]! < 0 || r !== r) continue;
      const g = groupIndex ? groupIndex[a]! : 0;
      out[o + a] = r - sum[g]! / cnt[g]!;
    }
  }
  return out;
}

function quantileSummary(buckets: Int8Array, ret: Float64Array, T: number, N: number, Q: number, horizon: number): QuantileReturnsAtHorizon {
  const { means } = bucketMeans(buckets, ret, T, N, Q);
  const col = new Float64Array(T);
  const out: QuantileReturnsAtHorizon = { horizon, mean: [], stdError: [], meanPerBar: [], nDates: [], spread: NaN };
  for (let q = 0; q < Q; q++) {
    let n = 0;
    for (let t = 0; t < T; t++) {
      col[t] = means[t * Q + q]!;
      if (col[t] === col[t]) n++;
    }
    const m = mean(col);
    out.mean.push(m);
    out.nDates.push(n);
    out.stdError.push(n >= 2 ? std(col, 1) / Math.sqrt(n) : NaN);
    out.meanPerBar.push(Math.pow(1 + m, 1 / horizon) - 1);
  }
  const spread = new Float64Array(T);
  for (let t = 0; t < T; t++) spread[t] = means[t * Q + Q - 1]! - means[t * Q]!;
  out.spread = mean(spread);
  return out;
}

/** Skew, excess kurtosis and normal Q-Q points of a per-date IC series (NaN dates skipped). */
export function icDistribution(series: ArrayLike<number>): IcDistribution {
  const xs: number[] = [];
  for (let i = 0; i < series.length; i++) if (series[i] === series[i]) xs.push(series[i]!);
  xs.sort((a, b) => a - b);
  const n = xs.length;
  const m = mean(xs);
  const s = std(xs, 1);
  return {
    skew: skewness(xs),
    kurtosis: kurtosis(xs) - 3, // lib/stats gives m4 / m2^2 (3 for a normal); alphalens (scipy) reports excess
    theoretical: xs.map((_, i) => normalPpf((i + 0.5) / n)),
    sample: s > 0 ? xs.map((x) => (x - m) / s) : xs.map(() => NaN),
  };
}

/** Mean of a per-date series by calendar month (UTC) of `times` (epoch ms), as a years x 12 grid. */
export function monthlyMeans(series: ArrayLike<number>, times: ArrayLike<number>): MonthlyIc {
  const acc = new Map<number, { s: number[]; c: number[] }>();
  for (let i = 0; i < series.length; i++) {
    const v = series[i]!;
    if (v !== v) continue;
    const d = new Date(times[i]!);
    const y = d.getUTCFullYear();
    let e = acc.get(y);
    if (!e) acc.set(y, (e = { s: new Array(12).fill(0), c: new Array(12).fill(0) }));
    e.s[d.getUTCMonth()] += v;
    e.c[d.getUTCMonth()]++;
  }
  const years = [...acc.keys()].sort((a, b) => a - b);
  return { years, z: years.map((y) => acc.get(y)!.s.map((s, k) => (acc.get(y)!.c[k]! > 0 ? s / acc.get(y)!.c[k]! : NaN))) };
}

/**
 * The alphalens statistics of one factor on one panel (values dates x assets,
 * the same layout and settings as {@link analyzeFactor}: `analysis.settings`
 * gives quantiles, delay, price field and headline horizon).
 * @throws RangeError when values or groups have the wrong length; Error when the price field is missing.
 */
export function alphalensStats(values: Float64Array, panel: Panel, analysis: Pick<FactorAnalysis, 'settings' | 'rankIc' | 'times'>, opts: AlphalensOptions = {}): AlphalensStats {
  const T = panel.times.length;
  const N = panel.assets.length;
  checkShape('factor values', values, T, N);
  const s = analysis.settings;
  const price = panel.fields[s.priceField];
  if (!price) throw new Error(`alphalensStats: panel has no price field "${s.priceField}"`);
  const horizons = [...new Set(opts.horizons ?? [1, 5, 10])].sort((a, b) => a - b);
  const Q = s.quantiles;
  const ranked = rankRows(values, T, N);
  const buckets = quantileBuckets(ranked.ranks, ranked.counts, T, N, Q);

  let groupIndex: Int32Array | undefined;
  let groupNames: string[] = [];
  const sets = panel.groups ?? {};
  const labels = typeof opts.groups === 'string' ? sets[opts.groups] : opts.groups ?? sets.sector ?? (Object.keys(sets).length === 1 ? Object.values(sets)[0] : undefined);
  if (typeof opts.groups === 'string' && !labels) throw new RangeError(`alphalensStats: the panel has no group set "${opts.groups}" (sets: ${Object.keys(sets).join(', ') || 'none'})`);
  if (labels) {
    if (labels.length !== N) throw new RangeError(`alphalensStats: groups has ${labels.length} labels for ${N} assets`);
    groupNames = [...new Set(labels)].sort();
    const idx = new Map(groupNames.map((g, i) => [g, i]));
    groupIndex = Int32Array.from(labels, (g) => idx.get(g)!);
  }

  const quantileReturns: QuantileReturnsAtHorizon[] = [];
  const groupNeutral: QuantileReturnsAtHorizon[] = [];
  for (const h of horizons) {
    const fwd = forwardReturnsKernel(price, T, N, h, s.delay);
    quantileReturns.push(quantileSummary(buckets, demeanReturns(fwd, buckets, T, N), T, N, Q, h));
    if (groupIndex) groupNeutral.push(quantileSummary(buckets, demeanReturns(fwd, buckets, T, N, groupIndex, groupNames.length), T, N, Q, h));
  }

  let byGroup: GroupIcRow[] | null = null;
  if (groupIndex) {
    byGroup = groupTable(values, price, panel, s.horizon, s.delay, Q, groupIndex, groupNames, opts.minAssets ?? 5);
  }
  return {
    quantileReturns,
    groupNeutralReturns: groupIndex ? groupNeutral : null,
    icDistribution: icDistribution(analysis.rankIc.series),
    monthlyIc: monthlyMeans(analysis.rankIc.series, analysis.times),
    byGroup,
  };
}

/** Within-group Rank IC and group-demeaned spread: each group's assets as a sub-panel. */
function groupTable(values: Float64Array, price: Float64Array, panel: Panel, horizon: number, delay: 0 | 1, Q: number, groupIndex: Int32Array, names: string[], minAssets: number): GroupIcRow[] {
  const T = panel.times.length;
  const N = panel.assets.length;
  const fwdAll = forwardReturnsKernel(price, T, N, horizon, delay);
  return names.map((group, g) => {
    const members: number[] = [];
    for (let a = 0; a < N; a++) if (groupIndex[a] === g) members.push(a);
    const M = members.length;
    const v = new Float64Array(T * M);
    const f = new Float64Array(T * M);
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < M; k++) {
        v[t * M + k] = values[t * N + members[k]!]!;
        f[t * M + k] = fwdAll[t * N + members[k]!]!;
      }
    }
    const vr = rankRows(v, T, M);
    const { rankIc } = rowIcPair(v, vr, f, rankRows(f, T, M), T, M, Math.max(2, minAssets));
    let nDates = 0;
    for (let t = 0; t < T; t++) if (rankIc[t] === rankIc[t]) nDates++;
    const qg = Math.min(Q, Math.max(2, Math.floor(M / 2)));
    const b = quantileBuckets(vr.ranks, vr.counts, T, M, qg);
    const spread = M >= 2 ? quantileSummary(b, demeanReturns(f, b, T, M), T, M, qg, horizon).spread : NaN;
    return { group, assets: M, rankIc: mean(rankIc), tNw: neweyWestT(rankIc, horizon - 1).t, nDates, spread };
  });
}

/**
 * The sentences a reader needs under a tear sheet, computed from the numbers:
 * the sign of the effect (what a high factor value predicted, and whether the
 * factor works reversed), its significance, and any disagreement between the
 * grade (built on ranks) and the long-short Sharpe (built on mean returns),
 * with its likely cause (a mean spread of the opposite sign to the median
 * spread: a few large returns in the tails decide the mean).
 */
export function interpretFactor(r: Pick<FactorAnalysis, 'rankIc' | 'ic' | 'quantiles' | 'longShort' | 'grade' | 'settings' | 'direction'>): string[] {
  const h = r.settings.horizon;
  const ric = r.rankIc.mean;
  const lines: string[] = [];
  if (!Number.isFinite(ric)) return ['No Rank IC could be computed (too few assets with both a factor value and a forward return).'];
  const sig = Math.abs(r.rankIc.tNeweyWest) >= 2 ? 'significant' : 'not significant';
  const rounded = Number(ric.toPrecision(3));
  const tw = Number(r.rankIc.tNeweyWest.toPrecision(3));
  lines.push(ric >= 0
    ? `Mean Rank IC ${rounded} (Newey-West t ${tw}, ${sig} at |t| >= 2): assets with high factor values tended to do better over the next ${h} bar(s); the factor is used as is.`
    : `Mean Rank IC ${rounded} (Newey-West t ${tw}, ${sig} at |t| >= 2): assets with high factor values tended to do worse over the next ${h} bar(s), so the factor works reversed: the directional portfolio is long its low values (trade -1 x factor).`);
  const ls = r.longShort.stats.sharpe;
  const dir = r.longShort.directional.sharpe;
  const spreadSign = Math.sign(r.quantiles.spread);
  if (Number.isFinite(dir) && dir < 0) {
    const med = median(r.quantiles.spreadSeries);
    const cause = Number.isFinite(med) && Math.sign(med) === Math.sign(ric) && spreadSign !== Math.sign(ric)
      ? `the median date's top-minus-bottom spread (${Number((med * 1e4).toPrecision(3))} bps) agrees with the Rank IC but the mean (${Number((r.quantiles.spread * 1e4).toPrecision(3))} bps) does not: a few large returns in the tails (often small, volatile names) decide the mean`
      : Math.sign(r.ic.mean) !== Math.sign(ric)
        ? `the Pearson IC (${Number(r.ic.mean.toPrecision(3))}) has the opposite sign to the Rank IC: outliers dominate the returns`
        : 'the ranks predict the order of returns but not the size of the extreme buckets\' returns';
    const good = GRADES.indexOf(r.grade.grade) <= GRADES.indexOf('C');
    lines.push(good
      ? `Grade ${r.grade.grade} but the directional long-short Sharpe is ${Number(dir.toPrecision(3))}: the grade rests mostly on rank statistics and ${cause}. Check the quantile returns before trading it.`
      : `The Rank IC and the long-short returns disagree: traded the way the Rank IC points, the long-short Sharpe is ${Number(dir.toPrecision(3))}; ${cause}.`);
  } else if (Number.isFinite(ls) && Math.sign(ls) !== Math.sign(ric) && Number.isFinite(dir) && dir > 0) {
    lines.push(`The long-short Sharpe as built (top minus bottom) is ${Number(ls.toPrecision(3))}; traded in the Rank IC's direction it is ${Number(dir.toPrecision(3))}.`);
  }
  if (!r.grade.pass && r.grade.reasons.length) lines.push(`Rejected: ${r.grade.reasons.join('; ')}.`);
  return lines;
}

function median(x: ArrayLike<number>): number {
  const xs: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] === x[i]) xs.push(x[i]!);
  if (!xs.length) return NaN;
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
}
