/**
 * The real hypothesis tester, built on the modules of issues 3-5:
 * 1. factor validation with lib/factors `evaluateFactor` on the in-sample
 *    bars (train + validation segments), recorded in the trial store (so the
 *    deflated Sharpe counts every trial of the search; a re-test after a crash
 *    hits the store's cache and is not counted twice);
 * 2. the strategy backtest with lib/backtest `simulatePortfolio` (BRAIN
 *    settings from the hypothesis: delay, decay, neutralization, truncation;
 *    costs in bps of traded notional), gross and net;
 * 3. the signal backtest ({@link runSignalStage}, signal.ts): long the top
 *    quantile / short the bottom quantile of the traded factor (hypothesis
 *    params `signalQuantile`, `exitQuantile`, `signalSides`; default quintiles,
 *    exit when membership ends), lib/backtest `backtestSignals` with the same
 *    costs, judged by `validateSignals` (trades, win rate, profit factor,
 *    signal frequency) on the walk-forward test segment; also run on all bars
 *    after warm-up for the record;
 * 4. walk-forward (60/20/20 train/validation/test, `walkForward`) and rolling
 *    windows (`rollingValidation`, one year train / one quarter test for daily
 *    equities, 90/30 days for crypto), both starting after the expression's
 *    warm-up (lib/expr `lookback`);
 * 5. classification ({@link classifyFailures}) on in-sample Rank IC, test
 *    segment gross / net Sharpe, train vs test, rolling test windows,
 *    redundancy against the stored factors (ancestors excluded) and the
 *    signal stage ({@link classifySignal}). A hypothesis passes when no rule
 *    fires, so the signal stage is part of the pass.
 * The traded factor is `expectedSign * expression`: the hypothesis' claim.
 * Passing hypotheses are exported with lib/backtest `exportStrategy`.
 */
import { formatTime, type Panel } from '../data/panel.js';
import { evaluate, lookback, ExprCache } from '../expr/index.js';
import { evaluateFactor, type FactorReport, type FactorStore } from '../factors/index.js';
import {
  defaultRollingWindows, deflatedSharpeReport, exportStrategy, rollingValidation, simulatePortfolio, walkForward,
  type BarRange, type PortfolioMetrics, type PortfolioSettings, type RollingReport, type WalkForwardReport,
} from '../backtest/index.js';
import { classifyFailures, DEFAULT_THRESHOLDS, type Thresholds } from './classify.js';
import { resolveSignalParams, runSignalStage, signalEvaluationMetrics, signalRules } from './signal.js';
import type { Hypothesis, HypothesisTester, SignalStage, SplitEvaluation, TestContext, TestOutcome } from './types.js';

/** Options of {@link EngineTester}. */
export interface EngineTesterOptions {
  /** The dataset. */
  readonly panel: Panel;
  /** Dataset name recorded with trials (default panel.dataset). */
  readonly dataset?: string;
  /** Trial store (lib/factors). Default: the project store; `false`: do not record trials (tests). */
  readonly store?: FactorStore | false;
  /** Transaction cost in bps of traded notional. Default 5. */
  readonly costBps?: number;
  /** Classification thresholds (signal-stage thresholds in `thresholds.signal`). Default {@link DEFAULT_THRESHOLDS}. */
  readonly thresholds?: Thresholds;
  /** Also run the signal backtest on all bars after warm-up (recorded as split 'signal_full'; not used for the pass). Default true. */
  readonly signalFullRange?: boolean;
  /** Root folder of exported strategies. Default `<project>/strategies`. */
  readonly strategiesDir?: string;
  /** Rolling window lengths in bars (default defaultRollingWindows for the panel). */
  readonly rolling?: { readonly train: number; readonly test: number };
  /** Tag stored with the trials. Default 'llm-loop'. */
  readonly source?: string;
  /** Canonical expressions of a hypothesis' ancestors (excluded from the duplicate check). Default: none. */
  readonly ancestors?: (h: Hypothesis) => Promise<readonly string[]>;
}

interface Detail {
  factor: FactorReport;
  wf: WalkForwardReport<null, PortfolioMetrics>;
  rolling: RollingReport<null, PortfolioMetrics> | null;
  settings: Partial<PortfolioSettings>;
  traded: string;
  start: number;
  dsr: ReturnType<typeof deflatedSharpeReport> | null;
  signal: SignalStage | null;
}

