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
 *    reused by every later step; their cross-sectional breadth on the bars
 *    after warm-up (breadth.ts `factorBreadth`, one pass: share of dates with
 *    2 distinct values, effective breadth of the neutral book), classified
 *    `degenerate_signal` below the thresholds (a cheap-stage rule);
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
import type { DeflatedSharpeResult } from '../stats/index.js';
import { evaluateFactor, openDefaultStore, rankSnapshot, recordFactorTrial, type FactorReport, type FactorStore, type RankSnapshot } from '../factors/index.js';
import {
  portfolioPlan, resolveSignalParams, PORTFOLIO_SETTINGS_KEYS, rollingValidation, runSignalStage, signalEvaluationMetrics, simulateOnPlan, walkForward,
  type BarRange, type PortfolioMetrics, type PortfolioSettings, type RollingReport, type SignalStage,
  type SignalStageParams, type WalkForwardReport,
} from '../backtest/index.js';
import { classifyFailures, DEFAULT_SCREEN_THRESHOLDS, type ClassifyInput, type FailureReason, type ScreenThresholds } from './classify.js';
import { deflateOutOfSample, rollingWindowsFor, splitSharpes } from './steps.js';
import { factorBreadth, type FactorBreadth } from './breadth.js';
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';

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
   * recorded either way (counted in every later deflated Sharpe), but a
   * skipped candidate's rank snapshot is not kept as a redundancy reference:
   * later factors are compared with the ones that reached the full screen,
   * so a mining run's store cost grows with those, not with every candidate.
   * The report lists the stages run in `stages` and the reason in `skipped`.
   * Default false (every stage runs).
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
  /** Cross-sectional breadth of the traded factor on the bars after warm-up (breadth.ts; the `degenerate_signal` rule). */
  readonly breadth?: FactorBreadth;
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

/** Every key of {@link ScreenSettings} (an unknown key is an error). */
export const SCREEN_SETTINGS_KEYS = settingsKeys<ScreenSettings>()(['sign', 'portfolio', 'costBps', 'signal', 'signalFullRange', 'rolling', 'thresholds', 'earlyReject']);
/** Every key of {@link ScreenContext}. */
export const SCREEN_CONTEXT_KEYS = settingsKeys<ScreenContext>()(['store', 'dataset', 'source', 'exprCache', 'notDuplicateOf', 'onProgress']);

/**
 * The part of a screen that needs no store (steps 0-5 and the inputs of 6-7),
 * computed by {@link computeScreen}: plain data (typed arrays, numbers,
 * strings), so it can cross a worker thread (structured clone) or a queue
 * (lib/db `encodeJson`). `screened` false: rejected before any computation
 * (only `expression`, `lookback` and `failures` are set).
 */
export interface ScreenComputation extends Omit<ScreenReport, 'pass' | 'deflatedSharpe'> {
  /** The rejection reasons when not screened, [] otherwise (classification happens in {@link completeScreen}). `factor` is computed without a store (`redundancy` and `deflatedSharpe` null until recorded). */
  readonly failures: readonly FailureReason[];
  /** Rank snapshot of the factor's in-sample values (stored with the trial for later redundancy checks). */
  readonly factorSnapshot?: RankSnapshot;
  /** Net returns of the walk-forward test segment (step 6's input). */
  readonly testReturns?: Float64Array;
}

/**
 * Screens one candidate (see the module comment for the steps). Each call
 * that gets past the rejection checks records exactly one trial in the store
 * (none when the same trial is already stored). Equal to
 * `completeScreen(await computeScreen(...), ...)`.
 * @throws ExprError for an expression that does not parse or names an unknown field; RangeError for bad portfolio settings or values of the wrong length.
 */
export async function screenExpression(candidate: ScreenCandidate, panel: Panel, settings: ScreenSettings = {}, ctx: ScreenContext = {}): Promise<ScreenReport> {
  return completeScreen(await computeScreen(candidate, panel, settings, ctx), panel.assets, settings, ctx);
}

/**
 * Steps 0-5 of the screen, with no store: pure on the panel (the trial is
 * recorded and `ctx.store` is not read; {@link completeScreen} does that).
 * @throws as {@link screenExpression}.
 */
