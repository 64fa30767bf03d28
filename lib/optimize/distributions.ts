/**
 * Search-space distributions (Optuna's FloatDistribution, IntDistribution and
 * CategoricalDistribution) and the transforms the samplers share.
 *
 * Internal representation (what samplers model): numbers for float/int
 * parameters, the choice index for categorical ones.
 */

/** A parameter value as the objective sees it. */
export type ParamValue = number | string | boolean;

/** Continuous parameter in [low, high]; log-uniform when `log`; on the grid low + k·step when `step` is set. */
export interface FloatDistribution {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** grid spacing, or null for continuous */
  readonly step: number | null;
}

/** Integer parameter in [low, high] on the grid low + k·step; log-uniform when `log` (then step is 1). */
export interface IntDistribution {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

/** One of a fixed list of choices (strings, numbers or booleans). */
export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly choices: readonly ParamValue[];
}

/** Any search-space distribution. */
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/**
 * Builds a validated {@link FloatDistribution}. As in Optuna, when `step` does
 * not divide high - low, `high` is lowered to the last grid point
 * low + floor((high-low)/step)·step.
 * @throws Error naming `param` when bounds (or high - low) are not finite, low > high, log with
 *   low ≤ 0, step ≤ 0, or log and step together.
 */
export function floatDistribution(param: string, low: number, high: number, opts: { log?: boolean; step?: number } = {}): FloatDistribution {
  const log = opts.log ?? false;
  const step = opts.step ?? null;
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw new Error(`suggestFloat('${param}'): low and high must be finite numbers, got ${low}, ${high}`);
  if (low > high) throw new Error(`suggestFloat('${param}'): low (${low}) must be <= high (${high})`);
  if (!Number.isFinite(high - low)) throw new Error(`suggestFloat('${param}'): high - low overflows (${low}, ${high})`);
  if (log && step !== null) throw new Error(`suggestFloat('${param}'): step and log cannot be used together`);
  if (log && low <= 0) throw new Error(`suggestFloat('${param}'): log=true needs low > 0, got ${low}`);
  if (step !== null) {
    if (!(step > 0) || !Number.isFinite(step)) throw new Error(`suggestFloat('${param}'): step must be a finite number > 0, got ${step}`);
    const k = Math.floor((high - low) / step + 1e-9);
    high = roundToGrid(low + k * step, step);
  }
  return { kind: 'float', low, high, log, step };
}

/**
 * Builds a validated {@link IntDistribution}; `high` is lowered to the last
 * grid point when `step` does not divide high - low (Optuna's rule).
 * @throws Error naming `param` when bounds are not integers, low > high, step
 *   is not a positive integer, log with low < 1, or log with step ≠ 1.
 */
export function intDistribution(param: string, low: number, high: number, opts: { log?: boolean; step?: number } = {}): IntDistribution {
  const log = opts.log ?? false;
  const step = opts.step ?? 1;
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) throw new Error(`suggestInt('${param}'): low and high must be integers, got ${low}, ${high}`);
  if (low > high) throw new Error(`suggestInt('${param}'): low (${low}) must be <= high (${high})`);
  if (!Number.isSafeInteger(step) || step < 1) throw new Error(`suggestInt('${param}'): step must be an integer >= 1, got ${step}`);
  if (log && step !== 1) throw new Error(`suggestInt('${param}'): log=true needs step = 1, got ${step}`);
  if (log && low < 1) throw new Error(`suggestInt('${param}'): log=true needs low >= 1, got ${low}`);
  high = low + Math.floor((high - low) / step) * step;
  return { kind: 'int', low, high, log, step };
}

/**
 * Builds a validated {@link CategoricalDistribution}.
 * @throws Error naming `param` when choices are empty, hold a value that is not
 *   a string / finite number / boolean, or hold duplicates.
 */
