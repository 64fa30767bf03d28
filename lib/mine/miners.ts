/**
 * The miners: candidate streams handed to the shared run ({@link runMiner}).
 * - {@link mineGrid}: the template grid (grid.ts), enumerated or sampled with a seed;
 * - {@link mineVariants}: the hopeful alphas (the `hopeful_alphas` table or a
 *   file) and their single-mutation variants (variants.ts); each parent is
 *   screened first (mutation 'parent'), so every variant is compared with its
 *   parent on the same train segment.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Panel } from '../data/panel.js';
import { canonical } from '../expr/index.js';
import type { FactorStore } from '../factors/index.js';
import { listHopefulAlphas } from '../venues/brain/index.js';
import { DEFAULT_TEMPLATES, gridCandidates, type GridDomains, type GridSkips } from './grid.js';
import { runMiner, type MineCandidate, type MineResult, type MineRunOptions } from './run.js';
import { expressionVariants } from './variants.js';

/** Options every miner takes (see {@link MineRunOptions}). */
export type MineCommon = Omit<MineRunOptions, 'miner' | 'candidates' | 'config'>;

/** Price-volume fields of the panel used by default: open, high, low, close, volume, vwap, returns (those present). */
export function defaultMineFields(panel: Panel): string[] {
  return ['open', 'high', 'low', 'close', 'volume', 'vwap', 'returns'].filter((f) => f in panel.fields);
}

/** Options of {@link mineGrid}. */
export interface MineGridOptions extends MineCommon {
  /** Templates with typed holes. Default {@link DEFAULT_TEMPLATES}. */
  readonly templates?: readonly string[];
  /** Hole domains (fields default: {@link defaultMineFields}). */
  readonly domains?: Partial<GridDomains>;
  readonly order?: 'enumerate' | 'sample';
  /** Seed of the sample order. Default 42. */
  readonly seed?: number;
}

/** Runs the template grid miner. @throws Error for a bad template or a panel without a dataset name. */
export async function mineGrid(o: MineGridOptions): Promise<MineResult & { skips: GridSkips }> {
  const templates = o.templates ?? DEFAULT_TEMPLATES;
  const domains: GridDomains = { ...o.domains, fields: o.domains?.fields ?? defaultMineFields(o.panel) };
  const order = o.order ?? 'sample', seed = o.seed ?? 42;
  const skips: GridSkips = { duplicate: 0, sameField: 0, invalid: 0 };
  const stream = function* (): Generator<MineCandidate> {
    for (const g of gridCandidates(templates, domains, { order, seed, skips })) yield { expression: g.expression, template: g.template };
  };
  const r = await runMiner({ ...o, miner: 'grid', candidates: stream(), config: { templates, domains, order, seed } });
  return { ...r, skips };
}

/** Options of {@link mineVariants}. */
export interface MineVariantsOptions extends MineCommon {
  /** Parent expressions; default: every row of the `hopeful_alphas` table. */
  readonly parents?: readonly string[];
  /** Fields a field may be swapped for (default {@link defaultMineFields}). */
  readonly fields?: readonly string[];
  /** Shuffle each parent's variants with this seed. */
  readonly seed?: number;
}

/**
 * Reads parent expressions from a file: a JSON array of strings or of
 * `{expression}` objects (a hopeful_alphas.json), or one expression per line
 * (`#` comments and blank lines skipped).
 * @throws Error naming the file and entry for an entry without an expression.
 */
export function readParentsFile(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('[')) {
    const v = JSON.parse(text) as unknown[];
    return v.map((e, i) => {
      const s = typeof e === 'string' ? e : (e as { expression?: unknown } | null)?.expression;
      if (typeof s !== 'string' || !s.trim()) throw new Error(`${path}[${i}]: no expression`);
      return s;
    });
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/**
 * Runs the expression-variants miner: parents in order, each followed by its
 * variants. @throws Error when there is no parent, or for an unparseable parent (named).
 */
export async function mineVariants(o: MineVariantsOptions): Promise<MineResult> {
  const parents = o.parents ?? (await listHopefulAlphas(o.store.db)).map((h) => h.expression);
  if (parents.length === 0) throw new Error('mine variants: no parent expressions (the hopeful_alphas table is empty and no file was given)');
  const canon = parents.map((p) => {
    try {
      return canonical(p);
    } catch (err) {
      throw new Error(`mine variants: parent ${JSON.stringify(p)} does not parse: ${(err as Error).message}`);
    }
  });
  const fields = o.fields ?? defaultMineFields(o.panel);
  const stream = function* (): Generator<MineCandidate> {
    for (const p of canon) {
      yield { expression: p, mutation: 'parent' };
      for (const v of expressionVariants(p, { fields, ...(o.seed !== undefined ? { seed: o.seed } : {}) })) yield v;
    }
  };
  return runMiner({ ...o, miner: 'variants', candidates: stream(), config: { parents: canon, fields, seed: o.seed ?? null } });
}
