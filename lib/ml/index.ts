/**
 * The ML signal engine (issue 13): market-microstructure features, triple-barrier labels with purged
 * splits, feature grades through lib/factors, a LightGBM-style GBDT, ONNX export / inference, signal
 * backtests through lib/backtest with lib/risk's stops, and the engine that ties them together.
 *
 * ```ts
 * import { createMlEngine, loadMarketData, DEFAULT_ML_SAMPLE } from './lib/ml/index.js';
 * const engine = createMlEngine();
 * const frame = loadMarketData(DEFAULT_ML_SAMPLE);                 // AMZN LOBSTER, event time
 * const r = engine.trainModel(frame);                              // r.test.accuracy, r.test.logLoss, r.grades, r.importance
 * engine.saveModel('data/models/amzn.json');
 * const p = engine.predict(row, 0);                                // { label, confidence, probabilities, latencyMs, cached }
 * const d = engine.manageRisk({ timestamp, price }, p, 10_000);    // { action, size, stopLoss, takeProfit, riskLevel, reason }
 * engine.performanceStats(); engine.healthCheck();
 * ```
 * Layout: data.ts (rows, frames, loaders), features.ts, labels.ts, pipeline.ts, evaluate.ts, gbdt.ts,
 * onnx.ts, backtest.ts, engine.ts. Details and measured figures: docs/ml.md.
 */
export * from './data.js';
export * from './features.js';
export * from './labels.js';
export * from './pipeline.js';
export * from './evaluate.js';
export * from './gbdt.js';
export * from './onnx.js';
export * from './backtest.js';
export * from './engine.js';
export * from './export.js';
export * from './bench.js';
