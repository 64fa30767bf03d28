/**
 * Event-aware vectorized backtests of entry/exit signals on bars, for one or
 * many assets: {@link backtestSignals} (full output) and
 * {@link backtestGrid} (many parameter combinations, metrics only, buffers
 * and indicator arrays shared across combinations). Execution conventions
 * are those of the kernel (see `kernel.ts`): fills at the next bar's open by
 * default (or this bar's close), fees in bps of traded notional, slippage
 * fixed bps plus optional square-root volume impact, funding from the
 * `funding_event` field, stops on each bar's high/low with the stop assumed
 * hit first when a bar touches both stop and take profit.
 */
import { barsPerDay, field, type Panel } from '../data/panel.js';
import { panelBarsPerYear, resolveAnnualization } from '../data/calendar.js';
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';
import { performanceStats, type PerformanceStats } from '../stats/index.js';
import { EXIT_REASONS, KernelScratch, TradeLog, runKernel, type ExitReason, type KernelParams, type KernelSummary, type MarketArrays, type SignalMasks } from './kernel.js';
import { compileSignals, isSignalMasks, MaskCache, rollingVolatility, type SignalSpec } from './signals.js';

/** Position sizing rule applied at each entry. */
export type Sizing =
  /** Notional = fraction x equity (fraction 1 = fully invested, > 1 = leverage). */
  | { kind: 'fixedFraction'; fraction: number }
  /** Notional = equity x min(maxLeverage, targetVol / sigma), sigma = annualized std of log returns over `lookback` bars up to the signal bar. */
  | { kind: 'volTarget'; targetVol: number; lookback: number; maxLeverage: number };

/** Execution, cost, sizing and risk settings of {@link backtestSignals}. */
export interface ExecutionSettings {
  /** `'nextOpen'` (default): orders from bar t's signals fill at bar t+1's open. `'close'`: at bar t's close. */
  fill: 'nextOpen' | 'close';
  /** Fee (commission) in basis points of traded notional, per fill (default 5, a Binance USDT-M taker fee). */
  feeBps: number;
  /** Tax on sells in basis points of the sold notional (default 0; China A-share stamp duty: 5 bps since 2023-08-28, 10 bps before). Sells only: closing a long, opening a short. */
  sellTaxBps: number;
  /** Minimum commission per fill in cash units, the unit of `initialCash` (default 0; e.g. 5 CNY at A-share brokers, with initialCash in CNY). */
  minFee: number;
  /** Fixed slippage in basis points of the price, per fill, against the trader (default 2). */
  slippageBps: number;
  /** Square-root impact coefficient: extra slippage fraction impact * sqrt(notional / (bar volume * price)) (default 0 = off). */
  impact: number;
  /**
   * Funding: `true` (default) charges the panel's `funding_event` field when
   * it exists (no funding otherwise); a string names another field; `false` disables funding.
   */
  funding: boolean | string;
  /** Starting cash (default 1; equity and PnL are in the same unit). */
  initialCash: number;
  /** Sizing at entry (default fixed fraction 1 / maxOpenPositions). */
  sizing: Sizing;
  /** Stop loss as a fraction of the entry price (0.02 = 2%), or null for none. */
  stopLoss: number | null;
  /** Take profit as a fraction of the entry price, or null. */
  takeProfit: number | null;
  /** Trailing stop as a fraction below the best price since entry (long; above for short), or null. */
  trailingStop: number | null;
  /** Maximum number of simultaneously open positions (default: number of assets). */
  maxOpenPositions: number;
  /** First bar of the simulation (default 0). Signals before it are ignored; the account starts flat. */
  start: number;
  /** One past the last bar (default nDates). */
  end: number;
  /** Bars per year for annualization (default: the panel's calendar, lib/data `panelAnnualization`: inferred from its times, 251.8 for the S&P sample, 8,760 for 1h crypto; a given value more than 5 % off it warns). */
  annualization: number;
}

