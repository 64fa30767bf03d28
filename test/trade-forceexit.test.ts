/**
 * Force exit (lib/trade/requests.ts, engine `forceExit`): a request file next
 * to the journal closes exactly that position once at the next bar's open,
 * through the normal order path (intent journaled, trade reason
 * 'force_exit'); a crash between the order and the request's bookkeeping
 * sends nothing twice on restart; 'all', an unknown symbol and a HALTED
 * engine are handled as they say.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { doneForceExits, forceExitHook, Journal, pendingForceExits, runReplay, writeForceExit, writeStopFile, stopFilePath, stopFileSwitch, type TradingEngine } from '../lib/trade/index.js';
import { randomMasks, randomWalkPanel } from './helpers/market.js';

const dir = mkdtempSync(join(tmpdir(), 'alphalab-forceexit-'));
after(() => {
  Db.closeAll();
  rmSync(dir, { recursive: true, force: true });
});
const T = 300, N = 3;
const panel = randomWalkPanel(T, N, 21);
const masks = randomMasks(T, N, 22);
/** The first open position's symbol at bar `t`, or null. */
const openSymbol = (e: TradingEngine) => e.positions.find((p) => p !== null)?.symbol ?? null;

async function forceExitOrders(j: Journal): Promise<{ bar: number; symbol: string; side: string }[]> {
  return j.db.all<{ bar: number; symbol: string; side: string }>(`SELECT bar, symbol, side FROM trade_orders WHERE tag = 'force_exit' ORDER BY bar`);
}

test('a force-exit request closes exactly that position once, at the next bar, through the order path', async () => {
  const path = join(dir, 'one.duckdb');
  const j = await Journal.open(path);
  let target: string | null = null, others: string[] = [];
  const rep = await runReplay({
    panel, signals: masks, journal: j, name: 'fx', onBarOpen: forceExitHook(path),
    onBar: (t, _eq, e) => {
      if (target === null && t >= 100 && e.openCount() >= 1) {
        target = openSymbol(e);
        others = e.positions.filter((p) => p && p.symbol !== target).map((p) => p!.symbol);
        writeForceExit(path, target!, 'test');
      }
    },
  });
  assert.ok(target, 'a position was open');
  const orders = await forceExitOrders(j);
  assert.equal(orders.length, 1, 'one force-exit order in the whole journal');
  const fx = rep.trades.filter((t) => t.reason === 'force_exit');
  assert.equal(fx.length, 1);
  assert.equal(fx[0]!.symbol, target);
  assert.equal(fx[0]!.exitBar, orders[0]!.bar);
  // the fill is at the next bar's open (paper venue: open price plus slippage), and the trade's PnL is the kernel's arithmetic
  const t = fx[0]!;
  assert.ok(Math.abs(t.pnl - (t.side * t.size * (t.exitPrice - t.entryPrice) - t.fees - t.funding)) < 1e-9);
  const done = doneForceExits(path);
  assert.equal(done.length, 1);
  assert.deepEqual(done[0]!.outcomes, [{ symbol: target, outcome: 'sent' }]);
  assert.equal(done[0]!.bar, orders[0]!.bar);
  assert.deepEqual(pendingForceExits(path), []);
  const ev = (await j.riskEvents()).filter((e) => e.kind === 'force_exit');
  assert.equal(ev.length, 1);
  assert.match(ev[0]!.detail, new RegExp(`\\(test\\): ${target}$`));
  // other positions were not touched by the request
  for (const s of others) assert.ok(!fx.some((x) => x.symbol === s));
  j.close();
});

