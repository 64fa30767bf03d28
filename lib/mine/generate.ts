/**
 * The learned formula generator as a miner (AlphaGPT style): a policy
 * (policy.ts: small Transformer or the GRU baseline) samples reverse-Polish
 * token formulas, always valid under the grammar mask (vocab.ts); each batch
 * goes through the shared run (run.ts: screened on the train segment only,
 * counted in the one trial store, journaled, hopeful gates, resumable); the
 * batch's rewards update the policy by REINFORCE; the curve and the trained
 * policy (JSON checkpoint and ONNX, either kind) are saved. Options:
 * AlphaGPT's low-rank decay of the attention weights after each update and
 * its stable-rank monitor in the curve (lowrank.ts).
 *
 * Reward of a candidate: its train-segment net Sharpe (the screen's `full`
 * metrics on the mining segment, BRAIN's in-sample figure, annualized),
 * clipped to [-3, 3]; a candidate the screen rejects (lookback too long),
 * that errors, or whose factor is degenerate (lib/screen `degenerate_signal`:
 * it barely ranks the assets, e.g. `sign(volume)`, whose Sharpe comes from 3
 * bars with a position out of 1,006) gets `invalidReward` (-1). A formula
 * sampled again is not screened again: its journaled reward is reused, minus
 * a novelty term ({@link repeatPenalty}: `repeatPenalty x log2(n)` for the
 * n-th sample of the same formula in the run), so REINFORCE cannot pile onto a
 * few known formulas (without it the policy collapsed onto `sign(volume)`
 * variants on sp500_daily and stopped producing new formulas).
 *
 * Determinism and resume: weights come from the seed, samples from a seeded
 * `Rng`, and the policy is updated only when every result of its batch is
 * known (`onResult`, which the journal replays on resume), so a stopped run
 * continued with the same command trains exactly what an uninterrupted one
 * trains (no candidate screened twice).
 *
 * Lineage: each candidate's journal row holds `template = policy:<checkpoint
 * id>` (kind, update step, hash of the weights it was sampled from) and
 * `generation` = the update step; hopeful alphas carry it in
 * `hopeful_alphas.lineage` (run.ts).
 *
 * `policy` given (an ONNX file written by a training run): no training, the
 * candidates are sampled from it through onnxruntime-node.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { Rng } from '../stats/index.js';
import { defaultMineFields, type MineCommon } from './miners.js';
import { isDegenerate, MINE_BARRIER, mineRunKey, runMiner, testSegmentStart, type MineCandidate, type MinedCandidate, type MineResult } from './run.js';
import { Policy, policyConfig, type PolicyCheckpoint, type SampledBatch } from './policy.js';
import { OnnxPolicy, policyToOnnx } from './policy-onnx.js';
import { buildVocab, tokensToExpression, type Vocab } from './vocab.js';
import { DEFAULT_WINDOWS } from './grid.js';

/** One point of the training curve (one policy update). */
export interface CurvePoint {
  /** Update step (0 = the initial policy's batch). */
  readonly step: number;
  /** Samples drawn so far. */
  readonly samples: number;
  /** Mean reward of the batch. */
  readonly meanReward: number;
  /** Share of the batch the screen accepted (not rejected, no error, not degenerate). */
  readonly validShare: number;
  /** Best reward seen so far. */
  readonly bestSoFar: number;
  /** Mean per-step entropy of the masked policy (nats). */
  readonly entropy: number;
  readonly baseline: number;
  /** Distinct formulas in the batch. */
  readonly distinct: number;
  /**
   * Mean stable rank ||W||_F^2 / ||W||_2^2 of the Transformer's attention Q
   * and K projections after this update (and after its low-rank decay, when
   * on); null for the GRU (no attention). AlphaGPT's monitor (lowrank.ts).
   */
  readonly stableRank: number | null;
  /** Mean novelty penalty of the batch ({@link repeatPenalty}); the policy was trained on `meanReward - meanPenalty`. */
  readonly meanPenalty: number;
}

