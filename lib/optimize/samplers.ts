/**
 * Samplers: {@link RandomSampler}, {@link GridSampler} and {@link TPESampler}.
 *
 * Reproducibility: every sampler has a seed (drawn from `Math.random` when not
 * given, and shown in `description`). Each trial gets its own xoshiro128**
 * stream seeded by hash(seed, trial number) ({@link deriveSeed}), so the same
 * seed and the same objective give the same trials, and a study resumed from
 * storage after k trials draws exactly what an uninterrupted one would have.
 */
import type { CategoricalDistribution, Distribution, FloatDistribution, IntDistribution, ParamValue } from './distributions.js';
import { choiceIndex, contains, describeDistribution, distributionsEqual, transformedBounds, untransform } from './distributions.js';
import { CategoricalParzenEstimator, MultivariateParzenEstimator, NumericParzenEstimator, defaultGamma, defaultWeights, type ParzenParameters } from './parzen.js';
import { Rng, deriveSeed, randomSeed } from '../stats/rng.js';
import type { FrozenTrial, Sampler, StudyView } from './types.js';
import { lastStep } from './types.js';

/** Per-study, per-trial random streams (see the module comment). */
class TrialStreams {
  private readonly streams = new WeakMap<StudyView, Map<number, Rng>>();
  constructor(
    readonly seed: number,
    private readonly salt: number,
  ) {}

  get(study: StudyView, trial: FrozenTrial): Rng {
    let m = this.streams.get(study);
    if (!m) {
      m = new Map();
      this.streams.set(study, m);
    }
    let r = m.get(trial.number);
    if (!r) {
      r = new Rng(deriveSeed(this.seed, trial.number, this.salt));
      m.set(trial.number, r);
    }
    return r;
  }

  release(study: StudyView, trial: FrozenTrial): void {
    this.streams.get(study)?.delete(trial.number);
  }
}

function checkSeed(where: string, seed: number | undefined): number {
  if (seed === undefined) return randomSeed();
  if (!Number.isSafeInteger(seed)) throw new Error(`${where}: seed must be an integer, got ${seed}`);
  return seed;
}

/** One uniform draw from `dist` (uniform on the transformed bounds, then snapped; Optuna's RandomSampler). */
function sampleUniform(rng: Rng, dist: Distribution): ParamValue {
  if (dist.kind === 'categorical') return dist.choices[rng.int(dist.choices.length)];
  if (dist.low === dist.high) return dist.low;
  const { lo, hi } = transformedBounds(dist);
  return untransform(dist, rng.uniform(lo, hi));
}

/**
 * Independent uniform sampling: floats uniform on [low, high] (log-uniform
 * when log), grid / integer parameters uniform over their grid points,
 * categorical uniform over the choices.
 */
export class RandomSampler implements Sampler {
  readonly seed: number;
  private readonly streams: TrialStreams;

  /** @throws Error when `seed` is not an integer. */
  constructor(opts: { seed?: number } = {}) {
    this.seed = checkSeed('RandomSampler', opts.seed);
    this.streams = new TrialStreams(this.seed, 0x52414e44);
  }

  get description(): string {
    return `RandomSampler(seed=${this.seed})`;
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, _name: string, dist: Distribution): ParamValue {
    return sampleUniform(this.streams.get(study, trial), dist);
  }

  afterTrial(study: StudyView, trial: FrozenTrial): void {
    this.streams.release(study, trial);
  }
}

/**
 * Exhaustive grid search (Optuna's GridSampler): the grid is the Cartesian
 * product of the listed values (parameter names sorted); each trial takes a
 * grid point not yet used by any trial of the study (finished or running, any
 * state), picked at random (seeded). When every point has been used,
 * `optimize` stops, so each combination is evaluated exactly once even across
 * resumes. Suggest calls must name a grid parameter, and the grid value must
 * lie in the suggested distribution.
 */
export class GridSampler implements Sampler {
  readonly seed: number;
  /** parameter names, sorted */
  readonly paramNames: string[];
  /** number of grid points */
  readonly size: number;
  private readonly values: ParamValue[][];
  private readonly key: string;
  private readonly streams: TrialStreams;

