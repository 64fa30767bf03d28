/**
 * The orchestrator's submitter in BRAIN mode (bin/orchestrator-brain.ts under
 * lib/jobs runSubmissions) against the scripted BRAIN server of
 * test/helpers/fake-brain.ts on 127.0.0.1: the real BrainClient, the real
 * jobs ledger and BRAIN tables in one DuckDB file. A crash is an exception
 * thrown by the ledger's test hook right after BRAIN accepted the alpha and
 * before the ledger recorded it (the worst moment); the restart is a new
 * submitter, client and ledger run on the same file.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { runSubmissions, SubmissionLedger, type SubmissionCandidate } from '../lib/jobs/index.js';
import { BrainClient, DEFAULT_BRAIN_SIMULATION_SETTINGS, listSubmissions, simulateAndRecord } from '../lib/venues/brain/index.js';
import { claimSubmission } from '../lib/venues/brain/store.js';
import { BrainJobsSubmitter } from '../bin/orchestrator-brain.js';
import { FakeBrain, type FakeMetrics } from './helpers/fake-brain.js';

const creds = { email: 'quant@example.com', password: 'pw-Sup3r-Secret!' };
const good: FakeMetrics = { sharpe: 1.8, fitness: 1.3, turnover: 0.2, returns: 0.12, drawdown: 0.04, margin: 0.0008, longCount: 1500, shortCount: 1490, pnl: 3e6 };
const dir = mkdtempSync(join(tmpdir(), 'orch-brain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('orchestrator submitter on BRAIN: refused (failed checks) skipped, one submission per day, never twice across a crash after BRAIN accepted and a restart', async () => {
  const fake = new FakeBrain({ metricsFor: (e) => (e.includes('volume') ? { ...good, sharpe: 0.9, fitness: 0.5 } : good) });
  await fake.start();
  const path = join(dir, 'submissions.duckdb');
  let now = Date.UTC(2026, 0, 5, 10);
  const candidates: SubmissionCandidate[] = [
    { id: 'H1', payload: { expression: 'rank(volume / delay(volume, 5) - 1)' } },
    { id: 'H2', payload: { expression: '-rank(close / delay(close, 5) - 1)' } },
    { id: 'H3', payload: { expression: 'rank(ts_mean(close, 20) / close)' } },
  ];
  const postSubmits = () => fake.requests.filter((r) => r.method === 'POST' && /\/alphas\/[^/]+\/submit$/.test(r.path)).length;
  const run = async (hooks?: { afterSubmit?: (key: string) => void }) => {
    const db = await Db.open(path);
    try {
      const client = new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: { retries: 20, baseMs: 2, maxMs: 10 }, now: () => now });
      const submitter = new BrainJobsSubmitter(db, client, { now: () => now });
      return await runSubmissions({ ledger: await SubmissionLedger.open(db), submitter, candidates, dailyLimit: 1, now: () => now, hooks });
    } finally {
      db.close();
    }
  };
  try {
    // run 1: H1 fails BRAIN's checks (refused, not counted, nothing sent); H2 is accepted, then the process "dies"
    await assert.rejects(run({ afterSubmit: () => { throw new Error('killed after BRAIN accepted'); } }), /killed after BRAIN accepted/);
    assert.equal(postSubmits(), 1);
    // restart, same day: the pending key is reconciled from BRAIN's record (ACTIVE), nothing is sent, the limit holds
    const r2 = await run();
    assert.deepEqual(r2.reconciled, [{ key: '2026-01-05:H2', status: 'submitted' }]);
    assert.deepEqual(r2.submitted, []);
    assert.equal(r2.stoppedBy, 'daily_limit');
    assert.equal(postSubmits(), 1);
    // next UTC day: H3 goes; H1 (refused) and H2 (submitted) are never tried again
    now += 86_400_000;
    const r3 = await run();
    assert.deepEqual(r3.submitted.map((s) => s.candidateId), ['H3']);
    assert.match(r3.submitted[0]!.ref, /\(accepted\)$/);
    assert.equal(postSubmits(), 2);
    const r4 = await run();
    assert.equal(r4.stoppedBy, 'daily_limit');
    now += 86_400_000;
    const r5 = await run();
    assert.equal(r5.stoppedBy, 'no_candidates');
    assert.equal(postSubmits(), 2);
    for (const a of fake.alphas.values()) assert.ok(a.submits <= 1, `${a.id} submitted ${a.submits} times`);
    const db = await Db.open(path);
    try {
      const ledger = await (await SubmissionLedger.open(db)).rows();
      assert.deepEqual(ledger.map((r) => [r.key, r.status]), [['2026-01-05:H1', 'refused'], ['2026-01-05:H2', 'submitted'], ['2026-01-06:H3', 'submitted']]);
      const brain = await listSubmissions(db);
      assert.deepEqual(brain.map((s) => [s.hopefulId, s.state]), [['2026-01-05:H2', 'accepted'], ['2026-01-06:H3', 'accepted']]);
    } finally {
      db.close();
    }
  } finally {
    await fake.stop();
  }
});

test('orchestrator submitter on BRAIN: killed between committing the BRAIN row and the verdict (maybe sent) -> resolved from the alpha, never resent', async () => {
  const fake = new FakeBrain({ metricsFor: () => good });
  await fake.start();
  const path = join(dir, 'maybe-sent.duckdb');
  const now = Date.UTC(2026, 0, 7, 9);
  const cand: SubmissionCandidate = { id: 'H9', payload: { expression: '-rank(close / delay(close, 5) - 1)' } };
  const key = '2026-01-07:H9';
  const db = await Db.open(path);
  try {
    const client = new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: { retries: 20, baseMs: 2, maxMs: 10 }, now: () => now });
    // the state a kill leaves after step "claim" of BrainJobsSubmitter.submit: ledger intent + BRAIN 'pending' row, POST /submit unknown
    const ledger = await SubmissionLedger.open(db);
    await ledger.intend(key, '2026-01-07', 'H9', 'brain', now);
    const { alphaId } = await simulateAndRecord(client, db, '-rank(close / delay(close, 5) - 1)', DEFAULT_BRAIN_SIMULATION_SETTINGS, { now: () => now });
    assert.equal(await claimSubmission(db, alphaId, key, 'x', now), true);
    const r = await runSubmissions({ ledger, submitter: new BrainJobsSubmitter(db, client, { now: () => now }), candidates: [cand], dailyLimit: 3, now: () => now });
    assert.deepEqual(r.reconciled, [{ key, status: 'submitted' }]);
    assert.deepEqual(r.submitted, [], 'the maybe-sent candidate is not tried again');
    assert.equal(r.stoppedBy, 'no_candidates');
    assert.equal(fake.alphas.get(alphaId)!.submits, 0);
    assert.deepEqual((await listSubmissions(db)).map((s) => [s.alphaId, s.state]), [[alphaId, 'interrupted']]);
    assert.match((await ledger.rows())[0]!.ref!, new RegExp(`^${alphaId} \\(interrupted\\)$`));
  } finally {
    db.close();
    await fake.stop();
  }
});
