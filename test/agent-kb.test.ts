import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { KnowledgeBase, kbStrategiesDir, KB_SCHEMA_VERSION, DEFAULT_PARAMS, type HypothesisProposal, type SignalStage, type TestOutcome } from '../lib/agent/index.js';

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

/** A signal stage as the engine tester returns it (profit factor Infinity: no losing trade). */
const stage = (pass: boolean): SignalStage => ({
  params: { quantile: 0.2, exitQuantile: 0.4, sides: 'long_short' },
  fill: 'nextOpen',
  costBps: 5,
  range: { start: 1000, end: 1259 },
  thresholds: { minTrades: 30, minWinRate: 0.4, minProfitFactor: 1, signalsPer1000Bars: [1, 500] },
  pass,
  reasons: pass ? [] : ['profit factor 0.870 not above 1'],
  test: { nTrades: 812, winRate: pass ? 0.61 : 0.47, profitFactor: pass ? Infinity : 0.87, expectancy: 0.0012, signalsPer1000Bars: 394.5, grossWinRate: 0.63, grossProfitFactor: 1.4, grossExpectancy: 0.0022, grossExpectancyT: 2.4, sharpe: 1.1, totalReturn: 0.05, turnover: 0.11, avgHoldingBars: 8.5, exposure: 0.99 },
  full: { nTrades: 4000, winRate: 0.5, profitFactor: 1.02, expectancy: 0.0001, signalsPer1000Bars: 395, grossWinRate: 0.52, grossProfitFactor: 1.1, grossExpectancy: 0.0011, grossExpectancyT: NaN, sharpe: 0.2, totalReturn: 0.04, turnover: 0.1, avgHoldingBars: 8, exposure: 0.98 },
});

test('knowledge base: the signal stage is stored (JSON and query columns) and read back', async () => {
  const kb = await KnowledgeBase.open(await Db.open(join(dir, 'kb3.duckdb')));
  assert.equal(await kb.schemaVersion(), KB_SCHEMA_VERSION);
  const run = await kb.startRun({ goal: 'g', dataset: 'toy', provider: 'offline', model: 'm' });
  const base = { runId: run, provider: 'offline', model: 'm', promptVersion: 'v' };
  for (const [i, pass] of [[1, true], [2, false]] as const) {
    const h = await kb.addHypothesis({ ...base, iteration: i, proposal: prop(`s${i}`, 'momentum', `ts_rank(close, ${i})`), canonical: `s${i}` });
    await kb.markTesting(h.id);
    await kb.recordOutcome(h.id, { ...outcome(pass, pass ? 1.2 : -0.3), signal: stage(pass) }, 10);
  }
  const h3 = await kb.addHypothesis({ ...base, iteration: 3, proposal: prop('nosig', 'momentum', 'close'), canonical: 'n3' });
  await kb.recordOutcome(h3.id, outcome(false, 0.1, ['error']), 5); // a tester without a signal stage
  assert.deepEqual(await kb.signalStage('H001'), stage(true), 'round trip incl. Infinity and NaN');
  assert.equal((await kb.signalStage('H001'))!.test.profitFactor, Infinity);
  assert.equal(await kb.signalStage('H003'), undefined);
  assert.deepEqual(await kb.signalTable(), [
    { id: 'H001', name: 's1', status: 'validated', pass: true, trades: 812, winRate: 0.61, profitFactor: Infinity, expectancy: 0.0012, signalsPer1000Bars: 394.5 },
    { id: 'H002', name: 's2', status: 'failed', pass: false, trades: 812, winRate: 0.47, profitFactor: 0.87, expectancy: 0.0012, signalsPer1000Bars: 394.5 },
  ]);
  const row = await kb.db.one(`SELECT signal_pass, signal_trades, signal_profit_factor FROM kb_hypotheses WHERE id = 'H002'`);
  assert.deepEqual({ ...row }, { signal_pass: false, signal_trades: 812, signal_profit_factor: 0.87 });
  kb.close();
});

