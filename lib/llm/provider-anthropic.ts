/**
 * Anthropic Messages API (POST /v1/messages, GET /v1/models/{id}) through
 * the official `@anthropic-ai/sdk` client. Structured output, two ways:
 * 'tool' (default; every Claude model): the schema is the `input_schema` of
 * one tool the request forces with `tool_choice`, and the answer is the tool
 * call's `input`; 'output_format': `output_config.format = {type:
 * 'json_schema'}` (structured outputs; models that support it), the answer is
 * the text block. Either way the JSON is checked against the schema and a
 * violation is reported in `jsonError`, so the caller's repair round can ask again.
 *
 * Key from options, else `ANTHROPIC_API_KEY` (environment or `.env`); it is
 * sent only in the request's auth header by the client (`x-api-key`, or
 * `Authorization: Bearer` in SDK 1.x), never printed, logged,
 * stored or returned (error messages are redacted). Base URL from options,
 * else `ANTHROPIC_BASE_URL`, else https://api.anthropic.com. Retries follow
 * the project's rules ({@link withRetry}): connection errors, timeouts, 429,
 * 5xx and 529 (overloaded) are retried with backoff; the client's own
 * retries are off.
 */
import Anthropic from '@anthropic-ai/sdk';
import { envSetting, isLocalUrl } from './env.js';
import { mapSdkError, modelMissing } from './errors.js';
import { validateJson } from './json-validate.js';
import { withRetry, type RetryOptions } from './retry.js';
import { parseJsonAnswer, splitThinking } from './think.js';
import { LlmError, type ChatOptions, type ChatResult, type LlmProvider } from './types.js';

/** Default base URL when none is configured. */
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** Default model when none is configured (`ANTHROPIC_MODEL` or --model override it). */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-6';
/** Name of the tool that carries a structured answer. */
export const ANTHROPIC_ANSWER_TOOL = 'submit_answer';

/** Settings of an {@link AnthropicProvider}. */
export interface AnthropicProviderOptions {
  /** Model id. Default `$ANTHROPIC_MODEL`, else {@link DEFAULT_ANTHROPIC_MODEL}. */
  readonly model?: string;
  /** Base URL (without /v1). Default `$ANTHROPIC_BASE_URL`, else {@link DEFAULT_ANTHROPIC_BASE_URL}. */
  readonly baseUrl?: string;
  /** API key. Default `$ANTHROPIC_API_KEY` (env or .env). Optional only for a server on localhost. */
  readonly apiKey?: string;
  /** Per-attempt timeout in milliseconds. Default 120000. */
  readonly timeoutMs?: number;
  /** Retry policy for connection errors, timeouts, 429, 5xx and 529. */
  readonly retry?: RetryOptions;
  /** `max_tokens` when a call gives none (the API requires one). Default 4096. */
  readonly maxTokens?: number;
  /** How a schema is enforced: forced tool call ('tool', default) or `output_config.format` ('output_format'). */
  readonly structured?: 'tool' | 'output_format';
}

/** Claude models through the Anthropic Messages API. */
export class AnthropicProvider implements LlmProvider {
  readonly name = 'anthropic' as const;
  readonly model: string;
  readonly baseUrl: string;
  private readonly client: Anthropic;
  private readonly secret: string | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly maxTokens: number;
  private readonly structured: 'tool' | 'output_format';

