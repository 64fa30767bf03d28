/**
 * The in-process GGUF provider, run for real: a tiny llama model with seeded
 * random weights is written by test/helpers/tiny-gguf.ts, loaded by
 * node-llama-cpp (prebuilt CPU llama.cpp) and asked for hypotheses under the
 * schema. What this proves: the GGUF file format, llama.cpp inference in this
 * process, grammar enforcement while decoding (every answer parses and
 * validates whatever the weights prefer), the loop's handling and the
 * model-call log's timings. Not what it proves: the quality of a real
 * model's ideas (the tiny model's expressions are noise and the engine
 * rejects them).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { chooseProposer, HYPOTHESIS_SCHEMA, LlmProposer, openKnowledgeBase, research } from '../lib/agent/index.js';
import { fixedWidthRange, integerRange, jsonSchemaToGbnf, LlamaCppProvider, LlmError, readGgufHeader, resolveGgufSetting, responseText, splitThinking, validateJson } from '../lib/llm/index.js';
import { readLlmSettingsFile } from '../lib/llm/gguf-setting.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { writeTinyLlamaGguf } from './helpers/tiny-gguf.js';

const SCHEMA = HYPOTHESIS_SCHEMA as unknown as Record<string, unknown>;
/** Short strings keep each answer to a couple of hundred tokens (seconds on a loaded CPU). */
const LIMITS = { maxStringLength: 24, maxArrayItems: 3 };

/** GBNF alternatives of {@link integerRange} / {@link fixedWidthRange} as a JS RegExp (they use only "x", [a-b] and {n}). */
function altsToRegExp(alts: readonly string[]): RegExp {
  const one = (a: string) => a.replace(/"([^"]*)"/g, (_m, s: string) => s.replace(/[-.]/g, '\\$&')).replace(/\s+/g, '');
  return new RegExp(`^(?:${alts.map(one).join('|')})$`);
}

