/**
 * Issue 19, defects 5, 9 and 11: model replies are bounded (the read is aborted
 * past maxReplyBytes; stored text and repair context are truncated), URL
 * credentials go into an Authorization header and never into a message, and
 * every failed model call attempt is recorded in kb_model_calls.
 * All traffic goes to scripted servers on 127.0.0.1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { OllamaProvider, OpenAICompatibleProvider, LlmError, redactUrlCredentials, splitUrlCredentials, truncateText, DEFAULT_LLM_LIMITS } from '../lib/llm/index.js';
import { KnowledgeBase, LlmProposer, exprGrammar, chooseProposer } from '../lib/agent/index.js';
import { FakeOllama } from './helpers/fake-ollama.js';

let fake: FakeOllama;
let host: string;
let dir: string;
before(async () => {
  fake = new FakeOllama({ models: ['qwen2.5:7b'] });
  host = await fake.start();
  dir = mkdtempSync(join(tmpdir(), 'llm-limits-'));
});
after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const FAST = { retries: 2, baseMs: 1, maxMs: 2 };
const answer = JSON.stringify({ decision: 'new', decision_reason: 'x', parent_id: null, name: 'pv', category: 'volume', rationale: 'r', expressions: ['-ts_corr(rank(close), rank(volume), 10)'], expected_sign: 1, params: { delay: 1, decay: 3, neutralization: 'market', truncation: 0.05 } });
let kbN = 0;
async function freshKb(): Promise<KnowledgeBase> {
  return KnowledgeBase.open(await Db.open(join(dir, `kb${kbN++}.duckdb`)));
}
const ctx = (kb: KnowledgeBase) => ({ runId: 'r1', iteration: 1, goal: 'g', datasetSummary: 'toy', fields: ['open', 'high', 'low', 'close', 'volume'], grammar: exprGrammar(), kb });

test('a reply over maxReplyBytes is refused (reply_too_large, not retried) for Ollama and OpenAI-compatible clients', async () => {
  fake.requests.length = 0;
  fake.script.push({ content: 'x'.repeat(3 << 20) }, { content: 'y'.repeat(3 << 20) });
  await assert.rejects(new OllamaProvider({ host, retry: FAST, maxReplyBytes: 1 << 20 }).chat({ messages: [{ role: 'user', content: 'hi' }] }),
    (e: unknown) => e instanceof LlmError && e.code === 'reply_too_large' && !e.retryable && /over the limit of 1048576 bytes/.test(e.message));
  await assert.rejects(new OpenAICompatibleProvider({ baseUrl: `${host}/v1`, model: 'qwen2.5:7b', retry: FAST, maxReplyBytes: 1 << 20 }).chat({ messages: [{ role: 'user', content: 'hi' }] }),
    (e: unknown) => e instanceof LlmError && e.code === 'reply_too_large');
  assert.equal(fake.chatRequests().length, 2, 'one request each: never retried');
  assert.equal(DEFAULT_LLM_LIMITS.maxReplyBytes, 1 << 20);
});

test('a streamed (chunked) reply is cut off: the client stops reading soon after the limit', async () => {
  let sent = 0;
  let closedEarly = false;
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"model":"qwen2.5:7b","message":{"role":"assistant","content":"');
    const chunk = 'z'.repeat(64 << 10);
    const pump = (): void => {
      while (sent < (200 << 20)) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end('"},"done":true}');
    };
    res.on('close', () => (closedEarly = sent < (200 << 20)));
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await assert.rejects(new OllamaProvider({ host: url, retry: { retries: 0 }, maxReplyBytes: 1 << 20 }).chat({ messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof LlmError && e.code === 'reply_too_large');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(closedEarly, 'the connection was closed before the 200 MiB were sent');
    assert.ok(sent < (50 << 20), `server got to send only ${sent} bytes`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('stored text and the repair context are bounded by the limits', async () => {
  const kb = await freshKb();
  fake.requests.length = 0;
  const big = `not json ${'w'.repeat(200_000)}`;
  fake.script.push({ content: big, thinking: 't'.repeat(100_000) }, { content: answer });
  const p = new LlmProposer(new OllamaProvider({ host, retry: FAST }), { maxRepairs: 2, limits: { maxStoredChars: 1000, maxRepairChars: 500 } });
  const r = await p.propose(ctx(kb));
  assert.ok(r.ok);
  const rows = await kb.db.all<{ raw: string; thinking: string }>('SELECT raw, thinking FROM kb_model_calls ORDER BY round');
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.raw, truncateText(big, 1000));
  assert.ok(rows[0]!.raw.length < 1100 && rows[0]!.thinking.length < 1100);
  assert.match(rows[0]!.raw, /truncated: 199009 of 200009 characters not kept/);
  assert.ok(r.thinking.length < 1100, 'the hypothesis keeps bounded reasoning too');
  const second = fake.chatRequests()[1]!.body as { messages: { role: string; content: string }[] };
  const quoted = second.messages.find((m) => m.role === 'assistant')!;
  assert.equal(quoted.content, truncateText(big, 500), 'the repair round quotes at most 500 characters of the answer');
  kb.close();
});

test('every failed attempt (5xx, timeout) is recorded in kb_model_calls with its error, also when the call finally fails', async () => {
  const kb = await freshKb();
  fake.requests.length = 0;
  fake.script.push({ status: 500, error: 'out of memory' }, { hang: true }, { content: answer });
  const p = new LlmProposer(new OllamaProvider({ host, retry: FAST, timeoutMs: 300 }), { maxRepairs: 0 });
  assert.ok((await p.propose(ctx(kb))).ok);
  let rows = await kb.db.all<{ round: number; error: string; raw: string }>('SELECT round, error, raw FROM kb_model_calls ORDER BY created_ms, error');
  assert.equal(rows.length, 3);
  assert.match(rows[0]!.error, /^attempt 1 failed \(http, retried\): .*HTTP 500: out of memory/);
  assert.match(rows[1]!.error, /^attempt 2 failed \(timeout, retried\): .*did not answer within 300 ms/);
  assert.equal(rows[2]!.error, '');
  assert.equal(rows[2]!.raw, answer);
  // All attempts fail: each is recorded, the error propagates.
  await kb.db.exec('DELETE FROM kb_model_calls');
  fake.script.push({ status: 503, error: 'busy' }, { status: 503, error: 'busy' }, { status: 503, error: 'busy' });
  await assert.rejects(p.propose(ctx(kb)), (e: unknown) => e instanceof LlmError && e.status === 503);
  rows = await kb.db.all('SELECT round, error, raw FROM kb_model_calls ORDER BY created_ms, error');
  assert.deepEqual(rows.map((r) => (r.error as string).replace(/:.*/s, '')), ['attempt 1 failed (http, retried)', 'attempt 2 failed (http, retried)', 'attempt 3 failed']);
  assert.match(rows[2]!.error as string, /attempt 3 failed: http: .*HTTP 503: busy/);
  kb.close();
});

