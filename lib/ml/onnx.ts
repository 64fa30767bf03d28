/**
 * ONNX export and inference of tree-ensemble classifiers.
 *
 * Export: {@link gbdtToOnnx} writes a {@link GbdtModel} as one
 * `ai.onnx.ml.TreeEnsembleClassifier` node (opset 3 of the ai.onnx.ml
 * domain, https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsembleClassifier.html):
 * `nodes_*` tuples with modes `BRANCH_LEQ` / `LEAF` (true branch = x <= threshold = our left child),
 * `nodes_missing_value_tracks_true` = the node's NaN side, one `class_*` vote per leaf with the
 * leaf value, `base_values` = the init scores, `post_transform` "SOFTMAX". Input `input`
 * tensor(double) [N, F] with thresholds and leaf values as double tensors (`*_as_tensor`
 * attributes), so the splits compare exactly as in TypeScript; outputs `label` (int64 [N]) and
 * `probabilities` (float [N, K]: onnxruntime sums the trees in double and rounds the result to
 * float, about 6e-8 absolute). The opset-3 classifier is used because onnxruntime-node 1.30's
 * opset-5 `TreeEnsemble` swaps the SOFTMAX and LOGISTIC codes (see STACK-NOTES).
 *
 * Inference: {@link OnnxClassifier} runs any ONNX classifier whose input is one
 * float/double tensor [N, F] and one output a float/double tensor [N, K] of
 * probabilities (our export, or LightGBM / XGBoost / scikit-learn models
 * converted with onnxmltools / skl2onnx with `zipmap=False`) on
 * onnxruntime-node's CPU provider. ZipMap (sequence-of-map) outputs are refused with a clear error.
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { GbdtModel } from './gbdt.js';

const { onnx } = onnxProto;

/** A tree ensemble in the flat form of the ONNX operator (one entry per node). */
export interface TreeEnsembleSpec {
  nFeatures: number;
  /** Class labels (int64 in the model). */
  classLabels: number[];
  /** Per node. */
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: ('BRANCH_LEQ' | 'BRANCH_LT' | 'LEAF')[];
  values: number[];
  trueNodeIds: number[];
  falseNodeIds: number[];
  missingTracksTrue: number[];
  /** Per leaf vote. */
  classTreeIds: number[];
  classNodeIds: number[];
  classIds: number[];
  classWeights: number[];
  baseValues: number[];
  postTransform: 'NONE' | 'SOFTMAX' | 'LOGISTIC';
  /** Input element type (default 'double'; 'float' like most converters). */
  inputType?: 'float' | 'double';
  /** Append an explicit Softmax node after a NONE classifier (the other route around the ORT 1.30 opset-5 quirk). */
  explicitSoftmax?: boolean;
  /** Output names (default 'label', 'probabilities'). */
  outputNames?: [string, string];
}

/** Flattens a {@link GbdtModel} into a {@link TreeEnsembleSpec} (SOFTMAX, double input). */
export function gbdtToTreeEnsemble(model: GbdtModel): TreeEnsembleSpec {
  const s: TreeEnsembleSpec = {
    nFeatures: model.nFeatures, classLabels: Array.from({ length: model.numClasses }, (_, k) => k),
    treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueNodeIds: [], falseNodeIds: [], missingTracksTrue: [],
    classTreeIds: [], classNodeIds: [], classIds: [], classWeights: [], baseValues: Array.from(model.initScore), postTransform: 'SOFTMAX',
  };
  model.trees.forEach((tr, t) => {
    for (let n = 0; n < tr.left.length; n++) {
      const leaf = tr.left[n]! < 0;
      s.treeIds.push(t);
      s.nodeIds.push(n);
      s.featureIds.push(leaf ? 0 : tr.feature[n]!);
      s.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      s.values.push(leaf ? 0 : tr.threshold[n]!);
      s.trueNodeIds.push(leaf ? 0 : tr.left[n]!);
      s.falseNodeIds.push(leaf ? 0 : tr.right[n]!);
      s.missingTracksTrue.push(leaf ? 0 : tr.defaultLeft[n]!);
      if (leaf) {
        s.classTreeIds.push(t);
        s.classNodeIds.push(n);
        s.classIds.push(tr.classId);
        s.classWeights.push(tr.value[n]!);
      }
    }
  });
  return s;
}

const AT = onnx.AttributeProto.AttributeType;
const ints = (name: string, v: number[]) => ({ name, type: AT.INTS, ints: v });
const strs = (name: string, v: string[]) => ({ name, type: AT.STRINGS, strings: v.map((x) => new TextEncoder().encode(x)) });
const doubles = (name: string, v: number[]) => ({
  name, type: AT.TENSOR, t: { dataType: onnx.TensorProto.DataType.DOUBLE, dims: [v.length], doubleData: v },
});
const floats = (name: string, v: number[]) => ({ name, type: AT.FLOATS, floats: v });

/**
 * Serializes a tree ensemble as an ONNX model (IR 8; opsets: default 15, ai.onnx.ml 3).
 * @returns the model bytes, loadable by {@link OnnxClassifier.load} or any ONNX runtime.
 */
