/**
 * Tear sheets of a factor evaluation: a summary table (grade, pass, rejection
 * reasons, headline metrics) and plotly figures (lib/viz `Figure` specs):
 * IC series with rolling mean, IC histogram, IC decay by horizon, mean return
 * by quantile, cumulative returns by quantile, long-short equity and
 * drawdown, turnover over time. The same figures go to notebooks
 * ({@link showTearSheet}) and to a standalone HTML page ({@link writeTearSheet}).
 */
import { formatTime } from '../data/panel.js';
import { escapeHtml } from '../notebook/display.js';
import { barFigure, heatmapFigure, histogramFigure, lineFigure, showFigure, toPlotArray, writeFiguresHtml, displayHtml, type Figure } from '../viz/index.js';
import type { FactorAnalysis } from './analyze.js';
import type { FactorReport } from './report.js';
import { fmtNum } from './grade.js';

/** What a tear sheet needs: an analysis, optionally with the identity and store fields of a report. */
export type TearSheetInput = FactorAnalysis & Partial<Pick<FactorReport, 'factor' | 'dataset' | 'period' | 'runId' | 'cached' | 'redundancy' | 'deflatedSharpe' | 'frequency' | 'createdAt'>>;

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'NaN');
const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'NaN');

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
  rows.push(
    ['settings', `horizon ${r.settings.horizon} bars, delay ${r.settings.delay}, ${r.settings.quantiles} quantiles, ${r.settings.portfolio} long-short, annualization ${r.annualization} bars/year`],
    ['Rank IC mean / std / ICIR', `${num(r.rankIc.mean, 4)} / ${num(r.rankIc.std, 4)} / ${num(r.rankIc.ir)}`],
    ['Rank IC t / p (Newey-West p)', `${num(r.rankIc.t, 2)} / ${fmtNum(r.rankIc.p)} (${fmtNum(r.rankIc.pNeweyWest)})`],
    ['Rank IC > 0 share', pct(r.rankIc.positiveShare, 1)],
    ['IC mean / ICIR / t', `${num(r.ic.mean, 4)} / ${num(r.ic.ir)} / ${num(r.ic.t, 2)}`],
    ['top - bottom spread (per horizon)', `${pct(r.quantiles.spread, 3)} (SE ${pct(r.quantiles.spreadSe, 3)}, t ${num(r.quantiles.spreadT, 2)})`],
    ['monotonicity', num(r.quantiles.monotonicity)],
    ['turnover top / bottom', `${pct(r.turnover.top, 1)} / ${pct(r.turnover.bottom, 1)}`],
    ['rank autocorrelation (lag 1)', num(r.turnover.rankAutocorrelation)],
    ['coverage', pct(r.coverage.mean, 1)],
    ['long-short Sharpe / Sortino / Calmar', `${num(ls.sharpe, 2)} / ${num(ls.sortino, 2)} / ${num(ls.calmar, 2)}`],
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

/** The summary as an HTML table (values escaped). */
export function tearSheetSummaryHtml(r: TearSheetInput): string {
  const body = tearSheetSummary(r)
    .map(([k, v]) => {
      const style = k === 'grade' || k === 'pass' ? ' style="font-weight:bold"' : k === 'rejection reasons' && v !== 'none' ? ' style="color:#b00"' : '';
      return `<tr><th style="text-align:left">${escapeHtml(k)}</th><td${style}>${escapeHtml(v)}</td></tr>`;
    })
    .join('');
  return `<table class="factor-summary">${body}</table>`;
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
      title: { text: `Long-short (${r.longShort.method}) equity and drawdown; Sharpe ${num(r.longShort.stats.sharpe, 2)} at ${r.annualization} bars/year` },
      height: 450, margin: { t: 50, r: 20, b: 40, l: 60 }, showlegend: true,
      xaxis: { type: 'date' }, yaxis: { domain: [0.35, 1], title: { text: 'growth of 1' } }, yaxis2: { domain: [0, 0.28], title: { text: 'drawdown' }, tickformat: '.0%' },
    },
  });
  figs.push(lineFigure(times, [
    { name: 'top-quantile turnover', values: r.turnover.topSeries },
    { name: 'bottom-quantile turnover', values: r.turnover.bottomSeries },
    { name: 'rank autocorrelation (lag 1)', values: r.turnover.rankAutocorrelationSeries },
  ], { title: `Turnover (names new since ${r.settings.horizon} bars earlier) and rank autocorrelation`, height: 350 }));
  return figs;
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
  return writeFiguresHtml(path, figs, { title: `Tear sheet: ${tearSheetTitle(report)}`, headerHtml: tearSheetSummaryHtml(report) + when });
}

/**
 * Shows the tear sheet in the running notebook: the summary table, then each
 * figure (lib/viz `showFigure`). Await it (Deno kernels display asynchronously).
 */
export async function showTearSheet(report: TearSheetInput): Promise<void> {
  await displayHtml(`<h3>${escapeHtml(tearSheetTitle(report))}</h3>${tearSheetSummaryHtml(report)}`);
  for (const f of tearSheetFigures(report)) await showFigure(f);
}

/** One row of {@link factorTable} (a type alias, so it is assignable to plain record rows for display tables). */
export type FactorTableRow = {
  factor: string;
  grade: string;
  pass: boolean;
  rankIc: number;
  icir: number;
  t: number;
  p: number;
  spreadBps: number;
  monotonicity: number;
  turnover: number;
  /** Annualized Sharpe of the raw top-minus-bottom quantile portfolio, as written (not sign-adjusted: a factor with a negative IC shows a negative Sharpe). */
  topMinusBottomSharpe: number;
  coverage: number;
  redundantWith: string;
  reasons: string;
};

const r4 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : NaN);

/**
 * A comparison table of several evaluations, one row per factor: grade, pass,
 * mean Rank IC, Rank ICIR, the Rank IC t and p behind the grade (Newey-West
 * with horizon - 1 lags when horizon > 1, plain t otherwise), top-minus-bottom spread in
 * basis points per horizon, monotonicity, mean top/bottom turnover, long-short
 * Sharpe (as built, annualized with each report's annualization), coverage,
 * the stored factor it duplicates (if flagged) and the rejection reasons.
 * Numbers rounded to 4 significant digits.
 */
export function factorTable(reports: readonly TearSheetInput[]): FactorTableRow[] {
  return reports.map((r, i) => ({
    factor: r.factor?.name ?? `factor ${i + 1}`,
    grade: r.grade.grade,
    pass: r.grade.pass,
    rankIc: r4(r.rankIc.mean),
    icir: r4(r.rankIc.ir),
    t: r4(r.settings.horizon > 1 ? r.rankIc.tNeweyWest : r.rankIc.t),
    p: r4(r.gradeMetrics.pValue),
    spreadBps: r4(r.quantiles.spread * 1e4),
    monotonicity: r4(r.quantiles.monotonicity),
    turnover: r4(r.gradeMetrics.turnover),
    topMinusBottomSharpe: r4(r.longShort.stats.sharpe),
    coverage: r4(r.coverage.mean),
    redundantWith: r.redundancy?.redundant ? `${r.redundancy.with ?? ''} (${r4(r.redundancy.corr)})` : '',
    reasons: r.grade.reasons.join('; '),
  }));
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
