import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import type { Panel } from '../lib/data/panel.js';
import { evaluate, OPERATORS } from '../lib/expr/index.js';
import { simulatePortfolio } from '../lib/backtest/portfolio.js';
import {
  BrainClient, BrainSubmitter, DEFAULT_BRAIN_SIMULATION_SETTINGS, FASTEXPR_OPERATORS, addHopefulAlpha, exportHopefulAlphas, exportSubmissionLog, formatParityReport,
  fromPortfolioSettings, listBrainAlphas, listSubmissions, localBrainMetrics, parityReport, resolveBrainSettings, simulateAndRecord, toPortfolioSettings,
  translateToFastExpr, type BrainAlphaRecord,
} from '../lib/venues/brain/index.js';
import { VenueError } from '../lib/venues/errors.js';
import { lcg } from './helpers/numeric.js';
import { FakeBrain, type FakeMetrics } from './helpers/fake-brain.js';

const creds = { email: 'quant@example.com', password: 'pw-Sup3r-Secret!' };
const fastBackoff = { retries: 20, baseMs: 2, maxMs: 10 };

function randomPanel(T: number, N: number, seed: number): Panel {
  const u = lcg(seed);
  const close = new Float64Array(T * N);
  for (let a = 0; a < N; a++) close[a] = 50 + 50 * u();
  for (let t = 1; t < T; t++) for (let a = 0; a < N; a++) close[t * N + a] = close[(t - 1) * N + a]! * (1 + 0.02 * (u() - 0.5));
  const volume = Float64Array.from({ length: T * N }, () => 1e5 * (1 + u()));
  return {
    frequency: '1d', market: 'equity', times: Float64Array.from({ length: T }, (_, i) => 1.6e12 + i * 86_400_000),
    assets: Array.from({ length: N }, (_, a) => `S${a}`), fields: { open: close.slice(), high: close.slice(), low: close.slice(), close, volume },
    groups: { sector: Array.from({ length: N }, (_, a) => (a % 3 === 0 ? 'tech' : a % 3 === 1 ? 'energy' : 'health')) },
  };
}

test('fastexpr: hand-translated cases use BRAIN names and keyword arguments', () => {
  assert.equal(translateToFastExpr('-rank(correlation(rank(open), rank(volume), 10))'), '-rank(ts_corr(rank(open), rank(volume), 10))');
  assert.equal(translateToFastExpr('rank(close / delay(close, 5) - 1)'), 'rank((close / ts_delay(close, 5)) - 1)');
  assert.equal(translateToFastExpr('group_neutralize(ts_zscore(returns, 20), sector)'), 'group_neutralize(ts_zscore(returns, 20), sector)');
  assert.equal(translateToFastExpr('scale(decay_linear(stddev(close, 20), 5))'), 'scale(ts_decay_linear(ts_std_dev(close, 20), 5), scale=1)');
  assert.equal(translateToFastExpr('close > open ? ts_argmax(close, 10) : -adv30'), 'if_else(close > open, ts_arg_max(close, 10), -ts_mean(volume, 30))');
  assert.equal(translateToFastExpr('ts_regression(close, volume, 20, rettype=2) + group_mean(close, industry)'), 'ts_regression(close, volume, 20, rettype=2) + group_mean(close, 1, industry)');
  assert.equal(translateToFastExpr('clip(demean(close), -1, 1) ^ 2'), 'power(max(min(normalize(close), 1), -1), 2)');
  assert.equal(translateToFastExpr('mcap_x + 1', { fieldMap: { mcap_x: 'cap' } }), 'cap + 1');
});

test('fastexpr: every unsupported operator, field and group is named in one error, and nothing reaches BRAIN', async () => {
  const err = (() => { try { translateToFastExpr('rsi(close, 14) + quantile(close) + funding_rate + group_rank(close, kind) + ts_skew(close, 5)'); } catch (e) { return e as VenueError; } })()!;
  assert.equal(err.code, 'unsupported');
  assert.deepEqual((err.details as { kind: string; name: string }[]).map((d) => `${d.kind}:${d.name}`), ['operator:rsi', 'operator:quantile', 'field:funding_rate', 'group:kind', 'operator:ts_skew']);
  assert.match(err.message, /operator rsi \(at 0\).*nothing was sent/);
  // the table names only registered operators (a renamed operator fails here)
  const names = new Set(OPERATORS.map((o) => o.name));
  for (const k of Object.keys(FASTEXPR_OPERATORS)) assert.ok(names.has(k), `${k} is not a registered operator`);
  const fake = new FakeBrain();
  await fake.start();
  try {
    const c = new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: fastBackoff });
    await assert.rejects(simulateAndRecord(c, undefined, 'rsi(close, 14)', DEFAULT_BRAIN_SIMULATION_SETTINGS), (e: VenueError) => e.code === 'unsupported');
    assert.equal(fake.requests.length, 0);
  } finally {
    await fake.stop();
  }
});

