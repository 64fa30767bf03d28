/**
 * The fleet with a GGUF tier beside a server tier: the built-in 'llama-cpp'
 * tier kind runs the tiny llama model of test/helpers/tiny-gguf.ts for real
 * (node-llama-cpp, prebuilt CPU binaries). The tier above it is a scripted
 * provider kind registered for this test that fails with llama.cpp's
 * allocation-failure error (LlmError code 'oom', a wording the OOM pattern
 * list does not know), so the test shows the fleet's downgrade rule applies
 * to the code, and that the request ends answered by real inference.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FleetProvider, isOomError, LlmError, registerTierProvider, resolveFleetConfig, tierProviderKinds, type ChatOptions, type LlmProvider } from '../lib/llm/index.js';
import { writeTinyLlamaGguf } from './helpers/tiny-gguf.js';

let dir: string;
let modelPath: string;
const calls: string[] = [];
const unloads: string[] = [];
const ALLOC_FAILURE = 'llama-cpp: could not create a 65536-token context for big.gguf: ggml backend buffer of 9.1 GiB exceeds the device. Try a smaller contextSize.';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-gguf-'));
  modelPath = join(dir, 'tiny.gguf');
  writeTinyLlamaGguf(modelPath, { seed: 5 });
  registerTierProvider('test-alloc-fail', {
    provider: (tier): LlmProvider => ({
      name: 'llama-cpp',
      model: tier.model,
      baseUrl: 'file:///big.gguf',
      check: async () => undefined,
      chat: async (_o: ChatOptions) => {
        calls.push(tier.model);
        throw new LlmError('oom', ALLOC_FAILURE, undefined, false);
      },
    }),
    control: () => ({ load: async () => undefined, unload: async (m: string) => void unloads.push(m), ps: async () => [] }),
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("fleet: 'llama-cpp' is a built-in tier kind; three allocation failures (code 'oom') step down to the GGUF tier, which answers by real llama.cpp inference", async () => {
  assert.ok(tierProviderKinds().includes('llama-cpp'));
  assert.equal(isOomError(new LlmError('oom', ALLOC_FAILURE, undefined, false)), false, 'the wording alone is not in the OOM list: the code decides');
  const config = resolveFleetConfig(
    {
      tiers: [
        { name: 'big', provider: 'test-alloc-fail', model: 'big.gguf', sizeGb: 9, numCtx: 65536, keepAlive: '30m' },
        { name: 'tiny', provider: 'llama-cpp', model: modelPath, sizeGb: 0.01, numCtx: 512, keepAlive: '5m' },
      ],
      oomThreshold: 3,
    },
    'test',
  );
  const fleet = new FleetProvider({ config, statePath: join(dir, 'state.json'), sleep: async () => undefined });
  const res = await fleet.chat({ messages: [{ role: 'user', content: 'Say something.' }], maxTokens: 6, temperature: 0, seed: 1 });
  assert.deepEqual(calls, ['big.gguf', 'big.gguf', 'big.gguf']);
  assert.deepEqual(unloads, ['big.gguf'], 'the failing tier is unloaded before the step down');
  assert.equal(res.provider, 'llama-cpp');
  assert.equal(res.model, 'tiny.gguf');
  assert.equal(res.attempts, 4);
  assert.ok(res.usage!.completionTokens! >= 1 && res.usage!.completionTokens! <= 6, `real tokens generated: ${res.usage!.completionTokens}`);
  assert.ok(res.usage!.promptTokens! > 0);
  assert.equal(fleet.state.tierIndex, 1);
  assert.equal(fleet.state.totalOoms, 3);
  assert.equal(fleet.state.consecutiveOoms, 0);
  assert.equal(fleet.state.successes, 1);
  assert.equal(fleet.state.history.at(-1)!.kind, 'downgrade');
  assert.match(fleet.state.history.at(-1)!.reason, /3 consecutive OOM-class errors on big\.gguf/);
});

test('fleet: a GGUF tier whose file is missing fails at once (model_missing is not OOM-class, nothing counted)', async () => {
  const missing = join(dir, 'nope.gguf');
  const config = resolveFleetConfig({ tiers: [{ name: 'only', provider: 'llama-cpp', model: missing, sizeGb: 1, numCtx: 512, keepAlive: '5m' }] }, 'test');
  const fleet = new FleetProvider({ config, statePath: join(dir, 'state-missing.json'), sleep: async () => undefined });
  await assert.rejects(fleet.chat({ messages: [{ role: 'user', content: 'q' }] }), (e: unknown) => e instanceof LlmError && e.code === 'model_missing' && e.message.includes(missing));
  assert.equal(fleet.state.totalOoms, 0);
});