let dir: string;
let modelPath: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'alphalab-gguf-'));
  modelPath = join(dir, 'tiny.gguf');
  writeTinyLlamaGguf(modelPath, { seed: 11 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('GGUF file', () => {
  it('the writer output reads back with node-llama-cpp own GGUF parser (metadata, tensor names and dims)', async () => {
    const info = await readGgufFileInfo(modelPath, { readTensorInfo: true });
    assert.equal(info.version, 3);
    const md = info.metadata as unknown as { general: { architecture: string }; llama: { embedding_length: number; block_count: number; attention: { head_count_kv: number } }; tokenizer: { ggml: { tokens: string[]; token_type: number[] } } };
    assert.equal(md.general.architecture, 'llama');
    assert.equal(md.llama.embedding_length, 64);
    assert.equal(md.llama.block_count, 2);
    assert.equal(md.llama.attention.head_count_kv, 2);
    const tokens = md.tokenizer.ggml.tokens;
    assert.equal(tokens[3 + 0x0a], '<0x0A>');
    assert.equal(md.tokenizer.ggml.token_type.filter((t) => t === 6).length, 256, '256 byte-fallback tokens');
    const t = new Map(info.fullTensorInfo!.map((x) => [x.name, x.dimensions.map(Number)]));
    assert.deepEqual(t.get('token_embd.weight'), [64, tokens.length]);
    assert.deepEqual(t.get('blk.1.attn_k.weight'), [64, 32], 'kv heads 2 x head dim 16');
    assert.deepEqual(t.get('blk.0.ffn_down.weight'), [128, 64]);
    assert.deepEqual(t.get('output.weight'), [64, tokens.length]);
    assert.equal(t.size, 3 + 2 * 9);
    const h = readGgufHeader(modelPath);
    assert.deepEqual([h.version, h.tensorCount, h.kvCount], [3, 21, 22]);
  });

  it('a missing file and a file that is not GGUF give errors naming the file', async () => {
    const missing = join(dir, 'nope.gguf');
    assert.throws(() => readGgufHeader(missing), (e: Error) => e.message.includes(missing) && /does not exist/.test(e.message));
    const fake = join(dir, 'model.safetensors');
    writeFileSync(fake, '{"__metadata__": {}}');
    assert.throws(() => readGgufHeader(fake), (e: Error) => e.message.includes(fake) && /not a GGUF model/.test(e.message));
    for (const [path, code] of [
      [missing, 'model_missing'],
      [fake, 'model_invalid'],
    ] as const) {
      const p = new LlamaCppProvider({ modelPath: path });
      await assert.rejects(p.check(), (e: unknown) => e instanceof LlmError && e.code === code && e.message.includes(path));
    }
    assert.throws(() => new LlamaCppProvider({ modelPath: modelPath, contextSize: 0 }), /contextSize must be a positive integer/);
    assert.throws(() => new LlamaCppProvider({ modelPath: '' }), /modelPath/);
  });
});

describe('JSON schema -> GBNF', () => {
  it('integer and fixed-width ranges match exactly the numbers in range (checked against every integer in a window)', () => {
    const cases: [number, number][] = [
      [0, 1],
      [0, 20],
      [7, 7],
      [5, 1000],
      [-37, 412],
      [-250, -3],
      [99, 101],
      [0, 999],
    ];
    for (const [lo, hi] of cases) {
      const re = altsToRegExp(integerRange(lo, hi));
      for (let n = -1100; n <= 1100; n++) assert.equal(re.test(String(n)), n >= lo && n <= hi, `integerRange(${lo}, ${hi}) on ${n}`);
      assert.equal(re.test('007'), false);
    }
    const fw = altsToRegExp(fixedWidthRange('005', '730'));
    for (let n = 0; n < 1000; n++) assert.equal(fw.test(String(n).padStart(3, '0')), n >= 5 && n <= 730);
  });

  it('the hypothesis schema compiles to bounded rules for its ranges and enums; unsupported keywords are named', () => {
    const g = jsonSchemaToGbnf(SCHEMA);
    assert.match(g, /^root ::= /);
    assert.match(g, /params-delay-int ::= \[0-1\]/);
    assert.match(g, /"\\"long_short\\""/);
    assert.match(g, /char\{0,240\}/);
    assert.throws(() => jsonSchemaToGbnf({ type: 'object', properties: { a: { type: 'string', pattern: '^x' } } }), /"pattern" at \$\/a/);
    assert.throws(() => jsonSchemaToGbnf({ type: 'integer', minimum: 3, maximum: 2 }), /no integer/);
  });
});

describe('llama-cpp provider on the tiny model', () => {
  let provider: LlamaCppProvider;
  before(() => {
    provider = new LlamaCppProvider({ modelPath, threads: 1, contextSize: 8192, grammarLimits: LIMITS });
  });
  after(() => provider.dispose());

  it('every answer under the hypothesis schema parses and validates, whatever the random weights say; timings are real', async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 5; seed++) {
      const res = await provider.chat({ messages: [{ role: 'system', content: 'Answer with JSON.' }, { role: 'user', content: `Propose hypothesis number ${seed}.` }], schema: SCHEMA, temperature: 1, seed });
      assert.equal(res.jsonError, undefined, res.raw);
      assert.deepEqual(validateJson(res.json, SCHEMA), [], 'independent validator agrees');
      assert.deepEqual(JSON.parse(res.answer), res.json);
      const u = res.usage!;
      assert.equal(u.loadMs !== undefined, seed === 1, 'load time reported on the call that loaded the model only');
      assert.ok(u.promptTokens! > 0 && u.completionTokens! > 10, JSON.stringify(u));
      assert.ok(u.promptTokensPerSec! > 0 && Number.isFinite(u.promptTokensPerSec!) && u.generationTokensPerSec! > 0 && Number.isFinite(u.generationTokensPerSec!));
      assert.ok(res.durationMs >= u.promptMs! + u.generationMs! - 1);
      seen.add(res.raw);
    }
    assert.ok(seen.size >= 4, 'different seeds sample different answers');
  });

  it('the same seed and prompt give the same answer (sampling is seeded)', async () => {
    const ask = () => provider.chat({ messages: [{ role: 'user', content: 'Same question.' }], schema: SCHEMA, temperature: 0.9, seed: 99 });
    const a = await ask();
    const b = await ask();
    assert.equal(a.raw, b.raw);
  });

  it('without a schema the answer is free text cut at maxTokens', async () => {
    const res = await provider.chat({ messages: [{ role: 'user', content: 'Say anything.' }], maxTokens: 24, seed: 3 });
    assert.equal(res.json, undefined);
    assert.equal(res.jsonError, undefined);
    assert.ok(res.usage!.completionTokens! >= 1 && res.usage!.completionTokens! <= 24, JSON.stringify(res.usage));
  });

  it('thought segments become <think> blocks that splitThinking moves to `thinking`, as for Ollama', () => {
    const raw = responseText([{ type: 'segment', segmentType: 'thought', text: 'momentum decays; try 20 bars' }, '{"name": "x"}']);
    assert.equal(raw, '<think>momentum decays; try 20 bars</think>{"name": "x"}');
    assert.deepEqual(splitThinking(raw), { thinking: 'momentum decays; try 20 bars', answer: '{"name": "x"}' });
    assert.equal(responseText(['a', { type: 'segment', segmentType: 'comment', text: 'b' }]), 'ab');
  });
});

