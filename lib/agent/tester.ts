/**
 * The hypothesis tester: a thin adapter from a {@link Hypothesis} to the one
 * candidate screen (lib/screen `screenExpression`: factor validation, the
 * BRAIN-style portfolio with costs, the signal stage, walk-forward, rolling
 * windows, the deflated Sharpe with the trial counted in the trial store, and
 * failure classification; its module header lists the steps) and from its
 * report to a {@link TestOutcome}; plus the export of passing hypotheses with
 * lib/backtest `exportStrategy`.
 * The traded factor is `expectedSign x expression` (the hypothesis' claim),
 * negated on the AST by the screen.
 */
import { formatTime, type Panel } from '../data/panel.js';
import { ExprCache, parse } from '../expr/index.js';
import type { FactorStore } from '../factors/index.js';
import { exportStrategy, signalRules } from '../backtest/index.js';
import { DEFAULT_SCREEN_THRESHOLDS, screenExpression, screenHeadline, screenSplitMetrics, type ScreenReport, type ScreenThresholds } from '../screen/index.js';
import type { Hypothesis, HypothesisTester, TestContext, TestOutcome } from './types.js';

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
  /** Classification thresholds (signal-stage thresholds in `thresholds.signal`). Default lib/screen DEFAULT_SCREEN_THRESHOLDS. */
  readonly thresholds?: ScreenThresholds;
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

/** A {@link HypothesisTester} running the one candidate screen (lib/screen) on one panel. */
export class EngineTester implements HypothesisTester {
  readonly fields: readonly string[];
  private readonly reports = new Map<string, ScreenReport>();
  /** Expression results shared by the screens of this tester (256 MiB LRU). */
  private readonly cache = new ExprCache(256 * 1024 * 1024);

  constructor(private readonly opts: EngineTesterOptions) {
    this.fields = Object.keys(opts.panel.fields);
  }

  /** @inheritdoc */
  async test(h: Hypothesis, ctx: TestContext = {}): Promise<TestOutcome> {
    const o = this.opts;
    const p = h.params;
    const r = await screenExpression(
      parse(h.expressions[0]!),
      o.panel,
      {
        sign: h.expectedSign,
        portfolio: { delay: p.delay, decay: p.decay, neutralization: p.neutralization, truncation: p.truncation },
        costBps: o.costBps ?? 5,
        signal: { ...(p.signalQuantile !== undefined ? { signalQuantile: p.signalQuantile } : {}), ...(p.exitQuantile !== undefined ? { exitQuantile: p.exitQuantile } : {}), ...(p.signalSides !== undefined ? { signalSides: p.signalSides } : {}) },
        thresholds: o.thresholds ?? DEFAULT_SCREEN_THRESHOLDS,
        ...(o.signalFullRange === false ? { signalFullRange: false } : {}),
        ...(o.rolling ? { rolling: o.rolling } : {}),
      },
      {
        ...(o.store === undefined ? {} : { store: o.store }),
        dataset: o.dataset ?? o.panel.dataset,
        source: o.source ?? 'llm-loop',
        exprCache: this.cache,
        notDuplicateOf: new Set(o.ancestors ? await o.ancestors(h) : []),
        ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      },
    );
    if (r.screened) this.reports.set(h.id, r);
    return {
      pass: r.pass,
      sharpe: r.walkForward?.test.sharpe ?? NaN,
      headline: screenHeadline(r),
      grade: r.factor?.grade.grade ?? '',
      evaluations: screenSplitMetrics(r),
      failures: r.failures,
      ...(r.signal ? { signal: r.signal } : {}),
    };
  }

  /**
   * Exports a tested hypothesis to `<strategiesDir>/<id>_<name>/` (strategy.json,
   * README.md, tear sheet) with its walk-forward, rolling and deflated-Sharpe
   * results; the evaluation period is the bars after warm-up.
   * @throws Error when the hypothesis was not tested by this tester in this process.
   */
  async exportStrategy(h: Hypothesis, outcome: TestOutcome): Promise<string> {
    const r = this.reports.get(h.id);
    if (!r) throw new Error(`EngineTester.exportStrategy: ${h.id} was not tested in this session`);
    const panel = this.opts.panel;
    const wf = r.walkForward!, signal = r.signal!, rolling = r.rolling ?? null;
    const name = `${h.id}_${h.name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
    const res = await exportStrategy(
      {
        name,
        description: `${h.rationale}\n\nHypothesis ${h.id} (${h.category}) from the research loop (${h.provider} ${h.model}, ${h.promptVersion})${h.parentId ? `, refining ${h.parentId}` : ''}. Out-of-sample (test segment ${formatTime(panel.times[wf.split.test.start]!, panel.frequency)} .. ${formatTime(panel.times[wf.split.test.end - 1]!, panel.frequency)}) net Sharpe ${outcome.sharpe.toFixed(2)}.${signal ? ` Signal stage (the signal rules below, validated with the portfolio: ${signal.params.sides === 'long_short' ? 'long top / short bottom' : signal.params.sides} ${Math.round(signal.params.quantile * 100)}%, exit outside ${Math.round(signal.params.exitQuantile * 100)}%, ${signal.costBps} bps per fill) on the test segment: ${signal.test.nTrades} trades, win rate ${(signal.test.winRate * 100).toFixed(1)}%, profit factor ${signal.test.profitFactor.toFixed(2)}.` : ''}`,
        kind: 'portfolio',
        factors: { alpha: r.expression },
        portfolio: { factor: 'alpha', settings: r.settings! },
        ...(signal ? { signal: signalRules(signal.params) } : {}),
        parameters: { hypothesis: h.id, expected_sign: h.expectedSign, expression: h.expressions[0]!, grade: outcome.grade, ...h.params },
        validation: {
          walkForward: { split: wf.split, train: wf.train, validation: wf.validation, test: wf.test, testToTrain: wf.testToTrain },
          rolling: rolling ? { windows: rolling.windows.map((w) => ({ window: w.window, train: { sharpe: w.train.sharpe }, test: { sharpe: w.test.sharpe } })), positiveShare: rolling.positiveShare, pass: rolling.pass, meanTrainSharpe: rolling.meanTrainSharpe, meanTestSharpe: rolling.meanTestSharpe, decayFlag: rolling.decayFlag } : null,
          deflatedSharpe: r.deflatedSharpe ?? null,
          signal,
        },
        panel,
        period: { start: r.start!, end: panel.times.length },
      },
      { ...(this.opts.strategiesDir ? { dir: this.opts.strategiesDir } : {}) },
    );
    return res.dir;
  }
}
