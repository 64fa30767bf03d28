/**
 * Proposers: where hypotheses come from. {@link LlmProposer} asks a language
 * model (prompt from market knowledge, dataset summary, operators and the
 * knowledge base; answer validated against the grammar with bounded repair
 * rounds that feed the engine's message back). {@link OfflineProposer}
 * builds hypotheses without a model: templates over the operator grammar,
 * parameter variations, and mutations of the best stored factors, seeded.
 */
import { DEFAULT_LLM_LIMITS, LlmError, truncateText, type ChatUsage, type LlmLimits, type LlmProvider } from '../llm/index.js';
import { flipSign, scaleWindows, wrap, type Mutation } from '../expr/index.js';
import type { KnowledgeBase } from './kb.js';
import { FACTOR_FAMILIES, familiesFor, instantiate, type FactorTemplate } from './knowledge.js';
import { HYPOTHESIS_SCHEMA, PROMPT_VERSION, SYSTEM_PROMPT, buildPrompt, parseProposal, type KbDigestEntry } from './prompt.js';
import { deriveSeed, Rng } from '../stats/index.js';
import { DEFAULT_PARAMS, DEFAULT_SIGNAL_PARAMS, type FailureKind, type Grammar, type Hypothesis, type HypothesisProposal, type TestOutcome } from './types.js';

/** What a proposer gets for one proposal. */
export interface ProposeContext {
  readonly runId: string;
  /** Iteration in the run (1-based). */
  readonly iteration: number;
  readonly goal: string;
  readonly category?: string;
  /** Output of formatDatasetSummary. */
  readonly datasetSummary: string;
  /** Fields usable in expressions. */
  readonly fields: readonly string[];
  readonly grammar: Grammar;
  readonly kb: KnowledgeBase;
  /** The last tested hypothesis of this run and its outcome. */
  readonly last?: { readonly hypothesis: Hypothesis; readonly outcome: TestOutcome };
  /** Refine this hypothesis (research improve). */
  readonly improve?: Hypothesis;
}

/** A proposal, or why none could be produced. */
export type ProposalResult = {
  /** Model reasoning, '' if none. */
  readonly thinking: string;
  /** Repair rounds used (0 = first answer was valid). */
  readonly repairs: number;
  /** Time spent in the model (ms), 0 offline. */
  readonly modelMs: number;
} & (
  | { readonly ok: true; readonly proposal: HypothesisProposal; readonly canonical: string }
  | { readonly ok: false; readonly error: string; readonly proposal: HypothesisProposal }
);

/** A source of hypotheses. */
export interface Proposer {
  /** 'offline' or the provider name. */
  readonly provider: string;
  readonly model: string;
  readonly promptVersion: string;
  /** False for the offline proposer (the loop says so at start). */
  readonly usesLanguageModel: boolean;
  /**
   * Proposes one hypothesis.
   * @throws LlmError when the model server fails after its retries (the loop stops cleanly).
   */
  propose(ctx: ProposeContext): Promise<ProposalResult>;
}

async function digest(kb: KnowledgeBase, hs: readonly Hypothesis[]): Promise<KbDigestEntry[]> {
  const out: KbDigestEntry[] = [];
  for (const h of hs) out.push({ hypothesis: h, headline: await kb.headline(h.id), failures: await kb.failures(h.id) });
  return out;
}

/** Options of {@link LlmProposer}. */
export interface LlmProposerOptions {
  /** Repair rounds after an invalid answer (so at most 1 + maxRepairs calls). Default 2. */
  readonly maxRepairs?: number;
  /** Sampling temperature. Default 0.7. */
  readonly temperature?: number;
  /** Base seed; iteration i uses seed + i. Default 42. */
  readonly seed?: number;
  /** Context window (tokens). Default 8192. */
  readonly numCtx?: number;
  /** How many best / failed hypotheses the prompt shows. Default 5 each. */
  readonly kbItems?: number;
  /** Stored-text and repair-context limits (default {@link DEFAULT_LLM_LIMITS}; the reply size limit belongs to the provider). */
  readonly limits?: Partial<LlmLimits>;
}

