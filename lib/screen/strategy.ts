/**
 * The screen for a TUNED strategy: parameters drawn by a study on each train
 * range (lib/backtest `tuneOnRange`, TPE + median pruner), every
 * configuration tried recorded in the one trial store. Two entries share the
 * steps: `screenSignalStrategy` (a signal strategy on the event-aware bar
 * backtester: entries/exits, stops, fees, slippage, funding) and
 * `screenPortfolioStrategy` (a BRAIN-style portfolio whose expression or
 * settings are tuned).
 *
 * Steps, in order (and where each lives):
 * 1. walk-forward 60/20/20 after the warm-up `start` (lib/backtest
 *    `walkForward`): tuned on train (`tuning`: trials, folds, seed), scored
 *    once on validation and test with the train-fitted parameters;
 * 2. rolling windows (lib/backtest `rollingValidation`; lengths from
 *    `rolling`, else the panel's defaults, screen/steps.ts), re-tuned on each
 *    window's train bars (`rolling.nTrials`, `rolling.seed`);
 * 3. every configuration of every study above recorded in the trial store
 *    (lib/factors `FactorStore.recordConfigurations`, table `config_trials`),
 *    under the panel's dataset: the trial count grows by exactly the number
 *    of configurations tried (pruned and failed included);
 * 4. signal strategies: the test segment's trades judged by
 *    `validateSignals` and its stage metrics (lib/backtest);
 * 5. the deflated Sharpe of the test segment's per-bar returns, with the
 *    store's trial count and per-bar Sharpe variance for the dataset
 *    (screen/steps.ts `deflateOutOfSample`, the one DSR);
 * 6. failure classification (classify.ts) from the segments, the rolling
 *    windows and the signal stage. No factor-level validation (IC) here: the
 *    factor changes with the tuned parameters; screen a fixed expression with
 *    `screenExpression` for that. No run before costs either (`sharpeGross`
 *    NaN): the net test Sharpe stands in for the gross one (a lower bound),
 *    so a strategy whose costs eat its edge is reported as
 *    `no_predictive_power`, not `high_turnover`.
 */
import { randomUUID } from 'node:crypto';
import type { Panel } from '../data/panel.js';
import type { DeflatedSharpeResult } from '../stats/index.js';
import { FactorStore } from '../factors/index.js';
import type { Trial } from '../optimize/index.js';
import {
  rollingValidation, signalStageMetrics, tuneOnRange, validateSignals, walkForward,
  type BacktestResult, type BarRange, type RollingReport, type SignalStageMetrics, type SignalThresholds, type TunedConfiguration, type WalkForwardReport,
} from '../backtest/index.js';
import { classifyFailures, DEFAULT_SCREEN_THRESHOLDS, type FailureReason, type ScreenThresholds } from './classify.js';
import { deflateOutOfSample, rollingWindowsFor, splitSharpes } from './steps.js';

/** Metrics a tuned strategy's run reports (annualized Sharpe with its annualization, bars per year). */
export interface TunedMetrics {
  readonly sharpe: number;
  readonly annualization: number;
}

/** A strategy with parameters to tune: how to draw them and how to run them on a bar range. */
export interface TunedStrategy<P, R extends { readonly metrics: TunedMetrics; readonly returns: Float64Array }> {
  /** Study name prefix (stored with each configuration). */
  readonly name: string;
  /** Draws a parameter set from a trial. */
  readonly suggest: (trial: Trial) => P;
  /** Runs the strategy with `params` on `range` only (no bar outside it may be read). */
  readonly run: (params: P, range: BarRange) => R;
}

/** How a tuned strategy is screened. */
export interface TunedScreenSettings {
  /** First usable bar (warm-up of the longest indicator the parameters may ask for). */
  readonly start: number;
  /** The walk-forward study: trials, folds of the train segment (default 3), sampler seed. */
  readonly tuning: { readonly nTrials: number; readonly folds?: number; readonly seed: number };
  /** Rolling windows, each re-tuned: lengths in bars (default the panel's), trials and seed per window; null: no rolling step. */
  readonly rolling?: { readonly train?: number; readonly test?: number; readonly nTrials: number; readonly seed: number; readonly folds?: number } | null;
  /** Classification thresholds (default DEFAULT_SCREEN_THRESHOLDS). */
  readonly thresholds?: ScreenThresholds;
}

/** Where the configurations are recorded. */
export interface TunedScreenContext {
  /** The trial store (default: the project store). */
  readonly store?: FactorStore;
  /** Dataset the trials are counted under (default panel.dataset). */
  readonly dataset?: string;
  /** Source tag of the recorded configurations (default 'screen'). */
  readonly source?: string;
}

/** The outcome of a tuned screen. */
export interface TunedScreenReport<P, R extends { readonly metrics: TunedMetrics; readonly returns: Float64Array }> {
  /** True when no failure rule fired. */
  readonly pass: boolean;
  readonly failures: readonly FailureReason[];
  /** Walk-forward report (params fitted on train; metrics of each segment). */
  readonly walkForward: WalkForwardReport<P, R['metrics']>;
  /** Rolling windows, each re-tuned; null when not run or the panel is too short. */
  readonly rolling: RollingReport<P, R['metrics']> | null;
  /** The run of the train-fitted parameters on the test segment. */
  readonly test: R;
  /** Configurations recorded in the store by this call. */
  readonly configurations: number;
  /** Deflated Sharpe of the test returns with the store's count (every configuration tried on the dataset). */
  readonly deflatedSharpe: DeflatedSharpeResult;
}

