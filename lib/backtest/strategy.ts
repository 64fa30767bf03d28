/**
 * The strategy document: a schema-versioned, content-hashed JSON description
 * of a validated strategy (factor expressions, signal rules or portfolio
 * settings, execution costs, dataset and period, validation results and the
 * metrics it produced), and the pure functions to build, check, hash and
 * re-run it. File I/O lives in `export.ts`.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, decodeNumber, toJsonSafe, type JsonValue } from '../db/index.js';
import { formatTime, type Panel } from '../data/panel.js';
import { panelSha256 } from '../data/identity.js';
import { evaluate, parse, ExprError } from '../expr/index.js';
import { backtestSignals, resolveExecutionSettings, type BacktestResult, type ExecutionSettings } from './backtest.js';
import { resolvePortfolioSettings, simulatePortfolio, type PortfolioResult, type PortfolioSettings } from './portfolio.js';
import type { Condition, SignalRules, SignalSpec } from './signals.js';

/** Schema identifier written in every strategy document. */
export const STRATEGY_SCHEMA = 'alphalab.strategy';
/**
 * Current schema version; documents with another version are refused by {@link checkStrategyDocument}.
 * 2: portfolio metrics in BRAIN's conventions (`returns` over half the book, `bookReturn`, fitness on `returns`;
 * version 1 had `annualReturn` on the gross book and fitness on it); the deflated Sharpe carries its annualization.
 */
export const STRATEGY_SCHEMA_VERSION = 2;


/** Dataset and period a strategy was validated on. Times are ISO 8601 UTC (bar open times). */
export interface StrategyDataset {
  /** Dataset name (catalog key) of the panel, or null. */
  name: string | null;
  frequency: Panel['frequency'];
  market: Panel['market'];
  /** Asset identifiers, in panel order. */
  assets: string[];
  /** First and last bar of the panel the factors are computed on, and its number of bars. */
  panelStart: string;
  panelEnd: string;
  nBars: number;
  /** First and last bar of the evaluation period (inclusive) whose metrics are stored. */
  periodStart: string;
  periodEnd: string;
  /** sha256 of the panel's times, assets and every field (see lib/data panelSha256). */
  fingerprint: string;
}

/** Execution settings as stored (the range comes from the dataset period). */
export type StoredExecution = Omit<ExecutionSettings, 'start' | 'end'>;
/** Portfolio settings as stored (the range comes from the dataset period). */
export type StoredPortfolio = Omit<PortfolioSettings, 'start' | 'end'>;

/**
 * A strategy document, schema version 1. `kind = 'signals'`: `signal` rules on
 * the named `factors`, run by `backtestSignals` with `execution`.
 * `kind = 'portfolio'`: the factor `portfolio.factor` run by `simulatePortfolio`
 * with `portfolio.settings`. `metrics` are those of the evaluation period.
 */
export interface StrategyDocument {
  schema: typeof STRATEGY_SCHEMA;
  schemaVersion: number;
  /** Folder name: letters, digits, '-' and '_' (1-64 characters). */
  name: string;
  description: string;
  /** ISO 8601 UTC creation time. */
  createdAt: string;
  kind: 'signals' | 'portfolio';
  /** Factor name -> lib/expr expression. */
  factors: Record<string, string>;
  signal: SignalRules | null;
  execution: StoredExecution | null;
  portfolio: { factor: string; settings: StoredPortfolio } | null;
  /** Tuned parameters, for the record (e.g. the TPE best trial). */
  parameters: Record<string, JsonValue>;
  dataset: StrategyDataset;
  /** Validation results: walk-forward, rolling windows, deflated Sharpe, signal validation (JSON-safe copies). */
  validation: { walkForward: JsonValue; rolling: JsonValue; deflatedSharpe: JsonValue; signal: JsonValue };
  /** Metrics of the evaluation period, exactly as produced by {@link runStrategy}. */
  metrics: Record<string, number>;
  /** sha256 (hex) of the canonical JSON of every other field. */
  contentHash: string;
}

