/**
 * Validation against overfitting: walk-forward (train / validation / test)
 * splits, rolling train/test windows, and the Deflated Sharpe Ratio report.
 * Splits are bar-index ranges `[start, end)` that never overlap; an optional
 * embargo leaves bars out between consecutive segments (Lopez de Prado's
 * purging/embargo, for factors whose look-back spans the boundary).
 */
import type { Frequency } from '../data/panel.js';
import { mean } from '../stats/index.js';

/** A half-open bar range `[start, end)` of panel rows. */
export interface BarRange {
  start: number;
  end: number;
}

/** Train / validation / test ranges of a walk-forward split, in time order, disjoint. */
export interface WalkForwardSplit {
  train: BarRange;
  validation: BarRange;
  test: BarRange;
}

/** Options of {@link walkForwardSplit}. */
export interface WalkForwardOptions {
  /** Fractions of the bars for train / validation / test (default 0.6 / 0.2 / 0.2; must sum to 1). */
  fractions: { train: number; validation: number; test: number };
  /** Bars left out between consecutive segments (default 0). */
  embargo: number;
  /** First bar of the usable range (default 0), e.g. after an indicator warm-up. */
  start: number;
}

/**
 * Splits bars `[start, nBars)` into consecutive train, validation and test
 * segments (default 60/20/20): train = `[start, start + round(0.6 n))`, then
 * `embargo` bars skipped, validation, `embargo` bars skipped, test up to nBars.
 * @throws RangeError when fractions do not sum to 1 or a segment would be empty.
 */
export function walkForwardSplit(nBars: number, options: Partial<WalkForwardOptions> = {}): WalkForwardSplit {
  const fr = options.fractions ?? { train: 0.6, validation: 0.2, test: 0.2 };
  const embargo = options.embargo ?? 0;
  const start = options.start ?? 0;
  if (Math.abs(fr.train + fr.validation + fr.test - 1) > 1e-9 || fr.train <= 0 || fr.validation <= 0 || fr.test <= 0) {
    throw new RangeError(`walkForwardSplit: fractions must be positive and sum to 1, got ${fr.train}/${fr.validation}/${fr.test}`);
  }
  if (!(Number.isInteger(embargo) && embargo >= 0)) throw new RangeError(`walkForwardSplit: embargo must be an integer >= 0, got ${embargo}`);
  const n = nBars - start;
  const trainEnd = start + Math.round(fr.train * n);
  const valEnd = start + Math.round((fr.train + fr.validation) * n);
  const split = {
    train: { start, end: trainEnd },
    validation: { start: trainEnd + embargo, end: valEnd },
    test: { start: valEnd + embargo, end: nBars },
  };
  for (const k of ['train', 'validation', 'test'] as const) {
    if (!(split[k].end > split[k].start)) throw new RangeError(`walkForwardSplit: ${k} segment is empty for ${nBars} bars (start ${start}, embargo ${embargo})`);
  }
  return split;
}

/** Options of {@link rollingSplits}. */
export interface RollingOptions {
  /** Train window length in bars (default 2,160 = 90 days of 1h bars). */
  train: number;
  /** Test window length in bars (default 720 = 30 days of 1h bars). */
  test: number;
  /** Bars between consecutive window starts (default = test, so test windows tile without overlap). */
  step: number;
  /** Bars left out between train and test (default 0). */
  embargo: number;
  /** First bar (default 0). */
  start: number;
}

/** One rolling window: train then test, disjoint. */
export interface RollingWindow {
  train: BarRange;
  test: BarRange;
}

/**
 * Default rolling window lengths for a bar frequency: 90 days train and 30
 * days test in bars for 24/7 crypto (2,160 and 720 for 1h), 252 and 63 bars
 * (one year, one quarter) for daily equities.
 */
export function defaultRollingWindows(frequency: Frequency, market: 'equity' | 'crypto'): { train: number; test: number } {
  if (market === 'equity' || frequency === '1d') return market === 'equity' ? { train: 252, test: 63 } : { train: 90, test: 30 };
  const perDay = { '1m': 1440, '5m': 288, '15m': 96, '1h': 24, '4h': 6, '1d': 1 }[frequency];
  return { train: 90 * perDay, test: 30 * perDay };
}

/**
 * Rolling train/test windows over `[start, nBars)`: window k has train
 * `[s, s + train)` and test `[s + train + embargo, s + train + embargo + test)`
 * with `s = start + k * step`, for every k whose test window fits.
 * @throws RangeError for non-positive lengths or when not even one window fits.
 */
