/**
 * The signal stage of a candidate screen (lib/screen): entry/exit rules derived
 * from a traded factor with the signal rules of signals.ts, backtested with
 * `backtestSignals` and judged with `validateSignals` (issue 5 thresholds).
 *
 * Rules (one factor `alpha` = the traded factor, expected sign applied):
 * - long entry: `alpha` in the top `quantile` of the cross-section at the bar;
 * - long exit: `alpha` no longer in the top `exitQuantile` (= `quantile` by
 *   default: exit when membership ends);
 * - short entry / exit: the same with the bottom quantiles;
 * - sides 'long' or 'short' keep only that side's rules.
 * Execution: delay 1 fills at the next bar's open, delay 0 at the signal
 * bar's close; fees = the screen's cost in bps of traded notional per fill,
 * no extra slippage (the same cost model as the portfolio backtest); funding
 * from the panel's `funding_event` field when it has one (perpetuals; the
 * backtestSignals default), kept in the before-cost statistics (only fees are
 * added back); sizing the backtest default (1 / number of assets of equity per position).
 */
import type { Panel } from '../data/panel.js';
import { backtestSignals, type BacktestResult, type ExecutionSettings } from './backtest.js';
import type { SignalMasks } from './kernel.js';
import { compileSignals, type Condition, type SignalRules, type SignalSpec } from './signals.js';
import { DEFAULT_SIGNAL_THRESHOLDS, validateSignals, type SignalThresholds } from './validate-signals.js';

/**
 * The signal-stage settings a strategy may carry (all optional; see
 * {@link DEFAULT_SIGNAL_PARAMS} for the defaults used when absent).
 */
export interface SignalStageParams {
  /**
   * The fraction of the cross-section entered on each side: long the top
   * `signalQuantile` of the traded factor, short the bottom one. In (0, 0.25].
   */
  readonly signalQuantile?: number;
  /**
   * Exit band: a long is closed when the asset leaves the top `exitQuantile`
   * (a short: the bottom one). Equal to `signalQuantile` (the default) = exit
   * when membership ends; larger = hysteresis (fewer, longer trades). In [signalQuantile, 0.5].
   */
  readonly exitQuantile?: number;
  /** Which sides the signal trades: 'long_short' (default), 'long' or 'short'. */
  readonly signalSides?: 'long_short' | 'long' | 'short';
}

/** Resolved signal-stage parameters (see {@link SignalStageParams} for their meaning). */
export interface SignalParams {
  readonly quantile: number;
  readonly exitQuantile: number;
  readonly sides: 'long_short' | 'long' | 'short';
}

/**
 * Signal-stage defaults when a strategy gives none: long the top 20%, short
 * the bottom 20% of the traded factor, exit when the asset leaves that
 * quintile (`exitQuantile` defaults to the `signalQuantile` given).
 */
export const DEFAULT_SIGNAL_PARAMS: SignalParams = { quantile: 0.2, exitQuantile: 0.2, sides: 'long_short' };

/** Trade statistics of one signal backtest (lib/backtest backtestSignals + validateSignals), net of costs unless named gross. */
export interface SignalStageMetrics {
  /** Closed trades. */
  readonly nTrades: number;
  /** Share of closed trades with net pnl > 0. */
  readonly winRate: number;
  /** Net gross-profit / gross-loss of closed trades. */
  readonly profitFactor: number;
  /** Mean net return per closed trade (fraction of entry notional). */
  readonly expectancy: number;
  /** Entry signals per 1,000 bars per asset. */
  readonly signalsPer1000Bars: number;
  /** Win rate with the fees added back (before costs). */
  readonly grossWinRate: number;
  /** Profit factor with the fees added back (before costs). */
  readonly grossProfitFactor: number;
  /** Mean return per closed trade before fees. */
  readonly grossExpectancy: number;
  /** t-statistic of the mean trade return before fees (mean / (sd / sqrt(n)), trades treated as independent; NaN under 2 trades). */
  readonly grossExpectancyT: number;
  /** Annualized Sharpe of the signal backtest's equity curve. */
  readonly sharpe: number;
  /** Total return of the signal backtest's equity. */
  readonly totalReturn: number;
  /** Average daily turnover of the signal backtest (BRAIN convention). */
  readonly turnover: number;
  /** Mean holding time of closed trades in bars. */
  readonly avgHoldingBars: number;
  /** Share of bars with an open position. */
  readonly exposure: number;
}

/**
 * The signal stage of a test: entry/exit rules derived from the traded
 * factor, backtested with `backtestSignals` on the walk-forward test segment
 * (the decision) and on all bars after warm-up (for the record), validated
 * with `validateSignals`.
 */
