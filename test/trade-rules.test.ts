/**
 * AlphaGPT portfolio rules driven by the trading engine (lib/trade/rules-driver.ts)
 * on hand-made price paths through the PaperBroker (no costs, so every fill is
 * the bar's close): stop loss, first take profit selling half then the
 * trailing stop, moonbag, score exit, at most 3 positions by best score, the
 * liquidity filter, config validation, and equity = cash + sum of trade PnLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Panel } from '../lib/data/panel.js';
import { Journal, runRulesReplay, sigmoidScore } from '../lib/trade/index.js';

/** A daily panel whose bars are flat at the given closes (open = high = low = close); volume 1e6. */
function pathPanel(paths: number[][]): Panel {
  const T = paths[0]!.length, N = paths.length;
  const close = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let a = 0; a < N; a++) close[t * N + a] = paths[a]![t]!;
  return { frequency: '1d', market: 'crypto', times: Float64Array.from({ length: T }, (_, t) => 1.7e12 + t * 86_400_000), assets: paths.map((_, a) => `A${a}`), fields: { open: close, high: close, low: close, close, volume: new Float64Array(T * N).fill(1e6) } };
}

/** Scores nDates x nAssets from per-asset rows. */
const scores = (rows: number[][]) => {
  const T = rows[0]!.length, N = rows.length, s = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let a = 0; a < N; a++) s[t * N + a] = rows[a]![t]!;
  return s;
};

/** Runs the rules on one asset's path with a score of 0.9 at bar 0 and `hold` (between the thresholds) after; returns [reason, size, exit, pnl] rows. */
async function onePath(path: number[], score?: number[]) {
  const j = await Journal.open(':memory:');
  try {
    const rep = await runRulesReplay({ panel: pathPanel([path]), score: scores([score ?? path.map((_, t) => (t === 0 ? 0.9 : 0.6))]), journal: j });
    const rows = rep.trades.map((t) => [t.reason, t.size, t.exitPrice, Math.round(t.pnl * 1e9) / 1e9]);
    // equity = initial cash + every trade's PnL (closed, partial and open)
    assert.ok(Math.abs(rep.finalEquity - (10_000 + rep.trades.reduce((s, t) => s + t.pnl, 0))) < 1e-9);
    assert.deepEqual((await j.trades()).length, rep.trades.filter((t) => t.reason !== 'open').length);
    return { rows, rep };
  } finally {
    j.close();
  }
}

test('stop loss at -5 %: the entry of 100 quote at 100 is sold at 94.9', async () => {
  const { rows } = await onePath([100, 99, 96, 94.9, 90]);
  assert.deepEqual(rows, [['rule:stop_loss', 1, 94.9, -5.1]]);
});

test('first take profit at +10 % sells half; the trailing stop (active from +5 %, 3 % drop from the peak) sells the rest', async () => {
  const { rows } = await onePath([100, 104, 110.5, 112, 108.7, 108.6, 120]);
  assert.deepEqual(rows, [['rule:take_profit_1', 0.5, 110.5, 5.25], ['rule:trailing_stop', 0.5, 108.6, 4.3]]);
});

test('moonbag: at 2x half of what is held is sold once; the runner is kept through drops that would trail', async () => {
  const { rows } = await onePath([100, 111, 150, 200, 170, 250, 180]);
  assert.deepEqual(rows, [['rule:take_profit_1', 0.5, 111, 5.5], ['rule:moonbag', 0.25, 200, 25], ['open', 0.25, 180, 20]]);
});

test('score exit below 0.45; no entry at or below the 0.85 buy threshold', async () => {
  const { rows } = await onePath([100, 101, 102, 103, 104], [0.9, 0.6, 0.44, 0.85, 0.85]);
  assert.deepEqual(rows, [['rule:score_exit', 1, 102, 2]]);
});

test('at most 3 positions, best scores first; the liquidity filter drops thin assets; freed room is refilled', async () => {
  const flat = [100, 100, 100, 100];
  const panel = pathPanel([flat, flat, flat, flat, [100, 100, 94, 94]]);
  // A4 (best score) is bought, then stopped out at bar 2; its room goes to the next best candidate, A0
  const score = scores([[0.9, 0.6, 0.9, 0.6], [0.92, 0.6, 0.6, 0.6], [0.95, 0.6, 0.6, 0.6], [0.99, 0.6, 0.6, 0.6], [0.97, 0.6, 0.6, 0.6]]);
  const liquidity = new Float64Array(4 * 5).fill(1e6);
  liquidity[3] = 10; // A3 thin at bar 0
  const j = await Journal.open(':memory:');
  try {
    const rep = await runRulesReplay({ panel, score, liquidity, rules: { minLiquidity: 1000 }, journal: j });
    const entries = await j.db.all<{ symbol: string; bar: number }>(`SELECT symbol, bar FROM trade_orders WHERE tag = 'entry' ORDER BY bar, client_order_id`);
    assert.deepEqual(entries.map((e) => [e.symbol, Number(e.bar)]), [['A1', 0], ['A2', 0], ['A4', 0], ['A0', 2]]);
    assert.deepEqual(rep.trades.filter((t) => t.reason !== 'open').map((t) => [t.symbol, t.reason]), [['A4', 'rule:stop_loss']]);
    assert.equal(rep.trades.filter((t) => t.reason === 'open').length, 3);
  } finally {
    j.close();
  }
});

test('rules config is validated; a journal with a session is refused', async () => {
  const j = await Journal.open(':memory:');
  try {
    const panel = pathPanel([[100, 101]]);
    await assert.rejects(runRulesReplay({ panel, score: scores([[0.9, 0.9]]), journal: j, rules: { maxOpenPositions: 0 } }), /maxOpenPositions must be an integer >= 1/);
    await assert.rejects(runRulesReplay({ panel, score: scores([[0.9, 0.9]]), journal: j, rules: { stopLos: 0.1 } as never }), /unknown setting "stopLos"/);
    await assert.rejects(runRulesReplay({ panel, score: new Float64Array(3), journal: j }), /score has 3 values/);
    await runRulesReplay({ panel, score: scores([[0.9, 0.9]]), journal: j });
    await assert.rejects(runRulesReplay({ panel, score: scores([[0.9, 0.9]]), journal: j }), /already has a session/);
  } finally {
    j.close();
  }
});

test('sigmoidScore maps a formula value x to 1 / (1 + e^-x)', () => {
  const panel = pathPanel([[100, 110]]);
  const s = sigmoidScore('close / 100 - 1', panel);
  assert.ok(Math.abs(s[0]! - 0.5) < 1e-12);
  assert.ok(Math.abs(s[1]! - 1 / (1 + Math.exp(-0.1))) < 1e-12);
});
