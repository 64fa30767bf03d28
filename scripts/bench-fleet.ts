/**
 * What the model fleet adds per request: the atomic state write (temp file,
 * fsync, rename, folder fsync) and the bookkeeping around the provider call.
 * Measured against the scripted Ollama server on 127.0.0.1 (no model: the
 * server answers at once), so the figures are the fleet's overhead, not
 * inference time. Prints the machine load: other work shares this machine.
 *
 *   npm run bench:fleet
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { FleetProvider, initialFleetState, OllamaProvider, resolveFleetConfig, writeFleetState } from '../lib/llm/index.js';
import { startOpsServer } from '../test/helpers/fake-ollama-ops.js';

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * xs.length) - 1)]!;
const fmt = (xs: number[]) => `p50 ${q(xs, 0.5).toFixed(2)} ms, p95 ${q(xs, 0.95).toFixed(2)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
const N = 300;
const writes: number[] = [];
let st = initialFleetState('deepseek-r1:8b', Date.now());
for (let i = 0; i < N; i++) {
  const t = performance.now();
  st = writeFleetState(join(dir, 'state.json'), { ...st, successes: st.successes + 1 });
  writes.push(performance.now() - t);
}
const srv = await startOpsServer({ models: ['deepseek-r1:8b'], answer: () => ({ content: '{"ok": true}' }) });
const plain = new OllamaProvider({ model: 'deepseek-r1:8b', host: srv.url, retry: { retries: 0 } });
const fleet = new FleetProvider({ config: resolveFleetConfig({ tiers: [{ model: 'deepseek-r1:8b', provider: 'ollama', sizeGb: 5.2, numCtx: 8192, keepAlive: '30m' }], degradedCheckMs: 60_000 }), statePath: join(dir, 'fleet.json'), host: srv.url });
const msg = { messages: [{ role: 'user' as const, content: 'q' }] };
const time = async (p: { chat: typeof plain.chat }) => {
  const xs: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await p.chat(msg);
    xs.push(performance.now() - t);
  }
  return xs;
};
await time(plain); // warm-up
const a = await time(plain);
const b = await time(fleet);
await srv.stop();
rmSync(dir, { recursive: true, force: true });
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other work shares this machine)`);
console.log(`atomic state write (${N}x): ${fmt(writes)}`);
console.log(`chat through OllamaProvider against the scripted server (${N}x): ${fmt(a)}`);
console.log(`chat through FleetProvider (one tier, state write per answer) (${N}x): ${fmt(b)}`);