export function treeEnsembleToOnnx(spec: TreeEnsembleSpec): Uint8Array {
  const dbl = (spec.inputType ?? 'double') === 'double';
  const [labelName, probName] = spec.outputNames ?? ['label', 'probabilities'];
  const K = spec.classLabels.length;
  const rawName = spec.explicitSoftmax ? 'scores' : probName;
  const attrs = [
    ints('classlabels_int64s', spec.classLabels),
    ints('nodes_treeids', spec.treeIds), ints('nodes_nodeids', spec.nodeIds), ints('nodes_featureids', spec.featureIds),
    strs('nodes_modes', spec.modes), ints('nodes_truenodeids', spec.trueNodeIds), ints('nodes_falsenodeids', spec.falseNodeIds),
    ints('nodes_missing_value_tracks_true', spec.missingTracksTrue),
    ints('class_treeids', spec.classTreeIds), ints('class_nodeids', spec.classNodeIds), ints('class_ids', spec.classIds),
    { name: 'post_transform', type: AT.STRING, s: new TextEncoder().encode(spec.postTransform) },
    ...(dbl
      ? [doubles('nodes_values_as_tensor', spec.values), doubles('class_weights_as_tensor', spec.classWeights), doubles('base_values_as_tensor', spec.baseValues)]
      : [floats('nodes_values', spec.values), floats('class_weights', spec.classWeights), floats('base_values', spec.baseValues)]),
  ];
  const nodes: object[] = [{ opType: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml', input: ['input'], output: [labelName, rawName], name: 'trees', attribute: attrs }];
  if (spec.explicitSoftmax) nodes.push({ opType: 'Softmax', domain: '', input: [rawName], output: [probName], name: 'softmax', attribute: [{ name: 'axis', type: AT.INT, i: 1 }] });
  const T = onnx.TensorProto.DataType;
  const tensorType = (elem: number, dims: (number | string)[]) => ({
    tensorType: { elemType: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'alphalab',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 15 }, { domain: 'ai.onnx.ml', version: 3 }],
    graph: {
      name: 'tree_ensemble_classifier',
      node: nodes,
      input: [{ name: 'input', type: tensorType(dbl ? T.DOUBLE : T.FLOAT, ['N', spec.nFeatures]) }],
      output: [{ name: labelName, type: tensorType(T.INT64, ['N']) }, { name: probName, type: tensorType(T.FLOAT, ['N', K]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** ONNX bytes of a trained {@link GbdtModel} (see the module comment). */
export function gbdtToOnnx(model: GbdtModel): Uint8Array {
  return treeEnsembleToOnnx(gbdtToTreeEnsemble(model));
}

/** A loaded ONNX classifier on onnxruntime-node (CPU). */
export class OnnxClassifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputName: string,
    readonly inputType: 'float32' | 'float64',
    readonly nFeatures: number,
    readonly probabilityOutput: string,
  ) {}

  /**
   * Loads a model from bytes or a file path and checks its signature.
   * @throws Error naming the model when it has no single float/double [N, F] input or no float/double probability output.
   */
  static async load(source: Uint8Array | string, opts: { nFeatures?: number; probabilityOutput?: string } = {}): Promise<OnnxClassifier> {
    const bytes = typeof source === 'string' ? readFileSync(source) : source;
    const name = typeof source === 'string' ? source : 'ONNX model';
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
    const inputs = session.inputMetadata;
    if (inputs.length !== 1 || !inputs[0]!.isTensor) throw new Error(`${name}: expected one tensor input, found ${inputs.length}`);
    const inp = inputs[0]!;
    if (!inp.isTensor || (inp.type !== 'float32' && inp.type !== 'float64')) throw new Error(`${name}: input "${inp.name}" must be float or double`);
    const declared = inp.shape[1];
    const nFeatures = opts.nFeatures ?? (typeof declared === 'number' ? declared : NaN);
    if (!(nFeatures > 0)) throw new Error(`${name}: the input's feature dimension is not declared; pass opts.nFeatures`);
    const outs = session.outputMetadata;
    const prob = opts.probabilityOutput
      ? outs.find((o) => o.name === opts.probabilityOutput)
      : outs.find((o) => o.isTensor && (o.type === 'float32' || o.type === 'float64'));
    if (!prob) {
      const zip = outs.some((o) => !o.isTensor);
      throw new Error(`${name}: no float/double probability tensor among outputs ${outs.map((o) => o.name).join(', ')}${zip ? ' (a ZipMap output: convert with zipmap=False)' : ''}`);
    }
    return new OnnxClassifier(session, inp.name, inp.type, nFeatures, prob.name);
  }

  /**
   * Class probabilities of `n` rows (row-major Float64Array n x F): n x K as Float64Array.
   * @throws RangeError for a wrong number of values.
   */
  async predictProba(X: Float64Array, n: number = X.length / this.nFeatures): Promise<Float64Array> {
    if (!Number.isInteger(n) || X.length !== n * this.nFeatures) throw new RangeError(`OnnxClassifier: X has ${X.length} values, expected ${n} x ${this.nFeatures}`);
    const data = this.inputType === 'float64' ? X : Float32Array.from(X);
    const out = await this.session.run({ [this.inputName]: new ort.Tensor(this.inputType, data, [n, this.nFeatures]) }, [this.probabilityOutput]);
    const t = out[this.probabilityOutput]!;
    return Float64Array.from(t.data as Float32Array | Float64Array);
  }

  /** Releases the native session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}