export interface SignalStage {
  /** Resolved parameters. */
  readonly params: SignalParams;
  /** 'nextOpen' (delay 1) or 'close' (delay 0). */
  readonly fill: 'nextOpen' | 'close';
  /** Fee in bps of traded notional per fill (the screen's costBps; no extra slippage). */
  readonly costBps: number;
  /** Bar range [start, end) of the decision backtest (the walk-forward test segment). */
  readonly range: { readonly start: number; readonly end: number };
  /** validateSignals thresholds used. */
  readonly thresholds: { readonly minTrades: number; readonly minWinRate: number; readonly minProfitFactor: number; readonly signalsPer1000Bars: readonly [number, number] };
  /** validateSignals verdict on the test segment. */
  readonly pass: boolean;
  /** validateSignals reasons (empty when pass). */
  readonly reasons: readonly string[];
  /** Metrics on the test segment (the decision). */
  readonly test: SignalStageMetrics;
  /** Metrics on all bars after warm-up (information), when computed. */
  readonly full?: SignalStageMetrics;
}


/** Name of the factor the signal rules refer to. */
export const SIGNAL_FACTOR = 'alpha';

/**
 * The signal parameters of a strategy with the defaults filled in
 * ({@link DEFAULT_SIGNAL_PARAMS}; `exitQuantile` defaults to the quantile given).
 * @throws RangeError for a quantile outside (0, 0.25], an exit quantile outside [quantile, 0.5] or unknown sides.
 */
export function resolveSignalParams(p: SignalStageParams = {}): SignalParams {
  const quantile = p.signalQuantile ?? DEFAULT_SIGNAL_PARAMS.quantile;
  const exitQuantile = p.exitQuantile ?? quantile;
  const sides = p.signalSides ?? DEFAULT_SIGNAL_PARAMS.sides;
  if (!(quantile > 0 && quantile <= 0.25)) throw new RangeError(`signalQuantile must be in (0, 0.25], got ${quantile}`);
  if (!(exitQuantile >= quantile && exitQuantile <= 0.5)) throw new RangeError(`exitQuantile must be in [signalQuantile (${quantile}), 0.5], got ${exitQuantile}`);
  if (sides !== 'long_short' && sides !== 'long' && sides !== 'short') throw new RangeError(`signalSides must be 'long_short', 'long' or 'short', got ${String(sides)}`);
  return { quantile, exitQuantile, sides };
}

/** The entry/exit rules of {@link SignalParams} on the factor {@link SIGNAL_FACTOR} (see the module comment). */
export function signalRules(p: SignalParams): SignalRules {
  const top = (q: number): Condition => ({ factor: SIGNAL_FACTOR, quantile: 'top', q });
  const bottom = (q: number): Condition => ({ factor: SIGNAL_FACTOR, quantile: 'bottom', q });
  const rules: SignalRules = {};
  if (p.sides !== 'short') {
    rules.longEntry = top(p.quantile);
    rules.longExit = { not: top(p.exitQuantile) };
  }
  if (p.sides !== 'long') {
    rules.shortEntry = bottom(p.quantile);
    rules.shortExit = { not: bottom(p.exitQuantile) };
  }
  return rules;
}

/** The signal spec for `backtestSignals`: {@link signalRules} on the factor values (nDates x nAssets). */
export function signalSpec(values: Float64Array, p: SignalParams): SignalSpec {
  return { factors: { [SIGNAL_FACTOR]: values }, ...signalRules(p) };
}

/**
 * The execution settings of the signal stage: fill from the delay (1 ->
 * next open, 0 -> close), fees `costBps` per fill, no extra slippage, bars [start, end).
 */
export function signalExecution(delay: number, costBps: number, range: { start: number; end: number }): Partial<ExecutionSettings> {
  return { fill: delay >= 1 ? 'nextOpen' : 'close', feeBps: costBps, slippageBps: 0, start: range.start, end: range.end };
}

/**
 * The masks of {@link signalSpec}, equal element for element to
 * `compileSignals(signalSpec(values, p), T, N)`, computed faster: when the exit
 * quantile equals the entry quantile the exit masks are the complements of
 * the entry masks (what `{ not: c }` computes), so each quantile is ranked once.
 */
export function signalMasks(values: Float64Array, p: SignalParams, nDates: number, nAssets: number): SignalMasks {
  const spec = signalSpec(values, p);
  if (p.exitQuantile !== p.quantile) return compileSignals(spec, nDates, nAssets);
  const entries = compileSignals({ factors: spec.factors, ...(spec.longEntry ? { longEntry: spec.longEntry } : {}), ...(spec.shortEntry ? { shortEntry: spec.shortEntry } : {}) }, nDates, nAssets);
  const not = (m: Uint8Array | null): Uint8Array | null => {
    if (!m) return null;
    const out = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) out[i] = 1 - m[i]!;
    return out;
  };
  return { longEntry: entries.longEntry, longExit: not(entries.longEntry), shortEntry: entries.shortEntry, shortExit: not(entries.shortEntry) };
}

