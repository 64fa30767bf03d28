import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetProvider, fleetStatus, isOomError, matchOom, OOM_PATTERNS, resolveFleetConfig, validateFleetState, LlmError, type FleetConfig } from '../lib/llm/index.js';
import { startOpsServer, type OpsServer } from './helpers/fake-ollama-ops.js';
import type { Reply } from './helpers/fake-ollama.js';

const ISSUE_STRINGS = [
  'out of memory', 'out of device memory', 'cudaMalloc failed', 'hipMalloc failed', 'failed to allocate', 'allocation failed', 'not enough memory', 'insufficient memory',
  'vk_error_out_of_device_memory', 'ErrorOutOfMemory', "gpu VRAM usage didn't recover within timeout", "VRAM usage didn't recover", 'gpu memory exhausted', 'CUDA out of memory', 'GPU memory allocation failed',
];

const TIERS = [
  { name: 'big', provider: 'ollama', model: 'big:8b', sizeGb: 5, numCtx: 8192, keepAlive: '30m' },
  { name: 'mid', provider: 'ollama', model: 'mid:3b', sizeGb: 2, numCtx: 4096, keepAlive: '10m' },
  { name: 'tiny', provider: 'ollama', model: 'tiny:1b', sizeGb: 1, numCtx: 2048, keepAlive: '5m', emergency: true },
];
const config = (extra: Record<string, unknown> = {}): FleetConfig => resolveFleetConfig({ tiers: TIERS, cooldownMs: 60_000, transientRetries: 2, degradedCheckMs: 0, ...extra }, 'test');

