/**
 * ONNX export of the Transformer policy (policy.ts) from standard ONNX
 * operators (opset 15, default domain only: Gather, Shape, Concat, Slice,
 * Add, Mul, Div, Sqrt, ReduceMean, MatMul, Reshape, Transpose, Softmax,
 * Sigmoid), and sampling through onnxruntime-node (CPU), so a trained policy
 * runs in the miner without tfjs.
 *
 * Graph: input `tokens` int64 [B, T] (BOS = vocabulary size at position 0,
 * T <= maxLength + 1); outputs `logits` and `probs` (softmax over the
 * vocabulary) float [B, T, V], the same computation as `Policy.logits` in the
 * same order: position embeddings and the causal mask are sliced to T from
 * constants of the full length; RMSNorm = x / sqrt(ReduceMean(x * x) + 1e-6)
 * * g; attention scores = (q k^T) * 1/sqrt(head dim) + mask. Weights are the
 * float32 initializers of the checkpoint. The GRU baseline is not exported
 * (it is sampled with tfjs).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { Rng } from '../stats/index.js';
import { parameterShapes, samplingState, samplingStep, type PolicyCheckpoint, type SampledBatch } from './policy.js';
import type { Vocab } from './vocab.js';

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

/**
 * Serializes a Transformer checkpoint as an ONNX model (IR 8, opset 15).
 * @throws Error for a GRU checkpoint or missing weights.
 */
