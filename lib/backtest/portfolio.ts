/**
 * Cross-sectional portfolio simulation with the settings of WorldQuant BRAIN
 * (delay, decay, neutralization, truncation, book size), on a dates x assets
 * factor panel. Pure computation on typed arrays.
 *
 * Conventions (per bar t, date-major arrays, close-to-close returns):
 * 1. Alpha: `x[t] = decay_linear(factor, n)` evaluated at row `t - delay`:
 *    `x = sum_{k=0}^{n-1} (n - k) f[t-delay-k] / sum_{k: f finite} (n - k)`
 *    (BRAIN's linear decay; NaN values are skipped and the weights renormalized;
 *    `decay <= 1` means no decay). `delay = 1`: weights from data up to t-1
 *    are traded at t's close; `delay = 0`: data up to t's close traded at t's close.
 *    Assets with a NaN alpha or no close at t get weight 0.
 * 2. Neutralization: `'none'`; `'market'` subtracts the cross-sectional mean
 *    of the valid alphas; `'group'` subtracts the mean within each group of
 *    `panel.groups[group]` (e.g. sector).
 * 3. Scaling: `w = x / sum|x|` (gross exposure 1), then truncation: weights
 *    are clipped to `|w| <= truncation` and rescaled to gross 1, repeated until
 *    no weight exceeds the cap (at most 50 rounds, then a final clip, so the cap
 *    always holds; the gross may then be below 1). Positions in dollars = w x bookSize.
 *    Universe and tradability (lib/data universe.ts): a name outside `panel.universe`
 *    at the signal row has no alpha (weight 0); a weight change the bar cannot fill
 *    (`panel.tradable`: a buy on a suspended / limit-up bar, a sell on a suspended /
 *    limit-down bar) waits, the name keeping its previous weight (counted in `blocked`).
 * 4. PnL at t = sum_a pos[t-1, a] x (close[t, a] / close[t-1, a] - 1)
 *    - sum_a cost_a (a NaN return counts as 0), with per order (Δ_a = pos[t, a] - pos[t-1, a] != 0)
 *    cost_a = max(minFee, costBps / 1e4 x |Δ_a|) + sellTaxBps / 1e4 x max(0, -Δ_a)
 *    (defaults 0 and 0: costBps / 1e4 x sum_a |Δ_a|).
 *    The account starts flat at `start`; positions before it are 0.
 * 5. Metrics in BRAIN's conventions (WorldQuant BRAIN documentation, "Alpha
 *    performance metrics"): `returns` = annualized PnL over half the book size
 *    (one side of a dollar-neutral book), mean(pnl) x annualization / (bookSize / 2);
 *    `fitness` = sharpe x sqrt(|returns| / max(turnover, 0.125)) on that figure;
 *    `turnover` = average daily traded value / bookSize (a day is a calendar
 *    day of the panel's frequency: 1 bar for daily bars, 24 for 1h bars,
 *    whatever the annualization). `bookReturn` keeps the annualized PnL over
 *    the whole (gross) book, half of `returns`. Drawdown and margin are on the
 *    gross book.
 */
import { barsPerDay, field, type Panel } from '../data/panel.js';
import { panelBarsPerYear, resolveAnnualization } from '../data/calendar.js';
import { maskToUniverse } from '../data/universe.js';
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';
import { performanceStats } from '../stats/index.js';

/**
 * The simulation settings of an alpha as WorldQuant BRAIN names them: the one
 * BRAIN settings type of the project (the research loop's hypotheses, the
 * screen, the portfolio simulator and a BRAIN client all use it).
 */
export interface BrainSettings {
  /** 1 (default): weights from data up to t-1 traded at t. 0: data up to t traded at t's close. */
  delay: 0 | 1;
  /** Linear decay window in bars (default 0 = none; 1 is also none). */
  decay: number;
  /** Neutralization (default 'market'). */
  neutralization: 'none' | 'market' | 'group';
  /** Maximum absolute weight per asset as a fraction of the gross book (default 0.08; 1 = off). */
  truncation: number;
}

/**
 * The defaults of {@link BrainSettings}: delay 1, no decay, market
 * neutralization, truncation 0.08. 0.08 is BRAIN's own default truncation
 * (equity regions), so a local simulation at defaults matches what BRAIN runs
 * at defaults; with 500 stocks it binds only for concentrated alphas (an
 * equal-weight long-short book holds 0.2% per name).
 */
