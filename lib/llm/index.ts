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
export { withRetry } from './retry.js';
export { backoffMs, sleepMs } from '../core/retry.js';
export type { RetryOptions } from './retry.js';
export { parseDotEnv, envSetting, maskSecret } from './env.js';
export { redact } from '../core/redact.js';
export { redactUrlCredentials, splitUrlCredentials } from './redact.js';
export type { SplitCredentials } from './redact.js';
export { DEFAULT_LLM_LIMITS, truncateText, capResponse, guardedFetch, replyTooLarge } from './limits.js';
export type { LlmLimits } from './limits.js';
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
export { OOM_PATTERNS, matchOom, isOomError, oomLogLines } from './oom.js';
export { writeJsonAtomic, readJsonFile, removeStaleTemps } from './atomic-json.js';
export { DEFAULT_TIERS, DEFAULT_FLEET_CONFIG, resolveFleetConfig, loadFleetConfig } from './fleet-config.js';
export type { FleetTier, FleetConfig } from './fleet-config.js';
export { FLEET_STATE_VERSION, defaultFleetStatePath, initialFleetState, validateFleetState, readFleetState, writeFleetState } from './fleet-state.js';
export type { FleetState, FleetHistoryEntry } from './fleet-state.js';
export { FleetProvider, fleetStatus, registerTierProvider, tierProviderKinds } from './fleet.js';
export { llamaCppTierKind } from './fleet-llama-cpp.js';
export type { FleetOptions, FleetStatus, TierContext, TierControl, TierProviderKind } from './fleet.js';
export { OllamaModelOps } from './models.js';
export type { ModelInfo, LoadedModel, ProgressLine, CreateSpec, ModelOpsOptions } from './models.js';
export { NVIDIA_SMI_ARGS, parseNvidiaSmi, probeGpus, freeVramGb, formatVramReading, VramMonitor } from './vram.js';
export type { GpuReading, GpuProbe, ProbeOptions, VramReading, LoadedModelSource, VramMonitorOptions } from './vram.js';
export { ensureVramTables, storeVramReading } from './vram-store.js';
