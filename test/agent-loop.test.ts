import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { OllamaProvider } from '../lib/llm/index.js';
import {
  KnowledgeBase, LlmProposer, OfflineProposer, runResearch, exprGrammar, PROMPT_VERSION,
  type Hypothesis, type HypothesisTester, type TestOutcome, type FailureKind,
} from '../lib/agent/index.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { flipSign, scaleWindows } from '../lib/expr/index.js';

const grammar = exprGrammar();
const FIELDS = ['open', 'high', 'low', 'close', 'volume'];

/** A tester whose outcome is a rule of the expression; records every call. */
class FakeTester implements HypothesisTester {
  readonly fields = FIELDS;
  readonly calls: string[] = [];
  readonly exported: string[] = [];
  constructor(private readonly rule: (h: Hypothesis) => { pass: boolean; sharpe: number; kind?: FailureKind }) {}
  async test(h: Hypothesis): Promise<TestOutcome> {
    this.calls.push(h.id);
    const r = this.rule(h);
    return {
      pass: r.pass,
      sharpe: r.sharpe,
      headline: { rank_ic: r.sharpe / 100, turnover: 0.1 },
      grade: r.pass ? 'A' : 'D',
      evaluations: [
        { split: 'train', metrics: { sharpe: r.sharpe + 0.1 } },
        { split: 'test', metrics: { sharpe: r.sharpe, ic: NaN } },
      ],
      failures: r.pass ? [] : [{ kind: r.kind ?? 'no_predictive_power', detail: `fake: sharpe ${r.sharpe}` }],
    };
  }
  async exportStrategy(h: Hypothesis): Promise<string> {
    this.exported.push(h.id);
    return `strategies/${h.id}_${h.name}`;
  }
}

const dirs: string[] = [];
async function freshKb(): Promise<KnowledgeBase> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-loop-'));
  dirs.push(dir);
  return KnowledgeBase.open(await Db.open(join(dir, 'kb.duckdb')));
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function checkConsistency(kb: KnowledgeBase, tester: FakeTester): Promise<void> {
  const all = await kb.all();
  const ids = all.map((h) => h.id);
  assert.deepEqual(ids, ids.map((_, i) => `H${String(i + 1).padStart(3, '0')}`), 'ids sequential, none reused');
  const tested = all.filter((h) => Number.isFinite(h.testMs));
  assert.deepEqual(tested.map((h) => h.id).sort(), [...new Set(tester.calls)].sort(), 'every tested hypothesis has exactly one outcome, every outcome was tested');
  for (const h of tested) assert.equal((await kb.evaluations(h.id)).length, 2);
  for (const h of all.filter((x) => !Number.isFinite(x.testMs))) assert.equal((await kb.evaluations(h.id)).length, 0);
  assert.equal(await kb.trialCount(), tested.length);
}

test('offline loop: stops early on a strategy above the early-stop Sharpe, exports it, KB holds exactly the trials', async () => {
  const kb = await freshKb();
  const tester = new FakeTester((h) => (h.expressions[0]!.includes('ts_corr') ? { pass: true, sharpe: 2.1 } : { pass: false, sharpe: 0.1 }));
  const lines: string[] = [];
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 1 }), tester, grammar, category: 'volume', maxIterations: 10, maxConsecutiveFailures: 10, log: (l) => lines.push(l) });
  assert.match(lines[0]!, /No language model: using the offline proposer/);
  assert.equal(s.usedLanguageModel, false);
  assert.match(s.stopReason, /early stop/);
  assert.equal(s.passed, 1);
  assert.equal(s.bestSharpe, 2.1);
  assert.deepEqual(s.exported, [`strategies/${s.best!.id}_${s.best!.name}`]);
  assert.deepEqual(tester.exported, [s.best!.id]);
  const stored = await kb.get(s.best!.id);
  assert.equal(stored!.status, 'validated');
  assert.equal(stored!.strategyPath, s.exported[0]);
  assert.equal(s.tested, tester.calls.length);
  assert.equal(s.history.length, s.tried);
  assert.ok(s.history.every((r) => r.overheadMs >= r.testMs));
  await checkConsistency(kb, tester);
  const runs = await kb.runs();
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.status, 'completed');
  assert.equal(runs[0]!.summary.passed, 1);
  kb.close();
});

