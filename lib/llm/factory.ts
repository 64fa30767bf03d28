/** Construction of a provider from command-line style options or a plain settings object. */
import { AnthropicProvider } from './provider-anthropic.js';
import { LlamaCppProvider, type LlamaCppSettings } from './provider-llama-cpp.js';
import { OllamaProvider } from './provider-ollama.js';
import { OpenAICompatibleProvider } from './provider-openai.js';
import type { RetryOptions } from './retry.js';
import type { LlmProvider } from './types.js';

/** Provider kinds: a model server, a GGUF file run in-process ('llama-cpp'), or 'offline' (no language model). */
export type ProviderKind = 'ollama' | 'openai' | 'anthropic' | 'llama-cpp' | 'offline';

/** Options shared by the CLI and the TypeScript API (plain data: config files and the fleet can hold them). */
export interface ProviderOptions {
  /** Which provider. */
  readonly provider: 'ollama' | 'openai' | 'anthropic' | 'llama-cpp';
  /** Model name (provider default when omitted); for 'llama-cpp' the path of the .gguf file unless `llamaCpp.modelPath` gives it. */
  readonly model?: string;
  /** Server base URL (provider default / environment when omitted; unused by 'llama-cpp'). */
  readonly baseUrl?: string;
  /** API key (OpenAI-compatible and Anthropic; default from env / .env). */
  readonly apiKey?: string;
  /** Per-attempt timeout in ms. */
  readonly timeoutMs?: number;
  /** Retry policy (server providers). */
  readonly retry?: RetryOptions;
  /** Settings of the in-process 'llama-cpp' provider (context size, threads, temperature, seed, ...). */
  readonly llamaCpp?: Partial<LlamaCppSettings>;
  /** Largest reply body read, in bytes (default `DEFAULT_LLM_LIMITS.maxReplyBytes`). */
  readonly maxReplyBytes?: number;
}

/**
 * Builds the provider named by `options.provider`.
 * @throws Error for an unknown provider, a missing key for a remote OpenAI-compatible or Anthropic endpoint, or a llama-cpp provider without a model path.
 */
export function createProvider(options: ProviderOptions): LlmProvider {
  switch (options.provider) {
    case 'ollama':
      return new OllamaProvider({ model: options.model, host: options.baseUrl, timeoutMs: options.timeoutMs, retry: options.retry, maxReplyBytes: options.maxReplyBytes });
    case 'openai':
      return new OpenAICompatibleProvider({ model: options.model, baseUrl: options.baseUrl, apiKey: options.apiKey, timeoutMs: options.timeoutMs, retry: options.retry, maxReplyBytes: options.maxReplyBytes });
    case 'anthropic':
      return new AnthropicProvider({ model: options.model, baseUrl: options.baseUrl, apiKey: options.apiKey, timeoutMs: options.timeoutMs, retry: options.retry });
    case 'llama-cpp': {
      const modelPath = options.llamaCpp?.modelPath ?? options.model ?? '';
      return new LlamaCppProvider({ ...options.llamaCpp, modelPath, ...(options.timeoutMs !== undefined && options.llamaCpp?.timeoutMs === undefined ? { timeoutMs: options.timeoutMs } : {}) });
    }
    default:
      throw new Error(`unknown provider "${(options as { provider: string }).provider}"; expected ollama, openai, anthropic or llama-cpp`);
  }
}
