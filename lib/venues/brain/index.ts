/** WorldQuant BRAIN: client, settings, FASTEXPR translation, local parity, submitter. @module */
export { BrainClient, BRAIN_API, resolveLocation, fieldErrors } from './client.js';
export type { BrainClientOptions, BrainSession, BrainIsMetrics, BrainCheck, BrainAlpha, BrainSimulation, SubmitVerdict, ProgressFn } from './client.js';
export { DEFAULT_BRAIN_SIMULATION_SETTINGS, BRAIN_NEUTRALIZATIONS, resolveBrainSettings, readBrainSettingsFile, toPortfolioSettings, fromPortfolioSettings } from './settings.js';
export type { BrainSimulationSettings } from './settings.js';
export { translateToFastExpr, FASTEXPR_OPERATORS, BRAIN_FIELDS, BRAIN_GROUPS } from './fastexpr.js';
export type { Untranslatable, TranslateOptions } from './fastexpr.js';
export { localBrainMetrics, parityReport, formatParityReport, PARITY_METRICS } from './parity.js';
export type { ParityRow, ParityReport, ParitySummary, ParityMetric, LocalParityOptions } from './parity.js';
export {
  ensureBrainTables, recordBrainAlpha, listBrainAlphas, addHopefulAlpha, listHopefulAlphas, setHopefulStatus, listSubmissions, importHopefulAlphas,
  claimSubmission, finishSubmission, submissionsOnDay, passesLocalGates, DEFAULT_LOCAL_GATES,
} from './store.js';
export type { LocalBrainMetrics, BrainAlphaRecord, LocalGates, HopefulAlpha, HopefulRow, SubmissionRow } from './store.js';
export { simulateAndRecord, BrainSubmitter, resolvePendingSubmission, exportHopefulAlphas, exportSubmissionLog } from './submitter.js';
export type { SimulatedAlpha, SimulateRecordOptions, SubmitterOptions, SubmitterReport } from './submitter.js';
