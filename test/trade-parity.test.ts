/**
 * Parity: replaying a panel through the trading engine with the PaperBroker and
 * the same signal masks reproduces backtestSignals' trades exactly (bars,
 * prices, sizes, fees, funding, PnL, exit reasons), for next-open and close
 * fills, fixed-fraction and volatility-target sizing, stops, impact, max
 * open positions, missing prices and a sub-range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backtestSignals, type ExecutionSettings } from '../lib/backtest/index.js';
import { compareTrades, Journal, runReplay } from '../lib/trade/index.js';
import { randomMasks, randomWalkPanel } from './helpers/market.js';

const CASES: Array<{ name: string; N: number; holes: number; settings: Partial<ExecutionSettings> }> = [
  { name: 'one asset, next open, stop loss + take profit', N: 1, holes: 0, settings: { feeBps: 4, slippageBps: 3, sizing: { kind: 'fixedFraction', fraction: 0.8 }, stopLoss: 0.015, takeProfit: 0.02 } },
  { name: '4 assets, close fills, trailing stop, max 2 open', N: 4, holes: 0, settings: { fill: 'close', maxOpenPositions: 2, stopLoss: 0.02, trailingStop: 0.03, sizing: { kind: 'fixedFraction', fraction: 0.5 } } },
  { name: '3 assets, vol target, impact, missing prices, sub-range', N: 3, holes: 0.02, settings: { impact: 0.1, sizing: { kind: 'volTarget', targetVol: 0.5, lookback: 24, maxLeverage: 2 }, stopLoss: 0.03, takeProfit: 0.04, start: 50, end: 380 } },
  { name: '5 assets, no stops, defaults', N: 5, holes: 0, settings: {} },
];

for (const c of CASES) {
  test(`parity with backtestSignals: ${c.name}`, async () => {
    const T = 400;
    const panel = randomWalkPanel(T, c.N, 17 + c.N, c.holes);
    const masks = randomMasks(T, c.N, 5 + c.N);
    const bt = backtestSignals(panel, masks, c.settings);
    const journal = await Journal.open(':memory:');
    const rep = await runReplay({ panel, signals: masks, execution: c.settings, journal, name: 'parity' });
    const parity = compareTrades(rep.trades, bt.trades);
    assert.ok(bt.trades.length > 15, `${bt.trades.length} backtest trades`);
    assert.deepEqual(parity.first, []);
    assert.equal(parity.ok, true);
    // equity curve and final equity agree bit for bit too
    assert.equal(rep.finalEquity, bt.equity[bt.equity.length - 1]);
    assert.deepEqual(Array.from(rep.equity), Array.from(bt.equity));
    // the journal holds the closed trades and the fills
    const stored = await journal.trades();
    assert.equal(stored.length, bt.trades.filter((t) => t.reason !== 'open').length);
    const counts = await journal.counts();
    assert.equal(counts.sending, 0);
    assert.ok(counts.fills >= 2 * stored.length);
    journal.close();
  });
}

test('parity check detects a difference (a changed fee gives different trades)', async () => {
  const panel = randomWalkPanel(300, 2, 3);
  const masks = randomMasks(300, 2, 4);
  const bt = backtestSignals(panel, masks, { feeBps: 5 });
  const journal = await Journal.open(':memory:');
  const rep = await runReplay({ panel, signals: masks, execution: { feeBps: 6 }, journal, name: 'parity' });
  const parity = compareTrades(rep.trades, bt.trades);
  assert.equal(parity.ok, false);
  assert.ok(parity.first.some((d) => d.field === 'fees'));
  journal.close();
});
