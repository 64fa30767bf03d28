import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitThinking, parseJsonAnswer, parseDotEnv, maskSecret, redact, backoffMs, withRetry, LlmError } from '../lib/llm/index.js';

test('splitThinking: separates deepseek-r1 <think> blocks from the answer', () => {
  const r = splitThinking('<think>\nIC of momentum is...\n</think>\n\n{"a":1}');
  assert.equal(r.thinking, 'IC of momentum is...');
  assert.equal(r.answer, '{"a":1}');
  const two = splitThinking('x <think>a</think> y <think>b</think> z');
  assert.equal(two.thinking, 'a\n\nb');
  assert.equal(two.answer, 'x  y  z');
});

test('splitThinking: unclosed block (cut by token limit) and stray closing tag', () => {
  assert.deepEqual(splitThinking('{"a":1}<think>still thinking'), { thinking: 'still thinking', answer: '{"a":1}' });
  assert.deepEqual(splitThinking('reasoning from template</think>{"b":2}'), { thinking: 'reasoning from template', answer: '{"b":2}' });
  assert.deepEqual(splitThinking('plain'), { thinking: '', answer: 'plain' });
});

test('parseJsonAnswer: whole, fenced, embedded, and failure with the parser message', () => {
  assert.deepEqual(parseJsonAnswer('{"x": [1, 2]}'), { ok: true, value: { x: [1, 2] } });
  assert.deepEqual(parseJsonAnswer('Here:\n```json\n{"x": 3}\n```\nthanks'), { ok: true, value: { x: 3 } });
  assert.deepEqual(parseJsonAnswer('Sure! {"s": "a}b", "n": {"m": 1}} done'), { ok: true, value: { s: 'a}b', n: { m: 1 } } });
  const bad = parseJsonAnswer('{"x": 1,,}');
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /not valid JSON/);
  assert.equal(parseJsonAnswer('   ').ok, false);
});

test('parseDotEnv: quotes, export, comments; bad line names the line', () => {
  const env = parseDotEnv('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=plain # trailing\n\n');
  assert.deepEqual(env, { A: '1', B: 'two words', C: 'x#y', D: 'plain' });
  assert.throws(() => parseDotEnv('A=1\nnot a line', 'my.env'), /my\.env:2: expected KEY=value/);
});

test('maskSecret / redact never reveal more than 3 characters of a key', () => {
  const key = 'sk-abcdefghijklmnopqrstuvwxyz';
  assert.equal(maskSecret(key), `sk-…(${key.length} chars)`);
  assert.equal(maskSecret(undefined), '(none)');
  assert.equal(redact(`401 bad key ${key} for ${key}`, [key]), '401 bad key [redacted] for [redacted]');
});

test('backoff: full jitter, doubling and capped', () => {
  assert.equal(backoffMs(0, 100, 1000, 0.5), 50);
  assert.equal(backoffMs(3, 100, 1000, 0.5), 400);
  assert.equal(backoffMs(10, 100, 1000, 0.999), 999);
});

test('withRetry retries only retryable LlmErrors, up to the limit', async () => {
  const waits: number[] = [];
  let calls = 0;
  const r = await withRetry(
    async () => {
      calls++;
      if (calls < 3) throw new LlmError('http', 'HTTP 500', 500, true);
      return 'ok';
    },
    { retries: 3, baseMs: 10, sleep: async (ms) => void waits.push(ms), random: () => 1 },
  );
  assert.deepEqual(r, { value: 'ok', attempts: 3 });
  assert.deepEqual(waits, [10, 20]);
  let n = 0;
  await assert.rejects(withRetry(async () => { n++; throw new LlmError('model_missing', 'no model'); }, { sleep: async () => {} }), /no model/);
  assert.equal(n, 1);
  n = 0;
  await assert.rejects(withRetry(async () => { n++; throw new LlmError('timeout', 't', undefined, true); }, { retries: 2, sleep: async () => {} }), /t/);
  assert.equal(n, 3);
});

test('envSetting: process environment first, then .env in the given folder; empty counts as unset', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { envSetting } = await import('../lib/llm/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'llm-env-'));
  try {
    writeFileSync(join(dir, '.env'), 'ALPHALAB_TEST_KEY=from-file\nALPHALAB_TEST_EMPTY=\n');
    delete process.env.ALPHALAB_TEST_KEY;
    assert.equal(envSetting('ALPHALAB_TEST_KEY', dir), 'from-file');
    process.env.ALPHALAB_TEST_KEY = 'from-env';
    assert.equal(envSetting('ALPHALAB_TEST_KEY', dir), 'from-env');
    assert.equal(envSetting('ALPHALAB_TEST_EMPTY', dir), undefined);
    assert.equal(envSetting('ALPHALAB_TEST_MISSING', join(dir, 'nope')), undefined);
  } finally {
    delete process.env.ALPHALAB_TEST_KEY;
    rmSync(dir, { recursive: true, force: true });
  }
});
