// Entry of every mining worker thread (thread-pool.ts): in a checkout run through tsx the
// worker's TypeScript entry needs tsx's loader registered in the thread itself (a Worker
// does not inherit the `--import tsx` hooks of its parent), then the entry is imported.
// Only ever a Worker's entry, never imported by lib/ (so its top-level await does not reach tslab or Deno).
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
