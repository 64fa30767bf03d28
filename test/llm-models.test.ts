import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Ollama } from 'ollama';
import { Db } from '../lib/db/index.js';
import { OllamaModelOps, LlmError, isOomError, parseNvidiaSmi, probeGpus, VramMonitor, formatVramReading, ensureVramTables, storeVramReading, type ProgressLine } from '../lib/llm/index.js';
import { startOpsServer, type OpsServer } from './helpers/fake-ollama-ops.js';

let srv: OpsServer;
let ops: OllamaModelOps;
let bin: string;
before(async () => {
  srv = await startOpsServer({ models: ['llama3.2:3b', 'deepseek-r1:8b'], registry: { 'phi3:mini': 2_200_000 } });
  ops = new OllamaModelOps({ host: srv.url });
  bin = mkdtempSync(join(tmpdir(), 'smi-'));
});
after(async () => {
  await srv.stop();
  rmSync(bin, { recursive: true, force: true });
});

test('model ops: list, pull with progress lines, show, delete; a missing model names the ollama pull command', async () => {
  assert.deepEqual((await ops.list()).map((m) => m.name), ['deepseek-r1:8b', 'llama3.2:3b']);
  const seen: ProgressLine[] = [];
  const lines = await ops.pull('phi3:mini', (p) => seen.push(p));
  assert.equal(lines.at(-1)!.status, 'success');
  assert.deepEqual(seen.filter((p) => p.total !== undefined).map((p) => [p.completed, p.total]), [[0, 2_200_000], [1_100_000, 2_200_000], [2_200_000, 2_200_000]]);
  assert.equal(await ops.has('phi3:mini'), true);
  await assert.rejects(ops.pull('no-such:1b'), (e: unknown) => e instanceof LlmError && /file does not exist/.test(e.message));
  const show = await ops.show('llama3.2:3b');
  assert.equal(typeof show.parameters, 'string');
  await assert.rejects(ops.show('qwen9:1b'), (e: unknown) => e instanceof LlmError && e.code === 'model_missing' && /ollama pull qwen9:1b/.test(e.message));
  await ops.delete('phi3:mini');
  assert.equal(await ops.has('phi3:mini'), false);
  await assert.rejects(ops.delete('phi3:mini'), (e: unknown) => e instanceof LlmError && e.code === 'model_missing' && /ollama pull phi3:mini/.test(e.message));
});

test('model ops: create sends the JSON form (from, system, messages, parameters, adapters), never a modelfile; the old form gets Ollama\'s stream error', async () => {
  const lines = await ops.create({
    model: 'alphalab-analyst:v1',
    from: 'llama3.2:3b',
    system: 'You are a market analyst.',
    messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }],
    parameters: { num_ctx: 4096, temperature: 0 },
    adapters: { 'lora.gguf': 'sha256:0123' },
  });
  assert.equal(lines.at(-1)!.status, 'success');
  const body = srv.created.at(-1)!;
  assert.equal(body.from, 'llama3.2:3b');
  assert.equal(body.modelfile, undefined);
  assert.deepEqual(body.parameters, { num_ctx: 4096, temperature: 0 });
  assert.deepEqual(body.adapters, { 'lora.gguf': 'sha256:0123' });
  assert.equal((body.messages as unknown[]).length, 2);
  assert.equal(await ops.has('alphalab-analyst:v1'), true);
  await assert.rejects(ops.create({ model: 'x', from: 'not-there:1b' }), (e: unknown) => e instanceof LlmError && /not-there:1b/.test(e.message));
  await assert.rejects(ops.create({ model: 'x', from: '' }), /"from" \(the base model\) is required/);
  // what a client that still sends a Modelfile string gets, through the real client (status 200, error line)
  const client = new Ollama({ host: srv.url });
  await assert.rejects(
    (async () => {
      for await (const _ of await client.create({ model: 'y', stream: true, modelfile: 'FROM llama3.2:3b' } as never)) void _;
    })(),
    /neither 'from' or 'files' was specified/,
  );
});

test('model ops: load, ps with partial offload, unload; an OOM error line in a 200 stream is an OOM-class LlmError', async () => {
  srv.sizes.set('deepseek-r1:8b', 6_000_000_000);
  await ops.load('deepseek-r1:8b', '10m');
  let ps = await ops.ps();
  assert.deepEqual(ps.map((m) => [m.name, m.vramFraction, m.partialOffload]), [['deepseek-r1:8b', 1, false]]);
  srv.loaded.set('deepseek-r1:8b', { size: 6_000_000_000, size_vram: 4_500_000_000 });
  ps = await ops.ps();
  assert.equal(ps[0]!.partialOffload, true);
  assert.equal(ps[0]!.vramFraction, 0.75);
  await ops.unload('deepseek-r1:8b');
  assert.deepEqual(await ops.ps(), []);
  srv.loadErrors.set('llama3.2:3b', 'llama runner process has terminated: CUDA error: out of memory');
  await assert.rejects(ops.load('llama3.2:3b'), (e: unknown) => e instanceof LlmError && isOomError(e) && e.retryable);
  srv.loadErrors.clear();
});