/** One round trip (or an open position at the end, `reason = 'open'`, marked at the last close without exit costs). */
export interface Trade {
  asset: string;
  /** 1 = long, -1 = short. */
  side: 1 | -1;
  /** Bar whose close produced the entry signal. */
  signalIndex: number;
  /** Bar of the entry fill (absolute panel row). */
  entryIndex: number;
  /** Bar of the exit fill (for open trades: the last bar). */
  exitIndex: number;
  /** Entry/exit bar open times, epoch ms UTC. */
  entryTime: number;
  exitTime: number;
  /** Quantity (units of the asset, > 0). */
  size: number;
  /** Fill prices, slippage included. */
  entryPrice: number;
  exitPrice: number;
  /** Net PnL in cash units: side * size * (exit - entry) - fees - funding. */
  pnl: number;
  /** pnl / entry notional (fraction). */
  return: number;
  /** Entry plus exit fees. */
  fees: number;
  /** Funding paid over the trade (negative = received). */
  funding: number;
  reason: ExitReason;
}

/** Metrics of a backtest. Returns are per bar on equity (fractions); ratios annualized with `annualization`. */
export interface BacktestMetrics {
  annualization: number;
  nBars: number;
  /** Final equity / initial cash - 1. */
  totalReturn: number;
  /** CAGR (compounded), from lib/stats performanceStats. */
  annualReturn: number;
  annualVolatility: number;
  /** mean / std (ddof 1) of per-bar equity returns x sqrt(annualization), risk-free 0. */
  sharpe: number;
  sortino: number;
  calmar: number;
  /** Peak-to-trough fall of the equity curve (positive fraction). */
  maxDrawdown: number;
  /**
   * Average daily turnover (BRAIN convention): traded notional / mean equity / number of days,
   * days = nBars / bars per calendar day of the panel's frequency (lib/data barsPerDay; independent of the annualization). 1 = the book traded once a day.
   */
  turnover: number;
  /** Margin: net PnL per unit of traded notional (fraction; x 1e4 for bps). */
  margin: number;
  /** Fitness in BRAIN's form on the equity curve: sharpe x sqrt(|annualReturn| / max(turnover, 0.125)), with annualReturn the CAGR of equity (a signal backtest has no half-book convention). */
  fitness: number;
  /** Share of bars with an open position at some point of the bar. */
  exposure: number;
  /** Mean number of bars between entry fill and exit fill of closed trades. */
  avgHoldingBars: number;
  /** avgHoldingBars in hours of calendar time (bar length from the panel frequency). */
  avgHoldingHours: number;
  /** Closed trades. */
  nTrades: number;
  /** Share of closed trades with pnl > 0. */
  winRate: number;
  /** Gross profit / gross loss of closed trades (Infinity when no losing trade, NaN when no trade). */
  profitFactor: number;
  /** Mean return per closed trade (pnl / entry notional, fraction). */
  expectancy: number;
  /** Bars with an entry signal per 1,000 bars per asset (signal frequency). */
  signalsPer1000Bars: number;
  totalFees: number;
  /** Funding paid in total (negative = received). */
  totalFunding: number;
  /** Traded notional in total. */
  tradedNotional: number;
}

/** Mean signed forward return after entry signals, by holding period. */
export interface HoldingDecayPoint {
  /** Holding period in bars after the signal bar's close. */
  horizon: number;
  /** Mean of side x (close[signal + h] / close[signal] - 1) over trades with signal + h inside the range. */
  meanReturn: number;
  /** Share of those forward returns > 0. */
  hitRate: number;
  /** Number of trades used. */
  n: number;
}

