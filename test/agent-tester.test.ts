import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Panel } from '../lib/data/index.js';
import { Db } from '../lib/db/index.js';
import { FactorStore } from '../lib/factors/index.js';
import { simulatePortfolio, walkForwardSplit, rollingSplits, loadStrategy } from '../lib/backtest/index.js';
import { EngineTester, KnowledgeBase, OfflineProposer, runResearch, exprGrammar, mulberry32, DEFAULT_PARAMS, type Hypothesis } from '../lib/agent/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-tester-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Synthetic daily equity panel, T x N: `sig` is a persistent AR(1) signal
 * (phi 0.97) known at t; the close-to-close return from t to t+1 is
 * 0.004 * sig[t-1] + 1% noise, so `sig` predicts returns with delay 1;
 * `noise` is i.i.d. N(0, 1), unrelated to returns.
 */
function syntheticPanel(T = 700, N = 40, seed = 3): Panel {
  const rng = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const sig = new Float64Array(T * N);
  const noise = new Float64Array(T * N);
  const close = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    sig[a] = gauss();
    noise[a] = gauss();
    close[a] = 100;
  }
  for (let t = 1; t < T; t++) {
    for (let a = 0; a < N; a++) {
      sig[t * N + a] = 0.97 * sig[(t - 1) * N + a]! + Math.sqrt(1 - 0.97 ** 2) * gauss();
      noise[t * N + a] = gauss();
      const drive = t >= 2 ? sig[(t - 2) * N + a]! : 0;
      close[t * N + a] = close[(t - 1) * N + a]! * (1 + 0.004 * drive + 0.01 * gauss());
    }
  }
  const times = new Float64Array(T);
  for (let t = 0; t < T; t++) times[t] = Date.UTC(2015, 0, 1) + t * 86_400_000;
  const assets = Array.from({ length: N }, (_, a) => `A${String(a).padStart(2, '0')}`);
  return { dataset: 'synthetic', frequency: '1d', market: 'equity', times, assets, fields: { open: close, high: close, low: close, close, volume: new Float64Array(T * N).fill(1e6), sig, noise } };
}

const hyp = (id: string, expr: string, sign: 1 | -1 = 1): Hypothesis => ({
  id, name: `h_${id.toLowerCase()}`, category: 'other', rationale: 'synthetic', expressions: [expr], expectedSign: sign, params: { ...DEFAULT_PARAMS, decay: 0, truncation: 0.1 },
  decision: 'new', decisionReason: '', status: 'testing', canonical: expr, runId: 'R001', iteration: 1, provider: 'offline', model: 'm', promptVersion: 'v', thinking: '',
  modelMs: 0, testMs: NaN, sharpe: NaN, strategyPath: '', repairs: 0, createdAt: 0, updatedAt: 0,
});

test('EngineTester: a predictive factor passes; its Sharpe equals an independent simulatePortfolio run; it exports and reloads', async () => {
  const panel = syntheticPanel();
  const store = await FactorStore.open(await Db.open(join(dir, 't1.duckdb')));
  const tester = new EngineTester({ panel, store, costBps: 1, strategiesDir: join(dir, 'strategies') });
  const stages: string[] = [];
  const o = await tester.test(hyp('H001', 'sig'), { onProgress: (s) => stages.push(s) });
  assert.deepEqual(stages, ['factor', 'backtest', 'signal', 'rolling']);
  assert.equal(o.pass, true, JSON.stringify(o.failures));
  assert.ok(o.sharpe > 2, `test Sharpe ${o.sharpe}`);
  // cross-check against the backtest module called directly
  const T = panel.times.length;
  const split = walkForwardSplit(T, { start: 1 });
  const direct = simulatePortfolio(panel.fields.sig!, panel, { delay: 1, decay: 0, neutralization: 'market', truncation: 0.1, costBps: 1, start: split.test.start, end: split.test.end });
  assert.ok(Math.abs(direct.metrics.sharpe - o.sharpe) < 1e-12);
  assert.equal(o.evaluations.find((e) => e.split === 'test')!.metrics.sharpe, o.sharpe);
  assert.equal(o.evaluations.filter((e) => e.split.startsWith('roll_')).length, rollingSplits(T, { start: 1, train: 252, test: 63 }).length);
  assert.ok(o.headline.rank_ic! > 0.05);
  assert.equal(o.headline.trials, 1);
  const path = await tester.exportStrategy(hyp('H001', 'sig'), o);
  assert.ok(existsSync(join(path, 'strategy.json')));
  const doc = await loadStrategy(path);
  assert.equal(doc.factors.alpha, 'sig');
  assert.equal(doc.name, 'H001_h_h001');
  assert.equal(doc.portfolio!.settings.costBps, 1);
  store.db.close();
});

test('EngineTester: the wrong claimed sign, a random factor, a too-long lookback; re-testing is cached, not a new trial', async () => {
  const panel = syntheticPanel();
  const store = await FactorStore.open(await Db.open(join(dir, 't2.duckdb')));
  const tester = new EngineTester({ panel, store, costBps: 1 });
  const wrong = await tester.test(hyp('H001', 'sig', -1));
  assert.equal(wrong.pass, false);
  assert.deepEqual(wrong.failures.map((f) => f.kind), ['wrong_sign']);
  const rand = await tester.test(hyp('H002', 'noise'));
  assert.equal(rand.pass, false);
  assert.ok(rand.failures.some((f) => f.kind === 'no_predictive_power'), JSON.stringify(rand.failures));
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), 2);
  const again = await tester.test(hyp('H003', 'noise'));
  assert.deepEqual(again.failures, rand.failures);
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), 2, 'same factor, period and settings: read from the store, not counted twice');
  const long = await tester.test(hyp('H004', 'ts_mean(sig, 300)'));
  assert.deepEqual(long.failures.map((f) => f.kind), ['invalid_expression']);
  assert.match(long.failures[0]!.detail, /lookback 299 bars is more than a quarter of the dataset \(700 bars\)/);
  await assert.rejects(tester.exportStrategy(hyp('H009', 'sig'), wrong), /was not tested/);
  store.db.close();
});

test('loop on the synthetic panel with the real tester: KB trials match the trial store', async () => {
  const panel = syntheticPanel(500, 30, 5);
  const db = await Db.open(join(dir, 't3.duckdb'));
  const kb = await KnowledgeBase.open(db);
  const store = await FactorStore.open(db);
  const tester = new EngineTester({ panel, store, costBps: 1, strategiesDir: join(dir, 'strategies3'), rolling: { train: 120, test: 40 } });
  const s = await runResearch({ dataset: 'synthetic', datasetSummary: 'synthetic', kb, proposer: new OfflineProposer({ seed: 4 }), tester, grammar: exprGrammar(), maxIterations: 4, maxConsecutiveFailures: 10, earlyStopSharpe: 1000 });
  assert.equal(s.stopReason, 'reached 4 iterations', s.stopReason);
  const all = await kb.all();
  assert.equal(all.length, 4);
  const tested = all.filter((h) => Number.isFinite(h.testMs) && h.sharpe === h.sharpe);
  assert.equal(s.tested, 4);
  // past returns carry the persistent synthetic drift, so price momentum is genuinely predictive here
  assert.ok(s.passed >= 1);
  for (const p of s.exported) assert.ok(existsSync(join(p, 'strategy.json')));
  // every tested hypothesis with a valid lookback added exactly one trial
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), tested.length);
  for (const h of tested) assert.ok((await kb.evaluations(h.id)).some((e) => e.split === 'test'));
  db.close();
});