test('crash after the force-exit order, before the request is marked done: the restart sends nothing twice', async () => {
  const path = join(dir, 'crash.duckdb');
  let j = await Journal.open(path);
  let asked = false, target = '';
  // the execution settings of test/trade-crash.test.ts: a resume with the default settings (3 open positions, no stops)
  // fails in the paper venue's rebuild on this panel before any force exit (found here, reported, not fixed in this branch)
  const execution = { feeBps: 4, slippageBps: 2, stopLoss: 0.02, trailingStop: 0.03, takeProfit: 0.05, maxOpenPositions: 2 };
  await assert.rejects(runReplay({
    panel, signals: masks, journal: j, name: 'fxc', execution,
    onBarOpen: async (e, t, open, time) => {
      if (!asked) return;
      // the engine acts on the request ... and the process dies before its bookkeeping
      await e.forceExit(pendingForceExits(path)[0]!.symbol, open, 'test');
      void t, void time;
      throw new Error('simulated kill -9');
    },
    onBar: (t, _eq, e) => {
      if (!asked && t >= 100 && e.openCount() >= 1) {
        target = openSymbol(e)!;
        writeForceExit(path, target, 'test');
        asked = true;
      }
    },
  }), /simulated kill -9/);
  assert.equal((await forceExitOrders(j)).length, 1, 'the order went out before the crash');
  assert.equal(pendingForceExits(path).length, 1, 'the request is still pending');
  j.close();
  Db.closeAll();
  j = await Journal.open(path);
  const rep = await runReplay({ panel, signals: masks, journal: j, name: 'fxc', execution, onBarOpen: forceExitHook(path) });
  assert.ok(rep.resumedFrom !== null);
  assert.equal((await forceExitOrders(j)).length, 1, 'no second force-exit order after the restart');
  assert.equal(rep.trades.filter((t) => t.reason === 'force_exit').length, 1);
  const done = doneForceExits(path);
  assert.equal(done.length, 1);
  assert.deepEqual(done[0]!.outcomes, [{ symbol: target, outcome: 'flat' }], 'handled again on restart: already flat, nothing sent');
  j.close();
});

test("'all' closes every open position; an unknown symbol is refused; a HALTED engine denies the order (journaled)", async () => {
  const path = join(dir, 'all.duckdb');
  const j = await Journal.open(path);
  let openAt = -1;
  await runReplay({
    panel, signals: masks, journal: j, name: 'fxa', onBarOpen: forceExitHook(path),
    onBar: (t, _eq, e) => {
      if (openAt < 0 && t >= 100 && e.openCount() >= 2) {
        openAt = e.openCount();
        writeForceExit(path, 'NOPE', 'test');
        writeForceExit(path, 'all', 'test');
      }
    },
  });
  assert.ok(openAt >= 2);
  const [bad, all] = doneForceExits(path);
  assert.match(bad!.error!, /NOPE is not traded by this strategy/);
  assert.deepEqual(bad!.outcomes, []);
  assert.equal(all!.outcomes.length, openAt);
  assert.ok(all!.outcomes.every((o) => o.outcome === 'sent'));
  assert.equal((await forceExitOrders(j)).length, openAt);
  assert.throws(() => writeForceExit(path, '', 'test'), /"symbol" must be/);
  j.close();

  const hp = join(dir, 'halt.duckdb');
  const h = await Journal.open(hp);
  let sym = '';
  await runReplay({
    panel, signals: masks, journal: h, name: 'fxh', onBarOpen: forceExitHook(hp), killSwitch: stopFileSwitch(stopFilePath(hp)),
    onBar: (t, _eq, e) => {
      if (!sym && t >= 100 && e.openCount() >= 1) {
        sym = openSymbol(e)!;
        writeStopFile(stopFilePath(hp), false, 'test');
        writeForceExit(hp, sym, 'test');
      }
    },
  });
  const d = doneForceExits(hp)[0]!;
  assert.deepEqual(d.outcomes, [{ symbol: sym, outcome: 'denied' }]);
  assert.ok((await h.riskEvents()).some((e) => e.kind === 'denied' && /HALTED/.test(e.detail) && e.detail.includes(sym)));
  assert.equal((await forceExitOrders(h)).length, 0);
  h.close();
});

test('force-exit requests written in the same millisecond are pending in the order written', () => {
  const path = join(dir, 'same-ms.duckdb');
  const written = Array.from({ length: 40 }, (_, i) => writeForceExit(path, i % 2 ? 'all' : `S${i}`, 'test', 7000).id);
  assert.deepEqual(pendingForceExits(path).map((r) => r.id), written);
});
