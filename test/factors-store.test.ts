import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Panel } from '../lib/data/panel.js';
import { Db } from '../lib/db/index.js';
import { evaluate, ExprCache } from '../lib/expr/index.js';
import { deflatedSharpe } from '../lib/stats/index.js';
import { decodeJson, encodeJson } from '../lib/db/index.js';
import { assetsHash } from '../lib/data/index.js';
import {
  analyzeFactor, decayHeatmap, deflatedSharpeFromStore, factorTable, evaluateFactor, FactorStore, forwardReturns, multipleTesting, tearSheetFigures,
  tearSheetSummary, writeTearSheet, type FactorReport,
} from '../lib/factors/index.js';
import { lcg } from './helpers/numeric.js';

const rng = lcg;

function makePanel(T: number, N: number, seed: number): Panel {
  const r = rng(seed);
  const close = new Float64Array(T * N);
  const volume = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    let p = 20 + 80 * r();
    for (let t = 0; t < T; t++) {
      p *= 1 + (r() - 0.5) * 0.05;
      close[t * N + a] = p;
      volume[t * N + a] = 1e5 * (1 + r());
    }
  }
  return {
    dataset: 'synthetic', frequency: '1d', market: 'equity',
    times: Float64Array.from({ length: T }, (_, i) => Date.UTC(2021, 0, 4) + i * 86_400_000),
    assets: Array.from({ length: N }, (_, i) => `S${i}`),
    fields: { open: close, high: close, low: close, close, volume },
  };
}

function noisy(panel: Panel, noise: number, seed: number): Float64Array {
  const r = rng(seed);
  return forwardReturns(panel, 1, 1).map((v) => (Number.isNaN(v) ? r() : v + noise * (r() - 0.5)));
}

const withoutCached = (r: FactorReport) => ({ ...r, cached: undefined });

test('encodeJson / decodeJson round-trip typed arrays and NaN / Infinity bit for bit', () => {
  const x = { a: Float64Array.from([1, NaN, -0, 2.5e-300]), b: NaN, c: [Infinity, -Infinity, 1], d: 'x' };
  const y = decodeJson<typeof x>(encodeJson(x));
  assert.ok(y.a instanceof Float64Array);
  assert.deepEqual(y, x);
  assert.ok(Object.is(y.a[2], -0));
});

test('evaluateFactor stores a trial; a second call returns the identical stored report without recomputing', async () => {
  const store = await FactorStore.open(':memory:');
  const panel = makePanel(120, 20, 1);
  const f = { name: 'noisy_fwd', values: noisy(panel, 0.05, 2) };
  const first = await evaluateFactor(f, panel, { store, horizon: 1, source: 'test' });
  assert.equal(first.cached, false);
  assert.equal(await store.countTrials(), 1);
  const second = await evaluateFactor(f, panel, { store, horizon: 1, source: 'test' });
  assert.equal(second.cached, true);
  assert.deepEqual(withoutCached(second), withoutCached(first));
  assert.equal(await store.countTrials(), 1, 'a cached read is not a new trial');
  // The metrics are those of analyzeFactor on the same input.
  const direct = analyzeFactor(f.values, panel, { horizon: 1 });
  assert.deepEqual(second.rankIc, direct.rankIc);
  assert.deepEqual(second.quantiles, direct.quantiles);
  // Expression factors: the cached path never evaluates the expression (the expression cache sees no lookup).
  const cache = new ExprCache();
  const e1 = await evaluateFactor('-ts_delta(close, 3)', panel, { store, exprCache: cache });
  const lookups = cache.hits + cache.misses;
  assert.ok(lookups > 0);
  const e2 = await evaluateFactor('-ts_delta( close ,3 )', panel, { store, exprCache: cache });
  assert.equal(cache.hits + cache.misses, lookups);
  assert.equal(e2.cached, true);
  assert.equal(e2.runId, e1.runId);
  assert.deepEqual(e1.rankIc.series, analyzeFactor(evaluate('-ts_delta(close, 3)', panel), panel).rankIc.series);
  // A named expression has the canonical expression as its identity: same trial.
  const named = await evaluateFactor({ name: 'reversal_3', expression: '-ts_delta(close,3)' }, panel, { store });
  assert.deepEqual([named.cached, named.runId, named.factor.id], [true, e1.runId, e1.factor.id]);
  const named2 = await evaluateFactor({ name: 'reversal_4', expression: '-ts_delta(close, 4)' }, panel, { store });
  assert.deepEqual([named2.cached, named2.factor.name, named2.factor.expression], [false, 'reversal_4', e1.factor.expression!.replace('3', '4')]);
  // The row holds the metrics in columns for the LLM loop.
  const rows = await store.trials({ factorId: e1.factor.id });
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.equal(row.factor_name, e1.factor.expression);
  assert.equal(row.rank_ic_mean, e1.rankIc.mean);
  assert.equal(row.grade, e1.grade.grade);
  assert.equal(row.annualization, 252);
  assert.deepEqual(JSON.parse(row.reasons as string), e1.grade.reasons);
});

