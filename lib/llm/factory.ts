/** Construction of a provider from command-line style options. */
import { OllamaProvider } from './provider-ollama.js';
import { OpenAICompatibleProvider } from './provider-openai.js';
import type { RetryOptions } from './retry.js';
import type { LlmProvider } from './types.js';

/** Provider kinds: a model server, or 'offline' (no language model). */
export type ProviderKind = 'ollama' | 'openai' | 'offline';

/** Options shared by the CLI and the TypeScript API. */
export interface ProviderOptions {
  /** Which provider. */
  readonly provider: 'ollama' | 'openai';
  /** Model name (provider default when omitted). */
  readonly model?: string;
  /** Server base URL (provider default / environment when omitted). */
  readonly baseUrl?: string;
  /** API key (OpenAI-compatible only; default from env / .env). */
  readonly apiKey?: string;
  /** Per-attempt timeout in ms. */
  readonly timeoutMs?: number;
  /** Retry policy. */
  readonly retry?: RetryOptions;
  /** Largest reply body read, in bytes (default `DEFAULT_LLM_LIMITS.maxReplyBytes`). */
  readonly maxReplyBytes?: number;
}

/**
 * Builds the provider named by `options.provider`.
 * @throws Error for an unknown provider or a missing key for a remote OpenAI-compatible endpoint.
 */
export function createProvider(options: ProviderOptions): LlmProvider {
  switch (options.provider) {
    case 'ollama':
      return new OllamaProvider({ model: options.model, host: options.baseUrl, timeoutMs: options.timeoutMs, retry: options.retry, maxReplyBytes: options.maxReplyBytes });
    case 'openai':
      return new OpenAICompatibleProvider({ model: options.model, baseUrl: options.baseUrl, apiKey: options.apiKey, timeoutMs: options.timeoutMs, retry: options.retry, maxReplyBytes: options.maxReplyBytes });
    default:
      throw new Error(`unknown provider "${(options as { provider: string }).provider}"; expected ollama or openai`);
  }
}
