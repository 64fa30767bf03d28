import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Panel } from '../lib/data/panel.js';
import { backtestGrid, backtestSignals, paramGrid, validateSignals, compileSignals, rollingVolatility, type SignalMasks } from '../lib/backtest/index.js';
import { mulberry32 } from './helpers/numeric.js';
import { randomWalkPanel } from './helpers/market.js';

const H = 3_600_000;

/** One-asset hourly perp panel from OHLC rows; funding_event optional. */
function panel1(rows: Array<[number, number, number, number]>, funding?: number[], volume?: number[]): Panel {
  const T = rows.length;
  const f: Record<string, Float64Array> = {
    open: Float64Array.from(rows.map((r) => r[0])),
    high: Float64Array.from(rows.map((r) => r[1])),
    low: Float64Array.from(rows.map((r) => r[2])),
    close: Float64Array.from(rows.map((r) => r[3])),
  };
  if (funding) f['funding_event'] = Float64Array.from(funding);
  if (volume) f['volume'] = Float64Array.from(volume);
  return { frequency: '1h', market: 'crypto', times: Float64Array.from({ length: T }, (_, i) => 1.7e12 + i * H), assets: ['BTCUSDT'], fields: f };
}

function mask(T: number, on: number[]): Uint8Array {
  const m = new Uint8Array(T);
  for (const i of on) m[i] = 1;
  return m;
}