test('concurrent evaluations of the same trial store it once', async () => {
  const store = await FactorStore.open(':memory:');
  const panel = makePanel(80, 15, 21);
  const f = { name: 'c', values: noisy(panel, 0.1, 22) };
  const g = { name: 'd', values: noisy(panel, 0.2, 23) };
  const [a, b, c] = await Promise.all([evaluateFactor(f, panel, { store }), evaluateFactor(f, panel, { store }), evaluateFactor(g, panel, { store })]);
  assert.equal(await store.countTrials(), 2);
  assert.equal(a.runId, b.runId);
  assert.equal([a.cached, b.cached].filter(Boolean).length, 1, 'exactly one computed, the other read from the store');
  assert.notEqual(c.runId, a.runId);
});

test('different settings, period or data are new trials; the deflated Sharpe uses the trials recorded in the store', async () => {
  const store = await FactorStore.open(':memory:');
  const panel = makePanel(150, 25, 3);
  const f = { name: 'f', values: noisy(panel, 0.2, 4) };
  const a = await evaluateFactor(f, panel, { store });
  const b = await evaluateFactor(f, panel, { store, horizon: 5 });
  const c = await evaluateFactor(f, panel, { store, period: { start: '2021-02-01' } });
  const d = await evaluateFactor(f, { ...panel, dataset: 'other' }, { store });
  assert.equal(new Set([a.runId, b.runId, c.runId, d.runId]).size, 4);
  assert.equal(await store.countTrials(), 4);
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), 3);
  assert.equal(await store.countTrials({ horizon: 5 }), 1);
  assert.equal(c.period.start, '2021-02-01');
  assert.equal(c.nDates, 150 - 28);
  // DSR of c: 3 trials on 'synthetic' at the time, variance of their stored per-bar Sharpes.
  const sh = [a, b, c].map((r) => r.longShort.stats.sharpePerBar);
  const m = sh.reduce((x, y) => x + y, 0) / 3;
  const v = sh.reduce((x, y) => x + (y - m) ** 2, 0) / 2;
  assert.equal(c.deflatedSharpe!.nTrials, 3);
  assert.ok(Math.abs(c.deflatedSharpe!.trialSharpeVariance - v) < 1e-15);
  const dir = c.longShort.directional;
  const ref = deflatedSharpe({ sharpe: dir.sharpePerBar, nObs: dir.nBars, skew: dir.skew, kurtosis: dir.kurtosis, nTrials: 3, trialSharpeVariance: c.deflatedSharpe!.trialSharpeVariance });
  assert.ok(Math.abs(c.deflatedSharpe!.dsr - ref.dsr) < 1e-12);
  assert.equal(a.deflatedSharpe!.nTrials, 1);
  // Data change (same dataset name): a new trial, not a stale cached read.
  const moved = { ...panel, fields: { ...panel.fields, close: panel.fields.close!.map((x, i) => (i === 5 ? x * 1.01 : x)) } };
  const e = await evaluateFactor(f, moved, { store });
  assert.equal(e.cached, false);
  // The stored row carries the DSR computed after insertion.
  const row = (await store.trials({ factorId: c.factor.id })).find((r) => r.run_id === c.runId)!;
  assert.equal(row.dsr_trials, 3);
  // Refreshing the DSR of earlier trials with today's count equals recomputing it from their reports.
  const refreshed = await store.refreshDeflatedSharpe('synthetic');
  assert.deepEqual([refreshed.updated, refreshed.nTrials], [4, 4]);
  const rowA = (await store.trials({ factorId: a.factor.id })).find((r) => r.run_id === a.runId)!;
  const refA = await deflatedSharpeFromStore(store, a);
  assert.equal(rowA.dsr_trials, 4);
  assert.ok(Math.abs((rowA.dsr as number) - refA.dsr) < 1e-12, `${rowA.dsr} vs ${refA.dsr}`);
  // A factor traded the other way (direction -1): Sharpe and skew flip sign in the refresh.
  const neg = await evaluateFactor({ name: 'neg', values: f.values.map((v) => -v) }, { ...panel, dataset: 'other' }, { store });
  assert.equal(neg.direction, -1);
  await store.refreshDeflatedSharpe('other');
  const rowN = (await store.trials({ factorId: neg.factor.id }))[0]!;
  assert.ok(Math.abs((rowN.dsr as number) - (await deflatedSharpeFromStore(store, neg)).dsr) < 1e-12);
  // Leaderboard by |Rank ICIR|.
  const top = await store.best({ dataset: 'synthetic' }, 'rank_ic_ir', 2);
  const irs = [a, b, c, e].map((r) => Math.abs(r.rankIc.ir)).sort((x, y) => y - x);
  assert.deepEqual(top.map((r) => Math.abs(r.rank_ic_ir as number)), irs.slice(0, 2));
  await assert.rejects(store.best({}, 'report; DROP TABLE factor_trials'), /cannot order by/);
  // Batch corrections with the store's trial count.
  const rows = multipleTesting([a, b, c], { nTrials: await store.countTrials({ dataset: 'synthetic' }) });
  assert.equal(rows.length, 3);
  assert.equal(rows[0]!.name, 'f');
});