export function rollingSplits(nBars: number, options: Partial<RollingOptions> = {}): RollingWindow[] {
  const train = options.train ?? 2160;
  const test = options.test ?? 720;
  const step = options.step ?? test;
  const embargo = options.embargo ?? 0;
  const start = options.start ?? 0;
  for (const [k, v] of Object.entries({ train, test, step }) as [string, number][]) {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`rollingSplits: ${k} must be an integer >= 1, got ${v}`);
  }
  const out: RollingWindow[] = [];
  for (let s = start; s + train + embargo + test <= nBars; s += step) {
    out.push({ train: { start: s, end: s + train }, test: { start: s + train + embargo, end: s + train + embargo + test } });
  }
  if (out.length === 0) throw new RangeError(`rollingSplits: no window of ${train} + ${embargo} + ${test} bars fits in [${start}, ${nBars})`);
  return out;
}

/** Anything with a Sharpe ratio (BacktestMetrics, PortfolioMetrics, ...). */
export interface Scored {
  sharpe: number;
}

/** Output of {@link walkForward}. */
export interface WalkForwardReport<P, S extends Scored> {
  split: WalkForwardSplit;
  /** Parameters fitted on the train segment. */
  params: P;
  train: S;
  validation: S;
  /** Test metrics, computed once, after fitting and validation. */
  test: S;
  /** validation.sharpe / train.sharpe and test.sharpe / train.sharpe. */
  validationToTrain: number;
  testToTrain: number;
  /** True when validation Sharpe > 0 and >= 0.5 x train Sharpe. */
  validationPass: boolean;
}

/**
 * Walk-forward validation: split (default 60/20/20), fit parameters on the
 * train segment only, score them on train and validation, then score the
 * test segment exactly once. The callbacks receive bar ranges; evaluate on a
 * range by passing `{ start, end }` to `backtestSignals` / `simulatePortfolio`
 * (factors computed causally on the whole panel; the account starts flat at `start`).
 *
 * @param fit returns the parameters chosen using bars of `train` only (may be async, e.g. a TPE study)
 * @param evaluate metrics of `params` on a range
 */
export async function walkForward<P, S extends Scored>(opts: {
  nBars: number;
  fit: (train: BarRange) => P | Promise<P>;
  evaluate: (params: P, range: BarRange) => S | Promise<S>;
} & Partial<WalkForwardOptions>): Promise<WalkForwardReport<P, S>> {
  const split = walkForwardSplit(opts.nBars, opts);
  const params = await opts.fit(split.train);
  const train = await opts.evaluate(params, split.train);
  const validation = await opts.evaluate(params, split.validation);
  const test = await opts.evaluate(params, split.test);
  return {
    split,
    params,
    train,
    validation,
    test,
    validationToTrain: validation.sharpe / train.sharpe,
    testToTrain: test.sharpe / train.sharpe,
    validationPass: validation.sharpe > 0 && validation.sharpe >= 0.5 * train.sharpe,
  };
}

/** Output of {@link rollingValidation}. */
export interface RollingReport<P, S extends Scored> {
  /** Per window: its bar ranges, the fitted parameters, train and test metrics. */
  windows: Array<{ window: RollingWindow; params: P; train: S; test: S }>;
  /** Share of windows whose test Sharpe is > 0. */
  positiveShare: number;
  /** positiveShare >= minPositiveShare (default 0.6). */
  pass: boolean;
  meanTrainSharpe: number;
  meanTestSharpe: number;
  /** meanTestSharpe / meanTrainSharpe. */
  sharpeDecay: number;
  /** True when meanTestSharpe < decayThreshold (default 0.5) x meanTrainSharpe: the fit does not carry over. */
  decayFlag: boolean;
}

/**
 * Rolling-window validation: for each window of {@link rollingSplits}, fit on
 * its train range, score train and test. Reports the share of positive test
 * windows (pass at >= 0.6 by default) and the decay of Sharpe from train to
 * test (flagged when mean test < 0.5 x mean train).
 */
export async function rollingValidation<P, S extends Scored>(opts: {
  nBars: number;
  fit: (train: BarRange) => P | Promise<P>;
  evaluate: (params: P, range: BarRange) => S | Promise<S>;
  minPositiveShare?: number;
  decayThreshold?: number;
} & Partial<RollingOptions>): Promise<RollingReport<P, S>> {
  const minShare = opts.minPositiveShare ?? 0.6;
  const thr = opts.decayThreshold ?? 0.5;
  const windows: RollingReport<P, S>['windows'] = [];
  for (const w of rollingSplits(opts.nBars, opts)) {
    const params = await opts.fit(w.train);
    windows.push({ window: w, params, train: await opts.evaluate(params, w.train), test: await opts.evaluate(params, w.test) });
  }
  const pos = windows.filter((w) => w.test.sharpe > 0).length;
  const meanTrain = mean(windows.map((w) => w.train.sharpe));
  const meanTest = mean(windows.map((w) => w.test.sharpe));
  return {
    windows,
    positiveShare: pos / windows.length,
    pass: pos / windows.length >= minShare,
    meanTrainSharpe: meanTrain,
    meanTestSharpe: meanTest,
    sharpeDecay: meanTest / meanTrain,
    decayFlag: meanTest < thr * meanTrain,
  };
}
