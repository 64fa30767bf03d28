/**
 * Crash-only live trading: a scripted live session (the real ccxt client
 * against the scripted Binance venue of this process, whose clock is the
 * session's: the child reads it and moves it on when it sleeps, a fast clock
 * that survives the child) runs in a child process that is
 * SIGKILLed at three random points and restarted on the same journal each time,
 * then runs to the end of the scripted period. Afterwards: every order the venue
 * holds was created once (a client order id re-decided after a restart is
 * recognized, never executed twice), every venue fill is journaled exactly
 * once, journal positions equal the venue's, no order is left 'sending';
 * venue-side stops are placed once each and none is left on a closed position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, runLive, type Clock } from '../lib/trade/index.js';
import { routeToFake } from './helpers/fake-binance.js';
import { protectiveCause } from '../lib/venues/index.js';
import { liveOptions, liveVenue, P, T0 } from './helpers/live-session.js';
import { lcg } from './helpers/numeric.js';
import { runKillableChild } from './helpers/kill-child.js';

const END = T0 + 70 * P;

if (process.env['LIVE_CRASH_CHILD']) {
  // child: the live loop on the journal and venue port given in the environment, until the scripted period ends
  const port = Number(process.env['LIVE_CRASH_PORT']);
  const route = routeToFake(port);
  let now = ((await (await route('https://fapi.binance.com/fapi/v1/time')).json()) as { serverTime: number }).serverTime;
  // sleeping moves the venue's clock (a test-only endpoint of the fake), with a short real pause so a kill can land anywhere
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      const r = await fetch(`http://127.0.0.1:${port}/test/advance?ms=${Math.max(1, Math.round(ms))}`, { method: 'POST' });
      now = ((await r.json()) as { serverTime: number }).serverTime;
      await new Promise((res) => setTimeout(res, 2));
    },
  };
  const journal = await Journal.open(process.env['LIVE_CRASH_CHILD']);
  const rep = await runLive({ ...liveOptions(route, journal, clock, Number.MAX_SAFE_INTEGER), stops: { stopLoss: 0.004, takeProfit: 0.006, trailingStop: NaN }, shouldStop: () => clock.now() >= END, onBar: (b) => process.stdout.write(`bar ${b.bar}\n`) });
  process.stdout.write(JSON.stringify({ acted: rep.barsActed, orders: rep.ordersSent, resumed: rep.resumed }) + '\n');
  journal.close();
  process.exit(0);
} else {
  const child = (path: string, port: number, killAfterBars: number | null, extraMs: number) =>
    runKillableChild('test/trade-live-crash.test.ts', { LIVE_CRASH_CHILD: path, LIVE_CRASH_PORT: String(port) }, (out) => (killAfterBars !== null && (out.match(/^bar /gm) ?? []).length >= killAfterBars ? extraMs : null));

  test('kill -9 at random points of a live session: restart reconciles, no order twice, nothing lost from the journal', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alphalab-live-crash-'));
    const fake = liveVenue(120, 40);
    await fake.start();
    try {
      const path = join(dir, 'live.duckdb');
      const u = lcg(99);
      let kills = 0;
      for (let i = 0; i < 3; i++) {
        const r = await child(path, fake.port, 1 + Math.floor(u() * 4), Math.floor(u() * 40));
        if (r.killed) kills++;
      }
      const last = await child(path, fake.port, null, 0);
      const summary = JSON.parse(last.out.trim().split('\n').pop()!) as { acted: number; resumed: boolean };
      assert.equal(summary.resumed, true);
      assert.ok(kills >= 2, `children killed: ${kills}`);

      const j = await Journal.open(path);
      try {
        const fills = await j.db.all<{ id: string }>('SELECT fill_id AS id FROM trade_fills');
        assert.deepEqual(fills.map((f) => f.id).sort(), fake.trades.map((t) => `${t.symbol}-${t.id}`).sort(), 'every venue fill journaled once');
        const venue = [...fake.positions].filter(([, q]) => q.amt !== 0).map(([s, q]) => [s, q.amt]).sort();
        assert.deepEqual((await j.positions()).map((p) => [p.symbol, p.qty]).sort(), venue, 'positions reconciled');
        assert.ok(fake.orders.size >= 4, `venue orders: ${fake.orders.size}`);
        const ids = await j.orderIds();
        for (const a of fake.algos.values()) assert.equal(fake.requests.filter((r) => r.method === 'POST' && r.path === '/fapi/v1/algoOrder' && r.params['clientAlgoId'] === a.clientAlgoId && r.params['__processed'] === '1').length, 1, `${a.clientAlgoId} placed once`);
        for (const a of fake.algos.values()) if (a.algoStatus === 'NEW') assert.notEqual(fake.positions.get(a.symbol)?.amt ?? 0, 0, `${a.clientAlgoId} left open on a closed position`);
        for (const o of fake.orders.values()) {
          if (protectiveCause(o.clientOrderId)) continue;
          assert.equal(fake.created(o.clientOrderId), 1, `${o.clientOrderId} executed once`);
          assert.ok(ids.has(o.clientOrderId), `${o.clientOrderId} in the journal`);
        }
        assert.equal((await j.counts()).sending, 0, 'no order left sending');
        // the journal's marker reached the end of the scripted period
        assert.ok(Number(await j.meta('live_bar')) >= END / P - 2);
      } finally {
        j.close();
      }
    } finally {
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
