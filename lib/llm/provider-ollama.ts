/**
 * Ollama provider through the official `ollama` npm client (REST API:
 * /api/chat, /api/tags). Structured output uses Ollama's `format` parameter
 * with a JSON schema (Ollama >= 0.5). Each attempt gets its own timeout via an
 * AbortController passed to the client's fetch; connection errors, timeouts
 * and 5xx are retried with backoff ({@link withRetry}).
 */
import { Ollama } from 'ollama';
import { envSetting } from './env.js';
import { isConnectionError, networkCode } from '../core/net.js';
import { httpError, modelMissing, timedOut, unreachable } from './errors.js';
import { DEFAULT_LLM_LIMITS, guardedFetch } from './limits.js';
import { redactUrlCredentials, splitUrlCredentials } from './redact.js';
import { chainRetry, withRetry, type RetryOptions } from './retry.js';
import { parseJsonAnswer, splitThinking } from './think.js';
import { LlmError, type ChatOptions, type ChatResult, type LlmProvider } from './types.js';

/** Default Ollama address (the server's own default). */
export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
/** Default model when none is configured (`OLLAMA_MODEL` or --model override it). */
export const DEFAULT_OLLAMA_MODEL = 'qwen2.5:7b';

/** Settings of an {@link OllamaProvider}. */
export interface OllamaProviderOptions {
  /** Model name, e.g. "qwen2.5:7b" or "deepseek-r1:8b". Default `$OLLAMA_MODEL`, else {@link DEFAULT_OLLAMA_MODEL}. */
  readonly model?: string;
  /** Server address. Default `$OLLAMA_HOST` (env or .env), else {@link DEFAULT_OLLAMA_HOST}. */
  readonly host?: string;
  /** Per-attempt timeout in milliseconds. Default 180000 (local models on CPU are slow). */
  readonly timeoutMs?: number;
  /** Retry policy for connection errors, timeouts and 5xx. */
  readonly retry?: RetryOptions;
  /** Ask the server for separate reasoning (`think: true`, Ollama >= 0.9). Default false: reasoning models still put it in `<think>` tags, which are split off. */
  readonly think?: boolean;
  /** Keep-alive passed to the server (how long the model stays loaded). Default: server default. */
  readonly keepAlive?: string | number;
  /** Largest reply body read, in bytes (default {@link DEFAULT_LLM_LIMITS}.maxReplyBytes): the read is aborted past it. */
  readonly maxReplyBytes?: number;
}

/** Normalizes a host the way the client does, for messages: adds http:// and strips a trailing slash. */
function displayHost(host: string): string {
  const h = host.includes('://') ? host : `http://${host}`;
  return h.replace(/\/+$/, '');
}

/** Chat models served by a local (or remote) Ollama server. */
export class OllamaProvider implements LlmProvider {
  readonly name = 'ollama' as const;
  readonly model: string;
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly think: boolean;
  private readonly keepAlive?: string | number;
  private readonly maxReplyBytes: number;
  /** `Basic ...` from credentials in the host URL (never printed; baseUrl holds the address without them). */
  private readonly authorization?: string;

