import { test } from 'node:test';
import assert from 'node:assert/strict';
import pl from 'nodejs-polars';
import { Db, sqlString } from '../lib/db/index.js';
import {
  loadBundledPanel, bundledPaths, panelToLongFrame, longFrameToPanel, panelToWideFrame, wideFrameToPanel, queryFrame, frameToHtml, type Panel,
} from '../lib/data/index.js';

function assertSamePanel(a: Panel, b: Panel): void {
  assert.deepEqual(b.assets, a.assets);
  assert.deepEqual(b.times, a.times);
  assert.deepEqual(Object.keys(b.fields), Object.keys(a.fields));
  for (const f of Object.keys(a.fields)) {
    const x = a.fields[f]!;
    const y = b.fields[f]!;
    assert.equal(y.length, x.length);
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.fail(`${f}[${i}]: ${x[i]} vs ${y[i]}`);
  }
}

test('panel -> long frame -> panel is identical on the real S&P 500 sample (NaN <-> null)', async () => {
  const p = await loadBundledPanel('sp500_daily', { raw: true });
  const df = panelToLongFrame(p);
  assert.deepEqual(df.columns, ['time', 'symbol', 'open', 'high', 'low', 'close', 'volume']);
  assert.equal(df.height, 1259 * 505);
  const nanOpens = p.fields.open!.reduce((n, v) => n + (Number.isNaN(v) ? 1 : 0), 0);
  assert.equal(df.getColumn('open').nullCount(), nanOpens);
  // Row t * N + a holds (times[t], assets[a]).
  const a = p.assets.indexOf('AAPL');
  const row = df.row(a) as unknown[];
  assert.equal((row[0] as Date).getTime(), p.times[0]);
  assert.equal(row[1], 'AAPL');
  assert.equal(row[5], 67.8542);
  const back = longFrameToPanel(df, { frequency: '1d', market: 'equity', dataset: 'sp500_daily' });
  assertSamePanel(p, back);
  // Dropping all-missing rows keeps exactly the source rows (raw sample), and the round trip still holds.
  const sparse = panelToLongFrame(p, { dropMissing: true });
  assert.equal(sparse.height, 619040);
  assertSamePanel(p, longFrameToPanel(sparse, { frequency: '1d', market: 'equity', assets: p.assets }));
  assert.equal(longFrameToPanel(sparse, { frequency: '1d', market: 'equity' }).assets.indexOf('APTV'), 504, 'default: first appearance (APTV lists last)');
});

test('panel -> wide frame -> panel for one field (perp funding_event), and a shuffled long frame', async () => {
  const p = await loadBundledPanel('binance_perp_1h', { start: '2025-10-01', end: '2025-10-31', fields: ['close', 'funding_event'] });
  const w = panelToWideFrame(p, 'funding_event');
  assert.deepEqual(w.columns, ['time', ...p.assets]);
  assert.equal(w.height, p.times.length);
  const back = wideFrameToPanel(w, 'funding_event', { frequency: '1h', market: 'crypto' });
  assertSamePanel({ ...p, fields: { funding_event: p.fields.funding_event! } }, back);
  // Row order of a long frame does not matter (assets by first appearance, so sort by symbol first).
  const long = panelToLongFrame(p).sort(['symbol', 'time'], true);
  const q = longFrameToPanel(long, { frequency: '1h', market: 'crypto' });
  const order = [...p.assets].sort().reverse();
  assert.deepEqual(q.assets, order);
  const close = p.fields.close!;
  const N = p.assets.length;
  for (let t = 0; t < p.times.length; t += 97) {
    for (const [j, s] of order.entries()) assert.ok(Object.is(q.fields.close![t * N + j], close[t * N + p.assets.indexOf(s)]));
  }
  assert.throws(() => longFrameToPanel(pl.concat([long.head(3), long.head(1)]), { frequency: '1h', market: 'crypto' }), /duplicate row/);
  assert.throws(() => longFrameToPanel(long.drop('symbol'), { frequency: '1h', market: 'crypto' }), /no column "symbol"/);
});

test('queryFrame keeps DuckDB types and values; parameters work', async () => {
  const db = await Db.open(':memory:');
  const df = await queryFrame(db, `SELECT time, symbol, close, CAST(volume AS BIGINT) AS vol, DATE '2020-01-02' AS d
    FROM read_parquet(${sqlString(bundledPaths('sp500_daily').bars)}) WHERE symbol = ? ORDER BY time LIMIT 3`, ['AAPL']);
  const rows = await db.all<{ close: number; vol: number }>(`SELECT close, CAST(volume AS BIGINT) AS vol FROM read_parquet(${sqlString(bundledPaths('sp500_daily').bars)}) WHERE symbol = 'AAPL' ORDER BY time LIMIT 3`);
  db.close();
  assert.equal(df.height, 3);
  assert.match(String(df.getColumn('time').dtype), /Datetime/);
  assert.match(String(df.getColumn('d').dtype), /Date/);
  assert.match(String(df.getColumn('vol').dtype), /Int64/);
  assert.deepEqual(df.getColumn('close').toArray(), rows.map((r) => r.close));
  assert.deepEqual(df.getColumn('vol').toArray().map(Number), rows.map((r) => r.vol));
  assert.equal((df.getColumn('time').toArray()[0] as unknown as Date).toISOString(), '2013-02-08T00:00:00.000Z');
});

test('frameToHtml: escaped cells, header with dtypes, row limit with a count of hidden rows', () => {
  const df = pl.DataFrame({ name: ['<b>&x', 'y', 'z'], v: [1.5, null, 0.1 + 0.2], t: [new Date(Date.UTC(2020, 0, 2)), new Date(Date.UTC(2020, 0, 2, 13, 30)), new Date(0)] });
  const html = frameToHtml(df, 2);
  assert.match(html, /^<table/);
  assert.ok(html.includes('&lt;b&gt;&amp;x'));
  assert.ok(!html.includes('<b>&x'));
  assert.ok(html.includes('<td>null</td>'));
  assert.ok(html.includes('<td>2020-01-02</td>'));
  assert.ok(html.includes('<td>2020-01-02 13:30:00</td>'));
  assert.ok(html.includes('shape: (3, 3), 1 more rows not shown'));
  assert.equal((html.match(/<tr>/g) ?? []).length, 3, 'header + 2 rows');
  assert.ok(frameToHtml(df, 10).includes('<td>0.3</td>'));
});
