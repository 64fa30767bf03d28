/**
 * Crash-only: a paper replay in a child process is SIGKILLed at three random bars,
 * restarted on the same journal each time, then run to the end. It must end
 * with the same trades as an uninterrupted run (and as backtestSignals), with
 * no order sent twice (the paper venue's order record has each client order
 * id once and as many orders as the uninterrupted run) and every fill journaled once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestSignals, type ExecutionSettings } from '../lib/backtest/index.js';
import { compareTrades, Journal, runReplay, type JournalTrade } from '../lib/trade/index.js';
import { Db } from '../lib/db/index.js';
import { randomMasks, randomWalkPanel } from './helpers/market.js';
import { lcg } from './helpers/numeric.js';

const T = 200, N = 3;
const SETTINGS: Partial<ExecutionSettings> = { feeBps: 4, slippageBps: 2, stopLoss: 0.02, trailingStop: 0.03, takeProfit: 0.05, maxOpenPositions: 2 };
const data = () => ({ panel: randomWalkPanel(T, N, 21), masks: randomMasks(T, N, 8, { le: 0.05, lx: 0.05, se: 0.04, sx: 0.05 }) });

if (process.env['TRADE_CRASH_CHILD']) {
  // child: replay on the journal given in the environment, print the result as one JSON line
  const { panel, masks } = data();
  const journal = await Journal.open(process.env['TRADE_CRASH_CHILD']);
  const rep = await runReplay({ panel, signals: masks, execution: SETTINGS, journal, name: 'crash', onBar: (t) => process.stdout.write(`bar ${t}\n`) });
  process.stdout.write(JSON.stringify({ trades: rep.trades, finalEquity: rep.finalEquity, resumed: rep.resumedFrom !== null }) + '\n');
  journal.close();
  process.exit(0);
} else {
  /** Runs the child; SIGKILLs it as soon as it reports bar `killAtBar` (the kill lands wherever the child is by then), or lets it finish when null. */
  const child = (path: string, killAtBar: number | null): Promise<{ killed: boolean; out: string }> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'test/trade-crash.test.ts'], { env: { ...process.env, TRADE_CRASH_CHILD: path }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /bar (\d+)\n(?![\s\S]*bar \d+\n)/.exec(out);
        if (killAtBar !== null && m && Number(m[1]) >= killAtBar) p.kill('SIGKILL');
      });
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (code, signal) => {
        if (signal === 'SIGKILL') resolve({ killed: true, out });
        else if (code === 0) resolve({ killed: false, out });
        else reject(new Error(`child exited ${code}: ${err}`));
      });
    });

  test('kill -9 at random points of a replay: restart continues, same trades, no order sent twice', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alphalab-crash-'));
    try {
      const base = await child(join(dir, 'base.duckdb'), null);
      const baseline = JSON.parse(base.out.trim().split('\n').pop()!) as { trades: JournalTrade[]; finalEquity: number };
      const { panel, masks } = data();
      const bt = backtestSignals(panel, masks, SETTINGS).trades;
      assert.equal(compareTrades(baseline.trades, bt).ok, true);

      const u = lcg(2024);
      const path = join(dir, 'crash.duckdb');
      // three kills at increasing random bars, then a run to the end
      const targets = [0, 1, 2].map((k) => Math.floor(((k + u()) / 3) * (T - 20)));
      let kills = 0, last: { killed: boolean; out: string } = { killed: true, out: '' };
      for (const target of targets) {
        last = await child(path, target);
        if (last.killed) kills++;
      }
      if (last.killed) last = await child(path, null);
      assert.ok(kills >= 2, `only ${kills} kills landed`);
      const final = JSON.parse(last.out.trim().split('\n').pop()!) as { trades: JournalTrade[]; finalEquity: number; resumed: boolean };
      assert.equal(final.resumed, true);
      assert.deepEqual(compareTrades(final.trades, bt).first, []);
      assert.deepEqual(final.trades, baseline.trades);
      assert.equal(final.finalEquity, baseline.finalEquity);

      // no duplicates: venue orders and journal fills, against the uninterrupted run
      const count = async (p: string, sql: string) => Number((await (await Db.open(p)).one<{ n: bigint }>(sql))!.n);
      const venueOrders = 'SELECT count(*) AS n FROM paper_venue_orders';
      const distinctFills = 'SELECT count(DISTINCT client_order_id) - count(*) AS n FROM trade_fills';
      assert.equal(await count(path, venueOrders), await count(join(dir, 'base.duckdb'), venueOrders));
      assert.equal(await count(path, distinctFills), 0);
      assert.equal(await count(path, 'SELECT count(*) AS n FROM trade_fills'), await count(join(dir, 'base.duckdb'), 'SELECT count(*) AS n FROM trade_fills'));
      assert.equal(await count(path, `SELECT count(*) AS n FROM trade_orders WHERE status = 'sending'`), 0);
      Db.closeAll();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a journal that disagrees with the venue is refused (reconciliation) and HALTED is recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alphalab-recon-'));
    try {
      const path = join(dir, 'j.duckdb');
      const { panel, masks } = data();
      let j = await Journal.open(path);
      await runReplay({ panel, signals: masks, execution: { ...SETTINGS, end: 100 }, journal: j, name: 'crash' });
      // tamper: the venue's record loses an order -> rebuilt venue positions differ from the journal
      await j.db.exec(`DELETE FROM paper_venue_orders WHERE n = (SELECT max(n) FROM paper_venue_orders)`);
      j.close();
      j = await Journal.open(path);
      await assert.rejects(runReplay({ panel, signals: masks, execution: SETTINGS, journal: j, name: 'crash' }), /reconciliation with paper failed, refusing to trade/);
      const ev = await j.riskEvents();
      assert.equal(ev.at(-1)!.kind, 'reconciliation_failed');
      assert.equal(ev.at(-1)!.state, 'HALTED');
      j.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
