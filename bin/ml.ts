/**
 * `alphalab ml ...`: the ML signal engine on the command line (issue 13), thin over lib/ml.
 *   ml train            features -> labels -> purged split -> grades/selection -> GBDT; writes the model
 *   ml evaluate         grades every feature (AAA-E, Bonferroni) on the label horizon
 *   ml predict          replays rows through a saved model (streaming features), signal counts and latency
 *   ml export-features  the feature matrix + label + split (the model's split) as parquet
 *   ml bench            latency of one prediction (feature update included), batches of 32, training time
 * Every verb takes `--data FILE` (default: the bundled AMZN LOBSTER sample) and `--json`
 * (one summary line on stdout; progress goes to stderr).
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { projectRoot } from '../lib/db/paths.js';
import type { MarketFrame, MlEngineOptions } from '../lib/ml/index.js';

/** lib/ml, loaded when an ml verb runs (it loads nodejs-polars; other verbs of alphalab should not pay for it). */
let lib: typeof import('../lib/ml/index.js');

interface MlCliOptions {
  data?: string;
  json?: boolean;
  model?: string;
  rounds?: number;
  horizon?: number;
  seed?: number;
  out?: string;
  rows?: number;
}

const posInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const defaultModelPath = () => resolve(projectRoot(), 'data', 'models', 'ml-model.json');

function load(o: MlCliOptions): { frame: MarketFrame; path: string } {
  const path = resolve(o.data ?? resolve(projectRoot(), lib.DEFAULT_ML_SAMPLE));
  const frame = lib.loadMarketData(path);
  if (!o.json) process.stderr.write(`data: ${path} (${frame.timestamp.length} rows)\n`);
  return { frame, path };
}

function engineOptions(o: MlCliOptions): MlEngineOptions {
  return {
    labels: { ...lib.DEFAULT_ENGINE_LABELS, ...(o.horizon ? { horizon: o.horizon } : {}) },
    gbdt: { ...(o.rounds ? { numRounds: o.rounds } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) },
  };
}

/** A progress bar on stderr (TTY only) over the boosting rounds. */
function roundsBar(total: number) {
  if (!process.stderr.isTTY) return { update: (_r: number) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ format: 'training [{bar}] {value}/{total} rounds  valid log loss {loss}', stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { loss: 'n/a' });
  return { update: (r: number, loss?: number) => bar.update(r, { loss: loss === undefined || Number.isNaN(loss) ? 'n/a' : loss.toFixed(4) }), stop: () => bar.stop() };
}

const r4 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);
const r6 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null);

function train(o: MlCliOptions): void {
  const { frame, path } = load(o);
  const engine = lib.createMlEngine(engineOptions(o));
  const bar = roundsBar(o.rounds ?? 300);
  const r = engine.trainModel(frame, (round, _t, v) => bar.update(round, v));
  bar.stop();
  const modelPath = resolve(o.model ?? defaultModelPath());
  engine.saveModel(modelPath);
  const summary = {
    command: 'ml train', data: path, model_path: modelPath, accuracy: r4(r.test.accuracy), log_loss: r4(r.test.logLoss), majority_accuracy: r4(r.test.majorityAccuracy),
    prior_log_loss: r4(r.test.priorLogLoss), macro_f1: r4(r.test.macroF1), n_train: r.rows.train, n_validation: r.rows.validation, n_test: r.rows.test,
    features: r.selected.length, best_iteration: r.bestIteration, train_ms: Math.round(r.trainMs), confusion: r.test.confusion,
  };
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(`test split: accuracy ${summary.accuracy} (majority class ${summary.majority_accuracy}), log loss ${summary.log_loss} (class priors ${summary.prior_log_loss}), macro F1 ${summary.macro_f1}\n`);
    process.stdout.write(`confusion (rows true sell/hold/buy, columns predicted): ${JSON.stringify(r.test.confusion)}\n`);
    process.stdout.write(`${r.selected.length} features selected, ${r.bestIteration} rounds kept (early stopping), ${summary.train_ms} ms; model: ${modelPath}\n`);
  }
}

