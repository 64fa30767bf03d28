import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Panel } from '../lib/data/panel.js';
import { simulatePortfolio } from '../lib/backtest/index.js';

const D = 86_400_000;
const near = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

function daily(closeRows: number[][], groups?: string[]): Panel {
  const T = closeRows.length, N = closeRows[0]!.length;
  const close = Float64Array.from(closeRows.flat());
  return {
    frequency: '1d',
    market: 'equity',
    times: Float64Array.from({ length: T }, (_, i) => 1.6e12 + i * D),
    assets: Array.from({ length: N }, (_, a) => `S${a}`),
    fields: { close, open: close.slice(), high: close.slice(), low: close.slice() },
    ...(groups ? { groups: { sector: groups } } : {}),
  };
}

test('BRAIN simulation by hand: delay 1, market neutral, costs, turnover, margin, drawdown, fitness', () => {
  const p = daily([
    [100, 100, 100],
    [110, 100, 90],
    [99, 105, 90],
    [99, 105, 99],
  ]);
  const f = Float64Array.from([1, 2, 3, 3, 2, 1, 1, 1, 4, 9, 9, 9]);
  const r = simulatePortfolio(f, p, { delay: 1, decay: 0, neutralization: 'market', truncation: 1, bookSize: 1000, costBps: 10 });
  assert.deepEqual(Array.from(r.weights), [0, 0, 0, -0.5, 0, 0.5, 0.5, 0, -0.5, -0.25, -0.25, 0.5]);
  const pnl = [0, -1, 50 - 2, -50 - 2];
  for (let t = 0; t < 4; t++) assert.ok(near(r.pnl[t]!, pnl[t]!), `pnl ${t}: ${r.pnl[t]} vs ${pnl[t]}`);
  assert.deepEqual(Array.from(r.turnover), [0, 1, 2, 2]);
  const m = r.metrics;
  assert.ok(near(m.totalPnl, -5));
  assert.ok(near(m.totalCost, 5));
  assert.ok(near(m.margin, -5 / 5000));
  assert.ok(near(m.turnover, 1.25));
  assert.ok(near(m.maxDrawdown, 0.052));
  assert.ok(near(m.bookReturn, (-5 / 1000 / 4) * 252));
  assert.ok(near(m.returns, (-5 / 500 / 4) * 252), 'BRAIN returns: PnL over half the book');
  const rets = pnl.map((x) => x / 1000);
  const mu = rets.reduce((s, x) => s + x, 0) / 4;
  const sd = Math.sqrt(rets.reduce((s, x) => s + (x - mu) ** 2, 0) / 3);
  assert.ok(near(m.sharpe, (mu / sd) * Math.sqrt(252)));
  assert.ok(near(m.fitness, m.sharpe * Math.sqrt(Math.abs((-5 / 500 / 4) * 252) / Math.max(1.25, 0.125))), 'BRAIN fitness on the half-book returns');
});

test('delay 0 trades today\'s factor; linear decay weights the last n rows n, n-1, ...', () => {
  const p = daily([
    [100, 100],
    [100, 100],
    [100, 100],
  ]);
  const f = Float64Array.from([1, -1, 4, 2, NaN, 5]);
  // decay 2, delay 0, no neutralization: x[1] = (2*f[1] + f[0]) / 3 ; x[2]: asset 0 has only f[1] -> 4, asset 1 = (2*5 + 2)/3 = 4
  const r = simulatePortfolio(f, p, { delay: 0, decay: 2, neutralization: 'none', truncation: 1, bookSize: 1 });
  const x1 = [(2 * 4 + 1) / 3, (2 * 2 - 1) / 3];
  const g1 = Math.abs(x1[0]!) + Math.abs(x1[1]!);
  assert.ok(near(r.weights[2]!, x1[0]! / g1) && near(r.weights[3]!, x1[1]! / g1));
  assert.ok(near(r.weights[4]!, 0.5) && near(r.weights[5]!, 0.5));
  // row 0 with delay 0: factor row 0 itself ([1, -1]) -> [0.5, -0.5]
  assert.ok(near(r.weights[0]!, 0.5) && near(r.weights[1]!, -0.5));
});

