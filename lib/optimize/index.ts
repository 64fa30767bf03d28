/**
 * Optuna-like hyper-parameter optimizer: define-by-run studies and trials,
 * random / grid / TPE samplers (seeded, reproducible), median pruning of
 * trials that report intermediate values, and DuckDB storage to resume and
 * inspect studies. See `study.ts` for an example.
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
export { Rng, deriveSeed } from './rng.js';
export { defaultGamma, defaultWeights, NumericParzenEstimator, CategoricalParzenEstimator, MultivariateParzenEstimator, kernelSigmas, multivariateSigmas } from './parzen.js';
export type { ParzenParameters } from './parzen.js';
export { branin, hartmann6, shiftedSphere5, rosenbrock4 } from './testfunctions.js';
export type { TestFunction } from './testfunctions.js';
