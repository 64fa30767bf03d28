/**
 * Pure builders for showing a research run: the progression figure (headline
 * Sharpe per iteration and the best validated Sharpe so far) and table rows
 * of the knowledge base.
 */
import type { Figure } from '../viz/figure.js';
import type { IterationRecord } from './loop.js';
import type { Hypothesis } from './types.js';

const nz = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Plotly figure of a run's progression: markers for each iteration's headline
 * Sharpe (annualized, out-of-sample test segment; colour by status) and a step
 * line for the best validated Sharpe so far. X axis: iteration number.
 * @throws Error when `history` is empty.
 */
export function progressionFigure(history: readonly IterationRecord[], opts: { title?: string; earlyStopSharpe?: number } = {}): Figure {
  if (history.length === 0) throw new Error('progressionFigure: empty history');
  const x = history.map((r) => r.iteration);
  const colour = (s: string) => (s === 'validated' ? '#2ca02c' : s === 'failed' || s === 'abandoned' ? '#d62728' : '#7f7f7f');
  const data: object[] = [
    { type: 'scatter', mode: 'markers', name: 'hypothesis (test Sharpe)', x, y: history.map((r) => nz(r.sharpe)), text: history.map((r) => `${r.id} ${r.name} (${r.status})`), marker: { size: 9, color: history.map((r) => colour(r.status)) } },
    { type: 'scatter', mode: 'lines', line: { shape: 'hv' }, name: 'best validated so far', x, y: history.map((r) => nz(r.bestSoFar)) },
  ];
  if (opts.earlyStopSharpe !== undefined) data.push({ type: 'scatter', mode: 'lines', name: 'early stop', x: [x[0], x[x.length - 1]], y: [opts.earlyStopSharpe, opts.earlyStopSharpe], line: { dash: 'dot', color: '#999' } });
  return {
    data,
    layout: { title: { text: opts.title ?? 'Research progression' }, xaxis: { title: { text: 'iteration' }, dtick: 1 }, yaxis: { title: { text: 'annualized Sharpe (test segment, net)' } }, margin: { t: 50, r: 20, b: 40, l: 60 } },
  };
}

/** One table row per hypothesis (id, status, family, expression, parent, Sharpe rounded to 0.01, test seconds). */
export function hypothesisRows(hs: readonly Hypothesis[]): Record<string, string | number>[] {
  return hs.map((h) => ({
    id: h.id,
    status: h.status,
    category: h.category,
    expression: h.expressions[0] ?? '',
    sign: h.expectedSign,
    decay: h.params.decay,
    parent: h.parentId ?? '',
    sharpe: Number.isFinite(h.sharpe) ? Math.round(h.sharpe * 100) / 100 : 'n/a',
    testSeconds: Number.isFinite(h.testMs) ? Math.round(h.testMs / 100) / 10 : 'n/a',
  }));
}