const pick = (m: PortfolioMetrics): Record<string, number> => ({
  sharpe: m.sharpe, annual_return: m.annualReturn, annual_volatility: m.annualVolatility, turnover: m.turnover, max_drawdown: m.maxDrawdown, fitness: m.fitness, margin: m.margin, sortino: m.sortino,
});

/** A {@link HypothesisTester} running the project's validation pipeline on one panel. */
export class EngineTester implements HypothesisTester {
  readonly fields: readonly string[];
  private readonly details = new Map<string, Detail>();
  /** Expression results shared by the evaluations of this tester (256 MiB LRU). */
  private readonly cache = new ExprCache(256 * 1024 * 1024);

  constructor(private readonly opts: EngineTesterOptions) {
    this.fields = Object.keys(opts.panel.fields);
  }

  /** The expression traded for a hypothesis: the first expression times its expected sign. */
  static traded(h: Pick<Hypothesis, 'expressions' | 'expectedSign'>): string {
    return h.expectedSign > 0 ? h.expressions[0]! : `-1 * (${h.expressions[0]!})`;
  }

  /** @inheritdoc */
  async test(h: Hypothesis, ctx: TestContext = {}): Promise<TestOutcome> {
    const panel = this.opts.panel;
    const T = panel.times.length;
    const th = this.opts.thresholds ?? DEFAULT_THRESHOLDS;
    const costBps = this.opts.costBps ?? 5;
    const traded = EngineTester.traded(h);
    const lb = lookback(traded);
    if (lb > T / 4) {
      // too little history left for train / validation / test after the warm-up
      return { pass: false, sharpe: NaN, headline: { lookback: lb }, grade: '', evaluations: [], failures: [{ kind: 'invalid_expression', detail: `lookback ${lb} bars is more than a quarter of the dataset (${T} bars); use shorter windows` }] };
    }
    try {
      resolveSignalParams(h.params);
    } catch (err) {
      return { pass: false, sharpe: NaN, headline: {}, grade: '', evaluations: [], failures: [{ kind: 'invalid_expression', detail: `signal parameters: ${(err as Error).message}` }] };
    }
    const warm = lb + 1;
    const values = evaluate(traded, panel, { cache: this.cache });

    // walk-forward split of the bars after warm-up
    const settings: Partial<PortfolioSettings> = {
      delay: h.params.delay >= 1 ? 1 : 0,
      decay: h.params.decay,
      neutralization: h.params.neutralization === 'group' && !panel.groups?.sector ? 'market' : h.params.neutralization,
      truncation: h.params.truncation,
    };
    const sim = (range: BarRange, cost: number) => simulatePortfolio(values, panel, { ...settings, costBps: cost, start: range.start, end: range.end });
    const wf = await walkForward<null, PortfolioMetrics>({ nBars: T, start: warm, fit: () => null, evaluate: (_p, r) => sim(r, costBps).metrics });

    // 1. factor validation on the in-sample bars (train + validation)
    const inSampleEnd = wf.split.validation.end - 1;
    const factor = await evaluateFactor(traded, panel, {
      store: this.opts.store === undefined ? undefined : this.opts.store,
      dataset: this.opts.dataset ?? panel.dataset,
      delay: settings.delay as 0 | 1,
      period: { start: panel.times[warm]!, end: panel.times[inSampleEnd]! },
      source: this.opts.source ?? 'llm-loop',
      exprCache: this.cache,
    });
    ctx.onProgress?.('factor', { rank_ic: factor.rankIc.mean, icir: factor.rankIc.ir, ic_p: factor.rankIc.p, quantile_turnover: (factor.turnover.top + factor.turnover.bottom) / 2, ls_sharpe: factor.longShort.stats.sharpe });

    // 2. strategy backtest, test segment gross and net
    const testGross = sim(wf.split.test, 0).metrics;
    const full = sim({ start: warm, end: T }, costBps);
    ctx.onProgress?.('backtest', { train_sharpe: wf.train.sharpe, validation_sharpe: wf.validation.sharpe, test_sharpe: wf.test.sharpe, test_gross_sharpe: testGross.sharpe, turnover: full.metrics.turnover });

    // 3. signal backtest: quantile entry/exit rules, same costs, validated on the test segment
    const signal = runSignalStage(panel, values, {
      params: h.params,
      costBps,
      range: wf.split.test,
      ...(this.opts.signalFullRange === false ? {} : { fullRange: { start: warm, end: T } }),
      ...(th.signal ? { thresholds: th.signal } : {}),
    });
    ctx.onProgress?.('signal', { trades: signal.test.nTrades, win_rate: signal.test.winRate, profit_factor: signal.test.profitFactor, gross_profit_factor: signal.test.grossProfitFactor, expectancy_bps: signal.test.expectancy * 1e4, signals_per_1000_bars: signal.test.signalsPer1000Bars });

    // 4. rolling windows
    const def = this.opts.rolling ?? defaultRollingWindows(panel.frequency, panel.market);
    let rolling: Detail['rolling'] = null;
    if (warm + def.train + def.test <= T) {
      rolling = await rollingValidation<null, PortfolioMetrics>({ nBars: T, start: warm, train: def.train, test: def.test, fit: () => null, evaluate: (_p, r) => sim(r, costBps).metrics });
      ctx.onProgress?.('rolling', { windows: rolling.windows.length, positive_share: rolling.positiveShare, mean_test_sharpe: rolling.meanTestSharpe });
    }

    // deflated Sharpe of the out-of-sample net returns with the store's trial count
    const ds = factor.deflatedSharpe;
    const oos = full.returns.subarray(wf.split.test.start - warm, wf.split.test.end - warm);
    const dsr = ds ? deflatedSharpeReport({ returns: oos, annualization: full.metrics.annualization, nTrials: ds.nTrials, trialSharpeVariance: ds.trialSharpeVariance }) : null;

    // 5. classification
    const ancestors = this.opts.ancestors ? new Set(await this.opts.ancestors(h)) : new Set<string>();
    const red = factor.redundancy;
    const redundantWithOther = red && red.withId && !ancestors.has(red.withId) && red.withId !== factor.factor.id;
    const failures = classifyFailures(
      {
        expectedSign: 1, // the traded factor already carries the expected sign
        rankIc: factor.rankIc.mean,
        rankIcP: factor.rankIc.p,
        sharpeGross: testGross.sharpe,
        sharpeNet: wf.test.sharpe,
        turnover: full.metrics.turnover,
        trainSharpe: wf.train.sharpe,
        testSharpe: wf.test.sharpe,
        validationSharpe: wf.validation.sharpe,
        ...(rolling ? { windowSharpes: rolling.windows.map((w) => w.test.sharpe) } : {}),
        ...(redundantWithOther ? { maxCorrelation: red.maxAbsCorr, correlatedWith: red.with ?? red.withId ?? '?' } : {}),
        signal: signal.test,
      },
      th,
    );
    const evaluations: SplitEvaluation[] = [
      { split: 'factor_in_sample', metrics: { ic: factor.ic.mean, rank_ic: factor.rankIc.mean, rank_icir: factor.rankIc.ir, rank_ic_t: factor.rankIc.t, rank_ic_p: factor.rankIc.p, spread: factor.quantiles.spread, monotonicity: factor.quantiles.monotonicity, quantile_turnover: (factor.turnover.top + factor.turnover.bottom) / 2, ls_sharpe: factor.longShort.stats.sharpe, dsr_factor: ds?.dsr ?? NaN, trials: ds?.nTrials ?? NaN, max_corr: red?.maxAbsCorr ?? NaN } },
      { split: 'train', metrics: pick(wf.train) },
      { split: 'validation', metrics: pick(wf.validation) },
      { split: 'test', metrics: { ...pick(wf.test), gross_sharpe: testGross.sharpe } },
      { split: 'full', metrics: pick(full.metrics) },
      { split: 'signal', metrics: signalEvaluationMetrics(signal.test, signal.pass) },
      ...(signal.full ? [{ split: 'signal_full', metrics: signalEvaluationMetrics(signal.full) }] : []),
    ];
    if (rolling) {
      evaluations.push({ split: 'rolling', metrics: { windows: rolling.windows.length, positive_share: rolling.positiveShare, mean_train_sharpe: rolling.meanTrainSharpe, mean_test_sharpe: rolling.meanTestSharpe, sharpe_decay: rolling.sharpeDecay } });
      rolling.windows.forEach((w, k) => evaluations.push({ split: `roll_${String(k).padStart(2, '0')}`, metrics: { train_sharpe: w.train.sharpe, test_sharpe: w.test.sharpe } }));
    }
    this.details.set(h.id, { factor, wf, rolling, settings: { ...settings, costBps }, traded, start: warm, dsr, signal });
    return {
      pass: failures.length === 0,
      sharpe: wf.test.sharpe,
      headline: {
        rank_ic: factor.rankIc.mean,
        turnover: full.metrics.turnover,
        train_sharpe: wf.train.sharpe,
        test_sharpe: wf.test.sharpe,
        fitness: wf.test.fitness,
        ...(rolling ? { positive_windows: rolling.positiveShare } : {}),
        ...(dsr ? { dsr: dsr.dsr, trials: dsr.nTrials } : {}),
        signal_trades: signal.test.nTrades,
        signal_pf: signal.test.profitFactor,
        signal_win_rate: signal.test.winRate,
      },
      grade: factor.grade.grade,
      evaluations,
      failures,
      signal,
    };
  }