export function categoricalDistribution(param: string, choices: readonly ParamValue[]): CategoricalDistribution {
  if (!Array.isArray(choices) || choices.length === 0) throw new Error(`suggestCategorical('${param}'): choices must be a non-empty array`);
  const seen = new Set<string>();
  for (const c of choices) {
    const t = typeof c;
    if (!(t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(c)))) {
      throw new Error(`suggestCategorical('${param}'): choice ${String(c)} is not a string, finite number or boolean`);
    }
    const key = `${t}:${String(c)}`;
    if (seen.has(key)) throw new Error(`suggestCategorical('${param}'): duplicate choice ${JSON.stringify(c)}`);
    seen.add(key);
  }
  return { kind: 'categorical', choices: choices.slice() };
}

/** True when two distributions are identical (same kind, bounds, log, step, choices in order). */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'categorical') {
    const bc = (b as CategoricalDistribution).choices;
    return a.choices.length === bc.length && a.choices.every((c, i) => c === bc[i]);
  }
  const bn = b as FloatDistribution | IntDistribution;
  return a.low === bn.low && a.high === bn.high && a.log === bn.log && a.step === bn.step;
}

/** Index of `value` in the choices (strict equality), or -1. */
export function choiceIndex(d: CategoricalDistribution, value: unknown): number {
  for (let i = 0; i < d.choices.length; i++) if (d.choices[i] === value) return i;
  return -1;
}

/**
 * True when `value` is a legal value of `d`: a choice; or a number in
 * [low, high] (integers for int), on the step grid within 1e-8 of a step.
 */
export function contains(d: Distribution, value: unknown): boolean {
  if (d.kind === 'categorical') return choiceIndex(d, value) >= 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (value < d.low || value > d.high) return false;
  if (d.kind === 'int' && !Number.isInteger(value)) return false;
  if (d.step !== null) {
    const k = (value - d.low) / d.step;
    if (Math.abs(k - Math.round(k)) > 1e-8) return false;
  }
  return true;
}

/**
 * The bounds the numeric samplers draw in, Optuna's `_SearchSpaceTransform`:
 * [low, high] for continuous floats, widened by step/2 on each side for grids
 * (so each grid point gets an equal share), then log-transformed when `log`.
 */
export function transformedBounds(d: FloatDistribution | IntDistribution): { lo: number; hi: number } {
  const half = d.step !== null ? d.step / 2 : 0;
  let lo = d.low - half;
  let hi = d.high + half;
  if (d.log) {
    lo = Math.log(lo);
    hi = Math.log(hi);
  }
  return { lo, hi };
}

/** Inverse of the transform behind {@link transformedBounds}: exp when log, then snapped to the grid and clipped to [low, high]. */
export function untransform(d: FloatDistribution | IntDistribution, x: number): number {
  let v = d.log ? Math.exp(x) : x;
  if (d.step !== null) {
    const k = Math.round((v - d.low) / d.step);
    v = d.kind === 'int' ? d.low + k * d.step : roundToGrid(d.low + k * d.step, d.step);
  }
  return Math.min(d.high, Math.max(d.low, v));
}

/** Removes float noise from low + k·step (e.g. 0.30000000000000004 -> 0.3) by rounding to 14 significant digits relative to the step. */
function roundToGrid(v: number, step: number): number {
  const decimals = Math.max(0, Math.min(15, 14 - Math.floor(Math.log10(Math.abs(step)))));
  const r = Number(v.toFixed(decimals));
  return Math.abs(r - v) <= step * 1e-9 ? r : v;
}

/** A short human-readable form, e.g. `float[1e-4, 1, log]`, `int[1, 9, step 2]`, `categorical[a|b]`. */
export function describeDistribution(d: Distribution): string {
  if (d.kind === 'categorical') return `categorical[${d.choices.map((c) => String(c)).join('|')}]`;
  const extras: string[] = [];
  if (d.log) extras.push('log');
  if (d.step !== null && !(d.kind === 'int' && d.step === 1)) extras.push(`step ${d.step}`);
  return `${d.kind}[${d.low}, ${d.high}${extras.length ? ', ' + extras.join(', ') : ''}]`;
}
