/**
 * Transport failures of `fetch` and the HTTP clients built on it (undici):
 * which errors are a dropped or refused connection. Pure functions of the
 * error object; shared by lib/llm and lib/venues.
 */

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
