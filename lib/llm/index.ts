/**
 * Language-model access for the research loop: one {@link LlmProvider}
 * interface over Ollama (official `ollama` client) and OpenAI-compatible
 * endpoints (official `openai` client), structured JSON output, `<think>`
 * handling, timeouts, retries with backoff, and clear errors for a missing
 * server or model.
 */
export * from './types.js';
export { splitThinking, parseJsonAnswer } from './think.js';
export type { SplitAnswer, JsonParse } from './think.js';
export { withRetry, backoffMs, sleepMs } from './retry.js';
export type { RetryOptions } from './retry.js';
export { parseDotEnv, envSetting, maskSecret, redact } from './env.js';
export { redactUrlCredentials, splitUrlCredentials } from './redact.js';
export type { SplitCredentials } from './redact.js';
export { DEFAULT_LLM_LIMITS, truncateText, capResponse, guardedFetch, replyTooLarge } from './limits.js';
export type { LlmLimits } from './limits.js';
export { OllamaProvider, DEFAULT_OLLAMA_HOST, DEFAULT_OLLAMA_MODEL } from './provider-ollama.js';
export type { OllamaProviderOptions } from './provider-ollama.js';
export { OpenAICompatibleProvider, DEFAULT_OPENAI_BASE_URL, DEFAULT_OPENAI_MODEL } from './provider-openai.js';
export type { OpenAIProviderOptions } from './provider-openai.js';
export { createProvider } from './factory.js';
export type { ProviderKind, ProviderOptions } from './factory.js';
