import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { addHopefulAlpha, DEFAULT_BRAIN_SIMULATION_SETTINGS } from '../lib/venues/brain/index.js';
import { FakeBrain } from './helpers/fake-brain.js';
import { lastJson, runAlphalab } from './helpers/cli.js';

let fake: FakeBrain;
let dir: string;
let credFile: string;
before(async () => {
  fake = new FakeBrain();
  await fake.start();
  dir = mkdtempSync(join(tmpdir(), 'brain-cli-'));
  credFile = join(dir, 'credential.txt');
  writeFileSync(credFile, JSON.stringify([fake.o.email, fake.o.password]));
  chmodSync(credFile, 0o600);
});
after(async () => fake.stop());

/** `alphalab brain ...` against the fake server, this test's credentials and database, --json. */
const cli = (args: string[]) => runAlphalab(['brain', ...args, '--base-url', fake.url, '--credentials', credFile, '--db', join(dir, 'cli.duckdb'), '--json']);

test('cli: simulate --json prints status, alpha id, metrics and checks as BRAIN returned them; an ERROR prints message and location', async () => {
  const r = await cli(['simulate', '--expr', '-rank(delta(close, 5))', '--no-parity']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  const j = lastJson(r.stdout);
  assert.equal(j.status, 'COMPLETE');
  assert.match(j.alphaId, /^A\d+$/);
  assert.equal(j.fastexpr, '-rank(ts_delta(close, 5))');
  assert.equal(j.is.sharpe, fake.alphas.get(j.alphaId)!.metrics.sharpe);
  assert.equal(j.checks.length, 8);
  assert.match(r.stderr, /brain simulate: poll 1, 25%/);
  const st = lastJson((await cli(['status', j.alphaId])).stdout);
  assert.deepEqual([st.status, st.is.sharpe, st.checks.length], ['UNSUBMITTED', j.is.sharpe, 8]);
  const u = await cli(['simulate', '--expr', 'rank(clse)', '--no-parity']);
  assert.equal(u.code, 1);
  assert.deepEqual(lastJson(u.stdout).unsupported, [{ kind: 'field', name: 'clse', position: 5 }]);
  const e = await cli(['simulate', '--expr', 'rank(clse)', '--no-parity', '--allow-unknown-fields']);
  assert.equal(e.code, 1);
  const ej = lastJson(e.stdout);
  assert.deepEqual([ej.status, ej.message, ej.location.start, ej.location.end], ['ERROR', 'Attempted to use unknown variable "clse"', 5, 9]);
});

test('cli: submit twice in two processes on one day sends one submission; exports written without secrets', async () => {
  const db = await Db.open(join(dir, 'cli.duckdb'));
  await addHopefulAlpha(db, { id: 'x1', expression: 'rank(close)', settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, localMetrics: { sharpe: 2, fitness: 1.5, turnover: 0.1 } });
  await addHopefulAlpha(db, { id: 'x2', expression: 'rank(open)', settings: DEFAULT_BRAIN_SIMULATION_SETTINGS, localMetrics: { sharpe: 2, fitness: 1.4, turnover: 0.1 } });
  db.close();
  Db.closeAll();
  await new Promise((r) => setTimeout(r, 200)); // let DuckDB release the file before the child opens it
  const exportDir = join(dir, 'exports');
  const a = await cli(['submit', '--no-parity', '--export-dir', exportDir]);
  assert.equal(a.code, 0, a.stderr);
  assert.deepEqual(lastJson(a.stdout).submitted.map((s: { verdict: string }) => s.verdict), ['accepted']);
  const b = await cli(['submit', '--no-parity', '--export-dir', exportDir]);
  assert.equal(b.code, 0, b.stderr);
  const bj = lastJson(b.stdout);
  assert.equal(bj.submitted.length, 0);
  assert.match(bj.stoppedBy, /daily cap reached/);
  assert.equal(fake.posts(/\/submit$/), 1);
  const files = ['hopeful_alphas.json', 'submission_log.json'].map((f) => readFileSync(join(exportDir, f), 'utf8'));
  assert.equal(JSON.parse(files[1]!).length, 1);
  const st = await cli(['status']);
  const sj = lastJson(st.stdout);
  assert.equal(sj.submittedToday, 1);
  assert.ok(sj.requestsRecorded > 5);
  // no secret in the stored request log or the exports (the DuckDB file is read raw, bytes and all)
  const raw = readFileSync(join(dir, 'cli.duckdb')).toString('latin1') + files.join('') + a.stdout + a.stderr + b.stdout + b.stderr;
  for (const secret of [fake.o.password, Buffer.from(`${fake.o.email}:${fake.o.password}`).toString('base64'), ...fake.sessions.keys()]) {
    assert.ok(!raw.includes(secret), `secret found: ${secret.slice(0, 4)}…`);
  }
});