export const DEFAULT_BRAIN_SETTINGS: Readonly<BrainSettings> = { delay: 1, decay: 0, neutralization: 'market', truncation: 0.08 };

/** Settings of {@link simulatePortfolio}: the {@link BrainSettings} plus book, costs, price field, range and annualization. */
export interface PortfolioSettings extends BrainSettings {
  /** Group label set for 'group' neutralization: a key of `panel.groups` (default 'sector'). */
  group: string;
  /** Gross book size in dollars (default 20,000,000 as in BRAIN). */
  bookSize: number;
  /** Transaction cost in bps of traded dollars, commission and slippage together (default 0, BRAIN's simulator has no costs; set e.g. 5 for realism). */
  costBps: number;
  /** Tax on sells in bps of the sold dollars (default 0; China A-share stamp duty 5 bps since 2023-08-28, 10 bps before). A sell = a weight decrease. */
  sellTaxBps: number;
  /** Minimum cost per order (a name whose position changes on a bar) in dollars (default 0; e.g. 5 CNY with bookSize in CNY): the order pays max(minFee, costBps x its traded dollars). */
  minFee: number;
  /** Price field for returns (default 'close'). */
  priceField: string;
  /** First bar of the simulation (default 0). */
  start: number;
  /** One past the last bar (default nDates). */
  end: number;
  /** Bars per year (default: the panel's calendar, lib/data `panelAnnualization`: inferred from its times, 251.8 for the S&P sample; a given value more than 5 % off it warns). */
  annualization: number;
}

/** Metrics of {@link simulatePortfolio}. Per-bar returns are PnL / bookSize (fractions of the gross book). */
export interface PortfolioMetrics {
  annualization: number;
  nBars: number;
  /** mean(pnl) / std(pnl, ddof 1) x sqrt(annualization). */
  sharpe: number;
  /** Sortino of the per-bar returns (lib/stats convention). */
  sortino: number;
  /** BRAIN's returns: annualized PnL over half the book size, mean(pnl) x annualization / (bookSize / 2) (no compounding, constant book); 2 x {@link PortfolioMetrics.bookReturn}. */
  returns: number;
  /** Annualized PnL over the whole (gross) book: mean(pnl / bookSize) x annualization (no compounding). */
  bookReturn: number;
  annualVolatility: number;
  /** Average daily turnover: mean over bars of sum|Δpos| / bookSize, x bars per calendar day of the panel's frequency (lib/data barsPerDay; independent of the annualization). */
  turnover: number;
  /** Largest fall of cumulative PnL from its running peak, as a fraction of bookSize (additive, no compounding). */
  maxDrawdown: number;
  /** bookReturn / maxDrawdown (both on the gross book). */
  calmar: number;
  /** Margin: total PnL / total traded dollars (fraction; x 1e4 for bps). */
  margin: number;
  /** BRAIN fitness: sharpe x sqrt(|returns| / max(turnover, 0.125)), on BRAIN's half-book returns. */
  fitness: number;
  /** Total PnL in dollars. */
  totalPnl: number;
  /** Total costs in dollars. */
  totalCost: number;
  /** Mean number of long and short positions per bar. */
  avgLong: number;
  avgShort: number;
}

/** Output of {@link simulatePortfolio}; arrays cover bars [start, end). */
export interface PortfolioResult {
  settings: PortfolioSettings;
  assets: readonly string[];
  times: Float64Array;
  /** Weights after truncation, (end - start) x nAssets, date-major; gross <= 1. */
  weights: Float64Array;
  /** Dollar PnL per bar (after costs). */
  pnl: Float64Array;
  /** pnl / bookSize per bar. */
  returns: Float64Array;
  /** Cumulative dollar PnL. */
  cumPnl: Float64Array;
  /** sum|Δpos| / bookSize per bar. */
  turnover: Float64Array;
  /** Per bar: names whose order waited because the bar could not fill it (panel.tradable: suspended, limit-up buy, limit-down sell); the name kept its previous weight. */
  blocked: Int32Array;
  /** Total of {@link PortfolioResult.blocked}: orders that waited. 0 without panel.tradable. */
  blockedOrders: number;
  metrics: PortfolioMetrics;
}