/** Output of {@link backtestSignals}. Arrays cover bars [start, end). */
export interface BacktestResult {
  /** Resolved settings. */
  settings: ExecutionSettings;
  assets: readonly string[];
  /** Bar open times of the range. */
  times: Float64Array;
  /** Equity at each bar's close. */
  equity: Float64Array;
  /** Per-bar equity returns (first bar against initialCash). */
  returns: Float64Array;
  /** Signed quantity per bar and asset after the close, (end - start) x nAssets, date-major. */
  positions: Float64Array;
  trades: Trade[];
  metrics: BacktestMetrics;
  /** Signal decay: performance by holding period (1, 2, 4, ... bars). */
  decay: HoldingDecayPoint[];
  /** Signals dropped or delayed by the panel's universe / tradability ({@link gateSignals}); zeros without them. */
  gating: SignalGating;
}

/** Default execution settings for a panel (see {@link ExecutionSettings} for each default). */
export function defaultExecutionSettings(panel: Panel): ExecutionSettings {
  const N = panel.assets.length;
  return {
    fill: 'nextOpen',
    feeBps: 5,
    sellTaxBps: 0,
    minFee: 0,
    slippageBps: 2,
    impact: 0,
    funding: true,
    initialCash: 1,
    sizing: { kind: 'fixedFraction', fraction: 1 / N },
    stopLoss: null,
    takeProfit: null,
    trailingStop: null,
    maxOpenPositions: N,
    start: 0,
    end: panel.times.length,
    annualization: panelBarsPerYear(panel),
  };
}

/** Every key of {@link ExecutionSettings} (an unknown key is an error). */
export const EXECUTION_SETTINGS_KEYS = settingsKeys<ExecutionSettings>()(['fill', 'feeBps', 'sellTaxBps', 'minFee', 'slippageBps', 'impact', 'funding', 'initialCash', 'sizing', 'stopLoss', 'takeProfit', 'trailingStop', 'maxOpenPositions', 'start', 'end', 'annualization']);
const SIZING_KEYS = { fixedFraction: ['kind', 'fraction'], volTarget: ['kind', 'targetVol', 'lookback', 'maxLeverage'] } as const;

/**
 * Settings with defaults filled in and checked.
 * @throws RangeError naming the bad setting; UnknownSettingError (a RangeError) for a key ExecutionSettings (or its sizing rule) does not have.
 */
export function resolveExecutionSettings(panel: Panel, settings: Partial<ExecutionSettings> = {}): ExecutionSettings {
  checkSettingsKeys(settings, EXECUTION_SETTINGS_KEYS, 'ExecutionSettings');
  const kind = settings.sizing?.kind;
  if (kind === 'fixedFraction' || kind === 'volTarget') checkSettingsKeys(settings.sizing, SIZING_KEYS[kind], `ExecutionSettings.sizing (${kind})`);
  const d = defaultExecutionSettings(panel);
  const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<ExecutionSettings>;
  const maxOpen = given.maxOpenPositions ?? d.maxOpenPositions;
  const s: ExecutionSettings = { ...d, sizing: { kind: 'fixedFraction', fraction: 1 / Math.min(maxOpen, panel.assets.length) }, ...given };
  const T = panel.times.length;
  if (s.fill !== 'nextOpen' && s.fill !== 'close') throw new RangeError(`ExecutionSettings.fill must be 'nextOpen' or 'close', got ${String(s.fill)}`);
  for (const k of ['feeBps', 'sellTaxBps', 'minFee', 'slippageBps', 'impact'] as const) if (!(s[k] >= 0)) throw new RangeError(`ExecutionSettings.${k} must be >= 0, got ${s[k]}`);
  if (!(s.initialCash > 0)) throw new RangeError(`ExecutionSettings.initialCash must be > 0, got ${s.initialCash}`);
  for (const k of ['stopLoss', 'takeProfit', 'trailingStop'] as const) {
    const v = s[k];
    if (v !== null && !(v > 0 && v < 1)) throw new RangeError(`ExecutionSettings.${k} must be null or in (0, 1), got ${v}`);
  }
  if (!(Number.isInteger(s.maxOpenPositions) && s.maxOpenPositions >= 1)) throw new RangeError(`ExecutionSettings.maxOpenPositions must be an integer >= 1, got ${s.maxOpenPositions}`);
  if (!(Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end <= T && s.start < s.end)) throw new RangeError(`ExecutionSettings range [${s.start}, ${s.end}) is not a non-empty integer range inside [0, ${T}]`);
  if (given.annualization !== undefined) resolveAnnualization(panel, given.annualization, 'ExecutionSettings.annualization');
  const z = s.sizing;
  if (z.kind === 'fixedFraction') {
    if (!(z.fraction > 0)) throw new RangeError(`ExecutionSettings.sizing.fraction must be > 0, got ${z.fraction}`);
  } else if (z.kind === 'volTarget') {
    if (!(z.targetVol > 0)) throw new RangeError(`ExecutionSettings.sizing.targetVol must be > 0, got ${z.targetVol}`);
    if (!(Number.isInteger(z.lookback) && z.lookback >= 2)) throw new RangeError(`ExecutionSettings.sizing.lookback must be an integer >= 2, got ${z.lookback}`);
    if (!(z.maxLeverage > 0)) throw new RangeError(`ExecutionSettings.sizing.maxLeverage must be > 0, got ${z.maxLeverage}`);
  } else throw new RangeError(`ExecutionSettings.sizing.kind must be 'fixedFraction' or 'volTarget', got ${String((z as { kind: string }).kind)}`);
  return s;
}

