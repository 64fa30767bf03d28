/**
 * Universe and tradability on hand-made A-share-style panels: suspensions with
 * volume 0 and the price carried forward, +-10 % daily limits (per-asset
 * override), the masks hand-checked, no look-ahead, and neither simulator
 * trading an untradable bar; factor statistics use only in-universe cells.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { tradabilityMask, topNByDollarVolume, universeFromValues, withMasks, sliceDates, type Panel } from '../lib/data/index.js';
import { simulatePortfolio, backtestSignals } from '../lib/backtest/index.js';
import { analyzeFactor } from '../lib/factors/index.js';
import { mulberry32 } from './helpers/numeric.js';

const DAY = 86_400_000;
function panelOf(closeRows: number[][], volumeRows: number[][], assets = ['600000.SH', '600001.SH', '600002.SH']): Panel {
  const T = closeRows.length, N = assets.length;
  const close = Float64Array.from(closeRows.flat()), volume = Float64Array.from(volumeRows.flat());
  assert.equal(close.length, T * N);
  const times = Float64Array.from({ length: T }, (_, t) => Date.UTC(2019, 0, 2) + t * DAY);
  return { dataset: 'ashare', frequency: '1d', market: 'equity', times, assets, fields: { open: close, high: close, low: close, close, volume } };
}

// A: ordinary; B: suspended on bars 2-3 (volume 0, price carried); C: limit-up on bar 2 (10.00 -> 11.00), limit-down on bar 4 (11.50 -> 10.35).
const CLOSE = [
  [10.0, 20.0, 9.5],
  [10.1, 20.4, 10.0],
  [10.2, 20.4, 11.0],
  [10.0, 20.4, 11.5],
  [9.9, 20.8, 10.35],
  [10.3, 21.0, 10.6],
];
const VOLUME = [
  [1e6, 2e6, 3e6],
  [1e6, 2e6, 3e6],
  [1e6, 0, 3e6],
  [1e6, 0, 3e6],
  [1e6, 2e6, 3e6],
  [1e6, 2e6, 3e6],
];

test('tradabilityMask: suspended bars neither buy nor sell, limit-up no buy, limit-down no sell (hand-checked), per-asset override', () => {
  const p = panelOf(CLOSE, VOLUME);
  const m = tradabilityMask(p, { limitPct: 0.1 });
  assert.deepEqual(Array.from(m.buy), [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(m.sell), [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1]);
  assert.deepEqual([m.suspended, m.limitUp, m.limitDown], [2, 1, 1]);
  // C on a 20 % board: neither move reaches its limit
  const wide = tradabilityMask(p, { limitPct: 0.1, limitPctByAsset: { '600002.SH': 0.2 } });
  assert.deepEqual([wide.suspended, wide.limitUp, wide.limitDown], [2, 0, 0]);
  // no limits at all (US equities): only the suspension
  assert.deepEqual([tradabilityMask(p).limitUp, tradabilityMask(p).limitDown], [0, 0]);
  assert.throws(() => tradabilityMask(p, { limitPcts: 0.1 } as never), /TradabilityOptions: unknown setting "limitPcts"; did you mean "limitPct"\?/);
  assert.throws(() => tradabilityMask(p, { limitPct: 10 }), /limit for 600000\.SH must be in \(0, 1\), got 10/);
});

/** A random A-share-style panel: 3 % suspended cells (volume 0, price carried), moves up to +-12 % clipped at +-10 % limits. */
function randomAShare(T: number, N: number, seed: number): Panel {
  const rng = mulberry32(seed);
  const close = new Float64Array(T * N), volume = new Float64Array(T * N);
  for (let a = 0; a < N; a++) [close[a], volume[a]] = [10 + a, 1e6];
  for (let t = 1; t < T; t++) {
    for (let a = 0; a < N; a++) {
      const prev = close[(t - 1) * N + a]!;
      if (rng() < 0.03) [close[t * N + a], volume[t * N + a]] = [prev, 0];
      else {
        const r = Math.max(-0.1, Math.min(0.1, (rng() - 0.5) * 0.24));
        close[t * N + a] = Math.round(prev * (1 + r) * 100) / 100;
        volume[t * N + a] = 1e5 + rng() * 1e6;
      }
    }
  }
  const times = Float64Array.from({ length: T }, (_, t) => Date.UTC(2019, 0, 2) + t * DAY);
  const assets = Array.from({ length: N }, (_, a) => `6000${String(a).padStart(2, '0')}.SH`);
  return { dataset: 'ashare', frequency: '1d', market: 'equity', times, assets, fields: { open: close, high: close, low: close, close, volume } };
}

