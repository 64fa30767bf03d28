/**
 * Provider-neutral types for chatting with a language model: messages,
 * request options, results and the error type every provider throws.
 */

/** One chat message (OpenAI / Ollama chat convention). */
export interface ChatMessage {
  /** Who speaks: the system prompt, the user (our program) or the model. */
  readonly role: 'system' | 'user' | 'assistant';
  /** Plain text content. */
  readonly content: string;
}

/** A JSON Schema object (draft 2020-12 subset) used for structured output. */
export type JsonSchema = Record<string, unknown>;

/** Options of one chat call. */
export interface ChatOptions {
  /** The conversation so far, oldest first. */
  readonly messages: readonly ChatMessage[];
  /**
   * JSON schema the answer must follow. Ollama receives it as `format`
   * (structured outputs); OpenAI-compatible servers as
   * `response_format: {type: 'json_schema'}`. The answer is then parsed into
   * {@link ChatResult.json}.
   */
  readonly schema?: JsonSchema;
  /** Sampling temperature (0 = greedy). Default: the provider's default. */
  readonly temperature?: number;
  /** Sampling seed, for reproducible answers where the server honours it. */
  readonly seed?: number;
  /** Context window in tokens (Ollama `num_ctx`; ignored by OpenAI-compatible servers). */
  readonly numCtx?: number;
  /** Maximum tokens to generate (Ollama `num_predict`, OpenAI `max_tokens`). */
  readonly maxTokens?: number;
  /**
   * Called for each failed attempt that will be retried (error, 1-based attempt
   * number, wait before the next in ms): lets a caller record every attempt. The
   * final failure is thrown instead.
   */
  readonly onRetry?: (err: LlmError, attempt: number, waitMs: number) => void;
}

/** The result of one chat call. */
export interface ChatResult {
  /** Provider that answered. */
  readonly provider: ProviderName;
  /** Model name that answered. */
  readonly model: string;
  /** Raw text content of the answer as the server sent it. */
  readonly raw: string;
  /** The answer with any `<think>...</think>` reasoning removed, trimmed. */
  readonly answer: string;
  /** The model's reasoning (from `<think>` blocks or the server's `thinking` field), '' if none. Kept for the log only. */
  readonly thinking: string;
  /** Parsed JSON answer when a schema was requested and the answer parsed. */
  readonly json?: unknown;
  /** Why the answer did not parse as JSON, when a schema was requested and it did not. */
  readonly jsonError?: string;
  /** Wall time of the call in milliseconds, retries and backoff included. */
  readonly durationMs: number;
  /** Number of HTTP attempts made (1 = no retry). */
  readonly attempts: number;
  /** Token counts and timings, when the provider reports them (llama-cpp always; Anthropic token counts). Stored with the model-call log. */
  readonly usage?: ChatUsage;
}

/** Names of the providers behind {@link LlmProvider}. */
export type ProviderName = 'ollama' | 'openai' | 'llama-cpp' | 'anthropic';

/**
 * Token counts and timings of one chat call. Rates are tokens per second of
 * wall time: prompt = prompt tokens evaluated / time to the first generated
 * token; generation = generated tokens / time from the first to the last.
 */
export interface ChatUsage {
  /** Prompt tokens evaluated for this call (after any reuse of a cached prefix). */
  readonly promptTokens?: number;
  /** Tokens generated. */
  readonly completionTokens?: number;
  /** Model load time in ms, on the call that loaded the model (in-process providers). */
  readonly loadMs?: number;
  /** Prompt evaluation time in ms (to the first generated token). */
  readonly promptMs?: number;
  /** Generation time in ms (first to last generated token). */
  readonly generationMs?: number;
  /** promptTokens / promptMs, in tokens per second. */
  readonly promptTokensPerSec?: number;
  /** completionTokens / generationMs, in tokens per second. */
  readonly generationTokensPerSec?: number;
}

/** What went wrong talking to a model server. */
export type LlmErrorCode =
  /** No server answers at the configured address (connection refused, DNS, reset). */
  | 'unreachable'
  /** The server answers but does not have the requested model. */
  | 'model_missing'
  /** The call exceeded its timeout. */
  | 'timeout'
  /** The server rejected the credentials (401/403). */
  | 'auth'
  /** Any other HTTP error (status in {@link LlmError.status}). */
  | 'http'
  /** A local model file exists but is not a usable model (not GGUF, unknown architecture, damaged). */
  | 'model_invalid'
  /** Memory could not be allocated for the model or its context (OOM-class: a smaller model or context may fit). */
  | 'oom'
  /** The reply exceeded `maxReplyBytes` and its read was aborted (see `limits.ts`). */
  | 'reply_too_large';

/**
 * Error thrown by every provider. `message` says what to do (for a missing
 * model it contains the `ollama pull <model>` command). It never contains an
 * API key.
 */
export class LlmError extends Error {
  constructor(
    /** Error category. */
    readonly code: LlmErrorCode,
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    /** Whether retrying may help (connection errors, timeouts, 5xx). */
    readonly retryable: boolean = false,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

/** A chat model behind a provider (Ollama, an OpenAI-compatible endpoint, Anthropic, or a GGUF file run in-process). */
export interface LlmProvider {
  /** Provider kind. */
  readonly name: ProviderName;
  /** Model name requests use. */
  readonly model: string;
  /** Server address (never includes a key). */
  readonly baseUrl: string;
  /**
   * Checks that the server answers and has the model.
   * @throws LlmError 'unreachable' or 'model_missing' (with the pull command).
   */
  check(): Promise<void>;
  /**
   * One chat completion, with retries and backoff on connection errors,
   * timeouts and 5xx.
   * @throws LlmError when every attempt failed or the error is not retryable.
   */
  chat(options: ChatOptions): Promise<ChatResult>;
}