/** Proposals from a language model through an {@link LlmProvider}. */
export class LlmProposer implements Proposer {
  readonly usesLanguageModel = true;
  readonly promptVersion = PROMPT_VERSION;
  constructor(
    readonly llm: LlmProvider,
    private readonly options: LlmProposerOptions = {},
  ) {}
  get provider(): string {
    return this.llm.name;
  }
  get model(): string {
    return this.llm.model;
  }

  /** @inheritdoc */
  async propose(ctx: ProposeContext): Promise<ProposalResult> {
    const n = this.options.kbItems ?? 5;
    const kb = ctx.kb;
    const prompt = buildPrompt({
      goal: ctx.goal,
      category: ctx.category,
      datasetSummary: ctx.datasetSummary,
      fields: ctx.fields,
      operators: ctx.grammar.operators(),
      best: await digest(kb, await kb.best(n)),
      failures: await digest(kb, await kb.instructiveFailures(n)),
      ...(ctx.last ? { last: ctx.last } : {}),
      ...(ctx.improve ? { improve: (await digest(kb, [ctx.improve]))[0]! } : {}),
    });
    const knownIds = new Set((await kb.all()).map((h) => h.id));
    const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: prompt },
    ];
    const maxRepairs = this.options.maxRepairs ?? 2;
    const thoughts: string[] = [];
    let modelMs = 0;
    let lastError = '';
    let lastExprs: readonly string[] = [];
    let lastJson: unknown;
    const limits = { ...DEFAULT_LLM_LIMITS, ...this.options.limits };
    const keep = (text: string): string => truncateText(text, limits.maxStoredChars);
    const logCall = (round: number, ms: number, raw: string, thinking: string, error: string, usage?: ChatUsage): Promise<void> =>
      kb.logModelCall({ runId: ctx.runId, iteration: ctx.iteration, round, provider: this.provider, model: this.model, promptVersion: this.promptVersion, ms, raw: keep(raw), thinking: keep(thinking), error: keep(error), ...(usage ? { usage: { ...usage } } : {}) });
    for (let round = 0; round <= maxRepairs; round++) {
      // Every attempt is recorded: retried failures as they happen, the last failure before it propagates.
      const failed: { attempt: number; error: LlmError; ms: number }[] = [];
      const t0 = Date.now();
      let tLast = t0;
      let res;
      try {
        res = await this.llm.chat({
          messages,
          schema: HYPOTHESIS_SCHEMA as unknown as Record<string, unknown>,
          temperature: this.options.temperature ?? 0.7,
          seed: (this.options.seed ?? 42) + ctx.iteration * 10 + round,
          numCtx: this.options.numCtx ?? 8192,
          onRetry: (error, attempt) => {
            const now = Date.now();
            failed.push({ attempt, error, ms: now - tLast });
            tLast = now;
          },
        });
      } catch (err) {
        for (const f of failed) await logCall(round, f.ms, '', '', `attempt ${f.attempt} failed (${f.error.code}, retried): ${f.error.message}`);
        const e = err instanceof LlmError ? `${err.code}: ${err.message}` : (err as Error).message;
        await logCall(round, Date.now() - tLast, '', '', `attempt ${failed.length + 1} failed: ${e}`);
        throw err;
      }
      for (const f of failed) await logCall(round, f.ms, '', '', `attempt ${f.attempt} failed (${f.error.code}, retried): ${f.error.message}`);
      modelMs += res.durationMs;
      if (res.thinking) thoughts.push(res.thinking);
      let error = '';
      let parsed: ReturnType<typeof parseProposal> | undefined;
      if (res.json === undefined) {
        error = `Your answer was not valid JSON (${res.jsonError ?? 'no JSON found'}). Answer again with only the JSON object.`;
      } else {
        lastJson = res.json;
        parsed = parseProposal(res.json, ctx.grammar, ctx.fields, knownIds);
        if ('error' in parsed) {
          lastExprs = parsed.expressions;
          error = `Your hypothesis was rejected: ${parsed.error}. Fix it and answer again with the full JSON object.`;
        } else if (ctx.improve && parsed.proposal.parentId !== ctx.improve.id) {
          lastExprs = parsed.proposal.expressions;
          error = `This task refines ${ctx.improve.id}: set "decision" to "refine" and "parent_id" to "${ctx.improve.id}", and answer again with the full JSON object.`;
          parsed = undefined;
        }
      }
      await logCall(round, res.durationMs, res.raw, res.thinking, error, res.usage);
      if (parsed && 'canonical' in parsed) {
        return { ok: true, proposal: parsed.proposal, canonical: parsed.canonical, thinking: keep(thoughts.join('\n\n')), repairs: round, modelMs };
      }
      lastError = error;
      // The repair round quotes a bounded part of the previous answer, not all of it.
      messages.push({ role: 'assistant', content: truncateText(res.raw, limits.maxRepairChars) }, { role: 'user', content: error });
    }
    // repairs exhausted: keep what the model said for the record
    const j = (typeof lastJson === 'object' && lastJson !== null ? lastJson : {}) as Record<string, unknown>;
    const proposal: HypothesisProposal = {
      name: typeof j.name === 'string' && j.name ? j.name.slice(0, 60) : 'invalid_answer',
      category: typeof j.category === 'string' && j.category ? j.category : ctx.category ?? 'other',
      rationale: typeof j.rationale === 'string' ? j.rationale : '',
      expressions: lastExprs.length ? lastExprs : [''],
      expectedSign: j.expected_sign === -1 ? -1 : 1,
      params: DEFAULT_PARAMS,
      decision: 'new',
      decisionReason: typeof j.decision_reason === 'string' ? j.decision_reason : '',
    };
    return { ok: false, error: truncateText(`no valid hypothesis after ${maxRepairs} repair rounds; last: ${lastError}`, limits.maxStoredChars), proposal, thinking: keep(thoughts.join('\n\n')), repairs: maxRepairs, modelMs };
  }
}

