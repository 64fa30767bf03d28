/**
 * The LLM proposer's prompt and answer contract: the JSON schema the model
 * must follow, the prompt text built from market knowledge, the dataset
 * summary, the operator list and the knowledge base, and the strict parsing
 * of an answer into a {@link HypothesisProposal} (expressions validated
 * against the grammar). Pure functions (no I/O).
 */
import { familiesFor, instantiate } from './knowledge.js';
import { resolveSignalParams } from '../backtest/index.js';
import type { FailureReason, Grammar, Hypothesis, HypothesisProposal, GrammarOperator, StrategyParams, TestOutcome } from './types.js';
import { DEFAULT_PARAMS } from './types.js';

/** Version tag stored with every hypothesis proposed with this prompt. */
export const PROMPT_VERSION = 'hyp-v2';

/** JSON schema of the model's answer (Ollama `format`, OpenAI `json_schema`). */
export const HYPOTHESIS_SCHEMA = {
  type: 'object',
  properties: {
    decision: { type: 'string', enum: ['new', 'refine'] },
    decision_reason: { type: 'string' },
    parent_id: { type: ['string', 'null'] },
    name: { type: 'string' },
    category: { type: 'string' },
    rationale: { type: 'string' },
    expressions: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
    expected_sign: { type: 'integer', enum: [1, -1] },
    params: {
      type: 'object',
      properties: {
        delay: { type: 'integer', minimum: 0, maximum: 1 },
        decay: { type: 'integer', minimum: 0, maximum: 20 },
        neutralization: { type: 'string', enum: ['none', 'market', 'group'] },
        truncation: { type: 'number', minimum: 0.005, maximum: 1 },
        signal_quantile: { type: 'number', minimum: 0.01, maximum: 0.25 },
        exit_quantile: { type: 'number', minimum: 0.01, maximum: 0.5 },
        signal_sides: { type: 'string', enum: ['long_short', 'long', 'short'] },
      },
      required: ['delay', 'decay', 'neutralization', 'truncation'],
    },
  },
  required: ['decision', 'decision_reason', 'name', 'category', 'rationale', 'expressions', 'expected_sign', 'params'],
} as const;

/** A past hypothesis with its result, as the prompt shows it. */
export interface KbDigestEntry {
  readonly hypothesis: Hypothesis;
  readonly headline: Readonly<Record<string, number>>;
  readonly failures: readonly FailureReason[];
}

/** Everything the prompt is built from. */
export interface PromptInput {
  readonly goal: string;
  readonly category?: string;
  /** Output of formatDatasetSummary. */
  readonly datasetSummary: string;
  readonly fields: readonly string[];
  readonly operators: readonly GrammarOperator[];
  /** Best validated hypotheses, best first. */
  readonly best: readonly KbDigestEntry[];
  /** Most instructive failures. */
  readonly failures: readonly KbDigestEntry[];
  /** The last tested hypothesis and its outcome (what to refine or abandon). */
  readonly last?: { readonly hypothesis: Hypothesis; readonly outcome: TestOutcome };
  /** Forced parent (research improve H003): the answer must refine it. */
  readonly improve?: KbDigestEntry;
}

/** The system message. */
export const SYSTEM_PROMPT = [
  'You are a quantitative researcher designing cross-sectional alpha factors.',
  'You propose one testable hypothesis at a time as a factor expression in the given grammar.',
  'The expression is evaluated per asset and bar; the portfolio goes long high values and short low values after neutralization.',
  'Use only the listed operators and fields. Windows are in bars. No look-ahead: operators only use past data.',
  'Answer with one JSON object that follows the schema, nothing else.',
].join(' ');

const fmt = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

function digestLine(e: KbDigestEntry): string {
  const h = e.hypothesis;
  const m = e.headline;
  const metrics = `sharpe ${fmt(h.sharpe)}, rank_ic ${fmt(m.rank_ic, 3)}, turnover ${fmt(m.turnover, 3)}${m.signal_pf !== undefined ? `, signal profit factor ${fmt(m.signal_pf)}, win rate ${fmt(m.signal_win_rate)}` : ''}`;
  const why = e.failures.length ? `; failed: ${e.failures.map((f) => `${f.kind} (${f.detail})`).join('; ')}` : '';
  return `- ${h.id} ${h.name} [${h.category}] \`${h.expressions[0]}\` sign ${h.expectedSign > 0 ? '+' : '-'}, delay ${h.params.delay}, decay ${h.params.decay}: ${metrics}${why}`;
}