/** The market arrays the simulator reads (open, high, low, close, optional volume and funding). @throws Error naming a missing field. */
export function marketArrays(panel: Panel, funding: boolean | string = true): MarketArrays {
  const fundingName = funding === true ? (panel.fields['funding_event'] ? 'funding_event' : null) : funding === false ? null : funding;
  return {
    T: panel.times.length,
    N: panel.assets.length,
    open: field(panel, 'open'),
    high: field(panel, 'high'),
    low: field(panel, 'low'),
    close: field(panel, 'close'),
    volume: panel.fields['volume'] ?? null,
    funding: fundingName === null ? null : field(panel, fundingName),
  };
}

function kernelParams(s: ExecutionSettings): KernelParams {
  const z = s.sizing;
  return {
    fillAtClose: s.fill === 'close',
    feeRate: s.feeBps / 1e4,
    sellTaxRate: s.sellTaxBps / 1e4,
    minFee: s.minFee,
    slipRate: s.slippageBps / 1e4,
    impact: s.impact,
    initialCash: s.initialCash,
    sizing: z.kind === 'fixedFraction' ? 0 : 1,
    fraction: z.kind === 'fixedFraction' ? z.fraction : NaN,
    targetVol: z.kind === 'volTarget' ? z.targetVol : NaN,
    maxLeverage: z.kind === 'volTarget' ? z.maxLeverage : NaN,
    stopLoss: s.stopLoss ?? NaN,
    takeProfit: s.takeProfit ?? NaN,
    trailingStop: s.trailingStop ?? NaN,
    maxOpenPositions: s.maxOpenPositions,
    start: s.start,
    end: s.end,
  };
}


const FREQ_HOURS: Record<string, number> = { '1m': 1 / 60, '5m': 5 / 60, '15m': 0.25, '1h': 1, '4h': 4, '1d': 24 };

