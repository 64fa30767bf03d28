/**
 * Tear sheets of a factor evaluation: a summary table (grade, pass, rejection
 * reasons, headline metrics) and plotly figures (lib/viz `Figure` specs):
 * IC series with rolling mean, IC histogram, IC decay by horizon, mean return
 * by quantile, cumulative returns by quantile, long-short equity and
 * drawdown, turnover over time. The same figures go to notebooks
 * ({@link showTearSheet}) and to a standalone HTML page ({@link writeTearSheet}).
 */
import { formatTime } from '../data/panel.js';
import { escapeHtml, tableHtml } from '../notebook/display.js';
import { fmtNumber, fmtPercent, fmtPValue, fmtBps, withColumnKinds, type ColumnKinds } from '../notebook/format.js';
import { barFigure, figureNotebookHtml, heatmapFigure, histogramFigure, lineFigure, toPlotArray, writeFiguresHtml, displayHtml, type Figure } from '../viz/index.js';
import type { Panel } from '../data/panel.js';
import { evaluate } from '../expr/index.js';
import type { FactorAnalysis } from './analyze.js';
import { alphalensStats, interpretFactor, type AlphalensOptions, type AlphalensStats, type QuantileReturnsAtHorizon } from './alphalens.js';
import type { FactorReport } from './report.js';
import { fmtNum } from './grade.js';

/**
 * What a tear sheet needs: an analysis, optionally with the identity and
 * store fields of a report and the alphalens statistics ({@link withAlphalens}).
 */
export type TearSheetInput = FactorAnalysis & Partial<Pick<FactorReport, 'factor' | 'dataset' | 'period' | 'runId' | 'cached' | 'redundancy' | 'deflatedSharpe' | 'frequency' | 'createdAt'>> & { alphalens?: AlphalensStats };

const pct = (x: number) => fmtPercent(x);
const num = (x: number) => fmtNumber(x);

/** Title of a tear sheet: factor name (or 'factor'), dataset and horizon. */
export function tearSheetTitle(r: TearSheetInput): string {
  const name = r.factor?.name ?? 'factor';
  return `${name}${r.dataset ? ` on ${r.dataset}` : ''} (horizon ${r.settings.horizon}, delay ${r.settings.delay})`;
}

/**
 * The summary rows of a tear sheet as [label, value] pairs (grade, pass,
 * reasons, IC / Rank IC statistics, quantile spread, monotonicity, turnover,
 * coverage, long-short performance with its annualization, redundancy, DSR).
 */
