/**
 * Optuna-like hyper-parameter optimizer: define-by-run studies and trials,
 * random / grid / TPE samplers (seeded, reproducible), median pruning of
 * trials that report intermediate values, and DuckDB storage to resume and
 * inspect studies.
 *
 * ```ts
 * import { createStudy, TPESampler, MedianPruner, DuckDBStudyStorage, TrialPruned } from './lib/optimize/index.js';
 * import { Db } from './lib/db/index.js';
 * const study = await createStudy({
 *   name: 'momentum-wf', direction: 'maximize', loadIfExists: true,
 *   storage: new DuckDBStudyStorage(await Db.open()),
 *   sampler: new TPESampler({ seed: 42 }), pruner: new MedianPruner(),
 * });
 * await study.optimize((trial) => {
 *   const lookback = trial.suggestInt('lookback', 5, 250, { log: true });
 *   const entry = trial.suggestFloat('entryZ', 0.5, 3, { step: 0.25 });
 *   let sum = 0;
 *   for (let fold = 0; fold < 5; fold++) {            // walk-forward folds
 *     sum += foldSharpe(fold, lookback, entry);
 *     trial.report(sum / (fold + 1), fold);             // mean Sharpe so far
 *     if (trial.shouldPrune()) throw new TrialPruned();
 *   }
 *   return sum / 5;
 * }, { nTrials: 100, timeout: 600 });
 * study.bestParams; study.trialsTable(); study.optimizationHistory();
 * ```
 *
 * Parity with Optuna (v3/v4) and the choices made where it has variants:
 * - TPE is univariate by default (Optuna's default), `multivariate: true`
 *   gives joint sampling; defaults nStartupTrials 10, nEiCandidates 24,
 *   gamma min(ceil(0.1 n), 25), default_weights, priorWeight 1, magic clip on,
 *   endpoints off; truncated-normal kernels with log / step / int handled by
 *   transforming (see `parzen.ts`).
 * - PRUNED trials are kept in TPE's model as Optuna does: ranked after every
 *   COMPLETE trial, deeper (larger last step) first, then by the value at that
 *   step. FAIL trials (thrown errors, NaN returns, interrupted runs) and
 *   RUNNING ones are excluded.
 * - Random streams are per trial (hash of seed and trial number, xoshiro128**),
 *   so a resumed study draws what an uninterrupted one would have; Optuna's
 *   streams are per sampler, so the numbers differ from Optuna's for the same seed.
 * - Trials run sequentially (no `n_jobs`); `timeout` is checked between trials.
 */
export { createStudy, Study, Trial, TrialPruned } from './study.js';
export type { CreateStudyOptions, OptimizeOptions, TrialRow } from './study.js';
export { RandomSampler, GridSampler, TPESampler, intersectionSearchSpace } from './samplers.js';
export type { TPESamplerOptions } from './samplers.js';
export { MedianPruner, PercentilePruner, NopPruner, percentile } from './pruners.js';
export type { PercentilePrunerOptions } from './pruners.js';
export { InMemoryStudyStorage, bestOf } from './storage.js';
export type { StudyStorage, StoredStudy, StudySummary } from './storage.js';
export { DuckDBStudyStorage } from './duckdb-storage.js';
export type { FrozenTrial, TrialState, StudyDirection, StudyView, Sampler, Pruner } from './types.js';
export { lastStep } from './types.js';
export type { Distribution, FloatDistribution, IntDistribution, CategoricalDistribution, ParamValue } from './distributions.js';
export { floatDistribution, intDistribution, categoricalDistribution, contains, describeDistribution } from './distributions.js';
export { Rng, deriveSeed } from '../stats/rng.js';
export { defaultGamma, defaultWeights, NumericParzenEstimator, CategoricalParzenEstimator, MultivariateParzenEstimator, kernelSigmas, multivariateSigmas } from './parzen.js';
export type { ParzenParameters } from './parzen.js';
export { branin, hartmann6, shiftedSphere5, rosenbrock4 } from './testfunctions.js';
export type { TestFunction } from './testfunctions.js';
