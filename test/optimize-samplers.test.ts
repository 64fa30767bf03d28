// Samplers of lib/optimize: reproducibility, bounds/step/log, grid coverage, TPE ranking and its edge over random.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GridSampler, RandomSampler, TPESampler, createStudy, contains, floatDistribution, intDistribution, intersectionSearchSpace, type Sampler, type Trial } from '../lib/optimize/index.js';

/** A mixed search space touching every suggest flavour; returns a value that depends on all of them. */
function mixedObjective(trial: Trial): number {
  const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
  const z = trial.suggestFloat('z', -1, 2, { step: 0.25 });
  const w = trial.suggestFloat('w', 0, 1);
  const k = trial.suggestInt('k', 3, 21, { step: 3 });
  const n = trial.suggestInt('n', 1, 500, { log: true });
  const m = trial.suggestInt('m', -4, 4);
  const kind = trial.suggestCategorical('kind', ['ema', 'sma', 'wma']);
  const flag = trial.suggestCategorical('flag', [true, false]);
  return (Math.log10(lr) + 3) ** 2 + (z - 0.5) ** 2 + w + Math.abs(k - 9) / 3 + Math.abs(Math.log(n / 20)) + m * m * 0.1 + (kind === 'sma' ? 0 : 1) + (flag ? 0 : 0.5);
}

async function paramsOf(sampler: Sampler, nTrials: number): Promise<Record<string, unknown>[]> {
  const study = await createStudy({ sampler });
  await study.optimize(mixedObjective, { nTrials });
  return study.trials.map((t) => t.params);
}

test('same seed gives the same trials (random and TPE); another seed differs', async () => {
  for (const make of [(s: number) => new RandomSampler({ seed: s }), (s: number) => new TPESampler({ seed: s, nStartupTrials: 5 })]) {
    const a = await paramsOf(make(11), 25);
    const b = await paramsOf(make(11), 25);
    const c = await paramsOf(make(12), 25);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  }
  // createStudy({ seed }) seeds the default TPE sampler
  const s1 = await createStudy({ seed: 3 });
  const s2 = await createStudy({ seed: 3 });
  await s1.optimize(mixedObjective, { nTrials: 15 });
  await s2.optimize(mixedObjective, { nTrials: 15 });
  assert.deepEqual(s1.trials.map((t) => t.params), s2.trials.map((t) => t.params));
  await assert.rejects(createStudy({ seed: 1, sampler: new RandomSampler() }), /pass the seed to your sampler/);
});

test('every suggested value respects bounds, step, integrality and log scale (random and TPE, 150 trials each)', async () => {
  const dists = {
    lr: floatDistribution('lr', 1e-5, 1e-1, { log: true }),
    z: floatDistribution('z', -1, 2, { step: 0.25 }),
    w: floatDistribution('w', 0, 1),
    k: intDistribution('k', 3, 21, { step: 3 }),
    n: intDistribution('n', 1, 500, { log: true }),
    m: intDistribution('m', -4, 4),
  };
  for (const sampler of [new RandomSampler({ seed: 1 }), new TPESampler({ seed: 1, nStartupTrials: 10 })]) {
    const study = await createStudy({ sampler });
    await study.optimize(mixedObjective, { nTrials: 150 });
    const seen = { z: new Set<number>(), k: new Set<number>(), m: new Set<number>(), kind: new Set<unknown>() };
    for (const t of study.trials) {
      assert.equal(t.state, 'COMPLETE');
      for (const [name, d] of Object.entries(dists)) assert.ok(contains(d, t.params[name]), `${sampler.description}: ${name} = ${t.params[name]}`);
      const z = t.params.z as number;
      assert.equal(z, Math.round(z * 4) / 4, 'z on the 0.25 grid without float noise');
      assert.ok(['ema', 'sma', 'wma'].includes(t.params.kind as string));
      assert.equal(typeof t.params.flag, 'boolean');
      seen.z.add(z);
      seen.k.add(t.params.k as number);
      seen.m.add(t.params.m as number);
      seen.kind.add(t.params.kind);
    }
    if (sampler instanceof RandomSampler) {
      // uniform over grid points: all 13 z values, 7 k values, 9 m values, 3 kinds show up in 150 draws
      assert.equal(seen.z.size, 13);
      assert.equal(seen.k.size, 7);
      assert.equal(seen.m.size, 9);
      assert.equal(seen.kind.size, 3);
    }
  }
});

