/**
 * evaluateFactor: the I/O side of factor validation. Resolves the factor (an
 * expression evaluated by lib/expr, or a precomputed panel), slices the
 * period, reads a stored result when the same factor, dataset, period,
 * settings and data were evaluated before, otherwise runs {@link analyzeFactor},
 * checks redundancy against stored factors, writes the trial to the
 * {@link FactorStore} and computes the deflated Sharpe ratio from the trials
 * recorded there.
 */
import { randomUUID } from 'node:crypto';
import { formatTime, type Frequency, type Panel } from '../data/panel.js';
import { panelBarsPerYear } from '../data/calendar.js';
import { assetsHash, panelQuickFingerprint } from '../data/identity.js';
import { toEpochMs, type TimeLike } from '../data/kernels.js';
import type { DeflatedSharpeResult } from '../stats/index.js';
import { canonical, evaluate, type Expr, type ExprCache } from '../expr/index.js';
import { analyzeFactor, directionalDeflatedSharpe, registerRowView, resolveSettings, FACTOR_SETTINGS_KEYS, type FactorAnalysis, type FactorSettings } from './analyze.js';
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';
import { sha256, stableJson } from '../db/index.js';
import { rankSnapshot, type RankSnapshot } from './redundancy.js';
import { FactorStore } from './store.js';
import type { FactorReport, Redundancy } from './report.js';

/**
 * A factor:
 * - an expression (source string or parsed AST; evaluated with lib/expr; its
 *   id and name are the canonical expression), or a named one `{ name, expression }`;
 * - an expression with its values already computed, `{ expression, values, name? }`
 *   (values = `evaluate(expression, panel)`, dates x assets of the whole panel):
 *   the id stays the canonical expression, so it is the same trial as the
 *   expression alone, and nothing is evaluated again (the caller vouches that
 *   the values are the expression's);
 * - a precomputed dates x assets panel `{ name, values }` without an
 *   expression: id `values:<name>:<sha256 of values>`.
 */
export type FactorInput =
  | string
  | Expr
  | { name?: string; expression: string | Expr; values?: Float64Array }
  | { name: string; values: Float64Array; expression?: undefined };

/** Options of {@link evaluateFactor}: analysis settings plus store and period. */
export interface EvaluateFactorOptions extends FactorSettings {
  /** Trial store; default: the project store (data/quant.duckdb); `false`: compute without storing. */
  store?: FactorStore | false;
  /** Dataset name recorded with the trial (default panel.dataset). @throws when neither is set and a store is used. */
  dataset?: string;
  /** Period to evaluate, both ends inclusive (ISO string, epoch ms or Date). The factor may use earlier bars as warm-up; forward returns use only bars inside the period. Exclusive with `rows`. */
  period?: { start?: TimeLike; end?: TimeLike };
  /** The same as a bar range: rows [start, end) of the panel (end exclusive, at least 2 bars). Exclusive with `period`. */
  rows?: { start: number; end: number };
  /** Tag stored with the trial (e.g. 'notebook', 'llm-loop'). */
  source?: string;
  /** Expression cache passed to lib/expr `evaluate`. */
  exprCache?: ExprCache;
  /** Redundancy flag threshold on |correlation|, default 0.7. */
  redundancyThreshold?: number;
}

/** Every key of {@link EvaluateFactorOptions} (an unknown key is an error). */
export const EVALUATE_FACTOR_OPTION_KEYS = settingsKeys<EvaluateFactorOptions>()([...(FACTOR_SETTINGS_KEYS as readonly (keyof FactorSettings)[]), 'store', 'dataset', 'period', 'rows', 'source', 'exprCache', 'redundancyThreshold']);

let defaultStore: Promise<FactorStore> | undefined;

/** The project store (data/quant.duckdb, or $ALPHALAB_DB), opened once per process; a failed open is retried on the next call. */
export function openDefaultStore(): Promise<FactorStore> {
  if (!defaultStore) {
    defaultStore = FactorStore.open();
    defaultStore.catch(() => {
      defaultStore = undefined;
    });
  }
  return defaultStore;
}

const slices = new WeakMap<Panel, Map<string, Panel>>();

/**
 * Rows [start, end) of `panel` as views (subarrays: no copy) of its arrays,
 * like lib/data `sliceDates` otherwise (masks and labels sliced, the parent's
 * calendar kept), reused per (panel, rows). Each view's price arrays are
 * registered with analyze.ts ({@link registerRowView}), so forward returns
 * and their ranks are computed once per panel (the screen's in-sample rows
 * start and end at a different bar for each warm-up) and no per-period copy
 * of the panel is kept. Nothing here writes to a view.
 */
