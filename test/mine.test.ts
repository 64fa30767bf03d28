import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactorStore } from '../lib/factors/index.js';
import { canonical, getOperator, parse } from '../lib/expr/index.js';
import { listHopefulAlphas } from '../lib/venues/brain/index.js';
import {
  expressionVariants, gridCandidates, mineGp, treeShape, gridSize, mineGrid, mineVariants, operatorsForHole, readMineJournal, templateHoles, testSegmentStart, type GridSkips, type MineResult,
} from '../lib/mine/index.js';
import type { Panel } from '../lib/data/index.js';
import { MINE_TEST_GRID } from './helpers/mine-grid.js';
import { mineChildKilledAfter } from './helpers/mine-trials.js';
import { mulberry32 } from './helpers/numeric.js';
import { syntheticPanel } from './helpers/panels.js';

const dir = mkdtempSync(join(tmpdir(), 'mine-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const openStore = (name: string) => FactorStore.open(join(dir, name));
const small = () => syntheticPanel(300, 20, 5);
const journalKey = (r: MineResult) => r.journal.map((j) => `${j.expression}|${j.status}|${j.sharpe}|${j.fitness}|${j.turnover}|${j.selfCorr}|${j.hopeful}`);

test('grid: holes, domain sizes and mixed-radix enumeration on a small registry grid; same-field and canonical duplicates skipped', () => {
  const holes = templateHoles('{f:ts_op}({x:field}, {d:window}) + {x:field}', { fields: ['a', 'b'], windows: [3, 7], operators: ['ts_mean', 'ts_std'] });
  assert.deepEqual(holes.map((h) => [h.name, h.kind, h.values]), [['f', 'ts_op', ['ts_mean', 'ts_std']], ['x', 'field', ['a', 'b']], ['d', 'window', [3, 7]]]);
  assert.equal(gridSize(holes), 8);
  const all = [...gridCandidates(['{f:ts_op}({x:field}, {d:window}) + {x:field}'], { fields: ['a', 'b'], windows: [3, 7], operators: ['ts_mean', 'ts_std'] }, { order: 'enumerate' })];
  // the last hole varies fastest; a hole named twice is one binding
  assert.deepEqual(all.map((c) => c.expression), ['a', 'b'].flatMap((x) => [3, 7].map((d) => canonical(`ts_mean(${x}, ${d}) + ${x}`))).concat(['a', 'b'].flatMap((x) => [3, 7].map((d) => canonical(`ts_std(${x}, ${d}) + ${x}`)))).sort((p, q) => (p.startsWith('ts_mean') === q.startsWith('ts_mean') ? 0 : p.startsWith('ts_mean') ? -1 : 1)));
  assert.deepEqual(all[0]!.bindings, { f: 'ts_mean', x: 'a', d: 3 });

  // x + y is commutative: (a, b) and (b, a) have one canonical form; (a, a) is skipped as the same field
  const skips: GridSkips = { duplicate: 0, sameField: 0, invalid: 0 };
  const sums = [...gridCandidates(['{x:field} + {y:field}', '{y:field} + {x:field}'], { fields: ['a', 'b', 'c'] }, { order: 'enumerate', skips })];
  assert.deepEqual(sums.map((c) => c.expression), ['a + b', 'a + c', 'b + c']);
  assert.deepEqual(skips, { duplicate: 9, sameField: 6, invalid: 0 });

  // a window out of the parser's bounds is refused by instantiateTemplate, not mined
  const badSkips: GridSkips = { duplicate: 0, sameField: 0, invalid: 0 };
  assert.deepEqual([...gridCandidates(['ts_mean(close, {d:window})'], { fields: [], windows: [5, 0] }, { order: 'enumerate', skips: badSkips })].map((c) => c.expression), ['ts_mean(close, 5)']);
  assert.equal(badSkips.invalid, 1);
  assert.throws(() => templateHoles('rank({s:series})', { fields: ['a'] }), /series, which a grid cannot enumerate/);
});

test('grid: operator holes come from the registry by kind and argument kinds; the sample order is a seeded permutation of the enumeration', () => {
  const ts = operatorsForHole('ts_op');
  assert.ok(ts.includes('ts_mean') && ts.includes('ts_std') && ts.length >= 8, ts.join(','));
  for (const name of ts) {
    const op = getOperator(name)!;
    assert.equal(op.kind, 'time_series');
    assert.deepEqual(op.args.map((a) => a.kind), ['series', 'window']);
  }
  for (const name of operatorsForHole('cs_op')) assert.deepEqual(getOperator(name)!.args.map((a) => a.kind), ['series']);
  const t = ['rank({f:ts_op}({x:field}, {d:window}))'];
  const d = { fields: ['open', 'close', 'volume'], windows: [5, 10] };
  const en = [...gridCandidates(t, d, { order: 'enumerate' })].map((c) => c.expression);
  const s1 = [...gridCandidates(t, d, { order: 'sample', seed: 1 })].map((c) => c.expression);
  const s1b = [...gridCandidates(t, d, { order: 'sample', seed: 1 })].map((c) => c.expression);
  const s2 = [...gridCandidates(t, d, { order: 'sample', seed: 2 })].map((c) => c.expression);
  assert.equal(en.length, new Set(en).size);
  assert.deepEqual(s1, s1b, 'same seed, same order');
  assert.notDeepEqual(s1, s2);
  assert.notDeepEqual(s1, en);
  assert.deepEqual([...s1].sort(), [...en].sort(), 'a permutation: nothing lost, nothing repeated');
});

test('variants: every variant is a single typed mutation of its parent, canonical, unique; windows of kind number are never scaled', () => {
  const vs = expressionVariants('winsorize(ts_mean(close, 10), 4)', { fields: ['close', 'open'] });
  const exprs = vs.map((v) => v.expression);
  assert.equal(new Set(exprs).size, exprs.length);
  assert.ok(!exprs.includes(canonical('winsorize(ts_mean(close, 10), 4)')));
  for (const v of vs) assert.equal(canonical(v.expression), v.expression);
  assert.ok(exprs.includes('winsorize(ts_mean(close, 20), 4)') && exprs.includes('winsorize(ts_mean(close, 5), 4)'));
  assert.ok(!exprs.some((e) => e.includes(', 8)') || e.includes(', 2)')), 'the 4 standard deviations stay 4');
  assert.ok(exprs.includes('winsorize(ts_mean(open, 10), 4)'));
  assert.ok(exprs.includes('winsorize(ts_std(close, 10), 4)'));
  assert.ok(exprs.includes('-winsorize(ts_mean(close, 10), 4)'));
  assert.equal(vs.find((v) => v.expression === 'winsorize(ts_mean(open, 10), 4)')!.mutation, 'field close->open');
});

test('grid miner: the trial store grows by exactly the candidates screened; hopeful alphas pass the gates, are below 0.7 self-correlation and carry their template', async () => {
  const store = await openStore('grid.duckdb');
  const panel = small();
  const before = await store.countTrials({ dataset: 'synthetic' });
  const r = await mineGrid({ ...MINE_TEST_GRID, panel, store, max: 18 });
  assert.equal(before, 0);
  assert.equal(r.candidates, 18);
  assert.equal(r.journal.filter((j) => j.status === 'screened').length, 18);
  assert.equal(r.trialsInStore, 18, 'one trial per candidate screened');
  assert.equal(await store.countTrials({ dataset: 'synthetic', source: 'mine:grid' }), 18);
  assert.ok(r.hopeful >= 1, 'the planted signal is found');
  const rows = await listHopefulAlphas(store.db);
  assert.equal(rows.length, r.hopeful);
  for (const h of rows) {
    const j = r.journal.find((x) => x.expression === h.expression)!;
    assert.equal(h.source, 'mine:grid');
    assert.ok(j.template && MINE_TEST_GRID.templates.includes(j.template as never), 'lineage: the template');
    assert.ok(j.sharpe >= 1.25 && j.fitness >= 1 && j.turnover >= 0.01 && j.turnover <= 0.7, JSON.stringify(j));
    assert.ok(!(j.selfCorr >= 0.7));
  }
  // a candidate that passed the metric gates but correlates >= 0.7 with an earlier hopeful alpha is not hopeful
  const blocked = r.journal.filter((j) => j.status === 'screened' && j.sharpe >= 1.25 && j.fitness >= 1 && j.turnover >= 0.01 && j.turnover <= 0.7 && !j.hopeful);
  for (const b of blocked) assert.ok(b.selfCorr >= 0.7, JSON.stringify(b));
  // winners re-tested on the test segment with every trial counted
  assert.ok(r.winners.length >= 1);
  assert.equal(r.winners[0]!.nTrials, 18);
  assert.ok(r.winners[0]!.deflatedSharpe >= 0 && r.winners[0]!.deflatedSharpe <= 1);
  assert.equal(r.testStart, testSegmentStart(300));
  // the same command again: everything is journaled, nothing screened, no trial added
  const again = await mineGrid({ ...MINE_TEST_GRID, panel, store, max: 18 });
  assert.equal(again.screenedThisSession, 0);
  assert.equal(again.candidates, 18);
  assert.equal(again.stoppedBy, 'max');
  assert.equal(again.trialsInStore, 18);
  store.db.close();
});

test('no miner reads the test segment: perturbing the test-segment bars changes nothing that is mined', async () => {
  const panel = small();
  const T = panel.times.length, N = panel.assets.length, ts = testSegmentStart(T);
  const rng = mulberry32(11);
  const fields: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(panel.fields)) {
    const c = v.slice();
    for (let i = ts * N; i < T * N; i++) c[i] = c[i]! * (0.5 + rng()) + (k === 'noise' || k === 'sig' ? rng() - 0.5 : 0);
    fields[k] = c;
  }
  const perturbed: Panel = { ...panel, fields };
  const a = await openStore('pa.duckdb'), b = await openStore('pb.duckdb');
  const ra = await mineGrid({ ...MINE_TEST_GRID, panel, store: a });
  const rb = await mineGrid({ ...MINE_TEST_GRID, panel: perturbed, store: b });
  assert.deepEqual(journalKey(rb), journalKey(ra));
  assert.deepEqual((await listHopefulAlphas(b.db)).map((h) => h.expression), (await listHopefulAlphas(a.db)).map((h) => h.expression));
  // only the end-of-run re-test sees the test segment
  assert.notEqual(rb.winners[0]!.testSharpe, ra.winners[0]!.testSharpe);
  const va = await mineVariants({ panel, store: a, parents: ['ts_mean(sig, 4)'], max: 10, skipRetest: true });
  const vb = await mineVariants({ panel: perturbed, store: b, parents: ['ts_mean(sig, 4)'], max: 10, skipRetest: true });
  assert.deepEqual(journalKey(vb), journalKey(va));
  a.db.close();
  b.db.close();
});

test('variants miner: parents from the hopeful_alphas table, each variant screened with its lineage and compared with its parent', async () => {
  const store = await openStore('var.duckdb');
  const panel = small();
  await assert.rejects(mineVariants({ panel, store, max: 5 }), /no parent expressions/);
  const g = await mineGrid({ ...MINE_TEST_GRID, panel, store, skipRetest: true });
  const parents = (await listHopefulAlphas(store.db)).map((h) => h.expression);
  assert.ok(parents.length >= 1);
  const r = await mineVariants({ panel, store, max: 15, fields: ['sig', 'noise', 'close'] });
  const firstParent = canonical(parents[0]!);
  const parentRow = r.journal.find((j) => j.expression === firstParent);
  // the parent was screened by the grid run already: same trial, not counted again
  assert.equal(parentRow?.mutation, 'parent');
  assert.equal(parentRow?.newTrial, false);
  for (const j of r.journal.filter((x) => x.mutation !== 'parent')) {
    assert.ok(j.parent && parents.map((p) => canonical(p)).includes(j.parent), `lineage of ${j.expression}`);
    assert.ok(expressionVariants(j.parent!, { fields: ['sig', 'noise', 'close'] }).some((v) => v.expression === j.expression && v.mutation === j.mutation));
  }
  for (const imp of r.improvements) {
    const v = r.journal.find((j) => j.expression === imp.expression)!, p = r.journal.find((j) => j.expression === imp.parent)!;
    if (imp.improved.sharpe) assert.ok(v.sharpe > p.sharpe);
    if (imp.improved.fitness) assert.ok(v.fitness > p.fitness);
  }
  const newTrials = r.journal.filter((j) => j.newTrial).length;
  assert.equal(r.trialsInStore, g.candidates + newTrials, 'the store grows by exactly the new trials');
  store.db.close();
});

test('resume after kill -9: the same command continues; no candidate screened twice, none lost, trials counted once', async () => {
  const path = join(dir, 'resume.duckdb');
  const seen = await mineChildKilledAfter(path, 4);
  assert.ok(seen >= 4 && seen < MINE_TEST_GRID.max, `killed mid-run after ${seen} candidates`);
  const store = await FactorStore.open(path);
  const panel = small();
  const resumed = await mineGrid({ ...MINE_TEST_GRID, panel, store, skipRetest: true });
  assert.ok(resumed.resumedSkips >= seen, `${resumed.resumedSkips} journaled before the kill`);
  assert.equal(resumed.candidates, MINE_TEST_GRID.max);
  assert.equal(resumed.screenedThisSession, MINE_TEST_GRID.max - resumed.resumedSkips);
  const exprs = (await readMineJournal(store.db, resumed.runKey)).map((j) => j.expression);
  assert.equal(new Set(exprs).size, exprs.length, 'no candidate journaled twice');
  assert.equal(await store.countTrials({ dataset: 'synthetic' }), MINE_TEST_GRID.max, 'no trial counted twice');
  // an uninterrupted run screens exactly the same candidates with the same results
  const fresh = await openStore('uninterrupted.duckdb');
  const whole = await mineGrid({ ...MINE_TEST_GRID, panel, store: fresh, skipRetest: true });
  assert.deepEqual(journalKey(resumed), journalKey(whole));
  store.db.close();
  fresh.db.close();
});

test('GP: seeded and reproducible; children typed, within the size and depth limits, with lineage; a run continued later breeds what an uninterrupted run breeds', async () => {
  const panel = small();
  const gp = { population: 6, generations: 3, elite: 1, maxSize: 9, maxDepth: 4 };
  const cfg = { templates: MINE_TEST_GRID.templates, domains: MINE_TEST_GRID.domains, gp, seed: 3, skipRetest: true } as const;
  const a = await openStore('gp-a.duckdb'), b = await openStore('gp-b.duckdb');
  const whole = await mineGp({ ...cfg, panel, store: a, max: 16 });
  assert.equal(whole.candidates, 16);
  assert.ok(whole.journal.some((j) => (j.generation ?? 0) >= 2), 'bred past the first generation');
  for (const j of whole.journal) {
    const s = treeShape(parse(j.expression));
    assert.ok(s.size <= 9 && s.depth <= 4, `${j.expression}: size ${s.size}, depth ${s.depth}`);
    assert.equal(canonical(j.expression), j.expression);
    if (j.generation) {
      assert.ok(j.parent && whole.journal.some((p) => p.expression === j.parent && (p.generation ?? 0) < j.generation!), `lineage of ${j.expression}`);
      assert.ok(j.mutation);
    }
  }
  // the same run in two sessions (stopped at 7 candidates, then continued)
  const first = await mineGp({ ...cfg, panel, store: b, max: 7 });
  assert.equal(first.candidates, 7);
  const second = await mineGp({ ...cfg, panel, store: b, max: 16 });
  assert.equal(second.runKey, whole.runKey);
  assert.equal(second.screenedThisSession, 9);
  assert.deepEqual(journalKey(second), journalKey(whole));
  assert.equal(await b.countTrials({ dataset: 'synthetic' }), 16);
  a.db.close();
  b.db.close();
});

test('a random-walk panel: the mining run reports no discovery (every winner\'s deflated Sharpe, every trial counted, stays below the pass level)', async () => {
  const { DSR_PASS_LEVEL } = await import('../lib/stats/index.js');
  const base = small();
  const T = base.times.length, N = base.assets.length, rng = mulberry32(21);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const close = new Float64Array(T * N), sig = new Float64Array(T * N), noise = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let a = 0; a < N; a++) {
    close[t * N + a] = t === 0 ? 100 : close[(t - 1) * N + a]! * (1 + 0.01 * gauss());
    sig[t * N + a] = gauss();
    noise[t * N + a] = gauss();
  }
  const panel: Panel = { ...base, dataset: 'random_walk', fields: { open: close, high: close, low: close, close, volume: base.fields.volume!, sig, noise } };
  const store = await openStore('rw.duckdb');
  const r = await mineGrid({ ...MINE_TEST_GRID, panel, store });
  assert.equal(r.trialsInStore, MINE_TEST_GRID.max);
  assert.ok(r.winners.length >= 1);
  for (const w of r.winners) assert.ok(w.deflatedSharpe < DSR_PASS_LEVEL, `${w.expression}: DSR ${w.deflatedSharpe}`);
  store.db.close();
});

