/**
 * Latency measurement of the engine: one prediction including the streaming
 * feature update (rows replayed in time order, caches cold because every row
 * is new), and batches of 32 rows. Wall times by performance.now(), in ms.
 */
import { rowAt, type MarketFrame } from './data.js';
import type { MlEngine } from './engine.js';

/** Result of {@link benchLatency}. */
export interface LatencyBench {
  n: number;
  /** Single prediction (feature update + model), ms. */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Batch of 32 rows: wall time per row, ms (median over batches). */
  batch32PerRowMs: number;
  /** Per-call latencies of the single predictions (for histograms). */
  latencies: Float64Array;
}

const pct = (s: Float64Array, q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;

/**
 * Replays `frame` through `engine.predict` (after `warmup` rows), then again in batches of 32.
 * Resets the engine's stream before each pass.
 */
export function benchLatency(engine: MlEngine, frame: MarketFrame, opts: { warmup?: number; maxRows?: number } = {}): LatencyBench {
  const T = Math.min(frame.timestamp.length, opts.maxRows ?? Infinity);
  const warm = Math.min(opts.warmup ?? 1000, T - 1);
  engine.resetStream();
  const lat: number[] = [];
  for (let t = 0; t < T; t++) {
    const row = rowAt(frame, t);
    const t0 = performance.now();
    engine.predict(row);
    const ms = performance.now() - t0;
    if (t >= warm) lat.push(ms);
  }
  engine.resetStream();
  const per: number[] = [];
  for (let t = 0; t + 32 <= T; t += 32) {
    const rows = Array.from({ length: 32 }, (_, i) => rowAt(frame, t + i));
    const t0 = performance.now();
    engine.predictBatch(rows);
    if (t >= warm) per.push((performance.now() - t0) / 32);
  }
  engine.resetStream();
  const s = Float64Array.from(lat).sort();
  const b = Float64Array.from(per).sort();
  return { n: s.length, p50Ms: pct(s, 0.5), p99Ms: pct(s, 0.99), meanMs: s.reduce((a, v) => a + v, 0) / s.length, batch32PerRowMs: pct(b, 0.5), latencies: Float64Array.from(lat) };
}