/** Metrics from an equity curve and the kernel summary. `returnsOut` receives per-bar returns. */
function computeMetrics(panel: Panel, s: ExecutionSettings, equity: Float64Array, n: number, sum: KernelSummary, returnsOut: Float64Array | null): BacktestMetrics {
  let eqSum = 0;
  for (let i = 0; i < n; i++) eqSum += equity[i]!;
  let ps: Pick<PerformanceStats, 'totalReturn' | 'annualReturn' | 'annualVolatility' | 'sharpe' | 'sortino' | 'calmar' | 'maxDrawdown'>;
  if (returnsOut !== null) {
    let prev = s.initialCash;
    for (let i = 0; i < n; i++) {
      const e = equity[i]!;
      returnsOut[i] = e / prev - 1;
      prev = e;
    }
    ps = performanceStats(returnsOut.length === n ? returnsOut : returnsOut.subarray(0, n), s.annualization);
  } else ps = onePassStats(s, equity[n - 1]!, n, sum);
  const meanEq = eqSum / n;
  const nDays = n / barsPerDay(panel.frequency, panel.market);
  const turnover = sum.tradedNotional / meanEq / nDays;
  const pnl = equity[n - 1]! - s.initialCash;
  const avgHoldingBars = sum.nTrades > 0 ? sum.sumHoldingBars / sum.nTrades : NaN;
  return {
    annualization: s.annualization,
    nBars: n,
    totalReturn: ps.totalReturn,
    annualReturn: ps.annualReturn,
    annualVolatility: ps.annualVolatility,
    sharpe: ps.sharpe,
    sortino: ps.sortino,
    calmar: ps.calmar,
    maxDrawdown: ps.maxDrawdown,
    turnover,
    margin: sum.tradedNotional > 0 ? pnl / sum.tradedNotional : NaN,
    fitness: ps.sharpe * Math.sqrt(Math.abs(ps.annualReturn) / Math.max(turnover, 0.125)),
    exposure: sum.exposedBars / n,
    avgHoldingBars,
    avgHoldingHours: avgHoldingBars * (FREQ_HOURS[panel.frequency] ?? NaN),
    nTrades: sum.nTrades,
    winRate: sum.nTrades > 0 ? sum.nWins / sum.nTrades : NaN,
    profitFactor: sum.nTrades === 0 ? NaN : sum.grossLoss > 0 ? sum.grossProfit / sum.grossLoss : Infinity,
    expectancy: sum.nTrades > 0 ? sum.sumTradeReturn / sum.nTrades : NaN,
    signalsPer1000Bars: (sum.nEntrySignals / (n * panel.assets.length)) * 1000,
    totalFees: sum.totalFees,
    totalFunding: sum.totalFunding,
    tradedNotional: sum.tradedNotional,
  };
}

/**
 * The performanceStats quantities from the kernel's one-pass accumulators
 * (grid mode: no returns array, no extra passes). Same definitions as
 * lib/stats performanceStats (sample std ddof 1, downside deviation over all
 * bars, CAGR, compounded drawdown); equal up to floating-point rounding.
 */
function onePassStats(s: ExecutionSettings, lastEquity: number, n: number, sum: KernelSummary): Pick<PerformanceStats, 'totalReturn' | 'annualReturn' | 'annualVolatility' | 'sharpe' | 'sortino' | 'calmar' | 'maxDrawdown'> {
  const a = s.annualization;
  const growth = lastEquity / s.initialCash;
  const mean = sum.retSum / n;
  const m2 = sum.retSumSq - n * mean * mean;
  const sd = n > 1 ? Math.sqrt((m2 > 0 ? m2 : 0) / (n - 1)) : NaN;
  const annualReturn = growth > 0 ? Math.pow(growth, a / n) - 1 : -1;
  const downDev = Math.sqrt(sum.retDownSq / n);
  return {
    totalReturn: growth - 1,
    annualReturn,
    annualVolatility: sd * Math.sqrt(a),
    sharpe: (sd > 0 ? mean / sd : NaN) * Math.sqrt(a),
    sortino: downDev > 0 ? (mean / downDev) * Math.sqrt(a) : NaN,
    calmar: sum.maxDrawdown > 0 ? annualReturn / sum.maxDrawdown : NaN,
    maxDrawdown: sum.maxDrawdown,
  };
}

/** Decay horizons in bars used by {@link backtestSignals}. */
export const DECAY_HORIZONS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

