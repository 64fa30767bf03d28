/**
 * The ML signal engine: train, save/load, predict (one row or a batch, with
 * feature and prediction caches and latency statistics), grade features,
 * manage risk, health check. API of the seed system in camelCase:
 * `trainModel(data)`, `loadModel(path)`, `predict(row, position)`,
 * `manageRisk(row, signal, balance)`, `evaluateFactors(data)`,
 * `performanceStats()`, `healthCheck()`.
 *
 * Train (`trainModel`): features -> triple-barrier labels -> purged split
 * (`pipeline.ts`) -> feature grades on the training rows and automatic
 * selection by grade and redundancy (`evaluate.ts`) -> GBDT with early
 * stopping on the validation rows (`gbdt.ts`) -> test-split report.
 * Predict: the row goes through the streaming features (`FeatureStream`,
 * equal bit for bit to the batch features the model was trained on), the
 * selected columns through the model.
 * Caches: the feature cache maps a row timestamp to its feature vector, so a
 * row predicted twice does not advance the stream twice; the prediction
 * cache maps (feature vector, position) to the answer. Both are bounded (LRU by insertion).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { manageRisk as riskDecision, initialRiskState, type RiskDecision, type RiskSettings, type RiskState } from '../risk/index.js';
import { frameFromRows, type MarketFrame, type MarketRow } from './data.js';
import { featureConfig, FeatureStream, type FeatureConfig } from './features.js';
import { GbdtModel, trainGbdt, type FeatureImportance, type GbdtModelJson, type GbdtParams } from './gbdt.js';
import { featureRedundancy, gradeFeatures, selectFeatures, type FeatureGrade, type SelectOptions } from './evaluate.js';
import type { BarrierSpec } from './labels.js';
import { CLASS_NAMES, classificationReport, prepareData, rowsPerYear, subset, type ClassificationReport, type LabelSettings, type PreparedData, type SignalLabel } from './pipeline.js';

/** Engine settings. */
export interface MlEngineOptions {
  /** Feature set (default: event time, windows of 10 / 50 / 100 / 200 rows, L1). */
  features?: FeatureConfig;
  /** Labels and split (default: horizon 20 rows, barriers 0.5 x EWMA sigma (span 300) x sqrt(20)). */
  labels?: Partial<LabelSettings>;
  /** GBDT parameters (default: 3 classes, 300 rounds max, early stopping 20, the seed's num_leaves 31 / lr 0.1 / feature_fraction 0.8 / balanced / seed 42). */
  gbdt?: Partial<GbdtParams>;
  /** Feature selection, or false to use every feature (default: grade >= BB, |corr| <= 0.9, at least 20 features). */
  select?: SelectOptions | false;
  /** Risk manager settings. */
  risk?: Partial<RiskSettings>;
  /** Entries per cache (default 10,000). */
  cacheSize?: number;
  /** Rows per year for the feature grades' annualization (default: estimated from the data's timestamps over 252 sessions of 6.5 hours, {@link rowsPerYear}). */
  rowsPerYear?: number;
}

/** Defaults for the bundled AMZN LOBSTER sample in event time (see the module comment of pipeline.ts and docs/ml.md). */
export const DEFAULT_ENGINE_LABELS: Readonly<Partial<LabelSettings>> = Object.freeze({ horizon: 20, barriers: { kind: 'volatility', multiplier: 0.5, span: 300 } as BarrierSpec });

/** One prediction. */
export interface Prediction {
  label: SignalLabel;
  /** Probability of `label`. */
  confidence: number;
  probabilities: Record<SignalLabel, number>;
  /** Suggested action given the current position (-1 short, 0 flat, +1 long): 'open_long', 'open_short', 'close', 'keep' or 'none'. */
  action: 'open_long' | 'open_short' | 'close' | 'keep' | 'none';
  /** Wall time of this call (feature update + model), ms; for a batch, the batch time / rows. */
  latencyMs: number;
  /** True when the answer came from the prediction cache. */
  cached: boolean;
}

