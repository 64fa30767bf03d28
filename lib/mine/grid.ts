/**
 * Template grid: templates with typed holes, the holes' domains drawn from the
 * one operator registry (lib/expr ops.ts) and the panel's fields, the grid
 * enumerated in order or sampled without replacement with the project's seeded
 * RNG (lib/stats `Rng`), canonical duplicates skipped.
 *
 * Hole syntax (on top of lib/expr `instantiateTemplate`'s `{name:kind}` for
 * kinds `field`, `window`, `number`, `group`, `series`):
 * - `{name:ts_op}`: a time-series operator taking exactly (series, window), e.g. ts_mean, ts_std, ts_delta...;
 * - `{name:cs_op}`: a cross-sectional operator taking exactly (series), e.g. rank, zscore, demean;
 * - `{name:ew_op}`: an element-wise operator taking exactly (series, series), e.g. add, sub, mul, div.
 * A hole name used twice is one binding. Two `field` holes of one template
 * never bind the same field (`ts_corr(close, close, d)` is a constant).
 *
 * @module
 */
import { instantiateTemplate, OPERATORS, type OpSpec } from '../expr/index.js';
import { Rng } from '../stats/index.js';

/** A hole kind of a grid template. */
export type GridHoleKind = 'field' | 'window' | 'number' | 'group' | 'ts_op' | 'cs_op' | 'ew_op';

/** One hole of a template and the values it takes, in grid order. */
export interface GridHole {
  readonly name: string;
  readonly kind: GridHoleKind;
  readonly values: readonly (string | number)[];
}

/** Domains of the holes by kind (and optional per-hole overrides by name). */
export interface GridDomains {
  /** Field names (series). */
  readonly fields: readonly string[];
  /** Window lengths in bars. Default {@link DEFAULT_WINDOWS}. */
  readonly windows?: readonly number[];
  /** Numbers for `number` holes. Default [1, 2]. */
  readonly numbers?: readonly number[];
  /** Group names for `group` holes. Default ['sector']. */
  readonly groups?: readonly string[];
  /** Operator names allowed in operator holes (default: every registry operator of the hole's signature). */
  readonly operators?: readonly string[];
  /** Per-hole domains by hole name, replacing the kind's domain. */
  readonly holes?: Readonly<Record<string, readonly (string | number)[]>>;
}

/** Window lengths in bars of the default grid: a week, two weeks, a month, a quarter of trading days. */
export const DEFAULT_WINDOWS: readonly number[] = [5, 10, 20, 60];

/** A handful of classic price-volume templates (101 Formulaic Alphas style). */
export const DEFAULT_TEMPLATES: readonly string[] = [
  'rank({f:ts_op}({x:field}, {d:window}))',
  '-rank(ts_delta({x:field}, {d:window}))',
  '-ts_corr(rank({x:field}), rank({y:field}), {d:window})',
  '{c:cs_op}(ts_delta({x:field}, {d:window}) / ts_std({x:field}, {e:window}))',
  'rank({x:field} / ts_mean({x:field}, {d:window}))',
];

const HOLE = /\{([A-Za-z_][A-Za-z0-9_]*):(field|window|number|group|series|ts_op|cs_op|ew_op)\}/g;

const sig = (o: OpSpec): string => o.args.map((a) => a.kind).join(',');

/** Registry operators that fill an operator hole of this kind (sorted by name; indicators and unary prefix operators excluded). */
export function operatorsForHole(kind: 'ts_op' | 'cs_op' | 'ew_op'): string[] {
  const want = kind === 'ts_op' ? ['time_series', 'series,window'] : kind === 'cs_op' ? ['cross_sectional', 'series'] : ['element_wise', 'series,series'];
  return OPERATORS.filter((o) => o.kind === want[0] && sig(o) === want[1] && !o.infix?.unary).map((o) => o.name).sort();
}

/**
 * The holes of a template with their domains, in order of first appearance.
 * @throws Error naming the template and hole for a `series` hole (not enumerable) or an empty domain.
 */
