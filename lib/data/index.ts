/**
 * Market data: the panel type, bundled samples, validated ingest into a parquet
 * lake + DuckDB catalog, panel loading (catalog, samples, raw files) with the
 * perpetual-futures funding join, and nodejs-polars interop.
 *
 * Typical use:
 * - `await loadBundledPanel('sp500_daily')` (no catalog needed),
 * - `await ingestBundled()` then `await loadPanel('binance_perp_1h', { start: '2025-01-01' })`,
 * - `await ingestFiles(path, { dataset, frequency, market, policy })` for your own files,
 * - `panelToLongFrame(panel)` / `queryFrame(db, sql)` / `frameToHtml(df)` in notebooks.
 */
export * from './panel.js';
export { toEpochMs, fundingAsOf } from './kernels.js';
export type { TimeLike, FundingFields } from './kernels.js';
export { loadPanel, loadBundledPanel, loadFilePanel, loadFromSource, bundledPaths, samplesDir, BUNDLED, FUNDING_FIELDS } from './load.js';
export type { LoadOptions, LoadPanelOptions, FilePanelOptions, BundledPanelOptions, PanelSource, BundledName } from './load.js';
export { describeSource, parseColumnMap, fileFormat, typedRelation, timeExpr, typedTimeExpr, fastRelation, readCsvHeader, csvRelation, TIME_COLUMNS, SYMBOL_COLUMNS, REQUIRED_FIELDS } from './sources.js';
export type { SourceColumns, SourceKind, ColumnMap } from './sources.js';
export { frequencyOfSpacing, inferBarsPerYear, annualizationWarning, checkAnnualization, panelAnnualization, panelBarsPerYear, resolveAnnualization, withAnnualization, MIN_INFER_YEARS } from './calendar.js';
export type { InferredAnnualization, CalendarLike, PanelAnnualization, ResolvedAnnualization } from './calendar.js';
export { ingestFiles, ingestBundled, sha256File } from './ingest.js';
export { inspectFile, MAX_LINE_BYTES } from './filecheck.js';
export type { FileInspection, InspectOptions } from './filecheck.js';
export { recoverLake, STAGING_DIR } from './lake.js';
export type { LakeRecovery, PendingWrite } from './lake.js';
export type { IngestOptions, IngestBundledOptions } from './ingest.js';
export { listDatasets, getDataset, findDataset, findFundingFor, ensureCatalog, CATALOG_TABLE } from './catalog.js';
export type { DatasetEntry, SourceFile } from './catalog.js';
export { rowChecks, repairSql, validRowsRelation, problems, formatReport, IngestRejectedError, ERROR_CHECKS, WARNING_CHECKS, INGEST_POLICIES, REPAIRABLE_FIELDS, MAX_REPAIRS_LISTED } from './validate.js';
export type { IngestPolicy, RepairEntry, Severity, CheckName, ErrorCheck, WarningCheck, DroppableWarning, QualityExample, QualityRow, QualityReport, CheckContext, RowCheck } from './validate.js';
export { panelToLongFrame, longFrameToPanel, panelToWideFrame, wideFrameToPanel, queryFrame, frameToHtml } from './frames.js';
export type { Frame, LongFrameOptions, FrameToPanelOptions } from './frames.js';
export { panelObjectId, panelQuickFingerprint, panelSha256, assetsHash } from './identity.js';
// lib/data/download.ts (exchange downloads through ccxt) is imported directly, not re-exported here:
// ccxt's type declarations would make every notebook that imports lib/data compile them.
export { toSharedPanel, isSharedPanel, sharedPanelBytes } from './shared-panel.js';
export { tradabilityMask, universeFromValues, topNByDollarVolume, withMasks, maskToUniverse } from './universe.js';
export type { TradabilityOptions, TradabilityReport } from './universe.js';
export { withGroups, parseGroupCsv, sp500SectorsPath } from './groups.js';
export type { GroupCsvOptions } from './groups.js';