/** A screened signal strategy: the tuned report plus the signal stage of the test segment. */
export interface SignalScreenReport<P> extends TunedScreenReport<P, BacktestResult> {
  /** validateSignals on the test segment's trades, and its stage metrics (net and before costs). */
  readonly signal: { readonly pass: boolean; readonly reasons: readonly string[]; readonly metrics: SignalStageMetrics };
}

/** Steps 1-3 and 5 (module header): tune, validate, record every configuration, deflate. */
async function tunedSteps<P, R extends { readonly metrics: TunedMetrics; readonly returns: Float64Array }>(
  strategy: TunedStrategy<P, R>, panel: Panel, settings: TunedScreenSettings, ctx: TunedScreenContext,
): Promise<Omit<TunedScreenReport<P, R>, 'pass' | 'failures'>> {
  const store = ctx.store ?? (await FactorStore.open());
  const dataset = ctx.dataset ?? panel.dataset;
  if (!dataset) throw new RangeError(`screen ${strategy.name}: the panel has no dataset name; pass ctx.dataset (the trials are counted per dataset)`);
  const run = randomUUID().slice(0, 8);
  let configurations = 0;
  let annualization = NaN;
  const fit = (study: string, nTrials: number, seed: number, folds: number | undefined) => async (range: BarRange): Promise<P> => {
    const r = await tuneOnRange<P>({
      range, suggest: strategy.suggest, nTrials, seed, ...(folds !== undefined ? { folds } : {}),
      score: (p, rr) => {
        const m = strategy.run(p, rr).metrics;
        annualization = m.annualization;
        return m.sharpe;
      },
      record: async (tried: TunedConfiguration<P>[]) => {
        configurations += await store.recordConfigurations(tried.map((c) => ({
          dataset, study: `${strategy.name}:${run}:${study}:${range.start}-${range.end}`, number: c.number, params: c.params, state: c.state, objective: c.value, annualization, source: ctx.source ?? 'screen',
        })));
      },
    });
    return r.params;
  };
  const T = panel.times.length;
  const evaluate = (p: P, r: BarRange) => strategy.run(p, r).metrics;
  const wf = await walkForward<P, R['metrics']>({ nBars: T, start: settings.start, fit: fit('wf', settings.tuning.nTrials, settings.tuning.seed, settings.tuning.folds), evaluate });
  const ro = settings.rolling;
  const windows = ro ? rollingWindowsFor(panel, settings.start, ro.train !== undefined && ro.test !== undefined ? { train: ro.train, test: ro.test } : undefined) : null;
  const rolling = ro && windows
    ? await rollingValidation<P, R['metrics']>({ nBars: T, start: settings.start, train: windows.train, test: windows.test, fit: fit('roll', ro.nTrials, ro.seed, ro.folds), evaluate })
    : null;
  const test = strategy.run(wf.params, wf.split.test);
  const stats = await store.trialSharpeStats({ dataset });
  const deflatedSharpe = deflateOutOfSample(test.returns, test.metrics.annualization, { nTrials: stats.nTrials, trialSharpeVariance: stats.variance });
  return { walkForward: wf, rolling, test, configurations, deflatedSharpe };
}

/**
 * Screens a tuned signal strategy (see the module header for the steps):
 * `strategy.run` is a bar backtest (lib/backtest `backtestSignals`).
 * @throws RangeError from the tuner when a train range is too short for its folds; errors of `run`
 */
export async function screenSignalStrategy<P>(strategy: TunedStrategy<P, BacktestResult>, panel: Panel, settings: TunedScreenSettings, ctx: TunedScreenContext = {}): Promise<SignalScreenReport<P>> {
  const th = settings.thresholds ?? DEFAULT_SCREEN_THRESHOLDS;
  const r = await tunedSteps(strategy, panel, settings, ctx);
  const check = validateSignals(r.test, (th.signal ?? {}) as Partial<SignalThresholds>);
  const metrics = signalStageMetrics(r.test);
  const failures = classifyFailures({ expectedSign: 1, rankIc: NaN, sharpeGross: NaN, sharpeNet: r.walkForward.test.sharpe, ...splitSharpes(r.walkForward, r.rolling), signal: metrics }, th);
  return { ...r, pass: failures.length === 0, failures, signal: { pass: check.pass, reasons: check.reasons, metrics } };
}

/**
 * Screens a tuned portfolio strategy (see the module header for the steps):
 * `strategy.run` is a portfolio simulation (lib/backtest `simulatePortfolio`).
 * @throws RangeError from the tuner when a train range is too short for its folds; errors of `run`
 */
export async function screenPortfolioStrategy<P, R extends { readonly metrics: TunedMetrics; readonly returns: Float64Array }>(strategy: TunedStrategy<P, R>, panel: Panel, settings: TunedScreenSettings, ctx: TunedScreenContext = {}): Promise<TunedScreenReport<P, R>> {
  const th = settings.thresholds ?? DEFAULT_SCREEN_THRESHOLDS;
  const r = await tunedSteps(strategy, panel, settings, ctx);
  const failures = classifyFailures({ expectedSign: 1, rankIc: NaN, sharpeGross: NaN, sharpeNet: r.walkForward.test.sharpe, ...splitSharpes(r.walkForward, r.rolling) }, th);
  return { ...r, pass: failures.length === 0, failures };
}
