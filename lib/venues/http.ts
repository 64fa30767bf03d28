/**
 * One HTTP layer for every venue client: JSON in and out over the global
 * `fetch` (injectable, so a recorded run can be replayed), a timeout, the
 * mapping of transport failures to {@link VenueError}, and a recorder that
 * sees every request and response with secrets masked.
 *
 * Masking (applied before anything reaches a recorder): the headers
 * `authorization`, `cookie`, `set-cookie`, `x-api-key`, `proxy-authorization`
 * become `[masked]`; JSON body keys that name a secret (`password`,
 * `privateKey`, `secret`, `apiKey`, `token` string values) become `[masked]`;
 * and every occurrence of a known secret string (passwords, API keys, cookie
 * values, private keys registered with {@link VenueHttp.addSecret}) is replaced
 * by `[redacted]` in URLs, headers and bodies.
 *
 * @module
 */
import { isConnectionError } from '../core/net.js';
import { redact } from '../core/redact.js';
import { VenueError, type VenueName } from './errors.js';
import { retryAfterSeconds, sleepMs, waitAfter429, type BackoffOptions } from './limits.js';

/** One request and its response as recorded (secrets already masked). */
export interface HttpExchange {
  readonly venue: VenueName;
  /** Wall-clock start, epoch ms. */
  readonly startedAt: number;
  readonly method: string;
  readonly url: string;
  readonly requestHeaders: Record<string, string>;
  /** Request body text ('' when none). */
  readonly requestBody: string;
  /** HTTP status, or 0 when no response came (see `error`). */
  readonly status: number;
  readonly responseHeaders: Record<string, string>;
  readonly responseBody: string;
  readonly durationMs: number;
  /** Transport error message, when no response came. */
  readonly error?: string;
}

/** Receives every exchange (e.g. {@link DuckDbHttpLog}); must not throw. */
export interface HttpRecorder {
  record(exchange: HttpExchange): void | Promise<void>;
}

/** The parsed response of {@link VenueHttp.request}. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON body, or the text when it is not JSON, or undefined when empty. */
  readonly body: unknown;
  readonly text: string;
  /** The final URL (after the client's own base-URL join). */
  readonly url: string;
}

/** Options of {@link VenueHttp}. */
export interface VenueHttpOptions {
  readonly venue: VenueName;
  /** Base URL, e.g. `https://api.worldquantbrain.com`; paths are joined to it. */
  readonly baseUrl: string;
  /** Headers sent with every request (e.g. `x-api-key`; masked in records). */
  readonly headers?: Record<string, string>;
  /** Secret strings to redact from every record (API keys, passwords). */
  readonly secrets?: readonly string[];
  readonly recorder?: HttpRecorder;
  /** fetch implementation (default the global fetch; a replay passes {@link replayFetch}). */
  readonly fetch?: typeof fetch;
  /** Per-request timeout in ms. Default 30_000. */
  readonly timeoutMs?: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Query parameters (undefined values are left out). */
  readonly query?: Record<string, string | number | boolean | bigint | undefined>;
  /** JSON body (serialized with JSON.stringify). */
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
}

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'x-api-key', 'proxy-authorization']);
const SECRET_KEYS = /^(password|passwd|privatekey|private_key|secret|secretkey|apikey|api_key|token|accesstoken|access_token|refreshtoken)$/i;

/** Replaces string values of secret-named keys in a JSON value by `[masked]` (deep). */
export function maskJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskJson);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEYS.test(k) && typeof x === 'string' ? '[masked]' : maskJson(x);
    return out;
  }
  return v;
}

/**
 * A client for one venue's HTTP API. Every request, including failed ones, is
 * handed to the recorder with secrets masked.
 */