  /**
   * @param searchSpace parameter name -> the values to try
   * @throws Error when the space is empty or a value list is empty / has
   *   non-finite numbers or values that are not string / number / boolean.
   */
  constructor(searchSpace: Record<string, readonly ParamValue[]>, opts: { seed?: number } = {}) {
    this.seed = checkSeed('GridSampler', opts.seed);
    this.paramNames = Object.keys(searchSpace).sort();
    if (this.paramNames.length === 0) throw new Error('GridSampler: the search space is empty');
    this.values = this.paramNames.map((n) => {
      const vs = searchSpace[n];
      if (!Array.isArray(vs) || vs.length === 0) throw new Error(`GridSampler: values of '${n}' must be a non-empty array`);
      for (const v of vs) {
        const t = typeof v;
        if (!(t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v)))) {
          throw new Error(`GridSampler: value ${String(v)} of '${n}' is not a string, finite number or boolean`);
        }
      }
      return vs.slice();
    });
    this.size = this.values.reduce((p, v) => p * v.length, 1);
    this.key = JSON.stringify(this.paramNames.map((n, i) => [n, this.values[i]]));
    this.streams = new TrialStreams(this.seed, 0x47524944);
  }

  get description(): string {
    return `GridSampler(${this.paramNames.map((n, i) => `${n}:${this.values[i].length}`).join(', ')}; seed=${this.seed})`;
  }

  /** The grid point with id `id` (mixed-radix, last parameter fastest), as name -> value. */
  gridPoint(id: number): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    let rest = id;
    for (let i = this.paramNames.length - 1; i >= 0; i--) {
      const n = this.values[i].length;
      out[this.paramNames[i]] = this.values[i][rest % n];
      rest = Math.floor(rest / n);
    }
    return out;
  }

  private used(study: StudyView, except?: number): Set<number> {
    const used = new Set<number>();
    for (const t of study.allTrials) {
      if (t.number === except) continue;
      const id = t.systemAttrs.gridId;
      if (typeof id === 'number' && t.systemAttrs.gridKey === this.key) used.add(id);
    }
    return used;
  }

  isExhausted(study: StudyView): boolean {
    return this.used(study).size >= this.size;
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): void {
    const used = this.used(study, trial.number);
    const free: number[] = [];
    for (let id = 0; id < this.size; id++) if (!used.has(id)) free.push(id);
    // a full grid (only reachable through ask() after exhaustion): revisit a random point
    const pool = free.length > 0 ? free : Array.from({ length: this.size }, (_, i) => i);
    const id = pool[this.streams.get(study, trial).int(pool.length)];
    const attrs = trial.systemAttrs as Record<string, unknown>;
    attrs.gridId = id;
    attrs.gridKey = this.key;
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, dist: Distribution): ParamValue {
    const id = trial.systemAttrs.gridId;
    if (typeof id !== 'number' || trial.systemAttrs.gridKey !== this.key) throw new Error(`GridSampler: trial ${trial.number} has no grid point of this sampler`);
    const idx = this.paramNames.indexOf(name);
    if (idx < 0) throw new Error(`GridSampler: parameter '${name}' is not in the grid (${this.paramNames.join(', ')})`);
    const v = this.gridPoint(id)[name];
    if (!contains(dist, v)) throw new Error(`GridSampler: grid value ${JSON.stringify(v)} of '${name}' is outside ${describeDistribution(dist)}`);
    return v;
  }

  afterTrial(study: StudyView, trial: FrozenTrial): void {
    this.streams.release(study, trial);
  }
}

