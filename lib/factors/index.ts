/**
 * Factor validation: IC / Rank IC, decay, quantiles, turnover, coverage,
 * long-short performance, multiple testing, redundancy and grades, persisted
 * in a DuckDB trial store, with plotly tear sheets.
 *
 * ```ts
 * import { evaluateFactor, FactorStore, writeTearSheet } from './lib/factors/index.js';
 * const store = await FactorStore.open();
 * const report = await evaluateFactor('-ts_delta(close, 5)', panel, { store, horizon: 5 });
 * await writeTearSheet('data/runs/tearsheets/reversal.html', report);
 * report.grade.grade; report.grade.pass; report.grade.reasons;  // 'D', false, ['|Rank IC| 0.01 < 0.02', ...]
 * report.rankIc.mean; report.rankIc.ir; report.longShort.stats.sharpe; report.cached; report.runId;
 * await store.countTrials({ dataset: 'sp500_daily' });
 * ```
 *
 * Layout: `kernels.ts` (pure per-date kernels on typed arrays), `analyze.ts`
 * (analyzeFactor, pure), `grade.ts`, `multiple.ts`, `redundancy.ts` (pure),
 * `store.ts` (DuckDB), `evaluate.ts` (orchestration with I/O), `tearsheet.ts`
 * (plotly figures via lib/viz).
 * @module
 */
export { analyzeFactor, forwardReturns, resolveSettings, directionalDeflatedSharpe } from './analyze.js';
export type { FactorAnalysis, FactorSettings, ResolvedSettings, IcStats, DecayPoint, QuantileStats, TurnoverStats, LongShort } from './analyze.js';
export { gradeFactor, resolveThresholds, fmtNum, DEFAULT_THRESHOLDS, GRADES } from './grade.js';
export type { Grade, GradeMetrics, GradeResult, GradeThresholds, Criterion, PartialThresholds } from './grade.js';
export { evaluateFactor, evaluateFactors, deflatedSharpeFromStore, recordFactorTrial, openDefaultStore } from './evaluate.js';
export type { FactorInput, EvaluateFactorOptions } from './evaluate.js';
export type { FactorReport, Redundancy } from './report.js';
export { FactorStore } from './store.js';
export type { TrialFilter, FactorTrialRow, ConfigurationTrial } from './store.js';
export { multipleTesting } from './multiple.js';
export type { MultipleTestingRow, MultipleTestingOptions } from './multiple.js';
export { rankSnapshot, snapshotCorrelation, snapshotDateCorrelation, SnapshotIndex, sampleDates, SNAPSHOT_MISSING } from './redundancy.js';
export type { RankSnapshot } from './redundancy.js';
export * as kernels from './kernels.js';
export {
  tearSheetFigures, tearSheetSummary, tearSheetSummaryHtml, tearSheetTitle, writeTearSheet, showTearSheet, factorTable, decayHeatmap,
  FACTOR_TABLE_KINDS, alphalensFigures, quantileReturnsFigure, groupTable, withAlphalens, compareFactorsFigure,
} from './tearsheet.js';
export { alphalensStats, demeanReturns, icDistribution, monthlyMeans, interpretFactor } from './alphalens.js';
export type { AlphalensStats, AlphalensOptions, QuantileReturnsAtHorizon, IcDistribution, MonthlyIc, GroupIcRow } from './alphalens.js';
export type { TearSheetInput, FactorTableRow } from './tearsheet.js';
export { lookaheadCheck } from './lookahead.js';
export type { FactorFunction, LookaheadChange, LookaheadResult } from './lookahead.js';
