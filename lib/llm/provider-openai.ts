/**
 * OpenAI-compatible chat endpoint (OpenAI, vLLM, LM Studio, llama.cpp server,
 * Ollama's own /v1, hosted providers) through the official `openai` client.
 * Base URL and key come from options, else `OPENAI_BASE_URL` /
 * `OPENAI_API_KEY` in the environment or `.env`. The key is never printed,
 * logged or returned: error messages are redacted.
 */
import OpenAI from 'openai';
import { redact } from '../core/redact.js';
import { envSetting, isLocalUrl } from './env.js';
import { isConnectionError, networkCode } from '../core/net.js';
import { httpError, modelMissing, timedOut, unreachable } from './errors.js';
import { DEFAULT_LLM_LIMITS, guardedFetch } from './limits.js';
import { redactUrlCredentials, splitUrlCredentials } from './redact.js';
import { chainRetry, withRetry, type RetryOptions } from './retry.js';
import { parseJsonAnswer, splitThinking } from './think.js';
import { LlmError, type ChatOptions, type ChatResult, type LlmProvider } from './types.js';

/** Default base URL when none is configured. */
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** Default model when none is configured (`OPENAI_MODEL` or --model override it). */
export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

/** Settings of an {@link OpenAICompatibleProvider}. */
export interface OpenAIProviderOptions {
  /** Model name. Default `$OPENAI_MODEL`, else {@link DEFAULT_OPENAI_MODEL}. */
  readonly model?: string;
  /** Base URL ending in /v1. Default `$OPENAI_BASE_URL`, else {@link DEFAULT_OPENAI_BASE_URL}. */
  readonly baseUrl?: string;
  /** API key. Default `$OPENAI_API_KEY` (env or .env). Optional for servers on localhost. */
  readonly apiKey?: string;
  /** Per-attempt timeout in milliseconds. Default 120000. */
  readonly timeoutMs?: number;
  /** Retry policy for connection errors, timeouts, 429 and 5xx. */
  readonly retry?: RetryOptions;
  /** Largest reply body read, in bytes (default {@link DEFAULT_LLM_LIMITS}.maxReplyBytes): the read is aborted past it. */
  readonly maxReplyBytes?: number;
}

/** Chat models behind an OpenAI-compatible `/chat/completions` endpoint. */
export class OpenAICompatibleProvider implements LlmProvider {
  readonly name = 'openai' as const;
  readonly model: string;
  readonly baseUrl: string;
  private readonly client: OpenAI;
  private readonly secret: string | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;

  /**
   * @throws Error when no key is configured and the endpoint is not on localhost (the message names the variables, never a key);
   *   Error when the base URL holds credentials (`https://user:pass@host`): the key belongs in OPENAI_API_KEY (the message shows the URL without them).
   */
  constructor(options: OpenAIProviderOptions = {}) {
    this.model = options.model ?? envSetting('OPENAI_MODEL') ?? DEFAULT_OPENAI_MODEL;
    const split = splitUrlCredentials(options.baseUrl ?? envSetting('OPENAI_BASE_URL') ?? DEFAULT_OPENAI_BASE_URL);
    this.baseUrl = split.url.replace(/\/+$/, '');
    if (split.authorization) {
      throw new Error(`OpenAI-compatible provider: the base URL ${this.baseUrl} was given with a user and password; OpenAI-compatible servers take a bearer key: put it in OPENAI_API_KEY (environment or .env) and pass the URL without credentials`);
    }
    const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_LLM_LIMITS.maxReplyBytes;
    if (!(maxReplyBytes > 0)) throw new RangeError(`OpenAIProvider: maxReplyBytes must be > 0, got ${options.maxReplyBytes}`);
    const key = options.apiKey ?? envSetting('OPENAI_API_KEY');
    if (!key && !isLocalUrl(this.baseUrl)) {
      throw new Error(`OpenAI-compatible provider: no API key for ${this.baseUrl}; set OPENAI_API_KEY in the environment or in .env`);
    }
    this.secret = key;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.retry = options.retry ?? {};
    this.client = new OpenAI({ apiKey: key ?? 'not-needed-for-local-server', baseURL: this.baseUrl, timeout: this.timeoutMs, maxRetries: 0, fetch: guardedFetch({ maxBytes: maxReplyBytes, host: this.baseUrl }) });
  }

  /** A JSON-safe description with no key (for logs and stored results). */
  toJSON(): Record<string, string> {
    return { provider: this.name, model: this.model, baseUrl: this.baseUrl };
  }

  private mapError(err: unknown): LlmError {
    if (err instanceof LlmError) return err;
    const clean = (s: string) => redactUrlCredentials(redact(s, [this.secret]));
    if (err instanceof OpenAI.APIConnectionTimeoutError) return timedOut(this.baseUrl, this.model, this.timeoutMs);
    if (err instanceof OpenAI.APIConnectionError) return unreachable(this.baseUrl, this.model, 'openai', clean(networkCode(err) ?? err.message));
    if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
      const msg = clean(err.message);
      if (err.status === 404 && /model/i.test(msg)) return modelMissing(this.baseUrl, this.model, undefined, 'openai');
      return httpError(this.baseUrl, err.status, msg);
    }
    const message = clean(err instanceof Error ? err.message : String(err));
    if (isConnectionError(err)) return unreachable(this.baseUrl, this.model, 'openai', message);
    return new LlmError('http', `OpenAI-compatible call to ${this.baseUrl} failed: ${message}`, undefined, false);
  }

  /** @inheritdoc */
  async check(): Promise<void> {
    let ids: string[];
    try {
      const page = await this.client.models.list();
      ids = page.data.map((m) => m.id);
    } catch (err) {
      const e = this.mapError(err);
      if (e.code === 'http' && e.status === 404) return; // endpoint without /models: cannot check, chat will tell
      throw e;
    }
    if (!ids.includes(this.model)) throw modelMissing(this.baseUrl, this.model, ids, 'openai');
  }

  /** @inheritdoc */
  async chat(options: ChatOptions): Promise<ChatResult> {
    const t0 = Date.now();
    const { value, attempts } = await withRetry(async () => {
      try {
        return await this.client.chat.completions.create({
          model: this.model,
          messages: options.messages.map((m) => ({ role: m.role, content: m.content })),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
          ...(options.schema ? { response_format: { type: 'json_schema' as const, json_schema: { name: 'answer', schema: options.schema, strict: false } } } : {}),
        });
      } catch (err) {
        throw this.mapError(err);
      }
    }, { ...this.retry, onRetry: chainRetry(this.retry.onRetry, options.onRetry) });
    const msg = value.choices[0]?.message;
    const raw = msg?.content ?? '';
    const split = splitThinking(raw);
    const reasoning = (msg as { reasoning_content?: unknown } | undefined)?.reasoning_content;
    const thinking = [typeof reasoning === 'string' ? reasoning : '', split.thinking].filter((s) => s.trim() !== '').join('\n\n');
    const base = { provider: this.name, model: this.model, raw, answer: split.answer, thinking, durationMs: Date.now() - t0, attempts };
    if (!options.schema) return base;
    const parsed = parseJsonAnswer(split.answer);
    return 'value' in parsed ? { ...base, json: parsed.value } : { ...base, jsonError: parsed.error };
  }
}
