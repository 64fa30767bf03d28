/**
 * The `degenerate_signal` rule (lib/screen breadth.ts / classify.ts) and what
 * the miners do with it (lib/mine: no hopeful, no winner, the invalid
 * generator reward, no GP fitness), the generator's novelty term and the
 * note of a non-finite test Sharpe.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactorStore } from '../lib/factors/index.js';
import { classifyBreadth, classifyFailures, DEFAULT_SCREEN_THRESHOLDS, factorBreadth, screenExpression } from '../lib/screen/index.js';
import { gpFitness, improvements, isDegenerate, mineGrid, readMineJournal, repeatPenalty, retestWinners, screenReward, testSharpeNote, type MinedCandidate } from '../lib/mine/index.js';
import { syntheticPanel } from './helpers/panels.js';
import { mulberry32 } from './helpers/numeric.js';

const dir = mkdtempSync(join(tmpdir(), 'screen-degenerate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('factorBreadth: hand-computed rows (constant, one asset apart, all NaN, 1..5) and the universe mask', () => {
  const N = 5;
  const v = Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, NaN, NaN, NaN, NaN, NaN, 1, 2, 3, 4, 5]);
  const b = factorBreadth(v, N, 0, 4);
  // row 1: mean 0.8, d = 0.2 x 4 and -0.8: (1.6)^2 / 0.8 = 3.2 positions = 4 (N - 1) / N, share 0.64; row 3: (6)^2 / 10 = 3.6, share 0.72
  assert.equal(b.dates, 4);
  assert.equal(b.dispersedShare, 0.5);
  assert.ok(Math.abs(b.effectivePositions - (3.2 + 3.6) / 4) < 1e-12, String(b.effectivePositions));
  assert.ok(Math.abs(b.effectiveBreadth - (0.64 + 0.72) / 4) < 1e-12, String(b.effectiveBreadth));
  // rows [1, 3) only
  assert.deepEqual(factorBreadth(v, N, 1, 3).dispersedShare, 0.5);
  // outside the universe the 0 does not count: row 1 is then constant
  const universe = new Uint8Array(20).fill(1);
  universe[9] = 0;
  assert.equal(factorBreadth(v, N, 0, 4, universe).dispersedShare, 0.25);
  assert.ok(Number.isNaN(factorBreadth(v, N, 2, 2).dispersedShare), 'no rows: not measured');
  assert.throws(() => factorBreadth(v, N, 0, 5), /outside values of length 20/);
  assert.throws(() => factorBreadth(v, N, 0, 4, new Uint8Array(3)), /universe has length 3/);
});

test('factorBreadth equals a naive computation (sorted distinct values, explicit weights w = d / sum|d|, 1 / sum w^2) on a random panel with ties and NaNs', () => {
  const rng = mulberry32(11);
  const T = 60, N = 17;
  const v = new Float64Array(T * N);
  for (let i = 0; i < v.length; i++) {
    const u = rng();
    const row = Math.floor(i / N);
    // every 4th row constant, every 7th one asset apart, else values with ties and some NaN
    v[i] = row % 4 === 0 ? 2 : row % 7 === 0 ? (i % N === 3 ? 5 : 1) : u < 0.1 ? NaN : Math.round(u * 6) / 2;
  }
  let dispersed = 0, share = 0, positions = 0;
  for (let t = 0; t < T; t++) {
    const xs = Array.from(v.subarray(t * N, (t + 1) * N)).filter((x) => Number.isFinite(x));
    if (new Set(xs).size < 2) continue;
    dispersed++;
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const gross = xs.reduce((a, x) => a + Math.abs(x - m), 0);
    const herfindahl = xs.reduce((a, x) => a + ((x - m) / gross) ** 2, 0);
    positions += 1 / herfindahl;
    share += 1 / herfindahl / xs.length;
  }
  const b = factorBreadth(v, N, 0, T);
  assert.equal(b.dispersedShare, dispersed / T);
  assert.ok(Math.abs(b.effectiveBreadth - share / T) < 1e-12);
  assert.ok(Math.abs(b.effectivePositions - positions / T) < 1e-9);
});

test('classify: degenerate_signal fires below either threshold, names the figure, follows ScreenThresholds, and NaN figures disable it', () => {
  const fire = classifyBreadth({ dispersedShare: 0.003, effectiveBreadth: 0.00003 })!;
  assert.equal(fire.kind, 'degenerate_signal');
  assert.match(fire.detail, /2 distinct values on 0\.3% of the dates \(need 50\.0%\)/);
  assert.match(fire.detail, /effective breadth 0\.000 of the assets/);
  assert.equal(classifyBreadth({ dispersedShare: 1, effectiveBreadth: 0.0865 }), null, 'alpha042 on sp500_daily, the narrowest Alpha101 factor there');
  assert.match(classifyBreadth({ dispersedShare: 1, effectiveBreadth: 0.01 })!.detail, /effective breadth 0\.010/);
  assert.equal(classifyBreadth({ dispersedShare: 0.3, effectiveBreadth: 0.5 }, { minDispersedShare: 0.2 }), null, 'a looser threshold');
  assert.equal(classifyBreadth({ dispersedShare: NaN, effectiveBreadth: NaN }), null);
  // in classifyFailures it comes first, beside the other rules
  const kinds = classifyFailures({ expectedSign: 1, rankIc: 0, sharpeGross: 0.7, sharpeNet: 0.7, breadth: { dispersedShare: 0.003, effectiveBreadth: 0 } }).map((f) => f.kind);
  assert.equal(kinds[0], 'degenerate_signal');
  assert.ok(!classifyFailures({ expectedSign: 1, rankIc: 0.05, rankIcP: 0.001, sharpeGross: 2, sharpeNet: 2, breadth: { dispersedShare: 1, effectiveBreadth: 0.64 } }).length);
  assert.equal(DEFAULT_SCREEN_THRESHOLDS.minDispersedShare, 0.5);
  assert.equal(DEFAULT_SCREEN_THRESHOLDS.minEffectiveBreadth, 0.02);
});

test('screen: a factor constant except on 2 cells is degenerate_signal (early rejection sees it); the planted signal is not; the report carries the breadth', async () => {
  const base = syntheticPanel();
  const T = base.times.length, N = base.assets.length;
  const gap = new Float64Array(T * N).fill(1);
  gap[300 * N + 4] = 0;
  gap[450 * N + 9] = 0;
  const panel = { ...base, fields: { ...base.fields, gap } };
  const d = await screenExpression('gap', panel, {}, { store: false });
  assert.equal(d.pass, false);
  assert.ok(d.failures.some((f) => f.kind === 'degenerate_signal'), JSON.stringify(d.failures));
  assert.equal(d.breadth!.dispersedShare, 2 / (T - d.start!));
  const early = await screenExpression('gap', panel, { earlyReject: true }, { store: false });
  assert.ok(early.skipped && /degenerate_signal/.test(early.skipped), early.skipped);
  assert.deepEqual(early.stages, ['evaluate', 'walk_forward', 'factor', 'portfolio', 'deflated_sharpe']);
  // the synthetic volume is one constant: never dispersed
  const vol = await screenExpression('volume', panel, {}, { store: false });
  assert.equal(vol.breadth!.dispersedShare, 0);
  assert.ok(vol.failures.some((f) => f.kind === 'degenerate_signal'));
  const sig = await screenExpression('sig', panel, { portfolio: { decay: 0, truncation: 0.1 }, costBps: 1 }, { store: false });
  assert.equal(sig.breadth!.dispersedShare, 1);
  assert.ok(sig.breadth!.effectiveBreadth > 0.5, String(sig.breadth!.effectiveBreadth));
  assert.ok(!sig.failures.some((f) => f.kind === 'degenerate_signal'));
  assert.equal(sig.pass, true);
});

test('mining: a degenerate candidate is journaled with its failure kind (also after a journal read), never hopeful, never a winner; generator reward invalid, GP fitness -Infinity', async () => {
  const store = await FactorStore.open(join(dir, 'grid.duckdb'));
  const panel = syntheticPanel(300, 20, 5);
  const r = await mineGrid({ panel, store, templates: ['{x:field}'], domains: { fields: ['volume', 'sig'] }, order: 'enumerate', max: 2, retest: 2 });
  const vol = r.journal.find((j) => j.expression === 'volume')!;
  assert.equal(vol.status, 'screened');
  assert.ok(vol.failureKinds.includes('degenerate_signal'), JSON.stringify(vol));
  assert.equal(vol.hopeful, false);
  assert.ok(isDegenerate(vol));
  const read = await readMineJournal(store.db, r.runKey);
  assert.deepEqual(read.map((j) => j.failureKinds), r.journal.map((j) => j.failureKinds));
  assert.deepEqual(r.winners.map((w) => w.expression), ['sig']);
  assert.equal(screenReward(vol, -1), -1);
  // sign(volume) on sp500_daily: screened, a finite train Sharpe 0.7187, degenerate
  const signVolume = { status: 'screened' as const, sharpe: 0.7187, failureKinds: ['degenerate_signal' as const] };
  assert.equal(screenReward(signVolume, -1), -1);
  assert.equal(screenReward({ ...signVolume, failureKinds: [] }, -1), 0.7187, 'the same row without the rule: its Sharpe');
  assert.equal(gpFitness(signVolume, 1, 0.01), -Infinity);
  assert.equal(gpFitness({ ...signVolume, failureKinds: [] }, 1, 0.01), 0.7187 - 0.01);
  store.db.close();
});

test('generator novelty term: the n-th sample of a formula loses lambda x log2(n), counted over the run in sample order', () => {
  const counts = new Map<string, number>();
  assert.deepEqual(repeatPenalty(['a', 'b', 'a', 'a'], counts, 0.25), [0, 0, 0.25, 0.25 * Math.log2(3)]);
  assert.deepEqual(repeatPenalty(['a', 'c'], counts, 0.25), [0.5, 0]);
  assert.deepEqual([...counts], [['a', 4], ['b', 1], ['c', 1]]);
  assert.deepEqual(repeatPenalty(['a', 'a'], new Map(), 0), [0, 0]);
  assert.throws(() => repeatPenalty(['a'], new Map(), -1), /repeatPenalty must be a finite number >= 0, got -1/);
  assert.throws(() => repeatPenalty(['a'], new Map(), NaN), /repeatPenalty/);
});

test('testSharpeNote: a flat book, a constant return, or positions with a non-finite Sharpe', () => {
  const N = 2;
  assert.match(testSharpeNote(new Float64Array(6), new Float64Array(3), N), /no position on any of the 3 test bars/);
  const w = Float64Array.from([0.5, -0.5, 0, 0, 0, 0]);
  assert.match(testSharpeNote(w, new Float64Array(3), N), /positions on 1 of 3 test bars but a constant return/);
  assert.match(testSharpeNote(w, Float64Array.from([0.01, NaN, 0]), N), /positions on 1 of 3 test bars; Sharpe not finite \(2 finite returns of 3\)/);
});

test('retestWinners: a winner whose book is flat on the test segment gets a testNote instead of a bare NaN; a degenerate row is not re-tested', async () => {
  const base = syntheticPanel(300, 20, 5);
  const T = base.times.length, N = base.assets.length, testStart = 240;
  // equal to sig on the mining segment, one constant from the row the first test bar trades
  const late = Float64Array.from(base.fields.sig!, (x, i) => (i < (testStart - 1) * N ? x : 1)); // delay 1: bar testStart trades row testStart - 1
  const panel = { ...base, fields: { ...base.fields, late } };
  const store = await FactorStore.open(join(dir, 'retest.duckdb'));
  const row = (seq: number, expression: string, sharpe: number, failureKinds: MinedCandidate['failureKinds']): MinedCandidate => ({
    seq, expression, template: null, parent: null, mutation: null, generation: null, status: 'screened', newTrial: true, sharpe, fitness: 1, turnover: 0.1, selfCorr: NaN, hopeful: false, detail: null, failureKinds,
  });
  const w = await retestWinners([row(0, 'late', 2, []), row(1, 'volume', 3, ['degenerate_signal']), row(2, 'sig', 1, [])], panel, store, testStart, {}, 5, 5);
  assert.deepEqual(w.map((x) => x.expression), ['late', 'sig']);
  // a variant of a degenerate parent, or a degenerate variant, is no improvement
  const child = (seq: number, expression: string, parent: string, sharpe: number, failureKinds: MinedCandidate['failureKinds']) => ({ ...row(seq, expression, sharpe, failureKinds), parent, mutation: 'negate' });
  const imp = improvements([row(0, 'p', 0.5, []), row(1, 'q', 0.7, ['degenerate_signal']), child(2, 'a', 'p', 1, []), child(3, 'b', 'p', 2, ['degenerate_signal']), child(4, 'c', 'q', 3, [])]);
  assert.deepEqual(imp.map((i) => i.expression), ['a']);
  assert.ok(Number.isNaN(w[0]!.testSharpe));
  assert.match(w[0]!.testNote!, new RegExp(`no position on any of the ${T - testStart} test bars`));
  assert.ok(Number.isFinite(w[1]!.testSharpe) && w[1]!.testNote === undefined, JSON.stringify(w));
  store.db.close();
});
