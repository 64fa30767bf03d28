/**
 * Child process for the kill -9 test of the fleet state file: a FleetProvider
 * whose provider kind fails with an OOM twice and answers once, forever (tier
 * changes, counts and history keep the file busy), resetting to the top tier
 * when it reaches the last. Prints "started" once its first write is done.
 * Usage: node --import tsx test/helpers/fleet-writer.ts <state.json>
 */
import { FleetProvider, resolveFleetConfig, LlmError, type LlmProvider, type TierProviderKind } from '../../lib/llm/index.js';

const path = process.argv[2]!;
const tiers = [
  { name: 'big', provider: 'scripted', model: 'big:8b', sizeGb: 5, numCtx: 8192, keepAlive: '30m' },
  { name: 'mid', provider: 'scripted', model: 'mid:3b', sizeGb: 2, numCtx: 4096, keepAlive: '10m' },
  { name: 'tiny', provider: 'scripted', model: 'tiny:1b', sizeGb: 1, numCtx: 2048, keepAlive: '5m' },
];
let calls = 0;
const scripted: TierProviderKind = {
  provider: (tier) =>
    ({
      name: 'ollama',
      model: tier.model,
      baseUrl: 'scripted',
      check: async () => undefined,
      chat: async () => {
        calls++;
        if (calls % 4 !== 0) throw new LlmError('http', 'CUDA error: out of memory', 500, true);
        return { provider: 'ollama', model: tier.model, raw: 'ok', answer: 'ok', thinking: '', durationMs: 0, attempts: 1 };
      },
    }) satisfies LlmProvider,
};
const fleet = new FleetProvider({ config: resolveFleetConfig({ tiers, oomThreshold: 3, maxHistory: 50 }), statePath: path, kinds: new Map([['scripted', scripted]]) });
let first = true;
for (;;) {
  try {
    await fleet.chat({ messages: [{ role: 'user', content: 'q' }] });
  } catch {
    fleet.reset('writer loop');
  }
  if (fleet.model === 'tiny:1b') fleet.reset('writer loop');
  if (first) {
    process.stdout.write('started\n');
    first = false;
  }
}
