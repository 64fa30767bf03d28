import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactorStore } from '../lib/factors/index.js';
import { fromTokens } from '../lib/expr/index.js';
import { Rng } from '../lib/stats/index.js';
import {
  buildVocab, exportPolicy, grammarMask, grammarStep, listHopefulLineage, mineGenerate, mineGrid, OnnxPolicy, Policy, policyConfig, readMineJournal, START_STATE, tokensToExpression, trainGenerator, vocabOfOnnx,
} from '../lib/mine/index.js';
import { syntheticPanel } from './helpers/panels.js';
import { plantedReward } from './helpers/planted-reward.js';

const dir = mkdtempSync(join(tmpdir(), 'mine-gen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('vocab: operators come from the registry by signature; every random walk through the grammar mask ends in a valid formula within maxLength (property test over many seeds)', () => {
  const v = buildVocab(['close', 'volume', 'returns'], [5, 20], 8);
  assert.equal(v.tokens[0], 'END');
  for (const op of ['add', 'rank', 'ts_mean', 'ts_corr', 'neg']) assert.ok(v.tokens.includes(op), op);
  for (const op of ['lt', 'if_else', 'rsi', 'scale']) assert.ok(!v.tokens.includes(op), op);
  // hand-checked states: a window may only follow a series and must be consumed next
  assert.equal(grammarStep(v, START_STATE, v.tokens.indexOf('5')), null);
  const s1 = grammarStep(v, START_STATE, v.tokens.indexOf('close'))!;
  const s2 = grammarStep(v, s1, v.tokens.indexOf('5'))!;
  assert.deepEqual([...grammarMask(v, s2)].flatMap((m, i) => (m ? [v.tokens[i]] : [])).every((t) => v.args[v.tokens.indexOf(t!)]!.at(-1) === 'W' && v.args[v.tokens.indexOf(t!)]!.length === 2), true);
  assert.equal(grammarStep(v, s1, 0)!.done, true);
  for (let seed = 0; seed < 300; seed++) {
    const rng = new Rng(seed);
    let s = START_STATE;
    const ids: number[] = [];
    while (!s.done) {
      const m = grammarMask(v, s);
      assert.ok(m.some((x) => x === 1), `dead end after ${ids.map((i) => v.tokens[i]).join(' ')}`);
      const id = rng.choice(m);
      ids.push(id);
      s = grammarStep(v, s, id)!;
    }
    assert.ok(ids.length - 1 <= v.maxLength);
    const e = fromTokens(ids.slice(0, -1).map((i) => v.tokens[i]!)); // the one stack VM accepts it
    assert.equal(typeof tokensToExpression(v, ids), 'string', JSON.stringify(e));
  }
});

for (const kind of ['transformer', 'gru'] as const) test(`policy (${kind}): tfjs and onnxruntime-node give the same next-token probabilities within 1e-5 and the same samples; the vocabulary travels in the ONNX metadata`, async () => {
  const v = buildVocab(['close', 'volume', 'returns', 'vwap'], [5, 20], 10);
  const p = new Policy(v, policyConfig(kind, v, { dModel: 32 }), 7);
  try {
    // one update so the weights are not the initial ones
    const b = p.sample(8, new Rng(1));
    p.update(b, b.ids.map((ids) => ids.length / 5));
    const bytes = exportPolicy(p.checkpoint(), ['close', 'volume', 'returns', 'vwap'], [5, 20]);
    assert.deepEqual(vocabOfOnnx(bytes).tokens, v.tokens);
    const o = await OnnxPolicy.load(bytes, v);
    const prefixes = p.sample(6, new Rng(2)).ids.map((ids, k) => ids.slice(0, 1 + (k % 6)));
    const a = p.probabilities(prefixes), c = await o.probabilities(prefixes);
    assert.equal(a.length, c.length);
    assert.equal(a.length % v.tokens.length, 0);
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - c[i]!));
    assert.ok(max < 1e-5, `max |tfjs - onnx| = ${max}`);
    // rows are distributions
    for (let r = 0; r < a.length / v.tokens.length; r++) assert.ok(Math.abs(a.subarray(r * v.tokens.length, (r + 1) * v.tokens.length).reduce((x, y) => x + y, 0) - 1) < 1e-5);
    assert.deepEqual((await o.sample(8, new Rng(5))).ids, p.sample(8, new Rng(5)).ids);
  } finally {
    p.dispose();
  }
});

test('generator: on a planted-signal panel the Transformer policy\'s mean reward rises well above the random policy\'s within 14 updates of 16', () => {
  const panel = syntheticPanel(80, 20, 4);
  const reward = plantedReward(panel);
  const vocab = buildVocab(['sig', 'noise', 'close', 'volume'], [3, 5], 6);
  assert.ok(reward('sig') > 3 && Math.abs(reward('noise')) < 0.5, 'the planted field carries the signal');
  const { policy, curve } = trainGenerator({ vocab, reward, updates: 14, model: 'transformer', dModel: 32, batch: 16, seed: 1, lr: 1e-2 });
  policy.dispose();
  const random = (curve[0]!.meanReward + curve[1]!.meanReward) / 2; // the initial policy is near uniform over the valid tokens
  const last = curve.slice(-3).reduce((s, c) => s + c.meanReward, 0) / 3;
  assert.ok(last > random + 1.5 && last > 2, `random ${random.toFixed(2)} -> last ${last.toFixed(2)}: ${curve.map((c) => c.meanReward.toFixed(2)).join(' ')}`);
  assert.ok(curve.at(-1)!.entropy < curve[0]!.entropy, 'the policy sharpens');
  assert.equal(curve.at(-1)!.samples, 14 * 16);
  assert.ok(curve.every((c, i) => i === 0 || c.bestSoFar >= curve[i - 1]!.bestSoFar));
});

