import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { FactorStore } from '../lib/factors/index.js';
import { evaluate, parse } from '../lib/expr/index.js';
import { simulatePortfolio } from '../lib/backtest/index.js';
import { screenExpression, screenSplitMetrics } from '../lib/screen/index.js';
import { syntheticPanel } from './helpers/panels.js';

const dir = mkdtempSync(join(tmpdir(), 'screen-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const openStore = async (name: string) => FactorStore.open(await Db.open(join(dir, name)));

test('screen: a planted signal passes; its test Sharpe equals an independent simulatePortfolio run', async () => {
  const panel = syntheticPanel();
  const store = await openStore('a.duckdb');
  const r = await screenExpression('sig', panel, { portfolio: { decay: 0, truncation: 0.1 }, costBps: 1 }, { store });
  assert.equal(r.screened, true);
  assert.deepEqual(r.failures, [], JSON.stringify(r.failures));
  assert.equal(r.pass, true);
  assert.equal(r.expression, 'sig');
  assert.equal(r.start, 1);
  const wf = r.walkForward!;
  const direct = simulatePortfolio(panel.fields.sig!, panel, { delay: 1, decay: 0, truncation: 0.1, neutralization: 'market', costBps: 1, start: wf.split.test.start, end: wf.split.test.end });
  assert.equal(wf.test.sharpe, direct.metrics.sharpe);
  assert.ok(r.factor!.rankIc.mean > 0.05, `rank IC ${r.factor!.rankIc.mean}`);
  // factor validation covers exactly the in-sample bars: from warm-up to the end of validation
  assert.equal(r.factor!.nDates, wf.split.validation.end - r.start!);
  assert.equal(r.deflatedSharpe!.nTrials, 1);
  assert.ok(screenSplitMetrics(r).some((s) => s.split === 'test' && s.metrics.gross_sharpe! > s.metrics.sharpe!));
  store.db.close();
});

test('screen: noise fails as no_predictive_power; a claimed sign against the data fails as wrong_sign; a long lookback is rejected without a trial', async () => {
  const panel = syntheticPanel();
  const store = await openStore('b.duckdb');
  const noise = await screenExpression('noise', panel, {}, { store });
  assert.equal(noise.pass, false);
  assert.ok(noise.failures.some((f) => f.kind === 'no_predictive_power'), JSON.stringify(noise.failures));
  const wrong = await screenExpression('sig', panel, { sign: -1 }, { store });
  assert.deepEqual(wrong.failures.map((f) => f.kind), ['wrong_sign']);
  assert.equal(wrong.expression, '-sig', 'the sign is applied on the AST: the canonical traded expression');
  const long = await screenExpression('ts_mean(sig, 300)', panel, {}, { store });
  assert.equal(long.screened, false);
  assert.deepEqual(long.failures.map((f) => f.kind), ['invalid_expression']);
  assert.match(long.failures[0]!.detail, /lookback 299 bars is more than a quarter of the dataset \(700 bars\)/);
  const badSignal = await screenExpression('sig', panel, { signal: { signalQuantile: 0.4 } }, { store });
  assert.deepEqual(badSignal.failures.map((f) => f.kind), ['invalid_expression']);
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), 2, 'rejected candidates are not trials');
  store.db.close();
});

