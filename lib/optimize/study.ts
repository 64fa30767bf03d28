/**
 * Study and Trial: an Optuna-like define-by-run optimizer.
 *
 * ```ts
 * const study = await createStudy({ direction: 'maximize', seed: 42 });
 * await study.optimize((trial) => {
 *   const lookback = trial.suggestInt('lookback', 5, 120, { log: true });
 *   const z = trial.suggestFloat('entryZ', 0.5, 3, { step: 0.25 });
 *   return sharpeOf(lookback, z);
 * }, { nTrials: 100 });
 * study.bestParams; study.trialsTable();
 * ```
 *
 * Trials run one after another (no parallel trials). Semantics follow Optuna:
 * `timeout` stops starting new trials once that many seconds have passed (a
 * running trial is not interrupted); an objective that throws
 * {@link TrialPruned} ends its trial as PRUNED; one that throws anything else
 * ends it as FAIL and the error is re-thrown unless `catch` is set; a NaN or
 * non-number return is a FAIL (reason in `systemAttrs.failReason`) and the
 * study goes on.
 */
import type { Distribution, ParamValue } from './distributions.js';
import { categoricalDistribution, contains, describeDistribution, distributionsEqual, floatDistribution, intDistribution } from './distributions.js';
import { NopPruner } from './pruners.js';
import { TPESampler } from './samplers.js';
import { InMemoryStudyStorage, type StudyStorage } from './storage.js';
import type { FrozenTrial, MutableTrial, Pruner, Sampler, StudyDirection, StudyView, TrialState } from './types.js';
import { cloneTrial } from './types.js';

/**
 * Thrown by an objective (usually after `trial.shouldPrune()` returned true)
 * to end the trial as PRUNED. Recognized by `instanceof` or by
 * `name === 'TrialPruned'` (so copies of the library loaded twice still work).
 */
export class TrialPruned extends Error {
  constructor(message = 'trial pruned') {
    super(message);
    this.name = 'TrialPruned';
  }
}

function isTrialPruned(err: unknown): boolean {
  return err instanceof TrialPruned || (err instanceof Error && err.name === 'TrialPruned');
}

function checkJson(where: string, value: unknown): void {
  let s: string | undefined;
  try {
    s = JSON.stringify(value);
  } catch (err) {
    throw new Error(`${where}: value is not JSON-serializable: ${(err as Error).message}`);
  }
  if (s === undefined) throw new Error(`${where}: value is not JSON-serializable (${typeof value})`);
}

/**
 * The handle an objective receives: suggests parameters, reports
 * intermediate values, asks whether to prune. Only valid while its trial runs.
 */
export class Trial {
  /** @internal use {@link Study.ask} */
  constructor(
    private readonly study: Study,
    private readonly t: MutableTrial,
  ) {}

  /** 0-based trial number within the study. */
  get number(): number {
    return this.t.number;
  }

  /** Parameters suggested so far in this trial. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.t.params;
  }

  private assertRunning(what: string): void {
    if (this.t.state !== 'RUNNING') throw new Error(`trial ${this.t.number}: ${what} after the trial finished (${this.t.state})`);
  }

  private suggest(name: string, dist: Distribution): ParamValue {
    this.assertRunning(`suggest '${name}'`);
    if (typeof name !== 'string' || name.length === 0) throw new Error(`trial ${this.t.number}: parameter name must be a non-empty string`);
    const prev = this.t.distributions[name];
    if (prev) {
      if (!distributionsEqual(prev, dist)) {
        throw new Error(`trial ${this.t.number}: parameter '${name}' was suggested as ${describeDistribution(prev)}, now as ${describeDistribution(dist)}`);
      }
      return this.t.params[name];
    }
    let value: ParamValue;
    const fixed = this.t.systemAttrs.fixedParams as Record<string, ParamValue> | undefined;
    if (fixed && name in fixed) {
      value = fixed[name];
      if (!contains(dist, value)) throw new Error(`trial ${this.t.number}: enqueued value ${JSON.stringify(value)} of '${name}' is outside ${describeDistribution(dist)}`);
    } else {
      value = this.study.sampler.sampleIndependent(this.study, this.t, name, dist);
      if (!contains(dist, value)) {
        throw new Error(`trial ${this.t.number}: sampler ${this.study.sampler.description} returned ${JSON.stringify(value)} for '${name}', outside ${describeDistribution(dist)}`);
      }
    }
    this.t.params[name] = value;
    this.t.distributions[name] = dist;
    return value;
  }

  /**
   * A float in [low, high]: log-uniform scale when `log` (low > 0), on the grid
   * low + k·step when `step`. Suggesting the same name again in this trial
   * returns the same value (the distribution must be identical).
   * @throws Error on invalid bounds/options (see `floatDistribution`).
   */
  suggestFloat(name: string, low: number, high: number, opts: { log?: boolean; step?: number } = {}): number {
    return this.suggest(name, floatDistribution(name, low, high, opts)) as number;
  }