export function tearSheetSummary(r: TearSheetInput): [string, string][] {
  const ls = r.longShort.stats;
  const rows: [string, string][] = [
    ['grade', `${r.grade.grade} (${r.grade.points.total} / 18 points)`],
    ['pass', r.grade.pass ? 'yes' : 'no'],
    ['rejection reasons', r.grade.reasons.length ? r.grade.reasons.join('; ') : 'none'],
    ['warnings', r.grade.warnings.length ? r.grade.warnings.join('; ') : 'none'],
  ];
  if (r.period) rows.push(['period', `${r.period.start} .. ${r.period.end} (${r.nDates} bars x ${r.nAssets} assets)`]);
  const dist = r.alphalens?.icDistribution;
  rows.push(
    ['settings', `horizon ${r.settings.horizon} bars, delay ${r.settings.delay}, ${r.settings.quantiles} quantiles, ${r.settings.portfolio} long-short, annualization ${r.annualization} bars/year`],
    ['Rank IC mean / std / ICIR', `${num(r.rankIc.mean)} / ${num(r.rankIc.std)} / ${num(r.rankIc.ir)}`],
    ['Rank IC t / p (plain)', `${num(r.rankIc.t)} / ${fmtPValue(r.rankIc.p)}`],
    ['Rank IC t_nw / p_nw (Newey-West)', `${num(r.rankIc.tNeweyWest)} / ${fmtPValue(r.rankIc.pNeweyWest)}`],
    ['Rank IC > 0 share', pct(r.rankIc.positiveShare)],
  );
  if (dist) rows.push(['Rank IC skew / excess kurtosis', `${num(dist.skew)} / ${num(dist.kurtosis)}`]);
  rows.push(
    ['IC (Pearson) mean / ICIR / t', `${num(r.ic.mean)} / ${num(r.ic.ir)} / ${num(r.ic.t)}`],
    ['top - bottom spread (per horizon)', `${fmtBps(r.quantiles.spread)} (SE ${fmtBps(r.quantiles.spreadSe)}, t ${num(r.quantiles.spreadT)}, t_nw ${num(r.quantiles.spreadTNeweyWest)})`],
    ['monotonicity', num(r.quantiles.monotonicity)],
    ['turnover top / bottom', `${pct(r.turnover.top)} / ${pct(r.turnover.bottom)}`],
    ['rank autocorrelation (lag 1)', num(r.turnover.rankAutocorrelation)],
    ['coverage', pct(r.coverage.mean)],
    ['ls_sharpe (top minus bottom as built) / Sortino / Calmar', `${num(ls.sharpe)} / ${num(ls.sortino)} / ${num(ls.calmar)}`],
    ['directional_sharpe (traded the way the Rank IC points)', num(r.longShort.directional.sharpe)],
    ['long-short annual return / volatility / max drawdown', `${pct(ls.annualReturn)} / ${pct(ls.annualVolatility)} / ${pct(ls.maxDrawdown)}`],
    ['direction (sign of mean Rank IC)', r.direction === 1 ? 'long high values' : 'long low values'],
  );
  if (r.redundancy) {
    rows.push(['redundancy', r.redundancy.with
      ? `max |corr| ${num(r.redundancy.maxAbsCorr)} with ${r.redundancy.with}${r.redundancy.redundant ? ` (above ${r.redundancy.threshold}: near-duplicate)` : ''}`
      : `no stored factor to compare (${r.redundancy.compared} compared)`]);
  }
  if (r.deflatedSharpe) rows.push(['deflated Sharpe', `${num(r.deflatedSharpe.dsr)} (${r.deflatedSharpe.nTrials} trials recorded)`]);
  if (r.runId) rows.push(['run id', `${r.runId}${r.cached ? ' (from the store)' : ''}`]);
  return rows;
}

/** The summary as an HTML table (values escaped), followed by the interpretation lines ({@link interpretFactor}). */
export function tearSheetSummaryHtml(r: TearSheetInput): string {
  const body = tearSheetSummary(r)
    .map(([k, v]) => {
      const style = k === 'grade' || k === 'pass' ? ' style="font-weight:bold"' : k === 'rejection reasons' && v !== 'none' ? ' style="color:#b00"' : '';
      return `<tr><th style="text-align:left">${escapeHtml(k)}</th><td${style}>${escapeHtml(v)}</td></tr>`;
    })
    .join('');
  const notes = interpretFactor(r).map((l) => `<li>${escapeHtml(l)}</li>`).join('');
  return `<table class="factor-summary">${body}</table><ul class="factor-notes">${notes}</ul>`;
}

/**
 * The tear-sheet figures, in order: IC series with rolling mean, IC
 * histogram, IC decay by horizon, mean return by quantile, cumulative returns
 * by quantile, long-short equity and drawdown, turnover over time. Pure
 * plotly specs (lib/viz `Figure`); NaN is drawn as a gap.
 */
