/** The shared stop rule (lib/risk/stops.ts) on the hand-made cases of the kernel tests, and the fill conventions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStops, fillPrice, slippageFraction, stopHit, stopsActive, STOP_LOSS, TAKE_PROFIT, TRAILING_STOP } from '../lib/risk/index.js';

const N = NaN;

test('long stop loss inside a bar, gap through the stop, stop-first when both are touched', () => {
  const h = stopHit();
  // entry 100, stop 5 %: bar [open 100, high 103, low 94] -> exit at the level 95
  assert.equal(checkStops(true, 100, 100, 0.05, N, N, 100, 103, 94, true, h), true);
  assert.deepEqual([h.price, h.reason], [95, STOP_LOSS]);
  // gap: opens at 90 below the stop -> filled at the open
  checkStops(true, 100, 100, 0.05, N, N, 90, 92, 88, true, h);
  assert.deepEqual([h.price, h.reason], [90, STOP_LOSS]);
  // same bar on the entry bar of a next-open fill: no gap fill, the level
  checkStops(true, 100, 100, 0.05, N, N, 90, 92, 88, false, h);
  assert.deepEqual([h.price, h.reason], [95, STOP_LOSS]);
  // both stop 95 and take profit 102 touched: stop first
  checkStops(true, 100, 100, 0.05, 0.02, N, 100, 103, 94, true, h);
  assert.deepEqual([h.price, h.reason], [95, STOP_LOSS]);
  // take profit only
  checkStops(true, 100, 100, 0.05, 0.02, N, 100, 103, 97, true, h);
  assert.deepEqual([h.price, h.reason], [102, TAKE_PROFIT]);
  // gap above the take profit: filled at the open
  checkStops(true, 100, 100, 0.05, 0.02, N, 104, 105, 103, true, h);
  assert.deepEqual([h.price, h.reason], [104, TAKE_PROFIT]);
});

test('short stops: stop above, take profit below, both touched -> stop', () => {
  const h = stopHit();
  checkStops(false, 100, 100, 0.04, 0.03, N, 100, 106, 97, true, h);
  assert.deepEqual([h.price, h.reason], [104, STOP_LOSS]);
  checkStops(false, 100, 100, N, 0.03, N, 100, 106, 97, true, h);
  assert.deepEqual([h.price, h.reason], [97, TAKE_PROFIT]);
  // no exit: the trail (low) moves
  assert.equal(checkStops(false, 100, 100, 0.04, 0.05, N, 100, 101, 96, true, h), false);
  assert.equal(h.extreme, 96);
});

test('trailing stop follows the best high of earlier bars, not the current one', () => {
  const h = stopHit();
  // bar 1 of the kernel test: entry 100, trail 10 %: level 90 during bar 1; high 105 moves it from bar 2 on
  assert.equal(checkStops(true, 100, 100, N, N, 0.1, 100, 105, 99, true, h), false);
  assert.equal(h.extreme, 105);
  // bar 2: level 94.5, low 95 -> holds; high 110 -> extreme 110
  assert.equal(checkStops(true, 100, h.extreme, N, N, 0.1, 104, 110, 95, true, h), false);
  assert.equal(h.extreme, 110);
  // bar 3: level 99, low 98 -> trailing stop at 99
  assert.equal(checkStops(true, 100, h.extreme, N, N, 0.1, 108, 109, 98, true, h), true);
  assert.deepEqual([h.price, h.reason], [110 * (1 - 0.1), TRAILING_STOP]);
  // the tighter of stop loss (95) and trail (99) wins; equal levels report the stop loss
  checkStops(true, 100, 110, 0.05, N, 0.1, 108, 109, 90, true, h);
  assert.equal(h.reason, TRAILING_STOP);
  checkStops(true, 100, 100, 0.1, N, 0.1, 100, 101, 80, true, h);
  assert.deepEqual([h.price, h.reason], [90, STOP_LOSS]);
});

test('stops start on the entry bar for next-open fills and on the next bar for close fills', () => {
  assert.equal(stopsActive(5, 5, false), true);
  assert.equal(stopsActive(5, 5, true), false);
  assert.equal(stopsActive(6, 5, true), true);
});

test('fill conventions: slippage against the trader, square-root impact, cap', () => {
  assert.equal(slippageFraction(2e-4, 0, 1000, 100, 1e4), 2e-4);
  // impact 0.1 * sqrt(1e4 / (1000 * 100)) = 0.1 * sqrt(0.1)
  assert.equal(slippageFraction(2e-4, 0.1, 1000, 100, 1e4), 2e-4 + 0.1 * Math.sqrt(0.1));
  assert.equal(slippageFraction(2e-4, 0.1, NaN, 100, 1e4), 2e-4);
  assert.equal(slippageFraction(0, 100, 1, 1, 1e6), 0.5);
  assert.equal(fillPrice(1, 100, 0.01), 101);
  assert.equal(fillPrice(-1, 100, 0.01), 99);
});
