/**
 * Mapping of transport errors (fetch, the `ollama` client, the `openai`
 * client) to {@link LlmError} categories. Pure functions of the error object.
 */
import { LlmError } from './types.js';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/** The network error code (ECONNREFUSED, ...) found on an error or its `cause` chain, if any. */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether an error looks like a dropped connection (fetch's "fetch failed", "terminated", "other side closed"). */
export function isConnectionError(err: unknown): boolean {
  if (networkCode(err)) return true;
  const msg = err instanceof Error ? err.message : String(err);
  return /fetch failed|terminated|other side closed|socket hang up|network error|ECONNRESET/i.test(msg);
}

/** LlmError for a missing model, with the command that installs it. */
export function modelMissing(host: string, model: string, available: readonly string[] | undefined, provider: 'ollama' | 'openai' | 'anthropic'): LlmError {
  const list = available && available.length > 0 ? ` Models there: ${available.join(', ')}.` : available ? ' The server has no models yet.' : '';
  const fix = provider === 'ollama' ? ` Install it with:  ollama pull ${model}` : ' Check the model name for this endpoint (--model).';
  return new LlmError('model_missing', `model "${model}" is not available at ${host}.${fix}.${list}`, 404, false);
}

/** LlmError for a server that does not answer, with how to start one or go offline. */
export function unreachable(host: string, model: string, provider: 'ollama' | 'openai' | 'anthropic', detail: string): LlmError {
  const fix =
    provider === 'ollama'
      ? `Start one with \`ollama serve\` and \`ollama pull ${model}\`, set OLLAMA_HOST / --base-url, or use --provider offline.`
      : `Check --base-url / ${provider === 'anthropic' ? 'ANTHROPIC_BASE_URL' : 'OPENAI_BASE_URL'}, or use --provider offline.`;
  const who = provider === 'ollama' ? 'Ollama' : provider === 'anthropic' ? 'Anthropic API' : 'OpenAI-compatible';
  return new LlmError('unreachable', `no ${who} server answers at ${host} (${detail}). ${fix}`, undefined, true);
}

/** LlmError for a call that exceeded its timeout. */
export function timedOut(host: string, model: string, timeoutMs: number): LlmError {
  return new LlmError('timeout', `model ${model} at ${host} did not answer within ${timeoutMs} ms`, undefined, true);
}

/** LlmError for an HTTP error status: 5xx retryable, 401/403 'auth', others final. */
export function httpError(host: string, status: number, message: string): LlmError {
  if (status === 401 || status === 403) return new LlmError('auth', `${host} rejected the credentials (HTTP ${status}): ${message}. Set the key in the environment or .env.`, status, false);
  return new LlmError('http', `${host} answered HTTP ${status}: ${message}`, status, status >= 500 || status === 429);
}