test('screen: the trial count grows by exactly one per call; a repeat is read from the store; values given with the expression are the same trial', async () => {
  const panel = syntheticPanel(500, 30, 5);
  const store = await openStore('c.duckdb');
  const exprs = ['sig', 'noise', 'ts_mean(sig, 3)', '-ts_delta(close, 2)'];
  for (let k = 0; k < exprs.length; k++) {
    const r = await screenExpression(exprs[k]!, panel, {}, { store });
    assert.equal(await store.countTrials({ dataset: 'synthetic' }), k + 1);
    assert.equal(r.deflatedSharpe!.nTrials, k + 1, 'the DSR counts this trial and every one before it');
  }
  // the same expression again, as an AST, and with its values computed by the caller: no new trial, same report
  const again = await screenExpression(parse('ts_mean(sig,3)'), panel, {}, { store });
  const withValues = await screenExpression({ expression: 'ts_mean(sig, 3)', values: evaluate('ts_mean(sig, 3)', panel) }, panel, {}, { store });
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), exprs.length);
  assert.equal(again.factor!.cached, true);
  assert.equal(withValues.factor!.factor.id, 'ts_mean(sig, 3)');
  assert.equal(withValues.walkForward!.test.sharpe, again.walkForward!.test.sharpe);
  // a negative sign on given values is the negated expression's trial
  const negValues = await screenExpression({ expression: 'sig', values: panel.fields.sig! }, panel, { sign: -1 }, { store: false });
  const negExpr = await screenExpression('-sig', panel, {}, { store: false });
  assert.equal(negValues.expression, '-sig');
  assert.equal(negValues.walkForward!.test.sharpe, negExpr.walkForward!.test.sharpe);
  store.db.close();
});

