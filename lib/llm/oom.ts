/**
 * Recognizing out-of-memory-class errors of a local model server.
 *
 * What a client sees when a model does not fit depends on the Ollama version
 * (`model requires more system memory (X) than is available (Y)`, `llama
 * runner process has terminated: CUDA error: out of memory`, `llama-server
 * reported out-of-memory during startup`, `unable to load full model on GPU`,
 * ...). The list below is the union of the substrings Ollama's own matcher
 * uses (llm/server.go) and the wordings seen in its issues and logs. Matching
 * is case-insensitive on plain substrings. "gpu VRAM usage didn't recover
 * within timeout" is a server log line, never an API response: it matters
 * only when the fleet is configured to read the server log.
 */

/** Substrings (lower case) that mark an error as out-of-memory class. */
export const OOM_PATTERNS: readonly string[] = [
  // Ollama's matcher
  'out of memory',
  'out of device memory',
  'cudamalloc failed',
  'hipmalloc failed',
  'failed to allocate',
  'allocation failed',
  'not enough memory',
  'insufficient memory',
  'vk_error_out_of_device_memory',
  'erroroutofmemory',
  // wordings seen in API errors and server logs
  "gpu vram usage didn't recover within timeout",
  "vram usage didn't recover",
  'gpu memory exhausted',
  'cuda out of memory',
  'gpu memory allocation failed',
  // version-dependent API errors
  'model requires more system memory',
  'out-of-memory',
  'unable to load full model on gpu',
  'model runner has unexpectedly stopped',
];

/**
 * The first OOM pattern found in `text` (case-insensitive), or undefined.
 * @param text an error message, a stream error line or a server log line.
 */
export function matchOom(text: string): string | undefined {
  const t = text.toLowerCase();
  for (const p of OOM_PATTERNS) if (t.includes(p)) return p;
  return undefined;
}

/** Whether an error (an Error, an LlmError, or a string) is out-of-memory class, by its message and its `cause` chain. */
export function isOomError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== undefined && e !== null; depth++) {
    const msg = typeof e === 'string' ? e : e instanceof Error ? e.message : typeof (e as { error?: unknown }).error === 'string' ? (e as { error: string }).error : '';
    if (msg && matchOom(msg)) return true;
    if (typeof e !== 'object') break;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Lines of a server log (e.g. Ollama's server.log) that are OOM class, each with the pattern it matched. */
export function oomLogLines(logText: string): { line: string; pattern: string }[] {
  const out: { line: string; pattern: string }[] = [];
  for (const line of logText.split(/\r?\n/)) {
    const p = matchOom(line);
    if (p) out.push({ line, pattern: p });
  }
  return out;
}
