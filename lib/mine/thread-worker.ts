/**
 * A mining worker thread (started by thread-pool.ts through thread-boot.mjs):
 * receives run specs (their panels are views on the pool's SharedArrayBuffer,
 * not copies) and candidates, computes each with executor.ts
 * `computeCandidate`, and posts the result back. One ExprCache per spec.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExprCache } from '../expr/index.js';
import { computeCandidate, type CandidateTaskSpec } from './executor.js';
import type { ThreadRequest, ThreadReply } from './thread-pool.js';

const port = parentPort;
if (!port) throw new Error('thread-worker.ts runs only as a worker thread (see thread-pool.ts)');
const cacheBytes = Number((workerData as { cacheBytes?: number }).cacheBytes ?? 128 * 1024 * 1024);
const specs = new Map<number, { spec: CandidateTaskSpec; cache: ExprCache }>();

port.on('message', (m: ThreadRequest) => {
  if (m.type === 'spec') {
    specs.set(m.specId, { spec: m.spec, cache: new ExprCache(cacheBytes) });
    return;
  }
  if (m.type === 'drop') {
    specs.delete(m.specId);
    return;
  }
  const s = specs.get(m.specId);
  const done = (reply: ThreadReply) => port.postMessage(reply);
  if (!s) {
    done({ taskId: m.taskId, fatal: `mining worker thread: unknown spec ${m.specId}` });
    return;
  }
  computeCandidate(m.expression, s.spec, s.cache).then((work) => done({ taskId: m.taskId, work }), (err: unknown) => done({ taskId: m.taskId, fatal: String((err as Error)?.message ?? err) }));
});