export function policyToOnnx(c: PolicyCheckpoint): Uint8Array {
  const cfg = c.config;
  if (cfg.kind !== 'transformer') throw new Error(`policyToOnnx: only the transformer policy is exported, got ${cfg.kind}`);
  const d = cfg.dModel, H = cfg.heads, hd = d / H, P = cfg.maxLength + 1, V = cfg.vocabSize;
  const init: object[] = [];
  const nodes: object[] = [];
  for (const [name, shape] of parameterShapes(cfg)) {
    const w = c.weights[name];
    if (!w) throw new Error(`policyToOnnx: checkpoint lacks ${name}`);
    init.push({ name, dataType: DT.FLOAT, dims: shape, floatData: w.values });
  }
  const constF = (name: string, dims: number[], values: number[]) => init.push({ name, dataType: DT.FLOAT, dims, floatData: values });
  const constI = (name: string, values: number[]) => init.push({ name, dataType: DT.INT64, dims: [values.length], int64Data: values });
  constF('eps', [], [1e-6]);
  constF('scale', [], [1 / Math.sqrt(hd)]);
  constF('mask_full', [P, P], Array.from({ length: P * P }, (_, i) => (i % P > Math.floor(i / P) ? -1e9 : 0)));
  constI('zero', [0]);
  constI('one', [1]);
  constI('axes01', [0, 1]);
  constI('zeros2', [0, 0]);
  constI('heads_shape', [0, 0, H, hd]);
  constI('model_shape', [0, 0, d]);
  let k = 0;
  const node = (opType: string, input: string[], attribute: object[] = []): string => {
    const out = `n${k++}_${opType}`;
    nodes.push({ opType, input, output: [out], name: out, attribute });
    return out;
  };
  const perm = (p: number[]) => [{ name: 'perm', type: AT.INTS, ints: p }];
  const rms = (x: string, g: string) => node('Mul', [node('Div', [x, node('Sqrt', [node('Add', [node('ReduceMean', [node('Mul', [x, x])], [{ name: 'axes', type: AT.INTS, ints: [-1] }, { name: 'keepdims', type: AT.INT, i: 1 }]), 'eps'])])]), g]);
  // T = tokens.shape[1]; pos[:T], mask[:T, :T]
  const Tlen = node('Gather', [node('Shape', ['tokens']), 'one'], [{ name: 'axis', type: AT.INT, i: 0 }]); // [T], 1-D
  const pos = node('Slice', ['pos', 'zero', Tlen, 'zero']);
  const TT = node('Concat', [Tlen, Tlen], [{ name: 'axis', type: AT.INT, i: 0 }]);
  const mask = node('Slice', ['mask_full', 'zeros2', TT, 'axes01']);
  let x = node('Add', [node('Gather', ['emb', 'tokens'], [{ name: 'axis', type: AT.INT, i: 0 }]), pos]);
  for (let l = 0; l < cfg.layers; l++) {
    const p = (n: string) => `l${l}.${n}`;
    const h = rms(x, p('g1'));
    const heads = (w: string) => node('Transpose', [node('Reshape', [node('MatMul', [h, w]), 'heads_shape'])], perm([0, 2, 1, 3]));
    const q = rms(heads(p('wq')), p('gq')), kk = rms(heads(p('wk')), p('gk')), v = heads(p('wv'));
    const scores = node('Add', [node('Mul', [node('MatMul', [q, node('Transpose', [kk], perm([0, 1, 3, 2]))]), 'scale']), mask]);
    const att = node('Softmax', [scores], [{ name: 'axis', type: AT.INT, i: -1 }]);
    const o = node('Reshape', [node('Transpose', [node('MatMul', [att, v])], perm([0, 2, 1, 3])), 'model_shape']);
    x = node('Add', [x, node('MatMul', [o, p('wo')])]);
    const h2 = rms(x, p('g2'));
    const a = node('MatMul', [h2, p('w1')]);
    const gated = node('Mul', [node('Mul', [a, node('Sigmoid', [a])]), node('MatMul', [h2, p('w3')])]);
    x = node('Add', [x, node('MatMul', [gated, p('w2')])]);
  }
  const logits = node('Add', [node('MatMul', [rms(x, 'gf'), 'wout']), 'bout']);
  nodes.push({ opType: 'Identity', input: [logits], output: ['logits'], name: 'logits_out' });
  nodes.push({ opType: 'Softmax', input: [logits], output: ['probs'], name: 'probs_out', attribute: [{ name: 'axis', type: AT.INT, i: -1 }] });
  const tensorType = (elem: number, dims: (number | string)[]) => ({ tensorType: { elemType: elem, shape: { dim: dims.map((dd) => (typeof dd === 'number' ? { dimValue: dd } : { dimParam: dd })) } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'alphalab',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'formula_policy_transformer',
      node: nodes,
      initializer: init,
      input: [{ name: 'tokens', type: tensorType(DT.INT64, ['B', 'T']) }],
      output: [{ name: 'logits', type: tensorType(DT.FLOAT, ['B', 'T', V]) }, { name: 'probs', type: tensorType(DT.FLOAT, ['B', 'T', V]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A Transformer policy loaded in onnxruntime-node (CPU). */
export class OnnxPolicy {
  private constructor(private readonly session: ort.InferenceSession, readonly vocab: Vocab) {}

  /** Loads an exported policy (file path or bytes) for a vocabulary. */
  static async load(model: string | Uint8Array, vocab: Vocab): Promise<OnnxPolicy> {
    const bytes = typeof model === 'string' ? readFileSync(model) : model;
    return new OnnxPolicy(await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] }), vocab);
  }

  /** Next-token probabilities [B, T, V] (flat, float32) of token prefixes (BOS prepended, padded with END). */
  async probabilities(prefixes: readonly (readonly number[])[]): Promise<Float32Array> {
    return (await this.run(prefixes, 'probs')).data;
  }

  private async run(prefixes: readonly (readonly number[])[], out: 'probs' | 'logits'): Promise<{ data: Float32Array; T: number }> {
    const V = this.vocab.tokens.length;
    const T = 1 + Math.max(0, ...prefixes.map((p) => p.length));
    const data = new BigInt64Array(prefixes.length * T);
    prefixes.forEach((p, b) => {
      data[b * T] = BigInt(V);
      p.forEach((id, t) => (data[b * T + 1 + t] = BigInt(id)));
    });
    const r = await this.session.run({ tokens: new ort.Tensor('int64', data, [prefixes.length, T]) }, [out]);
    return { data: r[out]!.data as Float32Array, T };
  }

  /**
   * Samples `n` formulas as `Policy.sample` does (grammar-masked, renormalized
   * logits, draws from `rng`), with the forward passes run by onnxruntime.
   */
  async sample(n: number, rng: Rng): Promise<SampledBatch> {
    const V = this.vocab.tokens.length;
    const st = samplingState(n);
    for (let step = 0; step <= this.vocab.maxLength; step++) {
      const { data, T } = await this.run(st.ids, 'logits');
      const last = new Float32Array(n * V);
      for (let b = 0; b < n; b++) last.set(data.subarray((b * T + T - 1) * V, (b * T + T) * V), b * V);
      if (!samplingStep(this.vocab, st, last, rng, 'logits')) break;
    }
    return { ids: st.ids, masks: st.masks };
  }
}