test('no look-ahead: the masks of the panel cut after bar t equal the full panel\'s rows up to t', () => {
  const p = randomAShare(60, 8, 11);
  const full = tradabilityMask(p, { limitPct: 0.1 });
  const top = topNByDollarVolume(p, 3, 5);
  assert.ok(full.limitUp > 0 && full.limitDown > 0 && full.suspended > 0, JSON.stringify([full.limitUp, full.limitDown, full.suspended]));
  const N = 8;
  for (const t of [0, 1, 7, 30, 59]) {
    const cut = sliceDates(p, 0, t + 1);
    const m = tradabilityMask(cut, { limitPct: 0.1 });
    assert.deepEqual(Array.from(m.buy), Array.from(full.buy.subarray(0, (t + 1) * N)), `buy at ${t}`);
    assert.deepEqual(Array.from(m.sell), Array.from(full.sell.subarray(0, (t + 1) * N)), `sell at ${t}`);
    assert.deepEqual(Array.from(topNByDollarVolume(cut, 3, 5)), Array.from(top.subarray(0, (t + 1) * N)), `top-N at ${t}`);
  }
  // top-N holds exactly 3 names per bar (every asset has a dollar volume here)
  for (let t = 0; t < 60; t++) assert.equal(top.subarray(t * N, (t + 1) * N).reduce((s, v) => s + v, 0), 3);
});

test('portfolio simulator: no weight change on an untradable bar in the blocked direction; the order waits and is counted', () => {
  const base = randomAShare(120, 10, 5);
  const tr = tradabilityMask(base, { limitPct: 0.1 });
  const p = withMasks(base, { tradable: tr });
  const rng = mulberry32(3);
  const f = Float64Array.from({ length: 120 * 10 }, () => rng() - 0.5); // a noisy factor: trades every bar
  const r = simulatePortfolio(f, p, { delay: 1, decay: 0 });
  const N = 10;
  let buys = 0, sells = 0;
  for (let t = 1; t < 120; t++) {
    for (let a = 0; a < N; a++) {
      const d = r.weights[t * N + a]! - r.weights[(t - 1) * N + a]!;
      if (d > 0) {
        buys++;
        assert.equal(tr.buy[t * N + a], 1, `bought ${p.assets[a]} at bar ${t}`);
      }
      if (d < 0) {
        sells++;
        assert.equal(tr.sell[t * N + a], 1, `sold ${p.assets[a]} at bar ${t}`);
      }
    }
  }
  assert.ok(buys > 100 && sells > 100);
  assert.ok(r.blockedOrders > 0);
  assert.equal(r.blocked.reduce((s, v) => s + v, 0), r.blockedOrders);
  // the same factor without the mask trades on those bars
  const free = simulatePortfolio(f, base, { delay: 1, decay: 0 });
  assert.equal(free.blockedOrders, 0);
  assert.notDeepEqual(Array.from(free.weights), Array.from(r.weights));
});

