/**
 * The panel: the one data shape every research module computes on.
 *
 * A panel is a rectangular grid of `nDates` bars x `nAssets` assets on one
 * aligned calendar. Each field (open, high, low, close, volume, and extras such
 * as funding_rate) is one `Float64Array` of length `nDates * nAssets`, stored
 * date-major (row-major "dates x assets"): the value of asset `a` at bar `t` is
 * `field[t * nAssets + a]`. `NaN` marks a missing value (the asset had no bar,
 * or the source value was missing). Panels never hold infinities.
 *
 * Times are bar open times in epoch milliseconds UTC (freqtrade / Binance
 * convention); daily equity bars use the trading date at 00:00 UTC.
 */

export { FREQUENCY_MS, barsPerYear, barsPerDay } from './calendar.js';
export type { Frequency } from './calendar.js';
import type { Frequency } from './calendar.js';
import { panelBarsPerYear } from './calendar.js';

/**
 * A dates x assets panel of float64 fields. See the module comment for layout.
 * Invariants (checked by {@link validatePanel}): `times` strictly increasing,
 * `assets` unique, every field of length `nDates * nAssets`.
 */
export interface Panel {
  /** Dataset name this panel was loaded from (catalog key), if any. */
  readonly dataset?: string;
  /** Bar frequency. */
  readonly frequency: Frequency;
  /** Market kind: equity (sessions) or crypto (24/7 calendar bars). */
  readonly market: 'equity' | 'crypto';
  /**
   * Bars per year of the panel's calendar, when declared (a loader sets it from
   * the catalog's inferred figure; a user may set it). Absent: inferred from
   * `times` by lib/data `panelAnnualization` (about 244 for A-shares, 251.8 for
   * the S&P sample), 252 for daily equity spans under a year. Every entry point
   * annualizes with it unless its `annualization` setting is given.
   */
  readonly barsPerYear?: number;
  /** Bar open times, epoch ms UTC, length nDates, strictly increasing. */
  readonly times: Float64Array;
  /** Asset identifiers (tickers / symbols), length nAssets, unique. */
  readonly assets: readonly string[];
  /** Numeric fields, each length nDates * nAssets, date-major, NaN = missing. */
  readonly fields: Readonly<Record<string, Float64Array>>;
  /** Optional fixed group labels per asset (e.g. sector), each length nAssets. */
  readonly groups?: Readonly<Record<string, readonly string[]>>;
  /**
   * Optional text labels per (bar, asset) that may change over time (e.g. an
   * A-share `isST` or `tradestatus` column stored as text), from the file's
   * non-numeric columns.
   */
  readonly labels?: Readonly<Record<string, LabelPanel>>;
  /**
   * Optional universe, dates x assets (1 = the name is considered at that bar,
   * 0 = not): factor statistics use only in-universe cells and the portfolio
   * simulator ranks only in-universe names. Built by lib/data `universe.ts`.
   */
  readonly universe?: Uint8Array;
  /** Optional tradability, dates x assets: which names can be bought / sold at that bar (lib/data `tradabilityMask`). */
  readonly tradable?: Tradability;
}

/**
 * Whether a (bar, asset) can be traded, each a dates x assets 0/1 mask: `buy`
 * (a long can be opened or grown, a short covered), `sell` (a long reduced, a
 * short opened or grown). A suspended bar is neither; a bar closing at its
 * limit-up price cannot be bought, one at its limit-down price cannot be sold.
 */
export interface Tradability {
  readonly buy: Uint8Array;
  readonly sell: Uint8Array;
}

/**
 * A dates x assets panel of text labels, dictionary-encoded: the label of asset
 * `a` at bar `t` is `levels[codes[t * nAssets + a]]`; code -1 = missing (no bar
 * or an empty value). `levels` sorted (DuckDB VARCHAR order).
 */
export interface LabelPanel {
  /** Distinct label values, sorted. */
  readonly levels: readonly string[];
  /** Codes into `levels`, length nDates * nAssets, date-major, -1 = missing. */
  readonly codes: Int32Array;
}

/** The label of asset `a` at bar `t` of a label panel, or undefined when missing. */
export function labelAt(label: LabelPanel, nAssetsOfPanel: number, t: number, a: number): string | undefined {
  const c = label.codes[t * nAssetsOfPanel + a]!;
  return c < 0 ? undefined : label.levels[c];
}

/** Number of bars (rows) of a panel. */
export function nDates(panel: Panel): number {
  return panel.times.length;
}

/** Number of assets (columns) of a panel. */
export function nAssets(panel: Panel): number {
  return panel.assets.length;
}

/**
 * The field `name` of a panel.
 * @throws Error naming the missing field and the fields that exist.
 */
export function field(panel: Panel, name: string): Float64Array {
  const f = panel.fields[name];
  if (!f) throw new Error(`panel${panel.dataset ? ` ${panel.dataset}` : ''} has no field "${name}"; fields: ${Object.keys(panel.fields).join(', ')}`);
  return f;
}

/**
 * Checks the panel invariants.
 * @throws Error describing the first violated invariant (field name, index).
 */
