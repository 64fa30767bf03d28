/**
 * Continuous training of local models: instruction datasets from market data
 * (no look-ahead: the question sees data up to t, the answer what happened
 * after), model variants through Ollama's /api/create (system prompt and
 * few-shot messages under a token budget: prompt conditioning, no weight
 * training), evaluation and promotion, keep-N cleanup, reports and trend,
 * schedules. Settings: `training_config.json` (config.ts).
 */
export { DEFAULT_TRAINING_CONFIG, resolveTrainingConfig, loadTrainingConfig, schedulePatterns } from './config.js';
export type { TrainingConfig, WeeklySlot } from './config.js';
export { buildExamples, questionAt, answerText, exampleId, readDataset, appendDataset, lastTimes } from './dataset.js';
export type { TrainingExample, ReferenceAnswer, BuildOptions } from './dataset.js';
export { estimateTokens, fewShotBudget, selectFewShot, CHARS_PER_TOKEN, MESSAGE_OVERHEAD_TOKENS, BUDGET_MARGIN_TOKENS } from './fewshot.js';
export type { FewShotBlock } from './fewshot.js';
export { ANALYST_SYSTEM_PROMPT, ANSWER_SCHEMA, evaluateModel, isBetter, nearestRank, readRegistry, writeRegistry, registryPath, cleanupVariants } from './variant.js';
export type { EvalMetrics, VariantRecord, VariantRegistry } from './variant.js';
export { writeReport, readReports, readTrend, trendWarning, trendFigures, reportsDir } from './report.js';
export type { TrainRunReport, TrendRow } from './report.js';
export { trainRun, runIdAt, VARIANT_NOTE } from './run.js';
export type { TrainRunOptions } from './run.js';
