/**
 * Core types of the optimizer (Optuna's vocabulary): trial states, frozen
 * trials, the read-only study view that samplers and pruners receive, and the
 * sampler / pruner interfaces.
 */
import type { Distribution, ParamValue } from './distributions.js';

/** Whether the objective is minimized or maximized. */
export type StudyDirection = 'minimize' | 'maximize';

/**
 * Trial life cycle: RUNNING while the objective runs; COMPLETE with a value;
 * PRUNED when the objective threw {@link TrialPruned}; FAIL when it threw
 * another error, returned a non-number or NaN, or was found RUNNING when the
 * study was loaded from storage (its process died).
 */
export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';

/** A snapshot of one trial (treat as read-only). Times are epoch milliseconds (UTC). */
export interface FrozenTrial {
  /** 0-based, dense, in creation order; continues across resumes */
  readonly number: number;
  readonly state: TrialState;
  /** objective value (COMPLETE only), else null */
  readonly value: number | null;
  /** suggested parameters by name */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** the distribution each parameter was drawn from */
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** reported intermediate values, step -> value (steps are integers ≥ 0, e.g. walk-forward fold index) */
  readonly intermediateValues: ReadonlyMap<number, number>;
  /** user attributes (JSON values) */
  readonly userAttrs: Readonly<Record<string, unknown>>;
  /** library attributes (JSON values): `gridId`, `failReason`, `fixedParams` */
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  readonly datetimeStart: number;
  readonly datetimeComplete: number | null;
}

/** What samplers and pruners may read from a study. */
export interface StudyView {
  readonly name: string;
  readonly direction: StudyDirection;
  /** every trial so far, in number order (the current one included, RUNNING) */
  readonly allTrials: readonly FrozenTrial[];
  /** asks `optimize` to start no new trial */
  stop(): void;
}

/**
 * A sampler proposes parameter values. Samplers here are univariate
 * ("independent" sampling in Optuna's terms): each `suggest*` call asks for
 * one parameter given the finished trials.
 */
export interface Sampler {
  /** short description, e.g. `TPESampler(seed=1)` */
  readonly description: string;
  /** called once when a trial starts, before any suggest (may write `trial.systemAttrs`) */
  beforeTrial?(study: StudyView, trial: FrozenTrial): void;
  /**
   * Value for parameter `name` of the running `trial` from distribution `dist`.
   * Must return a value that `contains(dist, value)`.
   */
  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, dist: Distribution): ParamValue;
  /** called once when a trial has finished (any final state) */
  afterTrial?(study: StudyView, trial: FrozenTrial): void;
  /** when true, `optimize` starts no further trial (e.g. a grid fully visited) */
  isExhausted?(study: StudyView): boolean;
}

/** A pruner decides, from a running trial's intermediate values, whether to stop it early. */
export interface Pruner {
  readonly description: string;
  /** true when `trial` (RUNNING, last value already reported) should be pruned */
  prune(study: StudyView, trial: FrozenTrial): boolean;
}

/** Mutable form used inside the library. */
export type MutableTrial = {
  -readonly [K in keyof FrozenTrial]: FrozenTrial[K];
} & {
  params: Record<string, ParamValue>;
  distributions: Record<string, Distribution>;
  intermediateValues: Map<number, number>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
};

/** Deep copy of a trial (maps and attribute objects copied; JSON attribute values cloned). */
export function cloneTrial(t: FrozenTrial): MutableTrial {
  return {
    number: t.number,
    state: t.state,
    value: t.value,
    params: { ...t.params },
    distributions: { ...t.distributions },
    intermediateValues: new Map(t.intermediateValues),
    userAttrs: JSON.parse(JSON.stringify(t.userAttrs)) as Record<string, unknown>,
    systemAttrs: JSON.parse(JSON.stringify(t.systemAttrs)) as Record<string, unknown>,
    datetimeStart: t.datetimeStart,
    datetimeComplete: t.datetimeComplete,
  };
}

/** The last (largest) reported step of a trial, or undefined when none was reported. */
export function lastStep(t: FrozenTrial): number | undefined {
  let last: number | undefined;
  for (const s of t.intermediateValues.keys()) if (last === undefined || s > last) last = s;
  return last;
}