/** Default portfolio settings for a panel. */
export function defaultPortfolioSettings(panel: Panel): PortfolioSettings {
  return {
    ...DEFAULT_BRAIN_SETTINGS,
    group: 'sector',
    bookSize: 20_000_000,
    costBps: 0,
    sellTaxBps: 0,
    minFee: 0,
    priceField: 'close',
    start: 0,
    end: panel.times.length,
    annualization: panelBarsPerYear(panel),
  };
}

/** Every key of {@link PortfolioSettings} (an unknown key is an error). */
export const PORTFOLIO_SETTINGS_KEYS = settingsKeys<PortfolioSettings>()(['delay', 'decay', 'neutralization', 'truncation', 'group', 'bookSize', 'costBps', 'sellTaxBps', 'minFee', 'priceField', 'start', 'end', 'annualization']);

/** Settings with defaults filled in and checked. @throws RangeError naming the bad setting; UnknownSettingError (a RangeError) for a key PortfolioSettings does not have. */
export function resolvePortfolioSettings(panel: Panel, settings: Partial<PortfolioSettings> = {}): PortfolioSettings {
  checkSettingsKeys(settings, PORTFOLIO_SETTINGS_KEYS, 'PortfolioSettings');
  const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<PortfolioSettings>;
  const s = { ...defaultPortfolioSettings(panel), ...given };
  const T = panel.times.length;
  if (s.delay !== 0 && s.delay !== 1) throw new RangeError(`PortfolioSettings.delay must be 0 or 1, got ${s.delay}`);
  if (!(Number.isInteger(s.decay) && s.decay >= 0)) throw new RangeError(`PortfolioSettings.decay must be an integer >= 0, got ${s.decay}`);
  if (!['none', 'market', 'group'].includes(s.neutralization)) throw new RangeError(`PortfolioSettings.neutralization must be 'none', 'market' or 'group', got ${String(s.neutralization)}`);
  if (s.neutralization === 'group' && !panel.groups?.[s.group]) throw new RangeError(`PortfolioSettings.group: panel has no group labels "${s.group}"; groups: ${Object.keys(panel.groups ?? {}).join(', ') || '(none)'}`);
  if (!(s.truncation > 0 && s.truncation <= 1)) throw new RangeError(`PortfolioSettings.truncation must be in (0, 1], got ${s.truncation}`);
  if (!(s.bookSize > 0)) throw new RangeError(`PortfolioSettings.bookSize must be > 0, got ${s.bookSize}`);
  for (const k of ['costBps', 'sellTaxBps', 'minFee'] as const) if (!(s[k] >= 0)) throw new RangeError(`PortfolioSettings.${k} must be >= 0, got ${s[k]}`);
  if (!(Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end <= T && s.start < s.end)) throw new RangeError(`PortfolioSettings range [${s.start}, ${s.end}) is not a non-empty integer range inside [0, ${T}]`);
  if (given.annualization !== undefined) resolveAnnualization(panel, given.annualization, 'PortfolioSettings.annualization');
  return s;
}

/**
 * Target weights of one bar (steps 1-3 of the module comment) into `out` (length N).
 * @param row factor row used (t - delay); out is all 0 when row < 0
 */
function barWeights(f: Float64Array, price: Float64Array, t: number, row: number, N: number, decay: number, neut: 0 | 1 | 2, groupIdx: Int32Array | null, trunc: number, out: Float64Array, gSum: Float64Array, gCnt: Float64Array, valid: Uint8Array): void {
  out.fill(0);
  if (row < 0) return;
  const n = decay > 1 ? decay : 1;
  valid.fill(0);
  let nValid = 0;
  for (let a = 0; a < N; a++) {
    if (!(price[t * N + a]! === price[t * N + a]!)) continue;
    let num = 0, den = 0;
    for (let k = 0; k < n && row - k >= 0; k++) {
      const v = f[(row - k) * N + a]!;
      if (v === v) {
        num += (n - k) * v;
        den += n - k;
      }
    }
    if (den > 0) {
      out[a] = num / den;
      valid[a] = 1;
      nValid++;
    }
  }
  if (nValid === 0) return;
  if (neut === 1) {
    let m = 0;
    for (let a = 0; a < N; a++) if (valid[a]) m += out[a]!;
    m /= nValid;
    for (let a = 0; a < N; a++) if (valid[a]) out[a] -= m;
  } else if (neut === 2) {
    gSum.fill(0);
    gCnt.fill(0);
    for (let a = 0; a < N; a++) if (valid[a]) {
      gSum[groupIdx![a]!] += out[a]!;
      gCnt[groupIdx![a]!]++;
    }
    for (let a = 0; a < N; a++) if (valid[a]) out[a] -= gSum[groupIdx![a]!]! / gCnt[groupIdx![a]!]!;
  }
  let gross = 0;
  for (let a = 0; a < N; a++) gross += Math.abs(out[a]!);
  if (!(gross > 1e-300)) {
    out.fill(0);
    return;
  }
  for (let a = 0; a < N; a++) out[a] /= gross;
  if (trunc < 1) {
    for (let it = 0; it < 50; it++) {
      let over = false;
      gross = 0;
      for (let a = 0; a < N; a++) {
        const w = out[a]!;
        if (w > trunc) {
          out[a] = trunc;
          over = true;
        } else if (w < -trunc) {
          out[a] = -trunc;
          over = true;
        }
        gross += Math.abs(out[a]!);
      }
      if (!over) break;
      for (let a = 0; a < N; a++) out[a] /= gross;
    }
    for (let a = 0; a < N; a++) {
      if (out[a]! > trunc) out[a] = trunc;
      else if (out[a]! < -trunc) out[a] = -trunc;
    }
  }
}