  /**
   * An integer in [low, high] on the grid low + k·step (step ≥ 1), log scale
   * when `log` (low ≥ 1, step 1).
   * @throws Error on invalid bounds/options (see `intDistribution`).
   */
  suggestInt(name: string, low: number, high: number, opts: { step?: number; log?: boolean } = {}): number {
    return this.suggest(name, intDistribution(name, low, high, opts)) as number;
  }

  /**
   * One of `choices` (strings, finite numbers or booleans, no duplicates).
   * @throws Error on empty or invalid choices.
   */
  suggestCategorical<T extends string | number | boolean>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categoricalDistribution(name, choices)) as T;
  }

  /**
   * Records an intermediate objective value at `step` (integer ≥ 0, e.g. the
   * walk-forward fold index or the number of bars seen; the pruner compares
   * trials at equal steps). NaN is allowed (and is pruned by the percentile
   * pruners).
   * @throws Error on a non-integer / negative step, a non-number value, or a step reported twice.
   */
  report(value: number, step: number): void {
    this.assertRunning('report');
    if (!Number.isSafeInteger(step) || step < 0) throw new Error(`trial ${this.t.number}: report step must be an integer >= 0, got ${step}`);
    if (typeof value !== 'number') throw new Error(`trial ${this.t.number}: report value must be a number, got ${typeof value}`);
    if (this.t.intermediateValues.has(step)) throw new Error(`trial ${this.t.number}: step ${step} was already reported`);
    this.t.intermediateValues.set(step, value);
  }

  /** Whether the study's pruner says to stop this trial now (false when nothing was reported). */
  shouldPrune(): boolean {
    this.assertRunning('shouldPrune');
    return this.study.pruner.prune(this.study, this.t);
  }

  /**
   * Stores a JSON-serializable user attribute with the trial (shown in
   * `trialsTable()` as `user_attrs_<key>` and stored by the storage).
   * @throws Error when the value is not JSON-serializable.
   */
  setUserAttr(key: string, value: unknown): void {
    checkJson(`trial ${this.t.number}: setUserAttr('${key}')`, value);
    this.t.userAttrs[key] = JSON.parse(JSON.stringify(value)) as unknown;
  }
}

/** Options of {@link createStudy}. */
export interface CreateStudyOptions {
  /** study name (needed to resume from storage); default a generated unique name */
  name?: string;
  /** default 'minimize'; when loading, must match the stored direction if given */
  direction?: StudyDirection;
  /** default `new TPESampler({ seed })` */
  sampler?: Sampler;
  /** default {@link NopPruner} */
  pruner?: Pruner;
  /** default a fresh {@link InMemoryStudyStorage} */
  storage?: StudyStorage;
  /** seed of the default TPE sampler (give the seed to the sampler itself when passing one) */
  seed?: number;
  /** when the name exists in storage: load it (true) or throw (false, default) */
  loadIfExists?: boolean;
}

