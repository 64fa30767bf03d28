/**
 * Crash-only resume with the DEFAULT execution settings (no attached stops,
 * i.e. stops NaN = off): in-process crashes at several points, among them a
 * reversal bar (a reduce-only close then a new entry in the same asset at the
 * same open), each followed by a restart on the same journal. The resumed run
 * must end with the uninterrupted run's trades and equity (and the backtest's
 * trades), and no order may reach the venue twice.
 *
 * Regression: the journal stored order requests as plain JSON, which writes
 * NaN stop fractions as null; the rebuilt paper venue read them back as 0 (a
 * stop at the entry price), stopped out positions the original never closed,
 * and the rebuild then failed on a reversal's reduce-only close ("would not
 * reduce a position"). The SIGKILL version with stops set is trade-crash.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestSignals } from '../lib/backtest/index.js';
import { compareTrades, Journal, PaperBroker, runReplay, type JournalTrade, type OrderRequest } from '../lib/trade/index.js';
import { randomMasks, randomWalkPanel } from './helpers/market.js';

const T = 120, N = 3;
const panel = randomWalkPanel(T, N, 21), masks = randomMasks(T, N, 22);
const NAME = 'resume';

/** Counts of the venue's order record and the journal's fills, for the no-duplicate checks. */
async function counts(j: Journal): Promise<{ venueOrders: number; venueIds: number; fills: number; fillOrders: number; sending: number }> {
  const r = (await j.db.one(`SELECT (SELECT count(*) FROM paper_venue_orders) AS vo, (SELECT count(DISTINCT client_order_id) FROM paper_venue_orders) AS vi,
    (SELECT count(*) FROM trade_fills) AS f, (SELECT count(DISTINCT client_order_id) FROM trade_fills) AS fo, (SELECT count(*) FROM trade_orders WHERE status = 'sending') AS s`))!;
  return { venueOrders: Number(r['vo']), venueIds: Number(r['vi']), fills: Number(r['f']), fillOrders: Number(r['fo']), sending: Number(r['s']) };
}

/** A crash injected into one run: the journal method to break and when. */
type Crash = { at: 'onBar'; bar: number } | { at: 'venueAppend' | 'recordFill'; clientOrderId: string };

/** One run on the journal at `path` that dies at `crash` (or runs to the end when null). */
async function run(path: string, crash: Crash | null) {
  const j = await Journal.open(path);
  const boom = () => new Error('injected crash');
  if (crash?.at === 'venueAppend') {
    // dies before the venue records the order (kill -9 between the journaled intent and the send)
    const append = j.append.bind(j);
    j.append = async (e) => (e.order.clientOrderId.endsWith(crash.clientOrderId) ? Promise.reject(boom()) : append(e));
  } else if (crash?.at === 'recordFill') {
    // dies after the venue filled the order, before the fill reached the journal
    const recordFill = j.recordFill.bind(j);
    j.recordFill = async (f, ...rest) => (f.clientOrderId.endsWith(crash.clientOrderId) ? Promise.reject(boom()) : recordFill(f, ...rest));
  }
  try {
    const onBar = crash?.at === 'onBar' ? (t: number) => { if (t === crash.bar) throw boom(); } : undefined;
    const rep = await runReplay({ panel, signals: masks, journal: j, name: NAME, onBar });
    return { rep, counts: await counts(j) };
  } catch (err) {
    if (crash === null || (err as Error).message !== 'injected crash') throw err;
    return null;
  } finally {
    j.close();
  }
}

