/**
 * The research loop: propose -> test -> learn, until a strategy clears the
 * early-stop Sharpe, the iteration budget is spent, or too many consecutive
 * failures. Every step is written to the knowledge base as it happens (see
 * kb.ts for the crash-safety contract); hypotheses left open by a killed run
 * are re-tested first.
 */
import { LlmError } from '../llm/index.js';
import type { KnowledgeBase } from './kb.js';
import type { Proposer } from './proposer.js';
import type { Grammar, Hypothesis, HypothesisTester, TestOutcome } from './types.js';

/** Default research goal. */
export const DEFAULT_GOAL = 'find a profitable, robust factor';

/** Options of {@link runResearch} (the CLI's options, as an API). */
export interface ResearchLoopOptions {
  /** Research goal in words. Default {@link DEFAULT_GOAL}. */
  readonly goal?: string;
  /** Factor family to focus on (momentum, mean_reversion, volatility, volume, funding, price_action). */
  readonly category?: string;
  /** Max iterations (hypotheses tested or rejected) in this run. Default 10. */
  readonly maxIterations?: number;
  /** Stop after this many consecutive failures. Default 3. */
  readonly maxConsecutiveFailures?: number;
  /** Stop as soon as a validated hypothesis reaches this headline Sharpe. Default 1.5. */
  readonly earlyStopSharpe?: number;
  /** Refine this hypothesis (research improve H003): every iteration refines it or its best child. */
  readonly improve?: string;
  /** Re-test hypotheses left open by an interrupted run first. Default true. */
  readonly resume?: boolean;
  /** Dataset name (for the run record). */
  readonly dataset: string;
  /** Output of formatDatasetSummary (prompt input). */
  readonly datasetSummary: string;
  readonly kb: KnowledgeBase;
  readonly proposer: Proposer;
  readonly tester: HypothesisTester;
  readonly grammar: Grammar;
  /** Progress lines (default: nothing). */
  readonly log?: (line: string) => void;
  /** Abort (Ctrl-C): the loop stops at the next step, leaving the current hypothesis open for resumption (a test in flight is let finish, so it releases the database, and its result is discarded). */
  readonly signal?: AbortSignal;
}

/** One row of the progression. */
export interface IterationRecord {
  readonly iteration: number;
  readonly id: string;
  readonly name: string;
  readonly status: string;
  /** Headline Sharpe (NaN when untested). */
  readonly sharpe: number;
  /** Best validated Sharpe so far in this run (NaN before the first). */
  readonly bestSoFar: number;
  /** Test time in ms (0 when untested). */
  readonly testMs: number;
  /** Model time in ms. */
  readonly modelMs: number;
  /** Loop time excluding model time: test + knowledge base + proposal bookkeeping (ms). */
  readonly overheadMs: number;
}

