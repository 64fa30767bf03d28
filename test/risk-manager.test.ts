import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialRiskState, manageRisk, resolveRiskSettings, stopExit, stopLevels, type RiskState } from '../lib/risk/index.js';
import { assertClose } from './helpers/numeric.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const buy = (confidence: number) => ({ label: 'buy' as const, confidence });

test('entry: fixed 0.4 % / 0.4 % stops, size by confidence and risk budget, cost 0.05 % per fill', () => {
  const d = manageRisk({ timestamp: T0, price: 100 }, buy(0.9), 10_000, initialRiskState(), { dynamicStops: false });
  assert.equal(d.action, 'enter_long');
  assertClose(d.stopLoss, 99.6, 1e-12);
  assertClose(d.takeProfit, 100.4, 1e-12);
  // strength (0.9 - 0.45) / 0.55; notional = strength * 1 % * 10,000 / (0.004 + 0.001) = 20,000 * strength -> capped at maxPosition 1 x 10,000.
  const strength = 0.45 / 0.55;
  assertClose(d.size, Math.min(10_000, (strength * 100) / 0.005) / 100, 1e-9);
  assert.equal(d.size, 100);
  const half = manageRisk({ timestamp: T0, price: 100 }, buy(0.5), 10_000, initialRiskState(), { dynamicStops: false });
  const s2 = 0.05 / 0.55;
  assertClose(half.size * 100, (s2 * 100) / 0.005, 1e-9);
  assertClose(half.cost, 0.0005 * half.size * 100, 1e-12);
  assert.ok(half.size < d.size, 'a weaker signal trades smaller');
  const weak = manageRisk({ timestamp: T0, price: 100 }, buy(0.4), 10_000);
  assert.equal(weak.action, 'hold');
  assert.match(weak.reason, /confidence 0.40 < 0.45/);
});

test('volatility-based dynamic stop widens the stop and keeps the reward-to-risk ratio', () => {
  const s = resolveRiskSettings({ takeProfit: 0.008, stopLoss: 0.004 });
  const lv = stopLevels(1, 100, 0.005, s);
  assertClose(lv.distance, 0.01, 1e-15);
  assertClose(lv.stop, 99, 1e-12);
  assertClose(lv.takeProfit, 102, 1e-12);
  assert.equal(lv.widened, true);
  const d = manageRisk({ timestamp: T0, price: 100, volatility: 0.005 }, { label: 'sell', confidence: 1 }, 10_000);
  assert.equal(d.action, 'enter_short');
  assertClose(d.stopLoss, 101, 1e-12);
  assert.equal(d.riskLevel, 'high');
  assert.equal(stopLevels(1, 100, 0.001, s).distance, 0.004, 'low volatility keeps the fixed stop');
});

test('stop hit: the long closes at the stop with both fills\' costs in the PnL; both touched -> stop first; gap -> open', () => {
  const e = manageRisk({ timestamp: T0, price: 100 }, buy(1), 10_000, initialRiskState(), { dynamicStops: false });
  const size = e.size;
  const x = manageRisk({ timestamp: T0 + 1000, price: 99.7, low: 99.5, high: 100.5 }, { label: 'hold', confidence: 0.9 }, 10_000, e.state);
  assert.equal(x.action, 'exit');
  assert.match(x.reason, /stop loss hit at 99.6/);
  assertClose(x.pnl, size * (99.6 - 100) - 0.0005 * size * (100 + 99.6), 1e-9);
  assert.equal(x.state.position, null);
  const pos = e.state.position!;
  assert.deepEqual(stopExit(pos, { timestamp: 0, price: 100.2, high: 100.5, low: 100.1 }), { reason: 'take_profit', price: 100.4 });
  assert.deepEqual(stopExit(pos, { timestamp: 0, price: 99, open: 99.2, high: 99.3, low: 98.9 }), { reason: 'stop_loss', price: 99.2 });
  assert.equal(stopExit(pos, { timestamp: 0, price: 100.1 }), null);
  const hold = manageRisk({ timestamp: T0 + 1000, price: 100.1 }, buy(0.9), 10_000, e.state);
  assert.equal(hold.action, 'hold');
  assert.equal(hold.riskLevel, 'medium');
  const opp = manageRisk({ timestamp: T0 + 1000, price: 100.1 }, { label: 'sell', confidence: 0.8 }, 10_000, e.state);
  assert.equal(opp.action, 'exit');
  assertClose(opp.pnl, size * 0.1 - 0.0005 * size * 200.1, 1e-9);
});

