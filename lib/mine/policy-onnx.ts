/**
 * ONNX export of both policies (policy.ts) from standard ONNX operators
 * (opset 15, default domain only), and sampling through onnxruntime-node
 * (CPU), so a trained policy runs in the miner without tfjs.
 *
 * Transformer: Gather, Shape, Concat, Slice, Add, Mul, Div, Sqrt,
 * ReduceMean, MatMul, Reshape, Transpose, Softmax, Sigmoid.
 *
 * Graph: input `tokens` int64 [B, T] (BOS = vocabulary size at position 0,
 * T <= maxLength + 1); outputs `logits` and `probs` (softmax over the
 * vocabulary) float [B, T, V], the same computation as `Policy.logits` in the
 * same order: position embeddings and the causal mask are sliced to T from
 * constants of the full length; RMSNorm = x / sqrt(ReduceMean(x * x) + 1e-6)
 * * g; attention scores = (q k^T) * 1/sqrt(head dim) + mask. Weights are the
 * float32 initializers of the checkpoint.
 *
 * GRU: Gather (embedding) -> Transpose to [T, B, d] -> the ONNX `GRU`
 * operator (one forward layer, zero initial state, `linear_before_reset = 1`,
 * which is PyTorch's and policy.ts's convention n = tanh(x Wn + bn + r * (h Un
 * + un)); onnxruntime's CPU kernel implements it) -> Squeeze the direction
 * axis, Transpose back to [B, T, d] -> MatMul + Add head. The checkpoint's
 * `wx`/`wh` ([d, 3d], gate blocks r, z, n, applied as x W) become ONNX's `W`/`R`
 * ([1, 3d, d], gate blocks z, r, h, applied as x W^T) and `bx`/`bh` the two
 * halves of `B` ([1, 6d]).
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

const tensorType = (elem: number, dims: (number | string)[]) => ({ tensorType: { elemType: elem, shape: { dim: dims.map((dd) => (typeof dd === 'number' ? { dimValue: dd } : { dimParam: dd })) } } });

/** The model proto around a graph: input `tokens` int64 [B, T], outputs `logits` and `probs` float [B, T, V]. */
function policyModel(name: string, nodes: object[], init: object[], V: number): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'alphalab',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name,
      node: nodes,
      initializer: init,
      input: [{ name: 'tokens', type: tensorType(DT.INT64, ['B', 'T']) }],
      output: [{ name: 'logits', type: tensorType(DT.FLOAT, ['B', 'T', V]) }, { name: 'probs', type: tensorType(DT.FLOAT, ['B', 'T', V]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The two graph outputs from the logits tensor: `logits` (Identity) and `probs` (Softmax over the vocabulary). */
function outputNodes(nodes: object[], logits: string): void {
  nodes.push({ opType: 'Identity', input: [logits], output: ['logits'], name: 'logits_out' });
  nodes.push({ opType: 'Softmax', input: [logits], output: ['probs'], name: 'probs_out', attribute: [{ name: 'axis', type: AT.INT, i: -1 }] });
}

/**
 * Serializes a policy checkpoint (Transformer or GRU) as an ONNX model (IR 8,
 * opset 15), see the module comment.
 * @throws Error for missing weights.
 */
export function policyToOnnx(c: PolicyCheckpoint): Uint8Array {
  return c.config.kind === 'gru' ? gruToOnnx(c) : transformerToOnnx(c);
}

/** The GRU policy as ONNX (module comment). */
function gruToOnnx(c: PolicyCheckpoint): Uint8Array {
  const cfg = c.config;
  const d = cfg.dModel, V = cfg.vocabSize;
  const w = (name: string): number[] => {
    const x = c.weights[name];
    if (!x) throw new Error(`policyToOnnx: checkpoint lacks ${name}`);
    return x.values;
  };
  const wx = w('wx'), wh = w('wh'), bx = w('bx'), bh = w('bh');
  const ORDER = [1, 0, 2]; // ONNX gate block g (z, r, h) is our block ORDER[g] (r, z, n)
  // [d, 3d] (x W, blocks r z n) -> [1, 3d, d] (x W^T, blocks z r h)
  const toOnnx = (m: number[]) => {
    const out = new Array<number>(3 * d * d);
    for (let g = 0; g < 3; g++) for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) out[(g * d + j) * d + i] = m[i * 3 * d + ORDER[g]! * d + j]!;
    return out;
  };
  const bias = (b: number[]) => ORDER.flatMap((o) => b.slice(o * d, (o + 1) * d));
  const init: object[] = [
    { name: 'emb', dataType: DT.FLOAT, dims: [V + 1, d], floatData: w('emb') },
    { name: 'W', dataType: DT.FLOAT, dims: [1, 3 * d, d], floatData: toOnnx(wx) },
    { name: 'R', dataType: DT.FLOAT, dims: [1, 3 * d, d], floatData: toOnnx(wh) },
    { name: 'B', dataType: DT.FLOAT, dims: [1, 6 * d], floatData: [...bias(bx), ...bias(bh)] },
    { name: 'wout', dataType: DT.FLOAT, dims: [d, V], floatData: w('wout') },
    { name: 'bout', dataType: DT.FLOAT, dims: [V], floatData: w('bout') },
    { name: 'axis1', dataType: DT.INT64, dims: [1], int64Data: [1] },
  ];
  const nodes: object[] = [];
  const perm = (p: number[]) => [{ name: 'perm', type: AT.INTS, ints: p }];
  nodes.push({ opType: 'Gather', input: ['emb', 'tokens'], output: ['e'], name: 'embed', attribute: [{ name: 'axis', type: AT.INT, i: 0 }] });
  nodes.push({ opType: 'Transpose', input: ['e'], output: ['x_tbd'], name: 'to_time_major', attribute: perm([1, 0, 2]) });
  nodes.push({
    opType: 'GRU', input: ['x_tbd', 'W', 'R', 'B'], output: ['y'], name: 'gru',
    attribute: [{ name: 'hidden_size', type: AT.INT, i: d }, { name: 'linear_before_reset', type: AT.INT, i: 1 }, { name: 'direction', type: AT.STRING, s: new TextEncoder().encode('forward') }],
  }); // y: [T, 1, B, d]
  nodes.push({ opType: 'Squeeze', input: ['y', 'axis1'], output: ['h_tbd'], name: 'drop_direction' });
  nodes.push({ opType: 'Transpose', input: ['h_tbd'], output: ['h'], name: 'to_batch_major', attribute: perm([1, 0, 2]) });
  nodes.push({ opType: 'MatMul', input: ['h', 'wout'], output: ['hw'], name: 'head' });
  nodes.push({ opType: 'Add', input: ['hw', 'bout'], output: ['logits_raw'], name: 'head_bias' });
  outputNodes(nodes, 'logits_raw');
  return policyModel('formula_policy_gru', nodes, init, V);
}

/** The Transformer policy as ONNX (module comment). */
function transformerToOnnx(c: PolicyCheckpoint): Uint8Array {
  const cfg = c.config;
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
  outputNodes(nodes, logits);
  return policyModel('formula_policy_transformer', nodes, init, V);
}

/** An exported policy (Transformer or GRU) loaded in onnxruntime-node (CPU). */
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