export async function computeScreen(candidate: ScreenCandidate, panel: Panel, settings: ScreenSettings = {}, ctx: ScreenContext = {}): Promise<ScreenComputation> {
  checkSettingsKeys(settings, SCREEN_SETTINGS_KEYS, 'ScreenSettings');
  checkSettingsKeys(settings.portfolio, PORTFOLIO_SETTINGS_KEYS.filter((k) => k !== 'costBps' && k !== 'start' && k !== 'end'), 'ScreenSettings.portfolio');
  checkSettingsKeys(ctx, SCREEN_CONTEXT_KEYS, 'ScreenContext');
  const T = panel.times.length, N = panel.assets.length;
  const costBps = settings.costBps ?? 5;
  const { ast, values: given } = tradedExpression(candidate, settings.sign ?? 1);
  const expression = canonical(ast);
  const lb = lookback(ast);
  const reject = (detail: string): ScreenComputation => ({ screened: false, expression, lookback: lb, failures: [{ kind: 'invalid_expression', detail }] });
  // too little history left for train / validation / test after the warm-up
  if (lb > T / 4) return reject(`lookback ${lb} bars is more than a quarter of the dataset (${T} bars); use shorter windows`);
  try {
    resolveSignalParams(settings.signal);
  } catch (err) {
    return reject(`signal parameters: ${(err as Error).message}`);
  }
  const warm = lb + 1;
  if (given && given.length !== T * N) throw new RangeError(`screenExpression: values have length ${given.length}, expected ${T} x ${N}`);
  const values = given ?? evaluate(ast, panel, ctx.exprCache ? { cache: ctx.exprCache } : {});
  // one pass over the traded values: a factor that barely ranks the assets is `degenerate_signal` (cheap stage, so early rejection sees it)
  const breadth = factorBreadth(values, N, warm, T, panel.universe);

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

  // 3. factor validation on the in-sample bars (train + validation), computed here and recorded by completeScreen
  const rows = { start: warm, end: wf.split.validation.end };
  const factorOpts = { dataset: ctx.dataset ?? panel.dataset, delay: pf.delay as 0 | 1, rows, source: ctx.source ?? 'screen', ...(ctx.exprCache ? { exprCache: ctx.exprCache } : {}) };
  const factor = await evaluateFactor({ expression: ast, values }, panel, { ...factorOpts, store: false });
  const factorSnapshot = rankSnapshot(values.subarray(rows.start * N, rows.end * N), panel.times.subarray(rows.start, rows.end), N);
  ctx.onProgress?.('factor', { rank_ic: factor.rankIc.mean, icir: factor.rankIc.ir, ic_p: factor.rankIc.p, quantile_turnover: (factor.turnover.top + factor.turnover.bottom) / 2, ls_sharpe: factor.longShort.stats.sharpe });

  const testGross = sim(wf.split.test, 0).metrics;
  const full = sim({ start: warm, end: T }, costBps);
  ctx.onProgress?.('backtest', { train_sharpe: wf.train.sharpe, validation_sharpe: wf.validation.sharpe, test_sharpe: wf.test.sharpe, test_gross_sharpe: testGross.sharpe, turnover: full.metrics.turnover });

  // early rejection on the cheap stages (the store's redundancy check and the test DSR come in completeScreen)
  const th = settings.thresholds ?? DEFAULT_SCREEN_THRESHOLDS;
  const testReturns = full.returns.slice(wf.split.test.start - warm, wf.split.test.end - warm);
  const cheapDone: ScreenStage[] = ['evaluate', 'walk_forward', 'factor', 'portfolio', 'deflated_sharpe'];
  const base = { screened: true, expression, lookback: lb, failures: [], start: warm, settings: { ...pf, costBps }, factor, factorSnapshot, walkForward: wf, breadth, testGross, full: full.metrics, testReturns };
  if (settings.earlyReject) {
    const cheapFailures = classifyFailures(cheapInput(factor, wf, testGross, full.metrics, null, undefined, breadth), th);
    const skip = settings.earlyReject === true
      ? (cheapFailures.length ? `cannot pass: ${cheapFailures.map((f) => f.kind).join(', ')}` : null)
      : settings.earlyReject({ factor, walkForward: wf, testGross, full: full.metrics, failures: cheapFailures });
    if (skip !== null) return { ...base, stages: cheapDone, skipped: skip };
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
  const def = rollingWindowsFor(panel, warm, settings.rolling);
  let rolling: RollingReport<null, PortfolioMetrics> | null = null;
  if (def) {
    rolling = await rollingValidation<null, PortfolioMetrics>({ nBars: T, start: warm, train: def.train, test: def.test, fit: () => null, evaluate: (_p, r) => sim(r, costBps).metrics });
    ctx.onProgress?.('rolling', { windows: rolling.windows.length, positive_share: rolling.positiveShare, mean_test_sharpe: rolling.meanTestSharpe });
  }
  return { ...base, rolling, signal, stages: [...cheapDone, 'signal', 'rolling'] };
}

/**
 * The classification input of the stages before the signal stage (rank IC,
 * test Sharpes, turnover, split Sharpes, and redundancy when the store found
 * one); completeScreen adds the signal stage's figures.
 */
function cheapInput(factor: FactorReport, wf: WalkForwardReport<null, PortfolioMetrics>, testGross: PortfolioMetrics, full: PortfolioMetrics, rolling: RollingReport<null, PortfolioMetrics> | null, redundant?: { maxCorrelation: number; correlatedWith: string }, breadth?: FactorBreadth): ClassifyInput {
  return {
    expectedSign: 1, // the traded factor already carries the sign
    rankIc: factor.rankIc.mean,
    rankIcP: factor.rankIc.p,
    sharpeGross: testGross.sharpe,
    sharpeNet: wf.test.sharpe,
    turnover: full.turnover,
    ...splitSharpes(wf, rolling),
    ...(redundant ?? {}),
    ...(breadth ? { breadth } : {}),
  };
}

/**
 * Steps 3 (the trial store half: redundancy against the stored factors, the
 * factor's deflated Sharpe, one trial written; lib/factors
 * `recordFactorTrial`), 6 (the deflated Sharpe of the test segment's net
 * returns with the store's trial count) and 7 (classification) of a
 * computation from {@link computeScreen} on a panel with these `assets`.
 * With `ctx.store === false` nothing is recorded and the store-dependent
 * parts stay null. Run by the store's single writer, in candidate order, this
 * gives the same trial rows as {@link screenExpression} on each candidate in turn.
 * @throws Error from DuckDB.
 */
export async function completeScreen(c: ScreenComputation, assets: readonly string[], settings: ScreenSettings = {}, ctx: ScreenContext = {}): Promise<ScreenReport> {
  if (!c.screened) return { screened: false, pass: false, expression: c.expression, lookback: c.lookback, failures: c.failures };
  const th = settings.thresholds ?? DEFAULT_SCREEN_THRESHOLDS;
  const store = ctx.store === undefined ? await openDefaultStore() : ctx.store;
  // a trial already stored (same factor, period, settings, data) comes back from the store with cached: true and is not counted again
  // an early-rejected candidate is a trial, not a reference factor: its snapshot is not kept for later redundancy checks (lib/factors recordFactorTrial)
  const factor = store ? await recordFactorTrial(store, { ...c.factor! }, c.factorSnapshot!, assets, { keepSnapshot: c.skipped === undefined }) : c.factor!;
  const wf = c.walkForward!, testGross = c.testGross!, full = c.full!, signal = c.signal, rolling = c.rolling ?? null;

  // 6. deflated Sharpe of the out-of-sample net returns with the store's trial count
  const ds = factor.deflatedSharpe;
  const deflated = ds ? deflateOutOfSample(c.testReturns!, full.annualization, ds) : null;

  // 7. classification (the cheap stages' rules only when early rejection skipped the signal stage and rolling windows)
  const red = factor.redundancy;
  const redundantWithOther = red && red.withId && !(ctx.notDuplicateOf?.has(red.withId) ?? false) && red.withId !== factor.factor.id;
  const input = cheapInput(factor, wf, testGross, full, rolling, redundantWithOther ? { maxCorrelation: red.maxAbsCorr, correlatedWith: red.with ?? red.withId ?? '?' } : undefined, c.breadth);
  const failures = classifyFailures(signal ? { ...input, signal: signal.test } : input, th);
  return {
    screened: true, pass: !c.skipped && failures.length === 0, expression: c.expression, lookback: c.lookback, failures, start: c.start!, settings: c.settings!,
    factor, walkForward: wf, ...(c.breadth ? { breadth: c.breadth } : {}), testGross, full, ...(signal ? { rolling, signal } : {}), deflatedSharpe: deflated,
    ...(c.stages ? { stages: c.stages } : {}), ...(c.skipped !== undefined ? { skipped: c.skipped } : {}),
  };
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
