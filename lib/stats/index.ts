/**
 * Statistics shared by factor validation and backtests: distributions,
 * descriptive and rank statistics, performance ratios, multiple testing.
 */
export * from './distributions.js';
export * from './descriptive.js';
export * from './performance.js';
export * from './multiple.js';