/** Result of {@link MlEngine.trainModel}. */
export interface TrainResult {
  test: ClassificationReport;
  validation: ClassificationReport;
  rows: { train: number; validation: number; test: number };
  selected: string[];
  grades: FeatureGrade[];
  importance: FeatureImportance[];
  bestIteration: number;
  trainMs: number;
  /** The prepared data (features, labels, split) the model was trained on. */
  data: PreparedData;
  /** Test-split probabilities (rows of `data.split.test`, 3 per row). */
  testProba: Float64Array;
}

/** File format of a saved engine model. */
export interface MlModelFile {
  format: 'alphalab-ml-model';
  version: 1;
  features: FeatureConfig;
  /** Indices of the model's columns in the full feature vector. */
  columns: number[];
  labels: LabelSettings & { embargo: number };
  metrics: { accuracy: number; logLoss: number; majorityAccuracy: number; nTest: number } | null;
  gbdt: GbdtModelJson;
}

/** Statistics of {@link MlEngine.performanceStats}. */
export interface EnginePerformance {
  predictions: number;
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  featureCache: { hits: number; misses: number; hitRate: number; size: number };
  predictionCache: { hits: number; misses: number; hitRate: number; size: number };
  model: { loaded: boolean; features: number; rounds: number; trees: number; classes: readonly string[] } ;
  /** Test-split accuracy and log loss of the trained / loaded model (NaN when unknown), and the online accuracy of predictions whose outcome was recorded. */
  accuracy: { test: number; testLogLoss: number; online: number; onlineN: number };
}

/** Bounded map evicting the oldest insertion. */
class LruCache<K, V> {
  private readonly m = new Map<K, V>();
  hits = 0;
  misses = 0;
  constructor(private readonly cap: number) {}
  get(k: K): V | undefined {
    const v = this.m.get(k);
    if (v === undefined) this.misses++;
    else this.hits++;
    return v;
  }
  set(k: K, v: V): void {
    if (this.m.size >= this.cap) this.m.delete(this.m.keys().next().value as K);
    this.m.set(k, v);
  }
  get size(): number {
    return this.m.size;
  }
  stats() {
    const n = this.hits + this.misses;
    return { hits: this.hits, misses: this.misses, hitRate: n > 0 ? this.hits / n : NaN, size: this.m.size };
  }
  clear(): void {
    this.m.clear();
  }
}

