/** AlphaGPT portfolio rules on hand-made price paths: stop, partial take profit, trailing, moonbag, score exit, max positions, thresholds, liquidity, config checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALPHAGPT_RULES as R, openRuleState, resolvePortfolioRules, ruleExit, selectEntries } from '../lib/risk/index.js';

/** Walks a price path from entry 100 and returns the non-hold actions as [step, reason, fraction, held after]. */
function walk(path: number[], scores: number[] = []): Array<[number, string, number, number]> {
  const s = openRuleState(100);
  let held = 1;
  const out: Array<[number, string, number, number]> = [];
  path.forEach((p, i) => {
    if (held === 0) return;
    const a = ruleExit(s, p, scores[i] ?? NaN, R);
    if (a.fraction > 0) {
      held *= 1 - a.fraction;
      out.push([i, a.reason, a.fraction, held]);
    }
  });
  return out;
}

test('stop loss at -5 %', () => {
  assert.deepEqual(walk([99, 97, 95.01, 95, 90]), [[3, 'stop_loss', 1, 0]]);
});

test('first take profit at +10 % sells half, then the trailing stop (active from +5 %, 3 % drop) sells the rest', () => {
  // peak 112 -> trail level 108.64; 108.7 holds, 108.6 sells
  assert.deepEqual(walk([104, 110.5, 112, 108.7, 108.6]), [[1, 'take_profit_1', 0.5, 0.5], [4, 'trailing_stop', 1, 0]]);
});

test('trailing stop is not active below +5 %: a 3 % drop from 104.9 holds', () => {
  assert.deepEqual(walk([104.9, 101.7, 100, 96]), []);
  // once the peak reached 105, a 3 % drop (101.85) sells everything
  assert.deepEqual(walk([105, 102, 101.85]), [[2, 'trailing_stop', 1, 0]]);
});

test('moonbag: at 2x sell half of what is held once; the rest runs past drops that would trail', () => {
  assert.deepEqual(walk([111, 150, 200, 170, 250, 180]), [[0, 'take_profit_1', 0.5, 0.5], [2, 'moonbag', 0.5, 0.25]]);
  // the runner still has the stop loss
  assert.deepEqual(walk([200, 120, 94]), [[0, 'moonbag', 0.5, 0.5], [2, 'stop_loss', 1, 0]]);
});

test('score exit below 0.45 sells all; a score in between holds', () => {
  assert.deepEqual(walk([101, 101, 101], [0.6, 0.45, 0.44]), [[2, 'score_exit', 1, 0]]);
});

test('entries: score > 0.85, liquidity filter, best first, at most 3 positions', () => {
  const c = [
    { symbol: 'A', score: 0.9, liquidity: 1e6 },
    { symbol: 'B', score: 0.95, liquidity: 1e6 },
    { symbol: 'C', score: 0.85, liquidity: 1e6 },
    { symbol: 'D', score: 0.99, liquidity: 10 },
    { symbol: 'E', score: 0.88, liquidity: 1e6 },
    { symbol: 'F', score: 0.87, liquidity: 1e6 },
  ];
  const r = resolvePortfolioRules({ minLiquidity: 1000 });
  assert.deepEqual(selectEntries(c, [], r).map((x) => x.symbol), ['B', 'A', 'E']);
  assert.deepEqual(selectEntries(c, ['B'], r).map((x) => x.symbol), ['A', 'E']);
  assert.deepEqual(selectEntries(c, ['X', 'Y', 'Z'], r), []);
});

test('config: defaults, unknown keys and bad values refused by name', () => {
  assert.deepEqual(resolvePortfolioRules(), R);
  assert.throws(() => resolvePortfolioRules({ stopLos: 0.1 } as never), /unknown setting "stopLos"/);
  assert.throws(() => resolvePortfolioRules({ stopLoss: 5 }), /stopLoss must be in \(0, 1\), got 5/);
  assert.throws(() => resolvePortfolioRules({ sellThreshold: 0.9 }), /sellThreshold must be <= buyThreshold/);
  assert.throws(() => resolvePortfolioRules({ maxOpenPositions: 0 }), /maxOpenPositions must be an integer >= 1/);
});
