/**
 * npm run bench:ml — figures for the ML signal engine (issue 13):
 * 1. prediction latency on the bundled AMZN LOBSTER sample: one row including the streaming
 *    feature update (p50 / p99), batches of 32 (per row), ONNX runtime on one row;
 * 2. training 100,000 rows x 60 features x 3 classes x 100 rounds (a seeded synthetic matrix with
 *    a planted non-linear signal; 20,000 held-out rows), ours vs scikit-learn's
 *    HistGradientBoostingClassifier on the same CSV (Debian python3-sklearn, one thread,
 *    same num_leaves / learning rate / min_data_in_leaf / max_bin / no early stopping), with
 *    accuracy and log loss of both. Skipped with a note when python3 or sklearn is missing.
 * Prints the machine's load average with the figures: other processes share the cores.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../lib/db/paths.js';
import { benchLatency, classificationReport, createMlEngine, DEFAULT_ML_SAMPLE, gbdtToOnnx, loadMarketData, OnnxClassifier, trainGbdt, type Dataset } from '../lib/ml/index.js';
import { Rng } from '../lib/stats/rng.js';

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const fmt = (x: number, d = 3) => x.toFixed(d);

function synthetic(n: number, F: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const X = new Float64Array(n * F), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * F;
    for (let f = 0; f < F; f++) X[o + f] = rng.random() * 2 - 1;
    const s = X[o]! + 0.8 * X[o + 1]! * X[o + 2]! - 0.6 * Math.abs(X[o + 3]!) + 0.5 * Math.sin(3 * X[o + 4]!) + 0.6 * (rng.random() - 0.5);
    y[i] = s < -0.45 ? 0 : s < 0.25 ? 1 : 2;
  }
  return { X, y, nRows: n, nFeatures: F };
}

function toCsv(d: Dataset): string {
  const lines: string[] = [];
  for (let i = 0; i < d.nRows; i++) {
    const row: string[] = [String(d.y[i])];
    for (let f = 0; f < d.nFeatures; f++) row.push(String(d.X[i * d.nFeatures + f]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

const SKLEARN = `
import sys, time, json
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, log_loss
import sklearn
tr = np.loadtxt(sys.argv[1], delimiter=','); te = np.loadtxt(sys.argv[2], delimiter=',')
clf = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
    l2_regularization=0.0, max_bins=255, early_stopping=False, random_state=42)
w0, c0 = time.perf_counter(), time.process_time()
clf.fit(tr[:, 1:], tr[:, 0].astype(int))
w1, c1 = time.perf_counter(), time.process_time()
p = clf.predict_proba(te[:, 1:])
print(json.dumps({"version": sklearn.__version__, "fit_wall_s": w1 - w0, "fit_cpu_s": c1 - c0,
    "accuracy": accuracy_score(te[:, 0].astype(int), p.argmax(1)), "log_loss": log_loss(te[:, 0].astype(int), p, labels=[0, 1, 2])}))
`;

async function main(): Promise<void> {
  process.stdout.write(`bench:ml on ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), load average ${load()}\n\n`);

  // 1. Latency on the sample.
  const frame = loadMarketData(join(projectRoot(), DEFAULT_ML_SAMPLE));
  const engine = createMlEngine();
  const t0 = performance.now();
  const trained = engine.trainModel(frame);
  const trainMs = performance.now() - t0;
  const b = benchLatency(engine, frame);
  process.stdout.write(`1. AMZN LOBSTER sample, ${frame.timestamp.length} event rows, ${trained.selected.length} selected features, ${trained.bestIteration} rounds x 3 trees\n`);
  process.stdout.write(`   whole training pipeline (features, labels, grades, GBDT): ${fmt(trainMs / 1000, 1)} s; test accuracy ${fmt(trained.test.accuracy)} (majority ${fmt(trained.test.majorityAccuracy)}), log loss ${fmt(trained.test.logLoss, 4)} (priors ${fmt(trained.test.priorLogLoss, 4)})\n`);
  process.stdout.write(`   single prediction incl. feature update: p50 ${fmt(b.p50Ms, 4)} ms, p99 ${fmt(b.p99Ms, 4)} ms, mean ${fmt(b.meanMs, 4)} ms (n ${b.n}; target p99 < 1 ms)\n`);
  process.stdout.write(`   batch of 32: ${fmt(b.batch32PerRowMs, 4)} ms per row (target < 0.2 ms)\n`);
  const clf = await OnnxClassifier.load(gbdtToOnnx(engine.gbdt!));
  const cols = engine.gbdt!.nFeatures;
  const rowX = new Float64Array(cols).fill(0);
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const s = performance.now();
    await clf.predictProba(rowX, 1);
    if (i >= 200) lat.push(performance.now() - s);
  }
  lat.sort((x, y) => x - y);
  process.stdout.write(`   ONNX (onnxruntime-node CPU, same model) one row: p50 ${fmt(lat[Math.floor(lat.length / 2)]!, 4)} ms, p99 ${fmt(lat[Math.floor(lat.length * 0.99)]!, 4)} ms (async call included)\n`);
  await clf.close();
  process.stdout.write(`   load average ${load()}\n\n`);

  // 2. Training: ours vs scikit-learn.
  const n = 100_000, F = 60;
  const train = synthetic(n, F, 1), test = synthetic(20_000, F, 2);
  const params = { numClasses: 3, numRounds: 100, learningRate: 0.1, numLeaves: 31, minDataInLeaf: 20, lambdaL2: 0, maxBin: 255, featureFraction: 1, classWeight: null, seed: 42 } as const;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const model = trainGbdt(train, params);
  const ourWall = (performance.now() - w0) / 1000;
  const ourCpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
  const ours = classificationReport(model.predictProba(test.X, test.nRows), test.y, 3);
  process.stdout.write(`2. training ${n} x ${F} x 3 classes x 100 rounds (held-out ${test.nRows} rows)\n`);
  process.stdout.write(`   alphalab GBDT:  fit ${fmt(ourWall, 1)} s wall, ${fmt(ourCpu, 1)} s CPU; accuracy ${fmt(ours.accuracy, 4)}, log loss ${fmt(ours.logLoss, 4)}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ml-'));
  try {
    writeFileSync(join(dir, 'train.csv'), toCsv(train));
    writeFileSync(join(dir, 'test.csv'), toCsv(test));
    writeFileSync(join(dir, 'sk.py'), SKLEARN);
    const r = spawnSync('/usr/bin/python3', [join(dir, 'sk.py'), join(dir, 'train.csv'), join(dir, 'test.csv')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) process.stdout.write(`   scikit-learn: not run (${(r.stderr || r.error?.message || 'python3 missing').trim().split('\n').pop()}); install with: apt-get install -y python3-sklearn\n`);
    else {
      const sk = JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; fit_wall_s: number; fit_cpu_s: number; accuracy: number; log_loss: number };
      process.stdout.write(`   scikit-learn ${sk.version} HistGradientBoostingClassifier (OMP_NUM_THREADS=1): fit ${fmt(sk.fit_wall_s, 1)} s wall, ${fmt(sk.fit_cpu_s, 1)} s CPU; accuracy ${fmt(sk.accuracy, 4)}, log loss ${fmt(sk.log_loss, 4)}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`   load average ${load()}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`bench:ml: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