export class VenueHttp {
  readonly venue: VenueName;
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];
  private readonly recorder?: HttpRecorder;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(o: VenueHttpOptions) {
    this.venue = o.venue;
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.headers = { ...(o.headers ?? {}) };
    this.secrets = [...(o.secrets ?? [])].filter((s) => s.length >= 4);
    this.recorder = o.recorder;
    this.fetchFn = o.fetch ?? fetch;
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** Registers another string to redact from records (a session cookie value, a private key). */
  addSecret(s: string | undefined): void {
    if (s && s.length >= 4 && !this.secrets.includes(s)) this.secrets.push(s);
  }

  /** `text` with every registered secret replaced by `[redacted]`. */
  scrub(text: string): string {
    return redact(text, this.secrets);
  }

  /** Absolute URL of a path (or an absolute URL unchanged) with the query appended. */
  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(/^https?:\/\//.test(path) ? path : path === '' ? this.baseUrl : `${this.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private maskHeaders(h: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = SECRET_HEADERS.has(k.toLowerCase()) ? '[masked]' : this.scrub(v);
    return out;
  }

  private maskBody(text: string): string {
    if (text === '') return '';
    try {
      return this.scrub(JSON.stringify(maskJson(JSON.parse(text))));
    } catch {
      return this.scrub(text);
    }
  }

  /**
   * Sends one request and parses the response. Does not throw on HTTP error
   * statuses (the caller decides); throws only on transport failures.
   * @throws VenueError 'unreachable' (retryable) or 'timeout' (retryable)
   */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<HttpResponse> {
    const url = this.url(path, o.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers, ...(o.headers ?? {}) };
    let body: string | undefined;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
      headers['content-type'] = 'application/json';
    }
    const startedAt = Date.now();
    const record = async (status: number, resHeaders: Record<string, string>, resText: string, error?: string): Promise<void> => {
      if (!this.recorder) return;
      await this.recorder.record({
        venue: this.venue, startedAt, method, url: this.scrub(url),
        requestHeaders: this.maskHeaders(headers), requestBody: this.maskBody(body ?? ''),
        status, responseHeaders: this.maskHeaders(resHeaders), responseBody: this.maskBody(resText),
        durationMs: Date.now() - startedAt, error: error === undefined ? undefined : this.scrub(error),
      });
    };
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      const timeout = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      await record(0, {}, '', msg);
      if (timeout) throw new VenueError(this.venue, 'timeout', `${this.venue}: ${method} ${this.scrub(new URL(url).pathname)} did not answer within ${this.timeoutMs} ms`, undefined, true);
      const what = isConnectionError(err) ? 'no server answers' : 'request failed';
      throw new VenueError(this.venue, 'unreachable', `${this.venue}: ${what} at ${new URL(url).origin} (${this.scrub(msg)})`, undefined, true);
    }
    const text = await res.text();
    const resHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => (resHeaders[k] = v));
    const sc = res.headers.getSetCookie?.() ?? [];
    if (sc.length) resHeaders['set-cookie'] = sc.join('\n');
    await record(res.status, resHeaders, text);
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed, text, url };
  }
}

/** A short, secret-free description of a response body for error messages (first 300 chars). */
export function bodySnippet(r: HttpResponse, scrub: (s: string) => string): string {
  const t = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? '');
  return scrub(t.length > 300 ? `${t.slice(0, 300)}…` : t);
}

/** Options of {@link retry429}. */
export interface Retry429Options {
  readonly backoff?: BackoffOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** The error thrown when the retries are used up (default: VenueError 'rate_limited'). */
  readonly giveUp?: (r: HttpResponse, attempts: number) => VenueError;
  /** Called before each wait (for progress lines). */
  readonly onWait?: (waitMs: number, attempt: number) => void;
}

/**
 * Sends until the answer is not 429: waits the server's Retry-After (or
 * full-jitter backoff) between tries, at most `backoff.retries` (default 6) retries.
 * @throws VenueError from `giveUp` (default 'rate_limited', retryable) when still 429
 */
export async function retry429(venue: VenueName, what: string, send: () => Promise<HttpResponse>, o: Retry429Options = {}): Promise<HttpResponse> {
  const retries = o.backoff?.retries ?? 6;
  for (let attempt = 0; ; attempt++) {
    const r = await send();
    if (r.status !== 429) return r;
    if (attempt >= retries) throw o.giveUp?.(r, attempt + 1) ?? new VenueError(venue, 'rate_limited', `${venue} ${what}: rate limited (HTTP 429) after ${attempt + 1} attempts; wait or lower the request rate`, 429, true);
    const wait = waitAfter429(attempt, retryAfterSeconds(r.headers.get('retry-after'), (o.now ?? Date.now)()), o.backoff);
    o.onWait?.(wait, attempt + 1);
    await (o.sleep ?? sleepMs)(wait);
  }
}