describe('research loop with the tiny model', () => {
  it('records every proposal as a hypothesis, repairs only for engine-rejected expressions, logs real timings', async () => {
    const dbPath = join(dir, 'kb.duckdb');
    const lines: string[] = [];
    const s = await research({ provider: 'llama-cpp', model: modelPath, llamaCpp: { threads: 1, grammarLimits: LIMITS }, iterations: 2, maxConsecutiveFailures: 5, dbPath, strategiesDir: join(dir, 'strategies'), log: (l) => lines.push(l) });
    assert.equal(s.status, 'completed', s.stopReason);
    assert.equal(s.provider, 'llama-cpp');
    assert.equal(s.tried, 2);
    const kb = await openKnowledgeBase(dbPath);
    try {
      const hs = (await kb.all()).filter((h) => h.runId === s.runId);
      assert.equal(hs.length, 2);
      for (const h of hs) {
        assert.equal(h.provider, 'llama-cpp');
        assert.equal(h.model, 'tiny.gguf');
        assert.ok(['failed', 'abandoned', 'validated'].includes(h.status), h.status);
        assert.ok(h.modelMs > 0);
      }
      const calls = await kb.modelCalls(s.runId);
      assert.ok(calls.length >= 2);
      for (const c of calls) {
        const parsed = JSON.parse(c.raw) as unknown;
        assert.deepEqual(validateJson(parsed, SCHEMA), [], `logged answer validates: ${c.raw}`);
        assert.doesNotMatch(c.error, /not valid JSON|does not follow the schema|cut at maxTokens/, 'no repair round is spent on malformed JSON');
        assert.ok(c.usage && c.usage.promptTokens! > 0 && c.usage.completionTokens! > 0 && c.usage.generationTokensPerSec! > 0, JSON.stringify(c.usage));
      }
      assert.ok(calls[0]!.usage!.loadMs! > 0, 'the first call carries the load time');
    } finally {
      kb.close();
    }
  });
});