export function validatePanel(panel: Panel): void {
  const T = panel.times.length;
  const N = panel.assets.length;
  for (let t = 1; t < T; t++) {
    if (!(panel.times[t]! > panel.times[t - 1]!)) throw new Error(`panel times not strictly increasing at row ${t}`);
  }
  if (new Set(panel.assets).size !== N) throw new Error('panel assets are not unique');
  for (const [name, f] of Object.entries(panel.fields)) {
    if (f.length !== T * N) throw new Error(`panel field "${name}" has length ${f.length}, expected ${T} x ${N} = ${T * N}`);
    for (let i = 0; i < f.length; i++) {
      const v = f[i]!;
      if (v === Infinity || v === -Infinity) throw new Error(`panel field "${name}" holds an infinity at row ${Math.floor(i / N)}, asset ${panel.assets[i % N]}`);
    }
  }
  if (panel.groups) {
    for (const [name, g] of Object.entries(panel.groups)) {
      if (g.length !== N) throw new Error(`panel group "${name}" has ${g.length} labels, expected ${N}`);
    }
  }
  const masks: [string, Uint8Array | undefined][] = [['universe', panel.universe], ['tradable.buy', panel.tradable?.buy], ['tradable.sell', panel.tradable?.sell]];
  for (const [name, m] of masks) if (m && m.length !== T * N) throw new Error(`panel ${name} mask has length ${m.length}, expected ${T} x ${N} = ${T * N}`);
  for (const [name, l] of Object.entries(panel.labels ?? {})) {
    if (l.codes.length !== T * N) throw new Error(`panel label "${name}" has length ${l.codes.length}, expected ${T} x ${N} = ${T * N}`);
    for (let i = 0; i < l.codes.length; i++) {
      const c = l.codes[i]!;
      if (c < -1 || c >= l.levels.length) throw new Error(`panel label "${name}" has code ${c} at row ${Math.floor(i / N)}, asset ${panel.assets[i % N]} (levels: ${l.levels.length})`);
    }
  }
}

/**
 * A new panel holding bars `[start, end)` of `panel` (row slice; fields copied),
 * with `barsPerYear` pinned to the parent's figure.
 * @throws RangeError when the range is outside [0, nDates].
 */
export function sliceDates(panel: Panel, start: number, end: number): Panel {
  const T = panel.times.length;
  const N = panel.assets.length;
  if (start < 0 || end > T || start > end) throw new RangeError(`sliceDates: range [${start}, ${end}) outside [0, ${T}]`);
  const fields: Record<string, Float64Array> = {};
  for (const [name, f] of Object.entries(panel.fields)) fields[name] = f.slice(start * N, end * N);
  const labels = panel.labels
    ? Object.fromEntries(Object.entries(panel.labels).map(([k, l]) => [k, { levels: l.levels, codes: l.codes.slice(start * N, end * N) }]))
    : undefined;
  // The slice keeps its parent's calendar: a few months of a 244-session market still annualize with 244.
  let bpy: number | undefined;
  try {
    bpy = panelBarsPerYear(panel);
  } catch {
    bpy = undefined; // intraday equity too short to infer: no figure to pin
  }
  const rows = (m: Uint8Array) => m.slice(start * N, end * N);
  const masks = {
    ...(panel.universe ? { universe: rows(panel.universe) } : {}),
    ...(panel.tradable ? { tradable: { buy: rows(panel.tradable.buy), sell: rows(panel.tradable.sell) } } : {}),
  };
  return { ...panel, times: panel.times.slice(start, end), fields, ...(labels ? { labels } : {}), ...masks, ...(bpy !== undefined ? { barsPerYear: bpy } : {}) };
}

/**
 * A new panel restricted to the given assets, in the given order.
 * @throws Error naming an asset the panel does not hold.
 */
export function selectAssets(panel: Panel, assets: readonly string[]): Panel {
  const T = panel.times.length;
  const N = panel.assets.length;
  const index = new Map(panel.assets.map((a, i) => [a, i]));
  const cols = assets.map((a) => {
    const i = index.get(a);
    if (i === undefined) throw new Error(`selectAssets: panel has no asset "${a}"`);
    return i;
  });
  const M = cols.length;
  const fields: Record<string, Float64Array> = {};
  for (const [name, f] of Object.entries(panel.fields)) {
    const out = new Float64Array(T * M);
    for (let t = 0; t < T; t++) for (let j = 0; j < M; j++) out[t * M + j] = f[t * N + cols[j]!]!;
    fields[name] = out;
  }
  const groups = panel.groups
    ? Object.fromEntries(Object.entries(panel.groups).map(([k, g]) => [k, cols.map((c) => g[c]!)]))
    : undefined;
  const labels = panel.labels
    ? Object.fromEntries(Object.entries(panel.labels).map(([k, l]) => {
      const codes = new Int32Array(T * M);
      for (let t = 0; t < T; t++) for (let j = 0; j < M; j++) codes[t * M + j] = l.codes[t * N + cols[j]!]!;
      return [k, { levels: l.levels, codes }];
    }))
    : undefined;
  const cells = (m: Uint8Array) => {
    const out = new Uint8Array(T * M);
    for (let t = 0; t < T; t++) for (let j = 0; j < M; j++) out[t * M + j] = m[t * N + cols[j]!]!;
    return out;
  };
  const masks = {
    ...(panel.universe ? { universe: cells(panel.universe) } : {}),
    ...(panel.tradable ? { tradable: { buy: cells(panel.tradable.buy), sell: cells(panel.tradable.sell) } } : {}),
  };
  return { ...panel, assets: [...assets], fields, ...(groups ? { groups } : {}), ...(labels ? { labels } : {}), ...masks };
}

/** ISO date (YYYY-MM-DD) for daily bars, ISO timestamp otherwise. */
export function formatTime(ms: number, frequency: Frequency): string {
  const iso = new Date(ms).toISOString();
  return frequency === '1d' ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ');
}