/** Options of {@link OfflineProposer}. */
export interface OfflineProposerOptions {
  /** Base seed. Default 7. */
  readonly seed?: number;
  /** Max refinements along one parent chain before trying a new direction. Default 2. */
  readonly maxChain?: number;
  /** Probability of mutating the best stored factor when starting a new direction. Default 0.3. */
  readonly mutateBestProb?: number;
}

/**
 * Hypotheses without a language model: templates over the operator grammar
 * (see FACTOR_FAMILIES), parameter variations (windows, decay, delay) and
 * mutations of the best stored factors. Deterministic for a given seed and
 * knowledge-base content. Every candidate is validated against the grammar
 * and skipped when its canonical form is already stored.
 */
export class OfflineProposer implements Proposer {
  readonly provider = 'offline';
  readonly model = 'offline-grammar';
  readonly promptVersion = 'offline-v1';
  readonly usesLanguageModel = false;
  constructor(private readonly options: OfflineProposerOptions = {}) {}

  /** @inheritdoc */
  async propose(ctx: ProposeContext): Promise<ProposalResult> {
    const all = await ctx.kb.all();
    const known = new Set(all.map((h) => h.canonical));
    // one stream per (seed, knowledge-base size, iteration): a resumed search draws what an uninterrupted one would
    const rng = new Rng(deriveSeed(this.options.seed ?? 7, all.length, ctx.iteration));
    const valid = (expr: string) => {
      const r = ctx.grammar.validate(expr, ctx.fields);
      return 'canonical' in r && !known.has(r.canonical) ? r.canonical : undefined;
    };
    const done = (proposal: HypothesisProposal, canonical: string): ProposalResult => ({ ok: true, proposal, canonical, thinking: '', repairs: 0, modelMs: 0 });

    // 1. refine: forced (improve) or chosen from the last outcome
    const parent = ctx.improve ?? (ctx.last ? ctx.last.hypothesis : undefined);
    const outcome = ctx.improve ? undefined : ctx.last?.outcome;
    if (parent) {
      const depth = await chainDepth(ctx.kb, parent);
      const kinds = new Set<FailureKind>((outcome?.failures ?? (await ctx.kb.failures(parent.id))).map((f) => f.kind));
      // refine near misses only: a pass, or a fixable failure with some signal (not "no predictive power", not a duplicate, not a degenerate factor)
      const nearMiss = !kinds.has('no_predictive_power') && !kinds.has('duplicate') && !kinds.has('invalid_expression') && !kinds.has('degenerate_signal') && (kinds.has('wrong_sign') || kinds.has('high_turnover') || kinds.has('overfit') || kinds.has('unstable'));
      const refinable = ctx.improve !== undefined || (depth < (this.options.maxChain ?? 2) && (outcome?.pass === true || nearMiss));
      if (refinable) {
        for (const cand of refinements(parent, kinds, rng)) {
          const c = valid(cand.expressions[0]!);
          if (c) return done({ ...cand, parentId: parent.id, decision: 'refine' }, c);
        }
      }
    }
    const abandonReason = parent && outcome && !outcome.pass ? `abandon ${parent.id}: ${outcome.failures.map((f) => f.kind).join(', ') || 'failed'}; try a new direction` : 'new direction';

    // 2. mutate the best stored factor (sometimes)
    if (rng.random() < (this.options.mutateBestProb ?? 0.3)) {
      const best = (await ctx.kb.bestTested(3)).filter((h) => h.sharpe > 0);
      if (best.length) {
        const b = rng.pick(best);
        for (const cand of refinements(b, new Set(), rng)) {
          const c = valid(cand.expressions[0]!);
          if (c) return done({ ...cand, parentId: b.id, decision: 'refine', decisionReason: `mutation of the best stored factor ${b.id} (Sharpe ${b.sharpe.toFixed(2)}); ${abandonReason}` }, c);
        }
      }
    }

    // 3. a new template instance from the category's families, untried first
    const families = familiesFor(ctx.category);
    const usable: { family: (typeof FACTOR_FAMILIES)[number]; t: FactorTemplate }[] = [];
    for (const f of families) for (const t of f.templates) if (t.fields.every((x) => ctx.fields.includes(x))) usable.push({ family: f, t });
    // untried templates first, and among them the least explored families (diversify after abandoning a direction)
    const usedTemplates = new Set(all.map((h) => h.name.split('_')[0]));
    const perCategory = new Map<string, number>();
    for (const h of all) perCategory.set(h.category, (perCategory.get(h.category) ?? 0) + 1);
    const key = (u: (typeof usable)[number]) => Number(usedTemplates.has(u.t.id)) * 1e6 + (perCategory.get(u.family.category) ?? 0);
    const order = rng.shuffle(usable).sort((a, b) => key(a) - key(b));
    for (const { family, t } of order) {
      for (const n of rng.shuffle([...t.windows])) {
        const m = t.windows2 ? rng.pick(t.windows2) : undefined;
        const expr = instantiate(t, n, m);
        const c = valid(expr);
        if (!c) continue;
        const decay = rng.pick([0, 0, 3, 5]);
        return done(
          {
            name: `${t.id}_${n}${m !== undefined ? `_${m}` : ''}`,
            category: family.category,
            rationale: family.rationale,
            expressions: [expr],
            expectedSign: t.expectedSign,
            params: { ...DEFAULT_PARAMS, decay },
            decision: 'new',
            decisionReason: abandonReason,
          },
          c,
        );
      }
    }
    // 4. nothing new left that the grammar accepts
    const tried = usable.length ? usable.map((u) => u.t.id).join(', ') : 'none usable on these fields';
    return {
      ok: false,
      error: `offline proposer: no untried template instance or mutation validates against the grammar (templates: ${tried})`,
      proposal: { name: 'exhausted', category: ctx.category ?? 'other', rationale: '', expressions: [''], expectedSign: 1, params: DEFAULT_PARAMS, decision: 'new', decisionReason: 'search space exhausted' },
      thinking: '',
      repairs: 0,
      modelMs: 0,
    };
  }
}