test('hand-made case: the suspended name is held through its suspension and bought only when it trades again', () => {
  const p = panelOf(CLOSE, VOLUME);
  const tr = tradabilityMask(p, { limitPct: 0.1 });
  // delay 0: weights from each bar's factor. B wanted long from bar 2 on (suspended 2-3), A short, C flat.
  const f = Float64Array.from([0, 0, 0, 0, 0, 0, -1, 1, 0, -1, 1, 0, -1, 1, 0, -1, 1, 0]);
  const r = simulatePortfolio(f, withMasks(p, { tradable: tr }), { delay: 0, neutralization: 'none', truncation: 1 });
  const wB = [0, 1, 2, 3, 4, 5].map((t) => r.weights[t * 3 + 1]);
  assert.deepEqual(wB, [0, 0, 0, 0, 0.5, 0.5]);
  assert.deepEqual(Array.from(r.blocked), [0, 0, 1, 1, 0, 0]);
  assert.equal(r.weights[2 * 3 + 0], -0.5, 'A is tradable and shorted at once');
});

test('bar simulator: entries on untradable fill bars are dropped, exits wait for a tradable bar; no fill on an untradable bar', () => {
  const p = panelOf(CLOSE, VOLUME);
  const tr = tradabilityMask(p, { limitPct: 0.1 });
  const T = 6, N = 3;
  const z = () => new Uint8Array(T * N);
  const longEntry = z(), longExit = z();
  longEntry[1 * N + 1] = 1; // B: signal at 1, fill at 2 (suspended): dropped
  longEntry[1 * N + 2] = 1; // C: signal at 1, fill at 2 (limit-up): dropped
  longEntry[0 * N + 0] = 1; // A: enters at bar 1
  longEntry[2 * N + 2] = 1; // C: signal at 2, fills at 3
  longExit[3 * N + 2] = 1; // C: exit signal at 3, fill at 4 (limit-down): waits, fills at 5
  const r = backtestSignals(withMasks(p, { tradable: tr }), { longEntry, longExit, shortEntry: null, shortExit: null }, { feeBps: 0, slippageBps: 0 });
  assert.deepEqual(r.gating, { entriesBlocked: 2, exitsDeferred: 1, exitsPending: 0 });
  const c = r.trades.find((x) => x.asset === '600002.SH')!;
  assert.deepEqual([c.entryIndex, c.exitIndex], [3, 5]);
  assert.equal(r.trades.filter((x) => x.asset === '600001.SH').length, 0);
  for (const x of r.trades) {
    const a = p.assets.indexOf(x.asset);
    assert.equal(tr.buy[x.entryIndex * N + a], 1, `entry of ${x.asset} at ${x.entryIndex}`);
    if (x.exitIndex < T - 1) assert.equal(tr.sell[x.exitIndex * N + a], 1, `exit of ${x.asset} at ${x.exitIndex}`);
  }
});

test('factor statistics use only in-universe cells: a volume-scaled factor no longer ranks suspended names first', () => {
  const p = randomAShare(200, 12, 9);
  const vol = p.fields['volume']!;
  const f = Float64Array.from(vol, (v) => -v); // "least traded first": a suspended name (volume 0) scores highest
  const universe = universeFromValues(Float64Array.from(vol, (v) => (v > 0 ? 1 : 0)));
  const masked = analyzeFactor(f, withMasks(p, { universe }), { horizon: 1, decayHorizons: [1] });
  // cross-check: the same as blanking the out-of-universe cells by hand
  const byHand = analyzeFactor(Float64Array.from(f, (v, i) => (universe[i] ? v : NaN)), p, { horizon: 1, decayHorizons: [1] });
  assert.equal(masked.rankIc.mean, byHand.rankIc.mean);
  assert.equal(masked.coverage.mean, byHand.coverage.mean);
  const raw = analyzeFactor(f, p, { horizon: 1, decayHorizons: [1] });
  assert.notEqual(raw.rankIc.mean, masked.rankIc.mean);
  assert.ok(masked.coverage.mean < raw.coverage.mean, `${masked.coverage.mean} vs ${raw.coverage.mean}`);
});