  /** Credentials in the host (`http://user:pass@host`) are sent as an Authorization header, never printed. */
  constructor(options: OllamaProviderOptions = {}) {
    this.model = options.model ?? envSetting('OLLAMA_MODEL') ?? DEFAULT_OLLAMA_MODEL;
    const split = splitUrlCredentials(displayHost(options.host ?? envSetting('OLLAMA_HOST') ?? DEFAULT_OLLAMA_HOST));
    this.baseUrl = split.url.replace(/\/+$/, '');
    if (split.authorization) this.authorization = split.authorization;
    this.maxReplyBytes = options.maxReplyBytes ?? DEFAULT_LLM_LIMITS.maxReplyBytes;
    if (!(this.maxReplyBytes > 0)) throw new RangeError(`OllamaProvider: maxReplyBytes must be > 0, got ${options.maxReplyBytes}`);
    this.timeoutMs = options.timeoutMs ?? 180_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`OllamaProvider: timeoutMs must be > 0, got ${options.timeoutMs}`);
    this.retry = options.retry ?? {};
    this.think = options.think ?? false;
    this.keepAlive = options.keepAlive;
  }

  /** Runs one client call with its own timeout; maps every failure to an LlmError. */
  private async attempt<T>(call: (client: Ollama) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    const client = new Ollama({
      host: this.baseUrl,
      fetch: guardedFetch({ maxBytes: this.maxReplyBytes, host: this.baseUrl, signal: ac.signal, ...(this.authorization ? { authorization: this.authorization } : {}) }),
    });
    try {
      return await call(client);
    } catch (err) {
      throw this.mapError(err, ac.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  private mapError(err: unknown, aborted: boolean): LlmError {
    if (err instanceof LlmError) return err;
    if (aborted) return timedOut(this.baseUrl, this.model, this.timeoutMs);
    const status = (err as { status_code?: unknown }).status_code;
    const message = redactUrlCredentials(err instanceof Error ? err.message : String(err));
    if (typeof status === 'number') {
      if (status === 404 && /not found|pull/i.test(message)) return modelMissing(this.baseUrl, this.model, undefined, 'ollama');
      return httpError(this.baseUrl, status, message);
    }
    if (isConnectionError(err)) return unreachable(this.baseUrl, this.model, 'ollama', networkCode(err) ?? message);
    if (err instanceof SyntaxError) return new LlmError('http', `${this.baseUrl} sent a response body that is not JSON: ${message}`, undefined, true);
    return new LlmError('http', `Ollama call to ${this.baseUrl} failed: ${message}`, undefined, false);
  }

  /**
   * Lists the models the server has (GET /api/tags).
   * @throws LlmError 'unreachable' when no server answers.
   */
  async listModels(): Promise<string[]> {
    const { value } = await withRetry(() => this.attempt((c) => c.list()), { ...this.retry, retries: 0 });
    return value.models.map((m) => m.name);
  }

  /** @inheritdoc */
  async check(): Promise<void> {
    const names = await this.listModels();
    const wanted = this.model.includes(':') ? this.model : `${this.model}:latest`;
    if (!names.some((n) => n === this.model || n === wanted)) throw modelMissing(this.baseUrl, this.model, names, 'ollama');
  }

  /** @inheritdoc */
  async chat(options: ChatOptions): Promise<ChatResult> {
    const t0 = Date.now();
    const opts: Record<string, number> = {};
    if (options.temperature !== undefined) opts.temperature = options.temperature;
    if (options.seed !== undefined) opts.seed = options.seed;
    if (options.numCtx !== undefined) opts.num_ctx = options.numCtx;
    if (options.maxTokens !== undefined) opts.num_predict = options.maxTokens;
    const { value, attempts } = await withRetry(
      () =>
        this.attempt((c) =>
          c.chat({
            model: this.model,
            messages: options.messages.map((m) => ({ role: m.role, content: m.content })),
            stream: false,
            ...(options.schema ? { format: options.schema } : {}),
            ...(this.think ? { think: true } : {}),
            ...(this.keepAlive !== undefined ? { keep_alive: this.keepAlive } : {}),
            options: opts,
          }),
        ),
      { ...this.retry, onRetry: chainRetry(this.retry.onRetry, options.onRetry) },
    );
    const raw = value.message?.content ?? '';
    const split = splitThinking(raw);
    const thinking = [value.message?.thinking ?? '', split.thinking].filter((s) => s.trim() !== '').join('\n\n');
    const base = { provider: this.name, model: this.model, raw, answer: split.answer, thinking, durationMs: Date.now() - t0, attempts };
    if (!options.schema) return base;
    const parsed = parseJsonAnswer(split.answer);
    return 'value' in parsed ? { ...base, json: parsed.value } : { ...base, jsonError: parsed.error };
  }
}