function signalDecay(close: Float64Array, N: number, trades: Trade[], assetIndex: Map<string, number>, end: number): HoldingDecayPoint[] {
  return DECAY_HORIZONS.map((h) => {
    let sum = 0, n = 0, up = 0;
    for (const tr of trades) {
      const j = tr.signalIndex + h;
      if (j >= end) continue;
      const a = assetIndex.get(tr.asset)!;
      const r = tr.side * (close[j * N + a]! / close[tr.signalIndex * N + a]! - 1);
      if (r === r) {
        sum += r;
        n++;
        if (r > 0) up++;
      }
    }
    return { horizon: h, meanReturn: n > 0 ? sum / n : NaN, hitRate: n > 0 ? up / n : NaN, n };
  });
}

function masksFor(panel: Panel, signals: SignalSpec | SignalMasks, cache?: MaskCache): SignalMasks {
  const T = panel.times.length, N = panel.assets.length;
  if (!isSignalMasks(signals)) return compileSignals(signals, T, N, cache);
  for (const k of ['longEntry', 'longExit', 'shortEntry', 'shortExit'] as const) {
    const m = signals[k];
    if (m && m.length !== T * N) throw new Error(`signal mask ${k} has length ${m.length}, expected ${T} x ${N} = ${T * N}`);
  }
  if (!signals.longEntry && !signals.shortEntry) throw new Error('signal masks have neither longEntry nor shortEntry');
  return signals;
}

/** What {@link gateSignals} changed: entries dropped, exits moved to a later bar. */
export interface SignalGating {
  /** Entry signal cells dropped: the name was outside `panel.universe` at the signal bar, or the fill bar could not fill the order (`panel.tradable`). */
  readonly entriesBlocked: number;
  /** Exit signal cells whose fill bar could not fill them, moved to the next bar that can (the exit waits). */
  readonly exitsDeferred: number;
  /** Exit signals still waiting at the end of the data (the position stays open, marked). */
  readonly exitsPending: number;
}

/**
 * Signal masks restricted to the panel's universe and tradability (copies; the
 * input is not changed). The fill bar of signal row t is t + 1 for 'nextOpen'
 * and t for 'close'. A long entry needs a buy at the fill bar, a short entry a
 * sell (a reversal is an entry of the opposite side, so it needs the same); an
 * entry outside the universe at the signal bar, or on a fill bar that cannot
 * fill it, is dropped (counted). A long exit needs a sell and a short exit a
 * buy: when the fill bar cannot fill it, the exit signal moves to the next
 * signal row whose fill bar can (the order waits; counted). Stops (stop loss,
 * take profit, trailing) are not gated: a stop on a limit bar fills as the kernel says.
 * Returns the masks unchanged (and zero counts) when the panel has neither mask.
 */
export function gateSignals(panel: Panel, masks: SignalMasks, fill: ExecutionSettings['fill']): { masks: SignalMasks; gating: SignalGating } {
  const universe = panel.universe, tradable = panel.tradable;
  if (!universe && !tradable) return { masks, gating: { entriesBlocked: 0, exitsDeferred: 0, exitsPending: 0 } };
  const T = panel.times.length, N = panel.assets.length;
  const lag = fill === 'nextOpen' ? 1 : 0;
  const ok = (side: 'buy' | 'sell', t: number, a: number): boolean => {
    const f = t + lag;
    if (f >= T) return true; // no fill bar in the data: the kernel drops it anyway
    return !tradable || tradable[side][f * N + a]! === 1;
  };
  let entriesBlocked = 0, exitsDeferred = 0, exitsPending = 0;
  const gateEntry = (m: Uint8Array | null | undefined, side: 'buy' | 'sell') => {
    if (!m) return m;
    const out = m.slice();
    for (let t = 0; t < T; t++) {
      for (let a = 0; a < N; a++) {
        const i = t * N + a;
        if (!out[i]) continue;
        if ((universe && !universe[i]) || !ok(side, t, a)) {
          out[i] = 0;
          entriesBlocked++;
        }
      }
    }
    return out;
  };
  const deferExit = (m: Uint8Array | null | undefined, side: 'buy' | 'sell') => {
    if (!m) return m;
    const out = m.slice();
    for (let a = 0; a < N; a++) {
      let waiting = false;
      for (let t = 0; t < T; t++) {
        const i = t * N + a;
        if (out[i] || waiting) {
          if (ok(side, t, a)) {
            out[i] = 1;
            waiting = false;
          } else {
            if (out[i]) exitsDeferred++;
            out[i] = 0;
            waiting = true;
          }
        }
      }
      if (waiting) exitsPending++;
    }
    return out;
  };
  const longEntry = gateEntry(masks.longEntry, 'buy'), shortEntry = gateEntry(masks.shortEntry, 'sell');
  const longExit = deferExit(masks.longExit, 'sell'), shortExit = deferExit(masks.shortExit, 'buy');
  return {
    masks: { ...masks, ...(longEntry ? { longEntry } : {}), ...(shortEntry ? { shortEntry } : {}), ...(longExit ? { longExit } : {}), ...(shortExit ? { shortExit } : {}) },
    gating: { entriesBlocked, exitsDeferred, exitsPending },
  };
}