/**
 * The cost-free part of a portfolio simulation over bars [from, to): the
 * target weights of every bar (steps 1-3 of the module comment, which do not
 * depend on where a simulation starts), each bar's holding PnL of the
 * previous bar's weights and its turnover both against the previous bar and
 * against a flat book. {@link simulateOnPlan} turns it into the result of
 * {@link simulatePortfolio} for any cost and any sub-range, with the same
 * floating-point operations in the same order, so the figures are
 * bit-identical; the screen builds one plan per candidate instead of one
 * simulation per walk-forward segment and rolling window.
 */
export interface PortfolioPlan {
  readonly factor: Float64Array;
  readonly panel: Panel;
  /** Settings the plan was built with (costBps, start and end are ignored). */
  readonly base: Partial<PortfolioSettings>;
  /** First and last + 1 bar covered. */
  readonly from: number;
  readonly to: number;
  /** Target weights, (to - from) x N, fractions of the gross book. */
  readonly weights: Float64Array;
  /** Dollar PnL of bar t's holding the weights of bar t - 1 (index t - from; 0 at from). */
  readonly hold: Float64Array;
  /** Sum |w_t - w_{t-1}| (index t - from) and sum |w_t| (entering from a flat book). */
  readonly turnPrev: Float64Array;
  readonly turnFlat: Float64Array;
  /** Long and short positions per bar. */
  readonly longs: Int32Array;
  readonly shorts: Int32Array;
  /**
   * False when a sub-range cannot be read from the plan bit for bit (see
   * {@link planIsExact}): the arrays are then empty and {@link simulateOnPlan}
   * simulates the range directly.
   */
  readonly exact: boolean;
}

/**
 * Whether one plan serves every sub-range exactly: not with tradability masks
 * (a blocked order keeps the previous bar's weight, so weights depend on where a
 * simulation starts), a minimum fee or a sell tax (per-order costs that the plan's
 * per-bar turnover sums do not carry).
 */
function planIsExact(panel: Panel, s: PortfolioSettings): boolean {
  return !panel.tradable && s.minFee === 0 && s.sellTaxBps === 0;
}

/**
 * Builds the {@link PortfolioPlan} of a factor over bars [settings.start, settings.end).
 * @throws Error when the factor length does not match the panel or a setting is bad
 */
