/**
 * Univariate Parzen estimators of the Tree-structured Parzen Estimator
 * (Bergstra, Bardenet, Bengio & Kégl, "Algorithms for Hyper-Parameter
 * Optimization", NeurIPS 2011), with Optuna's TPESampler conventions
 * (optuna/samplers/_tpe/parzen_estimator.py, v3–v4):
 *
 * - one truncated-Gaussian kernel per observation plus a prior kernel
 *   (mu = mid-range, sigma = range) with weight `priorWeight`;
 * - observation weights from `weights(n)` (Optuna's `default_weights`: flat
 *   for n < 25, else a linear ramp 1/n..1 over the oldest n-25 observations
 *   and 1 for the newest 25), observations in trial-number order;
 * - bandwidth: distance to the farther neighbour among the sorted kernel
 *   centres (prior mean included) with the range ends as outer neighbours;
 *   without `considerEndpoints` the two outermost kernels use their inner
 *   neighbour only; then clipped to [range / min(100, 1 + nKernels), range]
 *   ("magic clip", nKernels = observations + prior) when `considerMagicClip`;
 * - all of this in the transformed space: log for log-scale parameters, range
 *   widened by step/2 at both ends for stepped / integer parameters, whose
 *   kernels are then discretized: a grid point's probability is the kernel's
 *   mass over [x - step/2, x + step/2] (log-transformed for log integers);
 * - categorical: each observation kernel puts priorWeight/nKernels on every
 *   choice plus 1 on its observed choice (rows normalized); the prior kernel is
 *   uniform.
 *
 * Densities of log-scale parameters are taken in log space; the Jacobian is
 * the same for l(x) and g(x) and cancels in the l/g ratio TPE maximizes.
 */
import type { CategoricalDistribution, FloatDistribution, IntDistribution } from './distributions.js';
import { transformedBounds, untransform } from './distributions.js';
import type { Rng } from '../stats/rng.js';
import { logGaussMass, truncnormPpf } from './special.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Settings of the Parzen estimators (Optuna's `_ParzenEstimatorParameters`, univariate). */
export interface ParzenParameters {
  /** weight of the prior kernel (Optuna default 1.0); must be > 0 */
  priorWeight: number;
  /** clip bandwidths from below by range / min(100, 1 + nKernels) (default true) */
  considerMagicClip: boolean;
  /** let the outermost kernels' bandwidth reach to the range ends (default false) */
  considerEndpoints: boolean;
  /** observation weights for n observations ordered oldest first (default {@link defaultWeights}) */
  weights: (n: number) => ArrayLike<number>;
}

/**
 * Optuna's `default_weights(n)`: [] for n = 0, all ones for n < 25, else a
 * linear ramp from 1/n to 1 over the oldest n - 25 observations followed by
 * 25 ones (newer observations count more).
 */
export function defaultWeights(n: number): number[] {
  if (n <= 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const m = n - 25;
  const out = new Array<number>(n);
  for (let i = 0; i < m; i++) out[i] = m === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (m - 1);
  for (let i = m; i < n; i++) out[i] = 1;
  return out;
}

/** Optuna's `default_gamma(n)` = min(ceil(0.1·n), 25): how many of n finished trials form the "below" (good) group. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Mixture weights: observation weights then the prior weight, normalized to sum 1 (only the prior when n = 0). */
function mixtureWeights(n: number, p: ParzenParameters): Float64Array {
  if (!(p.priorWeight > 0) || !Number.isFinite(p.priorWeight)) throw new Error(`TPESampler: priorWeight must be a finite number > 0, got ${p.priorWeight}`);
  if (n === 0) return Float64Array.of(1);
  const w = p.weights(n);
  if (w.length < n) throw new Error(`TPESampler: weights(${n}) returned ${w.length} values, need ${n}`);
  const out = new Float64Array(n + 1);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = w[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`TPESampler: weights(${n})[${i}] = ${v}; weights must be finite and >= 0`);
    out[i] = v;
    sum += v;
  }
  if (!(sum > 0)) throw new Error(`TPESampler: weights(${n}) are all zero`);
  out[n] = p.priorWeight;
  sum += p.priorWeight;
  for (let i = 0; i <= n; i++) out[i] /= sum;
  return out;
}