function evaluate(o: MlCliOptions): void {
  const { frame, path } = load(o);
  const grades = lib.createMlEngine(engineOptions(o)).evaluateFactors(frame);
  const counts: Record<string, number> = {};
  for (const g of grades) counts[g.grade.grade] = (counts[g.grade.grade] ?? 0) + 1;
  const ranked = [...grades].sort((a, b) => b.grade.points.total - a.grade.points.total);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({
      command: 'ml evaluate', data: path, n_features: grades.length, n_pass: grades.filter((g) => g.grade.pass).length, grades: counts,
      top: ranked.slice(0, 10).map((g) => ({ name: g.name, grade: g.grade.grade, rank_ic: r4(g.metrics.rankIc), icir: r4(g.metrics.icir), p_bonferroni: Number(g.pBonferroni.toPrecision(3)) })),
    })}\n`);
    return;
  }
  process.stdout.write('feature                        grade  pass  rank IC   ICIR   p (Bonferroni)  turnover\n');
  for (const g of ranked) {
    process.stdout.write(`${g.name.padEnd(30)} ${g.grade.grade.padEnd(5)}  ${g.grade.pass ? 'yes ' : 'no  '}  ${g.metrics.rankIc.toFixed(4).padStart(7)}  ${g.metrics.icir.toFixed(2).padStart(5)}  ${g.pBonferroni.toExponential(2).padStart(14)}  ${g.metrics.turnover.toFixed(2)}\n`);
  }
}

function predict(o: MlCliOptions): void {
  const { frame, path } = load(o);
  const engine = lib.createMlEngine();
  const modelPath = resolve(o.model ?? defaultModelPath());
  engine.loadModel(modelPath);
  const T = frame.timestamp.length;
  const show = o.rows ?? 10;
  const counts = { buy: 0, hold: 0, sell: 0 };
  let last = null;
  for (let t = 0; t < T; t++) {
    const p = engine.predict(lib.rowAt(frame, t));
    counts[p.label]++;
    if (!o.json && t >= T - show) process.stdout.write(`${new Date(frame.timestamp[t]!).toISOString()}  ${p.label.padEnd(4)}  confidence ${p.confidence.toFixed(3)}  sell/hold/buy ${p.probabilities.sell.toFixed(3)}/${p.probabilities.hold.toFixed(3)}/${p.probabilities.buy.toFixed(3)}  ${p.latencyMs.toFixed(3)} ms\n`);
    last = p;
  }
  const s = engine.performanceStats();
  const summary = { command: 'ml predict', data: path, model_path: modelPath, n: T, counts, last, p50_ms: r6(s.latencyMs.p50), p99_ms: r6(s.latencyMs.p99), health: engine.healthCheck().status };
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${T} rows: ${JSON.stringify(counts)}; latency p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms; health ${summary.health}\n`);
}

function exportFeatures(o: MlCliOptions): void {
  if (!o.out || !o.out.endsWith('.parquet')) throw new InvalidArgumentError('--out FILE.parquet is required');
  const { frame, path } = load(o);
  const engine = lib.createMlEngine(engineOptions(o));
  // With --model: the model's own feature set and label settings, so the split column is the one it was trained with.
  const doc = o.model ? engine.loadModel(resolve(o.model)) : null;
  const d = lib.prepareData(frame, doc ? doc.labels : engine.options.labels, engine.featureConfig);
  const out = resolve(o.out);
  const n = lib.writeFeatureParquet(out, d);
  const summary = { command: 'ml export-features', data: path, out, rows: n, features: d.features.nFeatures, train: d.split.train.length, validation: d.split.validation.length, test: d.split.test.length };
  process.stdout.write(o.json ? `${JSON.stringify(summary)}\n` : `wrote ${n} rows x ${d.features.nFeatures} features + label + split to ${out} (train ${summary.train}, validation ${summary.validation}, test ${summary.test})\n`);
}

function bench(o: MlCliOptions): void {
  const { frame, path } = load(o);
  const engine = lib.createMlEngine(engineOptions(o));
  const t0 = performance.now();
  const r = engine.trainModel(frame);
  const trainWallMs = performance.now() - t0;
  const b = lib.benchLatency(engine, frame);
  const summary = {
    command: 'ml bench', data: path, rows: frame.timestamp.length, p50_ms: r6(b.p50Ms), p99_ms: r6(b.p99Ms), mean_ms: r6(b.meanMs), batch32_per_row_ms: r6(b.batch32PerRowMs),
    train_ms: Math.round(trainWallMs), gbdt_ms: Math.round(r.trainMs), rounds: r.bestIteration, features: r.selected.length, load_avg: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`single prediction incl. feature update: p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms (n ${b.n}); batch of 32: ${summary.batch32_per_row_ms} ms/row; training (all steps) ${summary.train_ms} ms, GBDT ${summary.gbdt_ms} ms; load ${summary.load_avg}\n`);
}

/** Wraps a verb: loads lib/ml first. */
function run(verb: (o: MlCliOptions) => void): (o: MlCliOptions) => Promise<void> {
  return async (o) => {
    lib = await import('../lib/ml/index.js');
    verb(o);
  };
}

/** Adds the `ml` command and its verbs to `program`. */
export function registerMlCommand(program: Command): void {
  const ml = program.command('ml').description('ML signal engine: microstructure features, GBDT, ONNX, risk manager (lib/ml)');
  const common = (c: Command) => c.option('--data <file>', 'market data: LOBSTER message+book CSV(.gz) or the seed row format CSV (default: the bundled AMZN LOBSTER sample)').option('--json', 'print one JSON summary line');
  const labelled = (c: Command) => common(c).option('--horizon <rows>', 'label horizon in rows (default 20)', posInt).option('--rounds <n>', 'maximum boosting rounds (default 300, early stopping 20)', posInt).option('--seed <n>', 'seed (default 42)', posInt);
  labelled(ml.command('train').description('train the model and write it (default data/models/ml-model.json)')).option('--model <file>', 'model output path').action(run(train));
  labelled(ml.command('evaluate').description('grade every feature AAA-E on the label horizon (Bonferroni across features)')).action(run(evaluate));
  common(ml.command('predict').description('replay rows through a saved model')).option('--model <file>', 'model file (default data/models/ml-model.json)').option('--rows <n>', 'last rows to print', posInt).action(run(predict));
  labelled(ml.command('export-features').description('write features + label + split as parquet')).option('--model <file>', "use a saved model's features and label settings (its split)").requiredOption('--out <file.parquet>', 'output parquet file').action(run(exportFeatures));
  labelled(ml.command('bench').description('prediction latency (p50/p99, batch of 32) and training time')).action(run(bench));
}