/** What a caller supplies to build a strategy document. */
export interface StrategyInput {
  name: string;
  description?: string;
  kind: 'signals' | 'portfolio';
  factors: Record<string, string>;
  signal?: SignalRules;
  execution?: Partial<ExecutionSettings>;
  portfolio?: { factor: string; settings?: Partial<PortfolioSettings> };
  parameters?: Record<string, unknown>;
  validation?: { walkForward?: unknown; rolling?: unknown; deflatedSharpe?: unknown; signal?: unknown };
  /** The panel the strategy was validated on. */
  panel: Panel;
  /** Evaluation period as a bar range [start, end) of `panel` (default: the whole panel). */
  period?: { start: number; end: number };
  /** Creation time (default now). */
  createdAt?: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Factor names: identifiers, never a name an object already has (`constructor`, `__proto__`, `toString`). */
const FACTOR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESERVED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
/** Deepest JSON nesting a strategy document may hold (objects and arrays); a strategy needs about 10. */
export const MAX_STRATEGY_DEPTH = 64;

/** Whether `name` is an own key of `o` (never an inherited one such as `constructor`). */
const hasOwn = (o: object, name: string): boolean => Object.prototype.hasOwnProperty.call(o, name);

/**
 * Checks the factor names and expressions of a strategy: each name an identifier
 * that is not an Object.prototype member, each expression parsed by the engine,
 * each factor used by the signal rules or the portfolio (an unused factor is
 * refused: it is either a mistake or a tamper).
 * @throws Error prefixed with `where`, naming the factor and the engine's message.
 */
export function checkStrategyFactors(factors: Record<string, unknown>, used: ReadonlySet<string>, where: string): void {
  for (const [name, expr] of Object.entries(factors)) {
    if (!FACTOR_NAME_RE.test(name) || RESERVED_NAMES.has(name)) throw new Error(`${where}: factor name ${JSON.stringify(name)} must be an identifier (letters, digits, '_') and not a reserved name`);
    if (typeof expr !== 'string') throw new Error(`${where}: factor "${name}" must be an expression string`);
    try {
      parse(expr);
    } catch (err) {
      if (err instanceof ExprError) throw new Error(`${where}: factor "${name}": ${err.message}`);
      throw err;
    }
    if (!used.has(name)) throw new Error(`${where}: factor "${name}" is not used by the signal rules or the portfolio`);
  }
}

/** Factor names a definition's rules and portfolio refer to. */
function usedFactors(signal: unknown, portfolio: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (c: unknown, depth: number): void => {
    if (typeof c !== 'object' || c === null || depth > MAX_STRATEGY_DEPTH) return;
    const o = c as Record<string, unknown>;
    if (typeof o['factor'] === 'string') out.add(o['factor']);
    for (const k of ['all', 'any']) if (Array.isArray(o[k])) for (const x of o[k] as unknown[]) walk(x, depth + 1);
    if ('not' in o) walk(o['not'], depth + 1);
  };
  if (signal && typeof signal === 'object') for (const v of Object.values(signal)) walk(v, 0);
  if (portfolio && typeof portfolio === 'object' && typeof (portfolio as Record<string, unknown>)['factor'] === 'string') out.add((portfolio as Record<string, string>)['factor']!);
  return out;
}

/**
 * The deepest nesting of objects and arrays in a JSON text, found by a scan (no
 * recursion, so a 50,000-deep document cannot overflow the stack).
 * @returns depth and the position where the maximum was first reached.
 */
export function jsonDepth(text: string): { depth: number; position: number } {
  let depth = 0;
  let max = 0;
  let at = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) {
        max = depth;
        at = i;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return { depth: max, position: at };
}

/** sha256 hex of the canonical JSON of a document without its `contentHash`. */
export function strategyHash(doc: Omit<StrategyDocument, 'contentHash'> | StrategyDocument): string {
  const { contentHash: _omit, ...rest } = doc as StrategyDocument;
  void _omit;
  return createHash('sha256').update(canonicalJson(toJsonSafe(rest))).digest('hex');
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Evaluates named factor expressions with lib/expr on a panel (each result
 * nDates x nAssets, date-major, causal), e.g. to build a {@link SignalSpec}:
 * `{ factors: evaluateStrategyFactors(panel, { z: 'ts_zscore(funding_rate, 72)' }), ...reversalRules('z', 2, 0) }`.
 * @throws ExprError from lib/expr naming the bad expression
 */
export function evaluateStrategyFactors(panel: Panel, exprs: Record<string, string>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [name, expr] of Object.entries(exprs)) out[name] = evaluate(expr, panel);
  return out;
}

/** Result of running a strategy: its metrics and the full simulation output. */
export interface StrategyRun {
  metrics: Record<string, number>;
  result: BacktestResult | PortfolioResult;
}

/**
 * Runs a strategy definition on a panel over bars [start, end): evaluates the
 * factor expressions with lib/expr on the whole panel (causal), then
 * `backtestSignals` or `simulatePortfolio`.
 * @param factorValues precomputed factor arrays by name (skips evaluation of those names)
 * @throws Error from expression evaluation, a missing factor, or bad settings
 */
export function runStrategyDefinition(
  def: Pick<StrategyDocument, 'kind' | 'factors' | 'signal' | 'execution' | 'portfolio'>,
  panel: Panel,
  range: { start: number; end: number },
  factorValues: Record<string, Float64Array> = {},
): StrategyRun {
  const factors: Record<string, Float64Array> = {};
  for (const [name, expr] of Object.entries(def.factors)) factors[name] = (hasOwn(factorValues, name) ? factorValues[name] : undefined) ?? evaluate(expr, panel);
  if (def.kind === 'signals') {
    if (!def.signal) throw new Error('strategy of kind "signals" has no signal rules');
    const result = backtestSignals(panel, { ...def.signal, factors }, { ...(def.execution ?? {}), ...range });
    return { metrics: { ...result.metrics }, result };
  }
  if (!def.portfolio) throw new Error('strategy of kind "portfolio" has no portfolio section');
  const f = factors[def.portfolio.factor];
  if (!f) throw new Error(`strategy portfolio factor "${def.portfolio.factor}" is not among its factors: ${Object.keys(def.factors).join(', ')}`);
  const result = simulatePortfolio(f, panel, { ...def.portfolio.settings, ...range });
  return { metrics: { ...result.metrics }, result };
}

/**
 * Builds a complete strategy document (metrics computed by running it, so a
 * reload reproduces them) and returns it with the run.
 * @throws Error for a bad name, missing sections for the kind, or a run failure
 */
export function buildStrategyDocument(input: StrategyInput, factorValues: Record<string, Float64Array> = {}): { doc: StrategyDocument; run: StrategyRun } {
  if (!NAME_RE.test(input.name)) throw new Error(`strategy name "${input.name}" must be 1-64 letters, digits, '-' or '_' (starting with a letter or digit)`);
  checkStrategyFactors(input.factors, usedFactors(input.signal ?? null, input.portfolio ?? null), `strategy "${input.name}"`);
  const panel = input.panel;
  const T = panel.times.length;
  const period = input.period ?? { start: 0, end: T };
  if (!(period.start >= 0 && period.end <= T && period.start < period.end)) throw new RangeError(`strategy period [${period.start}, ${period.end}) is not a non-empty range inside [0, ${T}]`);
  let execution: StoredExecution | null = null;
  let portfolio: StrategyDocument['portfolio'] = null;
  if (input.kind === 'signals') {
    if (!input.signal) throw new Error('strategy of kind "signals" needs signal rules');
    const { start: _s, end: _e, ...rest } = resolveExecutionSettings(panel, { ...input.execution, ...period });
    void _s, void _e;
    execution = rest;
  } else if (input.kind === 'portfolio') {
    if (!input.portfolio) throw new Error('strategy of kind "portfolio" needs a portfolio section');
    const { start: _s, end: _e, ...rest } = resolvePortfolioSettings(panel, { ...input.portfolio.settings, ...period });
    void _s, void _e;
    portfolio = { factor: input.portfolio.factor, settings: rest };
  } else throw new Error(`strategy kind must be "signals" or "portfolio", got ${String(input.kind)}`);
  const def = { kind: input.kind, factors: { ...input.factors }, signal: input.signal ?? null, execution, portfolio };
  const run = runStrategyDefinition(def, panel, period, factorValues);
  const v = input.validation ?? {};
  const body: Omit<StrategyDocument, 'contentHash'> = {
    schema: STRATEGY_SCHEMA,
    schemaVersion: STRATEGY_SCHEMA_VERSION,
    name: input.name,
    description: input.description ?? '',
    createdAt: input.createdAt ?? new Date().toISOString(),
    ...def,
    parameters: toJsonSafe(input.parameters ?? {}) as Record<string, JsonValue>,
    dataset: {
      name: panel.dataset ?? null,
      frequency: panel.frequency,
      market: panel.market,
      assets: [...panel.assets],
      panelStart: iso(panel.times[0]!),
      panelEnd: iso(panel.times[T - 1]!),
      nBars: T,
      periodStart: iso(panel.times[period.start]!),
      periodEnd: iso(panel.times[period.end - 1]!),
      fingerprint: panelSha256(panel),
    },
    validation: {
      walkForward: toJsonSafe(v.walkForward ?? null),
      rolling: toJsonSafe(v.rolling ?? null),
      deflatedSharpe: toJsonSafe(v.deflatedSharpe ?? null),
      signal: toJsonSafe(v.signal ?? null),
    },
    metrics: run.metrics,
  };
  // round-trip through the JSON-safe form so the in-memory document equals a reloaded one
  const stored = fromStoredJson(JSON.parse(JSON.stringify(toJsonSafe(body))));
  const doc = { ...stored, contentHash: strategyHash(stored) } as StrategyDocument;
  return { doc, run };
}

/** Decodes the stored metrics ("NaN"/"Infinity" strings back to numbers). */
function fromStoredJson(raw: Record<string, unknown>): Omit<StrategyDocument, 'contentHash'> {
  const metrics: Record<string, number> = {};
  for (const [k, x] of Object.entries((raw['metrics'] ?? {}) as Record<string, unknown>)) metrics[k] = decodeNumber(x);
  return { ...(raw as unknown as StrategyDocument), metrics };
}

function checkCondition(c: unknown, path: string, factors: Record<string, string>): void {
  if (typeof c !== 'object' || c === null) throw new Error(`${path}: not a condition object`);
  const o = c as Record<string, unknown>;
  if (Array.isArray(o['all']) || Array.isArray(o['any'])) {
    const k = Array.isArray(o['all']) ? 'all' : 'any';
    (o[k] as unknown[]).forEach((x, i) => checkCondition(x, `${path}.${k}[${i}]`, factors));
    return;
  }
  if ('not' in o) return checkCondition(o['not'], `${path}.not`, factors);
  if (typeof o['factor'] !== 'string' || !hasOwn(factors, o['factor'])) throw new Error(`${path}: factor "${String(o['factor'])}" is not among the strategy's factors (${Object.keys(factors).join(', ')})`);
  if ('op' in o) {
    if (!['<', '<=', '>', '>='].includes(o['op'] as string) || typeof o['value'] !== 'number') throw new Error(`${path}: needs op in <, <=, >, >= and a numeric value`);
  } else if ('quantile' in o) {
    if (!['top', 'bottom'].includes(o['quantile'] as string) || typeof o['q'] !== 'number') throw new Error(`${path}: needs quantile 'top' or 'bottom' and a numeric q`);
  } else throw new Error(`${path}: needs op/value or quantile/q`);
}

/**
 * Parses and checks a strategy document from its JSON text: schema name and
 * version, required fields and their types, signal conditions, and the
 * content hash (any edit of the file after export is detected).
 * @param source file path or label used in error messages
 * @throws Error naming the file and the problem (incompatible schema/version, missing field, hash mismatch)
 */
export function checkStrategyDocument(text: string, source = 'strategy.json'): StrategyDocument {
  const nest = jsonDepth(text);
  if (nest.depth > MAX_STRATEGY_DEPTH) throw new Error(`${source}: nested ${nest.depth} levels deep at position ${nest.position}; a strategy document may nest at most ${MAX_STRATEGY_DEPTH}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Node's message quotes the text; a file that is not a strategy must not be echoed.
    const pos = /position (\d+)/.exec((err as Error).message);
    throw new Error(`${source}: not valid JSON${pos ? ` (at position ${pos[1]})` : ''}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: not a JSON object`);
  const o = raw as Record<string, unknown>;
  if (o['schema'] !== STRATEGY_SCHEMA) throw new Error(`${source}: incompatible file: schema is ${JSON.stringify(o['schema'])}, expected "${STRATEGY_SCHEMA}"`);
  if (o['schemaVersion'] !== STRATEGY_SCHEMA_VERSION) throw new Error(`${source}: incompatible schema version ${JSON.stringify(o['schemaVersion'])}; this version of lib/backtest reads version ${STRATEGY_SCHEMA_VERSION}`);
  const need = (k: string, type: string) => {
    const v = o[k];
    const t = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    if (!type.split('|').includes(t)) throw new Error(`${source}: field "${k}" must be ${type}, got ${t}`);
  };
  need('name', 'string');
  need('description', 'string');
  need('createdAt', 'string');
  need('kind', 'string');
  need('factors', 'object');
  need('signal', 'object|null');
  need('execution', 'object|null');
  need('portfolio', 'object|null');
  need('parameters', 'object');
  need('dataset', 'object');
  need('validation', 'object');
  need('metrics', 'object');
  need('contentHash', 'string');
  if (!NAME_RE.test(o['name'] as string)) throw new Error(`${source}: bad strategy name ${JSON.stringify(o['name'])}`);
  const factors = o['factors'] as Record<string, unknown>;
  const ds = o['dataset'] as Record<string, unknown>;
  for (const k of ['frequency', 'market', 'panelStart', 'panelEnd', 'periodStart', 'periodEnd', 'fingerprint']) if (typeof ds[k] !== 'string') throw new Error(`${source}: dataset.${k} must be a string`);
  if (!Array.isArray(ds['assets']) || typeof ds['nBars'] !== 'number') throw new Error(`${source}: dataset.assets must be an array and dataset.nBars a number`);
  if (o['kind'] === 'signals') {
    if (!o['signal'] || !o['execution']) throw new Error(`${source}: a "signals" strategy needs "signal" and "execution"`);
    const sig = o['signal'] as Record<string, unknown>;
    for (const k of ['longEntry', 'longExit', 'shortEntry', 'shortExit']) if (sig[k] !== undefined) checkCondition(sig[k] as Condition, `${source}: signal.${k}`, factors as Record<string, string>);
  } else if (o['kind'] === 'portfolio') {
    const p = o['portfolio'] as Record<string, unknown> | null;
    if (!p || typeof p['factor'] !== 'string' || typeof p['settings'] !== 'object') throw new Error(`${source}: a "portfolio" strategy needs portfolio.factor and portfolio.settings`);
    if (!hasOwn(factors, p['factor'] as string)) throw new Error(`${source}: portfolio.factor "${p['factor']}" is not among the factors`);
  } else throw new Error(`${source}: kind must be "signals" or "portfolio", got ${JSON.stringify(o['kind'])}`);
  checkStrategyFactors(factors, usedFactors(o['signal'], o['portfolio']), source);
  const doc = { ...fromStoredJson(o), contentHash: o['contentHash'] as string } as StrategyDocument;
  const h = strategyHash(doc);
  if (h !== doc.contentHash) throw new Error(`${source}: content hash mismatch (stored ${doc.contentHash.slice(0, 12)}..., computed ${h.slice(0, 12)}...): the file was modified after export; refusing to load it`);
  return doc;
}

/**
 * Re-runs a stored strategy on a panel and returns its metrics for the stored
 * period. The panel must be the one the strategy was exported from (same
 * assets, bars and data fingerprint) unless `allowDataChange` is set, in which
 * case the period is located by its start/end times.
 * @throws Error describing the mismatch between the panel and the stored dataset
 */
export function rerunStrategy(doc: StrategyDocument, panel: Panel, opts: { allowDataChange?: boolean; factorValues?: Record<string, Float64Array> } = {}): Record<string, number> {
  return rerunStrategyFull(doc, panel, opts).metrics;
}

/** {@link rerunStrategy} with the full simulation result. */
export function rerunStrategyFull(doc: StrategyDocument, panel: Panel, opts: { allowDataChange?: boolean; factorValues?: Record<string, Float64Array> } = {}): StrategyRun {
  const ds = doc.dataset;
  const where = `strategy "${doc.name}"`;
  if (panel.frequency !== ds.frequency || panel.market !== ds.market) throw new Error(`${where}: panel is ${panel.market} ${panel.frequency}, the strategy was built on ${ds.market} ${ds.frequency}`);
  if (panel.assets.join('\u0000') !== ds.assets.join('\u0000')) throw new Error(`${where}: panel assets (${panel.assets.length}) differ from the stored ones (${ds.assets.length})`);
  if (!opts.allowDataChange) {
    const T = panel.times.length;
    if (T !== ds.nBars || iso(panel.times[0]!) !== ds.panelStart || iso(panel.times[T - 1]!) !== ds.panelEnd) {
      throw new Error(`${where}: panel spans ${formatTime(panel.times[0]!, panel.frequency)}..${formatTime(panel.times[T - 1]!, panel.frequency)} (${T} bars), the strategy was built on ${ds.panelStart}..${ds.panelEnd} (${ds.nBars} bars)`);
    }
    const fp = panelSha256(panel);
    if (fp !== ds.fingerprint) throw new Error(`${where}: panel data differs from the data the strategy was exported on (fingerprint ${fp.slice(0, 12)}... vs ${ds.fingerprint.slice(0, 12)}...); pass allowDataChange to run anyway`);
  }
  const findBar = (isoTime: string, label: string): number => {
    const ms = Date.parse(isoTime);
    for (let t = 0; t < panel.times.length; t++) if (panel.times[t] === ms) return t;
    throw new Error(`${where}: the panel has no bar at the stored ${label} ${isoTime}`);
  };
  const range = { start: findBar(ds.periodStart, 'period start'), end: findBar(ds.periodEnd, 'period end') + 1 };
  return runStrategyDefinition(doc, panel, range, opts.factorValues);
}

/**
 * Re-runs a strategy and compares every stored metric with the re-run, bit for
 * bit (NaN equals NaN).
 * @returns ok when all metrics are identical; otherwise the differing ones
 */
export function verifyStrategy(doc: StrategyDocument, panel: Panel, opts: { factorValues?: Record<string, Float64Array> } = {}): { ok: boolean; mismatches: Array<{ metric: string; stored: number; rerun: number }> } {
  const m = rerunStrategy(doc, panel, opts);
  const mismatches: Array<{ metric: string; stored: number; rerun: number }> = [];
  const keys = new Set([...Object.keys(doc.metrics), ...Object.keys(m)]);
  for (const k of keys) {
    const a = doc.metrics[k], b = m[k];
    if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) mismatches.push({ metric: k, stored: a ?? NaN, rerun: b ?? NaN });
  }
  return { ok: mismatches.length === 0, mismatches };
}
