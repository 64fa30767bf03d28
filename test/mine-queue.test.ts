import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { decodeJson, encodeJson } from '../lib/db/index.js';
import { FactorStore } from '../lib/factors/index.js';
import { computeCandidate, mineGrid } from '../lib/mine/index.js';
import { datasetFingerprint, decodeWork, encodeWork, MINE_QUEUE_NAME, mineJobId, queueExecutor, redactRedisUrl } from '../lib/mine/queue.js';
import { sliceDates } from '../lib/data/panel.js';
import { MINE_TEST_GRID } from './helpers/mine-grid.js';
import { comparableTrialRows, journalKey } from './helpers/mine-trials.js';
import { syntheticPanel } from './helpers/panels.js';
import { freePort, startRedis } from './helpers/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'mine-queue-'));
let redis: Awaited<ReturnType<typeof startRedis>> = null;
const children: ChildProcess[] = [];
before(async () => { redis = await startRedis(); });
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});
const SKIP = 'redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)';
const small = () => syntheticPanel(300, 20, 5);

/** Starts a queue worker process; resolves when it is ready. `lines` collects its stdout lines. */
async function startWorker(url: string, variant = 'same'): Promise<{ proc: ChildProcess; lines: string[] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join('test', 'helpers', 'queue-worker-child.ts'), url, variant], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) { lines.push(l); proc.emit('line', l); }
  });
  await new Promise<void>((resolve, reject) => {
    proc.on('line', (l: string) => { if (l === 'ready') resolve(); });
    proc.once('exit', (code) => reject(new Error(`queue worker exited (${code}) before it was ready`)));
  });
  return { proc, lines };
}

test('queue wire: a computed candidate survives encodeJson / decodeJson bit for bit (NaN, Float64Array, the snapshot\'s Uint16Array); job ids, redaction, an unreachable Redis', async () => {
  const panel = sliceDates(small(), 0, 240);
  const work = await computeCandidate('ts_mean(sig, 3)', { panel, dataset: 'synthetic', source: 'mine:grid', settings: { costBps: 5 } });
  assert.ok(work.ok && work.snapshot);
  const back = decodeWork(JSON.parse(JSON.stringify(encodeWork(work))));
  assert.deepEqual(back, work);
  assert.ok(back.ok && back.snapshot!.codes instanceof Uint16Array);
  assert.ok(Number.isNaN(decodeJson<{ x: number }>(encodeJson({ x: NaN })).x));
  const fp = datasetFingerprint(panel);
  assert.equal(fp, datasetFingerprint(sliceDates(small(), 0, 240)), 'same data, same fingerprint');
  const other = small();
  other.fields.sig![3] = other.fields.sig![3]! + 1e-12;
  assert.notEqual(datasetFingerprint(sliceDates(other, 0, 240)), fp, 'one value changed, another fingerprint');
  const id = mineJobId(fp, 'ts_mean(sig, 3)', { costBps: 5 }, 'mine:grid');
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(id, mineJobId(fp, 'ts_mean(sig, 3)', { costBps: 5 }, 'mine:grid'));
  assert.notEqual(id, mineJobId(fp, 'ts_mean(sig, 3)', { costBps: 6 }, 'mine:grid'));
  assert.equal(redactRedisUrl('redis://user:s3cret@10.0.0.5:6380/2'), 'redis://10.0.0.5:6380/2');
  // nothing listening: a clear error at once (no endless reconnecting), the password not in it
  const port = await freePort();
  const err = await queueExecutor({ url: `redis://user:s3cret@127.0.0.1:${port}` }).open({ panel, dataset: 'synthetic', source: 'mine:grid', settings: {} }).then(() => null, (e: Error) => e);
  assert.match(String(err?.message), new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} is not reachable: .*ECONNREFUSED`));
  assert.ok(!String(err?.message).includes('s3cret'));
});

test('queue: 2 worker processes give the trial rows of the in-process run; a worker killed mid-job (SIGKILL) loses nothing, its job is retried, nothing is recorded twice; enqueued again, nothing is recomputed', { timeout: 600_000 }, async (t) => {
  if (!redis) return t.skip(SKIP);
  const panel = small();
  const a = await FactorStore.open(join(dir, 'embedded.duckdb'));
  const ra = await mineGrid({ ...MINE_TEST_GRID, panel, store: a, skipRetest: true });

  const w1 = await startWorker(redis.url);
  const w2 = await startWorker(redis.url);
  let killedJob: string | null = null;
  w1.proc.on('line', (l: string) => {
    if (!killedJob && l.startsWith('start ')) {
      killedJob = l.slice(6);
      w1.proc.kill('SIGKILL');
    }
  });
  const b = await FactorStore.open(join(dir, 'queue.duckdb'));
  const rb = await mineGrid({ ...MINE_TEST_GRID, panel, store: b, skipRetest: true, executor: queueExecutor({ url: redis.url }), batchSize: 12 });
  assert.ok(killedJob, 'worker 1 took a job and was killed in it');
  assert.equal(rb.executor.kind, 'queue');
  assert.equal(rb.executor.queue, redis.url);
  assert.equal(rb.candidates, MINE_TEST_GRID.max);
  assert.deepEqual(journalKey(rb), journalKey(ra));
  const rowsA = await comparableTrialRows(a), rowsB = await comparableTrialRows(b);
  assert.equal(rowsB.length, MINE_TEST_GRID.max, 'trial count = candidates');
  assert.deepEqual(rowsB, rowsA);

  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(MINE_QUEUE_NAME, { connection: conn });
  const job = await Job.fromId(queue, killedJob!);
  assert.equal(await job!.getState(), 'completed', 'the killed worker\'s job was retried and completed');
  assert.ok(w2.lines.includes(`start ${killedJob}`), 'by the other worker');
  assert.ok(rb.journal.some((j) => j.expression === job!.data.expression));

  // the same candidates enqueued again (a new store, same data and settings): every job id exists, nothing is recomputed
  const startsBefore = w2.lines.filter((l) => l.startsWith('start ')).length;
  const c = await FactorStore.open(join(dir, 'again.duckdb'));
  const rc = await mineGrid({ ...MINE_TEST_GRID, panel, store: c, skipRetest: true, executor: queueExecutor({ url: redis.url }) });
  assert.deepEqual(journalKey(rc), journalKey(ra));
  assert.equal(w2.lines.filter((l) => l.startsWith('start ')).length, startsBefore, 'no job ran again');
  assert.deepEqual(await queue.getJobCounts('completed', 'wait', 'active', 'failed'), { completed: ra.journal.length, wait: 0, active: 0, failed: 0 }, 'one job per candidate, however often enqueued');

  // a worker with other data (one value changed) refuses the jobs: the run stops with both fingerprints named, nothing recorded for them
  w2.proc.kill('SIGTERM');
  await new Promise((r) => w2.proc.once('exit', r));
  await startWorker(redis.url, 'perturbed');
  const d = await FactorStore.open(join(dir, 'other-data.duckdb'));
  await assert.rejects(mineGrid({ ...MINE_TEST_GRID, costBps: 6, panel, store: d, skipRetest: true, executor: queueExecutor({ url: redis.url }), max: 2 }), /differs from the miner's \(fingerprint/);
  assert.equal(await d.countTrials({ dataset: 'synthetic' }), 0);
  await queue.close();
  await conn.quit();
  for (const s of [a, b, c, d]) s.db.close();
});
