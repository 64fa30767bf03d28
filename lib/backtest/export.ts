/**
 * Strategy export and reload (file I/O): `strategies/<name>/strategy.json`
 * (the schema-versioned, hashed {@link StrategyDocument}), `README.md` (a
 * human-readable summary) and `tearsheet.html` (plotly figures, with one
 * plotly.js in the strategies root shared by every strategy folder, so the pages open offline).
 */
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Panel } from '../data/panel.js';
import { nonFiniteAsString } from '../db/index.js';
import { projectRoot } from '../db/paths.js';
import { writeFiguresHtml } from '../viz/html.js';
import { buildStrategyDocument, checkStrategyDocument, verifyStrategy, type StrategyDocument, type StrategyInput } from './strategy.js';
import { strategyFigures } from './tearsheet.js';

/** Default root folder of exported strategies: `<project root>/strategies`. */
export function defaultStrategiesDir(): string {
  return join(projectRoot(), 'strategies');
}

const fmt = (x: unknown): string => {
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4);
  if (typeof x === 'string') return x;
  return JSON.stringify(x);
};

/** Markdown summary of a strategy document (what it trades, on what data, with which costs, and how it validated). */
export function strategySummaryMarkdown(doc: StrategyDocument): string {
  const lines: string[] = [];
  lines.push(`# Strategy ${doc.name}`, '');
  if (doc.description) lines.push(doc.description, '');
  lines.push(`- Kind: ${doc.kind === 'signals' ? 'entry/exit signals (event-aware bar backtest)' : 'cross-sectional factor portfolio (BRAIN-style simulation)'}`);
  lines.push(`- Dataset: ${doc.dataset.name ?? '(unnamed panel)'}, ${doc.dataset.market} ${doc.dataset.frequency}, ${doc.dataset.assets.length} assets, ${doc.dataset.nBars} bars ${doc.dataset.panelStart} .. ${doc.dataset.panelEnd}`);
  lines.push(`- Evaluation period: ${doc.dataset.periodStart} .. ${doc.dataset.periodEnd}`);
  lines.push(`- Created: ${doc.createdAt}; schema ${doc.schema} v${doc.schemaVersion}; content hash \`${doc.contentHash}\``, '');
  lines.push('## Factors', '', '| name | expression |', '|---|---|');
  for (const [k, v] of Object.entries(doc.factors)) lines.push(`| ${k} | \`${v}\` |`);
  lines.push('');
  if (doc.signal) lines.push('## Signal rules', '', '```json', JSON.stringify(doc.signal, null, 2), '```', '');
  if (doc.execution) lines.push('## Execution, costs and risk', '', '```json', JSON.stringify(doc.execution, null, 2), '```', '');
  if (doc.portfolio) lines.push('## Portfolio settings', '', `Factor: \`${doc.portfolio.factor}\``, '', '```json', JSON.stringify(doc.portfolio.settings, null, 2), '```', '');
  if (Object.keys(doc.parameters).length > 0) lines.push('## Tuned parameters', '', '```json', JSON.stringify(doc.parameters, null, 2), '```', '');
  lines.push('## Metrics (evaluation period)', '', '| metric | value |', '|---|---|');
  for (const [k, v] of Object.entries(doc.metrics)) lines.push(`| ${k} | ${fmt(v)} |`);
  lines.push('');
  const v = doc.validation as Record<string, unknown>;
  const wf = v['walkForward'] as Record<string, Record<string, unknown>> | null;
  const ro = v['rolling'] as Record<string, unknown> | null;
  const ds = v['deflatedSharpe'] as Record<string, unknown> | null;
  lines.push('## Validation', '');
  if (wf) lines.push(`- Walk-forward Sharpe: train ${fmt(wf['train']?.['sharpe'])}, validation ${fmt(wf['validation']?.['sharpe'])}, test ${fmt(wf['test']?.['sharpe'])}`);
  if (ro) lines.push(`- Rolling windows: ${fmt((ro['windows'] as unknown[] | undefined)?.length)} windows, positive test share ${fmt(ro['positiveShare'])} (pass: ${fmt(ro['pass'])}), mean Sharpe train ${fmt(ro['meanTrainSharpe'])} -> test ${fmt(ro['meanTestSharpe'])} (decay flag: ${fmt(ro['decayFlag'])})`);
  if (ds) lines.push(`- Deflated Sharpe Ratio: ${fmt(ds['dsr'])} with ${fmt(ds['nTrials'])} configurations tried (expected max Sharpe of unskilled trials ${fmt(ds['sr0'])})`);
  if (v['signal']) lines.push(`- Signal validation: ${JSON.stringify(v['signal'])}`);
  if (!wf && !ro && !ds && !v['signal']) lines.push('- (none recorded)');
  lines.push('', 'Reload with `loadStrategy(dir)` and check with `verifyStrategy(doc, panel)` from `lib/backtest`.', '');
  return lines.join('\n');
}

/**
 * Exports a strategy to `<dir>/<name>/`: builds the document (running the
 * strategy on `input.panel` over `input.period` to compute its metrics),
 * writes `strategy.json`, `README.md` and `tearsheet.html`.
 * @param opts.dir root folder (default `<project root>/strategies`);
 *   `overwrite` (default true) replaces an existing export of the same name;
 *   `factorValues` precomputed factor arrays by name (must equal the expressions' values).
 * @returns the folder written, the content hash and the document
 * @throws Error for a bad document (see buildStrategyDocument) or when the folder exists and overwrite is false
 */
