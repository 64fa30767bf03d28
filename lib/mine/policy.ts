/**
 * The learned generator's policies on @tensorflow/tfjs (pure JS CPU
 * backend): autoregressive next-token models over the {@link Vocab} of
 * vocab.ts, trained by REINFORCE.
 *
 * - `transformer` (AlphaGPT's architecture, small): token + learned position
 *   embeddings, `layers` pre-norm decoder blocks, each RMSNorm -> causal
 *   multi-head self-attention with QK-norm (RMSNorm of each head's queries
 *   and keys, with gains, before the 1/sqrt(head dim) scaled dot product) ->
 *   residual, RMSNorm -> SwiGLU feed-forward (W2 (silu(x W1) * (x W3))) ->
 *   residual; final RMSNorm and a linear head. RMSNorm(x) = x /
 *   sqrt(mean(x^2) + 1e-6) * g (Zhang & Sennrich 2019); SwiGLU (Shazeer 2020).
 * - `gru`: token embedding -> one GRU layer (PyTorch's gate convention:
 *   n = tanh(x Wn + bn + r * (h Un + un))) -> linear head; the baseline that
 *   shows what attention buys.
 *
 * Input position 0 is BOS (id = vocabulary size); position t predicts token
 * t + 1. Invalid tokens are masked (logit - 1e9) by the typed grammar in
 * sampling and in the loss, so every sample is a valid formula and the
 * probabilities are renormalized over the valid tokens.
 *
 * Training (Williams 1992, REINFORCE with a baseline and an entropy bonus):
 * loss = -mean_b[(R_b - baseline) * sum_t log pi(a_bt | prefix)] - beta *
 * mean_bt[H(pi(. | prefix_bt))], baseline = exponential moving average of the
 * batch mean reward (decay 0.9), Adam. Weights are initialized from a seeded
 * generator, sampling draws from lib/stats `Rng`: the same seed gives the
 * same policy, samples and updates.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../stats/index.js';
import { sha256 } from '../db/index.js';
import { grammarMask, grammarStep, START_STATE, type GrammarState, type Vocab } from './vocab.js';
import { lowRankDecayStep, stableRank, type DenseMatrix } from './lowrank.js';

/** Architecture of a policy. */
export interface PolicyConfig {
  readonly kind: 'transformer' | 'gru';
  /** Vocabulary size (END, fields, windows, operators); the input also has BOS = vocabSize. */
  readonly vocabSize: number;
  /** Longest formula (tokens, END excluded); positions = maxLength + 1. */
  readonly maxLength: number;
  /** Model width (transformer d_model, GRU hidden size). Default 64 (at most 128). */
  readonly dModel: number;
  /** Transformer: decoder blocks (default 2), heads (default 4), SwiGLU hidden width (default 2 x dModel). */
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
}

/** Serialized weights (JSON): a checkpoint. */
export interface PolicyCheckpoint {
  readonly config: PolicyConfig;
  readonly weights: Readonly<Record<string, { shape: number[]; values: number[] }>>;
}

// Production mode: skips tfjs's debug checks and its "install tfjs-node" banner in Node (tfjs-node is not available here by design).
tf.enableProdMode();

const EPS = 1e-6;
const NEG = -1e9;

/** Resolves a config with defaults. @throws RangeError for dModel > 128, heads not dividing dModel, or bad sizes. */
export function policyConfig(kind: PolicyConfig['kind'], vocab: Vocab, o: Partial<Omit<PolicyConfig, 'kind' | 'vocabSize' | 'maxLength'>> = {}): PolicyConfig {
  const dModel = o.dModel ?? 64, heads = o.heads ?? 4, layers = o.layers ?? 2, ffn = o.ffn ?? 2 * dModel;
  if (!(Number.isInteger(dModel) && dModel >= 4 && dModel <= 128)) throw new RangeError(`policy dModel must be an integer in [4, 128], got ${dModel}`);
  if (!(Number.isInteger(heads) && heads >= 1 && dModel % heads === 0)) throw new RangeError(`policy heads (${heads}) must divide dModel (${dModel})`);
  if (!(Number.isInteger(layers) && layers >= 1 && layers <= 8)) throw new RangeError(`policy layers must be in [1, 8], got ${layers}`);
  return { kind, vocabSize: vocab.tokens.length, maxLength: vocab.maxLength, dModel, layers, heads, ffn };
}

