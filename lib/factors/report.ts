/**
 * The report types of factor validation: what {@link evaluateFactor}
 * (evaluate.ts) returns and the trial store (store.ts) keeps. A module of its
 * own so that evaluate.ts and store.ts do not import each other.
 */
import type { Frequency } from '../data/panel.js';
import type { DeflatedSharpeResult } from '../stats/index.js';
import type { FactorAnalysis } from './analyze.js';

/** Redundancy of a factor against the factors stored for the same dataset and universe. */
export interface Redundancy {
  /** Largest |mean per-date rank correlation| with a stored factor (NaN when none compared). */
  maxAbsCorr: number;
  /** Signed correlation with that factor. */
  corr: number;
  /** Name of that factor, or null. */
  with: string | null;
  /** Its factor id (canonical expression or values id), or null. */
  withId: string | null;
  /** maxAbsCorr > threshold. */
  redundant: boolean;
  /** Flag threshold (default 0.7, as BRAIN's self-correlation check). */
  threshold: number;
  /** Number of stored factors compared. */
  compared: number;
}

/**
 * The result of {@link evaluateFactor}: every metric of {@link FactorAnalysis}
 * plus identity, provenance and store fields.
 */
export interface FactorReport extends FactorAnalysis {
  /** Unique id of the evaluation (the trial row's primary key). */
  runId: string;
  /** Hash of factor id, dataset, period, resolved settings and data fingerprint. */
  cacheKey: string;
  /** ISO time the evaluation was computed. */
  createdAt: string;
  /** True when this report was read from the store rather than computed now. */
  cached: boolean;
  /** Factor identity: id = canonical expression, or `values:<name>:<sha256 of values>`. */
  factor: { id: string; name: string; expression: string | null; valuesHash: string | null };
  /** Dataset name. */
  dataset: string;
  frequency: Frequency;
  market: 'equity' | 'crypto';
  /** First and last bar evaluated (ISO date for daily bars, 'YYYY-MM-DD HH:MM' otherwise). */
  period: { start: string; end: string };
  /** Caller's tag (e.g. 'notebook', 'llm-loop'), or null. */
  source: string | null;
  /** Redundancy against stored factors, or null without a store. */
  redundancy: Redundancy | null;
  /** Deflated Sharpe with the store's trial count, or null without a store. */
  deflatedSharpe: DeflatedSharpeResult | null;
  /** Milliseconds: expression evaluation, metrics, and the whole call. */
  timings: { factorMs: number; analyzeMs: number; totalMs: number };
}

