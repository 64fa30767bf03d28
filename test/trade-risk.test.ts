/** Risk engine: each pre-trade check, each TradingState transition, denials journaled, and the kill switch (STOP file) in a replay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_LIMITS, preTradeCheck, resolveRiskLimits, stateAfterMark, type RiskSnapshot } from '../lib/risk/index.js';
import { Journal, runReplay, stopFilePath, stopFileSwitch, writeStopFile, clearStopFile, readStopFile } from '../lib/trade/index.js';
import { randomMasks, randomWalkPanel } from './helpers/market.js';

const snap = (o: Partial<RiskSnapshot> = {}): RiskSnapshot => ({ state: 'ACTIVE', now: 1_000_000, recentOrders: [], equity: 100, peakEquity: 100, dayStartEquity: 100, ...o });
const entry = { reducing: false, notional: 10, positionNotionalAfter: 10 };
const exit = { reducing: true, notional: 10, positionNotionalAfter: 0 };

test('each pre-trade check denies with its name, and allows below its limit', () => {
  const L = resolveRiskLimits({ maxOrdersPerMinute: 3, maxOrderNotional: 50, maxConcentration: 0.3, dailyLossCap: 0.05, maxDrawdown: 0.1 });
  assert.deepEqual(preTradeCheck(entry, snap(), L), { ok: true, check: null, reason: '' });
  const check = (o: typeof entry, s: RiskSnapshot) => {
    const d = preTradeCheck(o, s, L);
    return d.ok ? 'ok' : d.check;
  };
  assert.equal(check(entry, snap({ state: 'HALTED' })), 'state');
  assert.equal(check(exit, snap({ state: 'HALTED' })), 'state');
  assert.equal(check(entry, snap({ state: 'REDUCING' })), 'state');
  assert.equal(check(exit, snap({ state: 'REDUCING' })), 'ok');
  // 3 orders in the last 60 s (one older one does not count)
  assert.equal(check(entry, snap({ recentOrders: [1_000_000 - 70_000, 1_000_000 - 30_000, 1_000_000 - 20_000] })), 'ok');
  assert.equal(check(entry, snap({ recentOrders: [1_000_000 - 50_000, 1_000_000 - 30_000, 1_000_000 - 20_000] })), 'order_rate');
  assert.equal(check({ ...entry, notional: 51, positionNotionalAfter: 20 }, snap()), 'order_notional');
  assert.equal(check({ ...entry, positionNotionalAfter: 31 }, snap()), 'concentration');
  assert.equal(check({ ...entry, positionNotionalAfter: 30 }, snap()), 'ok');
  assert.equal(check(entry, snap({ equity: 94.9, peakEquity: 94.9 })), 'daily_loss');
  assert.equal(check(entry, snap({ equity: 95, peakEquity: 95 })), 'ok');
  assert.equal(check(entry, snap({ equity: 98, peakEquity: 110, dayStartEquity: 98 })), 'drawdown');
  // reducing orders pass the exposure checks
  assert.equal(check({ reducing: true, notional: 1e9, positionNotionalAfter: 0 }, snap({ equity: 50 })), 'ok');
  // unknown and bad settings are refused, naming them
  assert.throws(() => resolveRiskLimits({ maxDrawdon: 0.1 } as never), /unknown setting "maxDrawdon"/);
  assert.throws(() => resolveRiskLimits({ maxDrawdown: -1 }), /maxDrawdown must be a number > 0/);
});

test('TradingState transitions: daily loss -> REDUCING -> new day ACTIVE; drawdown -> HALTED, which stays', () => {
  const L = resolveRiskLimits({ dailyLossCap: 0.05, maxDrawdown: 0.2 });
  assert.deepEqual(stateAfterMark('ACTIVE', 96, 100, 100, false, L), { state: 'ACTIVE', reason: null });
  const r = stateAfterMark('ACTIVE', 94, 100, 100, false, L);
  assert.equal(r.state, 'REDUCING');
  assert.match(r.reason!, /daily loss cap/);
  assert.deepEqual(stateAfterMark('REDUCING', 94, 100, 100, false, L), { state: 'REDUCING', reason: null });
  assert.equal(stateAfterMark('REDUCING', 94, 100, 94, true, L).state, 'ACTIVE');
  assert.equal(stateAfterMark('ACTIVE', 79, 100, 80, false, L).state, 'HALTED');
  assert.equal(stateAfterMark('HALTED', 200, 200, 100, true, L).state, 'HALTED');
  assert.equal(stateAfterMark('ACTIVE', 1, 100, 100, true, NO_LIMITS).state, 'ACTIVE');
});

test('engine: denied orders are journaled with their reason and never sent', async () => {
  const T = 200, N = 3;
  const panel = randomWalkPanel(T, N, 5);
  const masks = randomMasks(T, N, 6);
  const j = await Journal.open(':memory:');
  // entries are 1/3 of equity (~0.33): a 0.2 notional cap denies every entry
  const rep = await runReplay({ panel, signals: masks, journal: j, name: 'risk', limits: resolveRiskLimits({ maxOrderNotional: 0.2 }) });
  assert.equal(rep.ordersSent, 0);
  assert.ok(rep.ordersDenied > 5);
  const ev = await j.riskEvents();
  assert.equal(ev.length, rep.ordersDenied);
  assert.ok(ev.every((e) => e.kind === 'denied' && /^order_notional: order notional 0\.33/.test(e.detail)), ev[0]!.detail);
  assert.equal((await j.counts()).orders, 0);
  j.close();
});

test('engine: max drawdown halts trading; no entry after the HALTED event', async () => {
  const T = 400, N = 2;
  const panel = randomWalkPanel(T, N, 9);
  const masks = randomMasks(T, N, 10, { le: 0.08, lx: 0.05, se: 0.08, sx: 0.05 });
  const j = await Journal.open(':memory:');
  const rep = await runReplay({ panel, signals: masks, journal: j, name: 'dd', execution: { sizing: { kind: 'fixedFraction', fraction: 2 }, feeBps: 30 }, limits: resolveRiskLimits({ maxDrawdown: 0.05 }) });
  assert.equal(rep.state, 'HALTED');
  const ev = await j.riskEvents();
  const halt = ev.find((e) => e.kind === 'state' && e.state === 'HALTED')!;
  assert.match(halt.detail, /max drawdown breached/);
  const later = await j.db.all(`SELECT client_order_id FROM trade_orders WHERE bar > ${halt.bar}`);
  assert.deepEqual(later, []);
  assert.ok(ev.some((e) => e.kind === 'denied' && e.bar > halt.bar && /HALTED/.test(e.detail)));
  j.close();
});

test('kill switch: a STOP file halts at once and flattens; no order after it but the flatten orders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-kill-'));
  try {
    const T = 300, N = 3;
    const panel = randomWalkPanel(T, N, 12);
    const masks = randomMasks(T, N, 13);
    const path = join(dir, 'j.duckdb');
    const stop = stopFilePath(path);
    assert.equal(readStopFile(stop), null);
    const j = await Journal.open(path);
    let openAtKill = -1;
    const rep = await runReplay({
      panel, signals: masks, journal: j, name: 'kill', killSwitch: stopFileSwitch(stop),
      onBar: (t, _eq, engine) => {
        if (t === 150) {
          openAtKill = engine.openCount();
          writeStopFile(stop, true, 'test');
        }
      },
    });
    assert.ok(openAtKill > 0, 'positions open when the switch is pulled');
    assert.equal(rep.state, 'HALTED');
    const ev = await j.riskEvents();
    const kill = ev.find((e) => e.kind === 'kill_switch')!;
    assert.equal(kill.bar, 151);
    assert.match(kill.detail, /STOP file .* \(test\), flatten/);
    const after = await j.db.all<{ tag: string }>(`SELECT tag FROM trade_orders WHERE bar >= 151`);
    assert.equal(after.length, openAtKill);
    assert.ok(after.every((r) => r.tag === 'flatten'));
    assert.equal((await j.positions()).length, 0);
    assert.ok(rep.trades.filter((t) => t.reason === 'flatten').length === openAtKill);
    assert.equal(clearStopFile(stop), true);
    j.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