export function tearSheetFigures(r: TearSheetInput): Figure[] {
  const times = r.times;
  const w = r.settings.rollingWindow;
  const figs: Figure[] = [];
  const icFig = lineFigure(times, [
    { name: 'Rank IC', values: r.rankIc.series },
    { name: `Rank IC ${w}-bar mean`, values: r.rankIc.rolling },
    { name: `IC ${w}-bar mean`, values: r.ic.rolling },
  ], { title: `Rank IC per date (horizon ${r.settings.horizon}) and ${w}-bar rolling mean`, yTitle: 'IC', height: 380 });
  (icFig.data[0] as Record<string, unknown>).line = { width: 0.6, color: 'rgba(120,120,120,0.6)' };
  figs.push(icFig);
  figs.push(histogramFigure([{ name: 'Rank IC', values: r.rankIc.series }, { name: 'IC', values: r.ic.series }], { title: 'IC distribution', xTitle: 'IC per date', bins: 50, height: 350 }));
  figs.push(barFigure(r.decay.map((d) => `${d.horizon}`), { 'mean Rank IC': r.decay.map((d) => d.rankIcMean), 'mean IC': r.decay.map((d) => d.icMean) }, { title: 'IC decay by horizon', xTitle: 'horizon (bars)', yTitle: 'mean IC', height: 350 }));
  const qLabels = r.quantiles.meanReturn.map((_, i) => `Q${i + 1}`);
  figs.push(barFigure(qLabels, r.quantiles.meanReturn.map((v) => v * 1e4), { title: `Mean ${r.settings.horizon}-bar forward return by quantile (Q1 = lowest factor)`, yTitle: 'basis points', height: 350 }));
  figs.push(lineFigure(times, r.quantiles.cumulative.map((c, i) => ({ name: qLabels[i]!, values: c })), { title: `Cumulative return by quantile (equal weight, rebalanced every ${r.settings.horizon} bars)`, yTitle: 'growth of 1', height: 400 }));
  const x = Array.from(times);
  figs.push({
    data: [
      { type: 'scatter', mode: 'lines', name: 'long-short equity', x, y: toPlotArray(r.longShort.equity), xaxis: 'x', yaxis: 'y' },
      { type: 'scatter', mode: 'lines', name: 'drawdown', x, y: toPlotArray(r.longShort.drawdown), fill: 'tozeroy', line: { color: '#c44' }, xaxis: 'x', yaxis: 'y2' },
    ],
    layout: {
      title: { text: `Long-short (${r.longShort.method}) equity and drawdown; ls_sharpe ${num(r.longShort.stats.sharpe)} at ${r.annualization} bars/year` , x: 0, xref: 'paper', xanchor: 'left' },
      height: 450, margin: { t: 60, r: 20, b: 40, l: 60 }, showlegend: true,
      xaxis: { type: 'date' }, yaxis: { domain: [0.35, 1], title: { text: 'growth of 1' } }, yaxis2: { domain: [0, 0.28], title: { text: 'drawdown' }, tickformat: '.0%' },
    },
  });
  figs.push(lineFigure(times, [
    { name: 'top-quantile turnover', values: r.turnover.topSeries },
    { name: 'bottom-quantile turnover', values: r.turnover.bottomSeries },
    { name: 'rank autocorrelation (lag 1)', values: r.turnover.rankAutocorrelationSeries },
  ], { title: `Turnover (names new since ${r.settings.horizon} bars earlier) and rank autocorrelation`, height: 350 }));
  if (r.alphalens) figs.push(...alphalensFigures(r.alphalens, r.settings.quantiles));
  return figs;
}

/**
 * Demeaned mean return by quantile at several horizons as grouped bars with
 * +-1 standard error bars, per bar in basis points (alphalens' "mean period
 * wise return by factor quantile").
 */