test('settings: BRAIN <-> our portfolio settings', () => {
  assert.deepEqual(toPortfolioSettings(resolveBrainSettings({ neutralization: 'SECTOR', decay: 4, truncation: 0.05, delay: 0 }), ['sector']), { delay: 0, decay: 4, truncation: 0.05, costBps: 0, bookSize: 20_000_000, neutralization: 'group', group: 'sector' });
  assert.equal(toPortfolioSettings(DEFAULT_BRAIN_SIMULATION_SETTINGS, [], 'market').neutralization, 'market');
  assert.throws(() => toPortfolioSettings(resolveBrainSettings({ neutralization: 'STATISTICAL' })), /no local equivalent/);
  const b = fromPortfolioSettings({ neutralization: 'group', group: 'industry', decay: 3, delay: 1, truncation: 0.1 });
  assert.deepEqual([b.neutralization, b.decay, b.truncation, b.language], ['INDUSTRY', 3, 0.1, 'FASTEXPR']);
  assert.throws(() => fromPortfolioSettings({ costBps: 5 }), /no transaction costs/);
});

test('parity: the adapter returns our simulator metrics unchanged; the report takes differences per metric', () => {
  const panel = randomPanel(120, 12, 7);
  const expr = '-rank(delta(close, 3))';
  const s = resolveBrainSettings({ neutralization: 'SECTOR', decay: 2, truncation: 0.2 });
  const local = localBrainMetrics(expr, panel, s);
  const direct = simulatePortfolio(evaluate(expr, panel), panel, { neutralization: 'group', group: 'sector', decay: 2, truncation: 0.2, delay: 1, costBps: 0 }).metrics;
  assert.deepEqual([local.sharpe, local.fitness, local.turnover, local.returns, local.drawdown], [direct.sharpe, direct.fitness, direct.turnover, direct.returns, direct.maxDrawdown]);
  assert.equal(local.neutralization, 'group:sector');
  const rec = (id: string, brain: number, loc: number): BrainAlphaRecord => ({
    alphaId: id, expression: 'x', fastexpr: 'x', settings: s, checks: [], simulatedAt: 0,
    brainIs: { sharpe: brain, turnover: 0.1, fitness: 1, returns: 0.1, drawdown: 0.05 },
    local: { ...local, sharpe: loc, turnover: 0.3, fitness: 0.5, returns: 0.05, drawdown: 0.1 },
  });
  const rep = parityReport([rec('A1', 1.5, 1.0), rec('A2', 2.0, -0.5), rec('A3', 1.0, 0.8), { ...rec('A4', 1, 1), local: undefined, localError: 'unknown field cap' }]);
  assert.deepEqual(rep.rows.map((r) => r.diff.sharpe), [-0.5, -2.5, -0.19999999999999996, NaN]);
  assert.equal(rep.summary.n, 3);
  assert.ok(Math.abs(rep.summary.meanAbsDiff.sharpe - (0.5 + 2.5 + 0.2) / 3) < 1e-12);
  assert.ok(Math.abs(rep.summary.meanAbsDiff.turnover - 0.2) < 1e-12);
  assert.equal(rep.summary.sharpeSignAgreement, 2 / 3);
  assert.ok(Math.abs(rep.summary.rankCorrelation.sharpe + 0.5) < 1e-12); // ranks brain (2,3,1) vs local (3,1,2): 1 - 6 * 6 / (3 * 8)
  assert.match(formatParityReport(rep), /A4 \| local run failed: unknown field cap/);
});

let fake: FakeBrain;
before(async () => {
  const good: FakeMetrics = { sharpe: 2.1, fitness: 1.4, turnover: 0.2, returns: 0.15, drawdown: 0.04, margin: 0.001, longCount: 1500, shortCount: 1500, pnl: 3e6 };
  fake = new FakeBrain({ metricsFor: (e) => (e.includes('volume') ? { ...good, sharpe: 0.9, fitness: 0.5 } : good) });
  await fake.start();
});
after(async () => fake.stop());

test('simulateAndRecord stores BRAIN metrics and checks beside the local ones', async () => {
  const db = await Db.open(':memory:');
  try {
    const c = new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: fastBackoff });
    const panel = randomPanel(80, 10, 3);
    const r = await simulateAndRecord(c, db, '-rank(delta(close, 2))', DEFAULT_BRAIN_SIMULATION_SETTINGS, { panel, dataset: 'synthetic' });
    assert.equal(r.fastexpr, '-rank(ts_delta(close, 2))');
    assert.equal(r.is.sharpe, 2.1);
    assert.equal(r.local!.neutralization, 'market'); // SUBINDUSTRY labels absent from the panel
    const rows = await listBrainAlphas(db);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.local, JSON.parse(JSON.stringify(r.local)));
    assert.equal(rows[0]!.checks.length, 8);
  } finally {
    db.close();
  }
});

