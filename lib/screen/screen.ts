/**
 * The one candidate screen: `screenExpression(candidate, panel, settings, ctx)`
 * runs a factor through every honest check the project has and says why it
 * fails. The LLM loop (lib/agent), miners, BRAIN parity and notebooks call it;
 * it imports nothing from lib/agent.
 *
 * Steps, in order (and where each lives):
 * 0. the candidate: an expression (source or AST, parsed once here), or an
 *    expression with its values already computed; the traded factor is
 *    `sign x expression`, negated on the AST (lib/expr `negate`, mutate.ts) so
 *    its canonical id is the one the trial store keys on; the warm-up is the
 *    expression's lookback (lib/expr `lookback`); a lookback over a quarter
 *    of the panel, or bad signal settings, reject it as `invalid_expression`
 *    before anything is computed or counted;
 * 1. the values, computed once (lib/expr `evaluate`, shared ExprCache) and
 *    reused by every later step;
 * 2. the walk-forward split of the bars after warm-up, 60/20/20
 *    (lib/backtest `walkForward`, validation.ts), each segment scored with the
 *    BRAIN-style portfolio with costs (lib/backtest `simulatePortfolio`,
 *    portfolio.ts, read from one `portfolioPlan` per candidate): delay, decay, neutralization, truncation, costs in bps of
 *    traded notional; the test segment also before costs;
 * 3. factor validation on the in-sample bars (train + validation) with
 *    lib/factors `evaluateFactor` (evaluate.ts): IC / Rank IC, quantiles,
 *    turnover, redundancy against the stored factors, one trial recorded in
 *    the one trial store (a repeat of the same trial is read from the store's
 *    cache and not counted twice);
 * 4. the signal stage: quantile entry/exit rules on the traded factor,
 *    backtested on the test segment with the same costs and judged by
 *    `validateSignals` (lib/backtest `runSignalStage`, signal-stage.ts);
 * 5. rolling windows (lib/backtest `rollingValidation`; one year / one
 *    quarter for daily equities, 90 / 30 days for crypto by default);
 * 6. the deflated Sharpe ratio of the test segment's net returns, with the
 *    trial count and the trial Sharpe variance of the store
 *    (lib/stats `deflatedSharpeReport`, the one DSR);
 * 7. failure classification ({@link classifyFailures}, classify.ts): a
 *    candidate passes when no rule fires, the signal stage included.
 */
import type { Panel } from '../data/panel.js';
import { evaluate, lookback, negate, parse, canonical, type Expr, type ExprCache } from '../expr/index.js';
import { deflatedSharpeReport, type DeflatedSharpeResult } from '../stats/index.js';
import { evaluateFactor, type FactorReport, type FactorStore } from '../factors/index.js';
import {
  defaultRollingWindows, portfolioPlan, resolveSignalParams, rollingValidation, runSignalStage, signalEvaluationMetrics, simulateOnPlan, walkForward,
  type BarRange, type PortfolioMetrics, type PortfolioSettings, type RollingReport, type SignalStage,
  type SignalStageParams, type WalkForwardReport,
} from '../backtest/index.js';
import { classifyFailures, DEFAULT_SCREEN_THRESHOLDS, type FailureReason, type ScreenThresholds } from './classify.js';

/** A candidate: an expression (source or AST), or an expression with its values (dates x assets of the whole panel) already computed. */
export type ScreenCandidate = string | Expr | { readonly expression: string | Expr; readonly values: Float64Array };