test('URL credentials: sent as an Authorization header, never in a message; OpenAI-compatible URLs with credentials are refused clearly', async () => {
  const withCreds = host.replace('http://', 'http://alice:s%40cret-pw@');
  fake.requests.length = 0;
  fake.script.push({ content: 'hello' });
  const prov = new OllamaProvider({ host: withCreds, retry: FAST });
  assert.equal(prov.baseUrl, host);
  assert.equal((await prov.chat({ messages: [{ role: 'user', content: 'hi' }] })).answer, 'hello');
  assert.equal(fake.chatRequests()[0]!.headers['authorization'], `Basic ${Buffer.from('alice:s@cret-pw').toString('base64')}`);
  // An unreachable credentialed server: the message names the address, not the password.
  const dead = 'http://bob:hunter2-secret@127.0.0.1:9';
  await assert.rejects(new OllamaProvider({ host: dead, retry: { retries: 0 }, timeoutMs: 2000 }).check(), (e: Error) => e instanceof LlmError && e.message.includes('http://127.0.0.1:9') && !/hunter2|bob:/.test(e.message));
  const lines: string[] = [];
  const proposer = await chooseProposer({ provider: 'auto', baseUrl: dead, log: (l) => lines.push(l) });
  assert.equal(proposer.usesLanguageModel, false);
  assert.ok(lines.some((l) => /no Ollama server is usable/.test(l)), 'auto says why it falls back');
  assert.ok(lines.every((l) => !/hunter2|bob:/.test(l)), lines.join('\n'));
  assert.throws(() => new OpenAICompatibleProvider({ baseUrl: 'https://carol:topsecret-key@api.example.com/v1' }), (e: Error) => /OPENAI_API_KEY/.test(e.message) && !/topsecret|carol/.test(e.message));
  // The helpers.
  assert.equal(redactUrlCredentials('GET http://u:p@h:1/x failed; see https://a@b/c'), 'GET http://[redacted]@h:1/x failed; see https://[redacted]@b/c');
  assert.deepEqual(splitUrlCredentials('http://h:1'), { url: 'http://h:1' });
});