test('mine generate: every candidate screened and counted once; stopped and resumed it trains and mines exactly what one run does; checkpoint, ONNX and curve written; ONNX sampling mode mines', async () => {
  const panel = syntheticPanel(300, 20, 5);
  const opts = { panel, model: 'transformer' as const, dModel: 16, batch: 6, seed: 3, fields: ['sig', 'noise', 'close'], windows: [3, 5], maxLength: 5, skipRetest: true };
  const one = await FactorStore.open(join(dir, 'one.duckdb'));
  const r1 = await mineGenerate({ ...opts, store: one, max: 14, outDir: join(dir, 'one') });
  assert.equal(r1.candidates, 14);
  assert.equal(r1.trialsInStore, 14);
  assert.ok(r1.curve.length >= 1);
  assert.ok(r1.journal.every((j) => j.template!.startsWith('policy:transformer@')));
  for (const f of ['policy.json', 'policy.onnx', 'curve.json']) assert.ok(existsSync(join(dir, 'one', f)), f);
  assert.equal(JSON.parse(readFileSync(join(dir, 'one', 'curve.json'), 'utf8')).curve.length, r1.curve.length);

  const two = await FactorStore.open(join(dir, 'two.duckdb'));
  const a = await mineGenerate({ ...opts, store: two, max: 5, outDir: join(dir, 'two') });
  assert.equal(a.candidates, 5);
  const b = await mineGenerate({ ...opts, store: two, max: 14, outDir: join(dir, 'two') });
  assert.equal(b.screenedThisSession, 9); // the 5 journaled ones are known from the journal replay and not drawn again
  const key = (r: typeof r1) => r.journal.map((j) => `${j.seq}|${j.expression}|${j.template}|${j.generation}|${j.sharpe}`);
  assert.deepEqual(key(b), key(r1));
  assert.equal(b.trialsInStore, 14);
  assert.equal(b.checkpointId, r1.checkpointId);
  const lineage = await listHopefulLineage(two.db);
  for (const l of lineage) assert.ok(String(l.checkpoint).startsWith('transformer@'), JSON.stringify(l));
  assert.equal(lineage.length, b.hopeful);

  const s = await mineGenerate({ panel, store: two, max: 4, policy: join(dir, 'one', 'policy.onnx'), seed: 1, batch: 6, skipRetest: true });
  assert.equal(s.candidates, 4);
  assert.ok(s.journal.every((j) => j.template!.startsWith('policy:onnx:')));
  assert.equal((await readMineJournal(two.db, s.runKey)).length, s.journal.length);
  assert.equal(s.trialsInStore, 14 + s.journal.filter((j) => j.newTrial).length);
  one.db.close();
  two.db.close();
});

test('hopeful lineage: a hopeful alpha found by the grid gets its lineage row (miner, run, journal seq, template) in the same transaction', async () => {
  const store = await FactorStore.open(join(dir, 'lineage.duckdb'));
  const r = await mineGrid({ panel: syntheticPanel(300, 20, 5), store, templates: ['{x:field}', 'ts_mean({x:field}, {d:window})'], domains: { fields: ['sig', 'noise'], windows: [3] }, order: 'enumerate', max: 4, skipRetest: true });
  assert.ok(r.hopeful >= 1, JSON.stringify(r.journal.map((j) => [j.expression, j.sharpe, j.fitness, j.turnover])));
  const rows = await listHopefulLineage(store.db);
  assert.equal(rows.length, r.hopeful);
  for (const l of rows) {
    const j = r.journal.find((x) => x.expression === l.expression)!;
    assert.ok(j.hopeful);
    assert.deepEqual([l.miner, l.run_key, Number(l.seq), l.template, l.checkpoint], ['grid', r.runKey, j.seq, j.template, null]);
  }
  store.db.close();
});

test('mine generate stops when its batches bring nothing new (a collapsed policy or an exhausted formula space), instead of training forever', async () => {
  const panel = syntheticPanel(200, 10, 5);
  const store = await FactorStore.open(join(dir, 'stale.duckdb'));
  // one field, one window, at most 2 tokens: a few dozen formulas in all, far fewer than max
  const r = await mineGenerate({ panel, store, model: 'gru', dModel: 8, batch: 8, seed: 5, fields: ['sig'], windows: [3], maxLength: 2, max: 500, maxStaleBatches: 3, skipRetest: true, outDir: join(dir, 'stale') });
  assert.ok(r.candidates > 0 && r.candidates < 500, `candidates ${r.candidates}`);
  assert.equal(new Set(r.journal.map((j) => j.expression)).size, r.journal.length);
  assert.equal(r.trialsInStore, r.journal.filter((j) => j.newTrial).length);
  // the GRU is exported too, and `policy` samples it through onnxruntime-node
  assert.ok(existsSync(join(dir, 'stale', 'policy.onnx')));
  const g = await mineGenerate({ panel, store, max: 3, policy: join(dir, 'stale', 'policy.onnx'), seed: 2, batch: 4, skipRetest: true });
  assert.equal(g.candidates, 3);
  assert.ok(g.journal.every((j) => j.template!.startsWith('policy:onnx:')));
  await assert.rejects(mineGenerate({ panel, store, max: 5, maxStaleBatches: 0, skipRetest: true, outDir: join(dir, 'stale0') }), /maxStaleBatches must be a positive integer/);
  store.db.close();
});