test('daily loss cap: 2 % down on the day halts new entries until the next UTC day; open stops still work', () => {
  let st: RiskState = initialRiskState();
  st = manageRisk({ timestamp: T0, price: 100 }, { label: 'hold', confidence: 1 }, 10_000, st).state;
  assert.equal(st.dayStartBalance, 10_000);
  const down = manageRisk({ timestamp: T0 + 60_000, price: 100 }, buy(1), 9_799, st);
  assert.equal(down.action, 'hold');
  assert.equal(down.riskLevel, 'halted');
  assert.match(down.reason, /daily loss 2.01 % >= cap 2.00 %/);
  // Recovering within the day does not lift the halt.
  const later = manageRisk({ timestamp: T0 + 120_000, price: 100 }, buy(1), 9_900, down.state);
  assert.equal(later.action, 'hold');
  assert.equal(later.riskLevel, 'halted');
  const position = { side: 1 as const, size: 10, entryPrice: 100, stopPrice: 99.6, takeProfitPrice: 100.4, entryTime: T0 };
  const stopped = manageRisk({ timestamp: T0 + 180_000, price: 99.5 }, buy(1), 9_850, { ...later.state, position });
  assert.equal(stopped.action, 'exit');
  assert.equal(stopped.riskLevel, 'halted');
  const nextDay = manageRisk({ timestamp: T0 + 86_400_000, price: 100 }, buy(1), 9_900, later.state);
  assert.equal(nextDay.action, 'enter_long');
  assert.equal(nextDay.state.dayStartBalance, 9_900);
  const warn = manageRisk({ timestamp: T0 + 60_000, price: 100 }, { label: 'hold', confidence: 1 }, 9_895, st);
  assert.equal(warn.riskLevel, 'high', 'half the cap lost');
  assert.throws(() => manageRisk({ timestamp: T0, price: 100 }, buy(1), 10_000, st, { stopLoss: 0 }), /stopLoss must be > 0/);
  assert.throws(() => manageRisk({ timestamp: T0, price: 100 }, buy(1.2), 10_000), /confidence must be in \[0, 1\]/);
});

test('stopExit through the shared stop rule equals the min/max(open, level) formula exactly on 20,000 random valid bars (both sides, both levels, gaps)', () => {
  // the risk manager's own formula before it called lib/risk/stops.ts, kept here as the independent check
  const direct = (side: 1 | -1, stop: number, tp: number, o: number, h: number, l: number) => {
    if (side === 1) {
      if (l <= stop) return { reason: 'stop_loss', price: Math.min(o, stop) };
      if (h >= tp) return { reason: 'take_profit', price: Math.max(o, tp) };
    } else {
      if (h >= stop) return { reason: 'stop_loss', price: Math.max(o, stop) };
      if (l <= tp) return { reason: 'take_profit', price: Math.min(o, tp) };
    }
    return null;
  };
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const counts = { stop_loss: 0, take_profit: 0, none: 0 };
  for (let i = 0; i < 20_000; i++) {
    const side: 1 | -1 = rnd() < 0.5 ? 1 : -1;
    const entry = 50 + 100 * rnd();
    const d = 0.005 + 0.05 * rnd();
    const stop = entry * (1 - side * d), tp = entry * (1 + side * 2 * d);
    const a = entry * (1 + 0.12 * (rnd() - 0.5)), b = entry * (1 + 0.12 * (rnd() - 0.5));
    const h = Math.max(a, b), l = Math.min(a, b), o = l + (h - l) * rnd();
    const pos = { side, size: 1, entryPrice: entry, stopPrice: stop, takeProfitPrice: tp, entryTime: 0 };
    const got = stopExit(pos, { timestamp: 0, price: o, open: o, high: h, low: l });
    assert.deepEqual(got, direct(side, stop, tp, o, h, l), `bar ${i}`);
    counts[got?.reason ?? 'none']++;
  }
  assert.ok(counts.stop_loss > 1000 && counts.take_profit > 1000 && counts.none > 1000, JSON.stringify(counts));
});