/**
 * Backtests entry/exit signals on a panel (one or many assets sharing one
 * cash account) with the execution conventions of `kernel.ts` (next-open fills
 * by default, fees and slippage per fill, funding, intrabar stops with the
 * stop-first rule, long and short, reversal on an opposite entry).
 *
 * @param panel bars with open, high, low, close (volume and funding_event optional)
 * @param spec rule-based signals on factor panels ({@link SignalSpec}) or precomputed masks
 * @param settings execution settings; see {@link ExecutionSettings} for defaults
 * @returns equity, returns, positions, trade list, metrics (Sharpe, Sortino, Calmar,
 *   annual return, max drawdown, turnover, margin, fitness, exposure, holding time,
 *   trade statistics) and signal decay
 * @throws Error for a missing field, a bad setting, or signals of the wrong shape
 */
export function backtestSignals(panel: Panel, spec: SignalSpec | SignalMasks, settings: Partial<ExecutionSettings> = {}): BacktestResult {
  const s = resolveExecutionSettings(panel, settings);
  const m = marketArrays(panel, s.funding);
  const { masks, gating } = gateSignals(panel, masksFor(panel, spec), s.fill);
  const sigma = s.sizing.kind === 'volTarget' ? rollingVolatility(m.close, m.T, m.N, s.sizing.lookback, s.annualization) : null;
  const n = s.end - s.start;
  const equity = new Float64Array(n);
  const positions = new Float64Array(n * m.N);
  const log = new TradeLog();
  const sum = runKernel(m, masks, sigma, kernelParams(s), new KernelScratch(m.N), equity, positions, log);
  const returns = new Float64Array(n);
  const metrics = computeMetrics(panel, s, equity, n, sum, returns);
  const trades: Trade[] = [];
  for (let i = 0; i < log.n; i++) {
    const entryNotional = log.qty[i]! * log.entryPrice[i]!;
    trades.push({
      asset: panel.assets[log.asset[i]!]!,
      side: log.side[i]! > 0 ? 1 : -1,
      signalIndex: log.signalIdx[i]!,
      entryIndex: log.entryIdx[i]!,
      exitIndex: log.exitIdx[i]!,
      entryTime: panel.times[log.entryIdx[i]!]!,
      exitTime: panel.times[log.exitIdx[i]!]!,
      size: log.qty[i]!,
      entryPrice: log.entryPrice[i]!,
      exitPrice: log.exitPrice[i]!,
      pnl: log.pnl[i]!,
      return: log.pnl[i]! / entryNotional,
      fees: log.fees[i]!,
      funding: log.funding[i]!,
      reason: EXIT_REASONS[log.reason[i]!]!,
    });
  }
  const assetIndex = new Map(panel.assets.map((a, i) => [a, i]));
  return {
    settings: s,
    assets: panel.assets,
    times: panel.times.slice(s.start, s.end),
    equity,
    returns,
    positions,
    trades,
    metrics,
    decay: signalDecay(m.close, m.N, trades, assetIndex, s.end),
    gating,
  };
}