function cachedSlice(panel: Panel, start: number, end: number): Panel {
  let m = slices.get(panel);
  if (!m) {
    m = new Map();
    slices.set(panel, m);
  }
  const key = `${start}:${end}`;
  let s = m.get(key);
  if (!s) {
    const T = panel.times.length;
    const N = panel.assets.length;
    const rows = <A extends Float64Array | Uint8Array | Uint16Array | Uint32Array | Int32Array | Int16Array | Int8Array>(x: A): A => x.subarray(start * N, end * N) as A;
    let bpy: number | undefined;
    try {
      bpy = panelBarsPerYear(panel);
    } catch {
      bpy = undefined; // as sliceDates: intraday equity too short to infer
    }
    const fields: Record<string, Float64Array> = {};
    for (const [k, f] of Object.entries(panel.fields)) {
      fields[k] = rows(f);
      registerRowView(fields[k], f, T, start);
    }
    s = {
      ...panel,
      times: panel.times.slice(start, end), // a copy (small): reports keep it, and it may cross threads
      fields,
      ...(panel.labels ? { labels: Object.fromEntries(Object.entries(panel.labels).map(([k, l]) => [k, { levels: l.levels, codes: rows(l.codes) }])) } : {}),
      ...(panel.universe ? { universe: rows(panel.universe) } : {}),
      ...(panel.tradable ? { tradable: { buy: rows(panel.tradable.buy), sell: rows(panel.tradable.sell) } } : {}),
      ...(bpy !== undefined ? { barsPerYear: bpy } : {}),
    };
    m.set(key, s);
  }
  return s;
}

/** Row range [start, end) of `times` inside [startMs, endMs] (inclusive). */
function periodRows(times: Float64Array, period?: { start?: TimeLike; end?: TimeLike }): { start: number; end: number } {
  const T = times.length;
  if (!period || (period.start === undefined && period.end === undefined)) return { start: 0, end: T };
  const s = period.start === undefined ? -Infinity : toEpochMs(period.start, 'period.start');
  const e = period.end === undefined ? Infinity : toEpochMs(period.end, 'period.end');
  let a = 0;
  while (a < T && times[a]! < s) a++;
  let b = a;
  while (b < T && times[b]! <= e) b++;
  if (b - a < 2) throw new RangeError(`period ${String(period.start ?? '')} .. ${String(period.end ?? '')} holds ${b - a} bar(s) of the panel; need at least 2`);
  return { start: a, end: b };
}

/** Checks a bar range [start, end) against a panel of T bars. */
function checkRows(r: { start: number; end: number }, T: number): { start: number; end: number } {
  if (!(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.end <= T)) throw new RangeError(`evaluateFactor: rows [${r.start}, ${r.end}) outside the panel's [0, ${T}) or not integers`);
  if (r.end - r.start < 2) throw new RangeError(`evaluateFactor: rows [${r.start}, ${r.end}) hold ${Math.max(0, r.end - r.start)} bar(s); need at least 2`);
  return { start: r.start, end: r.end };
}

/**
 * Evaluates a factor on a panel with every metric of {@link analyzeFactor},
 * cached in and counted by the trial store.
 *
 * Steps: (1) the factor values: `evaluate(expr, panel)` on the whole panel
 * (so rolling windows can warm up before the period), or the given values
 * (dates x assets of the whole panel); (2) the rows of `period`; (3) the cache
 * key = sha256 of factor id, dataset, period, resolved settings and the
 * panel's content fingerprint; a stored report with that key is returned with
 * `cached: true` and nothing is recomputed; (4) otherwise the metrics,
 * redundancy against the stored rank snapshots of the same dataset and
 * universe, the trial row, and the deflated Sharpe with the number of trials
 * stored for the dataset (this one included) and the variance of their per-bar
 * Sharpe ratios.
 * @throws RangeError for bad settings, a period with fewer than 2 bars, or values of the wrong length; Error (ExprError) for an invalid expression; Error when no dataset name is known and a store is used.
 */
