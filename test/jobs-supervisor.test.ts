import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { createJobLogger, JobStore, Orchestrator, restartBackoffMs, Supervisor, type ChildSpec } from '../lib/jobs/index.js';

const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const logFile = join(dir, 'log.jsonl');
const log = createJobLogger('test', { file: logFile, console: false });

/** A node -e child: counts its starts in a file; crashes (exit 3) on the first `crashes` starts, hangs on starts listed in `hangOn`, else prints a JSON result and exits 0. */
function counterChild(name: string, crashes: number, hangOn: number[] = []): ChildSpec {
  const counter = join(dir, `${name}.count`);
  const code = `
    const fs = require('fs'); const f = ${JSON.stringify(counter)};
    const n = (fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0) + 1; fs.writeFileSync(f, String(n));
    if (${JSON.stringify(hangOn)}.includes(n)) { process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); }); setInterval(() => {}, 1000); }
    else if (n <= ${crashes}) { console.error('boom ' + n); process.exit(3); }
    else { console.log('working'); console.log(JSON.stringify({ start: n })); process.exit(0); }`;
  return { name, command: process.execPath, args: ['-e', code] };
}

test('restart backoff: full jitter on base * 2^k, capped', () => {
  assert.deepEqual([0, 1, 2, 3, 10].map((k) => restartBackoffMs(k, 100, 500, 1)), [100, 200, 400, 500, 500]);
  assert.equal(restartBackoffMs(2, 100, 500, 0.5), 200);
});

test('supervisor: a crashing child is restarted with backoff until it succeeds; PIDs, exits and the result line are kept', async () => {
  const waits: number[] = [];
  const sup = new Supervisor(counterChild('crasher', 2), { backoffBaseMs: 40, backoffMaxMs: 1000, random: () => 1, maxRestarts: 5 }, log);
  const t0 = Date.now();
  const out = await sup.run();
  const elapsed = Date.now() - t0;
  assert.equal(out.status, 'ok');
  assert.deepEqual(out.exits.map((e) => [e.reason, e.code]), [['crash', 3], ['crash', 3], ['ok', 0]]);
  assert.deepEqual(out.result, { start: 3 });
  assert.equal(new Set(out.exits.map((e) => e.pid)).size, 3);
  // the two waits were 40 and 80 ms (random = 1): the second start came at least 40 ms after the first exit, the third 80 ms after the second
  assert.ok(out.exits[1]!.startedAt - out.exits[0]!.endedAt >= 39, 'first backoff');
  assert.ok(out.exits[2]!.startedAt - out.exits[1]!.endedAt >= 79, 'second backoff');
  assert.ok(elapsed >= 120);
  void waits;
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; pid?: number; component: string });
  assert.ok(lines.some((l) => /crasher: pid \d+ exited \(code 3, crash\)/.test(l.msg)));
  assert.ok(lines.some((l) => /crasher: restart 2\/5 in 80 ms/.test(l.msg)));
  assert.ok(lines.some((l) => l.msg === 'boom 1'), 'child stderr is logged');
});

test('supervisor: gives up after maxRestarts crashes in a row', async () => {
  const out = await new Supervisor(counterChild('hopeless', 99), { backoffBaseMs: 1, maxRestarts: 2 }, log).run();
  assert.equal(out.status, 'failed');
  assert.equal(out.exits.length, 3);
});

test('supervisor: a child running past the restart interval is stopped with SIGTERM and started again', async () => {
  const out = await new Supervisor(counterChild('slow', 0, [1]), { restartIntervalMs: 2500, stopGraceMs: 2000 }, log).run();
  assert.deepEqual(out.exits.map((e) => e.reason), ['restart_interval', 'ok']);
  assert.equal(out.status, 'ok');
});

test('orchestrator: continuous mode runs generator batches and the miner in one slot; job state lands in DuckDB; stop() ends children with SIGTERM', async () => {
  const db = await Db.open(':memory:');
  const store = await JobStore.open(db);
  const hang = (name: string): ChildSpec => ({ name, command: process.execPath, args: ['-e', `process.on('SIGTERM', () => process.exit(0)); console.log(JSON.stringify({ job: '${name}' })); setInterval(() => {}, 1000);`] });
  const quick = (name: string): ChildSpec => ({ name, command: process.execPath, args: ['-e', `console.log(JSON.stringify({ job: '${name}' }))`] });
  const orch = new Orchestrator({ mode: 'continuous', maxConcurrent: 1, generatorPauseMs: 10, miningIntervalHours: 6 }, { generator: quick('generator'), miner: hang('miner'), submitter: quick('submitter') }, store, log);
  const running = orch.run();
  // wait until the miner holds the slot, then stop
  for (let i = 0; i < 200 && !orch.outcomes.some((o) => o.name === 'generator'); i++) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300));
  await orch.stop();
  const outcomes = await running;
  assert.ok(outcomes.filter((o) => o.name === 'generator' && o.status === 'ok').length >= 1);
  const miner = outcomes.find((o) => o.name === 'miner');
  if (miner) assert.equal(miner.status, 'stopped');
  const states = await store.states();
  const gen = states.find((s) => s.job === 'generator')!;
  assert.ok(gen.runs >= 1);
  assert.equal(JSON.parse(gen.lastResult!).job, 'generator');
  assert.ok(states.find((s) => s.job === 'miner')?.nextRun, 'the miner has a next run');
  // a store re-opened after a kill marks running jobs interrupted
  await db.exec(`UPDATE job_state SET last_status = 'running' WHERE job = 'generator'`);
  await JobStore.open(db);
  assert.equal((await store.states()).find((s) => s.job === 'generator')!.lastStatus, 'interrupted');
  db.close();
  assert.ok(existsSync(logFile));
});