test('a period end keeps later prices out of every metric', async () => {
  const panel = makePanel(100, 15, 5);
  const f = { name: 'g', values: noisy(panel, 0.3, 6) };
  const end = '2021-03-15';
  const base = await evaluateFactor(f, panel, { store: false, period: { end }, horizon: 3 });
  const later = panel.times.findIndex((t) => t > Date.parse(`${end}T00:00:00Z`));
  const close = panel.fields.close!.slice();
  for (let i = later * 15; i < close.length; i++) close[i] = close[i]! * 2;
  const moved = await evaluateFactor(f, { ...panel, fields: { ...panel.fields, close } }, { store: false, period: { end }, horizon: 3 });
  assert.equal(base.period.end, end);
  assert.deepEqual(moved.rankIc, base.rankIc);
  assert.deepEqual(moved.quantiles, base.quantiles);
  assert.deepEqual(moved.longShort, base.longShort);
  await assert.rejects(evaluateFactor(f, panel, { store: false, period: { start: '2030-01-01' } }), /holds 0 bar\(s\)/);
  await assert.rejects(evaluateFactor({ name: 'x', values: new Float64Array(3) }, panel, { store: false }), /values have length 3, expected 100 x 15/);
  await assert.rejects(evaluateFactor('ts_delta(clse, 3)', panel, { store: false }), /did you mean close/);
});

test('redundancy flags a near-duplicate of a stored factor and names it', async () => {
  const store = await FactorStore.open(':memory:');
  const panel = makePanel(200, 40, 7);
  const base = noisy(panel, 0.1, 8);
  const r = rng(9);
  const a = await evaluateFactor({ name: 'alpha_a', values: base }, panel, { store });
  assert.equal(a.redundancy!.compared, 0);
  assert.ok(Number.isNaN(a.redundancy!.maxAbsCorr));
  const dup = await evaluateFactor({ name: 'alpha_a_copy', values: base.map((v) => -2 * v + 0.001 * r()) }, panel, { store });
  assert.equal(dup.redundancy!.with, 'alpha_a');
  assert.ok(dup.redundancy!.redundant);
  assert.ok(dup.redundancy!.corr < -0.95, `corr ${dup.redundancy!.corr}`);
  const other = await evaluateFactor({ name: 'random', values: base.map(() => r()) }, panel, { store });
  assert.equal(other.redundancy!.compared, 2);
  assert.ok(!other.redundancy!.redundant && other.redundancy!.maxAbsCorr < 0.2, `corr ${other.redundancy!.maxAbsCorr}`);
  // Another store object on the same database reads the snapshots written by this one.
  const store2 = await FactorStore.open(store.db);
  const snaps = await store2.snapshots('synthetic', assetsHash(panel.assets));
  assert.deepEqual(snaps.map((x) => x.name), ['alpha_a', 'alpha_a_copy', 'random']);
  assert.deepEqual(snaps[0]!.snapshot, (await store.snapshots('synthetic', assetsHash(panel.assets)))[0]!.snapshot);
  // The same factor with other settings is not compared with itself.
  const again = await evaluateFactor({ name: 'alpha_a', values: base }, panel, { store, horizon: 2 });
  assert.notEqual(again.redundancy!.with, 'alpha_a');
});

