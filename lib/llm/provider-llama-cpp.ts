/**
 * In-process chat with a GGUF model file through `node-llama-cpp` (llama.cpp
 * bindings; prebuilt CPU binaries, no server, no download). A requested JSON
 * schema is compiled to a GBNF grammar ({@link jsonSchemaToGbnf}) that
 * llama.cpp applies while sampling, so every answer is JSON that follows the
 * schema: repair rounds are left for what a schema cannot say (an expression
 * the engine rejects), never for malformed JSON.
 *
 * The model loads on the first {@link LlamaCppProvider.check} or chat and
 * stays loaded; calls are serialized on one context sequence, so a repair
 * round re-evaluates only the new turns (llama.cpp reuses the cached prefix).
 * Each result carries {@link ChatUsage}: load time (on the call that loaded),
 * prompt and generated token counts, and tokens/s of each phase, measured by
 * wall clock around the generation (first streamed chunk splits the phases).
 *
 * `<think>`: without a schema, reasoning segments that node-llama-cpp
 * recognizes (deepseek-r1, qwq, qwen3 chat templates) and literal
 * `<think>...</think>` text go to `thinking`, as for Ollama. With a schema the
 * grammar starts at the first answer token, so the model answers directly.
 */
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import type { Llama, LlamaChat, LlamaContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { readGgufHeader } from './gguf.js';
import { jsonSchemaToGbnf, type GrammarLimits } from './json-grammar.js';
import { validateJson } from './json-validate.js';
import { parseJsonAnswer, splitThinking } from './think.js';
import { LlmError, type ChatOptions, type ChatResult, type ChatUsage, type LlmProvider } from './types.js';

/** Settings of a {@link LlamaCppProvider}: a plain object, so config files and the fleet can hold it. */
export interface LlamaCppSettings {
  /** Path of the .gguf model file (required). */
  readonly modelPath: string;
  /** Context window in tokens (prompt + answer). Default 8192. */
  readonly contextSize?: number;
  /** CPU threads for evaluation. Default: min(8, available cores). */
  readonly threads?: number;
  /** Sampling temperature. When set, it wins over the caller's per-call value; otherwise the call's value, else 0.7. */
  readonly temperature?: number;
  /** Sampling seed. When set, it wins over the caller's per-call seed (every call then samples from the same seed). */
  readonly seed?: number;
  /** Most tokens generated per call when the call gives no maxTokens. Default 2048. */
  readonly maxTokens?: number;
  /** Bounds of grammar-constrained values (string length, array items). */
  readonly grammarLimits?: GrammarLimits;
  /** Per-call wall-time limit in ms. Default 600000 (CPU inference of a 7B model is slow). */
  readonly timeoutMs?: number;
  /** Offload to a GPU when node-llama-cpp has a GPU build for this machine ('auto'), or CPU only (false). Default false. */
  readonly gpu?: false | 'auto';
}

/** Defaults of {@link LlamaCppSettings}. */
export const LLAMA_CPP_DEFAULTS = { contextSize: 8192, temperature: 0.7, maxTokens: 2048, timeoutMs: 600_000 } as const;

let llamaCpu: Promise<Llama> | undefined;
let llamaAuto: Promise<Llama> | undefined;

/** The shared llama.cpp binding (loaded once per process; `build: 'never'` uses the prebuilt binaries and never compiles). */
async function loadLlama(gpu: false | 'auto'): Promise<Llama> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const make = () => getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
  if (gpu === false) return (llamaCpu ??= make());
  return (llamaAuto ??= make());
}

/** Whether an error from llama.cpp / node-llama-cpp says memory could not be allocated (node-llama-cpp's InsufficientMemoryError, or llama.cpp's allocation messages). */
function isAllocationFailure(err: unknown): boolean {
  if (err instanceof Error && err.name === 'InsufficientMemoryError') return true;
  const message = err instanceof Error ? err.message : String(err);
  return /failed to allocate|alloc(ation)? failed|out of memory|\boom\b|insufficient memory|not enough memory|VRAM/i.test(message);
}

/**
 * The text of a node-llama-cpp response with its segments: thought segments
 * (reasoning recognized by the chat wrapper) wrapped in `<think>...</think>`,
 * so {@link splitThinking} separates them exactly as for a server's answer.
 */
export function responseText(fullResponse: readonly (string | { readonly type: 'segment'; readonly segmentType: string; readonly text: string })[]): string {
  return fullResponse.map((p) => (typeof p === 'string' ? p : p.segmentType === 'thought' ? `<think>${p.text}</think>` : p.text)).join('');
}

/** A loaded model with its context and chat. */
interface Loaded {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly chat: LlamaChat;
  readonly loadMs: number;
}