/** Parameter shapes of a config, in a fixed order (the checkpoint and ONNX initializers follow it). */
export function parameterShapes(c: PolicyConfig): [string, number[]][] {
  const V = c.vocabSize, d = c.dModel, P = c.maxLength + 1;
  if (c.kind === 'gru') {
    return [['emb', [V + 1, d]], ['wx', [d, 3 * d]], ['wh', [d, 3 * d]], ['bx', [3 * d]], ['bh', [3 * d]], ['wout', [d, V]], ['bout', [V]]];
  }
  const hd = d / c.heads;
  const out: [string, number[]][] = [['emb', [V + 1, d]], ['pos', [P, d]]];
  for (let l = 0; l < c.layers; l++) {
    out.push([`l${l}.g1`, [d]], [`l${l}.wq`, [d, d]], [`l${l}.wk`, [d, d]], [`l${l}.wv`, [d, d]], [`l${l}.gq`, [hd]], [`l${l}.gk`, [hd]], [`l${l}.wo`, [d, d]]);
    out.push([`l${l}.g2`, [d]], [`l${l}.w1`, [d, c.ffn]], [`l${l}.w3`, [d, c.ffn]], [`l${l}.w2`, [c.ffn, d]]);
  }
  out.push(['gf', [d]], ['wout', [d, V]], ['bout', [V]]);
  return out;
}

/** Seeded initial values: gains 1, biases 0, embeddings N(0, 0.02^2) and matrices N(0, 1/fan_in) (residual outputs scaled by 1/sqrt(2 layers)). */
function initialValues(c: PolicyConfig, seed: number): Record<string, { shape: number[]; values: number[] }> {
  const rng = new Rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random());
  const out: Record<string, { shape: number[]; values: number[] }> = {};
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const base = name.split('.').pop()!;
    let f: () => number;
    if (/^g/.test(base) && shape.length === 1) f = () => 1;
    else if (/^b/.test(base)) f = () => 0;
    else if (base === 'emb' || base === 'pos') f = () => 0.02 * gauss();
    else {
      const scale = (base === 'wo' || base === 'w2' ? 1 / Math.sqrt(2 * c.layers) : 1) / Math.sqrt(shape[0]!);
      f = () => scale * gauss();
    }
    out[name] = { shape, values: Array.from({ length: n }, f) };
  }
  return out;
}

/** A sampled batch: token ids, the grammar masks met at each step, and the decoded sequences. */
export interface SampledBatch {
  /** Per sample, the emitted token ids (END last). */
  readonly ids: number[][];
  /** Per sample and step, the allowed-token mask. */
  readonly masks: Uint8Array[][];
}

/** One REINFORCE update's figures. */
export interface UpdateStats {
  readonly loss: number;
  /** Mean per-step entropy of the masked policy (nats). */
  readonly entropy: number;
  /** Baseline used for this batch (before its update). */
  readonly baseline: number;
}

/** A policy: tfjs variables, sampling, scoring and REINFORCE updates. Call {@link Policy.dispose} when done. */
export class Policy {
  readonly config: PolicyConfig;
  readonly vocab: Vocab;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly opt: tf.Optimizer;
  private baselineValue: number | null = null;
  /** Updates applied so far. */
  step = 0;

  constructor(vocab: Vocab, config: PolicyConfig, init: PolicyCheckpoint['weights'] | number, lr = 3e-3) {
    if (config.vocabSize !== vocab.tokens.length || config.maxLength !== vocab.maxLength) throw new Error(`Policy: config (vocab ${config.vocabSize}, maxLength ${config.maxLength}) does not match the vocabulary (${vocab.tokens.length}, ${vocab.maxLength})`);
    this.vocab = vocab;
    this.config = config;
    const w = typeof init === 'number' ? initialValues(config, init) : init;
    for (const [name, shape] of parameterShapes(config)) {
      const p = w[name];
      if (!p || p.values.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`Policy: checkpoint lacks ${name} ${JSON.stringify(shape)}`);
      this.vars.set(name, tf.variable(tf.tensor(p.values, shape, 'float32'), true, `${config.kind}.${name}.${Math.random().toString(36).slice(2)}`));
    }
    this.opt = tf.train.adam(lr);
  }