/** Settings of the generator and its training. */
export interface GeneratorSettings {
  /** 'transformer' (default) or 'gru'. */
  readonly model?: 'transformer' | 'gru';
  readonly seed?: number;
  /** Samples per policy update. Default 16. */
  readonly batch?: number;
  /** Adam learning rate. Default 3e-3. */
  readonly lr?: number;
  /** Entropy bonus beta. Default 0.01. */
  readonly entropyBonus?: number;
  /** Model width (<= 128). Default 64. */
  readonly dModel?: number;
  /** Transformer blocks. Default 2. */
  readonly layers?: number;
  /** Fields of the vocabulary (default lib/mine defaultMineFields). */
  readonly fields?: readonly string[];
  /** Windows of the vocabulary. Default 5, 10, 20, 60. */
  readonly windows?: readonly number[];
  /** Longest formula in tokens. Default 12. */
  readonly maxLength?: number;
  /** Reward of a rejected, failing or degenerate candidate. Default -1. */
  readonly invalidReward?: number;
  /**
   * Novelty term: the n-th sample of the same formula in a run (this one
   * included) is rewarded `reward - repeatPenalty x log2(n)` (no penalty the
   * first time; 0.25 at the 2nd, 1 at the 16th, 2 at the 256th), which keeps
   * pushing the policy off formulas it has sampled often. Default 0.25 in the
   * miner ({@link mineGenerate}, part of the run config), 0 in
   * {@link trainGenerator} (it measures learning on a fixed reward).
   */
  readonly repeatPenalty?: number;
  /**
   * AlphaGPT's low-rank decay of the attention Q and K projections after each
   * update: W <- W - lowRankDecay * NS(W) (lowrank.ts). 0 = off (default);
   * AlphaGPT uses 1e-3. Transformer only.
   */
  readonly lowRankDecay?: number;
  /** Newton-Schulz iterations of the low-rank decay. Default 5 (AlphaGPT's). */
  readonly lowRankIterations?: number;
}

/**
 * The low-rank decay settings, checked.
 * @throws RangeError for a negative decay, a bad iteration count, or a decay on the GRU (it has no attention).
 */
function lowRankSettings(s: GeneratorSettings): { decay: number; iterations: number } {
  const decay = s.lowRankDecay ?? 0, iterations = s.lowRankIterations ?? 5;
  if (!(Number.isFinite(decay) && decay >= 0)) throw new RangeError(`lowRankDecay must be a finite number >= 0, got ${decay}`);
  if (!(Number.isInteger(iterations) && iterations >= 1 && iterations <= 50)) throw new RangeError(`lowRankIterations must be an integer in [1, 50], got ${iterations}`);
  if (decay > 0 && (s.model ?? 'transformer') !== 'transformer') throw new RangeError(`lowRankDecay acts on attention weights: the ${s.model} policy has none (use --model transformer or decay 0)`);
  return { decay, iterations };
}

/** Default of {@link GeneratorSettings.repeatPenalty} in the miner. */
export const DEFAULT_REPEAT_PENALTY = 0.25;

/**
 * The novelty penalty of each sample of a batch, in order: `lambda x
 * log2(n)` where n counts the samples of the same formula so far (`counts`,
 * updated in place: earlier batches of the run, then this batch in order).
 * @throws RangeError for a negative or non-finite lambda.
 */
export function repeatPenalty(exprs: readonly string[], counts: Map<string, number>, lambda: number): number[] {
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new RangeError(`repeatPenalty must be a finite number >= 0, got ${lambda}`);
  return exprs.map((e) => {
    const n = (counts.get(e) ?? 0) + 1;
    counts.set(e, n);
    return lambda * Math.log2(n);
  });
}

