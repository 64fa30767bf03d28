/**
 * Language-model access for the research loop: one {@link LlmProvider}
 * interface over Ollama (official `ollama` client), OpenAI-compatible
 * endpoints (official `openai` client), Anthropic (official
 * `@anthropic-ai/sdk`) and GGUF model files run in-process by llama.cpp
 * (`node-llama-cpp`, schema enforced by a grammar while decoding);
 * structured JSON output, `<think>` handling, timeouts, retries with backoff,
 * and clear errors for a missing server, model or model file.
 */
export * from './types.js';
export { splitThinking, parseJsonAnswer } from './think.js';
export type { SplitAnswer, JsonParse } from './think.js';
export { withRetry, backoffMs, sleepMs } from './retry.js';
export type { RetryOptions } from './retry.js';
export { parseDotEnv, envSetting, maskSecret, redact } from './env.js';
export { OllamaProvider, DEFAULT_OLLAMA_HOST, DEFAULT_OLLAMA_MODEL } from './provider-ollama.js';
export type { OllamaProviderOptions } from './provider-ollama.js';
export { OpenAICompatibleProvider, DEFAULT_OPENAI_BASE_URL, DEFAULT_OPENAI_MODEL } from './provider-openai.js';
export type { OpenAIProviderOptions } from './provider-openai.js';
export { AnthropicProvider, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_ANTHROPIC_MODEL, ANTHROPIC_ANSWER_TOOL } from './provider-anthropic.js';
export type { AnthropicProviderOptions } from './provider-anthropic.js';
export { LlamaCppProvider, LLAMA_CPP_DEFAULTS, responseText } from './provider-llama-cpp.js';
export type { LlamaCppSettings } from './provider-llama-cpp.js';
export { jsonSchemaToGbnf, integerRange, fixedWidthRange } from './json-grammar.js';
export type { GrammarLimits } from './json-grammar.js';
export { validateJson } from './json-validate.js';
export { readGgufHeader, encodeGguf, writeGguf, GGUF_MAGIC, GgufValueType } from './gguf.js';
export type { GgufKv, GgufTensor, GgufHeader } from './gguf.js';
export { resolveGgufSetting, GGUF_ENV } from './gguf-setting.js';
export type { GgufSetting } from './gguf-setting.js';
export { createProvider } from './factory.js';
export type { ProviderKind, ProviderOptions } from './factory.js';