export function portfolioPlan(factor: Float64Array, panel: Panel, settings: Partial<PortfolioSettings> = {}): PortfolioPlan {
  const s = resolvePortfolioSettings(panel, settings);
  const T = panel.times.length, N = panel.assets.length;
  if (factor.length !== T * N) throw new Error(`simulatePortfolio: factor has length ${factor.length}, expected ${T} x ${N} = ${T * N}`);
  if (!planIsExact(panel, s)) {
    const none = new Float64Array(0), noneI = new Int32Array(0);
    return { factor, panel, base: settings, from: s.start, to: s.end, weights: none, hold: none, turnPrev: none, turnFlat: none, longs: noneI, shorts: noneI, exact: false };
  }
  // Outside the universe a name has no alpha (as in the direct simulation).
  const alpha = maskToUniverse(factor, panel);
  const price = field(panel, s.priceField);
  const neut: 0 | 1 | 2 = s.neutralization === 'none' ? 0 : s.neutralization === 'market' ? 1 : 2;
  let groupIdx: Int32Array | null = null;
  let nGroups = 0;
  if (neut === 2) {
    const labels = panel.groups![s.group]!;
    const ids = new Map<string, number>();
    groupIdx = new Int32Array(N);
    for (let a = 0; a < N; a++) {
      let id = ids.get(labels[a]!);
      if (id === undefined) ids.set(labels[a]!, (id = ids.size));
      groupIdx[a] = id;
    }
    nGroups = ids.size;
  }
  const gSum = new Float64Array(Math.max(1, nGroups));
  const gCnt = new Float64Array(Math.max(1, nGroups));
  const n = s.end - s.start;
  const weights = new Float64Array(n * N);
  const hold = new Float64Array(n), turnPrev = new Float64Array(n), turnFlat = new Float64Array(n);
  const longs = new Int32Array(n), shorts = new Int32Array(n);
  const book = s.bookSize;
  const w = new Float64Array(N);
  const prevW = new Float64Array(N);
  const valid = new Uint8Array(N);
  for (let t = s.start; t < s.end; t++) {
    const i = t - s.start;
    // holding PnL of yesterday's positions
    let p = 0;
    if (i > 0) {
      for (let a = 0; a < N; a++) {
        const wa = prevW[a]!;
        if (wa === 0) continue;
        const r = price[t * N + a]! / price[(t - 1) * N + a]! - 1;
        if (r === r) p += wa * book * r;
      }
    }
    barWeights(alpha, price, t, t - s.delay, N, s.decay, neut, groupIdx, s.truncation, w, gSum, gCnt, valid);
    let to = 0, flat = 0, lo = 0, sh = 0;
    for (let a = 0; a < N; a++) {
      const wa = w[a]!;
      to += Math.abs(wa - prevW[a]!);
      flat += Math.abs(wa - 0);
      weights[i * N + a] = wa;
      if (wa > 0) lo++;
      else if (wa < 0) sh++;
    }
    hold[i] = p;
    turnPrev[i] = to;
    turnFlat[i] = flat;
    longs[i] = lo;
    shorts[i] = sh;
    prevW.set(w);
  }
  return { factor, panel, base: settings, from: s.start, to: s.end, weights, hold, turnPrev, turnFlat, longs, shorts, exact: true };
}

/**
 * The simulation of {@link simulatePortfolio} on bars [start, end) inside the
 * plan's range with cost `costBps`, from a {@link PortfolioPlan} (bit-identical
 * to simulating from scratch: the account starts flat at `start`). The
 * result's `weights` is a view into the plan's (do not write to it).
 * @throws RangeError when the range is outside the plan's or a setting is bad
 */
export function simulateOnPlan(plan: PortfolioPlan, run: { costBps?: number; start: number; end: number }): PortfolioResult {
  const { panel } = plan;
  const s = resolvePortfolioSettings(panel, { ...plan.base, ...(run.costBps === undefined ? {} : { costBps: run.costBps }), start: run.start, end: run.end });
  if (s.start < plan.from || s.end > plan.to) throw new RangeError(`simulateOnPlan: range [${s.start}, ${s.end}) outside the plan's [${plan.from}, ${plan.to})`);
  if (!plan.exact) return simulateDirect(plan.factor, panel, { ...plan.base, costBps: s.costBps, start: s.start, end: s.end });
  const N = panel.assets.length;
  const n = s.end - s.start, off = s.start - plan.from;
  const weights = plan.weights.subarray(off * N, (off + n) * N); // a view: the plan's weights are never written after it is built
  const pnl = new Float64Array(n);
  const turnover = new Float64Array(n);
  const cumPnl = new Float64Array(n);
  const cost = s.costBps / 1e4;
  const book = s.bookSize;
  let traded = 0, totalCost = 0, cum = 0, longs = 0, shorts = 0;
  for (let i = 0; i < n; i++) {
    const j = off + i;
    let p = i > 0 ? plan.hold[j]! : 0;
    const to = i > 0 ? plan.turnPrev[j]! : plan.turnFlat[j]!;
    longs += plan.longs[j]!;
    shorts += plan.shorts[j]!;
    const c = cost * to * book;
    p -= c;
    totalCost += c;
    traded += to * book;
    turnover[i] = to;
    pnl[i] = p;
    cum += p;
    cumPnl[i] = cum;
  }
  return portfolioResult(s, panel, weights, pnl, cumPnl, turnover, new Int32Array(n), 0, { traded, totalCost, cum, longs, shorts });
}