/** One row of a grid search: the parameters and the metrics of their backtest. */
export interface GridRow<P> {
  params: P;
  metrics: BacktestMetrics;
}

/**
 * Cartesian product of parameter lists, in row-major order (the last key varies fastest).
 * `paramGrid({ a: [1, 2], b: ['x', 'y'] })` -> `[{a:1,b:'x'}, {a:1,b:'y'}, {a:2,b:'x'}, {a:2,b:'y'}]`.
 * @throws Error when a list is empty.
 */
export function paramGrid<G extends Record<string, readonly unknown[]>>(grid: G): Array<{ [K in keyof G]: G[K][number] }> {
  const keys = Object.keys(grid);
  for (const k of keys) if (grid[k]!.length === 0) throw new Error(`paramGrid: list "${k}" is empty`);
  let rows: Record<string, unknown>[] = [{}];
  for (const k of keys) {
    const next: Record<string, unknown>[] = [];
    for (const r of rows) for (const v of grid[k]!) next.push({ ...r, [k]: v });
    rows = next;
  }
  return rows as Array<{ [K in keyof G]: G[K][number] }>;
}

/**
 * Runs many backtests on one panel and returns their metrics (no trade list,
 * positions or decay): the market arrays, the simulator's state and equity
 * buffers, the volatility estimates (per lookback) and the compiled condition
 * masks (per factor array and rule, see {@link MaskCache}) are built once and
 * shared across combinations. Share indicator arrays across combinations
 * by computing them once outside `build` (e.g. one z-score per lookback)
 * and only thresholding inside it.
 *
 * Metrics come from the simulator's one-pass accumulators (sums of the equity
 * returns and of their squares, running drawdown) instead of
 * lib/stats performanceStats over a returns array: same definitions, equal to
 * {@link backtestSignals}' metrics up to floating-point rounding.
 *
 * @param combos parameter combinations (e.g. from {@link paramGrid})
 * @param build maps a combination to its signals and settings overrides
 * @param base settings shared by all combinations (overridden by build's settings)
 * @returns one {@link GridRow} per combination, in input order
 */
export function backtestGrid<P>(
  panel: Panel,
  combos: readonly P[],
  build: (params: P) => { signals: SignalSpec | SignalMasks; settings?: Partial<ExecutionSettings> },
  base: Partial<ExecutionSettings> = {},
): GridRow<P>[] {
  const marketCache = new Map<string, MarketArrays>();
  const sigmaCache = new Map<string, Float64Array>();
  const scratch = new KernelScratch(panel.assets.length);
  const maskCache = new MaskCache();
  const T = panel.times.length;
  const equity = new Float64Array(T);
  const rows: GridRow<P>[] = [];
  for (const params of combos) {
    const { signals, settings } = build(params);
    const s = resolveExecutionSettings(panel, { ...base, ...settings });
    const fk = String(s.funding);
    let m = marketCache.get(fk);
    if (!m) marketCache.set(fk, (m = marketArrays(panel, s.funding)));
    let sigma: Float64Array | null = null;
    if (s.sizing.kind === 'volTarget') {
      const key = `${s.sizing.lookback}:${s.annualization}`;
      sigma = sigmaCache.get(key) ?? null;
      if (!sigma) sigmaCache.set(key, (sigma = rollingVolatility(m.close, m.T, m.N, s.sizing.lookback, s.annualization)));
    }
    const n = s.end - s.start;
    const sum = runKernel(m, gateSignals(panel, masksFor(panel, signals, maskCache), s.fill).masks, sigma, kernelParams(s), scratch, equity, null, null);
    rows.push({ params, metrics: computeMetrics(panel, s, equity, n, sum, null) });
  }
  return rows;
}
