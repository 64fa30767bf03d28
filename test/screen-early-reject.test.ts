import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FactorStore } from '../lib/factors/index.js';
import { assetsHash } from '../lib/data/index.js';
import { screenExpression, screenHeadline, screenSplitMetrics } from '../lib/screen/index.js';
import { DEFAULT_MINE_GATES, hopefulGate } from '../lib/mine/index.js';
import { portfolioPlan, simulateOnPlan, simulatePortfolio } from '../lib/backtest/index.js';
import { reportDiffs } from './helpers/report-diff.js';
import { syntheticPanel } from './helpers/panels.js';

const EXPRS = ['sig', 'noise', '-sig', 'ts_mean(noise, 5)', 'rank(sig) + rank(noise)', 'ts_delta(close, 3)'];

test('report-diff: finds a changed number, a NaN vs number, a typed-array element; ignores wall times', () => {
  const a = { x: 1, y: NaN, z: new Float64Array([1, 2]), timings: { totalMs: 3 } };
  assert.deepEqual(reportDiffs(a, { ...a, timings: { totalMs: 9 } }), []);
  assert.equal(reportDiffs(a, { ...a, x: 1 + 1e-16 * 2 }).length, 1);
  assert.equal(reportDiffs(a, { ...a, y: 0 }).length, 1);
  assert.deepEqual(reportDiffs(a, { ...a, z: new Float64Array([1, 2.0000001]) }), ['$.z[1]: 2 vs 2.0000001']);
});

test('screen early rejection: skipped only when the full screen fails; every figure it reports equals the full report bit for bit (redundancy apart: a skipped candidate\'s snapshot is not a reference); the trial is counted either way', async () => {
  const panel = syntheticPanel(400, 24, 5);
  const [full, cheap, gated] = await Promise.all([FactorStore.open(':memory:'), FactorStore.open(':memory:'), FactorStore.open(':memory:')]);
  let skipped = 0, ran = 0;
  // redundancy is the one figure that differs: the cheap store compares with the snapshots of the candidates that ran every stage only
  const noRedundancy = <T extends { factor?: unknown }>(r: T): T => ({ ...r, factor: r.factor ? { ...(r.factor as object), redundancy: null } : r.factor });
  for (const e of EXPRS) {
    const a = await screenExpression(e, panel, {}, { store: full });
    const b = await screenExpression(e, panel, { earlyReject: true }, { store: cheap });
    assert.equal(a.factor!.redundancy!.compared, skipped + ran, `${e}: the full store compares with every earlier candidate`);
    assert.equal(b.factor!.redundancy!.compared, ran, `${e}: the cheap store compares with the earlier candidates that were not skipped`);
    assert.deepEqual(a.stages, ['evaluate', 'walk_forward', 'factor', 'portfolio', 'deflated_sharpe', 'signal', 'rolling']);
    assert.equal(a.skipped, undefined);
    if (b.skipped) {
      skipped++;
      assert.equal(a.pass, false, `${e}: skipped a passing candidate`);
      assert.equal(b.pass, false);
      assert.deepEqual(b.stages, ['evaluate', 'walk_forward', 'factor', 'portfolio', 'deflated_sharpe']);
      assert.equal(b.signal, undefined);
      assert.equal(b.rolling, undefined);
      assert.match(b.skipped, /^cannot pass: /);
      // the cheap stages' failure kinds are among the full screen's
      const kinds = new Set(a.failures.map((f) => f.kind));
      for (const f of b.failures) assert.ok(kinds.has(f.kind), `${e}: ${f.kind} not in ${[...kinds].join(',')}`);
      const carried = Object.keys(b).filter((k) => !['failures', 'skipped', 'pass', 'stages'].includes(k));
      assert.deepEqual(reportDiffs(Object.fromEntries(carried.map((k) => [k, (noRedundancy(a) as unknown as Record<string, unknown>)[k]])), Object.fromEntries(carried.map((k) => [k, (noRedundancy(b) as unknown as Record<string, unknown>)[k]]))), [], e);
      assert.ok(!screenSplitMetrics(b).some((s) => s.split.startsWith('signal') || s.split.startsWith('roll')));
      assert.equal(screenHeadline(b).signal_trades, undefined);
    } else {
      ran++;
      const { failures: fa, ...ra } = noRedundancy(a), { failures: fb, ...rb } = noRedundancy(b);
      assert.deepEqual(reportDiffs(ra, rb), [], e);
      assert.deepEqual(reportDiffs(fa.filter((f) => f.kind !== 'duplicate'), fb.filter((f) => f.kind !== 'duplicate')), [], e);
    }
    // the miner's gate: skipped exactly when the full metrics miss the hopeful gates
    const g = await screenExpression(e, panel, { earlyReject: hopefulGate(DEFAULT_MINE_GATES) }, { store: gated });
    const hopeful = a.full!.sharpe >= 1.25 && a.full!.fitness >= 1 && a.full!.turnover >= 0.01 && a.full!.turnover <= 0.7;
    assert.equal(g.skipped === undefined, hopeful, e);
    assert.deepEqual(reportDiffs(a.full, g.full), []);
  }
  assert.ok(skipped >= 2 && ran >= 1, `skipped ${skipped}, ran ${ran}: the test must exercise both paths`);
  for (const s of [full, cheap, gated]) assert.equal(await s.countTrials({ dataset: panel.dataset! }), EXPRS.length);
  // every trial counted, but only the candidates that ran every stage left a reference snapshot
  const hash = assetsHash(panel.assets);
  assert.equal((await full.snapshots(panel.dataset!, hash)).length, EXPRS.length);
  assert.equal((await cheap.snapshots(panel.dataset!, hash)).length, ran);
});

test('portfolio plan: any sub-range and cost read from one plan equals simulatePortfolio on that range bit for bit (decay, group neutralization, truncation)', () => {
  const panel = { ...syntheticPanel(260, 16, 9) };
  const groups = { sector: panel.assets.map((_, a) => `g${a % 3}`) };
  const p = { ...panel, groups };
  const f = p.fields.sig!.map((v, i) => (i % 7 === 3 ? NaN : v));
  const base = { decay: 3, neutralization: 'group' as const, truncation: 0.1, delay: 1 as const };
  const plan = portfolioPlan(f, p, { ...base, start: 5, end: 260 });
  for (const [start, end, costBps] of [[5, 260, 5], [5, 60, 0], [61, 200, 2.5], [199, 260, 10], [100, 101, 5]] as const) {
    const direct = simulatePortfolio(f, p, { ...base, costBps, start, end });
    assert.deepEqual(reportDiffs(direct, simulateOnPlan(plan, { costBps, start, end })), [], `${start}-${end}`);
  }
  assert.throws(() => simulateOnPlan(plan, { start: 4, end: 10 }), /outside the plan/);
});