/**
 * The direct simulation bar by bar: what {@link simulatePortfolio} runs when a
 * plan cannot be reused across ranges (see {@link planIsExact}).
 *
 * @param factor alpha values, nDates x nAssets (date-major), causal; larger = more long
 * @param panel prices (field `settings.priceField`, default close) and group labels
 * @param settings see {@link PortfolioSettings}
 * @returns weights, dollar PnL, returns, turnover and metrics (Sharpe, annual return,
 *   turnover, max drawdown, margin, fitness)
 * @throws Error when the factor length does not match the panel or a setting is bad
 */
function simulateDirect(factor: Float64Array, panel: Panel, settings: Partial<PortfolioSettings> = {}): PortfolioResult {
  const s = resolvePortfolioSettings(panel, settings);
  const T = panel.times.length, N = panel.assets.length;
  if (factor.length !== T * N) throw new Error(`simulatePortfolio: factor has length ${factor.length}, expected ${T} x ${N} = ${T * N}`);
  const price = field(panel, s.priceField);
  // Outside the universe a name has no alpha (NaN: not ranked, weight 0), judged at the signal row.
  const alpha = maskToUniverse(factor, panel);
  const canBuy = panel.tradable?.buy, canSell = panel.tradable?.sell;
  const blocked = new Int32Array(s.end - s.start);
  let blockedOrders = 0;
  const neut: 0 | 1 | 2 = s.neutralization === 'none' ? 0 : s.neutralization === 'market' ? 1 : 2;
  let groupIdx: Int32Array | null = null;
  let nGroups = 0;
  if (neut === 2) {
    const labels = panel.groups![s.group]!;
    const ids = new Map<string, number>();
    groupIdx = new Int32Array(N);
    for (let a = 0; a < N; a++) {
      let id = ids.get(labels[a]!);
      if (id === undefined) ids.set(labels[a]!, (id = ids.size));
      groupIdx[a] = id;
    }
    nGroups = ids.size;
  }
  const gSum = new Float64Array(Math.max(1, nGroups));
  const gCnt = new Float64Array(Math.max(1, nGroups));
  const n = s.end - s.start;
  const weights = new Float64Array(n * N);
  const pnl = new Float64Array(n);
  const turnover = new Float64Array(n);
  const cumPnl = new Float64Array(n);
  const cost = s.costBps / 1e4;
  const sellTax = s.sellTaxBps / 1e4;
  const minFee = s.minFee;
  const book = s.bookSize;
  const w = new Float64Array(N);
  const prevW = new Float64Array(N);
  const valid = new Uint8Array(N);
  let traded = 0, totalCost = 0, cum = 0, longs = 0, shorts = 0;
  for (let t = s.start; t < s.end; t++) {
    const i = t - s.start;
    // holding PnL of yesterday's positions
    let p = 0;
    if (i > 0) {
      for (let a = 0; a < N; a++) {
        const wa = prevW[a]!;
        if (wa === 0) continue;
        const r = price[t * N + a]! / price[(t - 1) * N + a]! - 1;
        if (r === r) p += wa * book * r;
      }
    }
    barWeights(alpha, price, t, t - s.delay, N, s.decay, neut, groupIdx, s.truncation, w, gSum, gCnt, valid);
    if (canBuy && canSell) {
      // An order the bar cannot fill waits: the name keeps yesterday's weight (a buy on a
      // suspended or limit-up bar, a sell on a suspended or limit-down bar) and tries again next bar.
      for (let a = 0; a < N; a++) {
        const d = w[a]! - prevW[a]!;
        if ((d > 0 && !canBuy[t * N + a]) || (d < 0 && !canSell[t * N + a])) {
          w[a] = prevW[a]!;
          blocked[i]!++;
          blockedOrders++;
        }
      }
    }
    let to = 0, extra = 0;
    for (let a = 0; a < N; a++) {
      const wa = w[a]!;
      const d = wa - prevW[a]!;
      to += Math.abs(d);
      // sell tax on sells; the part of the minimum fee the proportional cost does not cover
      if (d < 0) extra += sellTax * -d * book;
      if (d !== 0 && minFee > cost * Math.abs(d) * book) extra += minFee - cost * Math.abs(d) * book;
      weights[i * N + a] = wa;
      if (wa > 0) longs++;
      else if (wa < 0) shorts++;
    }
    const c = cost * to * book + extra;
    p -= c;
    totalCost += c;
    traded += to * book;
    turnover[i] = to;
    pnl[i] = p;
    cum += p;
    cumPnl[i] = cum;
    prevW.set(w);
  }
  return portfolioResult(s, panel, weights, pnl, cumPnl, turnover, blocked, blockedOrders, { traded, totalCost, cum, longs, shorts });
}