/** Options of {@link Study.optimize}. */
export interface OptimizeOptions {
  /** number of trials to run in this call */
  nTrials?: number;
  /** seconds after which no new trial is started */
  timeout?: number;
  /** keep going when the objective throws (the trial is FAIL); default false = re-throw */
  catch?: boolean;
  /** called after each finished trial (may call `study.stop()`) */
  callbacks?: ReadonlyArray<(study: Study, trial: FrozenTrial) => void | Promise<void>>;
}

/** One row of {@link Study.trialsTable}: fixed columns plus `params_<name>` and `user_attrs_<key>` columns (null when absent). */
export type TrialRow = {
  number: number;
  value: number | null;
  state: TrialState;
  /** ISO 8601 UTC */
  datetimeStart: string;
  /** null while running */
  durationMs: number | null;
} & Record<string, ParamValue | null | unknown>;

/** An optimization study: trials, their results, the sampler and pruner. Create with {@link createStudy}. */
export class Study implements StudyView {
  private readonly trialList: MutableTrial[];
  private readonly queue: Record<string, ParamValue>[] = [];
  private stopFlag = false;
  private running = false;

  /** @internal use {@link createStudy} */
  constructor(
    readonly name: string,
    readonly direction: StudyDirection,
    readonly sampler: Sampler,
    readonly pruner: Pruner,
    readonly storage: StudyStorage,
    trials: MutableTrial[],
  ) {
    this.trialList = trials;
  }

  /** All trials (live objects, do not mutate), number order; samplers read this. */
  get allTrials(): readonly FrozenTrial[] {
    return this.trialList;
  }

  /** Copies of all trials, number order. */
  get trials(): FrozenTrial[] {
    return this.trialList.map(cloneTrial);
  }

  /**
   * The COMPLETE trial with the best value (first one on ties).
   * @throws Error when no trial is COMPLETE.
   */
  get bestTrial(): FrozenTrial {
    let best: MutableTrial | undefined;
    for (const t of this.trialList) {
      if (t.state !== 'COMPLETE' || t.value === null) continue;
      if (!best || (this.direction === 'minimize' ? t.value < (best.value as number) : t.value > (best.value as number))) best = t;
    }
    if (!best) throw new Error(`study '${this.name}': no COMPLETE trial yet (${this.trialList.length} trials)`);
    return cloneTrial(best);
  }

  /** Value of {@link bestTrial}. @throws Error when no trial is COMPLETE. */
  get bestValue(): number {
    return this.bestTrial.value as number;
  }

  /** Parameters of {@link bestTrial}. @throws Error when no trial is COMPLETE. */
  get bestParams(): Record<string, ParamValue> {
    return { ...this.bestTrial.params };
  }

  /** Asks `optimize` to start no further trial (the running one finishes). */
  stop(): void {
    this.stopFlag = true;
  }

  /**
   * Fixes parameters of a future trial (Optuna's `enqueue_trial`): the next
   * trial started takes these values for the named parameters (each must lie
   * in the distribution it is suggested with); others are sampled.
   * @throws Error when a value is not JSON-serializable.
   */
  enqueueTrial(params: Record<string, ParamValue>): void {
    checkJson(`study '${this.name}': enqueueTrial`, params);
    this.queue.push({ ...params });
  }

  /**
   * Starts a new trial (ask/tell interface for custom loops); finish it with {@link tell}.
   * Optimize and ask/tell on the same study must not interleave.
   */
  async ask(): Promise<Trial> {
    const t: MutableTrial = {
      number: this.trialList.length,
      state: 'RUNNING',
      value: null,
      params: {},
      distributions: {},
      intermediateValues: new Map(),
      userAttrs: {},
      systemAttrs: {},
      datetimeStart: Date.now(),
      datetimeComplete: null,
    };
    const fixed = this.queue.shift();
    if (fixed) t.systemAttrs.fixedParams = fixed;
    this.trialList.push(t);
    try {
      this.sampler.beforeTrial?.(this, t);
      await this.storage.saveTrial(this.name, t);
    } catch (err) {
      // the trial never started: forget it so numbering stays dense
      this.trialList.pop();
      if (fixed) this.queue.unshift(fixed);
      throw err;
    }
    return new Trial(this, t);
  }