test('submitter: at most one a day across a restart, checks gate, rejected vs accepted, never sent twice; exports hold no secret', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brain-sub-'));
  const path = join(dir, 'brain.duckdb');
  let now = Date.parse('2026-12-02T10:00:00Z');
  const local = { sharpe: 1.6, fitness: 1.2, turnover: 0.2 };
  const db1 = await Db.open(path);
  await addHopefulAlpha(db1, { id: 'h1', expression: 'rank(close)', settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, source: 'miner', localMetrics: { ...local, fitness: 1.3 } });
  await addHopefulAlpha(db1, { id: 'h2', expression: '-rank(delta(close, 5))', settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, source: 'miner', localMetrics: local });
  await addHopefulAlpha(db1, { id: 'h3', expression: 'rank(volume)', settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, source: 'miner', localMetrics: { ...local, fitness: 1.25 } });
  await addHopefulAlpha(db1, { id: 'weak', expression: 'rank(open)', settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, source: 'miner', localMetrics: { ...local, sharpe: 0.5 } });
  const mk = (db: Db) => new BrainSubmitter(db, new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: fastBackoff, now: () => now }), { now: () => now, maxPerDay: 1 });
  const r1 = await mk(db1).runOnce();
  assert.deepEqual(r1.submitted.map((v) => v.verdict), ['accepted']);
  assert.equal(r1.today, 1);
  db1.close();
  // restart the same day: nothing sent
  const db2 = await Db.open(path);
  const before = fake.posts(/\/submit$/);
  const r2 = await mk(db2).runOnce();
  assert.equal(r2.submitted.length, 0);
  assert.match(r2.stoppedBy!, /daily cap reached: 1 of 1/);
  assert.equal(fake.posts(/\/submit$/), before);
  // next day: h3 (fitness 1.25, by order) fails BRAIN's checks and is skipped, h2 goes out
  now += 86_400_000;
  const r3 = await mk(db2).runOnce();
  assert.equal(r3.failedChecks.length, 1);
  assert.match(r3.failedChecks[0]!.checks.join(','), /LOW_SHARPE=FAIL/);
  assert.deepEqual(r3.submitted.map((v) => v.verdict), ['accepted']);
  const subs = await listSubmissions(db2);
  assert.equal(subs.length, 2);
  assert.equal(new Set(subs.map((s) => s.alphaId)).size, 2);
  for (const a of fake.alphas.values()) assert.ok(a.submits <= 1, `alpha ${a.id} submitted ${a.submits} times`);
  // the weak one was never simulated
  assert.ok(![...fake.alphas.values()].some((a) => a.expr === 'rank(open)'));
  const exports = JSON.stringify([await exportHopefulAlphas(db2), await exportSubmissionLog(db2)]);
  assert.match(exports, /"status":"accepted"/);
  for (const secret of [creds.password, Buffer.from(`${creds.email}:${creds.password}`).toString('base64'), ...fake.sessions.keys()]) assert.ok(!exports.includes(secret));
  db2.close();
});

test('submitter: a crash after POST /submit leaves a pending row; the restart does not resend and resolves it from the alpha', async () => {
  const db = await Db.open(':memory:');
  try {
    let now = Date.parse('2026-12-05T10:00:00Z');
    await addHopefulAlpha(db, { id: 'c1', expression: 'rank(high)', settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, localMetrics: { sharpe: 2, fitness: 2, turnover: 0.1 } });
    // a fetch that lets POST /submit reach the server, then never answers (the process "dies" there)
    const dying = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      const res = await fetch(input, init);
      if (init?.method === 'POST' && /\/submit$/.test(url)) return new Promise<Response>(() => undefined);
      return res;
    }) as typeof fetch;
    void new BrainSubmitter(db, new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: fastBackoff, fetch: dying }), { now: () => now }).runOnce();
    const t0 = Date.now();
    while (!(await listSubmissions(db)).some((s) => s.state === 'pending') || fake.posts(/\/submit$/) === 0) {
      if (Date.now() - t0 > 10_000) throw new Error('the first run never reached the submit');
      await new Promise((r) => setTimeout(r, 20));
    }
    const sent = fake.posts(/\/submit$/);
    now += 3_600_000;
    const r = await new BrainSubmitter(db, new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: fastBackoff }), { now: () => now, maxPerDay: 5 }).runOnce();
    assert.deepEqual(r.resolved.map((x) => x.state), ['interrupted']);
    assert.equal(r.submitted.length, 0);
    assert.equal(fake.posts(/\/submit$/), sent, 'not resent');
    assert.equal((await listSubmissions(db))[0]!.state, 'interrupted');
  } finally {
    db.close();
  }
});