  /** A policy from a checkpoint (JSON). */
  static fromCheckpoint(vocab: Vocab, c: PolicyCheckpoint, lr?: number): Policy {
    return new Policy(vocab, c.config, c.weights, lr);
  }

  private v(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  /** Logits [B, T, V] of input ids [B, T] (BOS = vocabSize at position 0). */
  logits(input: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => (this.config.kind === 'gru' ? this.gruLogits(input) : this.transformerLogits(input)));
  }

  private transformerLogits(input: tf.Tensor2D): tf.Tensor3D {
    const { dModel: d, heads: H } = this.config;
    const [B, T] = input.shape;
    const hd = d / H;
    const rms = (x: tf.Tensor, g: tf.Tensor) => x.div(x.square().mean(-1, true).add(EPS).sqrt()).mul(g);
    const lin = (x: tf.Tensor, w: tf.Tensor) => x.reshape([-1, x.shape[x.shape.length - 1]!]).matMul(w as tf.Tensor2D).reshape([...x.shape.slice(0, -1), w.shape[1]!]);
    const causal = tf.tensor2d(Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? NEG : 0)), [T, T]);
    let x: tf.Tensor = tf.gather(this.v('emb'), input).add(this.v('pos').slice([0, 0], [T, d]));
    for (let l = 0; l < this.config.layers; l++) {
      const p = (n: string) => this.v(`l${l}.${n}`);
      const h = rms(x, p('g1'));
      const heads = (w: tf.Tensor) => lin(h, w).reshape([B, T, H, hd]).transpose([0, 2, 1, 3]);
      const q = rms(heads(p('wq')), p('gq')), k = rms(heads(p('wk')), p('gk')), v = heads(p('wv'));
      const att = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(hd)).add(causal), -1);
      const o = tf.matMul(att, v).transpose([0, 2, 1, 3]).reshape([B, T, d]);
      x = x.add(lin(o, p('wo')));
      const h2 = rms(x, p('g2'));
      const a = lin(h2, p('w1'));
      x = x.add(lin(a.mul(tf.sigmoid(a)).mul(lin(h2, p('w3'))), p('w2')));
    }
    return lin(rms(x, this.v('gf')), this.v('wout')).add(this.v('bout')) as tf.Tensor3D;
  }

  private gruLogits(input: tf.Tensor2D): tf.Tensor3D {
    const d = this.config.dModel;
    const [B, T] = input.shape;
    const e = tf.gather(this.v('emb'), input); // [B, T, d]
    const xs = e.reshape([B * T, d]).matMul(this.v('wx') as tf.Tensor2D).add(this.v('bx')).reshape([B, T, 3 * d]);
    let h: tf.Tensor2D = tf.zeros([B, d]);
    const outs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const xt = xs.slice([0, t, 0], [B, 1, 3 * d]).reshape([B, 3 * d]);
      const ht = h.matMul(this.v('wh') as tf.Tensor2D).add(this.v('bh'));
      const r = tf.sigmoid(xt.slice([0, 0], [B, d]).add(ht.slice([0, 0], [B, d])));
      const z = tf.sigmoid(xt.slice([0, d], [B, d]).add(ht.slice([0, d], [B, d])));
      const n = tf.tanh(xt.slice([0, 2 * d], [B, d]).add(r.mul(ht.slice([0, 2 * d], [B, d]))));
      h = tf.sub(1, z).mul(n).add(z.mul(h)) as tf.Tensor2D;
      outs.push(h);
    }
    const hs = tf.stack(outs, 1).reshape([B * T, d]);
    return hs.matMul(this.v('wout') as tf.Tensor2D).add(this.v('bout')).reshape([B, T, this.config.vocabSize]) as tf.Tensor3D;
  }

  /** Unmasked next-token probabilities [B, T, V] of token prefixes (BOS prepended here), as a flat Float32Array. */
  probabilities(prefixes: readonly (readonly number[])[]): Float32Array {
    const input = this.inputTensor(prefixes);
    const p = tf.tidy(() => tf.softmax(this.logits(input), -1));
    const out = p.dataSync() as Float32Array;
    p.dispose();
    input.dispose();
    return out;
  }

  /** [B, T] int32 of BOS + prefix, padded with END (positions after a sample's end are never read). */
  private inputTensor(prefixes: readonly (readonly number[])[]): tf.Tensor2D {
    const T = 1 + Math.max(0, ...prefixes.map((p) => p.length));
    const data = new Int32Array(prefixes.length * T);
    prefixes.forEach((p, b) => {
      data[b * T] = this.config.vocabSize;
      p.forEach((id, t) => (data[b * T + 1 + t] = id));
    });
    return tf.tensor2d(data, [prefixes.length, T], 'int32');
  }

  /**
   * Samples `n` formulas: at each step the next-token probabilities of the
   * prefix, masked by the grammar, renormalized, drawn with `rng`.
   */
  sample(n: number, rng: Rng): SampledBatch {
    return sampleWith(this.vocab, n, rng, (prefixes) => {
      const input = this.inputTensor(prefixes);
      const l = this.logits(input);
      const last = tf.tidy(() => l.slice([0, input.shape[1] - 1, 0], [prefixes.length, 1, this.config.vocabSize]).reshape([prefixes.length, this.config.vocabSize]));
      const out = last.dataSync() as Float32Array;
      tf.dispose([input, l, last]);
      return out;
    }, 'logits');
  }

  /**
   * One REINFORCE update on a sampled batch with its rewards (see the module
   * comment); the baseline is updated after the step.
   * @throws RangeError when rewards and samples differ in number.
   */
  update(batch: SampledBatch, rewards: readonly number[], entropyBonus = 0.01): UpdateStats {
    const B = batch.ids.length;
    if (rewards.length !== B) throw new RangeError(`Policy.update: ${rewards.length} rewards for ${B} samples`);
    const V = this.config.vocabSize;
    const T = Math.max(...batch.ids.map((s) => s.length));
    const mean = rewards.reduce((a, b) => a + b, 0) / B;
    const baseline = this.baselineValue ?? mean;
    const input = this.inputTensor(batch.ids.map((s) => s.slice(0, T - 1)));
    const actions = new Int32Array(B * T), valid = new Float32Array(B * T), mask = new Float32Array(B * T * V);
    batch.ids.forEach((s, b) => s.forEach((id, t) => {
      actions[b * T + t] = id;
      valid[b * T + t] = 1;
      mask.set(batch.masks[b]![t]!, (b * T + t) * V);
    }));
    const adv = tf.tensor1d(rewards.map((r) => r - baseline));
    const act = tf.tensor2d(actions, [B, T], 'int32');
    const val = tf.tensor2d(valid, [B, T]);
    const msk = tf.tensor3d(mask, [B, T, V]);
    let entropy = NaN;
    const lossT = this.opt.minimize(() => {
      const logp = tf.logSoftmax(this.logits(input).add(msk.sub(1).mul(-NEG)), -1);
      const chosen = logp.mul(tf.oneHot(act, V)).sum(-1).mul(val).sum(1);
      const ent = tf.exp(logp).mul(logp).mul(msk).sum(-1).neg().mul(val).sum().div(val.sum());
      entropy = ent.dataSync()[0]!;
      return chosen.mul(adv).mean().neg().sub(ent.mul(entropyBonus)) as tf.Scalar;
    }, true, [...this.vars.values()]);
    const loss = lossT!.dataSync()[0]!;
    tf.dispose([lossT!, adv, act, val, msk, input]);
    this.baselineValue = this.baselineValue === null ? mean : 0.9 * this.baselineValue + 0.1 * mean;
    this.step++;
    return { loss, entropy, baseline };
  }

  /** Names of the matrices the low-rank decay and the stable-rank monitor act on: every block's Q and K projections (none for the GRU). */
  attentionMatrices(): string[] {
    if (this.config.kind !== 'transformer') return [];
    return Array.from({ length: this.config.layers }, (_, l) => [`l${l}.wq`, `l${l}.wk`]).flat();
  }

  private matrix(name: string): DenseMatrix {
    const v = this.v(name);
    return { rows: v.shape[0]!, cols: v.shape[1]!, values: Float64Array.from(v.dataSync()) };
  }

  /**
   * AlphaGPT's low-rank decay (lowrank.ts): W <- W - decay * NS_k(W) for
   * every attention Q and K projection, computed in float64 and stored as
   * float32; call it after an update (decoupled from the gradient; Adam's
   * moments are untouched). A no-op for decay 0 or the GRU.
   * @throws RangeError for a negative decay or a bad iteration count.
   */
  applyLowRankDecay(decay: number, iterations = 5): void {
    if (!(Number.isFinite(decay) && decay >= 0)) throw new RangeError(`lowRankDecay must be a finite number >= 0, got ${decay}`);
    if (!(Number.isInteger(iterations) && iterations >= 1)) throw new RangeError(`lowRankIterations must be a positive integer, got ${iterations}`);
    if (decay === 0) return;
    for (const name of this.attentionMatrices()) {
      const w = lowRankDecayStep(this.matrix(name), decay, iterations);
      const t = tf.tensor(Float32Array.from(w.values), [w.rows, w.cols], 'float32');
      this.v(name).assign(t);
      t.dispose();
    }
  }

  /** Mean stable rank ||W||_F^2 / ||W||_2^2 of the attention Q and K projections (power iteration); null for the GRU (no attention). */
  attentionStableRank(): number | null {
    const names = this.attentionMatrices();
    if (!names.length) return null;
    return names.reduce((s, n) => s + stableRank(this.matrix(n)), 0) / names.length;
  }

  /** The weights as a JSON checkpoint. */
  checkpoint(): PolicyCheckpoint {
    const weights: Record<string, { shape: number[]; values: number[] }> = {};
    for (const [name, v] of this.vars) weights[name] = { shape: v.shape.slice(), values: Array.from(v.dataSync()) };
    return { config: this.config, weights };
  }

  /** Short content hash of the current weights (lineage: the policy checkpoint a sample came from). */
  checkpointId(): string {
    return `${this.config.kind}@${this.step}:${sha256(JSON.stringify(this.checkpoint().weights)).slice(0, 12)}`;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.opt.dispose();
  }
}

