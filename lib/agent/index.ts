/**
 * The LLM hypothesis loop: proposers (a language model through lib/llm, or
 * the offline grammar proposer), a tester built on factor validation and
 * backtests, and a DuckDB knowledge base that learns from every try.
 *
 * ```ts
 * const summary = await research({ dataset: 'sp500_daily', provider: 'offline', maxIterations: 10 });
 * ```
 */
export * from './types.js';
export { FACTOR_FAMILIES, familiesFor, instantiate } from './knowledge.js';
export type { FactorFamily, FactorTemplate } from './knowledge.js';
export { summarizePanel, formatDatasetSummary } from './summary.js';
export type { DatasetSummary } from './summary.js';
export { PROMPT_VERSION, HYPOTHESIS_SCHEMA, SYSTEM_PROMPT, buildPrompt, parseProposal } from './prompt.js';
export type { PromptInput, KbDigestEntry, ProposalParse } from './prompt.js';
export { KnowledgeBase, hypothesisId, KB_SCHEMA_VERSION } from './kb.js';
export type { RunRecord, SearchOptions, GroupStats, KbStats, FailurePattern, NewHypothesis } from './kb.js';
export { LlmProposer, OfflineProposer } from './proposer.js';
export type { Proposer, ProposeContext, ProposalResult, LlmProposerOptions, OfflineProposerOptions } from './proposer.js';
export { runResearch, formatSummaryLines, DEFAULT_GOAL } from './loop.js';
export type { ResearchLoopOptions, ResearchSummary, IterationRecord } from './loop.js';
export { exprGrammar } from './grammar.js';
export { EngineTester } from './tester.js';
export type { EngineTesterOptions } from './tester.js';
export { research, chooseProposer, loadDataset, openKnowledgeBase, kbStrategiesDir } from './api.js';
export type { ResearchOptions } from './api.js';
export { progressionFigure, hypothesisRows } from './report.js';