/** FNV-1a over the bytes of a feature vector plus the position: the prediction cache key. */
function vectorKey(v: Float64Array, position: number): string {
  const u = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ position;
  for (let i = 0; i < u.length; i++) {
    h1 = Math.imul(h1 ^ u[i]!, 16777619);
    h2 = Math.imul(h2 ^ u[u.length - 1 - i]!, 2246822519);
  }
  return `${h1 >>> 0}:${h2 >>> 0}:${position}`;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** The engine (see the module comment). Create with {@link createMlEngine}. */
export class MlEngine {
  readonly options: MlEngineOptions;
  private cfg: FeatureConfig;
  private model: GbdtModel | null = null;
  private columns: number[] = [];
  private file: MlModelFile | null = null;
  private stream: FeatureStream;
  private readonly featureCache: LruCache<number, Float64Array>;
  private readonly predictionCache: LruCache<string, { k: number; p: Float64Array }>;
  private latencies = new Float64Array(4096);
  private nLatency = 0;
  private nPredictions = 0;
  private online = { n: 0, correct: 0 };
  private riskState: RiskState = initialRiskState();
  private lastError: string | null = null;
  private rowVec: Float64Array = new Float64Array(0);

  constructor(options: MlEngineOptions = {}) {
    this.options = options;
    this.cfg = options.features ?? featureConfig({ intervalMs: 0 });
    this.stream = new FeatureStream(this.cfg);
    this.featureCache = new LruCache(options.cacheSize ?? 10_000);
    this.predictionCache = new LruCache(options.cacheSize ?? 10_000);
  }

  /** The feature set in use (the loaded model's after loadModel). */
  get featureConfig(): FeatureConfig {
    return this.cfg;
  }

  /** Feature names of the full feature vector. */
  get featureNames(): string[] {
    return this.stream.names;
  }

  /** Indices of the model's input columns in the full feature vector. */
  get modelColumns(): number[] {
    return [...this.columns];
  }

  /** Names of the model's input columns. */
  get modelFeatures(): string[] {
    return this.columns.map((j) => this.stream.names[j]!);
  }

  /** The trained / loaded GBDT, or null. */
  get gbdt(): GbdtModel | null {
    return this.model;
  }

  /**
   * Trains on a frame (or rows in the seed's format): see the module comment.
   * Resets the streaming state and the caches.
   * @param onRound progress callback of the GBDT.
   */
  trainModel(data: MarketFrame | MarketRow[], onRound?: (round: number, trainLoss: number, validLoss: number) => void): TrainResult {
    const frame = Array.isArray(data) ? frameFromRows(data) : data;
    const prepared = prepareData(frame, { ...DEFAULT_ENGINE_LABELS, ...this.options.labels }, this.cfg);
    const { features, labels, split } = prepared;
    // Grades see training rows whose forward return ends inside the training segment only (a row purged
    // for its label can still have a barrier touch before the horizon; its h-row forward return must not reach validation prices).
    const h = prepared.settings.horizon;
    const gradeRows = split.train.filter((t) => t + h < split.boundaries[0]);
    const grades = gradeFeatures(features, prepared.mid, { horizon: h, rows: gradeRows, rowsPerYear: this.options.rowsPerYear ?? rowsPerYear(frame) });
    const columns = this.options.select === false
      ? features.names.map((_, j) => j)
      : selectFeatures(grades, featureRedundancy(features, split.train), { minFeatures: 20, ...(this.options.select ?? {}) }).sort((a, b) => a - b);
    const train = subset(features, labels.label, split.train, columns);
    const valid = subset(features, labels.label, split.validation, columns);
    const test = subset(features, labels.label, split.test, columns);
    const names = columns.map((j) => features.names[j]!);
    const model = trainGbdt(train, { numClasses: 3, numRounds: 300, earlyStoppingRounds: 20, ...this.options.gbdt }, { valid, featureNames: names, onRound });
    const testProba = model.predictProba(test.X, test.nRows);
    const testReport = classificationReport(testProba, test.y, 3, train.y);
    const validReport = classificationReport(model.predictProba(valid.X, valid.nRows), valid.y, 3, train.y);
    this.install(model, columns, {
      format: 'alphalab-ml-model', version: 1, features: this.cfg, columns, labels: prepared.settings,
      metrics: { accuracy: testReport.accuracy, logLoss: testReport.logLoss, majorityAccuracy: testReport.majorityAccuracy, nTest: testReport.n },
      gbdt: model.toJSON(),
    });
    return {
      test: testReport, validation: validReport, rows: { train: train.nRows, validation: valid.nRows, test: test.nRows }, selected: names, grades,
      importance: model.importance(), bestIteration: model.log.bestIteration, trainMs: model.log.trainMs, data: prepared, testProba,
    };
  }

  private install(model: GbdtModel, columns: number[], file: MlModelFile): void {
    this.model = model;
    this.columns = columns;
    this.file = file;
    this.rowVec = new Float64Array(columns.length);
    this.resetStream();
  }

  /** Forgets the streaming state, caches and risk state (e.g. before replaying another day). */
  resetStream(): void {
    this.stream = new FeatureStream(this.cfg);
    this.featureCache.clear();
    this.predictionCache.clear();
    this.riskState = initialRiskState();
  }

  /** Writes the model file (JSON). @throws Error when no model is trained or loaded. */
  saveModel(path: string): void {
    if (!this.file) throw new Error('saveModel: no model trained or loaded');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(this.file));
  }

  /**
   * Loads a model file written by {@link saveModel}; the engine adopts its feature config.
   * @throws Error naming the file when it is not an alphalab-ml-model v1 or its columns do not fit its features.
   */
  loadModel(path: string): MlModelFile {
    let doc: MlModelFile;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8')) as MlModelFile;
    } catch (err) {
      throw new Error(`loadModel: cannot read ${path}: ${(err as Error).message}`);
    }
    if (doc?.format !== 'alphalab-ml-model' || doc.version !== 1) throw new Error(`loadModel: ${path} is not an alphalab-ml-model v1 file`);
    this.cfg = doc.features;
    const names = new FeatureStream(this.cfg).names;
    if (doc.columns.some((j) => !(j >= 0 && j < names.length)) || doc.columns.length !== doc.gbdt.featureNames.length) throw new Error(`loadModel: ${path}: columns do not match the feature set`);
    doc.columns.forEach((j, i) => {
      if (names[j] !== doc.gbdt.featureNames[i]) throw new Error(`loadModel: ${path}: column ${i} is "${doc.gbdt.featureNames[i]}" in the model but "${names[j]}" in the feature set`);
    });
    this.install(GbdtModel.fromJSON(doc.gbdt), doc.columns, doc);
    return doc;
  }

  /** Feature vector of `row`: from the cache when this timestamp was seen, else the stream advanced by it. */
  private features(row: MarketRow): Float64Array {
    const hit = this.featureCache.get(row.timestamp);
    if (hit) return hit;
    this.stream.add(row);
    const v = this.stream.getResult().slice();
    this.featureCache.set(row.timestamp, v);
    return v;
  }

  private answer(k: number, p: Float64Array, o: number, position: number, latencyMs: number, cached: boolean): Prediction {
    const label = CLASS_NAMES[k]!;
    const side = k === 2 ? 1 : k === 0 ? -1 : 0;
    const action = side === 0 ? (position !== 0 ? 'keep' : 'none') : side === position ? 'keep' : position !== 0 ? 'close' : side === 1 ? 'open_long' : 'open_short';
    return { label, confidence: p[o + k]!, probabilities: { sell: p[o]!, hold: p[o + 1]!, buy: p[o + 2]! }, action, latencyMs, cached };
  }

  private recordLatency(ms: number, count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.nLatency === this.latencies.length) {
        const grown = new Float64Array(this.latencies.length * 2);
        grown.set(this.latencies);
        this.latencies = grown;
      }
      this.latencies[this.nLatency++] = ms;
    }
    this.nPredictions += count;
  }

  private requireModel(): GbdtModel {
    if (!this.model) throw new Error('predict: no model trained or loaded (call trainModel or loadModel)');
    return this.model;
  }

  /**
   * Predicts the class of one row (rows must come in time order; a repeated
   * timestamp reuses its features). `position`: current position -1 / 0 / +1.
   */
  predict(row: MarketRow, position = 0): Prediction {
    const t0 = performance.now();
    const model = this.requireModel();
    try {
      const v = this.features(row);
      const key = vectorKey(v, position);
      const c = this.predictionCache.get(key);
      if (c) {
        const ms = performance.now() - t0;
        this.recordLatency(ms, 1);
        return this.answer(c.k, c.p, 0, position, ms, true);
      }
      for (let i = 0; i < this.columns.length; i++) this.rowVec[i] = v[this.columns[i]!]!;
      const p = model.predictProba(this.rowVec, 1);
      const k = p[2]! >= p[0]! && p[2]! >= p[1]! ? 2 : p[0]! >= p[1]! ? 0 : 1;
      this.predictionCache.set(key, { k, p });
      const ms = performance.now() - t0;
      this.recordLatency(ms, 1);
      return this.answer(k, p, 0, position, ms, false);
    } catch (err) {
      this.lastError = (err as Error).message;
      throw err;
    }
  }

  /** Predicts a batch of rows in time order (features updated row by row, the model run once on the batch). */
  predictBatch(rows: readonly MarketRow[], position = 0): Prediction[] {
    const t0 = performance.now();
    const model = this.requireModel();
    const C = this.columns.length;
    const X = new Float64Array(rows.length * C);
    rows.forEach((r, i) => {
      const v = this.features(r);
      for (let j = 0; j < C; j++) X[i * C + j] = v[this.columns[j]!]!;
    });
    const p = model.predictProba(X, rows.length);
    const per = (performance.now() - t0) / Math.max(1, rows.length);
    this.recordLatency(per, rows.length);
    return rows.map((_, i) => {
      const o = i * 3;
      const k = p[o + 2]! >= p[o]! && p[o + 2]! >= p[o + 1]! ? 2 : p[o]! >= p[o + 1]! ? 0 : 1;
      return this.answer(k, p, o, position, per, false);
    });
  }

  /** Records the realized class of an earlier prediction (for the online accuracy). */
  recordOutcome(predicted: SignalLabel, actual: SignalLabel): void {
    this.online.n++;
    if (predicted === actual) this.online.correct++;
  }

  /**
   * Risk decision for `row` given a signal and the balance, with the engine's own risk state
   * (see lib/risk `manageRisk`). `row.volatility` (fraction over the holding horizon) enables dynamic stops.
   */
  manageRisk(row: { timestamp: number; price: number; high?: number; low?: number; open?: number; volatility?: number }, signal: Pick<Prediction, 'label' | 'confidence'>, balance: number): RiskDecision {
    const d = riskDecision(row, signal, balance, this.riskState, this.options.risk);
    this.riskState = d.state;
    return d;
  }

  /** Grades every feature of `data` against its label-horizon forward returns (see evaluate.ts). */
  evaluateFactors(data: MarketFrame | MarketRow[]): FeatureGrade[] {
    const frame = Array.isArray(data) ? frameFromRows(data) : data;
    const prepared = prepareData(frame, { ...DEFAULT_ENGINE_LABELS, ...this.options.labels }, this.cfg);
    return gradeFeatures(prepared.features, prepared.mid, { horizon: prepared.settings.horizon, rowsPerYear: this.options.rowsPerYear ?? rowsPerYear(frame) });
  }

  /** Latency, caches, model and accuracy (see {@link EnginePerformance}). */
  performanceStats(): EnginePerformance {
    const lat = this.latencies.slice(0, this.nLatency).sort();
    let sum = 0;
    for (const v of lat) sum += v;
    const m = this.model;
    return {
      predictions: this.nPredictions,
      latencyMs: { mean: lat.length ? sum / lat.length : NaN, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat.length ? lat[lat.length - 1]! : NaN },
      featureCache: this.featureCache.stats(),
      predictionCache: this.predictionCache.stats(),
      model: { loaded: m !== null, features: this.columns.length, rounds: m ? m.nRounds : 0, trees: m ? m.trees.length : 0, classes: CLASS_NAMES },
      accuracy: { test: this.file?.metrics?.accuracy ?? NaN, testLogLoss: this.file?.metrics?.logLoss ?? NaN, online: this.online.n ? this.online.correct / this.online.n : NaN, onlineN: this.online.n },
    };
  }

  /** Readiness: a model is loaded, it answers a probe row with probabilities summing to 1, p99 latency under 500 ms, no recent error. */
  healthCheck(): { status: 'ok' | 'degraded' | 'not_ready'; checks: Record<string, { ok: boolean; detail: string }> } {
    const checks: Record<string, { ok: boolean; detail: string }> = {};
    checks.model = { ok: this.model !== null, detail: this.model ? `${this.model.trees.length} trees over ${this.columns.length} features` : 'no model trained or loaded' };
    if (this.model) {
      const p = this.model.predictProba(new Float64Array(this.columns.length).fill(NaN), 1);
      const s = p[0]! + p[1]! + p[2]!;
      checks.probe = { ok: Math.abs(s - 1) < 1e-9, detail: `probabilities of an all-missing row sum to ${s.toFixed(12)}` };
    }
    const perf = this.performanceStats();
    checks.latency = { ok: !(perf.latencyMs.p99 >= 500), detail: `p99 ${Number.isNaN(perf.latencyMs.p99) ? 'n/a' : perf.latencyMs.p99.toFixed(3)} ms (limit 500 ms)` };
    checks.errors = { ok: this.lastError === null, detail: this.lastError ?? 'none' };
    const status = !checks.model.ok ? 'not_ready' : Object.values(checks).every((c) => c.ok) ? 'ok' : 'degraded';
    return { status, checks };
  }
}

/** Creates an {@link MlEngine}. */
export function createMlEngine(options: MlEngineOptions = {}): MlEngine {
  return new MlEngine(options);
}
