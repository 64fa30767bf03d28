import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  backtestModelSignals, createMlEngine, featureConfig, featureRedundancy, gradeFeatures, loadMarketCsv, loadMarketData, rowAt, selectFeatures, sliceFrame,
  type FeatureMatrix,
} from '../lib/ml/index.js';
import { Rng } from '../lib/stats/rng.js';
import { assertClose } from './helpers/numeric.js';

const AMZN = join(process.cwd(), 'data', 'samples', 'lob_lobster_AMZN_2012-06-21_L1_messages_book.csv.gz');

test('feature grades: a planted predictive feature grades AAA and passes, noise fails; Bonferroni = min(1, p x F); selection drops a redundant copy', () => {
  // Seeded; the noise feature's raw p-value is uniform across seeds (checked on 30 seeds: 1 below 0.05).
  const rng = new Rng(6);
  const T = 20_000, h = 5;
  const price = new Float64Array(T);
  price[0] = 100;
  for (let t = 1; t < T; t++) price[t] = price[t - 1]! * (1 + (rng.random() - 0.5) * 0.002);
  const names = ['planted', 'copy', 'noise'];
  const values = new Float64Array(T * 3);
  for (let t = 0; t < T; t++) {
    const fwd = t + h < T ? price[t + h]! / price[t]! - 1 : NaN;
    const planted = fwd + (rng.random() - 0.5) * 0.004;
    values[t * 3] = planted;
    values[t * 3 + 1] = planted * 2 + 1;
    values[t * 3 + 2] = rng.random();
  }
  const m: FeatureMatrix = { names, nRows: T, nFeatures: 3, values, timestamp: new Float64Array(T).map((_, i) => i * 1000) };
  const g = gradeFeatures(m, price, { horizon: h, rowsPerYear: 252 * 23_400 });
  assert.equal(g[0]!.grade.grade, 'AAA');
  assert.ok(g[0]!.grade.pass && g[0]!.metrics.rankIc > 0.3);
  assert.equal(g[1]!.metrics.rankIc, g[0]!.metrics.rankIc, 'ranks are invariant to an increasing transform');
  assert.equal(g[2]!.grade.pass, false);
  for (const x of g) assertClose(x.pBonferroni, Math.min(1, x.pRaw * 3), 1e-12);
  const corr = featureRedundancy(m);
  assertClose(corr[1]!, 1, 1e-12);
  assert.deepEqual(selectFeatures(g, corr, { minFeatures: 0 }), [0]);
});

