import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Panel } from '../lib/data/panel.js';
import { assetsHash } from '../lib/data/index.js';
import { evaluateFactor, FactorStore, SnapshotIndex, snapshotCorrelation, SNAPSHOT_MISSING, type RankSnapshot } from '../lib/factors/index.js';
import { lcg } from './helpers/numeric.js';

function makePanel(T: number, N: number, seed: number): Panel {
  const r = lcg(seed);
  const close = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    let p = 20 + 80 * r();
    for (let t = 0; t < T; t++) {
      p *= 1 + (r() - 0.5) * 0.05;
      close[t * N + a] = p;
    }
  }
  return {
    dataset: 'synthetic', frequency: '1d', market: 'equity',
    times: Float64Array.from({ length: T }, (_, i) => Date.UTC(2021, 0, 4) + i * 86_400_000),
    assets: Array.from({ length: N }, (_, i) => `S${i}`),
    fields: { open: close, high: close, low: close, close, volume: close },
  };
}

/** A random snapshot on `D` of the dates 0..99 (day numbers), some codes missing, some constant rows. */
function randomSnapshot(r: () => number, N: number, D: number): RankSnapshot {
  const days = new Set<number>();
  while (days.size < D) days.add(Math.floor(r() * 100));
  const times = Float64Array.from([...days].sort((a, b) => a - b), (d) => d * 86_400_000);
  const codes = new Uint16Array(D * N);
  // half the snapshots miss the assets the "data" lacks on each day (the same for every factor: the row-stats path), the rest miss at random
  const shared = r() < 0.5;
  for (let d = 0; d < D; d++) {
    for (let a = 0; a < N; a++) {
      const miss = shared ? (times[d]! / 86_400_000 + a) % 4 === 0 : r() < 0.1;
      codes[d * N + a] = miss ? SNAPSHOT_MISSING : Math.floor(r() * 65535);
    }
  }
  if (D > 2) codes.fill(7, N, 2 * N); // a constant row: skipped
  return { times, nAssets: N, codes };
}

test('SnapshotIndex.correlations equals snapshotCorrelation bit for bit (rows missing the same assets or not), touches only snapshots sharing a date, in meta order', () => {
  const r = lcg(11);
  const N = 9;
  const index = new SnapshotIndex<number>((a, b) => a - b);
  const stored: { id: string; order: number; s: RankSnapshot }[] = [];
  for (let k = 0; k < 60; k++) {
    const s = randomSnapshot(r, N, 1 + Math.floor(r() * 12));
    const order = (k * 37) % 61; // distinct, not in insertion order
    stored.push({ id: `f${k}`, order, s });
    index.add(`f${k}`, order, s);
  }
  // replacing moves an entry's snapshot and order; removing drops it
  const repl = randomSnapshot(r, N, 10);
  index.add('f3', 5000, repl);
  stored[3] = { id: 'f3', order: 5000, s: repl };
  index.remove('f4');
  stored.splice(4, 1);
  assert.equal(index.size, 59);
  for (let trial = 0; trial < 20; trial++) {
    const a = randomSnapshot(r, N, 1 + Math.floor(r() * 30));
    const got = index.correlations(a, 'f7');
    const want = stored
      .filter((e) => e.id !== 'f7')
      .map((e) => ({ id: e.id, meta: e.order, ...snapshotCorrelation(a, e.s) }))
      .filter((e) => e.nDates > 0)
      .sort((x, y) => x.meta - y.meta);
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      assert.equal(got[i]!.id, want[i]!.id);
      assert.ok(Object.is(got[i]!.corr, want[i]!.corr), `${want[i]!.id}: ${got[i]!.corr} vs ${want[i]!.corr}`);
      assert.equal(got[i]!.nDates, want[i]!.nDates);
    }
  }
  assert.deepEqual(index.list().map((e) => e.id), stored.slice().sort((x, y) => x.order - y.order).map((e) => e.id));
});

