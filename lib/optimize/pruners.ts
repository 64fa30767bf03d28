/**
 * Pruners: stop unpromising trials early from their intermediate values
 * (e.g. the score after each walk-forward fold), Optuna's PercentilePruner /
 * MedianPruner semantics.
 */
import { quantile } from '../stats/descriptive.js';
import type { FrozenTrial, Pruner, StudyView } from './types.js';
import { lastStep } from './types.js';

/** Never prunes (the default). */
export class NopPruner implements Pruner {
  readonly description = 'NopPruner()';
  prune(): boolean {
    return false;
  }
}

/** Options shared by {@link PercentilePruner} and {@link MedianPruner}; defaults are Optuna's. */
export interface PercentilePrunerOptions {
  /** no pruning until this many trials are COMPLETE (5) */
  nStartupTrials?: number;
  /** no pruning at steps < nWarmupSteps of a trial (0) */
  nWarmupSteps?: number;
  /** check only at the first report in each block of `intervalSteps` steps after the warm-up (1 = every step) */
  intervalSteps?: number;
  /** need at least this many COMPLETE trials with a value at the step (1) */
  nMinTrials?: number;
}

/** Percentile at q in [0, 100]: lib/stats {@link quantile} at q / 100 (NumPy's `nanpercentile`, NaN ignored). */
export function percentile(values: readonly number[], q: number): number {
  return quantile(values, q / 100);
}

/**
 * Prunes a trial whose latest intermediate value is worse than the given
 * percentile of the COMPLETE trials' values at the same step (for
 * maximization the percentile is taken as 100 - q, so "worse" is always the
 * bad tail). Exactly Optuna's rule: no pruning before `nStartupTrials`
 * complete trials, before `nWarmupSteps`, off the `intervalSteps` grid, or
 * when fewer than `nMinTrials` complete trials reported that step; a NaN
 * intermediate value is always pruned.
 */
export class PercentilePruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  /** @throws Error when percentile is outside [0, 100] or an option is not a valid integer. */
  constructor(percentileQ: number, opts: PercentilePrunerOptions = {}) {
    if (!(percentileQ >= 0 && percentileQ <= 100)) throw new Error(`PercentilePruner: percentile must be in [0, 100], got ${percentileQ}`);
    this.percentile = percentileQ;
    this.nStartupTrials = opts.nStartupTrials ?? 5;
    this.nWarmupSteps = opts.nWarmupSteps ?? 0;
    this.intervalSteps = opts.intervalSteps ?? 1;
    this.nMinTrials = opts.nMinTrials ?? 1;
    const checks: [string, number, number][] = [
      ['nStartupTrials', this.nStartupTrials, 0],
      ['nWarmupSteps', this.nWarmupSteps, 0],
      ['intervalSteps', this.intervalSteps, 1],
      ['nMinTrials', this.nMinTrials, 1],
    ];
    for (const [k, v, min] of checks) if (!Number.isInteger(v) || v < min) throw new Error(`PercentilePruner: ${k} must be an integer >= ${min}, got ${v}`);
  }

  get description(): string {
    return `PercentilePruner(${this.percentile}, nStartupTrials=${this.nStartupTrials}, nWarmupSteps=${this.nWarmupSteps}, intervalSteps=${this.intervalSteps})`;
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const completed = study.allTrials.filter((t) => t.state === 'COMPLETE');
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    const step = lastStep(trial);
    if (step === undefined || step < this.nWarmupSteps) return false;
    // first report in its interval block (Optuna's _is_first_in_interval_step)
    const nearestLower = Math.floor((step - this.nWarmupSteps) / this.intervalSteps) * this.intervalSteps + this.nWarmupSteps;
    let secondLast = -1;
    for (const s of trial.intermediateValues.keys()) if (s > secondLast && s !== step) secondLast = s;
    if (!(secondLast < nearestLower)) return false;
    const score = trial.intermediateValues.get(step) as number;
    if (Number.isNaN(score)) return true;
    const atStep: number[] = [];
    for (const t of completed) {
      const v = t.intermediateValues.get(step);
      if (v !== undefined) atStep.push(v);
    }
    if (atStep.length < this.nMinTrials) return false;
    const maximize = study.direction === 'maximize';
    const p = percentile(atStep, maximize ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return maximize ? score < p : score > p;
  }
}

/**
 * Prunes a trial whose latest intermediate value is worse than the median of
 * the COMPLETE trials' values at the same step (Optuna's MedianPruner =
 * PercentilePruner at 50).
 */
export class MedianPruner extends PercentilePruner {
  constructor(opts: PercentilePrunerOptions = {}) {
    super(50, opts);
  }

  override get description(): string {
    return `MedianPruner(nStartupTrials=${this.nStartupTrials}, nWarmupSteps=${this.nWarmupSteps}, intervalSteps=${this.intervalSteps})`;
  }
}