test('random sampler: log scale is log-uniform and endpoints of integer grids are reachable', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
  await study.optimize((t) => t.suggestFloat('x', 1e-3, 1e3, { log: true }) + t.suggestInt('k', 1, 4), { nTrials: 2000 });
  const xs = study.trials.map((t) => t.params.x as number);
  const ks = study.trials.map((t) => t.params.k as number);
  // log-uniform: P(x < 1) = 1/2, P(x < 0.01) = 1/6 (binomial sd over 2000 draws ≈ 0.011 and 0.008)
  const below1 = xs.filter((x) => x < 1).length / xs.length;
  const below001 = xs.filter((x) => x < 0.01).length / xs.length;
  assert.ok(Math.abs(below1 - 0.5) < 0.05, `P(x<1) = ${below1}`);
  assert.ok(Math.abs(below001 - 1 / 6) < 0.04, `P(x<0.01) = ${below001}`);
  // each of 1..4 gets about a quarter (endpoints not halved)
  for (const k of [1, 2, 3, 4]) assert.ok(Math.abs(ks.filter((v) => v === k).length / ks.length - 0.25) < 0.04, `k=${k}`);
});

test('grid sampler covers every combination exactly once, then stops', async () => {
  const space = { a: [1, 2, 3], b: ['x', 'y'], c: [true, false] };
  const sampler = new GridSampler(space, { seed: 4 });
  assert.equal(sampler.size, 12);
  const study = await createStudy({ sampler });
  await study.optimize(
    (t) => {
      const a = t.suggestInt('a', 1, 3);
      const b = t.suggestCategorical('b', ['x', 'y']);
      const c = t.suggestCategorical('c', [true, false]);
      return a + (b === 'x' ? 0 : 10) + (c ? 0 : 100);
    },
    { nTrials: 50 },
  );
  assert.equal(study.trials.length, 12, 'stops when the grid is exhausted');
  const keys = study.trials.map((t) => JSON.stringify([t.params.a, t.params.b, t.params.c]));
  assert.equal(new Set(keys).size, 12);
  for (const a of space.a) for (const b of space.b) for (const c of space.c) assert.ok(keys.includes(JSON.stringify([a, b, c])));
  // seeded order: same seed same order, other seed another order
  const order = async (seed: number): Promise<unknown[]> => {
    const s = await createStudy({ sampler: new GridSampler(space, { seed }) });
    await s.optimize((t) => t.suggestInt('a', 1, 3) + t.suggestInt('a', 1, 3), {});
    return s.trials.map((t) => t.systemAttrs.gridId);
  };
  assert.deepEqual(await order(4), await order(4));
  assert.notDeepEqual(await order(4), await order(5));
  // bad use is reported
  const bad = await createStudy({ sampler: new GridSampler({ a: [1, 5] }, { seed: 0 }) });
  await assert.rejects(bad.optimize((t) => t.suggestFloat('q', 0, 1), { nTrials: 1 }), /'q' is not in the grid/);
  const out = await createStudy({ sampler: new GridSampler({ a: [5] }, { seed: 0 }) });
  await assert.rejects(out.optimize((t) => t.suggestInt('a', 0, 3), { nTrials: 1 }), /grid value 5 of 'a' is outside int\[0, 3\]/);
  assert.throws(() => new GridSampler({ a: [] }), /non-empty/);
});

test('TPE split: complete trials first by value, then pruned by depth (FAIL excluded)', async () => {
  let nBelow = 2;
  const sampler = new TPESampler({ seed: 0, nStartupTrials: 3, gamma: () => nBelow });
  const study = await createStudy({ sampler, direction: 'maximize' });
  const values = [5, 1, 9];
  for (const v of values) {
    const t = await study.ask();
    t.suggestFloat('x', 0, 1);
    await study.tell(t, v);
  }
  // pruned deep (step 3, value 100) and shallow (step 0, value 1000); one failed
  for (const [step, v] of [[3, 100], [0, 1000]] as const) {
    const t = await study.ask();
    t.suggestFloat('x', 0, 1);
    for (let s = 0; s <= step; s++) t.report(v, s);
    await study.tell(t, { state: 'PRUNED' });
  }
  const f = await study.ask();
  f.suggestFloat('x', 0, 1);
  await study.tell(f, { state: 'FAIL' });
  const cur = await study.ask();
  const { below, above, nFinished } = sampler.split(study, study.allTrials[cur.number]);
  assert.equal(nFinished, 5, 'FAIL and RUNNING excluded');
  // maximize: 9 (trial 2) and 5 (trial 0) are best; groups kept in number order
  assert.deepEqual(below.map((t) => t.number), [0, 2]);
  assert.deepEqual(above.map((t) => t.number), [1, 3, 4]);
  // a larger below group takes all complete trials, then the deepest pruned one (trial 3, step 3)
  // before the shallow one with the better value (trial 4, step 0)
  nBelow = 4;
  const next = await study.ask(); // new trial number -> no cached split
  const g4 = sampler.split(study, study.allTrials[next.number]);
  assert.deepEqual(g4.below.map((t) => t.number), [0, 1, 2, 3]);
  assert.deepEqual(g4.above.map((t) => t.number), [4]);
});