export function quantileReturnsFigure(rows: readonly QuantileReturnsAtHorizon[], Q: number, title = 'Mean demeaned forward return by quantile, per bar (error bars: +-1 standard error)'): Figure {
  const cats = Array.from({ length: Q }, (_, i) => `Q${i + 1}`);
  return {
    data: rows.map((q) => ({
      type: 'bar', name: `${q.horizon} bar${q.horizon > 1 ? 's' : ''}`, x: cats,
      y: q.meanPerBar.map((v) => (Number.isFinite(v) ? v * 1e4 : null)),
      // The standard error of the h-bar mean scaled to a per-bar rate (first order: / h).
      error_y: { type: 'data', array: q.stdError.map((e) => (Number.isFinite(e) ? (e / q.horizon) * 1e4 : null)), visible: true },
    })),
    layout: {
      title: { text: title, x: 0, xref: 'paper', xanchor: 'left' }, barmode: 'group', height: 380, margin: { t: 60, r: 20, b: 40, l: 60 },
      xaxis: { type: 'category', title: { text: 'quantile (Q1 = lowest factor values)' } }, yaxis: { title: { text: 'bps per bar, minus the universe mean' }, automargin: true },
    },
  };
}

/** The alphalens figures: demeaned quantile returns (and group-neutral ones), IC normal Q-Q plot, monthly mean Rank IC heatmap. */
export function alphalensFigures(a: AlphalensStats, Q: number): Figure[] {
  const figs: Figure[] = [quantileReturnsFigure(a.quantileReturns, Q)];
  if (a.groupNeutralReturns) figs.push(quantileReturnsFigure(a.groupNeutralReturns, Q, 'Group-neutral mean forward return by quantile, per bar (demeaned within each group)'));
  const d = a.icDistribution;
  const lo = Math.min(d.theoretical[0] ?? -3, -3);
  const hi = Math.max(d.theoretical[d.theoretical.length - 1] ?? 3, 3);
  figs.push({
    data: [
      { type: 'scatter', mode: 'markers', name: 'Rank IC', x: d.theoretical, y: toPlotArray(d.sample), marker: { size: 3, color: '#1f77b4' } },
      { type: 'scatter', mode: 'lines', name: 'normal', x: [lo, hi], y: [lo, hi], line: { color: '#c44', dash: 'dash' } },
    ],
    layout: {
      title: { text: `Rank IC normal Q-Q (skew ${fmtNumber(d.skew, 3)}, excess kurtosis ${fmtNumber(d.kurtosis, 3)})`, x: 0, xref: 'paper', xanchor: 'left' },
      height: 380, margin: { t: 60, r: 20, b: 40, l: 60 }, showlegend: false,
      xaxis: { title: { text: 'normal quantile' } }, yaxis: { title: { text: 'standardized Rank IC' } },
    },
  });
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  figs.push(heatmapFigure(a.monthlyIc.z, months, a.monthlyIc.years.map(String), { title: 'Monthly mean Rank IC', zmid: 0, showValues: true, height: 120 + 28 * a.monthlyIc.years.length }));
  return figs;
}

/** By-group Rank IC table rows (for displayTable), or [] without groups. */
export function groupTable(a: AlphalensStats | undefined): Record<string, unknown>[] {
  if (!a?.byGroup) return [];
  return withColumnKinds(a.byGroup.map((g) => ({ group: g.group, assets: g.assets, rank_ic: g.rankIc, t_nw: g.tNw, dates: g.nDates, spread: g.spread })), { spread: 'bps' });
}

/**
 * The report with its {@link alphalensStats} attached (`alphalens` field), so
 * the tear sheet shows them. Values: `values` when given, else the report's
 * expression evaluated on `panel` (lib/expr).
 * @throws Error when neither values nor an expression is available.
 */
export function withAlphalens<T extends TearSheetInput>(report: T, panel: Panel, opts: AlphalensOptions & { values?: Float64Array } = {}): T & { alphalens: AlphalensStats } {
  const expr = report.factor && 'expression' in report.factor ? (report.factor as { expression: string | null }).expression : null;
  const values = opts.values ?? (expr ? evaluate(expr, panel) : undefined);
  if (!values) throw new Error('withAlphalens: pass opts.values (the report has no expression to evaluate)');
  return { ...report, alphalens: alphalensStats(values, panel, report, opts) };
}