/**
 * The {@link PortfolioResult} of a simulated range (both simulation paths end here): per-bar returns
 * (PnL / bookSize), Sharpe and Sortino (annualized with `s.annualization`), max drawdown of the gross
 * book, daily turnover, BRAIN's returns (over half the book) and fitness, margin, average positions.
 */
function portfolioResult(
  s: PortfolioSettings, panel: Panel, weights: Float64Array, pnl: Float64Array, cumPnl: Float64Array, turnover: Float64Array,
  blocked: Int32Array, blockedOrders: number,
  sums: { traded: number; totalCost: number; cum: number; longs: number; shorts: number },
): PortfolioResult {
  const n = pnl.length, book = s.bookSize;
  const { traded, totalCost, cum, longs, shorts } = sums;
  const returns = new Float64Array(n);
  for (let i = 0; i < n; i++) returns[i] = pnl[i]! / book;
  const ps = performanceStats(returns, s.annualization);
  let peak = 0, maxDd = 0, meanR = 0, meanTo = 0;
  for (let i = 0; i < n; i++) {
    if (cumPnl[i]! > peak) peak = cumPnl[i]!;
    const dd = (peak - cumPnl[i]!) / book;
    if (dd > maxDd) maxDd = dd;
    meanR += returns[i]!;
    meanTo += turnover[i]!;
  }
  meanR /= n;
  meanTo /= n;
  const dailyTurnover = meanTo * barsPerDay(panel.frequency, panel.market);
  const bookReturn = meanR * s.annualization;
  const returnsHalfBook = 2 * bookReturn;
  return {
    settings: s,
    assets: panel.assets,
    times: panel.times.slice(s.start, s.end),
    weights,
    pnl,
    returns,
    cumPnl,
    turnover,
    blocked,
    blockedOrders,
    metrics: {
      annualization: s.annualization,
      nBars: n,
      sharpe: ps.sharpe,
      sortino: ps.sortino,
      returns: returnsHalfBook,
      bookReturn,
      annualVolatility: ps.annualVolatility,
      turnover: dailyTurnover,
      maxDrawdown: maxDd,
      calmar: maxDd > 0 ? bookReturn / maxDd : NaN,
      margin: traded > 0 ? cum / traded : NaN,
      fitness: ps.sharpe * Math.sqrt(Math.abs(returnsHalfBook) / Math.max(dailyTurnover, 0.125)),
      totalPnl: cum,
      totalCost,
      avgLong: longs / n,
      avgShort: shorts / n,
    },
  };
}

/**
 * BRAIN-style cross-sectional portfolio simulation of a factor (see the module
 * comment for delay, decay, neutralization, truncation, universe, tradability and
 * cost conventions): {@link portfolioPlan} over [start, end) then
 * {@link simulateOnPlan}, or the direct bar-by-bar loop when a plan is not exact
 * (tradability masks, minimum fee, sell tax); both give the same figures.
 *
 * @param factor alpha values, nDates x nAssets (date-major), causal; larger = more long
 * @param panel prices (field `settings.priceField`, default close) and group labels
 * @param settings see {@link PortfolioSettings}
 * @returns weights, dollar PnL, returns, turnover and metrics (Sharpe, annual return,
 *   turnover, max drawdown, margin, fitness)
 * @throws Error when the factor length does not match the panel or a setting is bad
 */
export function simulatePortfolio(factor: Float64Array, panel: Panel, settings: Partial<PortfolioSettings> = {}): PortfolioResult {
  const s = resolvePortfolioSettings(panel, settings);
  if (!planIsExact(panel, s)) return simulateDirect(factor, panel, settings);
  return simulateOnPlan(portfolioPlan(factor, panel, settings), { costBps: s.costBps, start: s.start, end: s.end });
}
