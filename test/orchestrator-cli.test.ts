/**
 * `alphalab orchestrator --mode generator` end to end in child processes:
 * one batch of the LLM loop on the model fleet through the real `ollama`
 * client against the scripted server, where the first tier's model cannot
 * load (OOM as HTTP 500); the batch is answered by the next tier, recorded in
 * the knowledge base and the job store, and `--mode fleet-status --json`
 * reads the default state file ($ALPHALAB_FLEET_STATE).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { startOpsServer, type OpsServer } from './helpers/fake-ollama-ops.js';

const dir = mkdtempSync(join(tmpdir(), 'orch-cli-'));
const proposal = JSON.stringify({
  decision: 'new', decision_reason: 'start with momentum', parent_id: null, name: 'mom_60_20', category: 'momentum',
  rationale: 'intermediate-horizon momentum', expressions: ['ts_delay(close, 20) / ts_delay(close, 60) - 1'], expected_sign: 1,
  params: { delay: 1, decay: 5, neutralization: 'market', truncation: 0.05 },
});
let srv: OpsServer;
before(async () => {
  srv = await startOpsServer({
    models: ['big:8b', 'small:1b'],
    answer: (model) => (model === 'big:8b' ? { status: 500, error: 'llama runner process has terminated: CUDA error: out of memory' } : { content: proposal }),
  });
  writeFileSync(join(dir, 'model_fleet.json'), JSON.stringify({ tiers: [
    { name: 'primary', provider: 'ollama', model: 'big:8b', sizeGb: 5.2, numCtx: 8192, keepAlive: '30m' },
    { name: 'small', provider: 'ollama', model: 'small:1b', sizeGb: 1.1, numCtx: 4096, keepAlive: '5m' },
  ] }));
});
after(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'bin/alphalab.ts', 'orchestrator', ...args], { env: { ...process.env, ALPHALAB_FLEET_STATE: join(dir, 'fleet.json'), OLLAMA_HOST: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

test('orchestrator --mode generator runs one batch on the fleet against --ollama-url and records it; fleet-status --json shows the step down', { timeout: 420_000 }, async () => {
  const kb = join(dir, 'kb.duckdb');
  const jobs = join(dir, 'jobs.duckdb');
  const r = await cli(['--mode', 'generator', '--ollama-url', srv.url, '--fleet-config', join(dir, 'model_fleet.json'), '--db', kb, '--jobs-db', jobs, '--log-file', join(dir, 'orch.log'), '--batch-size', '1', '--json']);
  assert.equal(r.code, 0, r.err.slice(-3000));
  const summary = JSON.parse(r.out.trim().split('\n').pop()!) as { runs: { job: string; status: string; result: { tried: number; model: string; fleetTier: number; runId: string } }[]; jobs: { job: string; runs: number; lastStatus: string }[] };
  assert.equal(summary.runs.length, 1);
  const run = summary.runs[0]!;
  assert.equal(run.status, 'ok');
  assert.equal(run.result.tried, 1);
  assert.equal(run.result.model, 'small:1b', 'answered by the next tier');
  assert.equal(run.result.fleetTier, 1);
  assert.deepEqual(summary.jobs.map((j) => [j.job, j.runs, j.lastStatus]), [['generator', 1, 'ok']]);
  // the chat requests: three OOMs on big:8b, then small:1b with its own num_ctx
  const chats = srv.fake.requests.filter((q) => q.path === '/api/chat').map((q) => [(q.body as { model: string }).model, (q.body as { options: { num_ctx: number } }).options.num_ctx]);
  assert.deepEqual(chats.slice(0, 4), [['big:8b', 8192], ['big:8b', 8192], ['big:8b', 8192], ['small:1b', 4096]]);
  // recorded: the hypothesis is in the knowledge base, the run in job_runs
  const db = await Db.open(kb);
  const rows = await db.all<{ model: string; status: string }>('SELECT model, status FROM kb_hypotheses');
  db.close();
  assert.deepEqual(rows.map((x) => x.model), ['small:1b']);
  const jdb = await Db.open(jobs);
  const runs = await jdb.all<{ job: string; reason: string; exit_code: number }>('SELECT job, reason, exit_code FROM job_runs');
  const vram = await jdb.all<{ n: number }>('SELECT count(*)::INT AS n FROM vram_gpu');
  jdb.close();
  assert.ok(vram[0]!.n >= 1, 'the orchestrator stored VRAM readings');
  // per-component JSON-lines log with the child's PID and exit
  const genLog = readFileSync(join(dir, 'generator.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { component: string; msg: string });
  assert.ok(genLog.every((l) => l.component === 'generator'));
  assert.ok(genLog.some((l) => /generator: pid \d+ exited \(code 0, ok\)/.test(l.msg)));
  Db.closeAll();
  assert.deepEqual(runs, [{ job: 'generator', reason: 'ok', exit_code: 0 }]);
  // fleet-status from the default state file
  const s = await cli(['--mode', 'fleet-status', '--json', '--fleet-config', join(dir, 'model_fleet.json')]);
  assert.equal(s.code, 0, s.err);
  const st = JSON.parse(s.out.trim()) as { model: string; tierIndex: number; consecutiveOoms: number; totalOoms: number; lastChange: { kind: string; from: string; to: string; reason: string } };
  assert.equal(st.model, 'small:1b');
  assert.equal(st.tierIndex, 1);
  assert.equal(st.consecutiveOoms, 0);
  assert.equal(st.totalOoms, 3);
  assert.equal(st.lastChange.kind, 'downgrade');
  assert.match(st.lastChange.reason, /3 consecutive OOM-class errors on big:8b/);
});

test('orchestrator --mode generator with a model the server lacks: the run fails with the ollama pull command, after the restarts', { timeout: 420_000 }, async () => {
  const r = await cli(['--mode', 'generator', '--ollama-url', srv.url, '--ollama-model', 'qwen9:7b', '--db', join(dir, 'kb2.duckdb'), '--jobs-db', join(dir, 'jobs2.duckdb'), '--log-file', join(dir, 'orch2.log'), '--max-restarts', '1', '--restart-backoff', '0.1', '--json']);
  assert.equal(r.code, 1);
  const summary = JSON.parse(r.out.trim().split('\n').pop()!) as { runs: { status: string; children: { code: number }[] }[] };
  assert.equal(summary.runs[0]!.status, 'failed');
  assert.deepEqual(summary.runs[0]!.children.map((c) => c.code), [3, 3]);
  assert.match(r.err, /ollama pull qwen9:7b/);
});

test('alphalab models pull shows progress and lists the model; train schedule --dry-run prints the next runs from training_config.json', { timeout: 120_000 }, async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'bin/alphalab.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('close', (code) => resolve({ code, out, err }));
    });
  const pulled = await run(['models', 'pull', 'phi3:mini', '--ollama-url', srv.url, '--json']);
  assert.equal(pulled.code, 0, pulled.err);
  assert.deepEqual(JSON.parse(pulled.out.trim()), { pulled: 'phi3:mini' });
  assert.match(pulled.err, /pulling manifest[\s\S]*success/);
  assert.ok(srv.fake.models.includes('phi3:mini'));
  writeFileSync(join(dir, 'training_config.json'), JSON.stringify({ schedule: { daily: '03:30', weekly: [{ days: ['mon'], time: '18:00' }] } }));
  const sched = await run(['train', 'schedule', '--dry-run', '--json', '--config', join(dir, 'training_config.json')]);
  assert.equal(sched.code, 0, sched.err);
  const s = JSON.parse(sched.out.trim()) as { schedule: { pattern: string; next: string[] }[] };
  assert.deepEqual(s.schedule.map((x) => x.pattern), ['30 3 * * *', '0 18 * * 1']);
  assert.ok(s.schedule[0]!.next.every((t) => t.endsWith('T03:30:00.000Z')));
  assert.ok(s.schedule[1]!.next.every((t) => new Date(t).getUTCDay() === 1));
});

test('SIGTERM to a long-running orchestrator (miner mode) stops the running child cleanly and exits 143; the run is recorded as stopped', { timeout: 420_000 }, async () => {
  const jobs = join(dir, 'jobs3.duckdb');
  const p = spawn(process.execPath, ['--import', 'tsx', 'bin/alphalab.ts', 'orchestrator', '--mode', 'miner', '--batch-size', '50', '--db', join(dir, 'kb3.duckdb'), '--jobs-db', jobs, '--log-file', join(dir, 'orch3.log'), '--ollama-url', srv.url, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let childPid = 0;
  const started = new Promise<void>((resolve) =>
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /miner: started pid (\d+)/.exec(err);
      if (m && !childPid) {
        childPid = Number(m[1]);
        resolve();
      }
    }),
  );
  await started;
  await new Promise((r) => setTimeout(r, 1500));
  p.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => p.once('close', r));
  assert.equal(code, 143, err.slice(-2000));
  const alive = (() => {
    try {
      process.kill(childPid, 0);
      return true;
    } catch {
      return false;
    }
  })();
  assert.equal(alive, false, 'the child is gone');
  const db = await Db.open(jobs);
  const runs = await db.all<{ job: string; reason: string }>('SELECT job, reason FROM job_runs');
  const state = await db.all<{ last_status: string }>('SELECT last_status FROM job_state');
  db.close();
  Db.closeAll();
  assert.deepEqual(runs, [{ job: 'miner', reason: 'stopped' }]);
  assert.deepEqual(state, [{ last_status: 'stopped' }]);
});