/** What the screen trades and how it is judged. */
export interface ScreenSettings {
  /** +1 trades the expression as written, -1 its negation (the claimed sign of its IC). Default +1. */
  readonly sign?: 1 | -1;
  /** BRAIN-style portfolio settings (delay, decay, neutralization, truncation, ...); `costBps`, `start` and `end` are set by the screen. */
  readonly portfolio?: Partial<Omit<PortfolioSettings, 'costBps' | 'start' | 'end'>>;
  /** Transaction cost in bps of traded notional, in the portfolio and the signal stage. Default 5. */
  readonly costBps?: number;
  /** Signal-stage parameters (quantile, exit quantile, sides); defaults DEFAULT_SIGNAL_PARAMS. */
  readonly signal?: SignalStageParams;
  /** Also run the signal backtest on all bars after warm-up (information, not used for the pass). Default true. */
  readonly signalFullRange?: boolean;
  /** Rolling window lengths in bars (default lib/backtest defaultRollingWindows for the panel). */
  readonly rolling?: { readonly train: number; readonly test: number };
  /** Classification thresholds. Default {@link DEFAULT_SCREEN_THRESHOLDS}. */
  readonly thresholds?: ScreenThresholds;
  /**
   * Early rejection: after the cheap stages (values, walk-forward, factor
   * validation with its trial, gross and full-range portfolios, deflated
   * Sharpe) skip the expensive ones (signal stage, rolling windows) for a
   * candidate that cannot pass. `true`: skip when a classification rule
   * already fires on the cheap stages' figures (then `pass` is false either
   * way); a function: a custom gate (e.g. a miner's hopeful gates on `full`)
   * returning the reason to skip, or null to run every stage. The trial is
   * recorded either way; the report lists the stages run in `stages` and the
   * reason in `skipped`. Default false (every stage runs).
   */
  readonly earlyReject?: boolean | ((cheap: ScreenCheapStages) => string | null);
}

/** The figures of the cheap stages handed to an early-rejection gate (see {@link ScreenSettings.earlyReject}). */
export interface ScreenCheapStages {
  readonly factor: FactorReport;
  readonly walkForward: WalkForwardReport<null, PortfolioMetrics>;
  readonly testGross: PortfolioMetrics;
  readonly full: PortfolioMetrics;
  /** Failure rules that already fire without the signal stage and the rolling windows. */
  readonly failures: readonly FailureReason[];
}

/** The screen's stages, in the order they run (the names in {@link ScreenReport.stages}). */
export type ScreenStage = 'evaluate' | 'walk_forward' | 'factor' | 'portfolio' | 'deflated_sharpe' | 'signal' | 'rolling';

/** Where the screen records and what it may reuse. */
export interface ScreenContext {
  /** Trial store (lib/factors). Default: the project store; `false`: record nothing (tests). */
  readonly store?: FactorStore | false;
  /** Dataset name recorded with the trial (default panel.dataset). */
  readonly dataset?: string;
  /** Tag stored with the trial (e.g. 'llm-loop', 'miner', 'notebook'). Default 'screen'. */
  readonly source?: string;
  /** Expression results shared across screens on the same panel. */
  readonly exprCache?: ExprCache;
  /** Canonical factor ids not counted as duplicates (e.g. the candidate's ancestors). */
  readonly notDuplicateOf?: ReadonlySet<string>;
  /** Called with partial metrics after each stage (progress display). */
  readonly onProgress?: (stage: string, metrics: Readonly<Record<string, number>>) => void;
}

/**
 * The outcome of {@link screenExpression}. `screened` false: rejected before
 * any computation (only `pass`, `expression`, `lookback` and `failures` are
 * set, the rest undefined; no trial recorded).
 */
export interface ScreenReport {
  /** False when the candidate was rejected before evaluation. */
  readonly screened: boolean;
  /** True when no failure rule fired. */
  readonly pass: boolean;
  /** Canonical traded expression (sign applied): the trial's factor id. */
  readonly expression: string;
  /** Warm-up of the traded expression in bars (lib/expr lookback). */
  readonly lookback: number;
  /** Failure reasons, [] when it passes. */
  readonly failures: readonly FailureReason[];
  /** First bar screened (lookback + 1). */
  readonly start?: number;
  /** Portfolio settings used (costBps included). */
  readonly settings?: Partial<PortfolioSettings>;
  /** Factor validation on the in-sample bars (train + validation), with the store's redundancy and deflated Sharpe of the factor. */
  readonly factor?: FactorReport;
  /** Walk-forward report of the portfolio, net of costs. */
  readonly walkForward?: WalkForwardReport<null, PortfolioMetrics>;
  /** Test segment before costs. */
  readonly testGross?: PortfolioMetrics;
  /** All bars after warm-up, net of costs. */
  readonly full?: PortfolioMetrics;
  /** Rolling windows, or null when the panel is too short for one window. */
  readonly rolling?: RollingReport<null, PortfolioMetrics> | null;
  /** The signal stage (test segment; full range for the record). */
  readonly signal?: SignalStage;
  /** Deflated Sharpe of the test segment's net returns with the store's trial count; null without a store. */
  readonly deflatedSharpe?: DeflatedSharpeResult | null;
  /** Stages run, in order (a screened candidate without early rejection runs all seven). */
  readonly stages?: readonly ScreenStage[];
  /** Why the signal stage and rolling windows were skipped (early rejection); absent when they ran. `signal` and `rolling` are then undefined and `failures` holds the cheap stages' reasons only. */
  readonly skipped?: string;
}