test('the store\'s in-memory trial Sharpes and snapshots equal the SQL answers, and follow writes made through another store object', async () => {
  const panel = makePanel(90, 12, 5);
  const a = await FactorStore.open(':memory:');
  const b = await FactorStore.open(a.db); // a second object on the same connection: writes a does not see
  const r = lcg(3);
  const sqlStats = async () => {
    // the former SQL formula (two passes over the table)
    const row = (await a.db.one<{ n: number; s: number | null; nf: number }>(`SELECT count(*) AS n, sum(ls_sharpe_per_bar) FILTER (WHERE isfinite(ls_sharpe_per_bar)) AS s,
      count(*) FILTER (WHERE isfinite(ls_sharpe_per_bar)) AS nf FROM factor_trials WHERE dataset = 'synthetic'`))!;
    const m = (row.s ?? 0) / Number(row.nf);
    const ss = (await a.db.one<{ ss: number }>(`SELECT sum((ls_sharpe_per_bar - ?) * (ls_sharpe_per_bar - ?)) FILTER (WHERE isfinite(ls_sharpe_per_bar)) AS ss FROM factor_trials WHERE dataset = 'synthetic'`, [m, m]))!;
    return { nTrials: Number(row.n), variance: ss.ss / (Number(row.nf) - 1) };
  };
  const values = () => Float64Array.from({ length: 90 * 12 }, () => r());
  for (let k = 0; k < 14; k++) {
    const store = k % 4 === 3 ? b : a;
    const rep = await evaluateFactor({ name: `f${k}`, values: values() }, panel, { store, horizon: 1 });
    assert.equal(rep.cached, false);
    if (k >= 2) {
      // a's view after every write, whoever made it
      const mem = await a.trialSharpeStats({ dataset: 'synthetic' });
      const sql = await sqlStats();
      assert.equal(mem.nTrials, k + 1);
      assert.equal(mem.nTrials, sql.nTrials);
      assert.ok(Object.is(mem.variance, sql.variance), `${mem.variance} vs ${sql.variance}`);
      assert.equal(rep.deflatedSharpe!.nTrials, k + 1);
    }
  }
  const aHash = assetsHash(panel.assets);
  const fromA = await a.snapshots('synthetic', aHash);
  const fresh = await FactorStore.open(a.db);
  const fromSql = await fresh.snapshots('synthetic', aHash); // a new object loads from the table
  assert.equal(fromA.length, 14);
  assert.deepEqual(fromA.map((s) => s.factorId), fromSql.map((s) => s.factorId));
  assert.deepEqual(fromA.map((s) => s.snapshot), fromSql.map((s) => s.snapshot));
  // the redundancy of a new trial: the same whether the store object saw the earlier writes or loads them now
  const v = values();
  const c1 = await a.snapshotCorrelations('synthetic', aHash, fromA[5]!.snapshot, fromA[5]!.factorId);
  const c2 = await fresh.snapshotCorrelations('synthetic', aHash, fromA[5]!.snapshot, fromA[5]!.factorId);
  assert.deepEqual(c1, c2);
  assert.equal(c1.compared, 13);
  for (const c of c1.correlations) assert.ok(Object.is(c.corr, snapshotCorrelation(fromA[5]!.snapshot, fromA.find((s) => s.factorId === c.factorId)!.snapshot).corr));
  const again = await evaluateFactor({ name: 'dup', values: v }, panel, { store: a, horizon: 1 });
  const twin = await evaluateFactor({ name: 'dup2', values: v.map((x) => 2 * x) }, panel, { store: b, horizon: 1 });
  assert.equal(again.redundancy!.compared, 14);
  assert.equal(twin.redundancy!.compared, 15);
  assert.equal(twin.redundancy!.with, 'dup'); // same ranks: correlation 1 with the trial b never saw written
  assert.ok(twin.redundancy!.redundant);
  // configuration trials written through the store count in its cached trial count
  await a.recordConfigurations([{ dataset: 'synthetic', study: 's', number: 0, params: {}, state: 'COMPLETE', objective: 1, annualization: 252 }]);
  assert.equal((await a.trialSharpeStats({ dataset: 'synthetic' })).nTrials, 17);
  assert.equal((await b.trialSharpeStats({ dataset: 'synthetic' })).nTrials, 17);
  a.db.close();
});