/** A sample's reward from its screen result: clipped train Sharpe, or the invalid reward (not screened, no finite Sharpe, or a degenerate factor). */
export function screenReward(row: (Pick<MinedCandidate, 'status' | 'sharpe'> & Partial<Pick<MinedCandidate, 'failureKinds'>>) | undefined, invalidReward = -1): number {
  if (!row || row.status !== 'screened' || !Number.isFinite(row.sharpe) || isDegenerate(row)) return invalidReward;
  return Math.max(-3, Math.min(3, row.sharpe));
}

/** Options of {@link trainGenerator}: a reward function instead of the screen (tests, benchmarks). */
export interface TrainGeneratorOptions extends GeneratorSettings {
  readonly vocab: Vocab;
  /** Reward of a canonical expression; NaN = invalid (gets invalidReward). */
  readonly reward: (expression: string) => number;
  /** Policy updates. */
  readonly updates: number;
}

/** The policy, vocabulary and optimizer figures of a generator. */
function newPolicy(vocab: Vocab, s: GeneratorSettings): Policy {
  const cfg = policyConfig(s.model ?? 'transformer', vocab, { ...(s.dModel ? { dModel: s.dModel } : {}), ...(s.layers ? { layers: s.layers } : {}) });
  return new Policy(vocab, cfg, s.seed ?? 42, s.lr ?? 3e-3);
}

/** Decodes a batch; every sample is valid under the grammar, so a throw here is a bug and propagates. */
const decode = (vocab: Vocab, b: SampledBatch): string[] => b.ids.map((ids) => tokensToExpression(vocab, ids));

/** Curve bookkeeping shared by the reward-function trainer and the miner: the policy is updated on `rewards - penalties`. */
function curveStep(curve: CurvePoint[], policy: Policy, batch: SampledBatch, exprs: readonly string[], rewards: readonly number[], penalties: readonly number[], valid: number, entropyBonus: number, lowRank: { decay: number; iterations: number }): void {
  const stats = policy.update(batch, rewards.map((r, i) => r - penalties[i]!), entropyBonus);
  policy.applyLowRankDecay(lowRank.decay, lowRank.iterations); // a no-op at decay 0: training is then exactly what it was without the option
  const prevBest = curve.length ? curve[curve.length - 1]!.bestSoFar : -Infinity;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  curve.push({
    step: policy.step - 1, samples: (curve.length + 1) * rewards.length, meanReward: mean(rewards),
    validShare: valid / rewards.length, bestSoFar: Math.max(prevBest, ...rewards), entropy: stats.entropy, baseline: stats.baseline, distinct: new Set(exprs).size,
    stableRank: policy.attentionStableRank(),
    meanPenalty: mean(penalties),
  });
}

/**
 * Trains a generator on a reward function for `updates` batches (no screen,
 * no store): the learning test and the Transformer-vs-GRU comparison.
 * Returns the policy (dispose it) and the training curve.
 */
export function trainGenerator(o: TrainGeneratorOptions): { policy: Policy; curve: CurvePoint[] } {
  const lowRank = lowRankSettings(o);
  const policy = newPolicy(o.vocab, o);
  const rng = new Rng((o.seed ?? 42) + 1);
  const B = o.batch ?? 16, inv = o.invalidReward ?? -1;
  const curve: CurvePoint[] = [];
  const memo = new Map<string, number>();
  const counts = new Map<string, number>(), lambda = o.repeatPenalty ?? 0;
  for (let u = 0; u < o.updates; u++) {
    const batch = policy.sample(B, rng);
    const exprs = decode(o.vocab, batch);
    const raw = exprs.map((e) => {
      if (!memo.has(e)) memo.set(e, o.reward(e));
      return memo.get(e)!;
    });
    curveStep(curve, policy, batch, exprs, raw.map((r) => (Number.isFinite(r) ? r : inv)), repeatPenalty(exprs, counts, lambda), raw.filter((r) => Number.isFinite(r)).length, o.entropyBonus ?? 0.01, lowRank);
  }
  return { policy, curve };
}