/**
 * Signal-stage metrics of a backtest: validateSignals' trade statistics
 * (net of costs), the same before fees (fees added back to each closed
 * trade's pnl; funding kept) with the t-statistic of the mean gross trade
 * return, and the equity curve's Sharpe, turnover, holding time and exposure.
 */
export function signalStageMetrics(r: BacktestResult): SignalStageMetrics {
  const v = validateSignals(r).metrics;
  let n = 0, wins = 0, gp = 0, gl = 0, sumRet = 0, sumRet2 = 0;
  for (const t of r.trades) {
    if (t.reason === 'open') continue;
    const g = t.pnl + t.fees;
    n++;
    if (g > 0) {
      wins++;
      gp += g;
    } else gl -= g;
    const ret = g / (t.size * t.entryPrice);
    sumRet += ret;
    sumRet2 += ret * ret;
  }
  const mean = n > 0 ? sumRet / n : NaN;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (sumRet2 - n * mean * mean) / (n - 1))) : NaN;
  const m = r.metrics;
  return {
    nTrades: v.nTrades,
    winRate: v.winRate,
    profitFactor: v.profitFactor,
    expectancy: v.expectancy,
    signalsPer1000Bars: v.signalsPer1000Bars,
    grossWinRate: n > 0 ? wins / n : NaN,
    grossProfitFactor: n === 0 ? NaN : gl > 0 ? gp / gl : Infinity,
    grossExpectancy: mean,
    grossExpectancyT: sd > 0 ? mean / (sd / Math.sqrt(n)) : NaN,
    sharpe: m.sharpe,
    totalReturn: m.totalReturn,
    turnover: m.turnover,
    avgHoldingBars: m.avgHoldingBars,
    exposure: m.exposure,
  };
}

/** Options of {@link runSignalStage}. */
export interface SignalStageOptions {
  /** Delay (0 or 1: fill at the close or the next open) and the signal parameters. */
  readonly params: SignalStageParams & { readonly delay: number };
  /** Fee in bps of traded notional per fill. */
  readonly costBps: number;
  /** Bars of the decision backtest (the walk-forward test segment). */
  readonly range: { readonly start: number; readonly end: number };
  /** Bars of the information backtest (all bars after warm-up); omitted: not run. */
  readonly fullRange?: { readonly start: number; readonly end: number };
  /** validateSignals thresholds (default: the issue-5 defaults, DEFAULT_SIGNAL_THRESHOLDS). */
  readonly thresholds?: Partial<SignalThresholds>;
}

/**
 * Runs the signal stage on a panel for the traded factor values: masks once,
 * `backtestSignals` on the test segment (and on the full range when asked),
 * `validateSignals` on the test segment.
 * @throws RangeError for bad signal parameters (see {@link resolveSignalParams}).
 */
export function runSignalStage(panel: Panel, values: Float64Array, opts: SignalStageOptions): SignalStage {
  const p = resolveSignalParams(opts.params);
  const th: SignalThresholds = { ...DEFAULT_SIGNAL_THRESHOLDS, ...(opts.thresholds ?? {}) };
  const masks = signalMasks(values, p, panel.times.length, panel.assets.length);
  const run = (range: { start: number; end: number }) => backtestSignals(panel, masks, signalExecution(opts.params.delay, opts.costBps, range));
  const test = run(opts.range);
  const verdict = validateSignals(test, th);
  return {
    params: p,
    fill: opts.params.delay >= 1 ? 'nextOpen' : 'close',
    costBps: opts.costBps,
    range: { start: opts.range.start, end: opts.range.end },
    thresholds: { minTrades: th.minTrades, minWinRate: th.minWinRate, minProfitFactor: th.minProfitFactor, signalsPer1000Bars: [th.signalsPer1000Bars[0], th.signalsPer1000Bars[1]] },
    pass: verdict.pass,
    reasons: verdict.reasons,
    test: signalStageMetrics(test),
    ...(opts.fullRange ? { full: signalStageMetrics(run(opts.fullRange)) } : {}),
  };
}

/** The signal metrics as a flat record for a knowledge-base evaluation row (`pass` 1/0). */
export function signalEvaluationMetrics(m: SignalStageMetrics, pass?: boolean): Record<string, number> {
  return {
    trades: m.nTrades,
    win_rate: m.winRate,
    profit_factor: m.profitFactor,
    expectancy: m.expectancy,
    signals_per_1000_bars: m.signalsPer1000Bars,
    gross_win_rate: m.grossWinRate,
    gross_profit_factor: m.grossProfitFactor,
    gross_expectancy: m.grossExpectancy,
    gross_expectancy_t: m.grossExpectancyT,
    sharpe: m.sharpe,
    total_return: m.totalReturn,
    turnover: m.turnover,
    avg_holding_bars: m.avgHoldingBars,
    exposure: m.exposure,
    ...(pass === undefined ? {} : { pass: pass ? 1 : 0 }),
  };
}