test('TPE beats random on a 1-D quadratic: mean distance of the 60-trial best to the optimum is less than half', async () => {
  const run = async (sampler: Sampler): Promise<number> => {
    const study = await createStudy({ sampler });
    await study.optimize((t) => (t.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 60 });
    return Math.abs((study.bestParams.x as number) - 2);
  };
  let rnd = 0;
  let tpe = 0;
  const seeds = 10;
  for (let s = 0; s < seeds; s++) {
    rnd += (await run(new RandomSampler({ seed: s }))) / seeds;
    tpe += (await run(new TPESampler({ seed: s }))) / seeds;
  }
  assert.ok(tpe < 0.5 * rnd, `TPE mean distance ${tpe} vs random ${rnd}`);
});

test('TPE handles categorical and integer spaces: concentrates on the best choice', async () => {
  const study = await createStudy({ sampler: new TPESampler({ seed: 2 }) });
  await study.optimize(
    (t) => {
      const c = t.suggestCategorical('c', ['a', 'b', 'c', 'd', 'e']);
      const k = t.suggestInt('k', 0, 20);
      return (c === 'd' ? 0 : 5) + Math.abs(k - 13);
    },
    { nTrials: 80 },
  );
  const late = study.trials.slice(40);
  const dShare = late.filter((t) => t.params.c === 'd').length / late.length;
  // uniform would give 0.2
  assert.ok(dShare > 0.5, `share of best choice in trials 40-79: ${dShare}`);
  assert.equal(study.bestParams.c, 'd');
  assert.ok(Math.abs((study.bestParams.k as number) - 13) <= 1);
});

test('TPE options are validated', () => {
  assert.throws(() => new TPESampler({ nEiCandidates: 0 }), /nEiCandidates/);
  assert.throws(() => new TPESampler({ priorWeight: 0 }), /priorWeight/);
  assert.throws(() => new RandomSampler({ seed: 1.5 }), /seed must be an integer/);
});

test('multivariate TPE: same startup trials as univariate, then joint sampling; reproducible and in bounds', async () => {
  const uni = await paramsOf(new TPESampler({ seed: 21, nStartupTrials: 8 }), 30);
  const mv = await paramsOf(new TPESampler({ seed: 21, nStartupTrials: 8, multivariate: true }), 30);
  assert.deepEqual(mv.slice(0, 8), uni.slice(0, 8), 'startup draws are the same random ones');
  assert.notDeepEqual(mv.slice(8), uni.slice(8), 'after startup the joint sampler proposes other points');
  assert.deepEqual(await paramsOf(new TPESampler({ seed: 21, nStartupTrials: 8, multivariate: true }), 30), mv);
  const dists = { lr: floatDistribution('lr', 1e-5, 1e-1, { log: true }), z: floatDistribution('z', -1, 2, { step: 0.25 }), n: intDistribution('n', 1, 500, { log: true }) };
  for (const p of mv) for (const [name, d] of Object.entries(dists)) assert.ok(contains(d, p[name]), `${name} = ${p[name]}`);
});

test('multivariate TPE keeps correlated coordinates together: finds a narrow diagonal valley better than random', async () => {
  // f = (x - y)^2 * 100 + (x + y - 1)^2: minimum 0 at x = y = 0.5; good points lie on the diagonal
  const run = async (sampler: Sampler): Promise<number> => {
    const study = await createStudy({ sampler });
    await study.optimize((t) => {
      const x = t.suggestFloat('x', -3, 3);
      const y = t.suggestFloat('y', -3, 3);
      return 100 * (x - y) ** 2 + (x + y - 1) ** 2;
    }, { nTrials: 80 });
    return study.bestValue;
  };
  let rnd = 0;
  let mv = 0;
  for (let s = 0; s < 6; s++) {
    rnd += await run(new RandomSampler({ seed: s }));
    mv += await run(new TPESampler({ seed: s, multivariate: true }));
  }
  assert.ok(mv < 0.25 * rnd, `multivariate TPE ${mv / 6} vs random ${rnd / 6}`);
});

test('intersectionSearchSpace keeps parameters shared with identical distributions', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
  await study.optimize((t) => {
    t.suggestFloat('a', 0, 1);
    t.suggestInt('b', 0, t.number === 1 ? 5 : 9); // distribution differs in trial 1
    if (t.number !== 2) t.suggestCategorical('c', ['u', 'v']); // missing in trial 2
    return t.suggestFloat('d', -1, 1);
  }, { nTrials: 3 });
  assert.deepEqual(Object.keys(intersectionSearchSpace(study.trials)), ['a', 'd']);
  assert.deepEqual(intersectionSearchSpace([]), {});
});