test('offline loop: stops after max consecutive failures; wrong sign is refined (flipped) with a parent link', async () => {
  const kb = await freshKb();
  const tester = new FakeTester(() => ({ pass: false, sharpe: -0.8, kind: 'wrong_sign' }));
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 3, mutateBestProb: 0 }), tester, grammar, maxIterations: 10, maxConsecutiveFailures: 3 });
  assert.equal(s.stopReason, '3 consecutive failures');
  assert.equal(s.tested, 3);
  const all = await kb.all();
  assert.equal(all.length, 3);
  assert.equal(all[1]!.parentId, 'H001');
  assert.equal(all[1]!.decision, 'refine');
  assert.match(all[1]!.decisionReason, /opposite sign/);
  assert.equal(all[1]!.expressions[0], flipSign(all[0]!.expressions[0]!).canonical);
  assert.notEqual(all[1]!.canonical, all[0]!.canonical);
  assert.deepEqual((await kb.failurePatterns()).map((p) => [p.kind, p.count]), [['wrong_sign', 3]]);
  await checkConsistency(kb, tester);
  kb.close();
});

test('offline loop: a high-turnover failure is refined with longer windows, decay and a wider signal exit band; the progress line shows it', async () => {
  const kb = await freshKb();
  const tester = new FakeTester(() => ({ pass: false, sharpe: 0.2, kind: 'high_turnover' }));
  const lines: string[] = [];
  await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 3, mutateBestProb: 0 }), tester, grammar, maxIterations: 2, maxConsecutiveFailures: 5, log: (l) => lines.push(l) });
  const [h1, h2] = await kb.all();
  assert.equal(h2!.parentId, h1!.id);
  assert.equal(h2!.expressions[0], scaleWindows(h1!.expressions[0]!, 2).canonical);
  assert.equal(h1!.params.exitQuantile, undefined, 'a new hypothesis leaves the signal parameters to the tester defaults');
  assert.equal(h2!.params.exitQuantile, 0.4, 'twice the default quintile');
  assert.equal(h2!.params.decay, Math.min(20, Math.max(3, h1!.params.decay * 2 || 5)));
  assert.match(h2!.decisionReason, /hold signals until they leave the top\/bottom 40%/);
  assert.ok(lines.some((l) => l.startsWith(`[2/2] ${h2!.id} `) && l.includes(` market signal exit 0.4 (refines ${h1!.id}`)), lines.join('\n'));
  assert.ok(!lines.find((l) => l.startsWith(`[1/2] ${h1!.id} `))!.includes(' signal '));
  kb.close();
});

test('offline proposer is deterministic for a seed and never proposes a stored canonical form', async () => {
  const names: string[][] = [];
  for (let k = 0; k < 2; k++) {
    const kb = await freshKb();
    const tester = new FakeTester(() => ({ pass: false, sharpe: 0 }));
    await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 11 }), tester, grammar, maxIterations: 8, maxConsecutiveFailures: 8 });
    const all = await kb.all();
    names.push(all.map((h) => h.expressions[0]!));
    assert.equal(new Set(all.map((h) => h.canonical)).size, all.length);
    assert.ok(all.every((h) => grammar.validate(h.expressions[0]!, FIELDS).ok));
    kb.close();
  }
  assert.deepEqual(names[0], names[1]);
  assert.equal(names[0]!.length, 8);
});

test('improve: every hypothesis of the run refines the given one (or its validated child)', async () => {
  const kb = await freshKb();
  const t1 = new FakeTester(() => ({ pass: true, sharpe: 0.8 }));
  await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 2 }), tester: t1, grammar, maxIterations: 1 });
  const tester = new FakeTester((h) => ({ pass: true, sharpe: 0.8 + 0.1 * Number(h.id.slice(1)) }));
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 2 }), tester, grammar, maxIterations: 3, improve: 'H001', earlyStopSharpe: 10 });
  const all = await kb.all();
  assert.equal(all.length, 4);
  assert.deepEqual(all.slice(1).map((h) => h.parentId), ['H001', 'H002', 'H003']);
  assert.equal(s.passed, 3);
  await assert.rejects(runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer(), tester, grammar, improve: 'H099' }), /no hypothesis H099/);
  kb.close();
});

// ---- the LLM path through the real ollama client and the scripted server ----

let fake: FakeOllama;
let host: string;
before(async () => {
  fake = new FakeOllama({ models: ['qwen2.5:7b', 'deepseek-r1:8b'] });
  host = await fake.start();
});
after(async () => fake.stop());