  /**
   * Exports a tested hypothesis to `<strategiesDir>/<id>_<name>/` (strategy.json,
   * README.md, tear sheet) with its walk-forward, rolling and deflated-Sharpe
   * results; the evaluation period is the bars after warm-up.
   * @throws Error when the hypothesis was not tested by this tester in this process.
   */
  async exportStrategy(h: Hypothesis, outcome: TestOutcome): Promise<string> {
    const d = this.details.get(h.id);
    if (!d) throw new Error(`EngineTester.exportStrategy: ${h.id} was not tested in this session`);
    const panel = this.opts.panel;
    const name = `${h.id}_${h.name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
    const res = await exportStrategy(
      {
        name,
        description: `${h.rationale}\n\nHypothesis ${h.id} (${h.category}) from the research loop (${h.provider} ${h.model}, ${h.promptVersion})${h.parentId ? `, refining ${h.parentId}` : ''}. Out-of-sample (test segment ${formatTime(panel.times[d.wf.split.test.start]!, panel.frequency)} .. ${formatTime(panel.times[d.wf.split.test.end - 1]!, panel.frequency)}) net Sharpe ${outcome.sharpe.toFixed(2)}.${d.signal ? ` Signal stage (the signal rules below, validated with the portfolio: ${d.signal.params.sides === 'long_short' ? 'long top / short bottom' : d.signal.params.sides} ${Math.round(d.signal.params.quantile * 100)}%, exit outside ${Math.round(d.signal.params.exitQuantile * 100)}%, ${d.signal.costBps} bps per fill) on the test segment: ${d.signal.test.nTrades} trades, win rate ${(d.signal.test.winRate * 100).toFixed(1)}%, profit factor ${d.signal.test.profitFactor.toFixed(2)}.` : ''}`,
        kind: 'portfolio',
        factors: { alpha: d.traded },
        portfolio: { factor: 'alpha', settings: d.settings },
        ...(d.signal ? { signal: signalRules(d.signal.params) } : {}),
        parameters: { hypothesis: h.id, expected_sign: h.expectedSign, expression: h.expressions[0]!, grade: outcome.grade, ...h.params },
        validation: {
          walkForward: { split: d.wf.split, train: d.wf.train, validation: d.wf.validation, test: d.wf.test, testToTrain: d.wf.testToTrain },
          rolling: d.rolling ? { windows: d.rolling.windows.map((w) => ({ window: w.window, train: { sharpe: w.train.sharpe }, test: { sharpe: w.test.sharpe } })), positiveShare: d.rolling.positiveShare, pass: d.rolling.pass, meanTrainSharpe: d.rolling.meanTrainSharpe, meanTestSharpe: d.rolling.meanTestSharpe, decayFlag: d.rolling.decayFlag } : null,
          deflatedSharpe: d.dsr,
          signal: d.signal,
        },
        panel,
        period: { start: d.start, end: panel.times.length },
      },
      { ...(this.opts.strategiesDir ? { dir: this.opts.strategiesDir } : {}) },
    );
    return res.dir;
  }
}