/** The user message for one proposal. */
export function buildPrompt(input: PromptInput): string {
  const parts: string[] = [];
  parts.push(`# Goal\n${input.goal}${input.category ? `\nFocus on the ${input.category} family.` : ''}`);
  parts.push(`# Dataset\n${input.datasetSummary}\nFields usable in expressions: ${input.fields.join(', ')}`);
  parts.push(`# Operators\n${input.operators.map((o) => `- ${o.signature}: ${o.description}`).join('\n')}`);
  // families whose example expressions this dataset can compute (no funding knowledge for equities)
  const usable = familiesFor(input.category)
    .map((f) => ({ f, ex: f.templates.filter((t) => t.fields.every((x) => input.fields.includes(x))).slice(0, 2) }))
    .filter((u) => u.ex.length > 0);
  parts.push(`# Market knowledge\n${usable.map(({ f, ex }) => `- ${f.category}: ${f.rationale} Examples: ${ex.map((t) => `\`${instantiate(t, t.windows[0]!, t.windows2?.[0])}\``).join(', ')}.`).join('\n')}`);
  parts.push(`# Knowledge base: validated hypotheses (best first)\n${input.best.length ? input.best.map(digestLine).join('\n') : '(none yet)'}`);
  parts.push(`# Knowledge base: instructive failures\n${input.failures.length ? input.failures.map(digestLine).join('\n') : '(none yet)'}`);
  if (input.improve) {
    parts.push(`# Task\nRefine ${input.improve.hypothesis.id} (decision "refine", parent_id "${input.improve.hypothesis.id}"):\n${digestLine(input.improve)}\nChange the expression or the parameters to fix its weaknesses; explain why in decision_reason.`);
  } else if (input.last) {
    const { hypothesis: h, outcome: o } = input.last;
    const res = o.pass ? `passed (Sharpe ${fmt(o.sharpe)})` : `failed: ${o.failures.map((f) => `${f.kind} (${f.detail})`).join('; ')}`;
    parts.push(`# Last result\n${h.id} ${h.name} \`${h.expressions[0]}\` ${res}.\nDecide: "refine" it (set parent_id "${h.id}", adjust parameters or the expression) or "new" (abandon this direction and try another). Give the reason in decision_reason.`);
  } else {
    parts.push('# Task\nPropose a new hypothesis (decision "new", parent_id null).');
  }
  parts.push('# Test\nThe first expression times expected_sign is tested three ways: factor validation (Rank IC in sample), a long-short portfolio with costs (walk-forward 60/20/20 and rolling windows), and a signal backtest with the same costs: long the top signal_quantile of assets, short the bottom one, exit when an asset leaves the exit_quantile band; on the test segment it needs >= 30 trades, win rate > 40%, profit factor > 1 after costs and 1-500 entry signals per 1,000 bars.');
  parts.push('# Answer\nOne JSON object: {"decision", "decision_reason", "parent_id", "name" (snake_case), "category", "rationale", "expressions" (1-3, the first is traded), "expected_sign" (1 or -1: sign of the IC of the first expression), "params": {"delay" (0 or 1; 1 recommended), "decay" (bars, 0-20), "neutralization" ("none"|"market"|"group"), "truncation" (max weight per asset, e.g. 0.05), optional "signal_quantile" (0.01-0.25, default 0.2), "exit_quantile" (signal_quantile-0.5, default = signal_quantile; larger = fewer, longer trades), "signal_sides" ("long_short"|"long"|"short", default "long_short")}}.');
  return parts.join('\n\n');
}

/** Result of {@link parseProposal}. */
export type ProposalParse =
  | { readonly ok: true; readonly proposal: HypothesisProposal; readonly canonical: string }
  | { readonly ok: false; readonly error: string; readonly expressions: readonly string[] };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a model answer (already JSON-parsed) against the schema and every
 * expression against the grammar. The error message names the field or
 * quotes the expression with the engine's message, so it can go back to the
 * model for a repair. `knownIds` lets it reject a parent id that does not exist.
 */