export function templateHoles(template: string, d: GridDomains): GridHole[] {
  const out: GridHole[] = [];
  const seen = new Set<string>();
  for (const m of template.matchAll(HOLE)) {
    const [, name, kind] = m as unknown as [string, string, GridHoleKind | 'series'];
    if (seen.has(name)) continue;
    seen.add(name);
    if (kind === 'series') throw new Error(`template ${template}: hole ${name} is a series, which a grid cannot enumerate; use field / window / number / group / ts_op / cs_op / ew_op holes`);
    let values: readonly (string | number)[] | undefined = d.holes?.[name];
    if (!values) {
      switch (kind) {
        case 'field': values = d.fields; break;
        case 'window': values = d.windows ?? DEFAULT_WINDOWS; break;
        case 'number': values = d.numbers ?? [1, 2]; break;
        case 'group': values = d.groups ?? ['sector']; break;
        default: values = operatorsForHole(kind).filter((o) => !d.operators || d.operators.includes(o));
      }
    }
    if (values.length === 0) throw new Error(`template ${template}: hole ${name} (${kind}) has an empty domain`);
    out.push({ name, kind, values });
  }
  return out;
}

/** Number of points of a template's grid (the product of its holes' domain sizes). */
export function gridSize(holes: readonly GridHole[]): number {
  return holes.reduce((n, h) => n * h.values.length, 1);
}

/** The bindings of grid point `index` (mixed radix, the last hole fastest). */
export function gridPoint(holes: readonly GridHole[], index: number): Record<string, string | number> {
  const b: Record<string, string | number> = {};
  let rest = index;
  for (let h = holes.length - 1; h >= 0; h--) {
    const n = holes[h]!.values.length;
    b[holes[h]!.name] = holes[h]!.values[rest % n]!;
    rest = Math.floor(rest / n);
  }
  return b;
}

/** A grid candidate: its canonical expression and where it came from. */
export interface GridCandidate {
  readonly expression: string;
  readonly template: string;
  readonly bindings: Readonly<Record<string, string | number>>;
}

/** Why grid points were not candidates (counts). */
export interface GridSkips {
  /** Canonical form already produced by an earlier point of the stream. */
  duplicate: number;
  /** Two field holes bound to the same field. */
  sameField: number;
  /** instantiateTemplate refused the binding (e.g. grammar). */
  invalid: number;
}

/** Options of {@link gridCandidates}. */
export interface GridOptions {
  /** 'enumerate': templates in order, each grid in mixed-radix order; 'sample': one seeded permutation of all points of all templates. Default 'sample'. */
  readonly order?: 'enumerate' | 'sample';
  /** Seed of the sample order. Default 42. */
  readonly seed?: number;
  /** Counters of skipped points, filled while iterating. */
  readonly skips?: GridSkips;
}

/** Largest grid (all templates together) that {@link gridCandidates} accepts: it keeps one index per point. */
export const MAX_GRID_POINTS = 20_000_000;

/**
 * The candidates of a template grid as a deterministic stream: the same
 * templates, domains and options give the same sequence (what makes a mining
 * run resumable). Points whose canonical expression was already produced are
 * skipped (and counted in `opts.skips`).
 * @throws Error for a bad template (see {@link templateHoles}) or a grid over {@link MAX_GRID_POINTS}.
 */
export function* gridCandidates(templates: readonly string[], domains: GridDomains, opts: GridOptions = {}): Generator<GridCandidate> {
  const grids = templates.map((t) => ({ template: t, holes: templateHoles(t, domains) }));
  const sizes = grids.map((g) => gridSize(g.holes));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > MAX_GRID_POINTS) throw new Error(`template grid has ${total} points, more than ${MAX_GRID_POINTS}; narrow the domains`);
  const offsets: number[] = [];
  sizes.reduce((acc, s) => (offsets.push(acc), acc + s), 0);
  let order: Uint32Array | undefined;
  if ((opts.order ?? 'sample') === 'sample') {
    order = new Uint32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    const rng = new Rng(opts.seed ?? 42);
    for (let i = total - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  const skips = opts.skips;
  const seen = new Set<string>();
  for (let k = 0; k < total; k++) {
    const flat = order ? order[k]! : k;
    let g = 0;
    while (g + 1 < grids.length && offsets[g + 1]! <= flat) g++;
    const { template, holes } = grids[g]!;
    const bindings = gridPoint(holes, flat - offsets[g]!);
    const fieldValues = holes.filter((h) => h.kind === 'field').map((h) => bindings[h.name]);
    if (new Set(fieldValues).size < fieldValues.length) {
      if (skips) skips.sameField++;
      continue;
    }
    const text = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*):(ts_op|cs_op|ew_op)\}/g, (_m, name: string) => String(bindings[name]));
    const m = instantiateTemplate(text, bindings);
    if (!m.ok) {
      if (skips) skips.invalid++;
      continue;
    }
    if (seen.has(m.canonical)) {
      if (skips) skips.duplicate++;
      continue;
    }
    seen.add(m.canonical);
    yield { expression: m.canonical, template, bindings };
  }
}