export async function evaluateFactor(factor: FactorInput, panel: Panel, opts: EvaluateFactorOptions = {}): Promise<FactorReport> {
  const t0 = performance.now();
  checkSettingsKeys(opts, EVALUATE_FACTOR_OPTION_KEYS, 'EvaluateFactorOptions');
  const T = panel.times.length;
  const N = panel.assets.length;
  const store = opts.store === false ? undefined : opts.store ?? (await openDefaultStore());
  const dataset = opts.dataset ?? panel.dataset;
  if (!dataset && store) throw new Error('evaluateFactor: no dataset name (set opts.dataset or panel.dataset) to record the trial under');
  const settings = resolveSettings(panel, opts);

  let id: string;
  let name: string;
  let expression: string | null;
  let valuesHash: string | null = null;
  let values: Float64Array | undefined;
  let source: string | Expr | undefined;
  const isAst = (x: unknown): x is Expr => typeof x === 'object' && x !== null && 'type' in x;
  if (typeof factor === 'string' || isAst(factor) || (factor && factor.expression !== undefined)) {
    source = typeof factor === 'string' || isAst(factor) ? factor : factor.expression!;
    expression = canonical(source);
    id = expression;
    name = typeof factor === 'string' || isAst(factor) ? expression : factor.name ?? expression;
    if (!isAst(factor) && typeof factor !== 'string' && factor.values !== undefined) {
      if (!(factor.values instanceof Float64Array)) throw new TypeError(`evaluateFactor: factor "${name}" values must be a Float64Array`);
      if (factor.values.length !== T * N) throw new RangeError(`evaluateFactor: factor "${name}" values have length ${factor.values.length}, expected ${T} x ${N}`);
      values = factor.values;
    }
  } else {
    if (!factor || typeof factor.name !== 'string' || !(factor.values instanceof Float64Array)) {
      throw new TypeError('evaluateFactor: factor must be an expression (string or AST), { name, expression }, { expression, values } or { name, values: Float64Array }');
    }
    if (factor.values.length !== T * N) throw new RangeError(`evaluateFactor: factor "${factor.name}" values have length ${factor.values.length}, expected ${T} x ${N}`);
    valuesHash = sha256(factor.values);
    expression = null;
    id = `values:${factor.name}:${valuesHash}`;
    name = factor.name;
    values = factor.values;
  }
  if (opts.rows && opts.period) throw new RangeError('evaluateFactor: give either period or rows, not both');
  const rows = opts.rows ? checkRows(opts.rows, T) : periodRows(panel.times, opts.period);
  const cacheKey = sha256(stableJson({
    factor: id, dataset: dataset ?? null, rows: [panel.times[rows.start], panel.times[rows.end - 1]], settings, data: panelQuickFingerprint(panel),
  }));
  if (store) {
    const hit = await store.findByKey(cacheKey);
    if (hit) return { ...hit, cached: true };
  }

  const tf = performance.now();
  if (!values) values = evaluate(source!, panel, opts.exprCache ? { cache: opts.exprCache } : {});
  const factorMs = performance.now() - tf;
  const whole = rows.start === 0 && rows.end === T;
  const sub = whole ? panel : cachedSlice(panel, rows.start, rows.end);
  const subValues = whole ? values : values.slice(rows.start * N, rows.end * N);
  const ta = performance.now();
  const { thresholds, ...rest } = settings;
  const analysis = analyzeFactor(subValues, sub, { ...rest, ...(thresholds ? { thresholds } : {}) });
  const analyzeMs = performance.now() - ta;

  const report: FactorReport = {
    ...analysis,
    runId: randomUUID(),
    cacheKey,
    createdAt: new Date().toISOString(),
    cached: false,
    factor: { id, name, expression, valuesHash },
    dataset: dataset ?? '',
    frequency: panel.frequency,
    market: panel.market,
    period: { start: formatTime(sub.times[0]!, panel.frequency), end: formatTime(sub.times[sub.times.length - 1]!, panel.frequency) },
    source: opts.source ?? null,
    redundancy: null,
    deflatedSharpe: null,
    timings: { factorMs, analyzeMs, totalMs: 0 },
  };
  if (!store) {
    report.timings.totalMs = performance.now() - t0;
    return report;
  }
  return recordFactorTrial(store, report, rankSnapshot(subValues, sub.times, N), panel.assets, { ...(opts.redundancyThreshold !== undefined ? { redundancyThreshold: opts.redundancyThreshold } : {}), startedAt: t0 });
}