test('lib/screen imports nothing from lib/agent', () => {
  for (const f of readdirSync('lib/screen')) {
    const src = readFileSync(join('lib/screen', f), 'utf8');
    assert.doesNotMatch(src, /from '\.\.\/agent\//, f);
  }
});

test('evaluateFactor: a bar range is the same evaluation as the epoch period it spans; both at once is an error', async () => {
  const { evaluateFactor } = await import('../lib/factors/index.js');
  const panel = syntheticPanel(300, 20, 7);
  const byRows = await evaluateFactor('sig', panel, { store: false, rows: { start: 10, end: 200 } });
  const byPeriod = await evaluateFactor('sig', panel, { store: false, period: { start: panel.times[10]!, end: panel.times[199]! } });
  assert.equal(byRows.cacheKey, byPeriod.cacheKey);
  assert.equal(byRows.rankIc.mean, byPeriod.rankIc.mean);
  assert.equal(byRows.nDates, 190);
  await assert.rejects(evaluateFactor('sig', panel, { store: false, rows: { start: 10, end: 200 }, period: { start: panel.times[10]! } }), /either period or rows/);
  await assert.rejects(evaluateFactor('sig', panel, { store: false, rows: { start: 5, end: 6 } }), /need at least 2/);
});

test('tuneOnRange: every configuration tried (pruned ones too) is handed to record, once, with its state and objective', async () => {
  const { tuneOnRange } = await import('../lib/backtest/index.js');
  const seen: { number: number; state: string; value: number | null }[] = [];
  const r = await tuneOnRange({
    range: { start: 0, end: 90 }, nTrials: 12, folds: 3, seed: 5,
    suggest: (t) => ({ x: t.suggestFloat('x', -1, 1) }),
    score: (p, rr) => -((p.x - 0.3) ** 2) + rr.start * 1e-4,
    record: (tried) => void seen.push(...tried.map((c) => ({ number: c.number, state: c.state, value: c.value }))),
  });
  assert.equal(seen.length, 12);
  assert.equal(r.nTrials, 12);
  assert.deepEqual(seen.map((s) => s.number), Array.from({ length: 12 }, (_, i) => i));
  assert.deepEqual(seen.filter((s) => s.state === 'COMPLETE').map((s) => s.value), r.values);
  assert.ok(seen.every((s) => (s.state === 'COMPLETE') === (s.value !== null)));
});

test('screenSignalStrategy: the trial count grows by exactly the configurations tried; the DSR uses the store count and their Sharpe variance', async () => {
  const { backtestSignals, reversalRules } = await import('../lib/backtest/index.js');
  const { screenSignalStrategy } = await import('../lib/screen/index.js');
  const { deflatedSharpeReport } = await import('../lib/stats/index.js');
  const panel = syntheticPanel(500, 12, 4);
  const negSig = panel.fields.sig!.map((v) => -v);
  type P = { entry: number; exit: number };
  const strategy = {
    name: 'sig-trend',
    suggest: (t: import('../lib/optimize/index.js').Trial): P => ({ entry: t.suggestFloat('entry', 0.5, 1.5, { step: 0.25 }), exit: t.suggestFloat('exit', 0, 0.25, { step: 0.25 }) }),
    run: (p: P, range: { start: number; end: number }) => backtestSignals(panel, { factors: { z: negSig }, ...reversalRules('z', p.entry, p.exit) }, { fill: 'nextOpen', feeBps: 1, ...range }),
  };
  const store = await openStore('tuned.duckdb');
  await screenExpression('sig', panel, {}, { store }); // one factor trial already on the dataset
  const before = await store.countTrials({ dataset: 'synthetic' });
  assert.equal(before, 1);
  const settings = { start: 0, tuning: { nTrials: 6, seed: 1 }, rolling: { train: 150, test: 50, nTrials: 3, seed: 2 } };
  const r = await screenSignalStrategy(strategy, panel, settings, { store });
  const windows = r.rolling!.windows.length;
  assert.equal(windows, Math.floor((500 - 150 - 50) / 50) + 1);
  assert.equal(r.configurations, 6 + 3 * windows);
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), before + 6 + 3 * windows);
  assert.equal(r.deflatedSharpe.nTrials, before + 6 + 3 * windows);
  // the test segment is an independent run of the train-fitted parameters
  assert.equal(r.walkForward.test.sharpe, strategy.run(r.walkForward.params, r.walkForward.split.test).metrics.sharpe);
  assert.equal(r.test.metrics.sharpe, r.walkForward.test.sharpe);
  // DSR cross-check: the variance of every finite per-bar trial Sharpe of the dataset (factor + configurations), computed here from the rows
  const cfg = await store.db.all<{ s: number | null; a: number }>(`SELECT sharpe_per_bar AS s, annualization AS a FROM config_trials WHERE dataset = 'synthetic'`);
  assert.ok(cfg.every((c) => c.a === r.test.metrics.annualization));
  const fac = await store.db.all<{ s: number }>(`SELECT ls_sharpe_per_bar AS s FROM factor_trials WHERE dataset = 'synthetic'`);
  const xs = [...cfg.map((c) => c.s), ...fac.map((f) => f.s)].filter((x): x is number => x !== null && Number.isFinite(x));
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  const expected = deflatedSharpeReport({ returns: r.test.returns, annualization: r.test.metrics.annualization, nTrials: before + r.configurations, trialSharpeVariance: v });
  assert.ok(Math.abs(r.deflatedSharpe.dsr - expected.dsr) < 1e-9, `${r.deflatedSharpe.dsr} vs ${expected.dsr}`);
  assert.ok(r.signal.metrics.nTrades > 0);
  // no factor IC and no run before costs in a tuned screen: the reasons say so instead of printing NaN
  assert.ok(r.failures.every((f) => !/NaN/.test(f.detail)), JSON.stringify(r.failures));
  const { classifyFailures } = await import('../lib/screen/index.js');
  assert.deepEqual(classifyFailures({ expectedSign: 1, rankIc: NaN, sharpeGross: NaN, sharpeNet: 0.2 }), [{ kind: 'no_predictive_power', detail: 'no Rank IC measured and net Sharpe 0.20 (need >= 0.5; no run before costs)' }]);
  assert.deepEqual(classifyFailures({ expectedSign: 1, rankIc: NaN, sharpeGross: NaN, sharpeNet: 0.8 }), []);
  // a second screen is a second set of configurations: counted again
  const r2 = await screenSignalStrategy(strategy, panel, { ...settings, rolling: null }, { store });
  assert.equal(r2.configurations, 6);
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), before + r.configurations + 6);
  store.db.close();
});
