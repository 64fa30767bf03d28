/**
 * One continuous-training run, in steps:
 * 1. dataset (dataset.ts): new examples since the last run (first run:
 *    `daysBack` bars; later: only dates after each symbol's last one, within
 *    `incrementalDays`), deduplicated, at most `batchSize`, appended to
 *    `<outDir>/dataset.jsonl`;
 * 2. split by time: the latest `evalExamples` questions are held out; the
 *    few-shot pool is every example whose answer bar is at or before the
 *    first held-out question (no realized move the test asks about is shown);
 * 3. few-shot block under the token budget of `numCtx` (fewshot.ts);
 * 4. variant `<prefix>:<runId>` created through /api/create (JSON form) from
 *    `baseModel` with the system prompt, the few-shot messages, num_ctx and
 *    the user's LoRA `adapters` if any. This conditions the prompt; it
 *    trains no weights (Ollama cannot train);
 * 5. the variant and the promoted model answer the same held-out questions
 *    (variant.ts); the variant is promoted only when better;
 * 6. keep-N cleanup; report JSON + HTML (report.ts).
 */
import { join } from 'node:path';
import type { Panel } from '../data/index.js';
import { OllamaProvider, type LlmProvider, type OllamaModelOps } from '../llm/index.js';
import type { TrainingConfig } from './config.js';
import { appendDataset, buildExamples, lastTimes, readDataset, type TrainingExample } from './dataset.js';
import { fewShotBudget, selectFewShot } from './fewshot.js';
import { writeReport, type TrainRunReport } from './report.js';
import { ANALYST_SYSTEM_PROMPT, cleanupVariants, evaluateModel, isBetter, readRegistry, writeRegistry, type EvalMetrics } from './variant.js';

/** What a variant is, said plainly in every report. */
export const VARIANT_NOTE = 'A variant is the base model with a system prompt and few-shot examples (Ollama MESSAGE entries, prepended to every chat): it conditions the prompt and trains no weights. A LoRA adapter, when configured, is attached as given.';

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  readonly config: TrainingConfig;
  readonly panel: Panel;
  readonly ops: OllamaModelOps;
  /** Builds the provider that answers for a model. Default: OllamaProvider on ops.host. */
  readonly provider?: (model: string) => LlmProvider;
  /** Clock. Default Date.now. */
  readonly now?: () => number;
  /** Run id (default "r" + UTC yyyymmddhhmmss). */
  readonly runId?: string;
  readonly log?: (line: string) => void;
}

/** Run id from a time: "r20261202043000". */
export function runIdAt(ms: number): string {
  return `r${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

const strip = ({ rows: _rows, ...m }: EvalMetrics): Omit<EvalMetrics, 'rows'> => m;

/**
 * Runs steps 1-6 of the module comment.
 * @throws LlmError when the server is unreachable or the base model is missing (with the `ollama pull` command); Error when there are too few examples.
 */
export async function trainRun(o: TrainRunOptions): Promise<{ report: TrainRunReport; paths: { json: string; html: string } }> {
  const c = o.config;
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => undefined);
  const runId = o.runId ?? runIdAt(now());
  const datasetPath = join(c.outDir, 'dataset.jsonl');
  const existing = readDataset(datasetPath);
  const symbols = c.symbols ?? o.panel.assets.slice(0, c.maxSymbols);
  const fresh = buildExamples(o.panel, {
    symbols,
    lookback: c.lookback,
    horizon: c.horizon,
    stride: c.stride,
    daysBack: existing.length ? c.incrementalDays : c.daysBack,
    after: existing.length ? lastTimes(existing) : undefined,
    known: new Set(existing.map((e) => e.id)),
    limit: c.batchSize,
  });
  const added = appendDataset(datasetPath, fresh);
  const all = readDataset(datasetPath).sort((a, b) => a.t - b.t || a.symbol.localeCompare(b.symbol));
  log(`dataset: ${added.length} new examples, ${all.length} in all (${datasetPath})`);
  if (all.length < c.evalExamples + 2) throw new Error(`train: only ${all.length} examples in ${datasetPath}; need more than evalExamples (${c.evalExamples}): raise daysBack or add symbols`);
  const heldout = all.slice(-c.evalExamples);
  const testStart = heldout[0]!.t;
  const pool = all.filter((e) => e.answerT <= testStart);
  const longest = heldout.reduce((m, e) => (e.question.length > m.length ? e.question : m), '');
  const budget = fewShotBudget(c.numCtx, ANALYST_SYSTEM_PROMPT, longest, c.maxAnswerTokens);
  const block = selectFewShot(pool, budget, c.fewShotMax);
  log(`few-shot: ${block.examples.length} examples, ~${block.tokens} of ${budget} tokens (num_ctx ${c.numCtx})`);
  const variant = `${c.variantPrefix}:${runId}`;
  await o.ops.create({
    model: variant,
    from: c.baseModel,
    system: ANALYST_SYSTEM_PROMPT,
    messages: block.messages,
    parameters: { num_ctx: c.numCtx, num_predict: c.maxAnswerTokens, temperature: 0 },
    ...(c.adapters ? { adapters: { ...c.adapters } } : {}),
  });
  log(`created ${variant} from ${c.baseModel}`);
  const provider = o.provider ?? ((model: string) => new OllamaProvider({ model, host: o.ops.host, retry: { retries: 1 } }));
  const candidate = await evaluateModel(provider(variant), heldout, c.requiredKeywords, c.maxAnswerTokens);
  const reg = readRegistry(c.outDir);
  let previous: EvalMetrics | undefined;
  if (reg.promoted) {
    try {
      previous = await evaluateModel(provider(reg.promoted), heldout, c.requiredKeywords, c.maxAnswerTokens);
    } catch (err) {
      log(`the promoted model ${reg.promoted} could not be evaluated (${(err as Error).message}); comparing against none`);
    }
  }
  const promoted = isBetter(candidate, previous);
  const at = new Date(now()).toISOString();
  writeRegistry(c.outDir, {
    promoted: promoted ? variant : reg.promoted,
    variants: [...reg.variants, { model: variant, runId, createdAt: at, baseModel: c.baseModel, fewShot: block.examples.length, accuracy: candidate.accuracy, parseRate: candidate.parseRate, promoted }],
  });
  log(`${variant}: accuracy ${candidate.accuracy.toFixed(3)}${previous ? ` vs ${previous.accuracy.toFixed(3)} (${previous.model})` : ''}: ${promoted ? 'promoted' : 'not promoted'}`);
  const deleted = await cleanupVariants(o.ops, c.outDir, c.keepModels);
  const sample = (e: TrainingExample) => ({ question: e.question, answer: e.answerText });
  const report: TrainRunReport = {
    runId,
    at,
    baseModel: c.baseModel,
    dataset: { name: c.dataset, total: all.length, added: added.length, heldout: heldout.length, sample: all.slice(-c.evalExamples - 3, -c.evalExamples).map(sample) },
    fewShot: { examples: block.examples.length, tokens: block.tokens, budget, numCtx: c.numCtx },
    variant,
    candidate: strip(candidate),
    ...(previous ? { previous: strip(previous) } : {}),
    promoted,
    ...(readRegistry(c.outDir).promoted ? { promotedModel: readRegistry(c.outDir).promoted } : {}),
    deleted,
    note: VARIANT_NOTE,
  };
  const paths = writeReport(c.outDir, report);
  return { report, paths };
}
