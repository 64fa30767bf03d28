/**
 * The Anthropic provider through the official @anthropic-ai/sdk client,
 * against a scripted local server speaking the Messages API
 * (test/helpers/fake-anthropic.ts). Exercised: request shape (forced tool with
 * the schema as input_schema, or output_config.format), answer parsing and
 * schema check, retries (529/5xx/429 retried, 401/400 not), model check,
 * errors, and that the key never leaves the auth header. Not exercised:
 * the real api.anthropic.com.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { HYPOTHESIS_SCHEMA, openKnowledgeBase, research } from '../lib/agent/index.js';
import { ANTHROPIC_ANSWER_TOOL, AnthropicProvider, LlmError } from '../lib/llm/index.js';
import { FakeAnthropic, type AnthropicReply, type AnthropicRequest } from './helpers/fake-anthropic.js';

const SCHEMA = HYPOTHESIS_SCHEMA as unknown as Record<string, unknown>;
const KEY = 'sk-ant-test-0123456789abcdef-SECRET';
const fast = { retries: 3, sleep: async () => undefined };

const HYPOTHESIS = {
  decision: 'new',
  decision_reason: 'start with short-term reversal',
  parent_id: null,
  name: 'reversal_5',
  category: 'mean_reversion',
  rationale: 'losers of the last week rebound as liquidity providers are paid',
  expressions: ['-1 * ts_delta(close, 5)'],
  expected_sign: 1,
  params: { delay: 1, decay: 2, neutralization: 'market', truncation: 0.05 },
};
const toolBlock = (input: unknown) => ({ type: 'tool_use', id: 'toolu_1', name: ANTHROPIC_ANSWER_TOOL, input });
const toolUse = (input: unknown): AnthropicReply => ({ content: [toolBlock(input)] });

/** The key as the client sent it: `x-api-key` or, as this SDK version does, `Authorization: Bearer`. */
const authOf = (r: AnthropicRequest) => (r.headers['x-api-key'] as string | undefined) ?? r.headers.authorization?.replace(/^Bearer /, '');

