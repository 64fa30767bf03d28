/**
 * Training reports: one JSON and one HTML page per run under
 * `<outDir>/reports/`, and the trend across runs (accuracy, parse rate,
 * latency of each run's candidate and of the promoted model) for `train
 * monitor` and the notebook.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { barFigure, lineFigure, writeFiguresHtml, type Figure } from '../viz/index.js';
import type { EvalMetrics } from './variant.js';

/** What one training run did. */
export interface TrainRunReport {
  readonly runId: string;
  /** ISO time of the run. */
  readonly at: string;
  readonly baseModel: string;
  readonly dataset: { readonly name: string; readonly total: number; readonly added: number; readonly heldout: number; readonly sample: readonly { readonly question: string; readonly answer: string }[] };
  readonly fewShot: { readonly examples: number; readonly tokens: number; readonly budget: number; readonly numCtx: number };
  readonly variant: string;
  readonly candidate: Omit<EvalMetrics, 'rows'>;
  readonly previous?: Omit<EvalMetrics, 'rows'>;
  readonly promoted: boolean;
  /** The promoted model after the run. */
  readonly promotedModel?: string;
  readonly deleted: readonly string[];
  /** Says plainly what a variant is. */
  readonly note: string;
}

/** One row of the trend. */
export interface TrendRow {
  readonly runId: string;
  readonly at: string;
  readonly variant: string;
  readonly accuracy: number;
  readonly parseRate: number;
  readonly p95Ms: number;
  readonly promoted: boolean;
  /** Accuracy of the promoted model after the run (the candidate's when promoted, else the previous one's). */
  readonly servingAccuracy: number;
}

export const reportsDir = (outDir: string) => join(outDir, 'reports');

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
const msText = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The figures of a report: accuracy / parse rate trend over runs, and this run's latency by model. */
export function trendFigures(trend: readonly TrendRow[], r: TrainRunReport): Figure[] {
  const times = trend.map((t) => Date.parse(t.at));
  const figs: Figure[] = [lineFigure(times, { 'candidate accuracy': trend.map((t) => t.accuracy), 'serving accuracy': trend.map((t) => t.servingAccuracy), 'parse rate': trend.map((t) => t.parseRate) }, { title: 'Held-out evaluation across training runs', yTitle: 'fraction' })];
  const models = [r.candidate, ...(r.previous ? [r.previous] : [])];
  figs.push(barFigure(models.map((m) => m.model), { p50: models.map((m) => m.p50Ms), p95: models.map((m) => m.p95Ms) }, { title: `Latency per answer, run ${r.runId}`, yTitle: 'ms' }));
  return figs;
}

/** Writes `<runId>.json` and `<runId>.html` into the reports folder; returns both paths. */
export function writeReport(outDir: string, r: TrainRunReport): { json: string; html: string } {
  const dir = reportsDir(outDir);
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${r.runId}.json`);
  writeFileSync(json, `${JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  const trend = readTrend(outDir);
  const row = (m: Omit<EvalMetrics, 'rows'>) => `<tr><td>${esc(m.model)}</td><td>${m.n}</td><td>${pct(m.accuracy)}</td><td>${pct(m.parseRate)}</td><td>${pct(m.keywordRate)}</td><td>${msText(m.p50Ms)}</td><td>${msText(m.p95Ms)}</td><td>${m.errors}</td></tr>`;
  const header = `<p>${esc(r.note)}</p>
<p>Dataset ${esc(r.dataset.name)}: ${r.dataset.total} examples (${r.dataset.added} new), ${r.dataset.heldout} held out; few-shot ${r.fewShot.examples} examples, ~${r.fewShot.tokens} of ${r.fewShot.budget} budget tokens (num_ctx ${r.fewShot.numCtx}).</p>
<table border="1" cellpadding="4"><tr><th>model</th><th>n</th><th>accuracy</th><th>parse rate</th><th>keywords</th><th>p50</th><th>p95</th><th>errors</th></tr>${row(r.candidate)}${r.previous ? row(r.previous) : ''}</table>
<p>${r.promoted ? `Promoted ${esc(r.variant)}.` : `Kept ${esc(r.promotedModel ?? '(none)')}; ${esc(r.variant)} was not better.`}${r.deleted.length ? ` Deleted: ${esc(r.deleted.join(', '))}.` : ''}</p>`;
  const html = writeFiguresHtml(join(dir, `${r.runId}.html`), trendFigures(trend, r), { title: `Training run ${r.runId}`, headerHtml: header });
  return { json, html };
}

/** Every report of a training folder, oldest first. */
export function readReports(outDir: string): TrainRunReport[] {
  const dir = reportsDir(outDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8'), (_k, v) => (v === null ? NaN : v)) as TrainRunReport)
    .sort((a, b) => a.at.localeCompare(b.at) || a.runId.localeCompare(b.runId));
}

/** The trend across runs (see {@link TrendRow}). */
export function readTrend(outDir: string): TrendRow[] {
  return readReports(outDir).map((r) => ({
    runId: r.runId,
    at: r.at,
    variant: r.variant,
    accuracy: r.candidate.accuracy,
    parseRate: r.candidate.parseRate,
    p95Ms: r.candidate.p95Ms,
    promoted: r.promoted,
    servingAccuracy: r.promoted ? r.candidate.accuracy : (r.previous?.accuracy ?? NaN),
  }));
}

/**
 * A warning when the serving accuracy of the last run is below the mean of
 * the `window` runs before it by more than `tolerance` (fraction), else undefined.
 */
export function trendWarning(trend: readonly TrendRow[], window = 5, tolerance = 0.05): string | undefined {
  if (trend.length < 2) return undefined;
  const last = trend[trend.length - 1]!;
  const prior = trend.slice(Math.max(0, trend.length - 1 - window), -1).map((t) => t.servingAccuracy).filter(Number.isFinite);
  if (!prior.length || !Number.isFinite(last.servingAccuracy)) return undefined;
  const mean = prior.reduce((s, x) => s + x, 0) / prior.length;
  return last.servingAccuracy < mean - tolerance ? `serving accuracy ${pct(last.servingAccuracy)} in run ${last.runId} is below the mean of the previous ${prior.length} runs (${pct(mean)})` : undefined;
}