/** Mixture-component index drawn with probabilities `w` (sum 1). */
function drawComponent(rng: Rng, w: Float64Array): number {
  const u = rng.random();
  let acc = 0;
  for (let k = 0; k < w.length; k++) {
    acc += w[k];
    if (u < acc) return k;
  }
  return w.length - 1;
}

/** log Σ_k exp(v_k). */
function logSumExp(v: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/**
 * Bandwidths of the univariate kernels (see the module comment) for centres
 * `mus` (transformed space) on [lo, hi]; the prior's centre (lo+hi)/2 takes
 * part in the neighbour search.
 */
export function kernelSigmas(mus: ArrayLike<number>, lo: number, hi: number, p: Pick<ParzenParameters, 'considerEndpoints' | 'considerMagicClip'>): Float64Array {
  const n = mus.length;
  const withPrior = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) withPrior[i] = mus[i];
  withPrior[n] = 0.5 * (lo + hi);
  const order = Array.from({ length: n + 1 }, (_, i) => i).sort((a, b) => withPrior[a] - withPrior[b] || a - b);
  const m = n + 1;
  const ext = new Float64Array(m + 2);
  ext[0] = lo;
  for (let j = 0; j < m; j++) ext[j + 1] = withPrior[order[j]];
  ext[m + 1] = hi;
  const sortedSig = new Float64Array(m);
  for (let j = 0; j < m; j++) sortedSig[j] = Math.max(ext[j + 1] - ext[j], ext[j + 2] - ext[j + 1]);
  if (!p.considerEndpoints && ext.length >= 4) {
    sortedSig[0] = ext[2] - ext[1];
    sortedSig[m - 1] = ext[m] - ext[m - 1];
  }
  const maxSigma = hi - lo;
  const minSigma = p.considerMagicClip ? (hi - lo) / Math.min(100, 1 + (n + 1)) : 1e-12;
  const out = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    const i = order[j];
    if (i < n) out[i] = Math.min(maxSigma, Math.max(minSigma, sortedSig[j]));
  }
  return out;
}

/**
 * Optuna's multivariate bandwidth: every observation kernel gets
 * 0.2 · max(n, 1)^(-1/(d+4)) · (hi - lo), then the magic clip
 * [(hi - lo) / min(100, 1 + nKernels), hi - lo] when `considerMagicClip`.
 */
export function multivariateSigmas(n: number, d: number, lo: number, hi: number, p: Pick<ParzenParameters, 'considerMagicClip'>): Float64Array {
  if (!Number.isInteger(d) || d < 1) throw new Error(`multivariateSigmas: dimension must be an integer >= 1, got ${d}`);
  let sigma = 0.2 * Math.pow(Math.max(n, 1), -1 / (d + 4)) * (hi - lo);
  const minSigma = p.considerMagicClip ? (hi - lo) / Math.min(100, 1 + (n + 1)) : 1e-12;
  sigma = Math.min(hi - lo, Math.max(minSigma, sigma));
  return new Float64Array(n).fill(sigma);
}

/** Parzen estimator of one float / int parameter (truncated Gaussian mixture, discretized for grids). */
export class NumericParzenEstimator {
  /** kernel centres (transformed space), the prior last */
  readonly mus: Float64Array;
  /** kernel bandwidths, the prior last */
  readonly sigmas: Float64Array;
  /** mixture weights (sum 1), the prior last */
  readonly weights: Float64Array;
  private readonly logWeights: Float64Array;
  /** log mass of each kernel over [lo, hi] (its truncation normalizer) */
  private readonly logNorm: Float64Array;
  /** log weight - log sigma - log mass over [lo, hi] - log √(2π): the per-kernel constant of the continuous log density */
  private readonly logConst: Float64Array;
  private readonly lo: number;
  private readonly hi: number;
  private readonly scratch: Float64Array;

