/**
 * An `alphalab worker` process of the mining queue tests: lib/mine/queue.ts
 * `startQueueWorker` on the redis URL in argv[2], with the tests' synthetic
 * panel as dataset "synthetic" (argv[3] = 'perturbed': one value changed, a
 * worker with other data). Short lock and stalled-check intervals so a killed
 * worker's job is retried within seconds. Prints `ready`, then `start <job id>`
 * when a job starts; stops on SIGTERM.
 */
import { startQueueWorker } from '../../lib/mine/queue.js';
import { syntheticPanel } from './panels.js';

async function main(): Promise<void> {
  const perturbed = process.argv[3] === 'perturbed';
  const handle = await startQueueWorker({
    url: process.argv[2]!, threads: 1, lockDurationMs: 1500, stalledIntervalMs: 1000,
    loadPanel: async (name) => {
      if (name !== 'synthetic') throw new Error(`no dataset ${name} here`);
      const p = syntheticPanel(300, 20, 5);
      if (perturbed) p.fields.sig![5 * 20 + 3] = p.fields.sig![5 * 20 + 3]! + 1e-9;
      return p;
    },
    onJob: (e) => process.stdout.write(`start ${e.id}\n`),
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void handle.close().then(() => process.exit(0)));
}
void main();