/** Options of {@link TPESampler}; defaults are Optuna's. */
export interface TPESamplerOptions {
  /** seed of the per-trial streams (random when omitted) */
  seed?: number;
  /** finished (COMPLETE + PRUNED) trials before TPE takes over from random sampling (10) */
  nStartupTrials?: number;
  /** candidates drawn from l(x) per parameter; the one maximizing l(x)/g(x) is returned (24) */
  nEiCandidates?: number;
  /** size of the "below" group for n finished trials (min(ceil(0.1 n), 25)) */
  gamma?: (n: number) => number;
  /** observation weights, see {@link defaultWeights} */
  weights?: (n: number) => ArrayLike<number>;
  /** prior kernel weight (1.0) */
  priorWeight?: number;
  /** magic clip of the bandwidths (true) */
  considerMagicClip?: boolean;
  /** endpoints as neighbours of the outermost kernels (false) */
  considerEndpoints?: boolean;
  /**
   * joint TPE over the parameters every finished trial has with the same
   * distribution (Optuna's `multivariate=True`, `group=False`); default false
   * (univariate, Optuna's default)
   */
  multivariate?: boolean;
}

/**
 * Optuna's IntersectionSearchSpace over the given trials: the parameters that
 * every trial has, with an identical distribution in all of them (name ->
 * distribution, names sorted). Empty for no trials.
 */
export function intersectionSearchSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> {
  if (trials.length === 0) return {};
  let space: Record<string, Distribution> = { ...trials[0].distributions };
  for (const t of trials) {
    const next: Record<string, Distribution> = {};
    for (const [name, d] of Object.entries(space)) {
      const td = t.distributions[name];
      if (td && distributionsEqual(td, d)) next[name] = d;
    }
    space = next;
  }
  const out: Record<string, Distribution> = {};
  for (const name of Object.keys(space).sort()) out[name] = space[name];
  return out;
}

/** A finished trial ranked for the below/above split. */
interface Ranked {
  trial: FrozenTrial;
  /** 0 complete, else -(last step) for pruned (larger step ranks first), +Inf pruned without values */
  step: number;
  /** direction-adjusted loss (smaller is better) */
  loss: number;
}

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), univariate, as
 * Optuna's TPESampler (`multivariate=False`):
 *
 * 1. With fewer than `nStartupTrials` finished (COMPLETE or PRUNED) trials,
 *    sample uniformly (as {@link RandomSampler}).
 * 2. Otherwise rank the n finished trials: COMPLETE by loss (value, negated
 *    when maximizing), then PRUNED ones by the largest step they reached
 *    (deeper first) and their value at that step (NaN counts as worst),
 *    then PRUNED trials with no intermediate value. The best `gamma(n)` form
 *    the below group, the rest the above group. (Optuna's rule: pruned trials
 *    are kept, ranked after all complete ones.) FAIL and RUNNING trials are
 *    excluded.
 * 3. For the parameter being suggested, fit l(x) to the below trials' values
 *    and g(x) to the above ones ({@link NumericParzenEstimator} /
 *    {@link CategoricalParzenEstimator}; trials without the parameter, or whose
 *    value lies outside the current distribution, are skipped), draw
 *    `nEiCandidates` from l and return the one maximizing log l - log g
 *    (which maximizes expected improvement under the TPE model).
 *
 * With `multivariate: true`, the parameters shared by all finished trials are
 * sampled jointly at trial start with product kernels and Optuna's
 * multivariate bandwidth ({@link MultivariateParzenEstimator}); other
 * parameters fall back to step 3.
 */
export class TPESampler implements Sampler {
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly multivariate: boolean;
  private readonly relative = new WeakMap<StudyView, Map<number, { space: Record<string, Distribution>; values: Record<string, ParamValue> }>>();
  private readonly gamma: (n: number) => number;
  private readonly parzen: ParzenParameters;
  private readonly streams: TrialStreams;
  private splitCache = new WeakMap<StudyView, { trialNumber: number; nFinished: number; below: FrozenTrial[]; above: FrozenTrial[] }>();