/** Number of ancestors of a hypothesis (0 for a root). */
async function chainDepth(kb: KnowledgeBase, h: Hypothesis): Promise<number> {
  let d = 0;
  let cur: Hypothesis | undefined = h;
  while (cur?.parentId && d < 50) {
    cur = await kb.get(cur.parentId);
    d++;
  }
  return d;
}

/** Candidate refinements of a hypothesis for the given failure kinds, most targeted first. */
function refinements(h: Hypothesis, kinds: ReadonlySet<FailureKind>, rng: Rng): HypothesisProposal[] {
  const base = { category: h.category, rationale: h.rationale, expectedSign: h.expectedSign, params: h.params, decision: 'refine' as const };
  const expr = h.expressions[0]!;
  const out: HypothesisProposal[] = [];
  const stem = h.name.replace(/_(flip|slow|fast|dec\d+|d\d+)$/g, '');
  // AST mutations (lib/expr mutate.ts): a mutation that does not apply adds no candidate
  const add = (m: Mutation, p: Omit<HypothesisProposal, 'expressions' | keyof typeof base> & Partial<typeof base>) => {
    if (m.ok) out.push({ ...base, ...p, expressions: [m.canonical] });
  };
  if (kinds.has('wrong_sign')) {
    add(flipSign(expr), { name: `${stem}_flip`, decisionReason: `refine ${h.id}: the IC had the opposite sign, so flip the expression` });
  }
  if (kinds.has('high_turnover')) {
    const decay = Math.min(20, Math.max(3, h.params.decay * 2 || 5));
    // the signal stage trades less with an exit band twice the entry quantile (hysteresis)
    const q = h.params.signalQuantile ?? DEFAULT_SIGNAL_PARAMS.quantile;
    const exitQuantile = Math.min(0.5, Math.max(h.params.exitQuantile ?? q, 2 * q));
    add(scaleWindows(expr, 2), { name: `${stem}_slow`, params: { ...h.params, decay, exitQuantile }, decisionReason: `refine ${h.id}: turnover/costs too high, so lengthen windows, decay ${decay} and hold signals until they leave the top/bottom ${Math.round(exitQuantile * 100)}%` });
  }
  if (kinds.has('overfit') || kinds.has('unstable')) {
    add(scaleWindows(expr, 2), { name: `${stem}_slow`, decisionReason: `refine ${h.id}: unstable out of sample, so use longer, smoother windows` });
  }
  const factors = rng.shuffle([0.5, 0.75, 1.5, 2]);
  for (const f of factors) add(scaleWindows(expr, f), { name: `${stem}_${f < 1 ? 'fast' : 'slow'}`, decisionReason: `refine ${h.id}: vary lookback windows x${f}` });
  const decays = [3, 5, 10].filter((d) => d !== h.params.decay);
  for (const d of decays) {
    // same expression, new settings: changes the trade, not the canonical factor; wrap to keep canonical distinct
    add(wrap(expr, 'decay_linear', d), { name: `${stem}_dec${d}`, decisionReason: `refine ${h.id}: smooth the signal with a ${d}-bar linear decay` });
  }
  add(wrap(expr, 'rank'), { name: `${stem}_rank`, decisionReason: `refine ${h.id}: rank the signal cross-sectionally to damp outliers` });
  return out;
}