  /**
   * @param observations parameter values (external scale, inside the
   *   distribution), oldest first
   * @param multivariateDims when set, the bandwidth is Optuna's multivariate
   *   rule 0.2 · max(n, 1)^(-1/(d+4)) · range for d = multivariateDims
   *   (Scott-like, the same for every kernel), magic-clipped as above; else the
   *   univariate neighbour rule ({@link kernelSigmas})
   * @throws Error on bad weights / priorWeight, or low == high (nothing to model).
   */
  constructor(
    observations: ArrayLike<number>,
    readonly dist: FloatDistribution | IntDistribution,
    params: ParzenParameters,
    multivariateDims?: number,
  ) {
    const { lo, hi } = transformedBounds(dist);
    if (!(hi > lo)) throw new Error(`NumericParzenEstimator: empty range [${dist.low}, ${dist.high}]`);
    this.lo = lo;
    this.hi = hi;
    const n = observations.length;
    const obs = new Float64Array(n);
    for (let i = 0; i < n; i++) obs[i] = dist.log ? Math.log(observations[i]) : observations[i];
    const sig = multivariateDims === undefined ? kernelSigmas(obs, lo, hi, params) : multivariateSigmas(n, multivariateDims, lo, hi, params);
    this.mus = new Float64Array(n + 1);
    this.sigmas = new Float64Array(n + 1);
    this.mus.set(obs);
    this.sigmas.set(sig);
    this.mus[n] = 0.5 * (lo + hi);
    this.sigmas[n] = hi - lo;
    this.weights = mixtureWeights(n, params);
    const k = this.mus.length;
    this.logWeights = new Float64Array(k);
    this.logNorm = new Float64Array(k);
    this.logConst = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      this.logWeights[i] = Math.log(this.weights[i]);
      this.logNorm[i] = logGaussMass((lo - this.mus[i]) / this.sigmas[i], (hi - this.mus[i]) / this.sigmas[i]);
      this.logConst[i] = this.logWeights[i] - Math.log(this.sigmas[i]) - this.logNorm[i] - LOG_SQRT_2PI;
    }
    this.scratch = new Float64Array(k);
  }

  /** Draws `size` values (external scale; snapped to the grid for stepped / int parameters). */
  sample(rng: Rng, size: number): number[] {
    const out: number[] = [];
    for (let s = 0; s < size; s++) out.push(this.sampleComponent(rng, drawComponent(rng, this.weights)));
    return out;
  }

  /** One draw (external scale) from kernel `k` alone (truncated to the range, by inverse CDF). */
  sampleComponent(rng: Rng, k: number): number {
    const mu = this.mus[k];
    const sigma = this.sigmas[k];
    const z = truncnormPpf(rng.random(), (this.lo - mu) / sigma, (this.hi - mu) / sigma);
    let x = mu + sigma * z;
    if (!(x >= this.lo)) x = this.lo;
    if (!(x <= this.hi)) x = this.hi;
    return untransform(this.dist, x);
  }

  /** Adds each kernel's own log density (no mixture weight) at external value `x` to `acc[k]` (for joint densities). */
  addComponentLogPdfs(x: number, acc: Float64Array): void {
    const v = this.scratch;
    this.weightedLogPdfs(x, v);
    for (let i = 0; i < v.length; i++) acc[i] += v[i] - this.logWeights[i];
  }

  /**
   * log density (continuous, transformed space) or log probability (grid
   * point) of the external value `x` under the mixture.
   */
  logPdf(x: number): number {
    this.weightedLogPdfs(x, this.scratch);
    return logSumExp(this.scratch);
  }

  /** v[k] = log weight_k + log density (or grid probability) of kernel k at x. */
  private weightedLogPdfs(x: number, v: Float64Array): void {
    const d = this.dist;
    const k = this.mus.length;
    if (d.step === null) {
      const t = d.log ? Math.log(x) : x;
      if (!(t >= this.lo && t <= this.hi)) {
        v.fill(-Infinity);
        return;
      }
      // = logWeights[i] + truncnormLogPdf(t, mus[i], sigmas[i], lo, hi), with the per-kernel constant precomputed
      for (let i = 0; i < k; i++) {
        const z = (t - this.mus[i]) / this.sigmas[i];
        v[i] = this.logConst[i] - 0.5 * z * z;
      }
    } else {
      let a = x - d.step / 2;
      let b = x + d.step / 2;
      if (d.log) {
        a = Math.log(a);
        b = Math.log(b);
      }
      a = Math.max(a, this.lo);
      b = Math.min(b, this.hi);
      for (let i = 0; i < k; i++) {
        const mu = this.mus[i];
        const s = this.sigmas[i];
        v[i] = this.logWeights[i] + logGaussMass((a - mu) / s, (b - mu) / s) - this.logNorm[i];
      }
    }
  }
}