test('knowledge base: a database written before the signal stage is migrated on open, old rows intact', async () => {
  const path = join(dir, 'kb-v1.duckdb');
  // the version-1 schema and one tested hypothesis, as the previous code wrote them
  const old = await Db.open(path);
  await old.exec(`
    CREATE TABLE kb_runs (run_id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL, started_ms DOUBLE NOT NULL, finished_ms DOUBLE, status VARCHAR NOT NULL, goal VARCHAR, category VARCHAR, dataset VARCHAR, provider VARCHAR, model VARCHAR, options VARCHAR, stop_reason VARCHAR, summary VARCHAR);
    CREATE TABLE kb_hypotheses (id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, run_id VARCHAR NOT NULL, iteration INTEGER NOT NULL, name VARCHAR NOT NULL, category VARCHAR NOT NULL, rationale VARCHAR NOT NULL, expressions VARCHAR NOT NULL,
      canonical VARCHAR NOT NULL, expected_sign INTEGER NOT NULL, params VARCHAR NOT NULL, parent_id VARCHAR, decision VARCHAR NOT NULL, decision_reason VARCHAR NOT NULL, status VARCHAR NOT NULL,
      provider VARCHAR NOT NULL, model VARCHAR NOT NULL, prompt_version VARCHAR NOT NULL, thinking VARCHAR NOT NULL, repairs INTEGER NOT NULL, model_ms DOUBLE NOT NULL, test_ms DOUBLE, sharpe DOUBLE, grade VARCHAR,
      headline VARCHAR, strategy_path VARCHAR, note VARCHAR, created_ms DOUBLE NOT NULL, updated_ms DOUBLE NOT NULL);
    CREATE TABLE kb_evaluations (hypothesis_id VARCHAR NOT NULL, split VARCHAR NOT NULL, metrics VARCHAR NOT NULL, PRIMARY KEY (hypothesis_id, split));
    CREATE TABLE kb_failures (hypothesis_id VARCHAR NOT NULL, ord INTEGER NOT NULL, kind VARCHAR NOT NULL, detail VARCHAR NOT NULL, PRIMARY KEY (hypothesis_id, ord));
    CREATE TABLE kb_model_calls (run_id VARCHAR NOT NULL, iteration INTEGER NOT NULL, round INTEGER NOT NULL, provider VARCHAR, model VARCHAR, prompt_version VARCHAR, ms DOUBLE, raw VARCHAR, thinking VARCHAR, error VARCHAR, created_ms DOUBLE NOT NULL);
    INSERT INTO kb_runs VALUES ('R001', 1, 1, 2, 'completed', 'g', '', 'sp500_daily', 'offline', 'offline-grammar', '{}', 'done', '{}');
    INSERT INTO kb_hypotheses VALUES ('H001', 1, 'R001', 1, 'mom_60_20', 'momentum', 'why', '["ts_delay(close, 20) / ts_delay(close, 60) - 1"]', 'c1', 1,
      '{"delay":1,"decay":5,"neutralization":"market","truncation":0.05}', NULL, 'new', '', 'validated', 'offline', 'offline-grammar', 'offline-v1', '', 0, 0, 800, 1.25, 'E', '{"rank_ic":0.006}', 'strategies/H015', NULL, 1, 2);
    INSERT INTO kb_evaluations VALUES ('H001', 'test', '{"sharpe":1.25}');
  `);
  old.close();
  Db.closeAll();
  await new Promise((r) => setTimeout(r, 50));

  const kb = await KnowledgeBase.open(await Db.open(path));
  assert.equal(await kb.schemaVersion(), 2);
  const cols = (await kb.db.all<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'kb_hypotheses' AND column_name LIKE 'signal%' ORDER BY column_name`)).map((r) => r.column_name);
  assert.deepEqual(cols, ['signal', 'signal_expectancy', 'signal_pass', 'signal_per_1000', 'signal_profit_factor', 'signal_trades', 'signal_win_rate']);
  const h1 = (await kb.get('H001'))!;
  assert.deepEqual([h1.status, h1.sharpe, h1.params.decay, h1.strategyPath], ['validated', 1.25, 5, 'strategies/H015']);
  assert.deepEqual(await kb.evaluations('H001'), [{ split: 'test', metrics: { sharpe: 1.25 } }]);
  assert.equal(await kb.signalStage('H001'), undefined, 'tested before the signal stage existed');
  assert.deepEqual(await kb.signalTable(), []);
  // new outcomes get the signal columns; ids continue
  const run = await kb.startRun({ goal: 'g', dataset: 'sp500_daily', provider: 'offline', model: 'm' });
  const h2 = await kb.addHypothesis({ runId: run, iteration: 1, provider: 'offline', model: 'm', promptVersion: 'v', proposal: prop('s', 'momentum', 'rank(close)'), canonical: 'c2' });
  assert.equal(h2.id, 'H002');
  await kb.recordOutcome('H002', { ...outcome(false, -0.3), signal: stage(false) }, 10);
  assert.deepEqual((await kb.signalTable()).map((r) => [r.id, r.pass, r.profitFactor]), [['H002', false, 0.87]]);
  kb.close();
  Db.closeAll();
  await new Promise((r) => setTimeout(r, 50));
  // reopening is a no-op
  const again = await KnowledgeBase.open(await Db.open(path));
  assert.equal(await again.schemaVersion(), 2);
  assert.equal((await again.signalStage('H002'))!.test.profitFactor, 0.87);
  again.close();
});

test('issue 19: each knowledge base has its own stable id and export folder (runs with different --db never collide)', async () => {
  const d = mkdtempSync(join(tmpdir(), 'kb-id-'));
  try {
    const a = await KnowledgeBase.open(await Db.open(join(d, 'a.duckdb')));
    const b = await KnowledgeBase.open(await Db.open(join(d, 'b.duckdb')));
    const [ia, ib] = [await a.id(), await b.id()];
    assert.match(ia, /^[0-9a-f]{8}$/);
    assert.notEqual(ia, ib);
    assert.equal(await a.id(), ia, 'stable');
    assert.equal(await kbStrategiesDir(a, '/s'), `/s/kb-${ia}`);
    assert.notEqual(await kbStrategiesDir(a, '/s'), await kbStrategiesDir(b, '/s'));
    a.close();
    b.close();
    Db.closeAll();
    const again = await KnowledgeBase.open(await Db.open(join(d, 'a.duckdb')));
    assert.equal(await again.id(), ia, 'kept in the file');
    again.close();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
