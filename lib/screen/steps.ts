/**
 * Steps shared by the screen's entries (`screenExpression` in screen.ts,
 * `screenSignalStrategy` / `screenPortfolioStrategy` in strategy.ts): the
 * rolling windows of a panel, the walk-forward / rolling Sharpes the failure
 * classification reads, and the deflated Sharpe of out-of-sample returns
 * with the trial store's count and Sharpe variance.
 */
import type { Panel } from '../data/panel.js';
import { deflatedSharpeReport, type DeflatedSharpeResult } from '../stats/index.js';
import { defaultRollingWindows, type RollingReport, type WalkForwardReport } from '../backtest/index.js';
import type { ClassifyInput } from './classify.js';

/** Rolling window lengths in bars: `given`, else lib/backtest's defaults for the panel; null when warm-up + one window does not fit. */
export function rollingWindowsFor(panel: Panel, start: number, given?: { readonly train: number; readonly test: number }): { train: number; test: number } | null {
  const def = given ?? defaultRollingWindows(panel.frequency, panel.market);
  return start + def.train + def.test <= panel.times.length ? { train: def.train, test: def.test } : null;
}

/** The classification inputs read from the walk-forward segments and the rolling test windows (net Sharpes). */
export function splitSharpes(wf: WalkForwardReport<unknown, { sharpe: number }>, rolling: RollingReport<unknown, { sharpe: number }> | null): Pick<ClassifyInput, 'trainSharpe' | 'testSharpe' | 'validationSharpe' | 'windowSharpes'> {
  return {
    trainSharpe: wf.train.sharpe,
    testSharpe: wf.test.sharpe,
    validationSharpe: wf.validation.sharpe,
    ...(rolling ? { windowSharpes: rolling.windows.map((w) => w.test.sharpe) } : {}),
  };
}

/**
 * Deflated Sharpe (lib/stats `deflatedSharpeReport`, the one DSR) of
 * out-of-sample per-bar returns, with the trial count and per-bar Sharpe
 * variance read from the trial store (0 for a single trial; NaN, fewer than
 * two finite trial Sharpes, gives a NaN DSR: not measurable).
 */
export function deflateOutOfSample(returns: Float64Array, annualization: number, trials: { nTrials: number; trialSharpeVariance: number }): DeflatedSharpeResult {
  const v = trials.nTrials <= 1 ? 0 : trials.trialSharpeVariance;
  return deflatedSharpeReport({ returns, annualization, nTrials: trials.nTrials, trialSharpeVariance: v });
}