let server: FakeAnthropic | undefined;
async function serve(script: AnthropicReply[], models?: string[]): Promise<{ fake: FakeAnthropic; url: string }> {
  server = new FakeAnthropic(script, models);
  return { fake: server, url: await server.start() };
}
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('Anthropic provider against a scripted Messages API', () => {
  it('structured output by a forced tool: request shape, parsed answer, token usage, key only in the auth header', async () => {
    const { fake, url } = await serve([{ content: [{ type: 'thinking', thinking: 'reversal is robust', signature: 'sig' }, { type: 'text', text: 'Here it is.' }, toolBlock(HYPOTHESIS)], usage: { input_tokens: 2345, output_tokens: 210 } }]);
    const p = new AnthropicProvider({ baseUrl: url, apiKey: KEY, model: 'claude-test-1', retry: fast });
    const res = await p.chat({ messages: [{ role: 'system', content: 'S1' }, { role: 'system', content: 'S2' }, { role: 'user', content: 'propose' }], schema: SCHEMA, temperature: 0.7, maxTokens: 1000 });
    assert.deepEqual(res.json, HYPOTHESIS);
    assert.equal(res.jsonError, undefined);
    assert.equal(res.thinking, 'reversal is robust');
    assert.deepEqual(res.usage, { promptTokens: 2345, completionTokens: 210 });
    assert.equal(res.attempts, 1);
    assert.equal(res.provider, 'anthropic');
    const req = fake.requests[0]!;
    assert.equal(req.path, '/v1/messages');
    assert.equal(authOf(req), KEY);
    assert.ok(req.headers['anthropic-version'], 'API version header sent');
    const b = req.body as { model: string; system: string; messages: unknown[]; max_tokens: number; temperature: number; tools: { name: string; input_schema: unknown }[]; tool_choice: unknown };
    assert.equal(b.model, 'claude-test-1');
    assert.equal(b.system, 'S1\n\nS2');
    assert.deepEqual(b.messages, [{ role: 'user', content: 'propose' }]);
    assert.equal(b.max_tokens, 1000);
    assert.equal(b.temperature, 0.7);
    assert.deepEqual(b.tools[0]!.input_schema, SCHEMA);
    assert.deepEqual(b.tool_choice, { type: 'tool', name: ANTHROPIC_ANSWER_TOOL });
    for (const s of [JSON.stringify(res), JSON.stringify(p), String(p.baseUrl)]) assert.ok(!s.includes(KEY), 'key not in results or descriptions');
  });

  it('a tool input that breaks the schema comes back with jsonError naming the field (the caller repairs)', async () => {
    const { url } = await serve([toolUse({ ...HYPOTHESIS, params: { ...HYPOTHESIS.params, delay: 3 } })]);
    const res = await new AnthropicProvider({ baseUrl: url, apiKey: KEY, retry: fast }).chat({ messages: [{ role: 'user', content: 'x' }], schema: SCHEMA });
    assert.match(res.jsonError ?? '', /\$\.params\.delay: 3 > maximum 1/);
  });

  it('output_format mode sends output_config.format and parses the text answer', async () => {
    const { fake, url } = await serve([{ content: [{ type: 'text', text: JSON.stringify(HYPOTHESIS) }] }]);
    const res = await new AnthropicProvider({ baseUrl: url, apiKey: KEY, structured: 'output_format', retry: fast }).chat({ messages: [{ role: 'user', content: 'x' }], schema: SCHEMA });
    assert.deepEqual(res.json, HYPOTHESIS);
    const b = fake.requests[0]!.body as { output_config: unknown; tools?: unknown };
    assert.deepEqual(b.output_config, { format: { type: 'json_schema', schema: SCHEMA } });
    assert.equal(b.tools, undefined);
  });

  it('retries 529 overloaded, 500 and 429 with backoff, then succeeds; attempts counted', async () => {
    const { fake, url } = await serve([
      { status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { status: 500, type: 'api_error', message: 'Internal' },
      { status: 429, type: 'rate_limit_error', message: 'slow down' },
      toolUse(HYPOTHESIS),
    ]);
    const waits: number[] = [];
    const res = await new AnthropicProvider({ baseUrl: url, apiKey: KEY, retry: { retries: 3, sleep: async (ms) => void waits.push(ms), random: () => 1, baseMs: 100 } }).chat({ messages: [{ role: 'user', content: 'x' }], schema: SCHEMA });
    assert.equal(res.attempts, 4);
    assert.equal(fake.requests.length, 4);
    assert.deepEqual(waits, [100, 200, 400], 'full-jitter backoff with u = 1: base * 2^attempt');
  });

  it('401 is an auth error, not retried, and the message never contains the key', async () => {
    const { fake, url } = await serve([{ status: 401, type: 'authentication_error', message: `invalid x-api-key ${KEY}` }]);
    await assert.rejects(new AnthropicProvider({ baseUrl: url, apiKey: KEY, retry: fast }).chat({ messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof LlmError && e.code === 'auth' && !e.message.includes(KEY) && e.message.includes('[redacted]'));
    assert.equal(fake.requests.length, 1);
  });

  it('400 is final; retries exhausted on 5xx give the last error', async () => {
    const a = await serve([{ status: 400, type: 'invalid_request_error', message: 'max_tokens too large' }]);
    await assert.rejects(new AnthropicProvider({ baseUrl: a.url, apiKey: KEY, retry: fast }).chat({ messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof LlmError && e.code === 'http' && e.status === 400 && !e.retryable);
    assert.equal(a.fake.requests.length, 1);
    await server!.stop();
    const b = await serve([{ status: 503, type: 'api_error', message: 'a' }, { status: 503, type: 'api_error', message: 'b' }]);
    await assert.rejects(new AnthropicProvider({ baseUrl: b.url, apiKey: KEY, retry: { retries: 1, sleep: async () => undefined } }).chat({ messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof LlmError && e.status === 503 && /"message":"b"/.test(e.message));
  });

  it('check: a known model passes, an unknown one is model_missing; no server is unreachable; no key for a remote URL is refused', async () => {
    const { url } = await serve([], ['claude-test-1']);
    await new AnthropicProvider({ baseUrl: url, apiKey: KEY, model: 'claude-test-1', retry: fast }).check();
    await assert.rejects(new AnthropicProvider({ baseUrl: url, apiKey: KEY, model: 'claude-nope', retry: fast }).check(), (e: unknown) => e instanceof LlmError && e.code === 'model_missing' && e.message.includes('claude-nope'));
    await assert.rejects(new AnthropicProvider({ baseUrl: 'http://127.0.0.1:9', apiKey: KEY, retry: { retries: 0 } }).chat({ messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof LlmError && e.code === 'unreachable' && e.retryable);
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      assert.throws(() => new AnthropicProvider({ baseUrl: 'https://api.anthropic.com' }), /set ANTHROPIC_API_KEY in the environment or in \.env/);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

describe('research loop with -p anthropic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-anthropic-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the key from ANTHROPIC_API_KEY reaches only the auth header; the trial is tested and stored with token usage; no key in the store', async () => {
    const { fake, url } = await serve([toolUse(HYPOTHESIS)], ['claude-sonnet-4-6']);
    const saved = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = KEY;
    const dbPath = join(dir, 'kb.duckdb');
    try {
      const s = await research({ provider: 'anthropic', model: 'claude-sonnet-4-6', baseUrl: url, iterations: 1, dbPath, strategiesDir: join(dir, 'strategies'), log: () => undefined });
      assert.equal(s.provider, 'anthropic');
      assert.equal(s.tested, 1, s.stopReason);
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
    assert.ok(fake.requests.every((r) => authOf(r) === KEY));
    const kb = await openKnowledgeBase(dbPath);
    try {
      const [h] = await kb.all();
      assert.equal(h!.provider, 'anthropic');
      assert.equal(h!.expressions[0], '-1 * ts_delta(close, 5)');
      assert.ok(h!.status === 'validated' || h!.status === 'failed');
      const calls = await kb.modelCalls();
      assert.deepEqual(calls[0]!.usage, { promptTokens: 1200, completionTokens: 150 });
      // the secret grep: no table of the store holds the key
      for (const t of ['kb_runs', 'kb_hypotheses', 'kb_model_calls', 'kb_failures', 'kb_evaluations']) {
        const rows = await kb.db.all(`SELECT * FROM ${t}`);
        assert.ok(!JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)).includes(KEY), `key found in ${t}`);
      }
    } finally {
      kb.close();
    }
  });
});