/**
 * Cumulative directional long-short return (growth of 1, each factor's
 * per-bar long-short return times its direction) of several factors on one
 * chart: running totals stay readable together where daily series do not.
 * Times are the first report's (the reports must share the panel).
 * @throws Error when no report is given.
 */
export function compareFactorsFigure(reports: readonly TearSheetInput[], title = 'Cumulative long-short return, traded the way each Rank IC points'): Figure {
  if (reports.length === 0) throw new Error('compareFactorsFigure: no reports');
  const times = reports[0]!.times;
  return lineFigure(times, reports.map((r, i) => {
    const ret = r.longShort.returns;
    const eq = new Float64Array(ret.length);
    let v = 1;
    for (let t = 0; t < ret.length; t++) {
      const x = ret[t]!;
      if (x === x) v *= 1 + r.direction * x;
      eq[t] = v;
    }
    return { name: r.factor?.name ?? `factor ${i + 1}`, values: eq };
  }), { title, yTitle: 'growth of 1', height: 420 });
}

/**
 * Writes the tear sheet as a standalone HTML page: title, summary table, then
 * the figures of {@link tearSheetFigures} (lib/viz `writeFiguresHtml`;
 * plotly.js copied next to the page so it opens offline).
 * @returns the absolute path written.
 */
export async function writeTearSheet(path: string, report: TearSheetInput): Promise<string> {
  const figs = tearSheetFigures(report);
  const when = report.createdAt ? `<p>evaluated ${escapeHtml(report.createdAt)}${report.frequency ? `; bars ${escapeHtml(formatTime(report.times[0]!, report.frequency))} .. ${escapeHtml(formatTime(report.times[report.nDates - 1]!, report.frequency))}` : ''}</p>` : '';
  const groups = groupTable(report.alphalens);
  const groupHtml = groups.length ? `<h3>By group (horizon ${report.settings.horizon})</h3>${tableHtml(groups)}` : '';
  return writeFiguresHtml(path, figs, { title: `Tear sheet: ${tearSheetTitle(report)}`, headerHtml: tearSheetSummaryHtml(report) + when + groupHtml });
}

/**
 * Shows the tear sheet in the running notebook: the title, summary table and
 * interpretation lines, the by-group table when the report has group
 * statistics, then each figure, all in ONE output wrapped in a div that the
 * classic notebook does not collapse into a scroll box (the runner also marks
 * executed cells `scrolled: false`). With `panel`, the alphalens statistics
 * are computed first ({@link withAlphalens}).
 */
export async function showTearSheet(report: TearSheetInput, opts: AlphalensOptions & { panel?: Panel; values?: Float64Array } = {}): Promise<void> {
  const r = opts.panel && !report.alphalens ? withAlphalens(report, opts.panel, opts) : report;
  const groups = groupTable(r.alphalens);
  const groupHtml = groups.length ? `<h4>By group (horizon ${r.settings.horizon})</h4>${tableHtml(groups)}` : '';
  const figs = tearSheetFigures(r).map((f) => figureNotebookHtml(f)).join('\n');
  await displayHtml(`<div class="alphalab-tearsheet"><h3>${escapeHtml(tearSheetTitle(r))}</h3>${tearSheetSummaryHtml(r)}${groupHtml}${figs}</div>`, `${tearSheetTitle(r)}\n${tearSheetSummary(r).map(([k, v]) => `${k}: ${v}`).join('\n')}\n${interpretFactor(r).join('\n')}`);
}

/**
 * One row of {@link factorTable} (a type alias, so it is assignable to plain
 * record rows for display tables). Numbers are raw (fractions, not rounded);
 * {@link FACTOR_TABLE_KINDS} says how each column is shown.
 */
