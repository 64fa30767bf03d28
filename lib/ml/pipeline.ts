/**
 * The supervised pipeline of the ML signal engine, as numbered steps:
 * 1. features of every row (`features.ts`, causal);
 * 2. triple-barrier labels on the mid price (`labels.ts`);
 * 3. chronological train / validation / test split with purging and an embargo (`labels.ts`);
 * 4. datasets for the GBDT (`gbdt.ts`), rows with a valid label only;
 * 5. out-of-sample metrics: accuracy, log loss, per-class precision / recall, confusion matrix.
 */
import { computeFeatures, featureConfig, type FeatureConfig, type FeatureMatrix } from './features.js';
import { purgedSplit, tripleBarrier, type BarrierSpec, type TrainValTest, type TripleBarrierLabels } from './labels.js';
import type { Dataset } from './gbdt.js';
import { logLoss } from './gbdt.js';
import type { MarketFrame } from './data.js';

/** Class names in class-index order. */
export const CLASS_NAMES = ['sell', 'hold', 'buy'] as const;
/** A class name. */
export type SignalLabel = (typeof CLASS_NAMES)[number];

/** Label and split settings of {@link prepareData}. */
export interface LabelSettings {
  /** Barriers (default volatility-scaled: 1.0 x EWMA sigma (span 300 rows) x sqrt(horizon)). */
  barriers: BarrierSpec;
  /** Vertical barrier in rows (default 60: 1 minute on the 1 s grid). */
  horizon: number;
  /** Train / validation / test fractions (default 0.6 / 0.2 / 0.2). */
  fractions: [number, number, number];
  /** Rows skipped at the start of the validation and test segments (default: the longest feature window). */
  embargo?: number;
}

/** Defaults of {@link LabelSettings}. */
export const DEFAULT_LABEL_SETTINGS: Readonly<LabelSettings> = Object.freeze({
  barriers: { kind: 'volatility', multiplier: 1, span: 300 } as BarrierSpec,
  horizon: 60,
  fractions: [0.6, 0.2, 0.2] as [number, number, number],
});

/** Everything the model and its validation need. */
export interface PreparedData {
  features: FeatureMatrix;
  labels: TripleBarrierLabels;
  split: TrainValTest;
  /** Mid price per row. */
  mid: Float64Array;
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  settings: LabelSettings & { embargo: number };
  config: FeatureConfig;
}

/** Rows `idx` of a feature matrix (optionally only the columns `cols`) with their labels. */
export function subset(m: FeatureMatrix, label: Uint8Array, idx: Int32Array, cols?: readonly number[]): Dataset {
  const c = cols ?? Array.from({ length: m.nFeatures }, (_, j) => j);
  const X = new Float64Array(idx.length * c.length);
  const y = new Uint8Array(idx.length);
  idx.forEach((r, i) => {
    for (let j = 0; j < c.length; j++) X[i * c.length + j] = m.values[r * m.nFeatures + c[j]!]!;
    y[i] = label[r]!;
  });
  return { X, y, nRows: idx.length, nFeatures: c.length };
}

/** Steps 1-4 of the module comment on one frame. */
export function prepareData(frame: MarketFrame, settings: Partial<LabelSettings> = {}, cfg: FeatureConfig = featureConfig()): PreparedData {
  const s = { ...DEFAULT_LABEL_SETTINGS, ...settings };
  const embargo = s.embargo ?? Math.max(...cfg.windows);
  const features = computeFeatures(frame, cfg);
  const T = features.nRows;
  const mid = new Float64Array(T);
  for (let t = 0; t < T; t++) mid[t] = (frame.bidPrice[t]! + frame.askPrice[t]!) / 2;
  const labels = tripleBarrier(mid, { barriers: s.barriers, horizon: s.horizon });
  const split = purgedSplit(labels.end, labels.valid, s.fractions, embargo);
  return {
    features, labels, split, mid, config: cfg, settings: { ...s, embargo },
    train: subset(features, labels.label, split.train),
    validation: subset(features, labels.label, split.validation),
    test: subset(features, labels.label, split.test),
  };
}

/** Out-of-sample classification metrics. */
export interface ClassificationReport {
  n: number;
  accuracy: number;
  /** Mean multi-class log loss (probabilities clipped at 1e-15). */
  logLoss: number;
  /** Accuracy of always predicting the most frequent class of `y` (the majority baseline). */
  majorityAccuracy: number;
  /** Log loss of predicting the class frequencies of the training labels when given, else of `y` itself. */
  priorLogLoss: number;
  /** confusion[true][predicted]. */
  confusion: number[][];
  precision: number[];
  recall: number[];
  /** Per-class F1 and their unweighted mean. */
  f1: number[];
  macroF1: number;
}

/**
 * Accuracy, log loss, confusion matrix and per-class precision / recall / F1 of
 * probabilities `p` (n x K) against labels `y`; predictions are the argmax.
 */
export function classificationReport(p: Float64Array, y: Uint8Array, K: number, trainY?: Uint8Array): ClassificationReport {
  const n = y.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (p[i * K + k]! > p[i * K + best]!) best = k;
    confusion[y[i]!]![best]!++;
    if (best === y[i]) correct++;
  }
  const precision: number[] = [], recall: number[] = [], f1: number[] = [];
  for (let k = 0; k < K; k++) {
    let col = 0, row = 0;
    for (let j = 0; j < K; j++) {
      col += confusion[j]![k]!;
      row += confusion[k]![j]!;
    }
    const pr = col > 0 ? confusion[k]![k]! / col : NaN, rc = row > 0 ? confusion[k]![k]! / row : NaN;
    precision.push(pr);
    recall.push(rc);
    f1.push(pr + rc > 0 ? (2 * pr * rc) / (pr + rc) : 0);
  }
  const freq = (lab: Uint8Array) => {
    const c = new Array<number>(K).fill(0);
    for (const v of lab) c[v]!++;
    return c.map((v) => v / lab.length);
  };
  const testFreq = freq(y);
  const prior = freq(trainY ?? y);
  const pp = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) pp[i * K + k] = prior[k]!;
  return {
    n, accuracy: correct / n, logLoss: logLoss(p, y, K), majorityAccuracy: Math.max(...testFreq), priorLogLoss: logLoss(pp, y, K),
    confusion, precision, recall, f1, macroF1: f1.reduce((a, b) => a + b, 0) / K,
  };
}

/**
 * Rows per year of a frame from its timestamps: (T - 1) / elapsed seconds x `secondsPerYear`
 * (default 252 x 23,400 s: 252 US equity sessions of 6.5 hours; use 365 x 86,400 for 24/7 crypto).
 * Used to annualize per-row (event-time) return series.
 * @throws RangeError when the frame has fewer than 2 rows.
 */
export function rowsPerYear(frame: MarketFrame, secondsPerYear = 252 * 23_400): number {
  const T = frame.timestamp.length;
  if (T < 2) throw new RangeError('rowsPerYear: need at least 2 rows');
  return ((T - 1) / ((frame.timestamp[T - 1]! - frame.timestamp[0]!) / 1000)) * secondsPerYear;
}