let srv: OpsServer;
let dir: string;
/** Per-model scripted answers: each call shifts one; empty -> a normal answer. */
const plan = new Map<string, Reply[]>();
const OOM_500: Reply = { status: 500, error: 'llama runner process has terminated: CUDA error: out of memory' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  srv = await startOpsServer({
    models: TIERS.map((t) => t.model),
    answer: (model) => plan.get(model)?.shift() ?? { content: `{"from": "${model}"}` },
  });
});
after(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function fresh(extra: Partial<ConstructorParameters<typeof FleetProvider>[0]> = {}, cfg: FleetConfig = config()): FleetProvider {
  plan.clear();
  srv.fake.requests.length = 0;
  srv.loaded.clear();
  srv.loadErrors.clear();
  return new FleetProvider({ config: cfg, statePath: join(dir, `state-${n++}.json`), host: srv.url, sleep: async () => undefined, ...extra });
}
const ask = (f: FleetProvider) => f.chat({ messages: [{ role: 'user', content: 'q' }] });
const chats = () => srv.fake.requests.filter((r) => r.path === '/api/chat');
const chatModels = () => chats().map((r) => (r.body as { model: string }).model);

test('oom matcher: every string of the issue matches case-insensitively, in any case and inside longer text; ordinary errors do not', () => {
  for (const s of ISSUE_STRINGS) {
    assert.ok(matchOom(`prefix: ${s.toUpperCase()} (suffix)`), s);
    assert.ok(matchOom(s.toLowerCase()), s);
  }
  for (const s of ['model requires more system memory (9.1 GiB) than is available (4.2 GiB)', 'llama-server reported out-of-memory during startup', 'unable to load full model on GPU']) assert.ok(matchOom(s), s);
  assert.equal(OOM_PATTERNS.length >= ISSUE_STRINGS.length, true);
  for (const s of ['invalid format', 'model "x" not found, try pulling it first', 'context deadline exceeded', 'server busy']) assert.equal(matchOom(s), undefined, s);
  assert.equal(isOomError(new Error('wrapped', { cause: new Error('cudaMalloc failed: out of memory') })), true);
  assert.equal(isOomError(new LlmError('http', 'HTTP 500: boom', 500, true)), false);
});

test('fleet: three consecutive OOMs (HTTP 500 bodies) step down exactly one tier; the request is answered by the next tier; the model is unloaded', async () => {
  const f = fresh();
  plan.set('big:8b', [OOM_500, OOM_500, OOM_500]);
  const r = await ask(f);
  assert.equal(r.model, 'mid:3b');
  assert.equal(r.answer, '{"from": "mid:3b"}');
  assert.equal(r.attempts, 4);
  assert.deepEqual(chatModels(), ['big:8b', 'big:8b', 'big:8b', 'mid:3b']);
  assert.equal(f.state.tierIndex, 1);
  assert.equal(f.state.consecutiveOoms, 0);
  assert.equal(f.state.totalOoms, 3);
  assert.equal(f.state.history.length, 1);
  const h = f.state.history[0]!;
  assert.equal(h.kind, 'downgrade');
  assert.equal(h.fromModel, 'big:8b');
  assert.equal(h.toModel, 'mid:3b');
  assert.match(h.reason, /3 consecutive OOM-class errors on big:8b; last: .*CUDA error: out of memory/);
  const unload = srv.fake.requests.find((q) => q.path === '/api/generate' && (q.body as { keep_alive?: unknown }).keep_alive === 0);
  assert.equal((unload?.body as { model: string }).model, 'big:8b');
  // num_ctx is the tier's
  const sent = chats().map((q) => (q.body as { options: { num_ctx: number } }).options.num_ctx);
  assert.deepEqual(sent, [8192, 8192, 8192, 4096]);
  // persisted: a new fleet on the same file starts on the mid tier
  const again = new FleetProvider({ config: config(), statePath: f.statePath, host: srv.url });
  assert.equal(again.model, 'mid:3b');
  assert.equal(fleetStatus(f.statePath, config()).lastChange?.kind, 'downgrade');
});

test('fleet: two OOMs then a success reset the count; the tier stays', async () => {
  const f = fresh();
  plan.set('big:8b', [OOM_500, OOM_500, { content: 'ok1' }, OOM_500, OOM_500, { content: 'ok2' }]);
  assert.equal((await ask(f)).answer, 'ok1');
  assert.equal(f.state.consecutiveOoms, 0);
  assert.equal((await ask(f)).answer, 'ok2');
  assert.equal(f.state.tierIndex, 0);
  assert.equal(f.state.totalOoms, 4);
  assert.equal(f.state.history.length, 0);
});

test('fleet: OOM-class wordings of other versions count too; a non-OOM 500 is retried without counting; a 400 fails at once', async () => {
  const f = fresh();
  plan.set('big:8b', [{ status: 500, error: 'model requires more system memory (9.1 GiB) than is available (4.2 GiB)' }, { status: 503, error: 'server busy, please try again. maximum pending requests exceeded' }, { status: 500, error: 'cudaMalloc failed: out of memory' }, { content: 'fine' }]);
  const r = await ask(f);
  assert.equal(r.answer, 'fine');
  assert.equal(f.state.totalOoms, 2);
  assert.equal(f.state.tierIndex, 0);
  plan.set('big:8b', [{ status: 400, error: 'invalid options' }]);
  await assert.rejects(ask(f), (e: unknown) => e instanceof LlmError && e.status === 400);
  assert.equal(f.state.totalOoms, 2);
});

test('fleet: OOM on the last tier ends with a clear error; counts are kept', async () => {
  const f = fresh();
  for (const t of TIERS) plan.set(t.model, [OOM_500, OOM_500, OOM_500]);
  await assert.rejects(ask(f), (e: unknown) => e instanceof LlmError && /every fleet tier is out of memory.*tiny:1b/.test(e.message));
  assert.equal(f.state.tierIndex, 2);
  assert.equal(f.state.history.filter((h) => h.kind === 'downgrade').length, 2);
  assert.equal(f.state.totalOoms, 9);
});

test('fleet: an OOM line in the configured server log counts when the API error does not say it', async () => {
  const log = join(dir, 'server.log');
  writeFileSync(log, 'time=... level=INFO msg="starting"\n');
  const f = fresh({}, config({ serverLog: log }));
  plan.set('big:8b', [{ status: 500, error: 'llama runner process has terminated: exit status 2' }, { content: 'ok' }]);
  appendFileSync(log, 'time=... level=WARN msg="gpu VRAM usage didn\'t recover within timeout" seconds=5.2\n');
  assert.equal((await ask(f)).answer, 'ok');
  assert.equal(f.state.totalOoms, 1);
  assert.match(f.state.lastErrors[0]!.message, /server log: .*VRAM usage didn't recover/);
});

test('fleet: cool-down and upgrade with a fake clock; an upgrade needs free VRAM; a failed load (stream error line, status 200) keeps the tier', async () => {
  let now = Date.parse('2026-12-02T00:00:00Z');
  let free: number | undefined = 1.0;
  const f = fresh({ now: () => now, freeVramGb: () => free });
  plan.set('big:8b', [OOM_500, OOM_500, OOM_500]);
  await ask(f);
  assert.equal(f.state.tierIndex, 1);
  now += 59_999; // cool-down is 60 s
  assert.equal(await f.maybeUpgrade(), 'not_due');
  now += 1;
  // 1.0 free + 2 (mid frees) < 5 + 1 headroom
  assert.equal(await f.maybeUpgrade(), 'not_due');
  free = 4.5;
  srv.loadErrors.set('big:8b', 'llama runner process has terminated: cudaMalloc failed: out of memory');
  assert.equal(await f.maybeUpgrade(), 'failed');
  assert.equal(f.state.tierIndex, 1);
  const last = f.state.history[f.state.history.length - 1]!;
  assert.equal(last.kind, 'upgrade_failed');
  assert.match(last.reason, /big:8b did not load: .*cudaMalloc failed/);
  // a failed try starts a new cool-down
  now += 30_000;
  assert.equal(await f.maybeUpgrade(), 'not_due');
  now += 30_000;
  srv.loadErrors.clear();
  const r = await ask(f); // chat upgrades first, then answers on the big tier
  assert.equal(r.model, 'big:8b');
  assert.equal(f.state.tierIndex, 0);
  assert.equal(f.state.history[f.state.history.length - 1]!.kind, 'upgrade');
  assert.ok(srv.loaded.has('big:8b'), 'the larger model was loaded before moving');
  // CPU only (no GPU reading): allowed after the cool-down
  plan.set('big:8b', [OOM_500, OOM_500, OOM_500]);
  await ask(f);
  free = undefined;
  now += 60_000;
  assert.equal(await f.maybeUpgrade(), 'upgraded');
  assert.match(f.state.history[f.state.history.length - 1]!.reason, /no GPU reading/);
});

test('fleet: partial offload (size_vram < size in /api/ps) is degraded and reported', async () => {
  const f = fresh();
  await ask(f);
  assert.equal(f.state.degraded, false);
  srv.loaded.set('big:8b', { size: 6_000_000_000, size_vram: 3_300_000_000 });
  assert.equal(await f.checkDegraded(true), true);
  assert.match(f.state.degradedDetail!, /big:8b: 3\.3 of 6\.0 GB in VRAM \(55%\)/);
  const s = fleetStatus(f.statePath, config());
  assert.equal(s.degraded, true);
  srv.loaded.set('big:8b', { size: 6_000_000_000, size_vram: 6_000_000_000 });
  assert.equal(await f.checkDegraded(true), false);
});

test('fleet: manual downgrade and reset are recorded; config validation names the field', async () => {
  const f = fresh();
  assert.equal(await f.downgrade('operator asked'), true);
  assert.equal(f.model, 'mid:3b');
  f.reset('new GPU');
  assert.equal(f.model, 'big:8b');
  assert.deepEqual(f.state.history.map((h) => h.kind), ['manual', 'reset']);
  assert.throws(() => resolveFleetConfig({ tiers: TIERS, oomTreshold: 3 }, 'model_fleet.json'), /model_fleet\.json: oomTreshold: unknown key/);
  assert.throws(() => resolveFleetConfig({ tiers: [{ ...TIERS[0], numCtx: 100 }] }, 'f.json'), /f\.json: tiers\[0\]\.numCtx: expected an integer >= 256/);
  assert.throws(() => new FleetProvider({ config: resolveFleetConfig({ tiers: [{ ...TIERS[0], provider: 'vllm' }] }), statePath: join(dir, 'x.json') }), /provider kind "vllm" is not registered \(known: ollama, llama-cpp/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ version: 1, seq: 1, tierIndex: -1 }));
  assert.throws(() => fleetStatus(bad, config()), /bad\.json: field "tierIndex"/);
});

test('fleet state file: kill -9 at random moments always leaves a complete, valid file whose seq never goes back', async () => {
  const path = join(dir, 'killed.json');
  let lastSeq = -1;
  let rng = 12345;
  const rand = () => ((rng = (rng * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 6; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers', 'fleet-writer.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    // wait for the child to start writing, then kill it after a random delay
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 5 + Math.floor(rand() * 120)));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const text = readFileSync(path, 'utf8');
    const st = validateFleetState(JSON.parse(text), path);
    assert.ok(st.seq >= lastSeq, `seq went back: ${st.seq} < ${lastSeq}`);
    assert.equal(st.model, TIERS[st.tierIndex]!.model, 'tier and model agree (no half state)');
    assert.ok(st.history.every((h) => h.toModel === TIERS[h.to]!.model));
    lastSeq = st.seq;
  }
  assert.ok(lastSeq > 6, `the writers wrote (${lastSeq} writes)`);
});