const answer = (o: Record<string, unknown>) =>
  JSON.stringify({ decision: 'new', decision_reason: 'first idea', parent_id: null, name: 'pv_corr', category: 'volume', rationale: 'price-volume divergence reverts', expressions: ['-ts_corr(rank(close), rank(volume), 10)'], expected_sign: 1, params: { delay: 1, decay: 3, neutralization: 'market', truncation: 0.05 }, ...o });

function llmProposer(model = 'deepseek-r1:8b', retry = { retries: 2, baseMs: 1, maxMs: 2 }, timeoutMs = 2000) {
  return new LlmProposer(new OllamaProvider({ host, model, retry, timeoutMs }), { maxRepairs: 2, seed: 5 });
}

test('llm loop: <think> kept, malformed JSON and an invalid expression repaired with the engine message, refine links parent', async () => {
  const kb = await freshKb();
  fake.script.length = 0;
  fake.requests.length = 0;
  fake.script.push(
    { content: `<think>volume confirms price moves</think>\n${answer({})}` },
    { content: '{"decision": "refine", "name": "pv_corr_slow",' },
    { content: answer({ decision: 'refine', parent_id: 'H001', decision_reason: 'wrong sign: flip', name: 'pv_corr_flip', expressions: ['ts_corr(rank(close), rank(volume), ts_std_dev)'] }) },
    { content: `<think>use ts_corr properly</think>${answer({ decision: 'refine', parent_id: 'H001', decision_reason: 'wrong sign: flip', name: 'pv_corr_flip', expressions: ['ts_corr(rank(close), rank(volume), 10)'] })}` },
  );
  const tester = new FakeTester((h) => (h.name === 'pv_corr' ? { pass: false, sharpe: -1.1, kind: 'wrong_sign' } : { pass: true, sharpe: 1.9 }));
  const lines: string[] = [];
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy data', kb, proposer: llmProposer(), tester, grammar, maxIterations: 5, log: (l) => lines.push(l) });
  assert.match(lines[0]!, /Proposer: ollama model deepseek-r1:8b/);
  assert.match(s.stopReason, /early stop: H002/);
  const [h1, h2] = await kb.all();
  assert.equal(h1!.status, 'failed');
  assert.equal(h1!.thinking, 'volume confirms price moves');
  assert.equal(h2!.status, 'validated');
  assert.equal(h2!.parentId, 'H001');
  assert.equal(h2!.repairs, 2);
  assert.equal(h2!.thinking, 'use ts_corr properly');
  assert.equal(h2!.model, 'deepseek-r1:8b');
  assert.equal(h2!.promptVersion, PROMPT_VERSION);
  assert.equal(PROMPT_VERSION, 'hyp-v2', 'v2: the prompt describes the signal stage and its optional params');
  // what went back to the model
  const reqs = fake.chatRequests().map((r) => r.body as { messages: { role: string; content: string }[]; format: unknown; options: Record<string, unknown> });
  assert.equal(reqs.length, 4);
  assert.ok(reqs.every((r) => typeof r.format === 'object'));
  const repair1 = reqs[2]!.messages.at(-1)!.content;
  assert.match(repair1, /not valid JSON/);
  const repair2 = reqs[3]!.messages.at(-1)!.content;
  assert.match(repair2, /expression 1 `ts_corr\(rank\(close\), rank\(volume\), ts_std_dev\)` is invalid/);
  assert.equal(reqs[3]!.messages.length, 6, 'system, user, then two assistant/user repair pairs');
  assert.match(reqs[1]!.messages[1]!.content, /H001 pv_corr .*wrong_sign/s, 'second prompt shows the last result');
  assert.equal(await kb.modelCallCount(), 4);
  await checkConsistency(kb, tester);
  kb.close();
});

test('llm loop: repairs exhausted -> invalid_expression recorded, not tested; loop goes on', async () => {
  const kb = await freshKb();
  fake.script.length = 0;
  fake.requests.length = 0;
  const bad = answer({ expressions: ['rank(funding_rate)'] });
  fake.script.push({ content: bad }, { content: bad }, { content: bad }, { content: answer({}) });
  const tester = new FakeTester(() => ({ pass: true, sharpe: 2 }));
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: llmProposer(), tester, grammar, maxIterations: 3 });
  const all = await kb.all();
  assert.equal(all.length, 2);
  assert.equal(all[0]!.status, 'abandoned', 'failed, then the model chose a new direction');
  assert.deepEqual((await kb.failures('H001')).map((f) => f.kind), ['invalid_expression']);
  assert.match((await kb.failures('H001'))[0]!.detail, /unknown field funding_rate/);
  assert.equal(all[1]!.status, 'validated');
  assert.deepEqual(tester.calls, ['H002']);
  assert.equal(s.tried, 2);
  await checkConsistency(kb, tester);
  kb.close();
});

