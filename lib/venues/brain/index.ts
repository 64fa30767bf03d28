/** WorldQuant BRAIN: client, settings, FASTEXPR translation, local parity, submitter. @module */
export { BrainClient, BRAIN_API, resolveLocation, fieldErrors } from './client.js';
export type { BrainClientOptions, BrainSession, BrainIsMetrics, BrainCheck, BrainAlpha, BrainSimulation, SubmitVerdict, ProgressFn } from './client.js';
export { DEFAULT_BRAIN_SETTINGS, BRAIN_NEUTRALIZATIONS, resolveBrainSettings, readBrainSettingsFile, toPortfolioSettings, fromPortfolioSettings } from './settings.js';
export type { BrainSimulationSettings } from './settings.js';
