/**
 * A compact statistical summary of a dataset for the prompt: fields,
 * frequency, universe size, coverage, return and volatility profile. Pure
 * computation on a {@link Panel}.
 */
import { formatTime, type Panel } from '../data/panel.js';
import { panelBarsPerYear } from '../data/calendar.js';
import { median } from '../stats/index.js';

/** Summary numbers (returns as fractions; annualized with the panel's bars per year). */
export interface DatasetSummary {
  readonly dataset: string;
  readonly market: 'equity' | 'crypto';
  readonly frequency: string;
  readonly nDates: number;
  readonly nAssets: number;
  readonly start: string;
  readonly end: string;
  readonly fields: readonly string[];
  /** Bars per year used for annualization (the panel's calendar, lib/data `panelAnnualization`: 251.8 for the S&P sample; 8,760 for 1h crypto). */
  readonly barsPerYear: number;
  /** Fraction of (bar, asset) cells with a finite close. */
  readonly coverage: number;
  /** Annualized mean of the equal-weight close-to-close return (fraction). */
  readonly ewReturnAnn: number;
  /** Annualized volatility of the equal-weight return (fraction). */
  readonly ewVolAnn: number;
  /** Median over assets of each asset's annualized volatility (fraction). */
  readonly medianAssetVolAnn: number;
  /** Mean over bars of the cross-sectional standard deviation of one-bar returns (fraction per bar). */
  readonly crossSectionalDispersion: number;
}

/**
 * Computes the summary from the `close` field (one-bar close-to-close
 * returns `close[t]/close[t-1] - 1`, only where both are finite and > 0).
 * @throws Error when the panel has no `close` field or fewer than 2 bars.
 */
export function summarizePanel(panel: Panel): DatasetSummary {
  const close = panel.fields.close;
  if (!close) throw new Error(`summarizePanel: panel ${panel.dataset ?? ''} has no "close" field`);
  const T = panel.times.length;
  const N = panel.assets.length;
  if (T < 2) throw new Error(`summarizePanel: need at least 2 bars, got ${T}`);
  const bpy = panelBarsPerYear(panel);
  let finite = 0;
  for (let i = 0; i < close.length; i++) if (Number.isFinite(close[i]!)) finite++;
  const ew: number[] = [];
  const disp: number[] = [];
  const sum = new Float64Array(N);
  const sum2 = new Float64Array(N);
  const cnt = new Float64Array(N);
  for (let t = 1; t < T; t++) {
    let s = 0;
    let s2 = 0;
    let k = 0;
    for (let a = 0; a < N; a++) {
      const p0 = close[(t - 1) * N + a]!;
      const p1 = close[t * N + a]!;
      if (!(p0 > 0) || !(p1 > 0)) continue;
      const r = p1 / p0 - 1;
      s += r;
      s2 += r * r;
      k++;
      sum[a] += r;
      sum2[a] += r * r;
      cnt[a]++;
    }
    if (k > 0) ew.push(s / k);
    if (k > 1) disp.push(Math.sqrt(Math.max(0, (s2 - (s * s) / k) / (k - 1))));
  }
  const meanOf = (x: number[]) => (x.length ? x.reduce((a, b) => a + b, 0) / x.length : NaN);
  const m = meanOf(ew);
  const v = ew.length > 1 ? ew.reduce((a, r) => a + (r - m) * (r - m), 0) / (ew.length - 1) : NaN;
  const vols: number[] = [];
  for (let a = 0; a < N; a++) {
    if (cnt[a]! < 2) continue;
    const mu = sum[a]! / cnt[a]!;
    vols.push(Math.sqrt(Math.max(0, (sum2[a]! - cnt[a]! * mu * mu) / (cnt[a]! - 1)) * bpy));
  }
  const med = median(vols);
  return {
    dataset: panel.dataset ?? '(unnamed)',
    market: panel.market,
    frequency: panel.frequency,
    nDates: T,
    nAssets: N,
    start: formatTime(panel.times[0]!, panel.frequency),
    end: formatTime(panel.times[T - 1]!, panel.frequency),
    fields: Object.keys(panel.fields),
    barsPerYear: bpy,
    coverage: finite / close.length,
    ewReturnAnn: m * bpy,
    ewVolAnn: Math.sqrt(v * bpy),
    medianAssetVolAnn: med,
    crossSectionalDispersion: meanOf(disp),
  };
}

/** The summary as a few lines of text for the prompt (percentages rounded). */
export function formatDatasetSummary(s: DatasetSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `dataset ${s.dataset}: ${s.market}, ${s.frequency} bars, ${s.nDates} bars x ${s.nAssets} assets, ${s.start} .. ${s.end}`,
    `fields: ${s.fields.join(', ')}`,
    `coverage ${pct(s.coverage)} of cells; annualization ${s.barsPerYear} bars/year`,
    `equal-weight return ${pct(s.ewReturnAnn)}/yr, volatility ${pct(s.ewVolAnn)}/yr; median single-asset volatility ${pct(s.medianAssetVolAnn)}/yr; cross-sectional dispersion ${pct(s.crossSectionalDispersion)} per bar`,
  ].join('\n');
}