export type FactorTableRow = {
  factor: string;
  grade: string;
  pass: boolean;
  /** Mean per-date Rank IC (Spearman) at the headline horizon. */
  rank_ic: number;
  /** Rank IC mean / std per date, not annualized. */
  rank_icir: number;
  /** Newey-West t of the mean Rank IC (horizon - 1 Bartlett lags; at horizon 1 the population-std t). */
  t_nw: number;
  /** Two-sided p of t_nw. */
  p_nw: number;
  /** Mean top-minus-bottom quantile forward return per horizon (fraction; shown in bps). */
  spread: number;
  monotonicity: number;
  /** Mean of top and bottom quantile turnover (fraction; shown in percent). */
  turnover: number;
  /** Annualized Sharpe of the top-minus-bottom portfolio as built (negative when the factor works reversed). */
  ls_sharpe: number;
  /** Annualized Sharpe of the portfolio traded the way the mean Rank IC points (what the grade uses). */
  directional_sharpe: number;
  /** Mean share of the tradable universe with a factor value (fraction; shown in percent). */
  coverage: number;
  redundant_with: string;
  /** Rejection reasons (long text: shown on its own row). */
  reasons: string;
};

/** How {@link factorTable}'s columns are shown by `displayTable`. */
export const FACTOR_TABLE_KINDS: ColumnKinds = {
  rank_ic: 'number', rank_icir: 'number', t_nw: 'number', p_nw: 'pvalue', spread: 'bps', monotonicity: 'number',
  turnover: 'percent', ls_sharpe: 'number', directional_sharpe: 'number', coverage: 'percent', reasons: 'text',
};

/**
 * A comparison table of several evaluations, one row per factor: grade, pass,
 * mean Rank IC, Rank ICIR, the Newey-West t and p of the Rank IC, the
 * top-minus-bottom spread per horizon, monotonicity, mean top/bottom
 * turnover, the long-short Sharpe as built (`ls_sharpe`) and traded in the
 * direction of the Rank IC (`directional_sharpe`, the grade's), coverage, the
 * stored factor it duplicates (if flagged) and the rejection reasons. The
 * rows carry {@link FACTOR_TABLE_KINDS} (lib/notebook `withColumnKinds`), so
 * `displayTable(factorTable(reports))` shows percent, bps and p-values in the
 * project's one number format and the reasons on their own row.
 */
export function factorTable(reports: readonly TearSheetInput[]): FactorTableRow[] {
  return withColumnKinds(reports.map((r, i) => ({
    factor: r.factor?.name ?? `factor ${i + 1}`,
    grade: r.grade.grade,
    pass: r.grade.pass,
    rank_ic: r.rankIc.mean,
    rank_icir: r.rankIc.ir,
    t_nw: r.rankIc.tNeweyWest,
    p_nw: r.rankIc.pNeweyWest,
    spread: r.quantiles.spread,
    monotonicity: r.quantiles.monotonicity,
    turnover: r.gradeMetrics.turnover,
    ls_sharpe: r.longShort.stats.sharpe,
    directional_sharpe: r.longShort.directional.sharpe,
    coverage: r.coverage.mean,
    redundant_with: r.redundancy?.redundant ? `${r.redundancy.with ?? ''} (${fmtNumber(r.redundancy.corr, 3)})` : '',
    reasons: r.grade.reasons.join('; '),
  })), FACTOR_TABLE_KINDS);
}

/**
 * Heatmap of mean Rank IC by factor (rows) and horizon (columns) from the
 * reports' IC decay, diverging around 0. Horizons are the union over reports
 * (a cell is blank where a report lacks that horizon).
 */
export function decayHeatmap(reports: readonly TearSheetInput[], title = 'Mean Rank IC by horizon (IC decay)'): Figure {
  const hs = [...new Set(reports.flatMap((r) => r.decay.map((d) => d.horizon)))].sort((a, b) => a - b);
  const z = reports.map((r) => hs.map((h) => r.decay.find((d) => d.horizon === h)?.rankIcMean ?? NaN));
  return heatmapFigure(z, hs.map((h) => `${h} bars`), reports.map((r, i) => r.factor?.name ?? `factor ${i + 1}`), { title, zmid: 0, showValues: true, height: 120 + 32 * reports.length });
}
