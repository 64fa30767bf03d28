/**
 * Requested jobs (lib/jobs/requests.ts and the orchestrator's consumer):
 * validation, the folder's life cycle, each request run exactly once with its
 * job id recorded, PAUSE holding requests, a kill -9 of the orchestrator mid-job
 * (the request is marked interrupted and not run again; the next one runs
 * once), and the real CLI (`alphalab orchestrator --mode requests --once`)
 * running a mining batch and a submission through the ledger.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { claimRequest, createJobLogger, enqueueRequest, finishRequest, JobStore, listRequests, Orchestrator, queuedRequests, recoverRequests, requestCounts, validateRequest, type ChildSpec } from '../lib/jobs/index.js';
import { markerSpec } from './helpers/requests-spec.js';
import { lastJson, runAlphalab } from './helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'alphalab-requests-'));
after(() => rmSync(root, { recursive: true, force: true }));
const sub = (name: string) => {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
};
const never: ChildSpec = { name: 'x', command: process.execPath, args: ['-e', 'process.exit(9)'] };
const marks = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);

test('validateRequest: known kinds and parameters only, integers in range, dataset names', () => {
  assert.deepEqual(validateRequest('mine', { iterations: '5', dataset: 'sp500_daily', extra: undefined }), { kind: 'mine', params: { iterations: 5, dataset: 'sp500_daily' } });
  assert.deepEqual(validateRequest('submit', {}), { kind: 'submit', params: {} });
  assert.throws(() => validateRequest('trade', {}), /unknown request kind "trade"/);
  assert.throws(() => validateRequest('submit', { iterations: 2 }), /submit: unknown parameter "iterations"/);
  assert.throws(() => validateRequest('generate', { iterations: 51 }), /"iterations" must be an integer in \[1, 50\]/);
  assert.throws(() => validateRequest('mine', { iterations: 1.5 }), /integer/);
  assert.throws(() => validateRequest('mine', { dataset: '../etc' }), /dataset name/);
});

test('life cycle: queued -> running (claimed once) -> done; recovery marks a left-over running request interrupted, never rerun', () => {
  const dir = join(sub('cycle'), 'requests');
  const a = enqueueRequest(dir, 'mine', { iterations: 2 }, 'test', 1000);
  const b = enqueueRequest(dir, 'submit', {}, 'test', 2000);
  assert.deepEqual(listRequests(dir).map((r) => [r.id, r.state]), [[b.id, 'queued'], [a.id, 'queued']]);
  const ra = claimRequest(dir, a.id, 'miner@x', 3000)!;
  assert.equal(ra.jobId, 'miner@x');
  assert.equal(claimRequest(dir, a.id, 'miner@y'), null, 'a request is claimed once');
  const rb = claimRequest(dir, b.id, 'submitter@x')!;
  finishRequest(dir, ra, { state: 'done', result: { ok: true }, pids: [1] }, 4000);
  // b: as if killed after writing done/ but before removing running/
  writeFileSync(join(dir, 'done', `${b.id}.json`), JSON.stringify({ ...rb, state: 'done' }));
  const c = enqueueRequest(dir, 'generate', {}, 'test', 5000);
  const rc = claimRequest(dir, c.id, 'generator@x')!;
  assert.equal(rc.state, 'running');
  assert.deepEqual(requestCounts(dir), { queued: 0, running: 1, done: 2, failed: 0, interrupted: 0 });
  assert.deepEqual(recoverRequests(dir), [c.id]);
  assert.deepEqual(readdirSync(join(dir, 'running')), []);
  const byId = Object.fromEntries(listRequests(dir).map((r) => [r.id, r]));
  assert.equal(byId[c.id]!.state, 'interrupted');
  assert.match(byId[c.id]!.error!, /not run again/);
  assert.equal(byId[a.id]!.state, 'done');
  assert.deepEqual(byId[a.id]!.result, { ok: true });
  assert.equal(byId[b.id]!.state, 'done');
});

test('orchestrator --mode requests: each request runs once with its parameters and job id; a failing job and a bad file are failed; PAUSE holds the queue', async () => {
  const d = sub('orch');
  const dir = join(d, 'requests'), marker = join(d, 'marker'), pauseFile = join(d, 'PAUSE');
  const db = await Db.open(':memory:');
  const store = await JobStore.open(db);
  const log = createJobLogger('test', { file: join(d, 'orch.log'), console: false });
  const make = (spec = markerSpec(marker, 0)) => new Orchestrator({ mode: 'requests', once: true, requestsDir: dir, pauseFile }, { generator: never, miner: never, submitter: never }, store, log, undefined, spec);
  const m = enqueueRequest(dir, 'mine', { iterations: 3 }, 'test', 1000);
  const s = enqueueRequest(dir, 'submit', { limit: 1 }, 'test', 2000);
  writeFileSync(join(dir, '3000-1-bad-mine.json'), '{"kind":"mine","params":{"iterations":0}}');
  writeFileSync(pauseFile, 'test');
  const paused = make();
  await paused.run();
  assert.deepEqual(marks(marker), [], 'nothing runs while PAUSE exists');
  assert.equal(requestCounts(dir).queued, 3);
  rmSync(pauseFile);
  const o = make();
  await o.run();
  assert.deepEqual(marks(marker), ['mine', 'submit'], 'each valid request ran once, oldest first');
  const byId = Object.fromEntries(listRequests(dir).map((r) => [r.id, r]));
  assert.equal(byId[m.id]!.state, 'done');
  assert.deepEqual(byId[m.id]!.result, { kind: 'mine', params: { iterations: 3 } });
  assert.match(byId[m.id]!.jobId!, /^miner@\d{4}-\d\d-\d\dT/);
  assert.equal(byId[m.id]!.pids!.length, 1, JSON.stringify(byId[m.id]));
  assert.deepEqual(byId[s.id]!.result, { kind: 'submit', params: { limit: 1 } });
  assert.match(byId[s.id]!.jobId!, /^submitter@/);
  assert.equal(byId['3000-1-bad-mine']!.state, 'failed');
  assert.match(byId['3000-1-bad-mine']!.error!, /"iterations" must be an integer/);
  const states = Object.fromEntries((await store.states()).map((x) => [x.job, x]));
  assert.equal(states.miner!.runs, 1);
  assert.equal(states.submitter!.runs, 1);
  assert.equal(new Date(states.miner!.lastStart!).toISOString(), byId[m.id]!.jobId!.slice('miner@'.length), 'the job id names the recorded run');
  // a second drain finds nothing to do
  await make().run();
  assert.deepEqual(marks(marker), ['mine', 'submit']);
  // a job that fails is run once (no crash restart) and marked failed
  const f = enqueueRequest(dir, 'generate', {}, 'test', 4000);
  await make(markerSpec(marker, 0, 3)).run();
  assert.deepEqual(marks(marker), ['mine', 'submit', 'generate']);
  const rf = listRequests(dir).find((r) => r.id === f.id)!;
  assert.equal(rf.state, 'failed');
  assert.match(rf.error!, /crash, exit 3/);
  db.close();
});

test('kill -9 of the orchestrator mid-job: the request is interrupted and not run again; the one queued behind it runs once', { timeout: 120_000 }, async () => {
  const d = sub('crash');
  const dir = join(d, 'requests'), marker = join(d, 'marker');
  const first = enqueueRequest(dir, 'mine', {}, 'test', 1000);
  const p = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/requests-orch.ts', d, '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (x) => (err += x));
  for (let i = 0; i < 1200 && !(marks(marker).length === 1 && existsSync(join(dir, 'running', `${first.id}.json`))); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(marks(marker).length, 1, `the job started (${err})`);
  const second = enqueueRequest(dir, 'submit', {}, 'test', 2000);
  p.kill('SIGKILL');
  await new Promise((r) => p.on('close', r));
  await new Promise((r) => setTimeout(r, 1800)); // the orphaned child finishes its sleep; nobody records it
  assert.equal(listRequests(dir).find((r) => r.id === first.id)!.state, 'running', 'left running by the killed orchestrator');
  const db = await Db.open(':memory:');
  const o = new Orchestrator({ mode: 'requests', once: true, requestsDir: dir }, { generator: never, miner: never, submitter: never }, await JobStore.open(db), createJobLogger('test', { file: join(d, 'o.log'), console: false }), undefined, markerSpec(marker, 0));
  await o.run();
  db.close();
  assert.deepEqual(marks(marker), ['mine', 'submit'], 'the interrupted request did not run again; the queued one ran once');
  const byId = Object.fromEntries(listRequests(dir).map((r) => [r.id, r]));
  assert.equal(byId[first.id]!.state, 'interrupted');
  assert.equal(byId[second.id]!.state, 'done');
  assert.equal(byId[first.id]!.orchestratorPid, p.pid);
});

test('alphalab orchestrator --mode requests --once: a mining batch and a submission through the daily-limit ledger run from request files', { timeout: 420_000 }, async () => {
  const d = sub('cli');
  const control = join(d, 'control');
  const mine = enqueueRequest(join(control, 'requests'), 'mine', { iterations: 1, dataset: 'sp500_daily' }, 'test');
  const submit = enqueueRequest(join(control, 'requests'), 'submit', { limit: 1 }, 'test');
  const r = await runAlphalab(['orchestrator', '--mode', 'requests', '--once', '--control-dir', control, '--db', join(d, 'kb.duckdb'), '--jobs-db', join(d, 'jobs.duckdb'), '--submissions-dir', d, '--log-file', join(d, 'logs', 'orchestrator.log'), '--daily-limit', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = lastJson(r.stdout);
  assert.deepEqual(out.requests.map((x: any) => [x.id, x.state]), [[mine.id, 'done'], [submit.id, 'done']]);
  const byId = Object.fromEntries(listRequests(join(control, 'requests')).map((x) => [x.id, x]));
  const mr = byId[mine.id]!.result as any, sr = byId[submit.id]!.result as any;
  assert.equal(mr.component, 'miner');
  assert.equal(mr.tried, 1, 'one iteration, as requested');
  assert.equal(sr.component, 'submitter');
  assert.equal(sr.venue, 'local-log');
  assert.ok(sr.submitted.length <= 1, 'the request limit (1) lowers the daily limit (3)');
  const logged = existsSync(join(d, 'submissions.jsonl')) ? readFileSync(join(d, 'submissions.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0;
  assert.equal(logged, sr.submitted.length, 'the local submission log holds exactly what the job reported');
  assert.equal(sr.todayCount, sr.submitted.length);
  assert.deepEqual(out.jobs.filter((j: any) => j.runs > 0).map((j: any) => j.job).sort(), ['miner', 'submitter']);
});

test('requests queued in the same millisecond run in the order they were queued (ids sort oldest first)', () => {
  const dir = sub('same-ms');
  const queued = Array.from({ length: 40 }, (_, i) => enqueueRequest(dir, i % 2 ? 'submit' : 'mine', i % 2 ? {} : { iterations: 1 }, `t${i}`, 7000).id);
  assert.deepEqual(queuedRequests(dir), queued);
});
