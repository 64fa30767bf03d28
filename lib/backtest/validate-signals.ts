/**
 * Signal validation: does a signal trade often enough, and win enough, to be
 * worth turning into a strategy? Checks a backtest's trade statistics against
 * thresholds (defaults from the project spec: at least 30 trades, win rate
 * above 40%, profit factor above 1.0, 1 to 500 entry signals per 1,000 bars).
 */
import type { BacktestMetrics, BacktestResult, HoldingDecayPoint } from './backtest.js';

/** Thresholds of {@link validateSignals}. */
export interface SignalThresholds {
  /** Minimum number of closed trades (default 30). */
  minTrades: number;
  /** Win rate must exceed this (fraction, default 0.4). */
  minWinRate: number;
  /** Profit factor must exceed this (default 1.0). */
  minProfitFactor: number;
  /** Allowed range of entry signals per 1,000 bars per asset, inclusive (default [1, 500]). */
  signalsPer1000Bars: [number, number];
}

/** Default thresholds (see {@link SignalThresholds}). */
export const DEFAULT_SIGNAL_THRESHOLDS: Readonly<SignalThresholds> = Object.freeze({
  minTrades: 30,
  minWinRate: 0.4,
  minProfitFactor: 1.0,
  signalsPer1000Bars: [1, 500] as [number, number],
});

/** Metrics reported by {@link validateSignals}. */
export interface SignalValidationMetrics {
  nTrades: number;
  /** Share of closed trades with pnl > 0. */
  winRate: number;
  /** Gross profit / gross loss. */
  profitFactor: number;
  /** Mean return per closed trade (fraction of entry notional). */
  expectancy: number;
  /** Entry signals per 1,000 bars per asset. */
  signalsPer1000Bars: number;
  /** Mean signed forward return by holding period. */
  decay: HoldingDecayPoint[];
}

/**
 * Validates a signal's backtest against thresholds.
 * @param result output of `backtestSignals` (or any object with its `metrics` and `decay`)
 * @returns pass = every check holds; reasons = one line per failed check (empty when pass)
 */
export function validateSignals(
  result: { metrics: BacktestMetrics; decay?: HoldingDecayPoint[] } | BacktestResult,
  thresholds: Partial<SignalThresholds> = {},
): { pass: boolean; reasons: string[]; metrics: SignalValidationMetrics } {
  const th = { ...DEFAULT_SIGNAL_THRESHOLDS, ...thresholds };
  const m = result.metrics;
  const reasons: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (!(m.nTrades >= th.minTrades)) reasons.push(`too few trades: ${m.nTrades} < ${th.minTrades}`);
  if (!(m.winRate > th.minWinRate)) reasons.push(`win rate ${Number.isNaN(m.winRate) ? 'NaN' : pct(m.winRate)} not above ${pct(th.minWinRate)}`);
  if (!(m.profitFactor > th.minProfitFactor)) reasons.push(`profit factor ${m.profitFactor.toFixed(3)} not above ${th.minProfitFactor}`);
  const [lo, hi] = th.signalsPer1000Bars;
  if (!(m.signalsPer1000Bars >= lo && m.signalsPer1000Bars <= hi)) reasons.push(`signal frequency ${m.signalsPer1000Bars.toFixed(2)} per 1,000 bars outside [${lo}, ${hi}]`);
  return {
    pass: reasons.length === 0,
    reasons,
    metrics: {
      nTrades: m.nTrades,
      winRate: m.winRate,
      profitFactor: m.profitFactor,
      expectancy: m.expectancy,
      signalsPer1000Bars: m.signalsPer1000Bars,
      decay: result.decay ?? [],
    },
  };
}