test('engine: train on real data, streaming predictions equal the batch model on the same rows, caches, batch, save/load, risk, health', () => {
  const frame = sliceFrame(loadMarketData(AMZN), 0, 12_000);
  const engine = createMlEngine({ gbdt: { numRounds: 60 } });
  assert.equal(engine.healthCheck().status, 'not_ready');
  assert.throws(() => engine.predict(rowAt(frame, 0)), /no model trained or loaded/);
  const r = engine.trainModel(frame);
  assert.ok(r.rows.train > 5000 && r.rows.test > 1500);
  assert.ok(r.selected.length >= 20 && r.selected.length <= engine.featureNames.length);
  assert.ok(r.test.accuracy > 0 && r.test.logLoss > 0);
  assert.equal(r.test.confusion.flat().reduce((a, b) => a + b, 0), r.rows.test);

  // Replay every row through predict(): on the test rows it gives the batch model's probabilities.
  const byRow = new Map<number, number>();
  r.data.split.test.forEach((row, i) => byRow.set(row, i));
  let checked = 0;
  for (let t = 0; t < frame.timestamp.length; t++) {
    const p = engine.predict(rowAt(frame, t));
    const i = byRow.get(t);
    if (i === undefined) continue;
    assertClose(p.probabilities.sell, r.testProba[i * 3]!, 1e-12);
    assertClose(p.probabilities.buy, r.testProba[i * 3 + 2]!, 1e-12);
    checked++;
  }
  assert.equal(checked, r.rows.test);
  // The same row again: feature cache hit, prediction cache hit, same answer.
  const last = rowAt(frame, frame.timestamp.length - 1);
  const again = engine.predict(last, 1);
  const twice = engine.predict(last, 1);
  assert.equal(twice.cached, true);
  assert.deepEqual(twice.probabilities, again.probabilities);
  const stats = engine.performanceStats();
  assert.equal(stats.predictions, frame.timestamp.length + 2);
  assert.equal(stats.featureCache.hits, 2);
  assert.ok(stats.predictionCache.hits >= 1);
  assert.ok(stats.latencyMs.p50 > 0 && stats.latencyMs.p99 >= stats.latencyMs.p50);
  assertClose(stats.accuracy.test, r.test.accuracy, 0);

  // Batch of 32 = 32 single predictions (fresh streams on both sides).
  const dir = mkdtempSync(join(tmpdir(), 'ml-engine-'));
  try {
    const path = join(dir, 'model.json');
    engine.saveModel(path);
    const a = createMlEngine(), b = createMlEngine();
    a.loadModel(path);
    b.loadModel(path);
    const rows = Array.from({ length: 500 }, (_, i) => rowAt(frame, i));
    const single = rows.map((row) => a.predict(row));
    const batch = [];
    for (let i = 0; i < rows.length; i += 32) batch.push(...b.predictBatch(rows.slice(i, i + 32)));
    batch.forEach((p, i) => assert.deepEqual(p.probabilities, single[i]!.probabilities));
    assert.equal(a.healthCheck().status, 'ok');
    writeFileSync(join(dir, 'bad.json'), '{"format":"x"}');
    assert.throws(() => a.loadModel(join(dir, 'bad.json')), /not an alphalab-ml-model v1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const d = engine.manageRisk({ timestamp: frame.timestamp[0]!, price: 220 }, { label: 'buy', confidence: 0.9 }, 10_000);
  assert.equal(d.action, 'enter_long');
  const x = engine.manageRisk({ timestamp: frame.timestamp[1]!, price: 218 }, { label: 'hold', confidence: 0.9 }, 10_000);
  assert.equal(x.action, 'exit');

  // Signal backtest through lib/backtest: net of costs below gross; stops of the risk manager used.
  const T = frame.timestamp.length;
  const proba = new Float64Array(T * 3).fill(NaN);
  r.data.split.test.forEach((row, i) => proba.set(r.testProba.subarray(i * 3, i * 3 + 3), row * 3));
  const start = r.data.split.boundaries[1];
  const net = backtestModelSignals(frame, proba, { start, end: T });
  const gross = backtestModelSignals(frame, proba, { start, end: T, costs: false });
  assert.equal(net.settings.stopLoss, 0.004);
  assert.equal(net.settings.feeBps, 5);
  assert.ok(net.metrics.nTrades > 0 && net.metrics.totalReturn < gross.metrics.totalReturn);
  assert.ok(net.slippageBps > 0);
});

test('loadMarketCsv reads the seed row format and names the line of a bad value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-csv-'));
  try {
    const ok = join(dir, 'rows.csv');
    writeFileSync(ok, 'timestamp,bid_price,ask_price,bid_volume,ask_volume,close,volume\n2026-01-01T00:00:00Z,100,100.1,5,6,100.05,2\n1767225601000,100,100.2,5,6,100.1,0\n');
    const f = loadMarketCsv(ok);
    assert.deepEqual(Array.from(f.timestamp), [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1000]);
    assert.equal(f.askPrice[1], 100.2);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,bid_price,ask_price,bid_volume,ask_volume,close,volume\n1,100,x,5,6,100,1\n');
    assert.throws(() => loadMarketCsv(bad), /line 2: ask_price "x" is not a number/);
    const missing = join(dir, 'missing.csv');
    writeFileSync(missing, 'timestamp,bid_price\n1,2\n');
    assert.throws(() => loadMarketCsv(missing), /no column "ask_price"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('engine on L10 books (AAPL LOBSTER, event time): 80 features, predictions from book rows; a row without a book is refused', () => {
  const f = loadMarketData(join(process.cwd(), 'data', 'samples', 'lob_lobster_AAPL_2012-06-21_L10_first999.csv.gz'));
  const e = createMlEngine({
    features: featureConfig({ intervalMs: 0, windowRows: [5, 10, 20, 50], book: true }),
    labels: { horizon: 10, embargo: 50, barriers: { kind: 'volatility', multiplier: 0.5, span: 50 } },
    gbdt: { minDataInLeaf: 5, numRounds: 30 },
  });
  assert.equal(e.featureNames.length, 80);
  const r = e.trainModel(f);
  assert.ok(r.rows.train > 300 && r.rows.test > 50);
  assert.equal(r.grades.length, 80);
  e.resetStream();
  for (let t = 0; t < f.timestamp.length; t++) e.predict(rowAt(f, t));
  assert.equal(e.healthCheck().status, 'ok');
  const { book: _book, ...noBook } = rowAt(f, 0);
  e.resetStream();
  assert.throws(() => e.predict(noBook), /has no book/);
});
