/**
 * Statistics shared by factor validation and backtests: distributions,
 * descriptive and rank statistics, performance ratios, multiple testing,
 * the Newey-West t-statistic, and the cross-sectional rank kernel
 * (`RowRanker`, shared by lib/expr and lib/factors).
 */
export * from './distributions.js';
export * from './normal.js';
export * from './descriptive.js';
export * from './performance.js';
export * from './multiple.js';
export * from './newey-west.js';
export * from './rank.js';
export { Rng, deriveSeed, randomSeed } from './rng.js';
