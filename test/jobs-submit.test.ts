import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { LocalSubmissionLog, parseRetryAfter, RateLimitedError, runSubmissions, SubmissionLedger, type SubmissionCandidate, type Submitter } from '../lib/jobs/index.js';
import { DEFAULT_PARAMS, KnowledgeBase } from '../lib/agent/index.js';
import { FakeBrain } from './helpers/fake-brain.js';

const dir = mkdtempSync(join(tmpdir(), 'submit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cands: SubmissionCandidate[] = [{ id: 'H007', payload: { expression: 'rank(close)' } }, { id: 'H003', payload: { expression: 'rank(volume)' } }];
const DAY1 = '2026-12-02T10:00:00Z';
const DAY2 = '2026-12-03T00:00:01Z';
const logLines = (p: string) => readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { key: string; candidateId: string });

function run(cmd: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ...cmd], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

test('Retry-After: delay-seconds and HTTP-date', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Wed, 02 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('submissions: one per UTC day, best candidate first, the next day the next candidate; 429 waits Retry-After', async () => {
  const db = await Db.open(':memory:');
  const ledger = await SubmissionLedger.open(db);
  const log = new LocalSubmissionLog(join(dir, 'a.jsonl'));
  let now = Date.parse(DAY1);
  const r1 = await runSubmissions({ ledger, submitter: log, candidates: cands, now: () => now });
  assert.deepEqual(r1.submitted.map((s) => s.candidateId), ['H007']);
  assert.equal(r1.stoppedBy, 'daily_limit');
  const r2 = await runSubmissions({ ledger, submitter: log, candidates: cands, now: () => now });
  assert.deepEqual(r2.submitted, []);
  assert.equal(r2.todayCount, 1);
  now = Date.parse(DAY2);
  const slept: number[] = [];
  let calls = 0;
  const limited: Submitter = { name: 'limited', find: (k) => log.find(k), submit: async (c, k) => (++calls === 1 ? Promise.reject(new RateLimitedError(2000)) : log.submit(c, k)) };
  const r3 = await runSubmissions({ ledger, submitter: limited, candidates: cands, now: () => now, sleep: async (ms) => void slept.push(ms) });
  assert.deepEqual(r3.submitted.map((s) => s.candidateId), ['H003']);
  assert.deepEqual(slept, [2000]);
  assert.deepEqual(logLines(join(dir, 'a.jsonl')).map((l) => l.key), ['2026-12-02:H007', '2026-12-03:H003']);
  // a Retry-After longer than allowed: given up for this run, not counted
  now = Date.parse('2026-12-04T00:00:00Z');
  const always: Submitter = { name: 'always', find: async () => undefined, submit: async () => Promise.reject(new RateLimitedError(3_600_000)) };
  const r4 = await runSubmissions({ ledger, submitter: always, candidates: [...cands, { id: 'H009', payload: {} }], now: () => now, maxRetryWaitMs: 60_000 });
  assert.equal(r4.stoppedBy, 'rate_limited');
  assert.equal(r4.todayCount, 0);
  db.close();
});

test('submissions: kill -9 after the intent or after the venue confirmed, restart: exactly one submission; the daily limit holds across restarts', { timeout: 120_000 }, async () => {
  for (const step of ['after_intent', 'after_submit']) {
    const ledger = join(dir, `${step}.duckdb`);
    const logPath = join(dir, `${step}.jsonl`);
    const helper = join(import.meta.dirname, 'helpers', 'submit-crasher.ts');
    const crashed = await run([helper, ledger, logPath, DAY1, step]);
    assert.equal(crashed.signal, 'SIGKILL', crashed.err);
    const again = await run([helper, ledger, logPath, DAY1, 'none']);
    assert.equal(again.code, 0, again.err);
    const r = JSON.parse(again.out.trim()) as { reconciled: { status: string }[]; submitted: unknown[] };
    assert.deepEqual(r.reconciled.map((x) => x.status), [step === 'after_submit' ? 'submitted' : 'not_sent']);
    assert.equal(r.submitted.length, step === 'after_submit' ? 0 : 1);
    const third = await run([helper, ledger, logPath, DAY1, 'none']);
    assert.equal((JSON.parse(third.out.trim()) as { stoppedBy: string }).stoppedBy, 'daily_limit');
    const lines = logLines(logPath);
    assert.deepEqual(lines.map((l) => l.key), ['2026-12-02:H007'], `${step}: exactly one submission`);
  }
});

test('local submission log: a torn last line (crash mid-append) is skipped and does not swallow the next entry', async () => {
  const p = join(dir, 'torn.jsonl');
  writeFileSync(p, '{"key":"2026-12-01:H001","candidateId":"H001","at":"2026-12-01T00:00:00.000Z","ref":"local-1"}\n');
  appendFileSync(p, '{"key":"2026-12-02:H0');
  const log = new LocalSubmissionLog(p);
  assert.equal(await log.find('2026-12-02:H002'), undefined);
  await log.submit({ id: 'H002', payload: {} }, '2026-12-02:H002');
  assert.deepEqual(log.all().map((e) => e.key), ['2026-12-01:H001', '2026-12-02:H002']);
});

test('alphalab orchestrator --mode submitter --credentials (BRAIN, scripted server): kill -9 of the orchestrator at random moments, then restarts, never submit twice', { timeout: 240_000 }, async () => {
  const good = { sharpe: 1.8, fitness: 1.3, turnover: 0.2, returns: 0.12, drawdown: 0.04, margin: 0.0008, longCount: 1500, shortCount: 1490, pnl: 3e6 };
  const SECRET = 'brain-pass-7f3a9c1e55d2';
  const fake = new FakeBrain({ email: 'me@example.com', password: SECRET, metricsFor: () => good });
  await fake.start();
  after(() => fake.stop());
  const postSubmits = () => fake.requests.filter((r) => r.method === 'POST' && /\/alphas\/[^/]+\/submit$/.test(r.path));
  const kbPath = join(dir, 'kb.duckdb');
  const db = await Db.open(kbPath);
  const kb = await KnowledgeBase.open(db);
  for (const [name, sharpe] of [['a', 1.1], ['b', 2.3]] as const) {
    const h = await kb.addHypothesis({ runId: 'R1', iteration: 1, canonical: `rank(${name})`, provider: 'offline', model: 'offline-grammar', promptVersion: 'v', proposal: { name, category: 'momentum', rationale: 'r', expressions: [`rank(${name === 'a' ? 'close' : 'volume'})`], expectedSign: 1, params: DEFAULT_PARAMS, decision: 'new', decisionReason: 'x' } });
    await kb.recordOutcome(h.id, { pass: true, sharpe, headline: {}, grade: 'A', evaluations: [], failures: [] }, 1);
  }
  db.close();
  Db.closeAll();
  const subDir = join(dir, 'subs');
  writeFileSync(join(dir, 'brain.json'), JSON.stringify(['me@example.com', SECRET]));
  chmodSync(join(dir, 'brain.json'), 0o600);
  const args = ['bin/alphalab.ts', 'orchestrator', '--mode', 'submitter', '--credentials', join(dir, 'brain.json'), '--brain-url', fake.url, '--db', kbPath, '--jobs-db', join(dir, 'jobs.duckdb'), '--submissions-dir', subDir, '--log-file', join(dir, 'orch.log'), '--restart-backoff', '0.2', '--json'];
  let seed = 99;
  const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let round = 0; round < 3; round++) {
    const p = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise((r) => setTimeout(r, 1500 + Math.floor(rand() * 4000)));
    p.kill('SIGKILL');
    await new Promise((r) => p.once('close', r));
  }
  // orphaned workers notice the closed IPC channel; give them a moment to finish and release the ledger file
  await new Promise((r) => setTimeout(r, 3000));
  const clean = await run(args);
  assert.equal(clean.code, 0, clean.err.slice(-2000));
  const summary = JSON.parse(clean.out.trim().split('\n').pop()!) as { runs: { job: string; status: string; result: { todayCount: number } }[] };
  assert.equal(summary.runs[0]!.status, 'ok');
  assert.equal(summary.runs[0]!.result.todayCount, 1);
  assert.equal(postSubmits().length, 1, 'exactly one POST /alphas/{id}/submit reached BRAIN');
  const sent = fake.alphas.get(/\/alphas\/([^/]+)\/submit$/.exec(postSubmits()[0]!.path)![1]!)!;
  assert.equal(sent.expr, 'rank(volume)', 'the best Sharpe first (H002)');
  assert.equal(sent.status, 'ACTIVE');
  const again = await run(args);
  assert.equal(again.code, 0);
  assert.equal(postSubmits().length, 1, 'the daily limit holds across restarts');
  for (const a of fake.alphas.values()) assert.ok(a.submits <= 1, `${a.id} submitted ${a.submits} times`);
  // the credentials never reach logs, outputs or stores
  for (const [what, text] of [['stdout', clean.out + again.out], ['stderr', clean.err + again.err], ['logs', readFileSync(join(dir, 'orch.log'), 'utf8') + readFileSync(join(dir, 'submitter.log'), 'utf8')], ['submissions db', readFileSync(join(subDir, 'submissions.duckdb')).toString('latin1')], ['jobs db', readFileSync(join(dir, 'jobs.duckdb')).toString('latin1')]] as const) {
    assert.ok(!text.includes(SECRET), `secret found in ${what}`);
  }
});