test('the store persists in a DuckDB file and answers from it after reopening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'factors-store-'));
  try {
    const path = join(dir, 'q.duckdb');
    const panel = makePanel(60, 12, 10);
    const f = { name: 'h', values: noisy(panel, 0.1, 11) };
    const db1 = await Db.open(path);
    const first = await evaluateFactor(f, panel, { store: await FactorStore.open(db1) });
    db1.close();
    const db2 = await Db.open(path);
    const store2 = await FactorStore.open(db2);
    const second = await evaluateFactor(f, panel, { store: store2 });
    assert.equal(second.cached, true);
    assert.deepEqual(withoutCached(second), withoutCached(first));
    assert.deepEqual(withoutCached((await store2.getReport(first.runId))!), withoutCached(first));
    db2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tear sheet: summary with grade and reasons, seven figures over the evaluated dates, standalone HTML', async () => {
  const store = await FactorStore.open(':memory:');
  const panel = makePanel(90, 20, 12);
  const rep = await evaluateFactor({ name: 'weak', values: noisy(panel, 5, 13) }, panel, { store });
  const summary = new Map(tearSheetSummary(rep));
  assert.equal(summary.get('grade'), `${rep.grade.grade} (${rep.grade.points.total} / 18 points)`);
  assert.equal(summary.get('rejection reasons'), rep.grade.reasons.length ? rep.grade.reasons.join('; ') : 'none');
  const figs = tearSheetFigures(rep);
  assert.equal(figs.length, 7);
  const lineTraces = [figs[0]!, figs[4]!, figs[5]!, figs[6]!].flatMap((f) => f.data as { x: unknown[]; y: unknown[] }[]);
  for (const tr of lineTraces) {
    assert.equal(tr.x.length, 90);
    assert.equal(tr.y.length, 90);
  }
  assert.equal((figs[4]!.data as unknown[]).length, rep.settings.quantiles);
  const other = await evaluateFactor({ name: 'other', values: noisy(panel, 0.01, 14) }, panel, { store, decayHorizons: [1, 3] });
  const table = factorTable([rep, other]);
  assert.deepEqual(table.map((r) => [r.factor, r.grade, r.pass]), [['weak', rep.grade.grade, rep.grade.pass], ['other', other.grade.grade, other.grade.pass]]);
  assert.equal(table[1]!.rank_ic, other.rankIc.mean);
  assert.equal(table[1]!.ls_sharpe, other.longShort.stats.sharpe);
  assert.equal(table[1]!.directional_sharpe, other.longShort.directional.sharpe);
  assert.equal(table[1]!.t_nw, other.rankIc.tNeweyWest);
  const heat = decayHeatmap([rep, other]).data[0] as { x: string[]; y: string[]; z: (number | null)[][] };
  assert.deepEqual(heat.x, ['1 bars', '3 bars', '5 bars', '10 bars', '20 bars']);
  assert.deepEqual(heat.y, ['weak', 'other']);
  assert.equal(heat.z[1]![2], null, 'other has no 5-bar decay point');
  assert.equal(heat.z[1]![1], other.decay[1]!.rankIcMean);
  // JSON-safe: no NaN left in the specs.
  assert.doesNotMatch(JSON.stringify(figs), /NaN/);
  const dir = mkdtempSync(join(tmpdir(), 'tearsheet-'));
  try {
    const path = await writeTearSheet(join(dir, 'weak.html'), rep);
    const html = readFileSync(path, 'utf8');
    assert.match(html, /Tear sheet: weak on synthetic/);
    assert.match(html, /rejection reasons/);
    for (const reason of rep.grade.reasons) assert.ok(html.includes(reason.replace(/</g, '&lt;').replace(/>/g, '&gt;')), reason);
    assert.ok(existsSync(join(dir, 'plotly.js')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a store option the trial goes to the project store ($ALPHALAB_DB)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'factors-default-'));
  const saved = process.env.ALPHALAB_DB;
  try {
    process.env.ALPHALAB_DB = join(dir, 'default.duckdb');
    const panel = makePanel(50, 10, 30);
    const r = await evaluateFactor({ name: 'default_store', values: noisy(panel, 0.1, 31) }, panel);
    const again = await evaluateFactor({ name: 'default_store', values: noisy(panel, 0.1, 31) }, panel);
    assert.deepEqual([r.cached, again.cached, again.runId], [false, true, r.runId]);
    const db = await Db.open(process.env.ALPHALAB_DB);
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM factor_trials'))!.n, 1);
    db.close();
  } finally {
    if (saved === undefined) delete process.env.ALPHALAB_DB;
    else process.env.ALPHALAB_DB = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
