import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BinMapper, GbdtModel, logLoss, softmaxRows, trainGbdt, type Dataset } from '../lib/ml/gbdt.js';
import { loadLobster } from '../lib/ml/data.js';
import { featureConfig } from '../lib/ml/features.js';
import { classificationReport, prepareData } from '../lib/ml/pipeline.js';
import { Rng } from '../lib/stats/rng.js';
import { assertClose } from './helpers/numeric.js';

const AMZN = join(process.cwd(), 'data', 'samples', 'lob_lobster_AMZN_2012-06-21_L1_messages_book.csv.gz');

function makeData(n: number, F: number, seed: number, label: (x: Float64Array, o: number, u: number) => number): Dataset {
  const rng = new Rng(seed);
  const X = new Float64Array(n * F), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) X[i * F + f] = rng.random() * 2 - 1;
    y[i] = label(X, i * F, rng.random());
  }
  return { X, y, nRows: n, nFeatures: F };
}

const errorRate = (m: GbdtModel, d: Dataset) => {
  const p = m.predictProba(d.X, d.nRows);
  const r = classificationReport(p, d.y, m.numClasses);
  return 1 - r.accuracy;
};

test('GBDT fits XOR (no single feature splits it) to zero training error and generalizes', () => {
  const xor = (x: Float64Array, o: number) => ((x[o]! > 0) !== (x[o + 1]! > 0) ? 1 : 0);
  const train = makeData(2000, 4, 1, xor), test = makeData(1000, 4, 2, xor);
  const m = trainGbdt(train, { numClasses: 2, numRounds: 60, featureFraction: 1, classWeight: null });
  assert.equal(errorRate(m, train), 0);
  assert.ok(errorRate(m, test) < 0.03, `test error ${errorRate(m, test)}`);
  // The importance is on the two XOR features.
  const imp = m.importance().sort((a, b) => b.gain - a.gain);
  assert.deepEqual(imp.slice(0, 2).map((i) => i.name).sort(), ['f0', 'f1']);
  assert.ok(imp[0]!.split > 0 && imp[3]!.gain < 0.05 * imp[0]!.gain);
});

test('GBDT fits a planted 3-class problem to near-zero training error; NaN routed by the learned default side', () => {
  // class = band of x0 + x1 * x2, plus a feature that is NaN exactly when the class is 2 half of the time.
  const planted = (x: Float64Array, o: number, u: number) => {
    const s = x[o]! + x[o + 1]! * x[o + 2]!;
    const c = s < -0.4 ? 0 : s < 0.4 ? 1 : 2;
    x[o + 3] = c === 2 && u < 0.5 ? NaN : x[o + 3]!;
    return c;
  };
  const train = makeData(3000, 5, 3, planted), test = makeData(1500, 5, 4, planted);
  const m = trainGbdt(train, { numClasses: 3, numRounds: 150, numLeaves: 31, minDataInLeaf: 5 });
  assert.ok(errorRate(m, train) < 0.01, `train error ${errorRate(m, train)}`);
  assert.ok(errorRate(m, test) < 0.08, `test error ${errorRate(m, test)}`);
  const p = m.predictProba(test.X);
  for (let i = 0; i < test.nRows; i++) assertClose(p[i * 3]! + p[i * 3 + 1]! + p[i * 3 + 2]!, 1, 1e-12);
  assert.ok(m.log.trainLoss[149]! < m.log.trainLoss[0]! / 5);
});

test('GBDT: seeded (same seed = same model), JSON round trip exact, early stopping keeps the best round', () => {
  const noisy = (x: Float64Array, o: number, u: number) => (x[o]! + 0.8 * (u - 0.5) > 0 ? 1 : 0);
  const train = makeData(1500, 6, 5, noisy), valid = makeData(800, 6, 6, noisy);
  const params = { numClasses: 2, numRounds: 300, featureFraction: 0.5, baggingFraction: 0.7, baggingFreq: 1, earlyStoppingRounds: 15, seed: 7 };
  const a = trainGbdt(train, params, { valid });
  const b = trainGbdt(train, params, { valid });
  assert.deepEqual(a.toJSON(), b.toJSON());
  const c = trainGbdt(train, { ...params, seed: 8 }, { valid });
  assert.notDeepEqual(a.toJSON().trees, c.toJSON().trees);
  // Early stopping: stopped before 300 rounds, kept the argmin of the validation loss.
  const vl = a.log.validLoss;
  assert.ok(vl.length < 300);
  const argmin = vl.indexOf(Math.min(...vl)) + 1;
  assert.equal(a.log.bestIteration, argmin);
  assert.equal(a.nRounds, argmin);
  assert.equal(vl.length, argmin + 15);
  // Validation loss recomputed from the kept model equals the logged one.
  assertClose(logLoss(a.predictProba(valid.X), valid.y, 2), vl[argmin - 1]!, 1e-12);
  const back = GbdtModel.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.deepEqual(back.predictProba(valid.X), a.predictProba(valid.X));
  assert.throws(() => GbdtModel.fromJSON({ ...a.toJSON(), format: 'x' as 'alphalab-gbdt' }), /not an alphalab-gbdt v1/);
  assert.throws(() => trainGbdt(train, { numClasses: 2, numLeaves: 1 }), /numLeaves must be an integer >= 2/);
});

test('bins: x <= edge_j <=> bin <= j (raw and binned splits agree); NaN has its own bin; <= 255 bins', () => {
  const rng = new Rng(9);
  const n = 5000;
  const X = new Float64Array(n).map(() => Math.round(rng.random() * 1000) / 10);
  X[3] = NaN;
  const m = BinMapper.fit(X, n, 1, 255, rng);
  assert.ok(m.nBins(0) <= 255);
  assert.equal(m.bin(0, NaN), m.nBins(0) - 1);
  const e = m.edges[0]!;
  for (let i = 0; i < n; i++) {
    const x = X[i]!;
    if (x !== x) continue;
    const b = m.bin(0, x);
    for (let j = 0; j < e.length; j++) assert.equal(x <= e[j]!, b <= j);
  }
  const few = BinMapper.fit(Float64Array.from([1, 2, 2, 3]), 4, 1, 255, rng);
  assert.deepEqual(Array.from(few.edges[0]!), [1.5, 2.5]);
  const raw = Float64Array.from([1, 2, 3, 1000]);
  softmaxRows(raw, 2);
  assertClose(raw[0]! + raw[1]!, 1, 1e-15);
  assertClose(raw[3]!, 1, 1e-15);
});

test('real data (AMZN LOBSTER, event time): the GBDT beats the majority-class baseline and the prior log loss out of sample', () => {
  const frame = loadLobster(AMZN, { intervalMs: 0 });
  const d = prepareData(frame, { horizon: 20, barriers: { kind: 'volatility', multiplier: 0.5, span: 300 } }, featureConfig({ intervalMs: 0 }));
  const m = trainGbdt(d.train, { numClasses: 3, numRounds: 200, earlyStoppingRounds: 20, seed: 42 }, { valid: d.validation, featureNames: d.features.names });
  const r = classificationReport(m.predictProba(d.test.X), d.test.y, 3, d.train.y);
  assert.ok(r.n > 5000);
  assert.ok(r.accuracy > r.majorityAccuracy + 0.05, `accuracy ${r.accuracy} vs majority ${r.majorityAccuracy}`);
  assert.ok(r.logLoss < r.priorLogLoss, `log loss ${r.logLoss} vs prior ${r.priorLogLoss}`);
});