/** Options of {@link mineGenerate}. */
export interface MineGenerateOptions extends MineCommon, GeneratorSettings {
  /** Folder for policy.json, policy.onnx and curve.json (default data/runs/mine/<run key>). */
  readonly outDir?: string;
  /** Sample from this exported ONNX policy instead of training (its vocabulary is read from the model's metadata). */
  readonly policy?: string;
  /**
   * Stop when this many consecutive batches bring no formula not already
   * screened (default 50): a policy whose entropy has collapsed onto a few
   * formulas would otherwise train forever without reaching `max`.
   */
  readonly maxStaleBatches?: number;
}

/** What {@link mineGenerate} adds to a mining result. */
export interface MineGenerateResult extends MineResult {
  readonly curve: readonly CurvePoint[];
  /** Files written (checkpoint, ONNX, curve), absent in sampling mode. */
  readonly files: { readonly checkpoint?: string; readonly onnx?: string; readonly curve?: string };
  /** Checkpoint id of the final policy. */
  readonly checkpointId: string | null;
}

const VOCAB_KEY = 'alphalab.vocab';

/** The vocabulary stored in an exported policy's metadata. @throws Error when the model has none. */
export function vocabOfOnnx(bytes: Uint8Array): Vocab {
  const m = onnxProto.onnx.ModelProto.decode(bytes);
  const p = m.metadataProps.find((x) => x.key === VOCAB_KEY);
  if (!p?.value) throw new Error(`ONNX policy has no ${VOCAB_KEY} metadata (not exported by mine generate)`);
  const v = JSON.parse(p.value) as { fields: string[]; windows: number[]; maxLength: number };
  return buildVocab(v.fields, v.windows, v.maxLength);
}

/** The ONNX bytes of a checkpoint (Transformer or GRU, policy-onnx.ts) with its vocabulary in the metadata. */
export function exportPolicy(c: PolicyCheckpoint, fields: readonly string[], windows: readonly number[]): Uint8Array {
  const m = onnxProto.onnx.ModelProto.decode(policyToOnnx(c));
  m.metadataProps = [onnxProto.onnx.StringStringEntryProto.create({ key: VOCAB_KEY, value: JSON.stringify({ fields, windows, maxLength: c.config.maxLength }) })];
  return onnxProto.onnx.ModelProto.encode(m).finish();
}

/**
 * Runs the generator miner (see the module comment). Each candidate
 * screened counts one trial in the store.
 * @throws Error for a panel without a dataset name, a bad setting or an unreadable policy file.
 */
