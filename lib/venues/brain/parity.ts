/**
 * Local parity: for an alpha simulated on BRAIN, the metrics of our
 * BRAIN-style simulator (`lib/backtest/portfolio.ts` `simulatePortfolio`)
 * with the same settings, stored beside BRAIN's, and a report of both and
 * their differences (Sharpe, turnover, fitness, returns, drawdown).
 *
 * {@link localBrainMetrics} is the ONE place that calls our simulator and
 * maps its metrics onto BRAIN's `is` names: when the simulator's conventions
 * change (returns over half the book, fitness on that; a unified BRAIN
 * settings type), only this function changes. The metrics are the
 * simulator's own; nothing is re-derived here.
 *
 * Not comparable by construction, and shown as such: BRAIN simulates its own
 * universe (e.g. TOP3000, 2019-2023 in-sample) on its data; we simulate the
 * panel given (e.g. the bundled S&P 500 sample, 2013-2018). The report
 * measures how far apart the two are, not that they agree.
 *
 * @module
 */
import { evaluate } from '../../expr/index.js';
import { simulatePortfolio } from '../../backtest/portfolio.js';
import type { Panel } from '../../data/panel.js';
import { spearman } from '../../stats/index.js';
import type { BrainIsMetrics } from './client.js';
import { toPortfolioSettings, type BrainSimulationSettings } from './settings.js';
import type { BrainAlphaRecord, LocalBrainMetrics } from './store.js';

/** Options of {@link localBrainMetrics}. */
export interface LocalParityOptions {
  /** First bar simulated (default 0). */
  readonly start?: number;
  /** One past the last bar (default all). */
  readonly end?: number;
}

/**
 * Our simulator's metrics for an expression under BRAIN settings (the one
 * adapter; see the module comment). Neutralization: BRAIN's group
 * neutralizations use the panel's group labels of that name; a panel without
 * them falls back to market neutralization (recorded in `neutralization`).
 * Current conventions (lib/backtest/portfolio.ts): `returns` = mean daily PnL
 * / book x 252 on the gross book; fitness = sharpe x sqrt(|returns| /
 * max(turnover, 0.125)) on that; Sharpe annualized with the panel's bars per year.
 * @throws ExprError when the expression does not evaluate on the panel;
 *   VenueError 'unsupported' for risk-model neutralizations
 */
export function localBrainMetrics(expression: string, panel: Panel, settings: BrainSimulationSettings, o: LocalParityOptions = {}): LocalBrainMetrics {
  const values = evaluate(expression, panel);
  const ps = toPortfolioSettings(settings, Object.keys(panel.groups ?? {}), 'market');
  const r = simulatePortfolio(values, panel, { ...ps, start: o.start, end: o.end });
  const m = r.metrics;
  return {
    sharpe: m.sharpe,
    fitness: m.fitness,
    turnover: m.turnover,
    returns: m.returns,
    drawdown: m.maxDrawdown,
    margin: m.margin,
    longCount: m.avgLong,
    shortCount: m.avgShort,
    pnl: m.totalPnl,
    nBars: m.nBars,
    neutralization: r.settings.neutralization === 'group' ? `group:${r.settings.group}` : r.settings.neutralization,
  };
}

/** The metrics compared by the parity report. */
export const PARITY_METRICS = ['sharpe', 'turnover', 'fitness', 'returns', 'drawdown'] as const;
export type ParityMetric = (typeof PARITY_METRICS)[number];

/** One alpha in the parity report. */
export interface ParityRow {
  readonly alphaId: string;
  readonly expression: string;
  readonly brain: Partial<Record<ParityMetric, number>>;
  readonly local: Partial<Record<ParityMetric, number>>;
  /** local - brain, per metric (NaN when either is missing). */
  readonly diff: Record<ParityMetric, number>;
  readonly localNeutralization?: string;
  readonly localError?: string;
}

/** Summary over the alphas with both sides. */
export interface ParitySummary {
  readonly n: number;
  /** Mean |local - brain| per metric. */
  readonly meanAbsDiff: Record<ParityMetric, number>;
  /** Spearman rank correlation of local vs BRAIN per metric across alphas (NaN when n < 3). */
  readonly rankCorrelation: Record<ParityMetric, number>;
  /** Share of alphas whose Sharpe has the same sign on both sides. */
  readonly sharpeSignAgreement: number;
}

/** The parity report. */
export interface ParityReport {
  readonly rows: readonly ParityRow[];
  readonly summary: ParitySummary;
}

function pick(m: BrainIsMetrics | LocalBrainMetrics | undefined): Partial<Record<ParityMetric, number>> {
  const out: Partial<Record<ParityMetric, number>> = {};
  for (const k of PARITY_METRICS) {
    const v = (m as Record<string, unknown> | undefined)?.[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

const perMetric = (f: (k: ParityMetric) => number): Record<ParityMetric, number> => Object.fromEntries(PARITY_METRICS.map((k) => [k, f(k)])) as Record<ParityMetric, number>;

/** Builds the parity report from stored alphas (rows without local metrics are listed with their error). */
export function parityReport(records: readonly BrainAlphaRecord[]): ParityReport {
  const rows: ParityRow[] = records.map((r) => {
    const brain = pick(r.brainIs), local = pick(r.local);
    return {
      alphaId: r.alphaId, expression: r.expression, brain, local,
      diff: perMetric((k) => (brain[k] !== undefined && local[k] !== undefined ? local[k]! - brain[k]! : NaN)),
      localNeutralization: r.local?.neutralization, localError: r.localError,
    };
  });
  const both = rows.filter((r) => r.local.sharpe !== undefined && r.brain.sharpe !== undefined);
  const n = both.length;
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
  return {
    rows,
    summary: {
      n,
      meanAbsDiff: perMetric((k) => mean(both.map((r) => Math.abs(r.diff[k])).filter((x) => Number.isFinite(x)))),
      rankCorrelation: perMetric((k) => {
        const pairs = both.filter((r) => Number.isFinite(r.diff[k]));
        return pairs.length >= 3 ? spearman(pairs.map((r) => r.local[k]!), pairs.map((r) => r.brain[k]!)) : NaN;
      }),
      sharpeSignAgreement: n ? both.filter((r) => Math.sign(r.local.sharpe!) === Math.sign(r.brain.sharpe!)).length / n : NaN,
    },
  };
}

/** The parity report as a plain-text table (one line per alpha: BRAIN / local / difference per metric). */
export function formatParityReport(rep: ParityReport): string {
  const f = (v: number | undefined, d = 3): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
  const head = ['alpha', ...PARITY_METRICS.map((k) => `${k} brain/local/diff`), 'local neutralization'];
  const lines = [head.join(' | ')];
  for (const r of rep.rows) {
    if (r.localError) {
      lines.push(`${r.alphaId} | local run failed: ${r.localError}`);
      continue;
    }
    lines.push([r.alphaId, ...PARITY_METRICS.map((k) => `${f(r.brain[k])} / ${f(r.local[k])} / ${f(r.diff[k])}`), r.localNeutralization ?? '-'].join(' | '));
  }
  const s = rep.summary;
  lines.push('', `alphas compared: ${s.n}; Sharpe sign agreement: ${f(s.sharpeSignAgreement, 2)}`);
  lines.push(`mean |local - brain|: ${PARITY_METRICS.map((k) => `${k} ${f(s.meanAbsDiff[k])}`).join(', ')}`);
  lines.push(`rank correlation local vs brain (n >= 3): ${PARITY_METRICS.map((k) => `${k} ${f(s.rankCorrelation[k], 2)}`).join(', ')}`);
  return lines.join('\n');
}
