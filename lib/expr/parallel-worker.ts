/**
 * An expression evaluation thread (started by parallel.ts through
 * lib/core/thread-boot.mjs): keeps the panels it is sent (views on the
 * pool's SharedArrayBuffer, not copies), evaluates each expression it is sent
 * with `evaluate` and writes the result into the task's SharedArrayBuffer.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { ExprError } from './ast.js';
import { evaluate } from './evaluate.js';
import type { ExprThreadReply, ExprThreadRequest } from './parallel.js';
import type { Panel } from '../data/panel.js';

const port = parentPort;
if (!port) throw new Error('parallel-worker.ts runs only as a worker thread (see parallel.ts)');
const panels = new Map<number, Panel>();
const reply = (m: ExprThreadReply): void => port.postMessage(m);

port.on('message', (m: ExprThreadRequest) => {
  if (m.type === 'panel') { panels.set(m.panelId, m.panel); return; }
  if (m.type === 'drop') { panels.delete(m.panelId); return; }
  const t0 = performance.now(); // process.cpuUsage is process-wide in a thread (Node 20 has no per-thread CPU clock)
  try {
    const panel = panels.get(m.panelId);
    if (!panel) throw new Error(`expression thread: unknown panel ${m.panelId}`);
    const result = evaluate(m.expr, panel);
    new Float64Array(m.out).set(result);
    reply({ type: 'done', taskId: m.taskId, ms: performance.now() - t0 });
  } catch (err) {
    const e = err as Error;
    reply({ type: 'error', taskId: m.taskId, message: String(e?.message ?? err), exprError: err instanceof ExprError, position: err instanceof ExprError ? err.position : -1 });
  }
});
reply({ type: 'ready' });