describe('provider choice and settings', () => {
  const saved = { ...process.env };
  after(() => {
    for (const k of ['ALPHALAB_GGUF', 'ALPHALAB_LLM_SETTINGS']) if (saved[k] === undefined) delete process.env[k];
  });
  const closedPort = 'http://127.0.0.1:9'; // discard port: nothing listens

  it('auto: an Ollama server that has the model wins over a configured GGUF model', async () => {
    const fake = new FakeOllama({ models: ['qwen2.5:7b'] });
    const url = await fake.start();
    process.env.ALPHALAB_GGUF = modelPath;
    try {
      const lines: string[] = [];
      const p = await chooseProposer({ provider: 'auto', baseUrl: url, model: 'qwen2.5:7b', log: (l) => lines.push(l) });
      assert.equal(p.provider, 'ollama');
      assert.match(lines.join('\n'), /Provider \(auto\): Ollama qwen2\.5:7b at http:\/\/127\.0\.0\.1:\d+, because the server answers and has the model/);
    } finally {
      delete process.env.ALPHALAB_GGUF;
      await fake.stop();
    }
  });

  it('auto: no Ollama server and ALPHALAB_GGUF set -> llama-cpp, and the start line says why', async () => {
    process.env.ALPHALAB_GGUF = modelPath;
    const lines: string[] = [];
    const p = await chooseProposer({ provider: 'auto', baseUrl: closedPort, llamaCpp: { threads: 1 }, log: (l) => lines.push(l) });
    assert.ok(p instanceof LlmProposer);
    assert.equal(p.provider, 'llama-cpp');
    assert.match(lines.join('\n'), /Provider \(auto\): llama-cpp in-process with .*tiny\.gguf \(configured by ALPHALAB_GGUF\), because no Ollama server is usable/);
    await (p.llm as LlamaCppProvider).dispose();
  });

  it('auto: ALPHALAB_GGUF naming a file that is not GGUF -> offline, the line names the file; nothing configured -> offline', async () => {
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, 'not a model');
    process.env.ALPHALAB_GGUF = bad;
    const lines: string[] = [];
    const p = await chooseProposer({ provider: 'auto', baseUrl: closedPort, log: (l) => lines.push(l) });
    assert.equal(p.usesLanguageModel, false);
    assert.ok(lines.some((l) => l.includes('offline proposer') && l.includes(bad) && l.includes('not a GGUF model')), lines.join('\n'));
    delete process.env.ALPHALAB_GGUF;
    process.env.ALPHALAB_LLM_SETTINGS = join(dir, 'empty.settings.json');
    writeFileSync(process.env.ALPHALAB_LLM_SETTINGS, '{"llamaCpp": {"threads": 2}}');
    const lines2: string[] = [];
    const q = await chooseProposer({ provider: 'auto', baseUrl: closedPort, log: (l) => lines2.push(l) });
    assert.equal(q.usesLanguageModel, false);
    assert.match(lines2.join('\n'), /offline proposer, because no Ollama server is usable .* and no GGUF model is configured/);
    delete process.env.ALPHALAB_LLM_SETTINGS;
  });

  it('llm.settings.json: relative modelPath resolved against the file, unknown keys and wrong types rejected by name', () => {
    const f = join(dir, 'llm.settings.json');
    writeFileSync(f, JSON.stringify({ llamaCpp: { modelPath: 'tiny.gguf', contextSize: 4096, temperature: 0.2 } }));
    assert.deepEqual(readLlmSettingsFile(f), { modelPath: modelPath, contextSize: 4096, temperature: 0.2 });
    const saveEnv = process.env.ALPHALAB_GGUF;
    delete process.env.ALPHALAB_GGUF;
    assert.deepEqual(resolveGgufSetting(dir), { settings: { modelPath, contextSize: 4096, temperature: 0.2 }, source: f });
    if (saveEnv !== undefined) process.env.ALPHALAB_GGUF = saveEnv;
    writeFileSync(f, JSON.stringify({ llamaCpp: { modelpath: 'x.gguf' } }));
    assert.throws(() => readLlmSettingsFile(f), (e: Error) => e.message.includes(f) && e.message.includes('"llamaCpp.modelpath"'));
    writeFileSync(f, JSON.stringify({ llamaCpp: { contextSize: '8k' } }));
    assert.throws(() => readLlmSettingsFile(f), /"llamaCpp.contextSize" must be an integer/);
    rmSync(f);
  });
});
