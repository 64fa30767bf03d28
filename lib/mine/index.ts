/**
 * Alpha mining (issue 11, first pass): a template grid miner and an
 * expression-variants miner over one shared run (run.ts): every candidate
 * screened by lib/screen on the train segment only and counted in the one
 * trial store, BRAIN's hopeful gates, self-correlation dedup, lineage and
 * progress journaled in DuckDB (resumable), winners re-tested on the test
 * segment at the end.
 *
 * Candidates are computed by an executor (executor.ts): in process, on
 * worker threads with the panel in shared memory (thread-pool.ts,
 * `--workers N`), or through a BullMQ queue (queue.ts, imported directly);
 * the run records them in candidate order, so results do not depend on it.
 *
 * ```ts
 * const store = await FactorStore.open('data/quant.duckdb');
 * const r = await mineGrid({ panel, store, max: 200, seed: 42 });
 * r.hopeful; r.winners[0]?.testSharpe; r.trialsInStore;
 * ```
 * @module
 */
export { gridCandidates, gridPoint, gridSize, templateHoles, operatorsForHole, DEFAULT_TEMPLATES, DEFAULT_WINDOWS, MAX_GRID_POINTS } from './grid.js';
export type { GridCandidate, GridDomains, GridHole, GridHoleKind, GridOptions, GridSkips } from './grid.js';
export { expressionVariants } from './variants.js';
export type { Variant, VariantOptions } from './variants.js';
export { runMiner, hopefulGate, readMineJournal, retestWinners, improvements, mineRunKey, testSegmentStart, isDegenerate, testSharpeNote, DEFAULT_MINE_GATES, MINE_BARRIER } from './run.js';
export { computeCandidate, embeddedExecutor, EXPR_CACHE_BYTES } from './executor.js';
export type { CandidateExecutor, CandidateTaskSpec, CandidateWork } from './executor.js';
export { threadPoolExecutor, CandidateThreadPool } from './thread-pool.js';
export type { MineCandidate, MineGates, MineProgress, MineRunOptions, MinedCandidate, RetestedWinner, Improvement, MineResult } from './run.js';
export { mineGrid, mineVariants, defaultMineFields, readParentsFile } from './miners.js';
export type { MineGridOptions, MineVariantsOptions, MineCommon } from './miners.js';
export { mineGp, gpCandidates, gpFitness, treeShape, DEFAULT_GP } from './gp.js';
export type { GpSettings, MineGpOptions } from './gp.js';
export { poolReport } from './pool.js';
export type { PoolReport, SegmentIc } from './pool.js';
// lib/mine/queue.ts (BullMQ executor and worker) is imported directly, not re-exported here:
// it loads bullmq and ioredis, which notebooks and in-process runs do not need.
export { listHopefulLineage } from './run.js';
export { buildVocab, grammarMask, grammarStep, tokensToExpr, tokensToExpression, START_STATE } from './vocab.js';
export type { Vocab, GrammarState, TokenKind } from './vocab.js';
export { Policy, policyConfig, parameterShapes, sampleWith, samplingState, samplingStep } from './policy.js';
export type { PolicyConfig, PolicyCheckpoint, SampledBatch, SamplingState, UpdateStats } from './policy.js';
export { policyToOnnx, OnnxPolicy } from './policy-onnx.js';
export { newtonSchulz, lowRankDecayStep, spectralNorm, stableRank, frobeniusNorm } from './lowrank.js';
export type { DenseMatrix } from './lowrank.js';
export { mineGenerate, trainGenerator, screenReward, repeatPenalty, DEFAULT_REPEAT_PENALTY, exportPolicy, vocabOfOnnx } from './generate.js';
export type { CurvePoint, GeneratorSettings, MineGenerateOptions, MineGenerateResult, TrainGeneratorOptions } from './generate.js';