  /** @throws Error on a non-integer seed, nStartupTrials < 0, nEiCandidates < 1, priorWeight ≤ 0, or multivariate = true. */
  constructor(opts: TPESamplerOptions = {}) {
    this.seed = checkSeed('TPESampler', opts.seed);
    this.nStartupTrials = opts.nStartupTrials ?? 10;
    this.nEiCandidates = opts.nEiCandidates ?? 24;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) throw new Error(`TPESampler: nStartupTrials must be an integer >= 0, got ${this.nStartupTrials}`);
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1) throw new Error(`TPESampler: nEiCandidates must be an integer >= 1, got ${this.nEiCandidates}`);
    this.multivariate = opts.multivariate ?? false;
    this.gamma = opts.gamma ?? defaultGamma;
    this.parzen = {
      priorWeight: opts.priorWeight ?? 1.0,
      considerMagicClip: opts.considerMagicClip ?? true,
      considerEndpoints: opts.considerEndpoints ?? false,
      weights: opts.weights ?? defaultWeights,
    };
    if (!(this.parzen.priorWeight > 0) || !Number.isFinite(this.parzen.priorWeight)) throw new Error(`TPESampler: priorWeight must be a finite number > 0, got ${this.parzen.priorWeight}`);
    this.streams = new TrialStreams(this.seed, 0x54504531);
  }

  get description(): string {
    return `TPESampler(seed=${this.seed}, nStartupTrials=${this.nStartupTrials}, nEiCandidates=${this.nEiCandidates}${this.multivariate ? ', multivariate' : ''})`;
  }

  /**
   * Multivariate mode: at trial start, samples jointly the parameters in the
   * intersection search space of the finished trials (single-value
   * distributions left out) and keeps them for this trial's suggests;
   * nothing during startup or in univariate mode.
   */
  beforeTrial(study: StudyView, trial: FrozenTrial): void {
    if (!this.multivariate) return;
    const finished = study.allTrials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED');
    if (finished.length < this.nStartupTrials || finished.length === 0) return;
    const space: Record<string, Distribution> = {};
    for (const [name, d] of Object.entries(intersectionSearchSpace(finished))) {
      if (d.kind === 'categorical' ? d.choices.length > 1 : d.low < d.high) space[name] = d;
    }
    const names = Object.keys(space);
    if (names.length === 0) return;
    const { below, above } = this.split(study, trial);
    const build = (ts: FrozenTrial[]): MultivariateParzenEstimator =>
      new MultivariateParzenEstimator(
        names.map((name) => {
          const d = space[name];
          // intersection => every finished trial has the parameter with this distribution
          if (d.kind === 'categorical') return new CategoricalParzenEstimator(ts.map((t) => choiceIndex(d, t.params[name])), d, this.parzen);
          return new NumericParzenEstimator(ts.map((t) => t.params[name] as number), d, this.parzen, names.length);
        }),
      );
    const l = build(below);
    const g = build(above);
    const cands = l.sample(this.streams.get(study, trial), this.nEiCandidates);
    let best = cands[0];
    let bestScore = -Infinity;
    for (const x of cands) {
      const sc = l.logPdf(x) - g.logPdf(x);
      if (sc > bestScore) {
        bestScore = sc;
        best = x;
      }
    }
    const values: Record<string, ParamValue> = {};
    names.forEach((name, i) => {
      const d = space[name];
      values[name] = d.kind === 'categorical' ? d.choices[best[i]] : best[i];
    });
    let m = this.relative.get(study);
    if (!m) {
      m = new Map();
      this.relative.set(study, m);
    }
    m.set(trial.number, { space, values });
  }

  /** Below / above groups for the running trial (cached per trial, see step 2 of the class comment). */
  split(study: StudyView, trial: FrozenTrial): { below: FrozenTrial[]; above: FrozenTrial[]; nFinished: number } {
    const sign = study.direction === 'maximize' ? -1 : 1;
    const ranked: Ranked[] = [];
    for (const t of study.allTrials) {
      if (t.state === 'COMPLETE') {
        ranked.push({ trial: t, step: -Infinity, loss: sign * (t.value as number) });
      } else if (t.state === 'PRUNED') {
        const s = lastStep(t);
        if (s === undefined) ranked.push({ trial: t, step: Infinity, loss: 0 });
        else {
          const v = t.intermediateValues.get(s) as number;
          ranked.push({ trial: t, step: -s, loss: Number.isNaN(v) ? Infinity : sign * v });
        }
      }
    }
    const n = ranked.length;
    const cached = this.splitCache.get(study);
    if (cached && cached.trialNumber === trial.number && cached.nFinished === n) return cached;
    const nBelow = this.gamma(n);
    if (!Number.isInteger(nBelow) || nBelow < 0) throw new Error(`TPESampler: gamma(${n}) returned ${nBelow}; need an integer >= 0`);
    const order = ranked.map((_, i) => i).sort((a, b) => ranked[a].step - ranked[b].step || ranked[a].loss - ranked[b].loss || a - b);
    const isBelow = new Uint8Array(n);
    for (let j = 0; j < Math.min(nBelow, n); j++) isBelow[order[j]] = 1;
    const below: FrozenTrial[] = [];
    const above: FrozenTrial[] = [];
    for (let i = 0; i < n; i++) (isBelow[i] ? below : above).push(ranked[i].trial); // number order (allTrials is)
    const res = { trialNumber: trial.number, nFinished: n, below, above };
    this.splitCache.set(study, res);
    return res;
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, dist: Distribution): ParamValue {
    const rel = this.relative.get(study)?.get(trial.number);
    if (rel && name in rel.values && distributionsEqual(rel.space[name], dist)) return rel.values[name];
    const rng = this.streams.get(study, trial);
    if (dist.kind === 'categorical' ? dist.choices.length === 1 : dist.low === dist.high) return sampleUniform(rng, dist);
    let nFinished = 0;
    for (const t of study.allTrials) if (t.state === 'COMPLETE' || t.state === 'PRUNED') nFinished++;
    if (nFinished < this.nStartupTrials) return sampleUniform(rng, dist);
    const { below, above } = this.split(study, trial);
    if (dist.kind === 'categorical') return this.sampleCategorical(rng, name, dist, below, above);
    return this.sampleNumeric(rng, name, dist, below, above);
  }

  private sampleNumeric(rng: Rng, name: string, dist: FloatDistribution | IntDistribution, below: FrozenTrial[], above: FrozenTrial[]): number {
    const obs = (ts: FrozenTrial[]): number[] => {
      const out: number[] = [];
      for (const t of ts) {
        const v = t.params[name];
        if (v !== undefined && contains(dist, v)) out.push(v as number);
      }
      return out;
    };
    // in multivariate mode Optuna's fallback uses the multivariate bandwidth with d = 1
    const dims = this.multivariate ? 1 : undefined;
    const l = new NumericParzenEstimator(obs(below), dist, this.parzen, dims);
    const g = new NumericParzenEstimator(obs(above), dist, this.parzen, dims);
    const cands = l.sample(rng, this.nEiCandidates);
    let best = cands[0];
    let bestScore = -Infinity;
    for (const x of cands) {
      const s = l.logPdf(x) - g.logPdf(x);
      if (s > bestScore) {
        bestScore = s;
        best = x;
      }
    }
    return best;
  }

  private sampleCategorical(rng: Rng, name: string, dist: CategoricalDistribution, below: FrozenTrial[], above: FrozenTrial[]): ParamValue {
    const obs = (ts: FrozenTrial[]): number[] => {
      const out: number[] = [];
      for (const t of ts) {
        if (!(name in t.params)) continue;
        const i = choiceIndex(dist, t.params[name]);
        if (i >= 0) out.push(i);
      }
      return out;
    };
    const l = new CategoricalParzenEstimator(obs(below), dist, this.parzen);
    const g = new CategoricalParzenEstimator(obs(above), dist, this.parzen);
    const cands = l.sample(rng, this.nEiCandidates);
    let best = cands[0];
    let bestScore = -Infinity;
    for (const i of cands) {
      const s = l.logPdf(i) - g.logPdf(i);
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    return dist.choices[best];
  }

  afterTrial(study: StudyView, trial: FrozenTrial): void {
    this.streams.release(study, trial);
    this.relative.get(study)?.delete(trial.number);
  }
}
