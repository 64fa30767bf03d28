import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainGbdt } from '../lib/ml/gbdt.js';
import { gbdtToOnnx, OnnxClassifier, treeEnsembleToOnnx, type TreeEnsembleSpec } from '../lib/ml/onnx.js';
import { Rng } from '../lib/stats/rng.js';
import { assertClose } from './helpers/numeric.js';

function data(n: number, F: number, seed: number) {
  const rng = new Rng(seed);
  const X = new Float64Array(n * F), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) X[i * F + f] = rng.random() < 0.05 ? NaN : rng.random() * 2 - 1;
    const s = (X[i * F] || 0) + (X[i * F + 1] || 0) * (X[i * F + 2] || 0) + 0.3 * (rng.random() - 0.5);
    y[i] = s < -0.3 ? 0 : s < 0.3 ? 1 : 2;
  }
  return { X, y, nRows: n, nFeatures: F };
}

test('ONNX export: onnxruntime-node gives the TS model\'s probabilities within 1e-6 on held-out rows (NaNs included)', async () => {
  const train = data(3000, 6, 1), held = data(1000, 6, 2);
  const m = trainGbdt(train, { numClasses: 3, numRounds: 40, featureFraction: 0.8 });
  const clf = await OnnxClassifier.load(gbdtToOnnx(m));
  assert.equal(clf.inputType, 'float64');
  assert.equal(clf.nFeatures, 6);
  const ts = m.predictProba(held.X), ox = await clf.predictProba(held.X);
  assert.equal(ox.length, ts.length);
  let maxDiff = 0;
  for (let i = 0; i < ts.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ts[i]! - ox[i]!));
  assert.ok(maxDiff < 1e-6, `max |TS - ONNX| = ${maxDiff}`);
  assert.ok(m.trees.length === 120);
  await assert.rejects(clf.predictProba(new Float64Array(5)), /expected/);
  await clf.close();
});

/**
 * An external-style classifier (as onnxmltools writes LightGBM models: float input, float
 * thresholds), built by hand with a known answer: class 0 tree x0 <= 0.5 ? 1 : -1 (NaN -> true),
 * class 1 tree x1 <= 0.25 ? 0.5 : 2, class 2 no tree, base values [0, 0, 0.3].
 */
const EXTERNAL: TreeEnsembleSpec = {
  nFeatures: 2, classLabels: [0, 1, 2], inputType: 'float', outputNames: ['output_label', 'output_probability'],
  treeIds: [0, 0, 0, 1, 1, 1], nodeIds: [0, 1, 2, 0, 1, 2], featureIds: [0, 0, 0, 1, 0, 0],
  modes: ['BRANCH_LEQ', 'LEAF', 'LEAF', 'BRANCH_LEQ', 'LEAF', 'LEAF'], values: [0.5, 0, 0, 0.25, 0, 0],
  trueNodeIds: [1, 0, 0, 1, 0, 0], falseNodeIds: [2, 0, 0, 2, 0, 0], missingTracksTrue: [1, 0, 0, 0, 0, 0],
  classTreeIds: [0, 0, 1, 1], classNodeIds: [1, 2, 1, 2], classIds: [0, 0, 1, 1], classWeights: [1, -1, 0.5, 2],
  baseValues: [0, 0, 0.3], postTransform: 'SOFTMAX',
};

function softmax(s: number[]): number[] {
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

test('external ONNX classifiers load through the same path: known answers with SOFTMAX and with NONE + explicit Softmax', async () => {
  const X = Float64Array.from([0.2, 0.9, 0.7, 0.1, NaN, 0.9]);
  const expected = [softmax([1, 2, 0.3]), softmax([-1, 0.5, 0.3]), softmax([1, 2, 0.3])].flat();
  for (const spec of [EXTERNAL, { ...EXTERNAL, postTransform: 'NONE' as const, explicitSoftmax: true }]) {
    const clf = await OnnxClassifier.load(treeEnsembleToOnnx(spec));
    assert.equal(clf.inputType, 'float32');
    assert.equal(clf.probabilityOutput, 'output_probability');
    const p = await clf.predictProba(X);
    for (let i = 0; i < expected.length; i++) assertClose(p[i]!, expected[i]!, 1e-6, `prob ${i}`);
    await clf.close();
  }
});