/** Parzen estimator of one categorical parameter (smoothed counts; see the module comment). */
export class CategoricalParzenEstimator {
  /** kernel rows: probability of each choice, nKernels x nChoices, row-major; the prior row last */
  readonly probs: Float64Array;
  /** mixture weights (sum 1), the prior last */
  readonly weights: Float64Array;
  readonly nChoices: number;

  /**
   * @param observations observed choice indices, oldest first
   * @throws Error on an index outside the choices, or bad weights / priorWeight.
   */
  constructor(observations: ArrayLike<number>, dist: CategoricalDistribution, params: ParzenParameters) {
    const c = dist.choices.length;
    const n = observations.length;
    this.nChoices = c;
    this.weights = mixtureWeights(n, params);
    if (n === 0) {
      this.probs = new Float64Array(c).fill(1 / c);
      return;
    }
    const nKernels = n + 1;
    const base = params.priorWeight / nKernels;
    this.probs = new Float64Array(nKernels * c).fill(base);
    for (let i = 0; i < n; i++) {
      const idx = observations[i];
      if (!Number.isInteger(idx) || idx < 0 || idx >= c) throw new Error(`CategoricalParzenEstimator: observation ${idx} outside 0..${c - 1}`);
      this.probs[i * c + idx] += 1;
    }
    for (let r = 0; r < nKernels; r++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += this.probs[r * c + j];
      for (let j = 0; j < c; j++) this.probs[r * c + j] /= s;
    }
  }

  /** Draws `size` choice indices. */
  sample(rng: Rng, size: number): number[] {
    const out: number[] = [];
    for (let s = 0; s < size; s++) out.push(this.sampleComponent(rng, drawComponent(rng, this.weights)));
    return out;
  }

  /** One draw (choice index) from kernel `k` alone. */
  sampleComponent(rng: Rng, k: number): number {
    const c = this.nChoices;
    const u = rng.random();
    let acc = 0;
    for (let j = 0; j < c; j++) {
      acc += this.probs[k * c + j];
      if (u < acc) return j;
    }
    return c - 1;
  }

  /** Adds each kernel's own log probability of choice `idx` (no mixture weight) to `acc[k]`. */
  addComponentLogPdfs(idx: number, acc: Float64Array): void {
    const c = this.nChoices;
    for (let k = 0; k < this.weights.length; k++) acc[k] += Math.log(this.probs[k * c + idx]);
  }

  /** log probability of choice index `idx` under the mixture. */
  logPdf(idx: number): number {
    const c = this.nChoices;
    let p = 0;
    for (let k = 0; k < this.weights.length; k++) p += this.weights[k] * this.probs[k * c + idx];
    return Math.log(p);
  }
}

/**
 * Joint Parzen estimator over several parameters (Optuna's multivariate TPE):
 * kernel k is the product of the per-parameter kernels k, so a draw keeps the
 * observed combination's neighbourhood together; log density
 * log Σ_k w_k Π_d p_dk(x_d).
 */
export class MultivariateParzenEstimator {
  private readonly logWeights: Float64Array;
  private readonly acc: Float64Array;

  /**
   * @param dims per-parameter estimators built from the same observations in
   *   the same order (numeric ones with `multivariateDims` = dims.length)
   * @throws Error when the estimators disagree on the number of kernels.
   */
  constructor(readonly dims: readonly (NumericParzenEstimator | CategoricalParzenEstimator)[]) {
    if (dims.length === 0) throw new Error('MultivariateParzenEstimator: no dimensions');
    const w = dims[0].weights;
    for (const d of dims) {
      if (d.weights.length !== w.length) throw new Error('MultivariateParzenEstimator: dimensions have different numbers of kernels');
    }
    this.logWeights = w.map((x) => Math.log(x));
    this.acc = new Float64Array(w.length);
  }

  /** Draws `size` points; each is one value per dimension (external scale; categorical as choice index). */
  sample(rng: Rng, size: number): number[][] {
    const out: number[][] = [];
    const w = this.dims[0].weights;
    for (let s = 0; s < size; s++) {
      const k = drawComponent(rng, w);
      out.push(this.dims.map((d) => d.sampleComponent(rng, k)));
    }
    return out;
  }

  /** log joint density of point `x` (one value per dimension). */
  logPdf(x: readonly number[]): number {
    this.acc.set(this.logWeights);
    this.dims.forEach((d, i) => d.addComponentLogPdfs(x[i], this.acc));
    return logSumExp(this.acc);
  }
}