test('llm loop: a duplicate of a stored factor is recorded as duplicate without testing', async () => {
  const kb = await freshKb();
  fake.script.length = 0;
  fake.script.push({ content: answer({}) }, { content: answer({ name: 'same_again', expressions: ['-ts_corr( rank(close),rank(volume) ,10 )'] }) });
  const tester = new FakeTester(() => ({ pass: false, sharpe: 0.2 }));
  await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: llmProposer(), tester, grammar, maxIterations: 2, maxConsecutiveFailures: 5 });
  assert.deepEqual(tester.calls, ['H001']);
  assert.deepEqual(await kb.failures('H002'), [{ kind: 'duplicate', detail: 'same canonical expression as H001' }]);
  await checkConsistency(kb, tester);
  kb.close();
});

test('llm loop: 500s and a timeout mid-loop are retried; when retries run out the run stops cleanly with nothing half-recorded', async () => {
  const kb = await freshKb();
  fake.script.length = 0;
  fake.requests.length = 0;
  fake.script.push(
    { content: answer({}) },
    { status: 500, error: 'llama runner process has terminated' },
    { hang: true },
    { content: answer({ name: 'v2', expressions: ['-ts_corr(rank(close), rank(volume), 20)'] }) },
    { status: 500, error: 'out of memory' },
    { status: 500, error: 'out of memory' },
    { status: 500, error: 'out of memory' },
  );
  const tester = new FakeTester(() => ({ pass: false, sharpe: 0.3 }));
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: llmProposer('deepseek-r1:8b', { retries: 2, baseMs: 1, maxMs: 2 }, 300), tester, grammar, maxIterations: 10, maxConsecutiveFailures: 10 });
  assert.equal(s.status, 'interrupted');
  assert.match(s.stopReason, /model server failed: .*HTTP 500: out of memory/);
  assert.equal(fake.chatRequests().length, 7);
  assert.deepEqual((await kb.all()).map((h) => [h.id, h.status]), [['H001', 'abandoned'], ['H002', 'failed']]);
  assert.deepEqual(tester.calls, ['H001', 'H002']);
  const runs = await kb.runs();
  assert.equal(runs[0]!.status, 'interrupted');
  assert.match(runs[0]!.stopReason, /out of memory/);
  await checkConsistency(kb, tester);
  kb.close();
});

test('llm loop: an unknown model stops at once with the ollama pull command; nothing recorded', async () => {
  const kb = await freshKb();
  fake.requests.length = 0;
  const tester = new FakeTester(() => ({ pass: true, sharpe: 3 }));
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: llmProposer('llama3.1:70b'), tester, grammar, maxIterations: 3 });
  assert.equal(s.status, 'interrupted');
  assert.match(s.stopReason, /ollama pull llama3\.1:70b/);
  assert.equal((await kb.all()).length, 0);
  assert.equal(tester.calls.length, 0);
  assert.equal(fake.chatRequests().length, 1, 'a missing model is not retried');
  kb.close();
});

test('llm improve: an answer that does not refine the given hypothesis is sent back once', async () => {
  const kb = await freshKb();
  const t1 = new FakeTester(() => ({ pass: true, sharpe: 0.9 }));
  await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 2 }), tester: t1, grammar, maxIterations: 1 });
  fake.script.length = 0;
  fake.requests.length = 0;
  fake.script.push(
    { content: answer({ name: 'other', expressions: ['rank(volume)'] }) },
    { content: answer({ decision: 'refine', parent_id: 'H001', decision_reason: 'slower', name: 'h1_slow', expressions: ['decay_linear(rank(close), 10)'] }) },
  );
  const tester = new FakeTester(() => ({ pass: true, sharpe: 1.1 }));
  await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: llmProposer(), tester, grammar, maxIterations: 1, improve: 'H001' });
  const reqs = fake.chatRequests().map((r) => r.body as { messages: { content: string }[] });
  assert.match(reqs[0]!.messages[1]!.content, /Refine H001/);
  assert.match(reqs[1]!.messages.at(-1)!.content, /This task refines H001: set "decision" to "refine" and "parent_id" to "H001"/);
  const h2 = (await kb.get('H002'))!;
  assert.equal(h2.parentId, 'H001');
  assert.equal(h2.repairs, 1);
  kb.close();
});
