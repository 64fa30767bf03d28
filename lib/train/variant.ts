/**
 * Model variants: evaluation on held-out examples, the promotion rule, the
 * registry of variants (`registry.json`, written atomically) and keep-N
 * cleanup. A variant is a model created through /api/create from a base
 * model with a system prompt and few-shot messages: it conditions the prompt
 * and trains no weights (a LoRA adapter, when a user has one, goes in
 * `adapters`).
 */
import { join } from 'node:path';
import { LlmError, parseJsonAnswer, readJsonFile, writeJsonAtomic, type JsonSchema, type LlmProvider, type OllamaModelOps } from '../llm/index.js';
import type { TrainingExample } from './dataset.js';

/** The system prompt of every variant. */
export const ANALYST_SYSTEM_PROMPT =
  'You are a market analyst. Given a stock\'s recent price statistics, say whether its close will be higher or lower after the stated number of bars. ' +
  'Answer only with JSON: {"direction": "up" or "down", "reason": "one sentence"}.';

/** The answer schema sent as structured output. */
export const ANSWER_SCHEMA: JsonSchema = { type: 'object', properties: { direction: { type: 'string', enum: ['up', 'down'] }, reason: { type: 'string' } }, required: ['direction', 'reason'] };

/** Evaluation of one model on held-out examples. */
export interface EvalMetrics {
  readonly model: string;
  /** Examples asked. */
  readonly n: number;
  /** Share of answers that parse as JSON with direction "up" or "down". */
  readonly parseRate: number;
  /** Share of examples whose direction matches the realized move (unparsed and failed answers count as wrong). */
  readonly accuracy: number;
  /** Share of answers containing every required keyword (case-insensitive). */
  readonly keywordRate: number;
  /** Latency percentiles of answered calls, ms (nearest rank); NaN when none answered. */
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Calls that failed (no answer). */
  readonly errors: number;
  /** Per example: id, expected, got ('' when unparsed), ms. */
  readonly rows: readonly { readonly id: string; readonly expected: string; readonly got: string; readonly ms: number }[];
}

/** Nearest-rank percentile of a sample (p in (0, 1]); NaN for an empty sample. */
export function nearestRank(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)]!;
}

/** Asks `provider` every held-out question and scores the answers (see {@link EvalMetrics}). */
export async function evaluateModel(provider: LlmProvider, heldout: readonly TrainingExample[], requiredKeywords: readonly string[], maxTokens: number): Promise<EvalMetrics> {
  const rows: { id: string; expected: string; got: string; ms: number }[] = [];
  let parsed = 0;
  let correct = 0;
  let keywords = 0;
  let errors = 0;
  const ms: number[] = [];
  for (const e of heldout) {
    let got = '';
    let took = NaN;
    try {
      const r = await provider.chat({ messages: [{ role: 'user', content: e.question }], schema: ANSWER_SCHEMA, temperature: 0, seed: 7, maxTokens });
      took = r.durationMs;
      ms.push(r.durationMs);
      const j = r.json ?? (() => {
        const p = parseJsonAnswer(r.answer);
        return p.ok ? p.value : undefined;
      })();
      const dir = (j as { direction?: unknown } | undefined)?.direction;
      if (dir === 'up' || dir === 'down') {
        parsed++;
        got = dir;
        if (dir === e.answer.direction) correct++;
      }
      const text = r.answer.toLowerCase();
      if (requiredKeywords.every((k) => text.includes(k.toLowerCase()))) keywords++;
    } catch (err) {
      if (!(err instanceof LlmError)) throw err;
      errors++;
    }
    rows.push({ id: e.id, expected: e.answer.direction, got, ms: took });
  }
  const n = heldout.length;
  return { model: provider.model, n, parseRate: n ? parsed / n : 0, accuracy: n ? correct / n : 0, keywordRate: n ? keywords / n : 0, p50Ms: nearestRank(ms, 0.5), p95Ms: nearestRank(ms, 0.95), errors, rows };
}

/**
 * The promotion rule: a candidate replaces the promoted model when its
 * accuracy on the same held-out examples is higher, or equal with a higher
 * parse rate. Without a promoted model, a candidate whose answers parse at
 * least half the time is promoted.
 */
export function isBetter(candidate: EvalMetrics, previous: EvalMetrics | undefined): boolean {
  if (!previous) return candidate.parseRate >= 0.5;
  if (candidate.accuracy !== previous.accuracy) return candidate.accuracy > previous.accuracy;
  return candidate.parseRate > previous.parseRate;
}

/** One variant in the registry. */
export interface VariantRecord {
  readonly model: string;
  readonly runId: string;
  /** ISO time of creation. */
  readonly createdAt: string;
  readonly baseModel: string;
  readonly fewShot: number;
  readonly accuracy: number;
  readonly parseRate: number;
  readonly promoted: boolean;
  /** Set when cleanup deleted it from the server. */
  readonly deleted?: boolean;
}

/** The registry file's content. */
export interface VariantRegistry {
  /** The promoted variant, if any. */
  readonly promoted?: string;
  readonly variants: readonly VariantRecord[];
}

/** Registry path in a training folder. */
export const registryPath = (outDir: string) => join(outDir, 'registry.json');

/** Reads the registry (missing: empty). @throws Error naming the file when it is malformed. */
export function readRegistry(outDir: string): VariantRegistry {
  const path = registryPath(outDir);
  const raw = readJsonFile(path) as VariantRegistry | undefined;
  if (raw === undefined) return { variants: [] };
  if (typeof raw !== 'object' || raw === null || !Array.isArray(raw.variants)) throw new Error(`${path}: expected {"promoted"?: string, "variants": [...]}`);
  return raw;
}

/** Writes the registry atomically. */
export function writeRegistry(outDir: string, reg: VariantRegistry): void {
  writeJsonAtomic(registryPath(outDir), reg);
}

/**
 * Deletes variants beyond the newest `keep` (the promoted one always stays)
 * from the server and marks them deleted in the registry. A model the server
 * no longer has counts as deleted.
 * @returns the names deleted.
 */
export async function cleanupVariants(ops: Pick<OllamaModelOps, 'delete'>, outDir: string, keep: number): Promise<string[]> {
  const reg = readRegistry(outDir);
  const live = reg.variants.filter((v) => !v.deleted).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.model.localeCompare(a.model));
  const keepSet = new Set(live.slice(0, keep).map((v) => v.model));
  if (reg.promoted) keepSet.add(reg.promoted);
  const gone: string[] = [];
  for (const v of live) {
    if (keepSet.has(v.model)) continue;
    try {
      await ops.delete(v.model);
    } catch (err) {
      if (!(err instanceof LlmError && err.code === 'model_missing')) throw err;
    }
    gone.push(v.model);
  }
  if (gone.length) writeRegistry(outDir, { ...reg, variants: reg.variants.map((v) => (gone.includes(v.model) ? { ...v, deleted: true } : v)) });
  return gone;
}