export async function mineGenerate(o: MineGenerateOptions): Promise<MineGenerateResult> {
  const windows = o.windows ?? DEFAULT_WINDOWS;
  if (o.policy) return sampleFromOnnx(o, o.policy);
  const fields = o.fields ?? defaultMineFields(o.panel);
  const vocab = buildVocab(fields, windows, o.maxLength ?? 12);
  const lowRank = lowRankSettings(o);
  const settings = {
    model: o.model ?? 'transformer', seed: o.seed ?? 42, batch: o.batch ?? 16, lr: o.lr ?? 3e-3, entropyBonus: o.entropyBonus ?? 0.01, dModel: o.dModel ?? 64, layers: o.layers ?? 2, fields, windows, maxLength: vocab.maxLength, invalidReward: o.invalidReward ?? -1, repeatPenalty: o.repeatPenalty ?? DEFAULT_REPEAT_PENALTY,
    // in the run config (and so the run key) only when on: runs without the decay keep the keys they had before the option existed
    ...(lowRank.decay > 0 ? { lowRankDecay: lowRank.decay, lowRankIterations: lowRank.iterations } : {}),
  };
  repeatPenalty([], new Map(), settings.repeatPenalty); // checks the setting before anything runs
  const policy = newPolicy(vocab, settings);
  const rng = new Rng(settings.seed + 1);
  const known = new Map<string, MinedCandidate>();
  const curve: CurvePoint[] = [];
  const sampleCounts = new Map<string, number>(); // samples of each formula so far (the novelty term), rebuilt identically when the stream is replayed on resume
  const maxStale = o.maxStaleBatches ?? 50;
  if (!(Number.isInteger(maxStale) && maxStale >= 1)) throw new RangeError(`mineGenerate: maxStaleBatches must be a positive integer, got ${maxStale}`);
  const stream = function* (): Generator<MineCandidate | typeof MINE_BARRIER> {
    for (let stale = 0; stale < maxStale; ) {
      const ckpt = policy.checkpointId();
      const batch = policy.sample(settings.batch, rng);
      const exprs = decode(vocab, batch);
      const fresh = exprs.filter((e, i) => !known.has(e) && exprs.indexOf(e) === i);
      stale = fresh.length ? 0 : stale + 1;
      for (const e of fresh) yield { expression: e, template: `policy:${ckpt}`, generation: policy.step };
      yield MINE_BARRIER; // the policy update below needs every result of this batch (they may be computed in parallel)
      const rows = exprs.map((e) => known.get(e));
      curveStep(curve, policy, batch, exprs, rows.map((r) => screenReward(r, settings.invalidReward)), repeatPenalty(exprs, sampleCounts, settings.repeatPenalty), rows.filter((r) => r?.status === 'screened' && !isDegenerate(r)).length, settings.entropyBonus, lowRank);
    }
  };
  try {
    const r = await runMiner({ ...o, miner: 'generate', candidates: stream(), config: settings, onResult: (row) => known.set(row.expression, row) });
    const ck = policy.checkpoint();
    const dir = o.outDir ?? join('data', 'runs', 'mine', mineRunKey('generate', o.panel, testSegmentStart(o.panel.times.length, o.testFraction), settings));
    mkdirSync(dir, { recursive: true });
    const files: { checkpoint: string; curve: string; onnx?: string } = { checkpoint: join(dir, 'policy.json'), curve: join(dir, 'curve.json') };
    writeFileSync(files.checkpoint, JSON.stringify({ ...ck, id: policy.checkpointId(), vocab: { fields, windows, maxLength: vocab.maxLength } }));
    writeFileSync(files.curve, JSON.stringify({ model: settings.model, settings, curve }, null, 1));
    files.onnx = join(dir, 'policy.onnx');
    writeFileSync(files.onnx, exportPolicy(ck, fields, windows));
    return { ...r, curve, files, checkpointId: policy.checkpointId() };
  } finally {
    policy.dispose();
  }
}

/** Sampling mode: candidates drawn from an exported policy through onnxruntime-node, screened in order. */
async function sampleFromOnnx(o: MineGenerateOptions, path: string): Promise<MineGenerateResult> {
  const bytes = readFileSync(path);
  const vocab = vocabOfOnnx(bytes);
  const onnxPolicy = await OnnxPolicy.load(bytes, vocab);
  const seed = o.seed ?? 42, B = o.batch ?? 16, max = o.max ?? 200;
  const rng = new Rng(seed + 2);
  const { sha256 } = await import('../db/index.js');
  const tag = `onnx:${sha256(bytes).slice(0, 12)}`;
  // the stream must be synchronous: draw enough distinct formulas first (up to 1.5 x max, at most 50 batches)
  const seen = new Set<string>();
  const list: MineCandidate[] = [];
  for (let k = 0; k < 50 && list.length < Math.ceil(1.5 * max); k++) {
    for (const e of decode(vocab, await onnxPolicy.sample(B, rng))) {
      if (seen.has(e)) continue;
      seen.add(e);
      list.push({ expression: e, template: `policy:${tag}` });
    }
  }
  const r = await runMiner({ ...o, miner: 'generate-onnx', candidates: list, config: { policy: tag, seed, batch: B } });
  return { ...r, curve: [], files: {}, checkpointId: tag };
}
