import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { KnowledgeBase, DEFAULT_PARAMS, type HypothesisProposal, type TestOutcome } from '../lib/agent/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-kb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const prop = (name: string, category: string, expr: string, o: Partial<HypothesisProposal> = {}): HypothesisProposal => ({
  name, category, rationale: `why ${name}`, expressions: [expr], expectedSign: 1, params: DEFAULT_PARAMS, decision: 'new', decisionReason: '', ...o,
});
const outcome = (pass: boolean, sharpe: number, kinds: string[] = []): TestOutcome => ({
  pass, sharpe, headline: { rank_ic: sharpe / 50, turnover: 0.2 }, grade: pass ? 'A' : 'D',
  evaluations: [{ split: 'train', metrics: { sharpe: sharpe * 1.2, ic: NaN } }, { split: 'test', metrics: { sharpe } }],
  failures: kinds.map((k) => ({ kind: k as never, detail: `${k} detail` })),
});

test('knowledge base: ids survive a reopen, outcomes are written once, queries and stats', async () => {
  const path = join(dir, 'kb1.duckdb');
  let kb = await KnowledgeBase.open(await Db.open(path));
  const run = await kb.startRun({ goal: 'g', dataset: 'toy', provider: 'offline', model: 'offline-grammar' });
  assert.equal(run, 'R001');
  const base = { runId: run, provider: 'offline', model: 'offline-grammar', promptVersion: 'offline-v1' };
  const h1 = await kb.addHypothesis({ ...base, iteration: 1, proposal: prop('mom_60', 'momentum', 'ts_rank(close, 60)'), canonical: 'c1' });
  const h2 = await kb.addHypothesis({ ...base, iteration: 2, proposal: prop('rev_5', 'mean_reversion', '-delta(close, 5)'), canonical: 'c2' });
  assert.deepEqual([h1.id, h2.id], ['H001', 'H002']);
  assert.equal(h1.status, 'proposed');
  await kb.markTesting('H001');
  await kb.recordOutcome('H001', outcome(true, 1.4), 120, 'strategies/H001_mom_60');
  await assert.rejects(kb.recordOutcome('H001', outcome(true, 1.4), 1), /already has an outcome \(validated\)/);
  await assert.rejects(kb.markTesting('H001'), /cannot test it again/);
  await kb.markTesting('H002');
  await kb.recordOutcome('H002', outcome(false, -0.7, ['wrong_sign', 'unstable']), 80);
  await kb.finishRun(run, 'completed', 'done', { passed: 1 });
  kb.close();
  Db.closeAll();
  await new Promise((r) => setTimeout(r, 50));

  kb = await KnowledgeBase.open(await Db.open(path));
  const run2 = await kb.startRun({ goal: 'g', dataset: 'toy', provider: 'ollama', model: 'qwen2.5:7b' });
  assert.equal(run2, 'R002');
  const h3 = await kb.addHypothesis({ ...base, runId: run2, provider: 'ollama', model: 'qwen2.5:7b', promptVersion: 'hyp-v1', iteration: 1, proposal: prop('rev_10', 'mean_reversion', '-delta(close, 10)', { decision: 'refine', parentId: 'H002' }), canonical: 'c3', thinking: 'hmm', repairs: 1, modelMs: 900 });
  assert.equal(h3.id, 'H003');
  assert.equal(h3.parentId, 'H002');
  await kb.recordOutcome('H003', outcome(false, 0.1, ['no_predictive_power']), 50);
  const h4 = await kb.addUntested({ ...base, runId: run2, iteration: 2, proposal: prop('dup', 'momentum', 'ts_rank(close,60)'), canonical: 'c1' }, { kind: 'duplicate', detail: 'same canonical expression as H001' });
  assert.equal(h4.status, 'failed');
  await kb.abandon('H003', 'no signal, new direction');

  // stored values round-trip (NaN -> null -> NaN)
  const h1b = (await kb.get('H001'))!;
  assert.equal(h1b.status, 'validated');
  assert.equal(h1b.sharpe, 1.4);
  assert.equal(h1b.testMs, 120);
  assert.equal(h1b.strategyPath, 'strategies/H001_mom_60');
  const ev = await kb.evaluations('H001');
  assert.deepEqual(ev.map((e) => e.split), ['test', 'train']);
  assert.ok(Number.isNaN(ev[1]!.metrics.ic!));
  assert.equal(ev[1]!.metrics.sharpe, 1.4 * 1.2);
  assert.deepEqual(await kb.headline('H001'), { rank_ic: 1.4 / 50, turnover: 0.2 });
  assert.deepEqual((await kb.failures('H002')).map((f) => f.kind), ['wrong_sign', 'unstable']);

  // queries
  assert.deepEqual((await kb.search({ status: 'validated' })).map((h) => h.id), ['H001']);
  assert.deepEqual((await kb.search({ category: 'mean_reversion' })).map((h) => h.id), ['H003', 'H002']);
  assert.deepEqual((await kb.search({ text: 'DELTA(close, 1' })).map((h) => h.id), ['H003']);
  assert.deepEqual((await kb.search({ text: '50%_' })).map((h) => h.id), [], 'LIKE wildcards in the text are literal');
  assert.equal(await kb.findCanonical('c1'), 'H001');
  assert.deepEqual((await kb.best()).map((h) => h.id), ['H001']);
  assert.deepEqual((await kb.instructiveFailures(2)).map((h) => h.id), ['H002', 'H003']);
  assert.equal(await kb.trialCount(), 3);

  const st = await kb.stats();
  assert.equal(st.total, 4);
  assert.deepEqual(st.byStatus, { validated: 1, failed: 2, abandoned: 1 });
  assert.equal(st.trials, 3);
  assert.equal(st.runs, 2);
  const mom = st.byCategory.find((g) => g.key === 'momentum')!;
  assert.deepEqual([mom.tested, mom.validated, mom.successRate, mom.bestSharpe], [1, 1, 1, 1.4]);
  const mr = st.byCategory.find((g) => g.key === 'mean_reversion')!;
  assert.deepEqual([mr.tested, mr.validated, mr.successRate], [2, 0, 0]);
  const qwen = st.byModel.find((g) => g.key === 'qwen2.5:7b')!;
  assert.deepEqual([qwen.tested, qwen.validated], [1, 0]);

  const pats = await kb.failurePatterns();
  assert.deepEqual(pats.map((p) => [p.kind, p.count]), [['duplicate', 1], ['no_predictive_power', 1], ['unstable', 1], ['wrong_sign', 1]]);
  assert.deepEqual(pats.find((p) => p.kind === 'wrong_sign')!.example, { id: 'H002', expression: '-delta(close, 5)', detail: 'wrong_sign detail' });
  kb.close();
});

test('knowledge base: an unfinished run is marked interrupted and its open hypotheses returned', async () => {
  const kb = await KnowledgeBase.open(await Db.open(join(dir, 'kb2.duckdb')));
  const run = await kb.startRun({ goal: 'g', dataset: 'toy', provider: 'offline', model: 'm' });
  const base = { runId: run, provider: 'offline', model: 'm', promptVersion: 'v' };
  await kb.addHypothesis({ ...base, iteration: 1, proposal: prop('a', 'x', 'close'), canonical: 'a' });
  await kb.markTesting('H001');
  await kb.addHypothesis({ ...base, iteration: 2, proposal: prop('b', 'x', 'open'), canonical: 'b' });
  const rec = await kb.recoverInterrupted();
  assert.deepEqual(rec.runs, ['R001']);
  assert.deepEqual(rec.open.map((h) => [h.id, h.status]), [['H001', 'testing'], ['H002', 'proposed']]);
  const runs = await kb.runs();
  assert.equal(runs[0]!.status, 'interrupted');
  assert.match(runs[0]!.stopReason, /killed or crashed/);
  assert.deepEqual((await kb.recoverInterrupted()).runs, [], 'second recovery finds no running run');
  kb.close();
});