function masks(T: number, m: { le?: number[]; lx?: number[]; se?: number[]; sx?: number[] }): SignalMasks {
  return {
    longEntry: m.le ? mask(T, m.le) : null,
    longExit: m.lx ? mask(T, m.lx) : null,
    shortEntry: m.se ? mask(T, m.se) : null,
    shortExit: m.sx ? mask(T, m.sx) : null,
  };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

test('long round trip at next open: fees and fixed slippage by hand', () => {
  const p = panel1([
    [100, 101, 99, 100],
    [101, 102, 100, 101.5],
    [102, 103, 101, 102.5],
    [104, 105, 103, 104.5],
    [106, 107, 105, 106.5],
    [108, 109, 107, 108.5],
  ]);
  const r = backtestSignals(p, masks(6, { le: [0], lx: [3] }), { feeBps: 10, slippageBps: 10, initialCash: 1000, sizing: { kind: 'fixedFraction', fraction: 1 }, funding: false });
  assert.equal(r.trades.length, 1);
  const t = r.trades[0]!;
  const entry = 101 * 1.001;
  const qty = 1000 / entry;
  const exit = 106 * 0.999;
  const feeIn = 1000 * 0.001;
  const feeOut = qty * exit * 0.001;
  assert.ok(close(t.entryPrice, entry));
  assert.ok(close(t.size, qty));
  assert.ok(close(t.exitPrice, exit));
  assert.ok(close(t.fees, feeIn + feeOut));
  assert.ok(close(t.pnl, qty * (exit - entry) - feeIn - feeOut));
  assert.equal(t.side, 1);
  assert.equal(t.signalIndex, 0);
  assert.equal(t.entryIndex, 1);
  assert.equal(t.exitIndex, 4);
  assert.equal(t.reason, 'signal');
  assert.equal(t.entryTime, p.times[1]);
  // equity: flat bar 0, marked at close while held, cash after exit
  assert.equal(r.equity[0], 1000);
  assert.ok(close(r.equity[1]!, 1000 - feeIn + qty * (101.5 - entry)));
  assert.ok(close(r.equity[3]!, 1000 - feeIn + qty * (104.5 - entry)));
  assert.ok(close(r.equity[5]!, 1000 + t.pnl));
  assert.ok(close(r.positions[2]!, qty));
  assert.equal(r.positions[4], 0);
  assert.equal(r.metrics.nTrades, 1);
  assert.equal(r.metrics.avgHoldingBars, 3);
  assert.ok(close(r.metrics.tradedNotional, 1000 + qty * exit));
  assert.ok(close(r.metrics.margin, t.pnl / (1000 + qty * exit)));
  assert.ok(close(r.metrics.exposure, 3 / 6)); // held during bars 1..3; closed at bar 4's open
});

test('short trade pays and receives funding on the notional at the bar open', () => {
  const p = panel1(
    [
      [100, 101, 99, 100],
      [100, 101, 99, 99],
      [98, 99, 97, 98],
      [96, 97, 95, 96],
      [95, 96, 94, 95],
    ],
    [0.5, 0.001, -0.002, 0.003, 0.7],
  );
  const r = backtestSignals(p, masks(5, { se: [0], sx: [2] }), { feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction', fraction: 2 } });
  const t = r.trades[0]!;
  const qty = 2 / 100;
  // held at the open of bars 1 and 2; closed at the open of bar 3 (not charged there)
  const funding = -qty * 100 * 0.001 + -qty * 98 * -0.002;
  assert.equal(t.side, -1);
  assert.ok(close(t.funding, funding));
  assert.ok(close(t.pnl, -qty * (96 - 100) - funding));
  assert.ok(close(r.metrics.totalFunding, funding));
  assert.ok(close(r.equity[4]!, 1 + t.pnl));
  // a long on the same bars pays positive funding
  const rl = backtestSignals(p, masks(5, { le: [0], lx: [2] }), { feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction', fraction: 2 } });
  assert.ok(close(rl.trades[0]!.funding, -funding));
  // close fills: entered at bar 0's close, exited at bar 2's close -> held at the opens of bars 1 and 2
  const rc = backtestSignals(p, masks(5, { se: [0], sx: [2] }), { fill: 'close', feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction', fraction: 2 } });
  const qc = 2 / 100;
  assert.ok(close(rc.trades[0]!.funding, -qc * 100 * 0.001 + -qc * 98 * -0.002));
  assert.ok(close(rc.trades[0]!.pnl, -qc * (98 - 100) - rc.trades[0]!.funding));
  // funding: false ignores the field
  assert.equal(backtestSignals(p, masks(5, { se: [0], sx: [2] }), { funding: false }).metrics.totalFunding, 0);
});

test('stop loss inside a bar, gap through the stop, and the stop-first rule', () => {
  const base: Array<[number, number, number, number]> = [
    [100, 100, 100, 100],
    [100, 101, 99, 100], // entry at open 100
    [100, 103, 94, 96], // low 94 <= stop 95 -> exit at 95
    [96, 96, 96, 96],
  ];
  const set = { feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction' as const, fraction: 1 }, funding: false, stopLoss: 0.05 };
  let r = backtestSignals(panel1(base), masks(4, { le: [0] }), set);
  assert.equal(r.trades[0]!.reason, 'stop_loss');
  assert.equal(r.trades[0]!.exitPrice, 95);
  assert.equal(r.trades[0]!.exitIndex, 2);
  assert.ok(close(r.trades[0]!.pnl, (95 - 100) / 100));
  // gap: bar 2 opens at 90, below the stop -> filled at the open
  const gap = base.map((x) => [...x] as [number, number, number, number]);
  gap[2] = [90, 92, 89, 91];
  r = backtestSignals(panel1(gap), masks(4, { le: [0] }), set);
  assert.equal(r.trades[0]!.exitPrice, 90);
  assert.equal(r.trades[0]!.reason, 'stop_loss');
  // both stop (95) and take profit (102) touched in bar 2: stop assumed first
  r = backtestSignals(panel1(base), masks(4, { le: [0] }), { ...set, takeProfit: 0.02 });
  assert.equal(r.trades[0]!.reason, 'stop_loss');
  assert.equal(r.trades[0]!.exitPrice, 95);
  // only the take profit touched
  const tpOnly = base.map((x) => [...x] as [number, number, number, number]);
  tpOnly[2] = [100, 103, 99, 101];
  r = backtestSignals(panel1(tpOnly), masks(4, { le: [0] }), { ...set, takeProfit: 0.02 });
  assert.equal(r.trades[0]!.reason, 'take_profit');
  assert.equal(r.trades[0]!.exitPrice, 102);
  // with slippage the stop fill is moved against the trader, and the levels use the entry fill price
  r = backtestSignals(panel1(base), masks(4, { le: [0] }), { ...set, slippageBps: 10 });
  const entry = 100 * 1.001;
  assert.ok(close(r.trades[0]!.entryPrice, entry));
  assert.ok(close(r.trades[0]!.exitPrice, entry * 0.95 * 0.999));
});

test('short stops: stop above, take profit below, both touched -> stop', () => {
  const rows: Array<[number, number, number, number]> = [
    [100, 100, 100, 100],
    [100, 101, 99, 100],
    [100, 106, 97, 99], // short stop at 104 (4%) touched, take profit at 97 (3%) touched
    [99, 99, 99, 99],
  ];
  const set = { feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction' as const, fraction: 1 }, funding: false };
  let r = backtestSignals(panel1(rows), masks(4, { se: [0] }), { ...set, stopLoss: 0.04, takeProfit: 0.03 });
  assert.equal(r.trades[0]!.reason, 'stop_loss');
  assert.equal(r.trades[0]!.exitPrice, 104);
  assert.ok(close(r.trades[0]!.pnl, -0.01 * (104 - 100)));
  r = backtestSignals(panel1(rows), masks(4, { se: [0] }), { ...set, takeProfit: 0.03 });
  assert.equal(r.trades[0]!.reason, 'take_profit');
  assert.equal(r.trades[0]!.exitPrice, 97);
  assert.ok(close(r.trades[0]!.pnl, 0.01 * 3));
});

test('trailing stop follows the best high of earlier bars', () => {
  const rows: Array<[number, number, number, number]> = [
    [100, 100, 100, 100],
    [100, 105, 99, 104], // entry 100; trail level during bar 1 = 100 * 0.9 = 90
    [104, 110, 103, 109], // level 105 * 0.9 = 94.5
    [109, 112, 100, 101], // level 110 * 0.9 = 99: not touched (low 100)
    [101, 102, 98, 99], // level 112 * 0.9 = 100.8: touched -> exit 100.8
    [99, 99, 99, 99],
  ];
  const r = backtestSignals(panel1(rows), masks(6, { le: [0] }), { feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction', fraction: 1 }, funding: false, trailingStop: 0.1 });
  assert.equal(r.trades[0]!.reason, 'trailing_stop');
  assert.equal(r.trades[0]!.exitIndex, 4);
  assert.ok(close(r.trades[0]!.exitPrice, 112 * 0.9));
});

test('close fills: signal and fill on the same close; stops start on the next bar', () => {
  const rows: Array<[number, number, number, number]> = [
    [100, 100, 100, 100],
    [100, 101, 90, 100], // entry at close 100 (low 90 of this bar must not stop it)
    [100, 101, 94, 99], // stop 95 hit
    [99, 99, 99, 99],
  ];
  const r = backtestSignals(panel1(rows), masks(4, { le: [1] }), { fill: 'close', feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction', fraction: 1 }, funding: false, stopLoss: 0.05 });
  assert.equal(r.trades[0]!.entryIndex, 1);
  assert.equal(r.trades[0]!.signalIndex, 1);
  assert.equal(r.trades[0]!.exitIndex, 2);
  assert.equal(r.trades[0]!.exitPrice, 95);
});

test('reversal on an opposite entry closes and reopens at the same fill; conflicting entries open nothing', () => {
  const rows: Array<[number, number, number, number]> = Array.from({ length: 6 }, (_, i) => [100 + i, 100 + i, 100 + i, 100 + i]);
  const r = backtestSignals(panel1(rows), masks(6, { le: [0, 4], se: [2, 4] }), { feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction', fraction: 1 }, funding: false });
  assert.equal(r.trades.length, 2);
  assert.equal(r.trades[0]!.reason, 'reverse');
  assert.equal(r.trades[0]!.exitIndex, 3);
  assert.equal(r.trades[1]!.side, -1);
  assert.equal(r.trades[1]!.entryIndex, 3);
  // bar 4 has both long and short entries: the short is closed by the long entry (reverse) but no long opens
  assert.equal(r.trades[1]!.exitIndex, 5);
  assert.equal(r.trades[1]!.reason, 'reverse');
  assert.equal(r.positions[5], 0);
});

test('volume slippage follows the square-root impact law', () => {
  const rows: Array<[number, number, number, number]> = [
    [100, 100, 100, 100],
    [100, 100, 100, 100],
    [100, 100, 100, 100],
  ];
  const r = backtestSignals(panel1(rows, undefined, [10, 4, 10]), masks(3, { le: [0] }), { feeBps: 0, slippageBps: 5, impact: 0.1, initialCash: 100, sizing: { kind: 'fixedFraction', fraction: 1 }, funding: false });
  // order notional 100 vs bar dollar volume 4 * 100 = 400 -> 0.1 * sqrt(0.25) = 0.05, plus 5 bps
  assert.ok(close(r.trades[0]!.entryPrice, 100 * (1 + 0.0005 + 0.05)));
});

/** Independent plain-loop reference for one asset: fixed fraction, next-open fills, fees, slippage, funding, stop loss / take profit. */
function reference(o: number[], h: number[], l: number[], c: number[], fund: number[], le: Uint8Array, lx: Uint8Array, se: Uint8Array, sx: Uint8Array, fee: number, slip: number, frac: number, sl: number, tp: number): number[] {
  let cash = 1, q = 0, ep = 0, ei = -1;
  const eq: number[] = [];
  for (let t = 0; t < o.length; t++) {
    if (t > 0) {
      const j = t - 1;
      const want = le[j] && !lx[j] ? 1 : 0;
      const wantS = se[j] && !sx[j] ? 1 : 0;
      if (q > 0 && (lx[j] || se[j])) {
        const px = o[t]! * (1 - slip);
        cash += q * px - Math.abs(q) * px * fee;
        q = 0;
      } else if (q < 0 && (sx[j] || le[j])) {
        const px = o[t]! * (1 + slip);
        cash += q * px - Math.abs(q) * px * fee;
        q = 0;
      }
      if (q === 0 && want !== wantS) {
        const side = want ? 1 : -1;
        const eqNow = cash;
        const px = o[t]! * (1 + side * slip);
        const n = eqNow * frac;
        q = (side * n) / px;
        cash -= side * n + n * fee;
        ep = px;
        ei = t;
      }
    }
    if (q !== 0) cash -= q * o[t]! * fund[t]!;
    if (q !== 0 && t >= ei) {
      const side = q > 0 ? 1 : -1;
      const stop = ep * (1 - side * sl);
      const take = ep * (1 + side * tp);
      let px = NaN;
      const gap = t > ei;
      if (side > 0) {
        if (gap && o[t]! <= stop) px = o[t]!;
        else if (l[t]! <= stop) px = stop;
        else if (gap && o[t]! >= take) px = o[t]!;
        else if (h[t]! >= take) px = take;
      } else {
        if (gap && o[t]! >= stop) px = o[t]!;
        else if (h[t]! >= stop) px = stop;
        else if (gap && o[t]! <= take) px = o[t]!;
        else if (l[t]! <= take) px = take;
      }
      if (px === px) {
        const fill = px * (1 - side * slip);
        cash += q * fill - Math.abs(q) * fill * fee;
        q = 0;
      }
    }
    eq.push(cash + q * c[t]!);
  }
  return eq;
}

/** The random walk of these tests: mulberry32 stream, every asset starting at 100 (no holes). */
const rng = mulberry32;
const randomWalk = (T: number, N: number, seed: number): Panel => randomWalkPanel(T, N, seed, 0, { rng: mulberry32, startPrice: () => 100 });

test('kernel equals an independent plain loop on random data (fees, slippage, funding, stops, long and short)', () => {
  for (let seed = 1; seed <= 5; seed++) {
    const T = 600;
    const p = randomWalk(T, 1, seed);
    const u = rng(seed * 99);
    const mk = (prob: number) => Uint8Array.from({ length: T }, () => (u() < prob ? 1 : 0));
    const m = { longEntry: mk(0.05), longExit: mk(0.05), shortEntry: mk(0.04), shortExit: mk(0.05) };
    const r = backtestSignals(p, m, { feeBps: 4, slippageBps: 3, sizing: { kind: 'fixedFraction', fraction: 0.8 }, stopLoss: 0.015, takeProfit: 0.02 });
    const g = (k: string) => Array.from(p.fields[k]!);
    const ref = reference(g('open'), g('high'), g('low'), g('close'), g('funding_event'), m.longEntry, m.longExit, m.shortEntry, m.shortExit, 4e-4, 3e-4, 0.8, 0.015, 0.02);
    assert.ok(r.trades.length > 10, `seed ${seed}: ${r.trades.length} trades`);
    for (let t = 0; t < T; t++) assert.ok(close(r.equity[t]!, ref[t]!), `seed ${seed} bar ${t}: ${r.equity[t]} vs ${ref[t]}`);
  }
});

test('accounting invariant: final equity - initial cash = sum of trade PnL (multi-asset, max open positions)', () => {
  const T = 800, N = 4;
  const p = randomWalk(T, N, 7);
  const u = rng(70);
  const mk = (prob: number) => Uint8Array.from({ length: T * N }, () => (u() < prob ? 1 : 0));
  const r = backtestSignals(p, { longEntry: mk(0.03), longExit: mk(0.03), shortEntry: mk(0.03), shortExit: mk(0.03) }, { maxOpenPositions: 2, stopLoss: 0.02, trailingStop: 0.03, sizing: { kind: 'fixedFraction', fraction: 0.5 } });
  const total = r.trades.reduce((s, t) => s + t.pnl, 0);
  assert.ok(close(r.equity[T - 1]! - 1, total));
  for (let t = 0; t < T; t++) {
    let open = 0;
    for (let a = 0; a < N; a++) if (r.positions[t * N + a] !== 0) open++;
    assert.ok(open <= 2, `bar ${t}: ${open} open positions`);
  }
  const reasons = new Set(r.trades.map((t) => t.reason));
  assert.ok(reasons.has('stop_loss') && reasons.has('signal'));
});

test('no look-ahead: changing data after t changes no order, fill or equity at or before t', () => {
  const T = 500, N = 3;
  for (const fill of ['nextOpen', 'close'] as const) {
    for (const cut of [100, 250, 400]) {
      const p1 = randomWalk(T, N, 11);
      const p2 = randomWalk(T, N, 11);
      const noise = rng(cut);
      for (const f of Object.values(p2.fields)) for (let i = (cut + 1) * N; i < T * N; i++) f[i] = f[i]! * (1 + (noise() - 0.5) * 0.2);
      // signals from a causal factor (close vs its 10-bar mean), recomputed on each panel
      const spec = (p: Panel) => {
        const c = p.fields['close']!;
        const z = new Float64Array(T * N).fill(NaN);
        for (let t = 10; t < T; t++) for (let a = 0; a < N; a++) {
          let m = 0;
          for (let k = 0; k < 10; k++) m += c[(t - k) * N + a]!;
          z[t * N + a] = c[t * N + a]! / (m / 10) - 1;
        }
        return { factors: { z }, longEntry: { factor: 'z', op: '<' as const, value: -0.01 }, longExit: { factor: 'z', op: '>' as const, value: 0.005 }, shortEntry: { factor: 'z', op: '>' as const, value: 0.015 }, shortExit: { factor: 'z', op: '<' as const, value: 0 } };
      };
      const set = { fill, stopLoss: 0.03, takeProfit: 0.04, sizing: { kind: 'volTarget' as const, targetVol: 0.5, lookback: 24, maxLeverage: 2 } };
      const r1 = backtestSignals(p1, spec(p1), set);
      const r2 = backtestSignals(p2, spec(p2), set);
      for (let t = 0; t <= cut; t++) assert.equal(r1.equity[t], r2.equity[t], `${fill} cut ${cut}: equity differs at ${t}`);
      for (let i = 0; i < (cut + 1) * N; i++) assert.equal(r1.positions[i], r2.positions[i]);
      const early = (r: typeof r1) => r.trades.filter((t) => t.entryIndex <= cut).sort((x, y) => x.entryIndex - y.entryIndex || x.asset.localeCompare(y.asset)).map((t) => [t.asset, t.entryIndex, t.entryPrice, t.size, t.exitIndex <= cut && t.reason !== 'open' ? [t.exitIndex, t.exitPrice] : null]);
      assert.deepEqual(early(r1), early(r2));
      assert.ok(r1.trades.some((t) => t.entryIndex <= cut));
      assert.notDeepEqual(Array.from(r1.equity.slice(cut + 1)), Array.from(r2.equity.slice(cut + 1)));
    }
  }
});

test('volatility targeting sizes by target / realized vol, capped at max leverage', () => {
  const p = randomWalk(300, 1, 3);
  const r = backtestSignals(p, { longEntry: mask(300, [100]), longExit: null, shortEntry: null, shortExit: null }, { feeBps: 0, slippageBps: 0, funding: false, sizing: { kind: 'volTarget', targetVol: 0.3, lookback: 48, maxLeverage: 100 } });
  const sigma = rollingVolatility(p.fields['close']!, 300, 1, 48, 8760);
  const t = r.trades[0]!;
  assert.ok(close(t.size * t.entryPrice, r.equity[100]! * (0.3 / sigma[100]!)));
  // hand check of sigma: sample std of 48 log returns ending at bar 100
  const c = p.fields['close']!;
  const lr = Array.from({ length: 48 }, (_, k) => Math.log(c[100 - k]! / c[99 - k]!));
  const m = lr.reduce((s, x) => s + x, 0) / 48;
  const sd = Math.sqrt(lr.reduce((s, x) => s + (x - m) ** 2, 0) / 47) * Math.sqrt(8760);
  assert.ok(Math.abs(sigma[100]! - sd) < 1e-9);
  assert.ok(Number.isNaN(sigma[47]!) && Number.isFinite(sigma[48]!));
  const capped = backtestSignals(p, { longEntry: mask(300, [100]), longExit: null, shortEntry: null, shortExit: null }, { feeBps: 0, slippageBps: 0, funding: false, sizing: { kind: 'volTarget', targetVol: 100, lookback: 48, maxLeverage: 1.5 } });
  assert.ok(close(capped.trades[0]!.size * capped.trades[0]!.entryPrice, 1.5 * capped.equity[100]!));
});

test('rule-based signals: thresholds and cross-sectional quantiles', () => {
  const T = 2, N = 5;
  const f = Float64Array.from([1, 5, 3, NaN, 2, -1, -2, -3, -4, -5]);
  const m = compileSignals({ factors: { f }, longEntry: { factor: 'f', quantile: 'top', q: 0.4 }, shortEntry: { factor: 'f', quantile: 'bottom', q: 0.2 }, longExit: { all: [{ factor: 'f', op: '>', value: 1 }, { not: { factor: 'f', op: '>=', value: 5 } }] } }, T, N);
  // row 0 valid n=4 -> k=1: top = {5}; row 1 n=5 -> k=2: top = {-1,-2}
  assert.deepEqual(Array.from(m.longEntry!), [0, 1, 0, 0, 0, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(m.shortEntry!), [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(Array.from(m.longExit!), [0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  assert.throws(() => compileSignals({ factors: { f }, longEntry: { factor: 'g', op: '<', value: 0 } }, T, N), /longEntry: unknown factor "g"/);
  assert.throws(() => compileSignals({ factors: { f }, longEntry: { factor: 'f', quantile: 'top', q: 0 } }, T, N), /q must be in/);
});

test('grid: same metrics as single backtests; paramGrid order', () => {
  const p = randomWalk(400, 1, 5);
  const c = p.fields['close']!;
  const z = new Float64Array(400).fill(NaN);
  for (let t = 1; t < 400; t++) z[t] = c[t]! / c[t - 1]! - 1;
  const combos = paramGrid({ th: [0.005, 0.01], sl: [null, 0.02] });
  assert.deepEqual(combos, [{ th: 0.005, sl: null }, { th: 0.005, sl: 0.02 }, { th: 0.01, sl: null }, { th: 0.01, sl: 0.02 }]);
  const build = (q: (typeof combos)[number]) => ({ signals: { factors: { z }, longEntry: { factor: 'z', op: '<' as const, value: -q.th }, longExit: { factor: 'z', op: '>' as const, value: 0 } }, settings: { stopLoss: q.sl } });
  const rows = backtestGrid(p, combos, build, { feeBps: 3 });
  for (const row of rows) {
    const b = build(row.params);
    const single = backtestSignals(p, b.signals, { feeBps: 3, ...b.settings });
    for (const [k, v] of Object.entries(single.metrics)) {
      const g = row.metrics[k as keyof typeof row.metrics];
      assert.ok(Object.is(g, v) || Math.abs(g - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${k}: grid ${g} vs single ${v}`);
    }
  }
  assert.notEqual(rows[0]!.metrics.nTrades, rows[2]!.metrics.nTrades);
});

test('validateSignals applies the default thresholds', () => {
  const base = { nTrades: 40, winRate: 0.5, profitFactor: 1.3, signalsPer1000Bars: 20, expectancy: 0.001 };
  const ok = validateSignals({ metrics: base as never });
  assert.equal(ok.pass, true);
  assert.deepEqual(ok.reasons, []);
  const bad = validateSignals({ metrics: { ...base, nTrades: 29, winRate: 0.4, profitFactor: 1.0, signalsPer1000Bars: 0.5 } as never });
  assert.equal(bad.pass, false);
  assert.equal(bad.reasons.length, 4);
  assert.match(bad.reasons.join('\n'), /too few trades: 29 < 30/);
  assert.equal(validateSignals({ metrics: { ...base, signalsPer1000Bars: 501 } as never }).pass, false);
  assert.equal(validateSignals({ metrics: { ...base, signalsPer1000Bars: 500 } as never }).pass, true);
});

test('metrics: profit factor, win rate, expectancy and decay from the trade list', () => {
  const p = randomWalk(1000, 2, 21);
  const u = rng(5);
  const mk = (prob: number) => Uint8Array.from({ length: 2000 }, () => (u() < prob ? 1 : 0));
  const r = backtestSignals(p, { longEntry: mk(0.03), longExit: mk(0.05), shortEntry: null, shortExit: null });
  const closed = r.trades.filter((t) => t.reason !== 'open');
  const wins = closed.filter((t) => t.pnl > 0);
  const gp = wins.reduce((s, t) => s + t.pnl, 0);
  const gl = -closed.filter((t) => t.pnl <= 0).reduce((s, t) => s + t.pnl, 0);
  assert.equal(r.metrics.nTrades, closed.length);
  assert.ok(close(r.metrics.winRate, wins.length / closed.length));
  assert.ok(close(r.metrics.profitFactor, gp / gl));
  assert.ok(close(r.metrics.expectancy, closed.reduce((s, t) => s + t.return, 0) / closed.length));
  const c = p.fields['close']!;
  const d1 = r.decay.find((d) => d.horizon === 4)!;
  const xs = r.trades.filter((t) => t.signalIndex + 4 < 1000).map((t) => c[(t.signalIndex + 4) * 2 + p.assets.indexOf(t.asset)]! / c[t.signalIndex * 2 + p.assets.indexOf(t.asset)]! - 1);
  assert.equal(d1.n, xs.length);
  assert.ok(close(d1.meanReturn, xs.reduce((s, x) => s + x, 0) / xs.length));
  assert.ok(close(r.metrics.fitness, r.metrics.sharpe * Math.sqrt(Math.abs(r.metrics.annualReturn) / Math.max(r.metrics.turnover, 0.125))));
});

test('bad input is refused with a clear error', () => {
  const p = randomWalk(10, 1, 1);
  const m = { longEntry: mask(10, [1]), longExit: null, shortEntry: null, shortExit: null };
  assert.throws(() => backtestSignals(p, m, { stopLoss: 1.5 }), /stopLoss must be null or in \(0, 1\)/);
  assert.throws(() => backtestSignals(p, m, { start: 5, end: 5 }), /range \[5, 5\)/);
  assert.throws(() => backtestSignals(p, { ...m, longEntry: mask(9, [1]) }), /longEntry has length 9, expected 10 x 1/);
  assert.throws(() => backtestSignals(p, m, { funding: 'nope' }), /no field "nope"/);
});

test('missing bars: orders at a NaN price are dropped, positions marked at the last close, equity stays finite', () => {
  const rows: Array<[number, number, number, number]> = [
    [100, 100, 100, 100],
    [100, 101, 99, 100], // entry fills here
    [NaN, NaN, NaN, NaN], // missing bar: marked at 100
    [NaN, NaN, NaN, NaN], // exit signal from bar 2 cannot fill (no open)
    [110, 111, 109, 110],
    [111, 111, 111, 111],
  ];
  const r = backtestSignals(panel1(rows), masks(6, { le: [0], lx: [2, 4] }), { feeBps: 0, slippageBps: 0, initialCash: 1, sizing: { kind: 'fixedFraction', fraction: 1 }, funding: false, stopLoss: 0.5 });
  for (const e of r.equity) assert.ok(Number.isFinite(e));
  assert.equal(r.equity[2], 1);
  assert.equal(r.equity[3], 1);
  assert.ok(close(r.equity[4]!, 1.1));
  // the exit from row 2 was dropped at bar 3; the one from row 4 fills at bar 5's open
  assert.equal(r.trades[0]!.exitIndex, 5);
  assert.equal(r.trades[0]!.exitPrice, 111);
  // a late-listed asset (NaN before bar 2) never trades before it has prices
  const late = panel1(rows.map((x, i) => (i < 2 ? [NaN, NaN, NaN, NaN] : x) as [number, number, number, number]));
  const r2 = backtestSignals(late, masks(6, { le: [0, 1] }), { funding: false });
  assert.equal(r2.trades.length, 0);
  assert.ok(r2.equity.every((e) => e === 1));
});

test('one-asset fast loop equals the multi-asset loop exactly (all features, both fill modes)', async () => {
  const { runKernel, KernelScratch, TradeLog, marketArrays, rollingVolatility } = await import('../lib/backtest/index.js');
  for (let seed = 1; seed <= 6; seed++) {
    const T = 1500;
    const p = randomWalk(T, 1, 100 + seed);
    if (seed % 3 === 0) for (let t = 200; t < 230; t++) for (const f of ['open', 'high', 'low', 'close']) p.fields[f]![t] = NaN;
    const u = rng(seed);
    const mk = (prob: number) => Uint8Array.from({ length: T }, () => (u() < prob ? 1 : 0));
    const m = { longEntry: mk(0.03), longExit: mk(0.03), shortEntry: mk(0.03), shortExit: mk(0.02) };
    const mkt = marketArrays(p, true);
    const sigma = rollingVolatility(mkt.close, T, 1, 30, 8760);
    const params = {
      fillAtClose: seed % 2 === 0, feeRate: 4e-4, slipRate: 2e-4, impact: seed % 2 ? 0.05 : 0, initialCash: 1,
      sizing: (seed % 3 === 1 ? 1 : 0) as 0 | 1, fraction: 0.9, targetVol: 0.4, maxLeverage: 3,
      stopLoss: 0.015, takeProfit: seed % 2 ? 0.03 : NaN, trailingStop: seed > 3 ? 0.02 : NaN, maxOpenPositions: 1, start: seed * 10, end: T - seed,
    };
    const run = (general: boolean) => {
      const eq = new Float64Array(T), pos = new Float64Array(T), log = new TradeLog();
      const sum = runKernel(mkt, m, sigma, params, new KernelScratch(1), eq, pos, log, general);
      return { sum, eq: Array.from(eq), pos: Array.from(pos), pnl: Array.from(log.pnl.subarray(0, log.n)), exit: Array.from(log.exitIdx.subarray(0, log.n)), reason: Array.from(log.reason.subarray(0, log.n)) };
    };
    const fast = run(false), general = run(true);
    assert.ok(fast.sum.nTrades > 20, `seed ${seed}: ${fast.sum.nTrades} trades`);
    assert.deepEqual(fast, general, `seed ${seed}`);
  }
});

test('annualization is honoured: turnover per day does not depend on the bars per year, Sharpe scales with its square root', () => {
  const p = randomWalk(600, 3, 31);
  const u = rng(9);
  const mk = (prob: number) => Uint8Array.from({ length: 1800 }, () => (u() < prob ? 1 : 0));
  const masks = { longEntry: mk(0.04), longExit: mk(0.06), shortEntry: mk(0.03), shortExit: mk(0.05) };
  const a = backtestSignals(p, masks).metrics;
  const b = backtestSignals(p, masks, { annualization: 244 }).metrics;
  assert.equal(b.annualization, 244);
  assert.ok(a.turnover > 0);
  assert.equal(b.turnover, a.turnover);
  assert.ok(close(b.sharpe, a.sharpe * Math.sqrt(244 / a.annualization)));
});