const portfolioMetrics = (m: PortfolioMetrics): Record<string, number> => ({
  sharpe: m.sharpe, returns: m.returns, book_return: m.bookReturn, annual_volatility: m.annualVolatility, turnover: m.turnover, max_drawdown: m.maxDrawdown, fitness: m.fitness, margin: m.margin, sortino: m.sortino,
});

/** Parses a candidate once and applies the sign on the AST. */
function tradedExpression(c: ScreenCandidate, sign: 1 | -1): { ast: Expr; values?: Float64Array } {
  const src = typeof c === 'string' || 'type' in c ? c : c.expression;
  const ast = typeof src === 'string' ? parse(src) : src;
  const values = typeof c === 'string' || 'type' in c ? undefined : c.values;
  if (sign > 0) return { ast, ...(values ? { values } : {}) };
  return { ast: negate(ast), ...(values ? { values: values.map((v) => -v) } : {}) };
}

/**
 * Screens one candidate (see the module comment for the steps). Each call
 * that gets past the rejection checks records exactly one trial in the store
 * (none when the same trial is already stored).
 * @throws ExprError for an expression that does not parse or names an unknown field; RangeError for bad portfolio settings or values of the wrong length.
 */
export async function screenExpression(candidate: ScreenCandidate, panel: Panel, settings: ScreenSettings = {}, ctx: ScreenContext = {}): Promise<ScreenReport> {
  const T = panel.times.length;
  const th = settings.thresholds ?? DEFAULT_SCREEN_THRESHOLDS;
  const costBps = settings.costBps ?? 5;
  const { ast, values: given } = tradedExpression(candidate, settings.sign ?? 1);
  const expression = canonical(ast);
  const lb = lookback(ast);
  const reject = (detail: string): ScreenReport => ({ screened: false, pass: false, expression, lookback: lb, failures: [{ kind: 'invalid_expression', detail }] });
  // too little history left for train / validation / test after the warm-up
  if (lb > T / 4) return reject(`lookback ${lb} bars is more than a quarter of the dataset (${T} bars); use shorter windows`);
  try {
    resolveSignalParams(settings.signal);
  } catch (err) {
    return reject(`signal parameters: ${(err as Error).message}`);
  }
  const warm = lb + 1;
  if (given && given.length !== T * panel.assets.length) throw new RangeError(`screenExpression: values have length ${given.length}, expected ${T} x ${panel.assets.length}`);
  const values = given ?? evaluate(ast, panel, ctx.exprCache ? { cache: ctx.exprCache } : {});

  // 2. walk-forward on the bars after warm-up, BRAIN-style portfolio with costs
  const pf: Partial<PortfolioSettings> = {
    ...settings.portfolio,
    delay: (settings.portfolio?.delay ?? 1) >= 1 ? 1 : 0,
    ...(settings.portfolio?.neutralization === 'group' && !panel.groups?.[settings.portfolio.group ?? 'sector'] ? { neutralization: 'market' as const } : {}),
  };
  // one cost-free plan over every bar after warm-up; each segment and window is read from it (bit-identical to simulatePortfolio per range)
  const plan = portfolioPlan(values, panel, { ...pf, costBps, start: warm, end: T });
  const sim = (range: BarRange, cost: number) => simulateOnPlan(plan, { costBps: cost, start: range.start, end: range.end });
  const wf = await walkForward<null, PortfolioMetrics>({ nBars: T, start: warm, fit: () => null, evaluate: (_p, r) => sim(r, costBps).metrics });

  // 3. factor validation on the in-sample bars (train + validation): one trial in the store
  const factor = await evaluateFactor({ expression: ast, values }, panel, {
    ...(ctx.store === undefined ? {} : { store: ctx.store }),
    dataset: ctx.dataset ?? panel.dataset,
    delay: pf.delay as 0 | 1,
    rows: { start: warm, end: wf.split.validation.end },
    source: ctx.source ?? 'screen',
    ...(ctx.exprCache ? { exprCache: ctx.exprCache } : {}),
  });
  ctx.onProgress?.('factor', { rank_ic: factor.rankIc.mean, icir: factor.rankIc.ir, ic_p: factor.rankIc.p, quantile_turnover: (factor.turnover.top + factor.turnover.bottom) / 2, ls_sharpe: factor.longShort.stats.sharpe });

  const testGross = sim(wf.split.test, 0).metrics;
  const full = sim({ start: warm, end: T }, costBps);
  ctx.onProgress?.('backtest', { train_sharpe: wf.train.sharpe, validation_sharpe: wf.validation.sharpe, test_sharpe: wf.test.sharpe, test_gross_sharpe: testGross.sharpe, turnover: full.metrics.turnover });

  // 6. deflated Sharpe of the out-of-sample net returns with the store's trial count
  const ds = factor.deflatedSharpe;
  const oos = full.returns.subarray(wf.split.test.start - warm, wf.split.test.end - warm);
  const deflated = ds ? deflatedSharpeReport({ returns: oos, annualization: full.metrics.annualization, nTrials: ds.nTrials, trialSharpeVariance: ds.trialSharpeVariance }) : null;

  // 7. classification (built on the cheap stages first, for early rejection)
  const red = factor.redundancy;
  const redundantWithOther = red && red.withId && !(ctx.notDuplicateOf?.has(red.withId) ?? false) && red.withId !== factor.factor.id;
  const cheapInput = {
    expectedSign: 1 as const, // the traded factor already carries the sign
    rankIc: factor.rankIc.mean,
    rankIcP: factor.rankIc.p,
    sharpeGross: testGross.sharpe,
    sharpeNet: wf.test.sharpe,
    turnover: full.metrics.turnover,
    trainSharpe: wf.train.sharpe,
    testSharpe: wf.test.sharpe,
    validationSharpe: wf.validation.sharpe,
    ...(redundantWithOther ? { maxCorrelation: red.maxAbsCorr, correlatedWith: red.with ?? red.withId ?? '?' } : {}),
  };
  const cheapDone: ScreenStage[] = ['evaluate', 'walk_forward', 'factor', 'portfolio', 'deflated_sharpe'];
  const base = { screened: true, expression, lookback: lb, start: warm, settings: { ...pf, costBps }, factor, walkForward: wf, testGross, full: full.metrics, deflatedSharpe: deflated };
  if (settings.earlyReject) {
    const cheapFailures = classifyFailures(cheapInput, th);
    const skip = settings.earlyReject === true
      ? (cheapFailures.length ? `cannot pass: ${cheapFailures.map((f) => f.kind).join(', ')}` : null)
      : settings.earlyReject({ factor, walkForward: wf, testGross, full: full.metrics, failures: cheapFailures });
    if (skip !== null) return { ...base, pass: false, failures: cheapFailures, stages: cheapDone, skipped: skip };
  }

  // 4. signal stage on the test segment
  const signal = runSignalStage(panel, values, {
    params: { ...settings.signal, delay: pf.delay! },
    costBps,
    range: wf.split.test,
    ...(settings.signalFullRange === false ? {} : { fullRange: { start: warm, end: T } }),
    ...(th.signal ? { thresholds: th.signal } : {}),
  });
  ctx.onProgress?.('signal', { trades: signal.test.nTrades, win_rate: signal.test.winRate, profit_factor: signal.test.profitFactor, gross_profit_factor: signal.test.grossProfitFactor, expectancy_bps: signal.test.expectancy * 1e4, signals_per_1000_bars: signal.test.signalsPer1000Bars });

  // 5. rolling windows
  const def = settings.rolling ?? defaultRollingWindows(panel.frequency, panel.market);
  let rolling: RollingReport<null, PortfolioMetrics> | null = null;
  if (warm + def.train + def.test <= T) {
    rolling = await rollingValidation<null, PortfolioMetrics>({ nBars: T, start: warm, train: def.train, test: def.test, fit: () => null, evaluate: (_p, r) => sim(r, costBps).metrics });
    ctx.onProgress?.('rolling', { windows: rolling.windows.length, positive_share: rolling.positiveShare, mean_test_sharpe: rolling.meanTestSharpe });
  }

  const failures = classifyFailures({ ...cheapInput, ...(rolling ? { windowSharpes: rolling.windows.map((w) => w.test.sharpe) } : {}), signal: signal.test }, th);
  return { ...base, pass: failures.length === 0, failures, rolling, signal, stages: [...cheapDone, 'signal', 'rolling'] };
}