/** What {@link runResearch} returns. */
export interface ResearchSummary {
  readonly runId: string;
  readonly usedLanguageModel: boolean;
  readonly provider: string;
  readonly model: string;
  /** Hypotheses tried in this run (tested or rejected before testing). */
  readonly tried: number;
  readonly tested: number;
  readonly passed: number;
  /** Ids re-tested from an interrupted run. */
  readonly resumed: readonly string[];
  readonly bestSharpe: number;
  readonly best?: Hypothesis;
  /** Folders of the strategies exported in this run. */
  readonly exported: readonly string[];
  readonly stopReason: string;
  readonly status: 'completed' | 'interrupted' | 'error';
  readonly history: readonly IterationRecord[];
  /** Total model time (ms). */
  readonly modelMs: number;
  /** Mean time per iteration excluding model time (ms). */
  readonly meanIterationMsExclModel: number;
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

/** The signal parameters a hypothesis sets explicitly, for its progress line ('' when it uses the defaults). */
function signalText(h: Hypothesis): string {
  const p = h.params;
  const parts = [p.signalQuantile !== undefined ? `q ${p.signalQuantile}` : '', p.exitQuantile !== undefined ? `exit ${p.exitQuantile}` : '', p.signalSides !== undefined ? p.signalSides : ''].filter((x) => x !== '');
  return parts.length ? ` signal ${parts.join(' ')}` : '';
}

function metricLine(m: Readonly<Record<string, number>>): string {
  return Object.entries(m)
    .filter(([, v]) => Number.isFinite(v))
    .map(([k, v]) => `${k} ${Number.isInteger(v) || Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3)}`)
    .join(', ');
}

/** What {@link runResearch}'s three steps share for one run. */
interface RunContext {
  readonly opts: ResearchLoopOptions;
  readonly runId: string;
  readonly goal: string;
  readonly maxIterations: number;
  readonly log: (line: string) => void;
}

/** The outcome of {@link proposeStep}. */
type Proposed =
  | { readonly kind: 'stop'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly hypothesis: Hypothesis; readonly failures: TestOutcome['failures']; readonly modelMs: number }
  | { readonly kind: 'hypothesis'; readonly hypothesis: Hypothesis; readonly modelMs: number };

/**
 * Step 1, propose: asks the proposer for one hypothesis and stores it, or
 * stores why it was rejected before testing (invalid expression, duplicate
 * canonical form); abandons the last hypothesis when the proposer chose a new
 * direction after a failure. A model server failure stops the run.
 * @throws Error for anything but an LlmError (knowledge-base failures).
 */
async function proposeStep(rc: RunContext, iteration: number, last: { hypothesis: Hypothesis; outcome: TestOutcome } | undefined, improve: Hypothesis | undefined): Promise<Proposed> {
  const { opts, runId, goal, log, maxIterations } = rc;
  const { kb, proposer, tester, grammar } = opts;
  let prop;
  try {
    prop = await proposer.propose({ runId, iteration, goal, category: opts.category, datasetSummary: opts.datasetSummary, fields: tester.fields, grammar, kb, ...(last ? { last } : {}), ...(improve ? { improve } : {}) });
  } catch (err) {
    if (err instanceof LlmError) {
      const reason = `model server failed: ${err.message}`;
      log(`[${iteration}/${maxIterations}] ${reason}`);
      return { kind: 'stop', reason };
    }
    throw err;
  }
  const modelMs = prop.modelMs;
  const base = { runId, iteration, provider: proposer.provider, model: proposer.model, promptVersion: proposer.promptVersion, thinking: prop.thinking, repairs: prop.repairs, modelMs };
  let rejected: Hypothesis | undefined;
  if ('error' in prop) {
    rejected = await kb.addUntested({ ...base, proposal: prop.proposal, canonical: '' }, { kind: 'invalid_expression', detail: prop.error });
  } else {
    const dup = await kb.findCanonical(prop.canonical);
    if (dup) rejected = await kb.addUntested({ ...base, proposal: prop.proposal, canonical: prop.canonical }, { kind: 'duplicate', detail: `same canonical expression as ${dup}` });
  }
  if (last && !last.outcome.pass && prop.proposal.decision === 'new') await kb.abandon(last.hypothesis.id, prop.proposal.decisionReason || 'new direction chosen');
  if (rejected) {
    const failures = await kb.failures(rejected.id);
    log(`[${iteration}/${maxIterations}] ${rejected.id} ${rejected.name}: rejected before testing: ${failures.map((f) => `${f.kind} (${f.detail})`).join('; ')}`);
    return { kind: 'rejected', hypothesis: rejected, failures, modelMs };
  }
  const h = await kb.addHypothesis({ ...base, proposal: prop.proposal, canonical: 'canonical' in prop ? prop.canonical : '' });
  const link = h.parentId ? ` (refines ${h.parentId}: ${h.decisionReason})` : h.decisionReason ? ` (${h.decisionReason})` : '';
  log(`[${iteration}/${maxIterations}] ${h.id} ${h.name} [${h.category}] ${h.expressions[0]}  delay ${h.params.delay} decay ${h.params.decay} ${h.params.neutralization}${signalText(h)}${link}${prop.repairs ? `; ${prop.repairs} repair round(s)` : ''}${modelMs ? `; model ${(modelMs / 1000).toFixed(1)} s` : ''}`);
  return { kind: 'hypothesis', hypothesis: h, modelMs };
}

/**
 * Step 2, test: marks the hypothesis testing and runs the tester (a crash is
 * an `error` failure, not a thrown error). On abort the test in flight is let
 * finish (it may hold the database) and `undefined` is returned: the
 * hypothesis stays open for the next run.
 */
async function testStep(rc: RunContext, h: Hypothesis): Promise<{ outcome: TestOutcome; testMs: number } | undefined> {
  const { opts, log } = rc;
  await opts.kb.markTesting(h.id);
  const tt = Date.now();
  const testing = opts.tester.test(h, { onProgress: (stage, m) => log(`    ${stage}: ${metricLine(m)}`) }).catch(
    (err: unknown): TestOutcome => ({ pass: false, sharpe: NaN, headline: {}, grade: '', evaluations: [], failures: [{ kind: 'error', detail: `test crashed: ${err instanceof Error ? err.message : String(err)}` }] }),
  );
  if (!opts.signal) return { outcome: await testing, testMs: Date.now() - tt };
  const abortP = new Promise<undefined>((resolve) => {
    if (opts.signal!.aborted) resolve(undefined);
    opts.signal!.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const r = await Promise.race([testing, abortP]);
  if (r !== undefined) return { outcome: r, testMs: Date.now() - tt };
  // let the test settle (it may still be reading or writing the database, which the caller
  // closes once the loop returns: closing under it crashes DuckDB); its outcome is not recorded
  log(`    (interrupt: waiting for the test of ${h.id} to release the database; its result is discarded)`);
  await testing;
  return undefined;
}

/**
 * Step 3, record: exports a passing hypothesis (an export failure turns the
 * pass into an `error` failure), writes the outcome to the knowledge base and
 * logs the verdict. Returns the stored hypothesis, the final outcome and the
 * export folder ('' when none).
 */
async function recordStep(rc: RunContext, h: Hypothesis, tested: { outcome: TestOutcome; testMs: number }): Promise<{ stored: Hypothesis; outcome: TestOutcome; path: string }> {
  const { opts, log } = rc;
  let outcome = tested.outcome;
  let path = '';
  if (outcome.pass) {
    try {
      path = await opts.tester.exportStrategy(h, outcome);
    } catch (err) {
      outcome = { ...outcome, pass: false, failures: [{ kind: 'error', detail: `export failed: ${(err as Error).message}` }] };
    }
  }
  await opts.kb.recordOutcome(h.id, outcome, tested.testMs, path);
  const stored = (await opts.kb.get(h.id))!;
  if (outcome.pass) log(`    -> validated: Sharpe ${f2(outcome.sharpe)}${outcome.grade ? `, grade ${outcome.grade}` : ''}; exported to ${path}`);
  else log(`    -> failed: ${outcome.failures.map((f) => `${f.kind} (${f.detail})`).join('; ')}`);
  return { stored, outcome, path };
}

/**
 * Runs the loop: per iteration {@link proposeStep} (or a hypothesis left open
 * by an interrupted run), {@link testStep}, {@link recordStep}, and the stop
 * rules (early-stop Sharpe, consecutive failures, iterations, abort). Never
 * throws for a bad hypothesis or a failing model server: the run ends with
 * status 'interrupted' and a stop reason instead.
 * @throws Error only for knowledge-base (DuckDB) failures.
 */
export async function runResearch(opts: ResearchLoopOptions): Promise<ResearchSummary> {
  const log = opts.log ?? (() => undefined);
  const goal = opts.goal ?? DEFAULT_GOAL;
  const maxIterations = opts.maxIterations ?? 10;
  const maxFails = opts.maxConsecutiveFailures ?? 3;
  const earlyStop = opts.earlyStopSharpe ?? 1.5;
  if (!(maxIterations >= 1)) throw new RangeError(`research: maxIterations must be >= 1, got ${maxIterations}`);
  if (!(maxFails >= 1)) throw new RangeError(`research: maxConsecutiveFailures must be >= 1, got ${maxFails}`);
  const { kb, proposer } = opts;

  if (!proposer.usesLanguageModel) {
    log('No language model: using the offline proposer (grammar templates, parameter variations, mutations of the best stored factors).');
  } else {
    log(`Proposer: ${proposer.provider} model ${proposer.model} (prompt ${proposer.promptVersion}).`);
  }
  const recovered = await kb.recoverInterrupted();
  if (recovered.runs.length) log(`Previous run(s) ${recovered.runs.join(', ')} ended without finishing; marked interrupted.`);
  const resume = opts.resume ?? true;
  const queue: Hypothesis[] = resume ? [...recovered.open] : [];
  if (queue.length) log(`Resuming ${queue.length} hypothesis(es) left open: ${queue.map((h) => h.id).join(', ')}.`);
  let improve: Hypothesis | undefined;
  if (opts.improve) {
    improve = await kb.get(opts.improve);
    if (!improve) throw new Error(`research improve: no hypothesis ${opts.improve} in the knowledge base`);
    if (improve.status === 'proposed' || improve.status === 'testing') throw new Error(`research improve: ${improve.id} has not been tested yet (${improve.status})`);
  }
  const runId = await kb.startRun({
    goal,
    category: opts.category,
    dataset: opts.dataset,
    provider: proposer.provider,
    model: proposer.model,
    options: { maxIterations, maxConsecutiveFailures: maxFails, earlyStopSharpe: earlyStop, improve: opts.improve ?? null, promptVersion: proposer.promptVersion },
  });
  log(`Run ${runId}: goal "${goal}"${opts.category ? `, category ${opts.category}` : ''}, dataset ${opts.dataset}, up to ${maxIterations} iterations, stop after ${maxFails} consecutive failures or Sharpe >= ${earlyStop}.`);
  const rc: RunContext = { opts, runId, goal, maxIterations, log };

  const history: IterationRecord[] = [];
  const exported: string[] = [];
  const resumed: string[] = [];
  let consecutive = 0;
  let tried = 0;
  let tested = 0;
  let passed = 0;
  let best: Hypothesis | undefined;
  let bestSharpe = NaN;
  let modelTotal = 0;
  let stopReason = `reached ${maxIterations} iterations`;
  let status: ResearchSummary['status'] = 'completed';
  let last: { hypothesis: Hypothesis; outcome: TestOutcome } | undefined;
  let stopped = false;

  for (let iteration = 1; iteration <= maxIterations && !stopped; iteration++) {
    if (opts.signal?.aborted === true) {
      stopReason = 'interrupted by the user';
      status = 'interrupted';
      break;
    }
    const t0 = Date.now();
    let modelMs = 0;
    let h: Hypothesis;
    const fromQueue = queue.shift();
    if (fromQueue) {
      h = fromQueue;
      resumed.push(h.id);
      log(`[${iteration}/${maxIterations}] ${h.id} ${h.name}: resuming the test interrupted earlier`);
    } else {
      const p = await proposeStep(rc, iteration, last, improve);
      if (p.kind === 'stop') {
        stopReason = p.reason;
        status = 'interrupted';
        break;
      }
      modelMs = p.modelMs;
      modelTotal += modelMs;
      tried++;
      if (p.kind === 'rejected') {
        consecutive++;
        history.push({ iteration, id: p.hypothesis.id, name: p.hypothesis.name, status: 'failed', sharpe: NaN, bestSoFar: bestSharpe, testMs: 0, modelMs, overheadMs: Date.now() - t0 - modelMs });
        last = { hypothesis: p.hypothesis, outcome: { pass: false, sharpe: NaN, headline: {}, grade: '', evaluations: [], failures: p.failures } };
        if (consecutive >= maxFails) {
          stopReason = `${consecutive} consecutive failures`;
          stopped = true;
        }
        continue;
      }
      h = p.hypothesis;
    }
    const t = await testStep(rc, h);
    if (!t) {
      stopReason = `interrupted by the user while testing ${h.id} (left open; the next run re-tests it)`;
      status = 'interrupted';
      break;
    }
    const { stored, outcome, path } = await recordStep(rc, h, t);
    tested++;
    if (outcome.pass) {
      passed++;
      consecutive = 0;
      exported.push(path);
      if (!(outcome.sharpe <= bestSharpe)) {
        bestSharpe = outcome.sharpe;
        best = stored;
      }
    } else {
      consecutive++;
    }
    history.push({ iteration, id: h.id, name: h.name, status: stored.status, sharpe: outcome.sharpe, bestSoFar: bestSharpe, testMs: t.testMs, modelMs, overheadMs: Date.now() - t0 - modelMs });
    last = { hypothesis: stored, outcome };
    if (improve && outcome.pass && !(outcome.sharpe <= improve.sharpe)) improve = stored;
    if (outcome.pass && outcome.sharpe >= earlyStop) {
      stopReason = `early stop: ${h.id} reached Sharpe ${f2(outcome.sharpe)} >= ${earlyStop}`;
      stopped = true;
    } else if (consecutive >= maxFails) {
      stopReason = `${consecutive} consecutive failures`;
      stopped = true;
    }
  }
  const iterMs = history.map((r) => r.overheadMs);
  const summary: ResearchSummary = {
    runId,
    usedLanguageModel: proposer.usesLanguageModel,
    provider: proposer.provider,
    model: proposer.model,
    tried: tried + resumed.length,
    tested,
    passed,
    resumed,
    bestSharpe,
    ...(best ? { best } : {}),
    exported,
    stopReason,
    status,
    history,
    modelMs: modelTotal,
    meanIterationMsExclModel: iterMs.length ? iterMs.reduce((a, b) => a + b, 0) / iterMs.length : NaN,
  };
  await kb.finishRun(runId, status, stopReason, {
    tried: summary.tried,
    tested,
    passed,
    bestSharpe,
    best: best?.id ?? null,
    exported,
    resumed,
    meanIterationMsExclModel: summary.meanIterationMsExclModel,
    modelMs: modelTotal,
  });
  log(formatSummaryLines(summary).join('\n'));
  return summary;
}

/** The end-of-run summary as printable lines. */
export function formatSummaryLines(s: ResearchSummary): string[] {
  return [
    `Run ${s.runId} ${s.status}: ${s.stopReason}.`,
    `  proposer: ${s.usedLanguageModel ? `${s.provider} ${s.model}` : 'offline (no language model)'}`,
    `  hypotheses tried ${s.tried}, tested ${s.tested}, passed ${s.passed}${s.resumed.length ? `, resumed ${s.resumed.join(', ')}` : ''}`,
    `  best Sharpe ${f2(s.bestSharpe)}${s.best ? ` (${s.best.id} ${s.best.name}: ${s.best.expressions[0]})` : ''}`,
    `  exported: ${s.exported.length ? s.exported.join(', ') : 'nothing'}`,
    `  time per iteration excluding the model: ${Number.isFinite(s.meanIterationMsExclModel) ? (s.meanIterationMsExclModel / 1000).toFixed(2) : 'n/a'} s; model time ${(s.modelMs / 1000).toFixed(1)} s`,
  ];
}
