/**
 * Size limits on what a model sends and what is kept of it. A model (or a
 * misbehaving server) can answer with megabytes of text: unbounded, a 50 MiB
 * reply was stored twice and re-sent in every repair round (a 105 MB request).
 * The reply stream is aborted past `maxReplyBytes`; stored text and the text
 * quoted back to the model in a repair round are truncated.
 */
import { LlmError } from './types.js';

/** The limits, all in characters or bytes as named. */
export interface LlmLimits {
  /** Largest HTTP response body read from a model server, in bytes (default 1 MiB): the read is aborted past it. */
  readonly maxReplyBytes: number;
  /** Longest text stored per field of a model call (raw answer, reasoning, error), in characters (default 64 Ki). */
  readonly maxStoredChars: number;
  /** Longest previous answer quoted back to the model in a repair round, in characters (default 8 Ki). */
  readonly maxRepairChars: number;
}

/** Default limits (a JSON hypothesis is about 1-3 KB; reasoning models write 10-50 KB). */
export const DEFAULT_LLM_LIMITS: LlmLimits = Object.freeze({ maxReplyBytes: 1 << 20, maxStoredChars: 64 << 10, maxRepairChars: 8 << 10 });

/**
 * `text` cut to at most `maxChars` characters (plus a marker saying how much was
 * cut), unchanged when short enough.
 */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n…[truncated: ${text.length - maxChars} of ${text.length} characters not kept]`;
}

/** The LlmError for a reply over the limit (not retryable: the same request gets the same answer). */
export function replyTooLarge(host: string, maxBytes: number, seen: number | string): LlmError {
  return new LlmError('reply_too_large', `${host} sent a reply over the limit of ${maxBytes} bytes (${seen} bytes ${typeof seen === 'number' ? 'read' : 'declared'}); the read was aborted. Raise maxReplyBytes if this is expected.`, undefined, false);
}

/**
 * A Response whose body stops with an error once more than `maxBytes` bytes have
 * arrived (the underlying read is cancelled, so the rest is never downloaded).
 * A declared Content-Length over the limit fails before reading.
 * @throws the error of `tooLarge` (from the body read) when over the limit.
 */
export function capResponse(res: Response, maxBytes: number, tooLarge: (seen: number | string) => Error): Response {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    void res.body?.cancel().catch(() => undefined);
    throw tooLarge(declared);
  }
  if (!res.body) return res;
  const reader = res.body.getReader();
  let seen = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > maxBytes) {
        void reader.cancel().catch(() => undefined);
        controller.error(tooLarge(seen));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/**
 * A fetch for model clients: adds an Authorization header when given (credentials
 * taken out of the URL) and caps the response body at `maxBytes`.
 */
export function guardedFetch(opts: { maxBytes: number; host: string; authorization?: string; signal?: AbortSignal; base?: typeof fetch }): typeof fetch {
  const base = opts.base ?? fetch;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (opts.authorization && !headers.has('authorization')) headers.set('authorization', opts.authorization);
    const res = await base(input, { ...init, headers, ...(opts.signal ? { signal: opts.signal } : {}) });
    return capResponse(res, opts.maxBytes, (seen) => replyTooLarge(opts.host, opts.maxBytes, seen));
  };
}
