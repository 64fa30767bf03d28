import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { OllamaProvider, OpenAICompatibleProvider, LlmError } from '../lib/llm/index.js';
import { FakeOllama } from './helpers/fake-ollama.js';

const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
const fast = { retries: 2, baseMs: 1, maxMs: 2 };

let fake: FakeOllama;
let host: string;
before(async () => {
  fake = new FakeOllama({ models: ['qwen2.5:7b', 'deepseek-r1:8b'] });
  host = await fake.start();
});
after(async () => fake.stop());

function reset(): void {
  fake.script.length = 0;
  fake.requests.length = 0;
  fake.fallback = undefined;
}

test('ollama: structured chat sends format schema, temperature, seed, num_ctx through the real client', async () => {
  reset();
  fake.script.push({ content: '{"name": "mom_20"}' });
  const p = new OllamaProvider({ host, model: 'qwen2.5:7b', retry: fast });
  const r = await p.chat({ messages: [{ role: 'user', content: 'hi' }], schema, temperature: 0.3, seed: 7, numCtx: 8192, maxTokens: 500 });
  assert.deepEqual(r.json, { name: 'mom_20' });
  assert.equal(r.attempts, 1);
  assert.equal(r.provider, 'ollama');
  const req = fake.chatRequests()[0]!.body as Record<string, any>;
  assert.equal(req.model, 'qwen2.5:7b');
  assert.equal(req.stream, false);
  assert.deepEqual(req.format, schema);
  assert.deepEqual(req.options, { temperature: 0.3, seed: 7, num_ctx: 8192, num_predict: 500 });
  assert.deepEqual(req.messages, [{ role: 'user', content: 'hi' }]);
});

test('ollama: <think> reasoning is kept apart and the answer parsed; server thinking field too', async () => {
  reset();
  fake.script.push({ content: '<think>momentum decays after 12 months</think>\n{"name": "rev_5"}' });
  fake.script.push({ content: '{"name": "x"}', thinking: 'separate reasoning' });
  const p = new OllamaProvider({ host, model: 'deepseek-r1:8b', retry: fast });
  const r = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema });
  assert.equal(r.thinking, 'momentum decays after 12 months');
  assert.deepEqual(r.json, { name: 'rev_5' });
  const r2 = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema });
  assert.equal(r2.thinking, 'separate reasoning');
  assert.deepEqual(r2.json, { name: 'x' });
});

test('ollama: malformed JSON gives jsonError, not a throw', async () => {
  reset();
  fake.script.push({ content: '{"name": "broken"' });
  const p = new OllamaProvider({ host, model: 'qwen2.5:7b', retry: fast });
  const r = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema });
  assert.equal(r.json, undefined);
  assert.match(r.jsonError!, /not valid JSON/);
});

test('ollama: 500s are retried with backoff, then succeed; persistent 500 fails after retries', async () => {
  reset();
  fake.script.push({ status: 500, error: 'llama runner process has terminated' }, { status: 503, error: 'busy' }, { content: '{"name":"ok"}' });
  const p = new OllamaProvider({ host, model: 'qwen2.5:7b', retry: fast });
  const r = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema });
  assert.deepEqual(r.json, { name: 'ok' });
  assert.equal(r.attempts, 3);
  assert.equal(fake.chatRequests().length, 3);
  reset();
  fake.fallback = () => ({ status: 500, error: 'boom' });
  await assert.rejects(p.chat({ messages: [{ role: 'user', content: 'q' }] }), (e: unknown) => e instanceof LlmError && e.code === 'http' && e.status === 500 && /boom/.test(e.message));
  assert.equal(fake.chatRequests().length, 3, 'one try + 2 retries');
});

test('ollama: 400 is not retried', async () => {
  reset();
  fake.script.push({ status: 400, error: 'invalid format' });
  const p = new OllamaProvider({ host, model: 'qwen2.5:7b', retry: fast });
  await assert.rejects(p.chat({ messages: [{ role: 'user', content: 'q' }] }), (e: unknown) => e instanceof LlmError && e.status === 400 && !e.retryable);
  assert.equal(fake.chatRequests().length, 1);
});

test('ollama: a hung server times out per attempt and is retried', async () => {
  reset();
  fake.script.push({ hang: true }, { content: '{"name":"late"}' });
  const p = new OllamaProvider({ host, model: 'qwen2.5:7b', timeoutMs: 150, retry: fast });
  const r = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema });
  assert.deepEqual(r.json, { name: 'late' });
  assert.equal(r.attempts, 2);
  reset();
  fake.fallback = () => ({ hang: true });
  const p0 = new OllamaProvider({ host, model: 'qwen2.5:7b', timeoutMs: 100, retry: { retries: 0 } });
  await assert.rejects(p0.chat({ messages: [{ role: 'user', content: 'q' }] }), (e: unknown) => e instanceof LlmError && e.code === 'timeout' && /within 100 ms/.test(e.message));
});

