// Entry of every worker thread that runs project TypeScript (lib/mine thread-pool.ts,
// lib/expr parallel.ts): in a checkout run through tsx the worker's TypeScript entry needs
// tsx's loader registered in the thread itself (a Worker does not inherit the `--import tsx`
// hooks of its parent), then the entry (workerData.entry, a file URL) is imported; the entry
// reads its own settings from the same workerData.
// Only ever a Worker's entry, never imported by lib/ (so its top-level await does not reach tslab or Deno).
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