async function withPath<T>(dirs: string[], fn: () => Promise<T>): Promise<T> {
  const old = process.env.PATH;
  process.env.PATH = dirs.join(delimiter);
  try {
    return await fn();
  } finally {
    process.env.PATH = old;
  }
}

test('nvidia-smi parsing: one line per GPU, MiB used/total and % busy; a bad line is named', () => {
  assert.deepEqual(parseNvidiaSmi('5234, 81559, 37\n 100, 24576, [N/A]\n\n').map((g) => [g.index, g.usedMiB, g.totalMiB, g.freeMiB, g.utilizationPct]), [
    [0, 5234, 81559, 76325, 37],
    [1, 100, 24576, 24476, NaN],
  ]);
  assert.throws(() => parseNvidiaSmi('5234, 81559, 37\nNVIDIA-SMI has failed'), /line 2: expected "used, total, utilization"/);
});

test('VRAM monitor with a fake nvidia-smi on PATH: normal, high usage, missing, failing; readings go to DuckDB', async () => {
  const { mkdirSync } = await import('node:fs');
  const mk = (name: string, script: string) => {
    const d = join(bin, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'nvidia-smi'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(d, 'nvidia-smi'), 0o755);
    return d;
  };
  const sys = ['/bin', '/usr/bin'];
  const normal = mk('normal', 'echo "5234, 81559, 37"');
  const high = mk('high', 'echo "79800, 81559, 99"');
  const failing = mk('failing', 'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver." >&2; exit 9');
  const empty = mk('empty', 'echo ""');
  srv.loaded.clear();
  srv.loaded.set('deepseek-r1:8b', { size: 6e9, size_vram: 3e9 });
  const db = await Db.open(':memory:');
  await ensureVramTables(db);
  const mon = new VramMonitor({ models: ops, intervalMs: 1000, onReading: (r) => storeVramReading(db, r), now: () => Date.parse('2026-12-02T01:00:00Z') });
  const r1 = await withPath([normal, ...sys], () => mon.readOnce());
  assert.equal(r1.gpu.status, 'gpu');
  assert.ok(Math.abs(r1.freeGb! - 76325 / 1024) < 1e-9);
  assert.deepEqual(r1.degraded, ['deepseek-r1:8b']);
  assert.match(formatVramReading(r1), /GPU0 5234\/81559 MiB \(6%\) 37% busy; models: deepseek-r1:8b 50% VRAM \(partial offload: degraded\)/);
  const r2 = await withPath([high, ...sys], () => mon.readOnce());
  assert.ok(r2.gpu.status === 'gpu' && r2.gpu.gpus[0]!.freeMiB === 1759);
  const r3 = await withPath([join(bin, 'nowhere')], () => mon.readOnce());
  assert.deepEqual(r3.gpu, { status: 'cpu_only', reason: 'missing', detail: 'nvidia-smi not found on PATH' });
  assert.equal(r3.freeGb, undefined);
  const r4 = await withPath([failing, ...sys], () => mon.readOnce());
  assert.ok(r4.gpu.status === 'cpu_only' && r4.gpu.reason === 'failed' && /exit 9: NVIDIA-SMI has failed/.test(r4.gpu.detail), JSON.stringify(r4.gpu));
  const r5 = await withPath([empty, ...sys], () => probeGpus());
  assert.equal(r5.status === 'cpu_only' && r5.reason, 'empty');
  const rows = await db.all<{ status: string; used_mib: number | null }>('SELECT status, used_mib FROM vram_gpu ORDER BY rowid');
  assert.deepEqual(rows.map((r) => [r.status, r.used_mib]), [['gpu', 5234], ['gpu', 79800], ['cpu_only:missing', null], ['cpu_only:failed', null]]);
  const models = await db.all<{ n: number; partial: number }>('SELECT count(*)::INT AS n, sum(partial_offload::INT)::INT AS partial FROM vram_models');
  assert.deepEqual(models, [{ n: 4, partial: 4 }]);
  // a server that does not answer: recorded, not thrown
  const down = new VramMonitor({ models: new OllamaModelOps({ host: 'http://127.0.0.1:9', timeoutMs: 2000 }) });
  const r6 = await withPath([normal, ...sys], () => down.readOnce());
  assert.match(r6.modelsError!, /no Ollama server answers/);
  db.close();
});
