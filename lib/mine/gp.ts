/**
 * Genetic programming on the typed AST (first pass): a generational GP whose
 * individuals are expressions, fitness = train-segment net Sharpe from the one
 * screen minus a parsimony penalty per AST node; tournament selection, typed
 * subtree crossover (lib/expr `crossover`: series subtrees only), mutation by
 * one typed single-step variant (variants.ts: window scaling, field and
 * operator swaps, wrapping, negation), depth and size limits, elitism, all
 * draws from one seeded lib/stats `Rng`.
 *
 * The initial population is sampled from the template grid (grid.ts), so
 * every individual is typed from the start. The stream is generated lazily:
 * the next generation is bred only after every result of the current one is
 * known ({@link MineRunOptions.onResult}), and on resume those results come
 * from the journal, so an interrupted run breeds exactly what an
 * uninterrupted one would.
 *
 * @module
 */
import { crossover, parse, subtrees, type Expr } from '../expr/index.js';
import { Rng } from '../stats/index.js';
import { DEFAULT_TEMPLATES, gridCandidates, type GridDomains } from './grid.js';
import { defaultMineFields, type MineCommon } from './miners.js';
import { isDegenerate, MINE_BARRIER, runMiner, type MineCandidate, type MinedCandidate, type MineResult } from './run.js';
import { expressionVariants } from './variants.js';

/** GP settings. */
export interface GpSettings {
  /** Individuals per generation. Default 20. */
  readonly population: number;
  /** Generations after the initial one. Default 10. */
  readonly generations: number;
  /** Tournament size. Default 3. */
  readonly tournament: number;
  /** Probability that a child comes from crossover (else mutation). Default 0.6. */
  readonly crossoverRate: number;
  /** Best individuals copied unchanged into the next generation (not re-screened). Default 2. */
  readonly elite: number;
  /** Most AST nodes of an individual. Default 24. */
  readonly maxSize: number;
  /** Most AST depth (root = 1). Default 6. */
  readonly maxDepth: number;
  /** Fitness penalty per AST node (Sharpe units). Default 0.01. */
  readonly parsimony: number;
}

/** Default {@link GpSettings}. */
export const DEFAULT_GP: GpSettings = { population: 20, generations: 10, tournament: 3, crossoverRate: 0.6, elite: 2, maxSize: 24, maxDepth: 6, parsimony: 0.01 };

/** Nodes and depth of an AST. */
export function treeShape(e: Expr): { size: number; depth: number } {
  const s = subtrees(e);
  return { size: s.length, depth: 1 + Math.max(0, ...s.map((x) => x.path.length)) };
}

/** GP fitness: train Sharpe minus parsimony x size; -Infinity for a candidate not screened, with a non-finite Sharpe or a degenerate factor (lib/screen `degenerate_signal`). */
export function gpFitness(row: (Pick<MinedCandidate, 'status' | 'sharpe'> & Partial<Pick<MinedCandidate, 'failureKinds'>>) | undefined, size: number, parsimony: number): number {
  if (!row || row.status !== 'screened' || !Number.isFinite(row.sharpe) || isDegenerate(row)) return -Infinity;
  return row.sharpe - parsimony * size;
}

/**
 * The GP candidate stream: generation 0 from the grid, then children bred
 * from the results `results` holds (filled by the run's onResult). Children
 * over the size / depth limits, already tried, or not applicable are redrawn
 * (at most 20 tries per child; then the slot stays empty). A
 * {@link MINE_BARRIER} precedes each bred generation: the run records every
 * result of the current one first, whatever its batch size.
 */
export function* gpCandidates(opts: { settings: GpSettings; seed: number; templates: readonly string[]; domains: GridDomains; fields: readonly string[]; results: ReadonlyMap<string, MinedCandidate> }): Generator<MineCandidate | typeof MINE_BARRIER> {
  const { settings: g, results } = opts;
  const rng = new Rng(opts.seed);
  const within = (e: string): boolean => {
    const s = treeShape(parse(e));
    return s.size <= g.maxSize && s.depth <= g.maxDepth;
  };
  let pop: string[] = [];
  for (const c of gridCandidates(opts.templates, opts.domains, { order: 'sample', seed: opts.seed })) {
    if (!within(c.expression)) continue;
    pop.push(c.expression);
    yield { expression: c.expression, template: c.template, generation: 0 };
    if (pop.length >= g.population) break;
  }
  const tried = new Set(pop);
  const fit = (e: string) => gpFitness(results.get(e), treeShape(parse(e)).size, g.parsimony);
  for (let gen = 1; gen <= g.generations; gen++) {
    yield MINE_BARRIER;
    const scored = pop.map((e) => ({ e, f: fit(e) })).sort((a, b) => b.f - a.f || (a.e < b.e ? -1 : 1));
    const pick = (): string => {
      let best = scored[rng.int(scored.length)]!;
      for (let k = 1; k < g.tournament; k++) {
        const c = scored[rng.int(scored.length)]!;
        if (c.f > best.f) best = c;
      }
      return best.e;
    };
    const next = scored.slice(0, g.elite).map((s) => s.e);
    while (next.length < g.population) {
      let child: MineCandidate | undefined;
      for (let attempt = 0; attempt < 20 && !child; attempt++) {
        const a = pick();
        if (rng.random() < g.crossoverRate) {
          const b = pick();
          const sa = subtrees(parse(a)).filter((s) => s.kind === 'series');
          const sb = subtrees(parse(b)).filter((s) => s.kind === 'series');
          const pa = sa[rng.int(sa.length)]!.path, pb = sb[rng.int(sb.length)]!.path;
          const m = crossover(a, b, pa, pb);
          if (m.ok && !tried.has(m.canonical) && within(m.canonical)) child = { expression: m.canonical, parent: a, mutation: `crossover [${pa.join(',')}] <- ${b} [${pb.join(',')}]`, generation: gen };
        } else {
          const vs = expressionVariants(a, { fields: opts.fields });
          const v = vs.length ? vs[rng.int(vs.length)]! : undefined;
          if (v && !tried.has(v.expression) && within(v.expression)) child = { expression: v.expression, parent: a, mutation: v.mutation, generation: gen };
        }
      }
      if (!child) break;
      tried.add(child.expression);
      next.push(child.expression);
      yield child;
    }
    pop = next;
  }
}

/** Options of {@link mineGp}. */
export interface MineGpOptions extends MineCommon {
  readonly gp?: Partial<GpSettings>;
  /** Seed of every GP draw. Default 42. */
  readonly seed?: number;
  /** Templates of the initial population. Default {@link DEFAULT_TEMPLATES}. */
  readonly templates?: readonly string[];
  readonly domains?: Partial<GridDomains>;
}

/** Runs the GP miner (`--max` bounds the candidates screened as for every miner). */
export async function mineGp(o: MineGpOptions): Promise<MineResult> {
  const settings: GpSettings = { ...DEFAULT_GP, ...o.gp };
  const seed = o.seed ?? 42;
  const templates = o.templates ?? DEFAULT_TEMPLATES;
  const fields = o.domains?.fields ?? defaultMineFields(o.panel);
  const domains: GridDomains = { ...o.domains, fields };
  const results = new Map<string, MinedCandidate>();
  const stream = gpCandidates({ settings, seed, templates, domains, fields, results });
  return runMiner({
    ...o, miner: 'gp', candidates: stream, config: { settings, seed, templates, domains },
    onResult: (row) => {
      results.set(row.expression, row);
      o.onResult?.(row);
    },
  });
}
