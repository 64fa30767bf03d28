/**
 * Parameter tuning on a bar range with the lib/optimize study (TPE by
 * default, median pruning across folds), and small rule builders used by the
 * tuned strategies. The objective never sees bars outside the range it is
 * given, so it can serve as the `fit` callback of walkForward / rollingValidation.
 * Every configuration a study tries is handed to `record` (the screen binds it
 * to the one trial store, lib/factors `FactorStore.recordConfigurations`, so
 * the deflated Sharpe counts every configuration; lib/backtest itself never
 * imports lib/factors).
 */
import { createStudy, TrialPruned, type Study, type Trial } from '../optimize/study.js';
import { TPESampler } from '../optimize/samplers.js';
import { MedianPruner } from '../optimize/pruners.js';
import type { StudyStorage } from '../optimize/storage.js';
import type { Sampler } from '../optimize/types.js';
import type { SignalRules } from './signals.js';
import type { BarRange } from './validation.js';

/** One configuration a study tried, as handed to {@link TuneOptions.record}. */
export interface TunedConfiguration<P> {
  /** Trial number within the study (0-based). */
  number: number;
  /** The parameters `suggest` drew. */
  params: P;
  /** COMPLETE: all folds scored; PRUNED: stopped after some folds; FAIL: the score threw. */
  state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  /** Objective (mean fold score) of a COMPLETE trial; null otherwise. */
  value: number | null;
  /** Bars the study tuned on. */
  range: BarRange;
}

/** Options of {@link tuneOnRange}. */
export interface TuneOptions<P> {
  /** Bars the tuning may use (e.g. a walk-forward train segment). */
  range: BarRange;
  /** Draws a parameter set from a trial (`trial.suggestFloat/Int/Categorical`). */
  suggest: (trial: Trial) => P;
  /** Score of a parameter set on a sub-range (e.g. the Sharpe of a backtest on it); larger is better. NaN/±Infinity count as `badScore`. */
  score: (params: P, range: BarRange) => number;
  /** Number of trials (default 50). */
  nTrials?: number;
  /** Consecutive folds of `range`; the objective is the mean fold score, reported after each fold for pruning (default 3). */
  folds?: number;
  /** Sampler seed (default 42), used by the default TPE sampler. */
  seed?: number;
  /** Sampler (default `new TPESampler({ seed })`). */
  sampler?: Sampler;
  /** Study storage (default in memory; pass a DuckDBStudyStorage to keep the study). */
  storage?: StudyStorage;
  /** Study name (for storage). */
  name?: string;
  /** Score used for a non-finite fold score (default -10). */
  badScore?: number;
  /** Receives every configuration tried (complete, pruned and failed), once, after the study ends. */
  record?: (configurations: TunedConfiguration<P>[]) => void | Promise<void>;
}

/** Result of {@link tuneOnRange}. */
export interface TuneResult<P> {
  /** Parameters of the best COMPLETE trial, as returned by `suggest` for it. */
  params: P;
  /** Its objective value (mean fold score). */
  value: number;
  study: Study;
  /** Number of trials run (complete, pruned and failed): the configurations tried. */
  nTrials: number;
  /** Objective values of the COMPLETE trials (e.g. for the deflated Sharpe's trial variance). */
  values: number[];
}

/**
 * Maximizes the mean fold score of `suggest`ed parameters over `folds`
 * consecutive, equal sub-ranges of `range` with a seeded study (TPE and
 * a median pruner by default: a trial whose running mean after fold k is
 * below the median of earlier trials at fold k is stopped).
 * @throws Error when the range is too short for the folds, or no trial completes
 */
export async function tuneOnRange<P>(opts: TuneOptions<P>): Promise<TuneResult<P>> {
  const folds = opts.folds ?? 3;
  const bad = opts.badScore ?? -10;
  const { start, end } = opts.range;
  const len = Math.floor((end - start) / folds);
  if (!(Number.isInteger(folds) && folds >= 1) || len < 2) throw new RangeError(`tuneOnRange: cannot cut [${start}, ${end}) into ${folds} folds of >= 2 bars`);
  const seed = opts.seed ?? 42;
  const study = await createStudy({
    direction: 'maximize',
    sampler: opts.sampler ?? new TPESampler({ seed }),
    pruner: new MedianPruner({ nStartupTrials: 5 }),
    ...(opts.storage ? { storage: opts.storage } : {}),
    ...(opts.name ? { name: opts.name } : {}),
  });
  const chosen = new Map<number, P>();
  await study.optimize(
    (trial) => {
      const p = opts.suggest(trial);
      chosen.set(trial.number, p);
      let sum = 0;
      for (let k = 0; k < folds; k++) {
        const s = opts.score(p, { start: start + k * len, end: k === folds - 1 ? end : start + (k + 1) * len });
        sum += Number.isFinite(s) ? s : bad;
        trial.report(sum / (k + 1), k);
        if (k < folds - 1 && trial.shouldPrune()) throw new TrialPruned();
      }
      return sum / folds;
    },
    { nTrials: opts.nTrials ?? 50 },
  );
  const best = study.bestTrial;
  const values = study.trials.filter((t) => t.state === 'COMPLETE' && t.value !== null).map((t) => t.value as number);
  if (opts.record) {
    const tried = study.trials.filter((t) => chosen.has(t.number));
    await opts.record(tried.map((t) => ({ number: t.number, params: chosen.get(t.number)!, state: t.state === 'COMPLETE' ? 'COMPLETE' : t.state === 'PRUNED' ? 'PRUNED' : 'FAIL', value: t.state === 'COMPLETE' ? t.value : null, range: opts.range })));
  }
  return { params: chosen.get(best.number)!, value: best.value!, study, nTrials: study.trials.length, values };
}

/**
 * Symmetric threshold rules for a mean-reversion signal on factor `factor`
 * (e.g. a z-score): long when f < -entry, exit the long when f > -exit;
 * short when f > entry, exit the short when f < exit. `entry > exit >= 0`
 * gives a hysteresis band. For trend following, negate the factor.
 * @throws RangeError unless entry > 0 and exit < entry
 */
export function reversalRules(factor: string, entry: number, exit: number): SignalRules {
  if (!(entry > 0) || !(exit < entry)) throw new RangeError(`reversalRules: need entry > 0 and exit < entry, got entry ${entry}, exit ${exit}`);
  return {
    longEntry: { factor, op: '<', value: -entry },
    longExit: { factor, op: '>', value: -exit },
    shortEntry: { factor, op: '>', value: entry },
    shortExit: { factor, op: '<', value: exit },
  };
}