/** Chat with a local GGUF model, run in this process by llama.cpp. */
export class LlamaCppProvider implements LlmProvider {
  readonly name = 'llama-cpp' as const;
  /** The file name without its folder (what logs and the knowledge base show). */
  readonly model: string;
  /** `file:` URL of the model (the provider's "address"). */
  readonly baseUrl: string;
  /** Absolute path of the model file. */
  readonly modelPath: string;
  private readonly settings: LlamaCppSettings;
  private loading?: Promise<Loaded>;
  private loadReported = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  /**
   * Checks the settings (not the file: see {@link check}).
   * @throws RangeError naming the setting that is out of range.
   */
  constructor(settings: LlamaCppSettings) {
    if (typeof settings?.modelPath !== 'string' || settings.modelPath === '') throw new RangeError('llama-cpp provider: modelPath (the .gguf file) is required; pass --model PATH.gguf or set ALPHALAB_GGUF');
    const posInt = (k: 'contextSize' | 'threads' | 'maxTokens' | 'timeoutMs') => {
      const v = settings[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new RangeError(`llama-cpp provider: ${k} must be a positive integer, got ${v}`);
    };
    posInt('contextSize');
    posInt('threads');
    posInt('maxTokens');
    posInt('timeoutMs');
    if (settings.temperature !== undefined && !(settings.temperature >= 0 && settings.temperature <= 5)) throw new RangeError(`llama-cpp provider: temperature must be in [0, 5], got ${settings.temperature}`);
    if (settings.seed !== undefined && !Number.isInteger(settings.seed)) throw new RangeError(`llama-cpp provider: seed must be an integer, got ${settings.seed}`);
    this.settings = settings;
    this.modelPath = resolve(settings.modelPath);
    this.model = basename(this.modelPath);
    this.baseUrl = `file://${this.modelPath}`;
  }

  /** A JSON-safe description (for logs and stored results). */
  toJSON(): Record<string, unknown> {
    return { provider: this.name, model: this.model, modelPath: this.modelPath, contextSize: this.settings.contextSize ?? LLAMA_CPP_DEFAULTS.contextSize };
  }

  /** Checks the file header, then loads the model and its context (once). */
  private load(): Promise<Loaded> {
    this.loading ??= (async () => {
      try {
        readGgufHeader(this.modelPath);
      } catch (err) {
        const msg = (err as Error).message;
        throw new LlmError(/does not exist/.test(msg) ? 'model_missing' : 'model_invalid', `llama-cpp: ${msg}`, undefined, false);
      }
      const t0 = performance.now();
      const { LlamaChat } = await import('node-llama-cpp');
      const llama = await loadLlama(this.settings.gpu ?? false);
      let model: LlamaModel;
      try {
        model = await llama.loadModel({ modelPath: this.modelPath });
      } catch (err) {
        const m = err instanceof Error ? err.message : String(err);
        if (isAllocationFailure(err)) throw new LlmError('oom', `llama-cpp: not enough memory to load ${this.modelPath}: ${m}. Try a smaller quantization or model.`, undefined, false);
        throw new LlmError('model_invalid', `llama-cpp: llama.cpp could not load ${this.modelPath}: ${m} (unsupported architecture, damaged or truncated file?)`, undefined, false);
      }
      let context: LlamaContext;
      const contextSize = this.settings.contextSize ?? LLAMA_CPP_DEFAULTS.contextSize;
      try {
        context = await model.createContext({ contextSize, threads: this.settings.threads ?? Math.min(8, availableParallelism()), sequences: 1 });
      } catch (err) {
        await model.dispose();
        const m = err instanceof Error ? err.message : String(err);
        throw new LlmError(isAllocationFailure(err) ? 'oom' : 'model_invalid', `llama-cpp: could not create a ${contextSize}-token context for ${this.modelPath}: ${m}${isAllocationFailure(err) ? '. Try a smaller contextSize.' : ''}`, undefined, false);
      }
      const chat = new LlamaChat({ contextSequence: context.getSequence() });
      return { model, context, chat, loadMs: performance.now() - t0 };
    })();
    // a failed load may be retried by a later call (e.g. after the file was fixed)
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }

  /**
   * Checks that the file exists, is GGUF, and loads (memory included).
   * @throws LlmError 'model_missing' (no such file), 'model_invalid' (not GGUF, unsupported), 'oom' (allocation failed).
   */
  async check(): Promise<void> {
    await this.load();
  }

  /** Releases the model and its context (the provider loads again on the next call). */
  async dispose(): Promise<void> {
    const l = this.loading;
    this.loading = undefined;
    this.grammars.clear();
    if (!l) return;
    const loaded = await l.catch(() => undefined);
    if (!loaded) return;
    loaded.chat.dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  private grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (!g) {
      const gbnf = jsonSchemaToGbnf(schema, this.settings.grammarLimits);
      g = loadLlama(this.settings.gpu ?? false).then((llama) => llama.createGrammar({ grammar: gbnf }));
      this.grammars.set(key, g);
    }
    return g;
  }

  /** @inheritdoc */
  chat(options: ChatOptions): Promise<ChatResult> {
    // one sequence: calls run one after another
    const run = this.queue.then(() => this.chatNow(options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async chatNow(options: ChatOptions): Promise<ChatResult> {
    const t0 = performance.now();
    const loaded = await this.load();
    const loadMs = this.loadReported ? undefined : loaded.loadMs;
    const grammar = options.schema ? await this.grammarFor(options.schema) : undefined;
    type HistoryItem = Parameters<LlamaChat['generateResponse']>[0][number];
    const history: HistoryItem[] = options.messages.map((m): HistoryItem =>
      m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] },
    );
    history.push({ type: 'model', response: [] });
    const seq = loaded.chat.sequence;
    const meter0 = seq.tokenMeter.getState();
    const timeoutMs = this.settings.timeoutMs ?? LLAMA_CPP_DEFAULTS.timeoutMs;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error('timeout')), timeoutMs);
    let tStart = 0;
    let tFirst = 0;
    let res: Awaited<ReturnType<LlamaChat['generateResponse']>>;
    try {
      tStart = performance.now();
      res = await loaded.chat.generateResponse(history, {
        ...(grammar ? { grammar } : {}),
        temperature: this.settings.temperature ?? options.temperature ?? LLAMA_CPP_DEFAULTS.temperature,
        ...((this.settings.seed ?? options.seed) !== undefined ? { seed: this.settings.seed ?? options.seed } : {}),
        maxTokens: options.maxTokens ?? this.settings.maxTokens ?? LLAMA_CPP_DEFAULTS.maxTokens,
        signal: ac.signal,
        onResponseChunk: () => {
          if (tFirst === 0) tFirst = performance.now();
        },
      });
    } catch (err) {
      if (ac.signal.aborted) throw new LlmError('timeout', `llama-cpp: ${this.model} did not finish within ${timeoutMs} ms`, undefined, false);
      const m = err instanceof Error ? err.message : String(err);
      if (isAllocationFailure(err)) throw new LlmError('oom', `llama-cpp: ${this.model} ran out of memory while generating: ${m}`, undefined, false);
      throw new LlmError('http', `llama-cpp: generation with ${this.model} failed: ${m}`, undefined, false);
    } finally {
      clearTimeout(timer);
    }
    const tEnd = performance.now();
    this.loadReported = true;
    const used = seq.tokenMeter.diff(meter0);
    if (tFirst === 0) tFirst = tEnd;
    const promptMs = tFirst - tStart;
    const generationMs = tEnd - tFirst;
    const rate = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : undefined);
    const usage: ChatUsage = {
      promptTokens: used.usedInputTokens,
      completionTokens: used.usedOutputTokens,
      ...(loadMs !== undefined ? { loadMs: Math.round(loadMs) } : {}),
      promptMs: Math.round(promptMs * 10) / 10,
      generationMs: Math.round(generationMs * 10) / 10,
      ...(rate(used.usedInputTokens, promptMs) !== undefined ? { promptTokensPerSec: rate(used.usedInputTokens, promptMs)! } : {}),
      ...(rate(used.usedOutputTokens, generationMs) !== undefined ? { generationTokensPerSec: rate(used.usedOutputTokens, generationMs)! } : {}),
    };
    const raw = responseText(res.fullResponse);
    const split = splitThinking(raw);
    if (res.metadata.stopReason === 'maxTokens' && options.schema) {
      // a grammar only guarantees validity for a finished answer
      return { ...this.base(raw, split, t0, usage), jsonError: `the answer was cut at maxTokens (${options.maxTokens ?? this.settings.maxTokens ?? LLAMA_CPP_DEFAULTS.maxTokens}) before the JSON was complete` };
    }
    const base = this.base(raw, split, t0, usage);
    if (!options.schema) return base;
    const parsed = parseJsonAnswer(split.answer);
    if (!('value' in parsed)) return { ...base, jsonError: parsed.error };
    const problems = validateJson(parsed.value, options.schema);
    return problems.length ? { ...base, json: parsed.value, jsonError: `answer does not follow the schema: ${problems.slice(0, 5).join('; ')}` } : { ...base, json: parsed.value };
  }

  private base(raw: string, split: { thinking: string; answer: string }, t0: number, usage: ChatUsage): ChatResult {
    return { provider: this.name, model: this.model, raw, answer: split.answer, thinking: split.thinking, durationMs: Math.round(performance.now() - t0), attempts: 1, usage };
  }
}