function lcg(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function randomPanel(T: number, N: number, seed: number, groups?: string[]): { p: Panel; f: Float64Array } {
  const u = lcg(seed);
  const rows: number[][] = [];
  let px = Array.from({ length: N }, () => 50 + u() * 50);
  for (let t = 0; t < T; t++) {
    px = px.map((x) => x * (1 + (u() - 0.5) * 0.04));
    rows.push(px.slice());
  }
  const f = Float64Array.from({ length: T * N }, () => (u() < 0.05 ? NaN : u() - 0.5));
  return { p: daily(rows, groups), f };
}

test('truncation caps every weight; gross stays 1 when the cap is feasible; NaN factor -> weight 0', () => {
  const { p, f } = randomPanel(60, 40, 3);
  const r = simulatePortfolio(f, p, { truncation: 0.05, neutralization: 'market' });
  const N = 40;
  for (let t = 1; t < 60; t++) {
    let gross = 0, max = 0;
    for (let a = 0; a < N; a++) {
      const w = r.weights[t * N + a]!;
      gross += Math.abs(w);
      max = Math.max(max, Math.abs(w));
      if (Number.isNaN(f[(t - 1) * N + a]!)) assert.equal(w, 0);
    }
    assert.ok(max <= 0.05 + 1e-12, `bar ${t}: max weight ${max}`);
    assert.ok(near(gross, 1, 1e-6), `bar ${t}: gross ${gross}`);
  }
});

test('group neutralization: weights sum to zero within each group', () => {
  const groups = Array.from({ length: 30 }, (_, a) => ['tech', 'energy', 'health'][a % 3]!);
  const { p, f } = randomPanel(20, 30, 5, groups);
  const r = simulatePortfolio(f, p, { neutralization: 'group', group: 'sector', truncation: 1 });
  for (let t = 1; t < 20; t++) {
    for (const g of ['tech', 'energy', 'health']) {
      let s = 0;
      for (let a = 0; a < 30; a++) if (groups[a] === g) s += r.weights[t * 30 + a]!;
      assert.ok(Math.abs(s) < 1e-12, `bar ${t} group ${g}: ${s}`);
    }
  }
  assert.throws(() => simulatePortfolio(f, p, { neutralization: 'group', group: 'industry' }), /no group labels "industry"/);
});

test('no look-ahead: data after t changes no weight or PnL at or before t', () => {
  for (const delay of [0, 1] as const) {
    const a = randomPanel(80, 12, 9);
    const b = randomPanel(80, 12, 9);
    const cut = 50;
    const c = b.p.fields['close']!;
    for (let i = (cut + 1) * 12; i < c.length; i++) {
      c[i] = c[i]! * 1.3;
      b.f[i] = -b.f[i]!;
    }
    const ra = simulatePortfolio(a.f, a.p, { delay, decay: 5, costBps: 5 });
    const rb = simulatePortfolio(b.f, b.p, { delay, decay: 5, costBps: 5 });
    assert.deepEqual(Array.from(ra.weights.slice(0, (cut + 1) * 12)), Array.from(rb.weights.slice(0, (cut + 1) * 12)));
    assert.deepEqual(Array.from(ra.pnl.slice(0, cut + 1)), Array.from(rb.pnl.slice(0, cut + 1)));
    assert.notDeepEqual(Array.from(ra.pnl.slice(cut + 1)), Array.from(rb.pnl.slice(cut + 1)));
  }
});

test('range: the account starts flat at start; PnL equals the full run\'s weights applied from start', () => {
  const { p, f } = randomPanel(50, 8, 2);
  const full = simulatePortfolio(f, p, { truncation: 1 });
  const part = simulatePortfolio(f, p, { truncation: 1, start: 20, end: 40 });
  assert.equal(part.pnl.length, 20);
  assert.equal(part.pnl[0], 0); // no costs, flat before start
  assert.deepEqual(Array.from(part.weights), Array.from(full.weights.slice(20 * 8, 40 * 8)));
  for (let i = 1; i < 20; i++) assert.ok(near(part.pnl[i]!, full.pnl[20 + i]!));
  assert.throws(() => simulatePortfolio(f.subarray(0, 10), p), /factor has length 10, expected 50 x 8/);
  assert.throws(() => simulatePortfolio(f, p, { delay: 2 as 0 }), /delay must be 0 or 1/);
});

test('annualization is honoured: with 244 bars a year the daily turnover is unchanged, Sharpe and returns scale with it', () => {
  const p = daily([
    [100, 100, 100],
    [110, 100, 90],
    [99, 105, 90],
    [99, 105, 99],
    [101, 104, 97],
  ]);
  const f = Float64Array.from([1, 2, 3, 3, 2, 1, 1, 1, 4, 9, 9, 9, 2, 3, 1]);
  const base = { delay: 1 as const, decay: 0, neutralization: 'market' as const, truncation: 1, bookSize: 1000, costBps: 10 };
  const a = simulatePortfolio(f, p, base).metrics;
  const b = simulatePortfolio(f, p, { ...base, annualization: 244 }).metrics;
  assert.equal(a.annualization, 252);
  assert.equal(b.turnover, a.turnover, 'turnover per day does not depend on the bars per year');
  assert.ok(near(b.sharpe, a.sharpe * Math.sqrt(244 / 252)));
  assert.ok(near(b.returns, a.returns * (244 / 252)));
  assert.ok(near(b.returns, 2 * b.bookReturn));
  assert.ok(near(b.fitness, b.sharpe * Math.sqrt(Math.abs(b.returns) / Math.max(b.turnover, 0.125))));
});