test('pool report: one alpha pools to itself; the IC weights come from the train segment and enter with their sign', async () => {
  const { poolReport } = await import('../lib/mine/index.js');
  const panel = small();
  const ts = testSegmentStart(panel.times.length);
  const one = poolReport(['sig'], panel, ts);
  assert.deepEqual(one.equalWeight, one.members[0]);
  assert.ok(one.trainRankIc[0]! > 0.05, `train Rank IC ${one.trainRankIc[0]}`);
  assert.deepEqual(one.icWeighted, one.members[0]);
  // a negated alpha has a negative train IC: IC-weighting turns it back; equal weight of x and -x leaves nothing but ties
  const neg = poolReport(['-sig'], panel, ts);
  assert.ok(neg.trainRankIc[0]! < 0);
  assert.ok(Math.abs(neg.icWeighted.rankIc - one.members[0]!.rankIc) < 1e-12, `${neg.icWeighted.rankIc} vs ${one.members[0]!.rankIc}`);
  assert.ok(Math.abs(neg.equalWeight.rankIc + one.members[0]!.rankIc) < 1e-12);
  // a pool of a signal and noise: the IC weights (train only) favour the signal over equal weights
  const two = poolReport(['sig', 'noise'], panel, ts);
  assert.ok(Math.abs(two.trainRankIc[0]!) > Math.abs(two.trainRankIc[1]!));
  assert.ok(two.icWeighted.rankIc > two.equalWeight.rankIc, `${two.icWeighted.rankIc} vs ${two.equalWeight.rankIc}`);
});