  /**
   * @throws Error when no key is configured and the endpoint is not on localhost (the message names the variable, never a key).
   */
  constructor(options: AnthropicProviderOptions = {}) {
    this.model = options.model ?? envSetting('ANTHROPIC_MODEL') ?? DEFAULT_ANTHROPIC_MODEL;
    this.baseUrl = (options.baseUrl ?? envSetting('ANTHROPIC_BASE_URL') ?? DEFAULT_ANTHROPIC_BASE_URL).replace(/\/+$/, '');
    const key = options.apiKey ?? envSetting('ANTHROPIC_API_KEY');
    if (!key && !isLocalUrl(this.baseUrl)) throw new Error(`Anthropic provider: no API key for ${this.baseUrl}; set ANTHROPIC_API_KEY in the environment or in .env`);
    this.secret = key;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`AnthropicProvider: timeoutMs must be > 0, got ${options.timeoutMs}`);
    this.retry = options.retry ?? {};
    this.maxTokens = options.maxTokens ?? 4096;
    this.structured = options.structured ?? 'tool';
    this.client = new Anthropic({ apiKey: key ?? 'not-needed-for-local-server', baseURL: this.baseUrl, timeout: this.timeoutMs, maxRetries: 0 });
  }

  /** A JSON-safe description with no key (for logs and stored results). */
  toJSON(): Record<string, string> {
    return { provider: this.name, model: this.model, baseUrl: this.baseUrl };
  }

  private mapError(err: unknown): LlmError {
    // 529 (Anthropic's "overloaded") is retried like 5xx by httpError
    return mapSdkError(err, Anthropic, { baseUrl: this.baseUrl, model: this.model, timeoutMs: this.timeoutMs, provider: 'anthropic', secrets: [this.secret] });
  }

  /** @inheritdoc */
  async check(): Promise<void> {
    try {
      await withRetry(() => this.client.models.retrieve(this.model).catch((e: unknown) => Promise.reject(this.mapError(e))), this.retry);
    } catch (err) {
      const e = this.mapError(err);
      if (e.code === 'model_missing' || (e.code === 'http' && e.status === 404)) throw modelMissing(this.baseUrl, this.model, undefined, 'anthropic');
      throw e;
    }
  }

  /** @inheritdoc */
  async chat(options: ChatOptions): Promise<ChatResult> {
    const t0 = Date.now();
    const system = options.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
    const messages = options.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
    const schema = options.schema;
    const useTool = schema !== undefined && this.structured === 'tool';
    const { value, attempts } = await withRetry(async () => {
      try {
        return await this.client.messages.create({
          model: this.model,
          max_tokens: options.maxTokens ?? this.maxTokens,
          messages,
          ...(system ? { system } : {}),
          ...(options.temperature !== undefined ? { temperature: Math.min(1, options.temperature) } : {}),
          ...(useTool
            ? {
                tools: [{ name: ANTHROPIC_ANSWER_TOOL, description: 'Submit the answer as one JSON object that follows the input schema.', input_schema: schema as Anthropic.Tool.InputSchema }],
                tool_choice: { type: 'tool' as const, name: ANTHROPIC_ANSWER_TOOL },
              }
            : {}),
          ...(schema && !useTool ? { output_config: { format: { type: 'json_schema' as const, schema } } } : {}),
        });
      } catch (err) {
        throw this.mapError(err);
      }
    }, this.retry);
    const texts: string[] = [];
    const thoughts: string[] = [];
    let toolInput: unknown;
    for (const block of value.content) {
      if (block.type === 'text') texts.push(block.text);
      else if (block.type === 'thinking') thoughts.push(block.thinking);
      else if (block.type === 'tool_use' && block.name === ANTHROPIC_ANSWER_TOOL && toolInput === undefined) toolInput = block.input;
    }
    const text = texts.join('');
    const raw = toolInput !== undefined ? JSON.stringify(toolInput) : text;
    const split = splitThinking(text);
    const thinking = [...thoughts, split.thinking].filter((s) => s.trim() !== '').join('\n\n');
    const usage = { promptTokens: value.usage.input_tokens, completionTokens: value.usage.output_tokens };
    const base = { provider: this.name, model: this.model, raw, answer: toolInput !== undefined ? raw : split.answer, thinking, durationMs: Date.now() - t0, attempts, usage };
    if (!schema) return base;
    let json: unknown;
    if (toolInput !== undefined) json = toolInput;
    else {
      const parsed = parseJsonAnswer(split.answer);
      if (!('value' in parsed)) return { ...base, jsonError: useTool ? `the model did not call ${ANTHROPIC_ANSWER_TOOL} (stop_reason ${value.stop_reason}); ${parsed.error}` : parsed.error };
      json = parsed.value;
    }
    const problems = validateJson(json, schema);
    return problems.length ? { ...base, json, jsonError: `answer does not follow the schema: ${problems.slice(0, 5).join('; ')}` } : { ...base, json };
  }
}