  /**
   * Finishes a trial from {@link ask}: a number -> COMPLETE (NaN -> FAIL), or an
   * explicit state 'PRUNED' / 'FAIL' (with an optional reason).
   * @throws Error when the trial is not this study's running trial.
   */
  async tell(trial: Trial | number, result: number | { state: 'PRUNED' | 'FAIL'; reason?: string }): Promise<FrozenTrial> {
    const n = typeof trial === 'number' ? trial : trial.number;
    const t = this.trialList[n];
    if (!t) throw new Error(`study '${this.name}': no trial ${n}`);
    if (t.state !== 'RUNNING') throw new Error(`study '${this.name}': trial ${n} is already ${t.state}`);
    if (typeof result === 'number') {
      if (Number.isNaN(result)) {
        t.state = 'FAIL';
        t.systemAttrs.failReason = 'objective returned NaN';
      } else {
        t.state = 'COMPLETE';
        t.value = result;
      }
    } else {
      t.state = result.state;
      if (result.reason) t.systemAttrs.failReason = result.reason;
    }
    t.datetimeComplete = Date.now();
    this.sampler.afterTrial?.(this, t);
    await this.storage.saveTrial(this.name, t);
    return cloneTrial(t);
  }

  /**
   * Runs `objective` on new trials until `nTrials` trials ran in this call,
   * `timeout` seconds passed (checked before each trial), `stop()` was called,
   * or the sampler is exhausted (grid). At least one of nTrials / timeout is
   * required unless the sampler can be exhausted (GridSampler).
   * @throws Error on bad options, or the objective's error (trial marked FAIL) unless `catch`.
   */
  async optimize(objective: (trial: Trial) => number | Promise<number>, opts: OptimizeOptions = {}): Promise<void> {
    const { nTrials, timeout } = opts;
    if (nTrials !== undefined && (!Number.isInteger(nTrials) || nTrials < 0)) throw new Error(`optimize: nTrials must be an integer >= 0, got ${nTrials}`);
    if (timeout !== undefined && !(timeout >= 0)) throw new Error(`optimize: timeout must be a number of seconds >= 0, got ${timeout}`);
    if (nTrials === undefined && timeout === undefined && !this.sampler.isExhausted) {
      throw new Error('optimize: give nTrials and/or timeout (seconds); only a GridSampler study may run until exhausted');
    }
    if (this.running) throw new Error(`optimize: study '${this.name}' is already optimizing (no nested or parallel optimize)`);
    this.running = true;
    this.stopFlag = false;
    const t0 = Date.now();
    try {
      for (let i = 0; nTrials === undefined || i < nTrials; i++) {
        if (this.stopFlag) break;
        if (timeout !== undefined && (Date.now() - t0) / 1000 >= timeout) break;
        if (this.sampler.isExhausted?.(this)) break;
        const trial = await this.ask();
        let frozen: FrozenTrial;
        try {
          const v = await objective(trial);
          if (typeof v !== 'number') {
            frozen = await this.tell(trial, { state: 'FAIL', reason: `objective returned ${typeof v}, expected a number` });
          } else frozen = await this.tell(trial, v);
        } catch (err) {
          if (isTrialPruned(err)) {
            frozen = await this.tell(trial, { state: 'PRUNED' });
          } else {
            await this.tell(trial, { state: 'FAIL', reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
            if (!opts.catch) throw err;
            continue;
          }
        }
        for (const cb of opts.callbacks ?? []) await cb(this, frozen);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Optimization history (Optuna's `plot_optimization_history` data): one row
   * per trial in number order with its value (null unless COMPLETE) and the
   * best COMPLETE value among trials 0..number (null before the first one).
   */
  optimizationHistory(): { number: number; state: TrialState; value: number | null; best: number | null }[] {
    let best: number | null = null;
    return this.trialList.map((t) => {
      if (t.state === 'COMPLETE' && t.value !== null && (best === null || (this.direction === 'minimize' ? t.value < best : t.value > best))) best = t.value;
      return { number: t.number, state: t.state, value: t.state === 'COMPLETE' ? t.value : null, best };
    });
  }

  /**
   * The trials as flat rows (Optuna's `trials_dataframe`): number, value,
   * state, datetimeStart (ISO), durationMs, then `params_<name>` for every
   * parameter seen in the study (sorted, null when a trial lacks it), then
   * `user_attrs_<key>`. Ready for `console.table` or a DuckDB insert.
   */
  trialsTable(): TrialRow[] {
    const paramNames = new Set<string>();
    const attrKeys = new Set<string>();
    for (const t of this.trialList) {
      for (const k of Object.keys(t.params)) paramNames.add(k);
      for (const k of Object.keys(t.userAttrs)) attrKeys.add(k);
    }
    const pn = [...paramNames].sort();
    const ak = [...attrKeys].sort();
    return this.trialList.map((t) => {
      const row: TrialRow = {
        number: t.number,
        value: t.value,
        state: t.state,
        datetimeStart: new Date(t.datetimeStart).toISOString(),
        durationMs: t.datetimeComplete === null ? null : t.datetimeComplete - t.datetimeStart,
      };
      for (const k of pn) row[`params_${k}`] = k in t.params ? t.params[k] : null;
      for (const k of ak) row[`user_attrs_${k}`] = k in t.userAttrs ? t.userAttrs[k] : null;
      return row;
    });
  }
}

let studyCounter = 0;

/**
 * Creates a study, or loads one from `storage` when `loadIfExists` and the
 * name exists. On load, the stored trials come back (numbering continues after
 * them and the sampler learns from them); a trial still RUNNING in storage
 * (its process died) is marked FAIL with `failReason` 'interrupted'.
 * @throws Error when the name exists and `loadIfExists` is not set, when the
 *   given direction differs from the stored one, or when both `seed` and
 *   `sampler` are given.
 */
export async function createStudy(opts: CreateStudyOptions = {}): Promise<Study> {
  if (opts.sampler && opts.seed !== undefined) throw new Error('createStudy: seed only seeds the default TPESampler; pass the seed to your sampler instead');
  if (opts.direction !== undefined && opts.direction !== 'minimize' && opts.direction !== 'maximize') {
    throw new Error(`createStudy: direction must be 'minimize' or 'maximize', got '${String(opts.direction)}'`);
  }
  const storage = opts.storage ?? new InMemoryStudyStorage();
  const sampler = opts.sampler ?? new TPESampler({ seed: opts.seed });
  const pruner = opts.pruner ?? new NopPruner();
  const name = opts.name ?? `study-${Date.now().toString(36)}-${(studyCounter++).toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  if (typeof name !== 'string' || name.length === 0) throw new Error('createStudy: name must be a non-empty string');
  const stored = await storage.loadStudy(name);
  if (stored) {
    if (!opts.loadIfExists) throw new Error(`createStudy: study '${name}' already exists in storage; pass loadIfExists: true to resume it`);
    if (opts.direction !== undefined && opts.direction !== stored.direction) {
      throw new Error(`createStudy: study '${name}' is stored with direction '${stored.direction}', asked for '${opts.direction}'`);
    }
    const trials = stored.trials.map(cloneTrial);
    for (const t of trials) {
      if (t.state !== 'RUNNING') continue;
      t.state = 'FAIL';
      t.systemAttrs.failReason = 'interrupted: still RUNNING when the study was loaded';
      t.datetimeComplete = null;
      await storage.saveTrial(name, t);
    }
    return new Study(name, stored.direction, sampler, pruner, storage, trials);
  }
  const direction = opts.direction ?? 'minimize';
  await storage.createStudy(name, direction, Date.now());
  return new Study(name, direction, sampler, pruner, storage, []);
}
