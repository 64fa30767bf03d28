/**
 * Dashboard API (lib/monitor): auth (401 without the token, 200 with it, Host
 * check), each endpoint's figures against what the stores' own writers
 * reported after real short runs (offline research loop, paper replays, BRAIN
 * store, job store, fleet state, pino logs), controls writing what they
 * claim (kill switch halts a replay), logs over the websocket, no secret in
 * any answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createDashboard, pauseFilePath, pendingRequests, type MonitorPaths } from '../lib/monitor/index.js';
import { Journal, pendingForceExits, runReplay, stopFilePath, stopFileSwitch } from '../lib/trade/index.js';
import { spawn } from 'node:child_process';
import { createJobLogger } from '../lib/jobs/index.js';
import { Db } from '../lib/db/index.js';
import { randomMasks, randomWalkPanel } from './helpers/market.js';
import { seedStores, type SeedReport } from './helpers/monitor-fixture.js';

let dir: string, paths: MonitorPaths, seed: SeedReport;
let app: Awaited<ReturnType<typeof createDashboard>>['app'], token: string, base: string;
const bodies: string[] = [];

before(async () => {
  ({ dir, paths, seed } = seedStores());
  ({ app, token } = await createDashboard({ paths, statusTtlMs: 0, logPollMs: 50 }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address() as { port: number };
  base = `http://127.0.0.1:${a.port}`;
});
after(async () => {
  await app.close();
  Db.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

async function api(path: string, o: { method?: string; body?: unknown; auth?: string | null; host?: string } = {}): Promise<{ code: number; json: any }> {
  const headers: Record<string, string> = {};
  if (o.auth !== null) headers.authorization = `Bearer ${o.auth ?? token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.host) headers.host = o.host;
  const r = await app.inject({ method: (o.method ?? 'GET') as 'GET', url: path, headers: { host: base.slice(7), ...headers }, ...(o.body !== undefined ? { payload: JSON.stringify(o.body) } : {}) });
  bodies.push(r.body);
  return { code: r.statusCode, json: String(r.headers['content-type'] ?? '').includes('json') ? r.json() : r.body };
}

const GETS = ['/api/v1/health', '/api/v1/status', '/api/v1/alphas', '/api/v1/trades', '/api/v1/positions', '/api/v1/profit', '/api/v1/logs'];

test('token: 401 without it or with a wrong one, 200 with it; the page needs it in the query; POST controls need the header; foreign Host refused', async () => {
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  for (const p of GETS) {
    assert.equal((await api(p, { auth: null })).code, 401, p);
    assert.equal((await api(p, { auth: 'x'.repeat(43) })).code, 401, p);
    assert.equal((await api(p)).code, 200, p);
  }
  for (const c of ['pause', 'resume', 'stop', 'generate', 'mine', 'submit']) assert.equal((await api(`/api/v1/controls/${c}`, { method: 'POST', auth: null, body: {} })).code, 401, c);
  assert.equal((await api(`/api/v1/controls/stop?token=${token}`, { method: 'POST', auth: null, body: {} })).code, 401, 'query token is for the page only');
  assert.equal((await api('/api/v1/controls/stop', { method: 'GET' })).code, 404, 'controls are POST only');
  assert.equal((await api('/', { auth: null })).code, 401);
  const page = await api(`/?token=${token}`, { auth: null });
  assert.equal(page.code, 200);
  assert.ok(!String(page.json).includes(token), 'the page does not embed the token');
  assert.equal((await api('/api/v1/status', { host: 'evil.example:80' })).code, 403);
  assert.equal((await api('/api/v1/alphas?kind=nope')).code, 400);
  assert.equal((await api('/api/v1/logs?level=loud')).code, 400);
});

test('status: fleet, orchestrator jobs and VRAM, research and miners, trader equal the seeded stores', async () => {
  const s = (await api('/api/v1/status')).json;
  assert.equal(s.fleet.available, true);
  assert.equal(s.fleet.tierIndex, 1);
  assert.equal(s.fleet.model, 'llama3.2:3b');
  assert.equal(s.fleet.successes, 42);
  assert.equal(s.fleet.totalOoms, 3);
  assert.equal(s.orchestrator.available, true);
  assert.deepEqual(s.orchestrator.jobs.map((j: any) => [j.job, j.lastStatus, j.runs, j.failures, j.nextRun ?? undefined]), seed.jobs.map((j) => [j.job, j.lastStatus, j.runs, j.failures, j.nextRun]));
  assert.equal(s.orchestrator.vram.usedMib, 5120);
  assert.equal(s.orchestrator.vram.totalMib, 24576);
  assert.deepEqual(s.orchestrator.vram.models.map((m: any) => [m.model, m.vramFraction]), [['llama3.2:3b', 1]]);
  const r = s.research;
  assert.equal(r.available, true);
  assert.equal(r.runs, seed.research.runs);
  assert.equal(r.hypotheses, seed.research.hypotheses);
  assert.deepEqual(r.byStatus, seed.research.byStatus);
  assert.equal(r.last24h.hypotheses, seed.research.hypotheses);
  const decided = (seed.research.byStatus.validated ?? 0) + (seed.research.byStatus.failed ?? 0) + (seed.research.byStatus.abandoned ?? 0);
  assert.equal(r.successRate, decided ? (seed.research.byStatus.validated ?? 0) / decided : null);
  assert.equal(r.trials, seed.trials);
  assert.equal(r.hopeful, seed.hopeful);
  assert.equal(r.hopefulPassing, seed.hopefulPassing);
  assert.deepEqual(r.submissions, { accepted: 1, rejected: 1 });
  assert.equal(r.last24h.submissions, 2);
  assert.equal(r.lastRun.stopReason, seed.research.stopReason);
  const byName = Object.fromEntries(s.trader.journals.map((j: any) => [j.name, j]));
  for (const [name, w] of Object.entries(seed.journals)) {
    const j = byName[name];
    assert.equal(j.available, true, name);
    assert.equal(j.trades, w.trades, name);
    assert.equal(j.positions, w.positions, name);
    assert.equal(j.state, w.state, name);
    assert.equal(j.mode, w.venue === 'paper' ? 'paper' : 'live', name);
    assert.ok(Math.abs(j.realizedPnl - w.pnl) < 1e-12, name);
    assert.equal(j.stop, null);
  }
  assert.equal(s.trader.paused, false);
});

test('alphas, trades, positions, profit (paper and live apart) equal the stores; filters work', async () => {
  const gen = (await api('/api/v1/alphas?kind=generated')).json;
  assert.equal(gen.rows.length, seed.research.hypotheses);
  for (const [status, n] of Object.entries(seed.research.byStatus)) assert.equal((await api(`/api/v1/alphas?kind=generated&status=${status}`)).json.rows.length, n);
  const hop = (await api('/api/v1/alphas?kind=hopeful&minSharpe=1')).json.rows;
  assert.deepEqual(hop.map((h: any) => [h.id, h.sharpe]).sort(), [['mined-0', 1.8], ['mined-2', 1.4]]);
  assert.equal((await api('/api/v1/alphas?kind=hopeful&text=close,%204')).json.rows[0].id, 'mined-2');
  const sub = (await api('/api/v1/alphas?kind=submitted&status=rejected')).json.rows;
  assert.deepEqual(sub.map((x: any) => [x.alphaId, x.message]), [['ALPHA2', 'LOW_SHARPE']]);
  const trades = (await api('/api/v1/trades')).json.journals;
  for (const t of trades) assert.equal(t.trades.length, seed.journals[t.journal]!.trades);
  assert.equal((await api('/api/v1/trades?journal=paper-rw')).json.journals.length, 1);
  const pos = (await api('/api/v1/positions')).json.journals;
  for (const p of pos) assert.equal(p.positions.length, seed.journals[p.journal]!.positions);
  const profit = (await api('/api/v1/profit')).json;
  assert.equal(profit.paper.trades, seed.journals['paper-rw']!.trades);
  assert.equal(profit.live.trades, seed.journals['live-rw']!.trades);
  assert.ok(Math.abs(profit.paper.pnl - seed.journals['paper-rw']!.pnl) < 1e-12);
  assert.ok(Math.abs(profit.live.pnl - seed.journals['live-rw']!.pnl) < 1e-12);
  assert.equal(profit.paper.cumulative.length, profit.paper.trades);
  assert.ok(Math.abs(profit.paper.cumulative.at(-1) - profit.paper.pnl) < 1e-12);
  // cross-check: win rate from the trades endpoint
  const paperTrades = trades.find((t: any) => t.journal === 'paper-rw').trades;
  assert.equal(profit.paper.wins, paperTrades.filter((t: any) => t.pnl > 0).length);
});

test('profit marks open positions (unrealized beside realized, paper and live apart); realized + unrealized = the replay\'s equity PnL', async () => {
  const p = (await api('/api/v1/profit')).json;
  for (const [mode, name] of [['paper', 'paper-rw'], ['live', 'live-rw']] as const) {
    const w = seed.journals[name]!;
    assert.equal(p[mode].openPositions, w.positions, mode);
    assert.equal(p[mode].unmarked, 0, mode);
    assert.ok(Math.abs(p[mode].unrealized - w.unrealized) < 1e-12, `${mode}: unrealized ${p[mode].unrealized} vs the engine's open rows ${w.unrealized}`);
    // cross-check with the engine's equity: cash + marked positions - initial cash
    assert.ok(Math.abs(p[mode].total - w.equityPnl) < 1e-9, `${mode}: total ${p[mode].total} vs equity PnL ${w.equityPnl}`);
    for (const q of p.positions.filter((x: any) => x.journal === name)) assert.equal(q.mark, w.marks[q.symbol]);
  }
  assert.ok(p.positions.every((x: any) => x.mode === (x.journal === 'live-rw' ? 'live' : 'paper')));
});

test('timeline: requests, force exits, jobs, research runs and submissions from the stores, newest first', async () => {
  const t = (await api('/api/v1/timeline')).json;
  const ev = t.events as any[];
  assert.deepEqual(ev.map((e) => e.time), ev.map((e) => e.time).slice().sort().reverse(), 'newest first');
  const has = (source: string, kind: string, re: RegExp) => ev.filter((e) => e.source === source && e.kind === kind && re.test(e.detail));
  assert.equal(has('request', 'mine done', new RegExp(seed.request.id)).length, 1);
  assert.equal(has('request', 'mine started', new RegExp(seed.request.jobId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).length, 1);
  const fx = has('forceexit', 'force exit requested', /A1 by dashboard \(pending\)/);
  assert.equal(fx.length, 1);
  assert.equal(fx[0].journal, 'paper-rw');
  assert.equal(fx[0].time, seed.forceExit.at);
  assert.equal(has('orchestrator', 'job ended', /^miner: failed$/)[0].level, 'error');
  assert.equal(ev.filter((e) => e.source === 'research' && e.kind === 'research run started').length, seed.research.runs);
  assert.deepEqual(has('brain', 'submission answered', /./).map((e) => [e.detail, e.level]).sort(), [['ALPHA1: accepted', 'info'], ['ALPHA2: rejected (LOW_SHARPE)', 'warn']]);
  assert.equal((await api('/api/v1/timeline?limit=3')).json.events.length, 3);
});

test('scatter: hopeful alphas (Sharpe vs turnover) and marked positions (return since entry vs notional) equal the stores', async () => {
  const s = (await api('/api/v1/scatter')).json;
  assert.deepEqual(s.alphas.map((a: any) => [a.id, a.sharpe, a.turnover, a.fitness]).sort(), [['mined-0', 1.8, 0.2, 1.3], ['mined-1', 0.6, 0.3, 0.4], ['mined-2', 1.4, 0.1, 1.1]]);
  const pos = (await api('/api/v1/positions')).json.journals.flatMap((j: any) => j.positions.map((q: any) => ({ ...q, journal: j.journal })));
  assert.equal(s.positions.length, pos.length);
  for (const q of pos) {
    const pt = s.positions.find((x: any) => x.journal === q.journal && x.symbol === q.symbol);
    const mark = seed.journals[q.journal]!.marks[q.symbol]!;
    assert.ok(Math.abs(pt.ret - Math.sign(q.qty) * (mark / q.entryPrice - 1)) < 1e-12);
    assert.ok(Math.abs(pt.notional - Math.abs(q.qty) * mark) < 1e-12);
  }
});

test('force exit: POST /api/v1/forceexit writes the request where the engine hook reads it; bad symbol or journal is 400', async () => {
  const r = (await api('/api/v1/forceexit', { method: 'POST', body: { symbol: 'A0', journal: 'paper-rw' } })).json;
  assert.equal(r.queued.length, 1);
  assert.equal(r.queued[0].journal, 'paper-rw');
  const pending = pendingForceExits(join(paths.trade, 'paper-rw.duckdb'));
  assert.deepEqual(pending.map((q) => q.symbol), ['A1', 'A0']);
  assert.equal(pending[1]!.id, r.queued[0].request.id);
  assert.equal((await api('/api/v1/forceexit', { method: 'POST', body: { symbol: '../x y' } })).code, 400);
  assert.equal((await api('/api/v1/forceexit', { method: 'POST', body: { symbol: 'A0', journal: 'nope' } })).code, 400);
  assert.equal((await api('/api/v1/forceexit', { method: 'POST', auth: null, body: { symbol: 'A0' } })).code, 401);
  const g = (await api('/api/v1/forceexit')).json.journals.find((j: any) => j.journal === 'paper-rw');
  assert.equal(g.pending.length, 2);
  for (const q of pending) rmSync(join(paths.trade, 'paper-rw.duckdb.requests', `${q.id}.json`));
});

test('a journal locked by its running writer shows its last good figures with their age, not nothing', { timeout: 120_000 }, async () => {
  const before = (await api('/api/v1/profit')).json;
  const path = join(paths.trade, 'paper-rw.duckdb');
  const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `import('./lib/trade/index.ts').then(async (m) => { await m.Journal.open(${JSON.stringify(path)}); process.stdout.write('open\\n'); setInterval(() => {}, 1000); })`], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((res, rej) => {
      holder.stdout.on('data', (d) => String(d).includes('open') && res());
      holder.on('exit', (c) => rej(new Error(`holder exited ${c}`)));
    });
    const p = (await api('/api/v1/profit')).json;
    assert.deepEqual(p.unavailable, []);
    assert.equal(p.stale.length, 1);
    assert.equal(p.stale[0].journal, 'paper-rw');
    assert.match(p.stale[0].stale.reason, /^locked/);
    assert.ok(p.stale[0].stale.ageS >= 0);
    assert.equal(p.paper.pnl, before.paper.pnl);
    assert.equal(p.paper.unrealized, before.paper.unrealized);
    const j = (await api('/api/v1/status')).json.trader.journals.find((x: any) => x.name === 'paper-rw');
    assert.equal(j.available, true);
    assert.match(j.stale.reason, /^locked/);
    assert.equal(j.trades, seed.journals['paper-rw']!.trades);
  } finally {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('close', r));
  }
});

test('logs: tail with component and level filters; only time/level/component/msg/pid reach the page', async () => {
  const all = (await api('/api/v1/logs')).json.events;
  assert.deepEqual(all.map((e: any) => [e.component, e.level, e.msg]).sort(), [['generator', 'info', 'batch started'], ['generator', 'warn', 'model slow'], ['miner', 'error', 'miner crashed']]);
  assert.deepEqual((await api('/api/v1/logs?component=miner')).json.events.map((e: any) => e.msg), ['miner crashed']);
  assert.deepEqual((await api('/api/v1/logs?level=warn')).json.events.map((e: any) => e.level).sort(), ['error', 'warn']);
  assert.ok(!bodies.some((b) => b.includes('sk-secret')), 'a secret logged by a job reached the dashboard');
});

test('websocket: needs the token; log events arrive as they are written, filtered per client', async () => {
  const url = `${base.replace('http', 'ws')}/api/v1/ws`;
  const refused = await new Promise<number>((res) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
    ws.on('open', () => res(101));
    ws.on('error', () => undefined);
  });
  assert.equal(refused, 401);
  const ws = new WebSocket(url, [`bearer.${token}`]);
  const got: any[] = [];
  await new Promise<void>((res, rej) => {
    ws.on('message', (m) => {
      const x = JSON.parse(String(m));
      if (x.type === 'hello') ws.send(JSON.stringify({ type: 'filter', component: 'generator', level: 'warn' }));
      if (x.type === 'log') got.push(x.event);
      if (got.length >= 1) res();
    });
    ws.on('error', rej);
    ws.on('open', () => {
      setTimeout(() => {
        const log = createJobLogger('generator', { file: join(paths.logs, 'generator.log'), console: false });
        const miner = createJobLogger('miner', { file: join(paths.logs, 'miner.log'), console: false });
        miner.error('not for this client');
        log.info('below the level');
        log.warn('live warning');
      }, 300);
    });
  });
  ws.close();
  assert.deepEqual(got.map((e) => [e.component, e.level, e.msg]), [['generator', 'warn', 'live warning']]);
});

test('controls: pause/resume write and remove PAUSE; generate queues a validated request listed with its state; stop writes the kill switch, which halts a replay', async () => {
  const p = (await api('/api/v1/controls/pause', { method: 'POST', body: {} })).json;
  assert.equal(p.paused, true);
  assert.ok(existsSync(pauseFilePath(paths)));
  assert.equal((await api('/api/v1/status')).json.trader.paused, true);
  assert.equal((await api('/api/v1/controls/resume', { method: 'POST', body: {} })).json.was, true);
  assert.ok(!existsSync(pauseFilePath(paths)));
  const g = (await api('/api/v1/controls/generate', { method: 'POST', body: { iterations: 3 } })).json;
  assert.equal(g.queued, true);
  assert.match(g.note, /orchestrator .* runs it once/);
  assert.equal((await api('/api/v1/controls/mine', { method: 'POST', body: { iterations: 0 } })).code, 400, 'bad parameters are refused before queueing');
  const listed = (await api('/api/v1/requests')).json.requests;
  assert.deepEqual(listed.map((r: any) => [r.id, r.kind, r.state, r.params]), [[g.id, 'generate', 'queued', { iterations: 3 }], [seed.request.id, 'mine', 'done', { iterations: 2 }]], 'newest first');
  assert.equal(listed[1].jobId, seed.request.jobId);
  assert.deepEqual((await api('/api/v1/status')).json.requestStates, { queued: 1, running: 0, done: 1, failed: 0, interrupted: 0 });
  assert.match(p.note, /orchestrator starts no/);
  assert.deepEqual(JSON.parse(readFileSync(pendingRequests(paths)[0]!, 'utf8')).params, { iterations: 3 });
  assert.equal((await api('/api/v1/controls/stop', { method: 'POST', body: { journal: 'nope' } })).code, 400);
  const s = (await api('/api/v1/controls/stop', { method: 'POST', body: {} })).json;
  assert.deepEqual(s.stopped.map((x: any) => [x.journal, x.action]).sort(), [['live-rw', 'halt'], ['paper-rw', 'halt']]);
  for (const j of ['paper-rw', 'live-rw']) assert.equal(readFileSync(stopFilePath(join(paths.trade, `${j}.duckdb`)), 'utf8').split('\n')[0], 'halt');
  assert.deepEqual((await api('/api/v1/status')).json.trader.journals.map((j: any) => j.stop), [{ flatten: false }, { flatten: false }]);
  // the trader honours it: a replay on a journal the dashboard stopped goes HALTED and sends no order
  const path = join(paths.trade, 'fresh.duckdb');
  const j0 = await Journal.open(path);
  j0.close();
  Db.closeAll();
  await api('/api/v1/controls/stop', { method: 'POST', body: { journal: 'fresh' } });
  const j = await Journal.open(path);
  const rep = await runReplay({ panel: randomWalkPanel(120, 2, 3), signals: randomMasks(120, 2, 4), journal: j, name: 'fresh', killSwitch: stopFileSwitch(stopFilePath(path)) });
  assert.equal(rep.state, 'HALTED');
  assert.equal(rep.ordersSent, 0);
  j.close();
  Db.closeAll();
  const c = (await api('/api/v1/controls/stop', { method: 'POST', body: { clear: true } })).json;
  assert.deepEqual(c.stopped.map((x: any) => x.action), ['cleared', 'cleared', 'cleared']);
});