/**
 * The store half of {@link evaluateFactor}: given a report computed without a
 * store (`store: false`) and the rank snapshot of its in-sample values
 * (lib/factors `rankSnapshot` of the period's rows, as evaluateFactor takes
 * it), returns the stored report with the same cache key when there is one
 * (`cached: true`, nothing written), else sets the report's redundancy
 * against the stored snapshots of the same dataset and universe and its
 * deflated Sharpe (this trial counted), and writes the trial. Check-then-write
 * runs under the store's lock, so a concurrent evaluation of the same trial
 * that finished first wins. Used by evaluateFactor and by callers that
 * compute reports elsewhere (the mining worker pool) and record them in one
 * process, the store's single writer. Mutates and returns `report`.
 *
 * `keepSnapshot: false` records the trial (counted in the deflated Sharpe,
 * its own redundancy computed) without adding its snapshot to the reference
 * set later trials are compared with: a miner's candidate that failed its
 * gates is a trial, not a factor of the user's library, and comparing every
 * new candidate with every rejected one made a mining run O(trials^2)
 * (about 1.3 s of CPU per trial once 2,000 were stored). Default true.
 * @throws Error from DuckDB.
 */
export async function recordFactorTrial(store: FactorStore, report: FactorReport, snapshot: RankSnapshot, assets: readonly string[], opts: { redundancyThreshold?: number; startedAt?: number; keepSnapshot?: boolean } = {}): Promise<FactorReport> {
  const aHash = assetsHash(assets);
  const threshold = opts.redundancyThreshold ?? 0.7;
  return store.exclusive(async () => {
    const hit = await store.findByKey(report.cacheKey);
    if (hit) return { ...hit, cached: true };
    // every stored snapshot is compared (`compared`); those sharing no qualifying date give NaN and are left out of the list
    const { compared, correlations, trials } = await store.trialInputs(report.dataset, aHash, snapshot, report.factor.id, report.longShort.stats.sharpePerBar);
    let best: Redundancy = { maxAbsCorr: NaN, corr: NaN, with: null, withId: null, redundant: false, threshold, compared };
    for (const s of correlations) {
      const { corr } = s;
      if (Number.isNaN(corr)) continue;
      if (Number.isNaN(best.maxAbsCorr) || Math.abs(corr) > best.maxAbsCorr) {
        best = { ...best, maxAbsCorr: Math.abs(corr), corr, with: s.name, withId: s.factorId };
      }
    }
    best.redundant = best.maxAbsCorr > threshold;
    report.redundancy = best;
    // as deflatedSharpeFromStore(store, report, true), from the same freshness check
    report.deflatedSharpe = directionalDeflatedSharpe(report, trials.nTrials, trials.nTrials <= 1 ? 0 : trials.variance);
    if (opts.startedAt !== undefined) report.timings.totalMs = performance.now() - opts.startedAt;
    await store.insert(report, opts.keepSnapshot === false ? undefined : { assetsHash: aHash, snapshot });
    return report;
  });
}

/**
 * Deflated Sharpe ratio (Bailey & Lopez de Prado 2014, lib/stats
 * `deflatedSharpe`) of a report's directional long-short portfolio: observed
 * per-bar Sharpe, skew and kurtosis of the directional returns, nObs = bars,
 * nTrials = trials stored for the report's dataset (all horizons and
 * settings), trial Sharpe variance = sample variance of their per-bar
 * top-minus-bottom Sharpe ratios. Recomputing later counts the trials added since.
 * With `pending` the report is not stored yet and is counted as one more trial
 * (its Sharpe included in the variance).
 */
export async function deflatedSharpeFromStore(store: FactorStore, report: Pick<FactorReport, 'dataset' | 'longShort' | 'annualization'>, pending = false): Promise<DeflatedSharpeResult> {
  const { nTrials, variance } = await store.trialSharpeStats({ dataset: report.dataset }, pending ? report.longShort.stats.sharpePerBar : undefined);
  return directionalDeflatedSharpe(report, nTrials, nTrials <= 1 ? 0 : variance);
}

/**
 * Evaluates several factors in sequence on one panel with the same options
 * (forward returns and their ranks are computed once and shared). Returns the
 * reports in input order.
 */
export async function evaluateFactors(factors: readonly FactorInput[], panel: Panel, opts: EvaluateFactorOptions = {}): Promise<FactorReport[]> {
  const out: FactorReport[] = [];
  for (const f of factors) out.push(await evaluateFactor(f, panel, opts));
  return out;
}
