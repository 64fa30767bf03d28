/**
 * Cost models: commission with a minimum fee and a sell-only tax (China A-share
 * stamp duty), hand-computed in the fee function, the bar simulator and the
 * portfolio simulator; presets and unknown keys.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { orderFee } from '../lib/risk/index.js';
import { backtestSignals, simulatePortfolio, resolveCostModel, executionCosts, portfolioCosts, COST_MODELS } from '../lib/backtest/index.js';
import type { Panel } from '../lib/data/index.js';

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

test('orderFee: commission max(minFee, notional x rate), plus the tax on sells only', () => {
  assert.equal(orderFee(10_000, false, 2.5e-4), 2.5);
  assert.equal(orderFee(10_000, false, 2.5e-4, 5e-4, 5), 5); // buy: minimum fee, no tax
  assert.equal(orderFee(10_000, true, 2.5e-4, 5e-4, 5), 10); // sell: 5 + 10,000 x 5 bps
  assert.equal(orderFee(100_000, true, 2.5e-4, 5e-4, 5), 25 + 50);
});

function panelOf(closeRows: number[][]): Panel {
  const T = closeRows.length, N = closeRows[0]!.length;
  const close = Float64Array.from(closeRows.flat());
  return {
    frequency: '1d', market: 'equity', times: Float64Array.from({ length: T }, (_, t) => Date.UTC(2021, 0, 4) + t * 86_400_000),
    assets: Array.from({ length: N }, (_, a) => `A${a}`), fields: { open: close, high: close, low: close, close, volume: new Float64Array(T * N).fill(1e6) },
  };
}

test('bar simulator: the stamp duty is charged on the sell fill only; a short entry is a sell and pays it', () => {
  const p = panelOf([[10], [10], [11], [12], [12]]);
  const z = () => new Uint8Array(5);
  const le = z(), lx = z();
  le[0] = 1; // buy at bar 1's open (10)
  lx[2] = 1; // sell at bar 3's open (12)
  const r = backtestSignals(p, { longEntry: le, longExit: lx, shortEntry: null, shortExit: null }, { feeBps: 0, slippageBps: 0, sellTaxBps: 10, initialCash: 1000, sizing: { kind: 'fixedFraction', fraction: 1 } });
  const tr = r.trades[0]!;
  assert.equal(tr.entryPrice, 10);
  assert.equal(tr.exitPrice, 12);
  // entry notional 1000 pays nothing; exit notional 100 x 12 = 1200 pays 1.2
  assert.ok(near(tr.fees, 1.2), `${tr.fees}`);
  assert.ok(near(r.equity[4]!, 1000 + 200 - 1.2));
  const se = z(), sx = z();
  se[0] = 1;
  sx[2] = 1;
  const s = backtestSignals(p, { longEntry: null, longExit: null, shortEntry: se, shortExit: sx }, { feeBps: 0, slippageBps: 0, sellTaxBps: 10, initialCash: 1000, sizing: { kind: 'fixedFraction', fraction: 1 } });
  assert.ok(near(s.trades[0]!.fees, 1.0), 'the short sale of 1000 pays 1.0; the buy to cover nothing');
  // a minimum fee per fill: 2 fills x max(5, notional x 1 bp)
  const m = backtestSignals(p, { longEntry: le, longExit: lx, shortEntry: null, shortExit: null }, { feeBps: 1, minFee: 5, slippageBps: 0, initialCash: 1000, sizing: { kind: 'fixedFraction', fraction: 1 } });
  assert.ok(near(m.trades[0]!.fees, 10));
});

test('portfolio simulator: sell tax on weight decreases only, minimum fee per order (hand-computed)', () => {
  const p = panelOf([[10, 10], [10, 10], [10, 10]]);
  // delay 0, no neutralization: weights [0.5, -0.5] -> [0.5, 0.5] -> [-0.5, 0.5]
  const f = Float64Array.from([1, -1, 1, 1, -1, 1]);
  const base = { delay: 0 as const, neutralization: 'none' as const, truncation: 1, bookSize: 1e6 };
  const tax = simulatePortfolio(f, p, { ...base, sellTaxBps: 10 });
  // sells: bar 0 shorts 0.5e6 (500), bar 1 buys only (0), bar 2 sells 1e6 (1000)
  assert.deepEqual(Array.from(tax.pnl), [-500, 0, -1000]);
  assert.equal(tax.metrics.totalCost, 1500);
  const minFee = simulatePortfolio(f, p, { ...base, costBps: 1, minFee: 1000 });
  // bar 0: two orders of 0.5e6 at 1 bp = 50 each, raised to 1000; bar 1: one order of 1e6 = 100 -> 1000; bar 2: one order -> 1000
  assert.ok(near(minFee.metrics.totalCost, 4000), `${minFee.metrics.totalCost}`);
  // defaults: exactly costBps x traded
  const plain = simulatePortfolio(f, p, { ...base, costBps: 1 });
  assert.ok(near(plain.metrics.totalCost, 1e-4 * (1e6 + 1e6 + 1e6)));
});

test('cost model presets map to both simulators in their units; unknown keys and negative values are errors', () => {
  const cn = resolveCostModel('cn_ashare');
  assert.deepEqual(executionCosts(cn), { feeBps: 2.5, sellTaxBps: 5, minFee: 5, slippageBps: 5, impact: 0 });
  assert.deepEqual(portfolioCosts(cn), { costBps: 7.5, sellTaxBps: 5, minFee: 5 });
  assert.equal(COST_MODELS.crypto_perp.commissionBps, 5);
  assert.deepEqual(resolveCostModel({ commissionBps: 3 }), { commissionBps: 3, sellTaxBps: 0, minFee: 0, slippageBps: 0, impact: 0 });
  assert.throws(() => resolveCostModel({ stampDutyBps: 10 } as never), /CostModel: unknown setting "stampDutyBps"/);
  assert.throws(() => resolveCostModel({ comissionBps: 10 } as never), /did you mean "commissionBps"\?/);
  assert.throws(() => resolveCostModel({ minFee: -1 }), /CostModel\.minFee must be a number >= 0, got -1/);
  assert.throws(() => resolveCostModel('nyse' as never), /unknown preset "nyse"; presets: cn_ashare, us_equity, crypto_perp/);
  assert.throws(() => portfolioCosts({ ...cn, impact: 0.1 }), /no impact term/);
});