/** One row of {@link screenSplitMetrics}: a split name and its metrics (NaN where not measured). */
export interface ScreenSplitMetrics {
  readonly split: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * The report as flat per-split metric records (for a knowledge base or a
 * table): `factor_in_sample` (IC, Rank IC and its ICIR / t / p, quantile
 * spread, monotonicity, quantile turnover, the factor's raw top-minus-bottom
 * long-short Sharpe `ls_sharpe`, the factor DSR and trial count, max
 * correlation), `train` / `validation` / `test` / `full` (portfolio, net of
 * costs; test also `gross_sharpe`), `signal` / `signal_full`, `rolling` and
 * one `roll_kk` per window (signal and rolling rows absent when early rejection skipped them). [] for a rejected candidate.
 */
export function screenSplitMetrics(r: ScreenReport): ScreenSplitMetrics[] {
  if (!r.screened) return [];
  const factor = r.factor!, wf = r.walkForward!, signal = r.signal, rolling = r.rolling;
  const ds = factor.deflatedSharpe, red = factor.redundancy;
  const out: ScreenSplitMetrics[] = [
    { split: 'factor_in_sample', metrics: { ic: factor.ic.mean, rank_ic: factor.rankIc.mean, rank_icir: factor.rankIc.ir, rank_ic_t: factor.rankIc.t, rank_ic_p: factor.rankIc.p, spread: factor.quantiles.spread, monotonicity: factor.quantiles.monotonicity, quantile_turnover: (factor.turnover.top + factor.turnover.bottom) / 2, ls_sharpe: factor.longShort.stats.sharpe, dsr_factor: ds?.dsr ?? NaN, trials: ds?.nTrials ?? NaN, max_corr: red?.maxAbsCorr ?? NaN } },
    { split: 'train', metrics: portfolioMetrics(wf.train) },
    { split: 'validation', metrics: portfolioMetrics(wf.validation) },
    { split: 'test', metrics: { ...portfolioMetrics(wf.test), gross_sharpe: r.testGross!.sharpe } },
    { split: 'full', metrics: portfolioMetrics(r.full!) },
    ...(signal ? [{ split: 'signal', metrics: signalEvaluationMetrics(signal.test, signal.pass) }] : []),
    ...(signal?.full ? [{ split: 'signal_full', metrics: signalEvaluationMetrics(signal.full) }] : []),
  ];
  if (rolling) {
    out.push({ split: 'rolling', metrics: { windows: rolling.windows.length, positive_share: rolling.positiveShare, mean_train_sharpe: rolling.meanTrainSharpe, mean_test_sharpe: rolling.meanTestSharpe, sharpe_decay: rolling.sharpeDecay } });
    rolling.windows.forEach((w, k) => out.push({ split: `roll_${String(k).padStart(2, '0')}`, metrics: { train_sharpe: w.train.sharpe, test_sharpe: w.test.sharpe } }));
  }
  return out;
}

/**
 * The headline numbers of a report (progress lines, the knowledge base):
 * in-sample Rank IC, turnover, train / test net Sharpe, test fitness, rolling
 * positive share, the test DSR and trial count, signal trades / profit factor
 * / win rate. For a rejected candidate only its lookback.
 */
export function screenHeadline(r: ScreenReport): Record<string, number> {
  if (!r.screened) return { lookback: r.lookback };
  const wf = r.walkForward!, signal = r.signal;
  return {
    rank_ic: r.factor!.rankIc.mean,
    turnover: r.full!.turnover,
    train_sharpe: wf.train.sharpe,
    test_sharpe: wf.test.sharpe,
    fitness: wf.test.fitness,
    ...(r.rolling ? { positive_windows: r.rolling.positiveShare } : {}),
    ...(r.deflatedSharpe ? { dsr: r.deflatedSharpe.dsr, trials: r.deflatedSharpe.nTrials } : {}),
    ...(signal ? { signal_trades: signal.test.nTrades, signal_pf: signal.test.profitFactor, signal_win_rate: signal.test.winRate } : {}),
  };
}