/** The state of a batch being sampled: ids, masks and grammar states per sample. */
export interface SamplingState extends SampledBatch {
  readonly states: GrammarState[];
}

/** A fresh sampling state for n samples. */
export function samplingState(n: number): SamplingState {
  return { ids: Array.from({ length: n }, () => []), masks: Array.from({ length: n }, () => []), states: Array.from({ length: n }, () => START_STATE) };
}

/**
 * One step of the sampling loop shared by the tfjs policy and the ONNX
 * runtime sampler: `row` holds, per sample, V scores for its next token
 * (`logits`, or `probs` already normalized); the grammar masks them, the
 * valid ones are renormalized and one token is drawn with `rng` per
 * unfinished sample. Returns whether any sample is still unfinished.
 */
export function samplingStep(vocab: Vocab, st: SamplingState, row: Float32Array, rng: Rng, scores: 'logits' | 'probs'): boolean {
  const V = vocab.tokens.length;
  const w = new Float64Array(V);
  for (let b = 0; b < st.ids.length; b++) {
    if (st.states[b]!.done) continue;
    const m = grammarMask(vocab, st.states[b]!);
    let mx = -Infinity;
    for (let i = 0; i < V; i++) if (m[i] && row[b * V + i]! > mx) mx = row[b * V + i]!;
    for (let i = 0; i < V; i++) w[i] = m[i] ? (scores === 'logits' ? Math.exp(row[b * V + i]! - mx) : row[b * V + i]!) : 0;
    const id = rng.choice(w);
    st.ids[b]!.push(id);
    st.masks[b]!.push(m);
    st.states[b] = grammarStep(vocab, st.states[b]!, id)!;
  }
  return st.states.some((s) => !s.done);
}

/** The synchronous sampling loop: `next(prefixes)` returns the next-token scores of every prefix (n x V). */
export function sampleWith(vocab: Vocab, n: number, rng: Rng, next: (prefixes: number[][]) => Float32Array, scores: 'logits' | 'probs'): SampledBatch {
  const st = samplingState(n);
  for (let step = 0; step <= vocab.maxLength; step++) if (!samplingStep(vocab, st, next(st.ids), rng, scores)) break;
  return { ids: st.ids, masks: st.masks };
}