export async function exportStrategy(
  input: StrategyInput,
  opts: { dir?: string; overwrite?: boolean; factorValues?: Record<string, Float64Array>; plotly?: 'copy' | 'inline' } = {},
): Promise<{ dir: string; hash: string; doc: StrategyDocument }> {
  const { doc, run } = buildStrategyDocument(input, opts.factorValues);
  const dir = resolve(opts.dir ?? defaultStrategiesDir(), doc.name);
  if (existsSync(join(dir, 'strategy.json')) && opts.overwrite === false) throw new Error(`exportStrategy: ${dir} already holds a strategy; pass overwrite: true to replace it`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'strategy.json'), JSON.stringify(doc, nonFiniteAsString, 2) + '\n');
  writeFileSync(join(dir, 'README.md'), strategySummaryMarkdown(doc));
  const ro = doc.validation.rolling as { windows?: Array<{ train?: { sharpe?: unknown }; test?: { sharpe?: unknown } }> } | null;
  const num = (x: unknown) => (typeof x === 'number' ? x : NaN);
  const rolling = ro?.windows ? { train: ro.windows.map((w) => num(w.train?.sharpe)), test: ro.windows.map((w) => num(w.test?.sharpe)) } : undefined;
  const metricsRows = Object.entries(doc.metrics)
    .map(([k, v]) => `<tr><td>${k}</td><td>${fmt(v)}</td></tr>`)
    .join('');
  writeFiguresHtml(join(dir, 'tearsheet.html'), strategyFigures(run.result, { title: doc.name, ...(rolling ? { rolling } : {}) }), {
    title: `Strategy ${doc.name}`,
    headerHtml: `<p>${doc.kind} strategy on ${doc.dataset.name ?? 'panel'} (${doc.dataset.frequency}), period ${doc.dataset.periodStart} .. ${doc.dataset.periodEnd}. Hash <code>${doc.contentHash}</code></p><table><tr><th>metric</th><th>value</th></tr>${metricsRows}</table>`,
    plotly: opts.plotly ?? 'copy',
    plotlyDir: dirname(dir), // one plotly.js for every strategy under the same root
  });
  return { dir, hash: doc.contentHash, doc };
}

/** Largest strategy.json accepted by {@link loadStrategy}, in bytes (16 MiB; an export is a few KB). */
export const MAX_STRATEGY_BYTES = 16 << 20;

/** Options of {@link loadStrategy}. */
export interface LoadStrategyOptions {
  /**
   * The panel the strategy was exported on: the strategy is re-run on it and every
   * stored metric must be reproduced bit for bit (see {@link verifyStrategy}).
   * Required unless `verify` is false.
   */
  panel?: Panel;
  /** Verify against `panel` (default true). Pass false to load without re-running: the content hash is a checksum, not a signature, so an edit with a recomputed hash is caught only by verification. */
  verify?: boolean;
  /** Precomputed factor values by name, as for verifyStrategy. */
  factorValues?: Record<string, Float64Array>;
  /** The strategies folder the strategy must resolve inside (default: the parent of `dir` when it is a path, else `<project root>/strategies`). */
  root?: string;
}

/**
 * Loads `<dir>/strategy.json`, checks it (schema, version, fields, nesting depth,
 * factor names and expressions parsed by the engine, content hash) and, by
 * default, verifies it by re-running it on `opts.panel`.
 * @param dir a strategy folder, or a name under the default strategies folder
 * @throws Error naming the file when it is missing, not a regular file, larger than
 *   {@link MAX_STRATEGY_BYTES}, resolves (through a symlink) outside the strategies
 *   folder, is tampered with or incompatible, holds a factor the engine refuses
 *   (naming the factor), or does not reproduce its metrics on the panel; Error when
 *   neither a panel nor `verify: false` is given.
 */
export async function loadStrategy(dir: string, opts: LoadStrategyOptions = {}): Promise<StrategyDocument> {
  const isPath = existsSync(dir) || /[\\/]/.test(dir);
  const folder = resolve(isPath ? dir : join(opts.root ?? defaultStrategiesDir(), dir));
  const root = resolve(opts.root ?? (isPath ? dirname(folder) : defaultStrategiesDir()));
  const file = join(folder, 'strategy.json');
  if (!existsSync(file)) throw new Error(`loadStrategy: no strategy file at ${file}`);
  // Symlinks may not lead out of the strategies folder (the file is not read then, so nothing of it is echoed).
  const real = realpathSync(file);
  const realRoot = realpathSync(root);
  if (real !== join(realRoot, basename(folder), 'strategy.json') && !real.startsWith(realRoot + sep)) {
    throw new Error(`loadStrategy: ${file} resolves outside the strategies folder ${root}; refusing to read it`);
  }
  const st = statSync(real);
  if (!st.isFile()) throw new Error(`loadStrategy: ${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a strategy file`);
  if (st.size > MAX_STRATEGY_BYTES) throw new Error(`loadStrategy: ${file} is ${st.size} bytes, over the limit of ${MAX_STRATEGY_BYTES}`);
  const doc = checkStrategyDocument(readFileSync(real, 'utf8'), file);
  if (opts.verify === false) return doc;
  if (!opts.panel) throw new Error(`loadStrategy: ${file}: pass { panel } to verify the strategy against the data it was exported on, or { verify: false } to load it unverified`);
  let check;
  try {
    check = verifyStrategy(doc, opts.panel, opts.factorValues ? { factorValues: opts.factorValues } : {});
  } catch (err) {
    throw new Error(`${file}: cannot verify on the given panel: ${(err as Error).message}`);
  }
  if (!check.ok) {
    const list = check.mismatches.slice(0, 5).map((m) => `${m.metric} stored ${m.stored}, re-run ${m.rerun}`).join('; ');
    throw new Error(`${file}: the stored metrics are not reproduced on the given panel (${check.mismatches.length} differ: ${list}); the file was edited or the data changed`);
  }
  return doc;
}