test('ollama: a dropped connection is retried', async () => {
  reset();
  fake.script.push({ destroy: true }, { content: '{"name":"again"}' });
  const p = new OllamaProvider({ host, model: 'qwen2.5:7b', retry: fast });
  const r = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema });
  assert.equal(r.attempts, 2);
});

test('ollama: unknown model gives model_missing with the ollama pull command (check and chat)', async () => {
  reset();
  const p = new OllamaProvider({ host, model: 'llama3.1:8b', retry: fast });
  await assert.rejects(p.check(), (e: unknown) => e instanceof LlmError && e.code === 'model_missing' && /ollama pull llama3\.1:8b/.test(e.message) && /qwen2\.5:7b/.test(e.message));
  await assert.rejects(p.chat({ messages: [{ role: 'user', content: 'q' }] }), (e: unknown) => e instanceof LlmError && e.code === 'model_missing' && /ollama pull llama3\.1:8b/.test(e.message));
  assert.equal(fake.chatRequests().length, 1, 'a missing model is not retried');
  await new OllamaProvider({ host, model: 'qwen2.5:7b' }).check();
  assert.deepEqual(await new OllamaProvider({ host }).listModels(), ['qwen2.5:7b', 'deepseek-r1:8b']);
});

test('ollama: no server gives unreachable with how to start one', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const p = new OllamaProvider({ host: `http://127.0.0.1:${port}`, model: 'qwen2.5:7b', retry: { retries: 1, baseMs: 1 } });
  await assert.rejects(p.check(), (e: unknown) => e instanceof LlmError && e.code === 'unreachable' && /ollama serve/.test(e.message) && /--provider offline/.test(e.message));
  await assert.rejects(p.chat({ messages: [{ role: 'user', content: 'q' }] }), (e: unknown) => e instanceof LlmError && e.code === 'unreachable' && /ECONNREFUSED/.test(e.message));
});

test('openai-compatible: same server via /v1, json_schema response_format, key never in errors', async () => {
  reset();
  const key = 'sk-test-secret-1234567890';
  fake.script.push({ content: '<think>hmm</think>{"name":"oa"}' });
  const p = new OpenAICompatibleProvider({ baseUrl: `${host}/v1`, model: 'qwen2.5:7b', apiKey: key, retry: fast });
  assert.doesNotMatch(JSON.stringify(p), /sk-test/);
  const r = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema, seed: 3, temperature: 0 });
  assert.deepEqual(r.json, { name: 'oa' });
  assert.equal(r.thinking, 'hmm');
  const body = fake.chatRequests()[0]!.body as Record<string, any>;
  assert.equal(body.response_format.type, 'json_schema');
  assert.deepEqual(body.response_format.json_schema.schema, schema);
  assert.equal(body.seed, 3);
  reset();
  fake.script.push({ status: 500, error: `internal ${key}` }, { content: '{"name":"r"}' });
  assert.equal((await p.chat({ messages: [{ role: 'user', content: 'q' }], schema })).attempts, 2);
  await assert.rejects(new OpenAICompatibleProvider({ baseUrl: `${host}/v1`, model: 'nope', apiKey: key }).check(), (e: unknown) => e instanceof LlmError && e.code === 'model_missing' && !e.message.includes(key));
  reset();
  fake.script.push({ status: 400, error: `bad request echo ${key}` });
  await assert.rejects(p.chat({ messages: [{ role: 'user', content: 'q' }] }), (e: unknown) => e instanceof LlmError && !e.message.includes(key) && e.message.includes('[redacted]'));
  assert.throws(() => new OpenAICompatibleProvider({ baseUrl: 'https://api.example.com/v1', apiKey: '' }), /OPENAI_API_KEY/);
});

test('the scripted server speaks /api/generate, /api/ps and /api/show the way the real client reads them', async () => {
  reset();
  const { Ollama } = await import('ollama');
  const client = new Ollama({ host });
  fake.script.push({ content: 'plain completion', thinking: 'why' });
  const g = await client.generate({ model: 'qwen2.5:7b', prompt: 'hi', stream: false });
  assert.equal(g.response, 'plain completion');
  assert.equal(g.done, true);
  const ps = await client.ps();
  assert.deepEqual(ps.models.map((m) => m.name), ['qwen2.5:7b']);
  const show = await client.show({ model: 'deepseek-r1:8b' });
  assert.equal(show.details.quantization_level, 'Q4_K_M');
  await assert.rejects(client.show({ model: 'nope:1b' }), (e: unknown) => (e as { status_code?: number }).status_code === 404);
  assert.deepEqual(fake.requests.map((r) => r.path), ['/api/generate', '/api/ps', '/api/show', '/api/show']);
});
