/**
 * Market knowledge the loop starts from: factor families, their rationale
 * (with the literature they come from) and expression templates in the
 * engine's grammar (WorldQuant BRAIN "Fast Expression" style: rank, ts_mean,
 * ts_delta, ts_std_dev, ts_corr, ...). The prompt shows the rationale; the
 * offline proposer instantiates the templates. Templates whose operators or
 * fields the grammar / dataset lacks are skipped at run time (validated, not
 * assumed).
 */
import type { Category } from './types.js';

/** An expression template: `{n}` and `{m}` are lookback windows in bars. */
export interface FactorTemplate {
  /** Stable template id (used in generated names). */
  readonly id: string;
  /** Expression with `{n}` (and optionally `{m}`) placeholders. */
  readonly expr: string;
  /** Sign expected for the IC of the expression as written. */
  readonly expectedSign: 1 | -1;
  /** Candidate values for `{n}` (bars). */
  readonly windows: readonly number[];
  /** Candidate values for `{m}` (bars), when used. */
  readonly windows2?: readonly number[];
  /** Fields the template reads (so it is skipped on datasets without them). */
  readonly fields: readonly string[];
}

/** A factor family. */
export interface FactorFamily {
  readonly category: Category;
  /** One paragraph: why it should work, where it comes from, when it fails. */
  readonly rationale: string;
  readonly templates: readonly FactorTemplate[];
}

/** The families, in the order the offline proposer cycles through them. */
export const FACTOR_FAMILIES: readonly FactorFamily[] = [
  {
    category: 'mean_reversion',
    rationale:
      'Short-term reversal (Jegadeesh 1990, Lehmann 1990): losers of the last days to weeks outperform winners as liquidity providers are paid for absorbing order flow and overreaction fades. Strongest at 1-20 bars in liquid large caps; costs matter because turnover is high, so smoothing (decay) helps.',
    templates: [
      { id: 'rev', expr: '-1 * ts_delta(close, {n}) / ts_delay(close, {n})', expectedSign: 1, windows: [3, 5, 10, 20], fields: ['close'] },
      { id: 'zrev', expr: '-1 * (close - ts_mean(close, {n})) / ts_std(close, {n})', expectedSign: 1, windows: [5, 10, 20], fields: ['close'] },
      { id: 'rankrev', expr: '-1 * rank(ts_sum(close / ts_delay(close, 1) - 1, {n}))', expectedSign: 1, windows: [3, 5, 10], fields: ['close'] },
      { id: 'hlpos', expr: '-1 * (close - ts_min(low, {n})) / (ts_max(high, {n}) - ts_min(low, {n}) + 0.0001)', expectedSign: 1, windows: [5, 10, 20], fields: ['close', 'high', 'low'] },
    ],
  },
  {
    category: 'momentum',
    rationale:
      'Cross-sectional momentum (Jegadeesh & Titman 1993; Carhart 1997): winners of the last 3-12 months keep outperforming as information diffuses slowly; usually skips the most recent month to avoid short-term reversal. Crashes after market rebounds (Daniel & Moskowitz 2016). In crypto, time-series momentum works on days-to-weeks horizons.',
    templates: [
      { id: 'mom', expr: 'ts_delay(close, {m}) / ts_delay(close, {n}) - 1', expectedSign: 1, windows: [60, 120, 250], windows2: [5, 20], fields: ['close'] },
      { id: 'tsrank', expr: 'ts_rank(close, {n})', expectedSign: 1, windows: [20, 60, 120], fields: ['close'] },
      { id: 'smamom', expr: 'ts_mean(close, {m}) / ts_mean(close, {n}) - 1', expectedSign: 1, windows: [60, 120], windows2: [5, 10, 20], fields: ['close'] },
    ],
  },
  {
    category: 'volatility',
    rationale:
      'Low-volatility anomaly (Ang, Hodrick, Xing & Zhang 2006; Frazzini & Pedersen 2014 "betting against beta"): stocks with high idiosyncratic or total volatility earn lower risk-adjusted returns, as leverage-constrained and lottery-seeking investors overpay for them. Slow signal, low turnover.',
    templates: [
      { id: 'lowvol', expr: '-1 * ts_std(close / ts_delay(close, 1) - 1, {n})', expectedSign: 1, windows: [20, 60, 120], fields: ['close'] },
      { id: 'range', expr: '-1 * ts_mean((high - low) / close, {n})', expectedSign: 1, windows: [10, 20, 60], fields: ['close', 'high', 'low'] },
    ],
  },
  {
    category: 'volume',
    rationale:
      'Volume and liquidity effects: abnormal volume predicts attention-driven returns (Gervais, Kaniel & Mingelgrin 2001, high-volume return premium); price-volume correlation captures whether moves are confirmed by flow (WorldQuant 101 Alphas, Kakushadze 2016, e.g. Alpha#6 = -correlation(open, volume, 10)). Illiquid names earn a premium (Amihud 2002).',
    templates: [
      { id: 'pvcorr', expr: '-1 * ts_corr(rank(close), rank(volume), {n})', expectedSign: 1, windows: [5, 10, 20], fields: ['close', 'volume'] },
      { id: 'ovcorr', expr: '-1 * ts_corr(open, volume, {n})', expectedSign: 1, windows: [10, 20], fields: ['open', 'volume'] },
      { id: 'abvol', expr: 'volume / ts_mean(volume, {n})', expectedSign: 1, windows: [20, 60], fields: ['volume'] },
      { id: 'amihud', expr: 'ts_mean(abs(close / ts_delay(close, 1) - 1) / (close * volume + 1), {n})', expectedSign: 1, windows: [20, 60], fields: ['close', 'volume'] },
    ],
  },
  {
    category: 'price_action',
    rationale:
      'Intraday price location: where the close sits in the day range, and overnight vs intraday moves, reflect order imbalance that partially reverses (Alpha#101 = (close - open) / (high - low + 0.001), Kakushadze 2016).',
    templates: [
      { id: 'cloc', expr: '-1 * ts_mean((close - open) / (high - low + 0.001), {n})', expectedSign: 1, windows: [1, 5, 10], fields: ['open', 'high', 'low', 'close'] },
      { id: 'gap', expr: '-1 * ts_mean(open / ts_delay(close, 1) - 1, {n})', expectedSign: 1, windows: [5, 10, 20], fields: ['open', 'close'] },
    ],
  },
  {
    category: 'funding',
    rationale:
      'Perpetual-futures funding (crypto): persistently high funding means crowded longs paying carry; high-funding contracts tend to underperform as positioning unwinds, and the carry itself is a return to the short side.',
    templates: [
      { id: 'fund', expr: '-1 * ts_mean(funding_rate, {n})', expectedSign: 1, windows: [8, 24, 72], fields: ['funding_rate'] },
      { id: 'fundz', expr: '-1 * (funding_rate - ts_mean(funding_rate, {n})) / (ts_std(funding_rate, {n}) + 0.000001)', expectedSign: 1, windows: [24, 72, 168], fields: ['funding_rate'] },
    ],
  },
];

/** Families relevant to a category (all when the category is unknown or omitted). */
export function familiesFor(category?: string): readonly FactorFamily[] {
  if (!category) return FACTOR_FAMILIES;
  const f = FACTOR_FAMILIES.filter((x) => x.category === category);
  return f.length > 0 ? f : FACTOR_FAMILIES;
}

/** Fills `{n}` / `{m}` placeholders of a template. */
export function instantiate(t: FactorTemplate, n: number, m?: number): string {
  return t.expr.split('{n}').join(String(n)).split('{m}').join(String(m ?? (t.windows2 ? t.windows2[0]! : n)));
}