test('default settings (no stops): crashes at a reversal bar and elsewhere resume to the uninterrupted result, no order sent twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-resume-'));
  try {
    const base = (await run(join(dir, 'base.duckdb'), null))!;
    assert.deepEqual(compareTrades(base.rep.trades, backtestSignals(panel, masks, {}).trades).first, []);
    // a reversal: a 'reverse' exit and a new position in the same asset entered at the same bar
    const rev = base.rep.trades.find((x) => x.reason === 'reverse' && base.rep.trades.some((y) => y.symbol === x.symbol && y.entryBar === x.exitBar))!;
    assert.ok(rev, 'the scenario has a reversal');
    const later = base.rep.trades.filter((x) => x.exitBar > rev.exitBar + 5 && x.reason !== 'open').map((x) => x.exitBar);
    assert.ok(later.length >= 2, 'the scenario has trades after the reversal');
    const a = panel.assets.indexOf(rev.symbol);
    const crashes: Crash[] = [
      { at: 'onBar', bar: rev.exitBar - 1 },
      // between the reversal's close (filled, journaled) and its new entry
      { at: 'venueAppend', clientOrderId: `-${rev.exitBar}-oe${a}` },
      // the new entry filled at the venue, its fill not yet journaled
      { at: 'recordFill', clientOrderId: `-${rev.exitBar}-oe${a}` },
      { at: 'onBar', bar: rev.exitBar },
      { at: 'onBar', bar: later[0]! },
      { at: 'onBar', bar: later.at(-1)! },
    ];
    const path = join(dir, 'crash.duckdb');
    for (const c of crashes) assert.equal(await run(path, c), null, `crash ${JSON.stringify(c)} landed`);
    const final = (await run(path, null))!;
    assert.notEqual(final.rep.resumedFrom, null);
    assert.deepEqual(final.rep.trades as JournalTrade[], base.rep.trades);
    assert.equal(final.rep.finalEquity, base.rep.finalEquity);
    // no order twice: the venue's record holds each client id once and as many orders as the uninterrupted run; each fill once
    assert.deepEqual(final.counts, base.counts);
    assert.equal(final.counts.venueOrders, final.counts.venueIds);
    assert.equal(final.counts.fills, final.counts.fillOrders);
    assert.equal(final.counts.sending, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('journal round-trips NaN (off) stops of an order request; a journal written with plain JSON (null) reads as NaN', async () => {
  const j = await Journal.open(':memory:');
  try {
    const order: OrderRequest = { clientOrderId: 'r-1-oe0', symbol: 'A', side: 'buy', type: 'market', notional: 0.5, stops: { stopLoss: NaN, takeProfit: 0.05, trailingStop: NaN }, tag: 'NaN' };
    await j.append({ bar: 1, phase: 'open', order });
    await j.db.exec(`INSERT INTO paper_venue_orders VALUES ('r-2-oe0', 99, 2, 'open', '{"clientOrderId":"r-2-oe0","symbol":"A","side":"buy","type":"market","notional":0.5,"stops":{"stopLoss":null,"takeProfit":0.05,"trailingStop":null}}')`);
    const [e1, e2] = await j.paperOrders();
    assert.deepEqual(e1!.order, order);
    assert.ok(Object.is(e1!.order.stops!.stopLoss, NaN) && Object.is(e1!.order.stops!.trailingStop, NaN));
    assert.equal(e1!.order.tag, 'NaN');
    assert.deepEqual(e2!.order.stops, { stopLoss: NaN, takeProfit: 0.05, trailingStop: NaN });
  } finally {
    j.close();
  }
});

test('PaperBroker rejects stops that are neither NaN (off) nor a positive fraction', async () => {
  const b = new PaperBroker(['A'], { feeBps: 0, slippageBps: 0, impact: 0 }, 1);
  const one = Float64Array.of(100);
  b.beginBar({ index: 0, time: 0, open: one, high: one, low: one, close: one, volume: null, funding: null });
  const stops = { stopLoss: null as unknown as number, takeProfit: NaN, trailingStop: NaN };
  await assert.rejects(b.submit({ clientOrderId: 'x-0-oe0', symbol: 'A', side: 'buy', type: 'market', notional: 0.5, stops }), /stops\.stopLoss must be NaN \(off\) or a positive fraction, got null/);
  const ok = await b.submit({ clientOrderId: 'x-0-oe1', symbol: 'A', side: 'buy', type: 'market', notional: 0.5, stops: { stopLoss: NaN, takeProfit: 0.05, trailingStop: NaN } });
  assert.equal(ok.status, 'filled');
});