export function parseProposal(value: unknown, grammar: Grammar, fields: readonly string[], knownIds?: ReadonlySet<string>): ProposalParse {
  const fail = (error: string, expressions: readonly string[] = []): ProposalParse => ({ ok: false, error, expressions });
  if (!isObj(value)) return fail('the answer must be a JSON object');
  const str = (k: string): string | undefined => (typeof value[k] === 'string' && (value[k] as string).trim() !== '' ? (value[k] as string).trim() : undefined);
  const exprsRaw = value.expressions;
  const expressions = Array.isArray(exprsRaw) ? exprsRaw.filter((e): e is string => typeof e === 'string').map((e) => e.trim()).filter((e) => e !== '') : typeof exprsRaw === 'string' ? [exprsRaw.trim()] : [];
  for (const k of ['name', 'rationale'] as const) if (!str(k)) return fail(`field "${k}" is missing or empty`, expressions);
  if (expressions.length === 0) return fail('field "expressions" must be a non-empty array of expression strings');
  if (expressions.length > 3) return fail(`field "expressions" has ${expressions.length} entries; at most 3`, expressions);
  let canonical = '';
  for (let i = 0; i < expressions.length; i++) {
    const r = grammar.validate(expressions[i]!, fields);
    if ('error' in r) return fail(`expression ${i + 1} \`${expressions[i]}\` is invalid: ${r.error}`, expressions);
    if (i === 0 && 'canonical' in r) canonical = r.canonical;
  }
  const signRaw = value.expected_sign;
  const sign = signRaw === 1 || signRaw === '1' || signRaw === '+1' || signRaw === '+' ? 1 : signRaw === -1 || signRaw === '-1' || signRaw === '-' ? -1 : undefined;
  if (sign === undefined) return fail(`field "expected_sign" must be 1 or -1, got ${JSON.stringify(signRaw)}`, expressions);
  const p = isObj(value.params) ? value.params : {};
  const num = (k: string, d: number) => (typeof p[k] === 'number' ? (p[k] as number) : typeof p[k] === 'string' && p[k] !== '' && Number.isFinite(Number(p[k])) ? Number(p[k]) : d);
  const delay = Math.round(num('delay', DEFAULT_PARAMS.delay));
  if (!(delay === 0 || delay === 1)) return fail(`params.delay must be 0 (trade at the signal bar's close) or 1 (next bar), got ${delay}`, expressions);
  const params: StrategyParams = {
    delay,
    decay: Math.round(num('decay', DEFAULT_PARAMS.decay)),
    neutralization: p.neutralization === 'none' || p.neutralization === 'group' || p.neutralization === 'market' ? p.neutralization : DEFAULT_PARAMS.neutralization,
    truncation: num('truncation', DEFAULT_PARAMS.truncation),
  };
  if (!(params.decay >= 0 && params.decay <= 20)) return fail(`params.decay must be an integer in [0, 20], got ${params.decay}`, expressions);
  if (!(params.truncation > 0 && params.truncation <= 1)) return fail(`params.truncation must be in (0, 1], got ${params.truncation}`, expressions);
  // optional signal-stage parameters: kept only when given (absent -> the tester's documented defaults)
  const opt = (k: string): number | undefined => (p[k] === undefined || p[k] === null ? undefined : num(k, NaN));
  const sq = opt('signal_quantile');
  const eq = opt('exit_quantile');
  const sidesRaw = p.signal_sides;
  if (sidesRaw !== undefined && sidesRaw !== null && sidesRaw !== 'long_short' && sidesRaw !== 'long' && sidesRaw !== 'short') return fail(`params.signal_sides must be "long_short", "long" or "short", got ${JSON.stringify(sidesRaw)}`, expressions);
  const sig = { ...(sq !== undefined ? { signalQuantile: sq } : {}), ...(eq !== undefined ? { exitQuantile: eq } : {}), ...(typeof sidesRaw === 'string' ? { signalSides: sidesRaw as 'long_short' | 'long' | 'short' } : {}) };
  try {
    resolveSignalParams(sig);
  } catch (err) {
    const m = (err as Error).message.replace('signalQuantile', 'params.signal_quantile').replace('exitQuantile', 'params.exit_quantile').replace('signalSides', 'params.signal_sides');
    return fail(m, expressions);
  }
  const decision = value.decision === 'refine' ? 'refine' : 'new';
  const parentRaw = str('parent_id');
  const parentId = decision === 'refine' ? parentRaw : undefined;
  if (decision === 'refine' && !parentId) return fail('decision "refine" needs "parent_id" (the id of the hypothesis refined, e.g. "H003")', expressions);
  if (parentId && knownIds && !knownIds.has(parentId)) return fail(`parent_id "${parentId}" is not a known hypothesis id`, expressions);
  const name = str('name')!.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'hypothesis';
  return {
    ok: true,
    canonical,
    proposal: {
      name,
      category: (str('category') ?? 'other').toLowerCase(),
      rationale: str('rationale')!,
      expressions,
      expectedSign: sign,
      params: { ...params, ...sig },
      ...(parentId ? { parentId } : {}),
      decision,
      decisionReason: str('decision_reason') ?? '',
    },
  };
}
