/**
 * WorldQuant BRAIN API client (base `https://api.worldquantbrain.com`),
 * following the requests community clients capture and BRAIN's documented
 * behaviour:
 *
 * 1. `POST /authentication` with HTTP Basic -> 201, a session cookie and
 *    `token.expiry` (seconds, 14400). The client logs in again
 *    `refreshMarginS` before the expiry, and once more on a 401 mid-session.
 *    A 401 with `WWW-Authenticate: persona` needs a person (biometric check):
 *    surfaced as VenueError 'persona' with the URL to open.
 * 2. `POST /simulations` `{type: "REGULAR", settings, regular}` -> 201 with
 *    an empty body, `Location` and `Retry-After`; 400 with field-keyed
 *    messages for bad settings; 429 `CONCURRENT_SIMULATION_LIMIT_EXCEEDED`
 *    when too many run at once (backoff, then retry). A semaphore keeps at
 *    most `maxConcurrent` (default 3) simulations in flight from this client.
 * 3. `GET /simulations/{id}` while `Retry-After` is present (`{progress}`),
 *    then `{status: "COMPLETE", alpha}`; an expression error appears only
 *    here: `{status: "ERROR", message, location}`.
 * 4. `GET /alphas/{id}` -> `is` metrics and `is.checks`;
 *    `GET /alphas/{id}/check` (polled the same way) -> the full checks.
 * 5. `POST /alphas/{id}/submit` -> 201, `Location` written `http://...:443`
 *    (rewritten to https); polling it ends in 403 with the failed checks
 *    (rejected) or 404 (accepted).
 *
 * Every request and response goes to the recorder (secrets masked).
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { VenueError } from '../errors.js';
import { bodySnippet, retry429, VenueHttp, type HttpRecorder, type HttpResponse, type RequestOptions } from '../http.js';
import { Semaphore, retryAfterSeconds, sleepMs, waitAfter429, type BackoffOptions } from '../limits.js';
import type { BrainCredentials } from '../credentials.js';
import type { BrainSimulationSettings } from './settings.js';

/** The real service. */
export const BRAIN_API = 'https://api.worldquantbrain.com';

/** Options of {@link BrainClient}. */
export interface BrainClientOptions {
  /** Default {@link BRAIN_API}. */
  readonly baseUrl?: string;
  readonly credentials: BrainCredentials;
  /** Receives every exchange, secrets masked (e.g. `DuckDbHttpLog`). */
  readonly recorder?: HttpRecorder;
  /** fetch implementation (a replay passes `replayFetch`). */
  readonly fetch?: typeof fetch;
  /** Simulations in flight at most (default 3). */
  readonly maxConcurrent?: number;
  /** Log in again this many seconds before the session expires (default 600). */
  readonly refreshMarginS?: number;
  /** Wait between polls when the server sends no Retry-After and no final status, s (default 5). */
  readonly pollFallbackS?: number;
  /** Polls before giving up on one simulation / check / submission (default 2000). */
  readonly maxPolls?: number;
  /** 429 backoff policy (default 6 retries, Retry-After honoured, else 1 s base full jitter). */
  readonly backoff?: BackoffOptions;
  /** Clock, epoch ms (tests inject one to pass the expiry). */
  readonly now?: () => number;
  /** Sleep (default setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout, ms (default 60_000). */
  readonly timeoutMs?: number;
}

/** A logged-in session. */
export interface BrainSession {
  /** BRAIN user id, when the server says. */
  readonly userId?: string;
  /** Login time, epoch ms (client clock). */
  readonly loggedInAt: number;
  /** Expiry, epoch ms (client clock): loggedInAt + token.expiry s. */
  readonly expiresAt: number;
  /** Permissions BRAIN lists for the user. */
  readonly permissions: readonly string[];
}

/** In-sample metrics as BRAIN returns them under `is` (fractions, not percent). */
export interface BrainIsMetrics {
  readonly pnl?: number;
  readonly bookSize?: number;
  readonly longCount?: number;
  readonly shortCount?: number;
  /** Average daily turnover, fraction of the book. */
  readonly turnover?: number;
  /** Annualized return, fraction (BRAIN: on half the book). */
  readonly returns?: number;
  /** Maximum drawdown, fraction. */
  readonly drawdown?: number;
  /** PnL per dollar traded, fraction. */
  readonly margin?: number;
  /** Annualized Sharpe (252 days). */
  readonly sharpe?: number;
  /** sharpe x sqrt(|returns| / max(turnover, 0.125)). */
  readonly fitness?: number;
  readonly startDate?: string;
  readonly [k: string]: unknown;
}

/** One check of an alpha (`is.checks[]`). */
export interface BrainCheck {
  /** e.g. LOW_SHARPE, LOW_FITNESS, CONCENTRATED_WEIGHT, SELF_CORRELATION, PROD_CORRELATION. */
  readonly name: string;
  /** PASS, FAIL, PENDING, WARNING, ERROR. */
  readonly result: string;
  readonly limit?: number;
  readonly value?: number;
  readonly message?: string;
  readonly [k: string]: unknown;
}

/** An alpha as `GET /alphas/{id}` returns it. */
export interface BrainAlpha {
  readonly id: string;
  /** The `is` object without its `checks`. */
  readonly is: BrainIsMetrics;
  readonly checks: readonly BrainCheck[];
  /** e.g. UNSUBMITTED, ACTIVE. */
  readonly status?: string;
  /** The body as BRAIN sent it. */
  readonly raw: Record<string, unknown>;
}

/** A finished simulation. */
export interface BrainSimulation {
  /** Simulation id (last path segment of the Location). */
  readonly id: string;
  /** Final status (COMPLETE or WARNING). */
  readonly status: string;
  readonly alphaId: string;
  /** Polls made. */
  readonly polls: number;
  /** The final poll body as BRAIN sent it. */
  readonly raw: Record<string, unknown>;
}

/** The verdict of a submission. */
export interface SubmitVerdict {
  readonly alphaId: string;
  readonly verdict: 'accepted' | 'rejected';
  /** HTTP status that ended the polling (404 accepted, 403 rejected, or 200 with a final body). */
  readonly status: number;
  /** Checks BRAIN returned with the verdict (empty on 404). */
  readonly checks: readonly BrainCheck[];
  /** The checks with result FAIL. */
  readonly failed: readonly BrainCheck[];
}

/** Progress callback of a poll loop: `progress` in [0, 1] when BRAIN says. */
export type ProgressFn = (info: { readonly phase: 'simulate' | 'check' | 'submit'; readonly progress?: number; readonly polls: number }) => void;

/**
 * Rewrites BRAIN's `http://host:443/...` Locations to https and resolves
 * them against the client's base URL: a Location on the official host or the
 * base URL's host is joined to the base URL (so a recorded or scripted run
 * never leaves its base); any other host is refused (the session cookie must
 * not go elsewhere).
 * @throws VenueError 'protocol' for a Location on another host
 */
export function resolveLocation(location: string, baseUrl: string): string {
  const fixed = location.replace(/^http:\/\/([^/:?#]+):443(?=[/?#]|$)/i, 'https://$1');
  const base = new URL(baseUrl);
  const u = new URL(fixed, base);
  if (u.host !== base.host && u.host !== new URL(BRAIN_API).host) throw new VenueError('brain', 'protocol', `BRAIN sent a Location on another host (${u.host}); refusing to follow it with the session cookie`);
  return `${base.origin}${u.pathname}${u.search}`;
}

/** Flattens BRAIN's field-keyed 400 body (`{settings: {region: ["..."]}}`) into `path: message` lines. */
export function fieldErrors(body: unknown, prefix = ''): string[] {
  if (typeof body === 'string') return [prefix ? `${prefix}: ${body}` : body];
  if (Array.isArray(body)) return body.flatMap((x) => fieldErrors(x, prefix));
  if (body && typeof body === 'object') return Object.entries(body).flatMap(([k, v]) => fieldErrors(v, prefix ? `${prefix}.${k}` : k));
  return body === undefined || body === null ? [] : [prefix ? `${prefix}: ${String(body)}` : String(body)];
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function checksOf(body: unknown): BrainCheck[] {
  const is = asRecord(asRecord(body).is);
  const list = Array.isArray(is.checks) ? is.checks : Array.isArray(asRecord(body).checks) ? (asRecord(body).checks as unknown[]) : [];
  return list.map((c) => asRecord(c)).filter((c) => typeof c.name === 'string').map((c) => ({ ...c, name: String(c.name), result: String(c.result ?? '') }) as BrainCheck);
}

/**
 * Client of the WorldQuant BRAIN API (see the module comment for the flow).
 * Safe to share between concurrent simulations.
 */
export class BrainClient {
  readonly baseUrl: string;
  private readonly http: VenueHttp;
  private readonly creds: BrainCredentials;
  private readonly sims: Semaphore;
  private readonly o: BrainClientOptions;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private cookies = new Map<string, string>();
  private session: BrainSession | undefined;
  private loggingIn: Promise<BrainSession> | undefined;
  /** Logins made (first one included). */
  logins = 0;

  constructor(o: BrainClientOptions) {
    this.o = o;
    this.baseUrl = (o.baseUrl ?? BRAIN_API).replace(/\/+$/, '');
    this.creds = o.credentials;
    this.http = new VenueHttp({ venue: 'brain', baseUrl: this.baseUrl, secrets: [o.credentials.password, o.credentials.email], recorder: o.recorder, fetch: o.fetch, timeoutMs: o.timeoutMs ?? 60_000 });
    this.http.addSecret(this.basicToken());
    this.sims = new Semaphore(o.maxConcurrent ?? 3);
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? sleepMs;
  }

  /** The semaphore on simulations in flight (`maxHeld` is the most seen at once). */
  get simulationSlots(): Semaphore {
    return this.sims;
  }

  /** The current session, if logged in. */
  get currentSession(): BrainSession | undefined {
    return this.session;
  }

  /** The HTTP Basic token of the credentials (RFC 7617), registered as a secret. */
  private basicToken(): string {
    return Buffer.from(`${this.creds.email}:${this.creds.password}`).toString('base64');
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private takeCookies(r: HttpResponse): void {
    for (const line of r.headers.getSetCookie?.() ?? []) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(line);
      if (!m) continue;
      this.cookies.set(m[1]!, m[2]!);
      this.http.addSecret(m[2]);
    }
  }

  /**
   * Logs in (`POST /authentication`, HTTP Basic).
   * @throws VenueError 'persona' (details.url: the page to open, then {@link completePersona}),
   *   'auth' for wrong credentials, 'rate_limited', 'http'
   */
  async login(): Promise<BrainSession> {
    this.loggingIn ??= this.doLogin().finally(() => (this.loggingIn = undefined));
    return this.loggingIn;
  }

  private async doLogin(): Promise<BrainSession> {
    this.cookies.clear();
    const r = await this.with429('login', () => this.http.request('POST', '/authentication', { headers: { authorization: `Basic ${this.basicToken()}` } }));
    if (r.status === 401 && /persona/i.test(r.headers.get('www-authenticate') ?? '')) {
      const loc = r.headers.get('location');
      const url = loc ? new URL(loc, `${this.baseUrl}/authentication`).toString() : undefined;
      throw new VenueError('brain', 'persona', `BRAIN asks for a biometric (persona) check before this login: open ${url ?? 'the BRAIN web site'} in a browser, complete it, then run \`alphalab brain login --persona-done${url ? ` ${url}` : ''}\``, 401, false, { url });
    }
    if (r.status === 401 || r.status === 403) throw new VenueError('brain', 'auth', `BRAIN rejected the credentials (HTTP ${r.status}): ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status);
    if (r.status !== 201 && r.status !== 200) throw new VenueError('brain', 'http', `BRAIN login answered HTTP ${r.status}: ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status, r.status >= 500);
    this.takeCookies(r);
    const b = asRecord(r.body);
    const expiry = Number(asRecord(b.token).expiry);
    if (!(expiry > 0)) throw new VenueError('brain', 'protocol', 'BRAIN login answer has no token.expiry');
    const t = this.now();
    this.logins++;
    this.session = {
      userId: typeof asRecord(b.user).id === 'string' ? (asRecord(b.user).id as string) : undefined,
      loggedInAt: t,
      expiresAt: t + expiry * 1000,
      permissions: Array.isArray(b.permissions) ? b.permissions.map(String) : [],
    };
    return this.session;
  }

  /**
   * After the person completed the biometric check at `url`, finishes the
   * login there (`POST url`, as community clients do) and returns the session.
   * @throws VenueError as {@link login}
   */
  async completePersona(url: string): Promise<BrainSession> {
    const r = await this.http.request('POST', resolveLocation(url, this.baseUrl), { headers: { authorization: `Basic ${this.basicToken()}` } });
    if (r.status !== 201 && r.status !== 200) throw new VenueError('brain', 'auth', `BRAIN did not accept the persona check (HTTP ${r.status}): ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status);
    return this.login();
  }

  /** Logs in when there is no session or it expires within `refreshMarginS`. */
  async ensureSession(): Promise<BrainSession> {
    const margin = (this.o.refreshMarginS ?? 600) * 1000;
    if (!this.session || this.now() >= this.session.expiresAt - margin) return this.login();
    return this.session;
  }

  /** Retries a request while it answers 429 (Retry-After honoured, else backoff); names BRAIN's concurrency limit. */
  private with429(what: string, send: () => Promise<HttpResponse>): Promise<HttpResponse> {
    return retry429('brain', what, send, {
      backoff: this.o.backoff, sleep: this.sleep, now: this.now,
      giveUp: (r, attempts) => {
        const concurrency = /CONCURRENT_SIMULATION_LIMIT_EXCEEDED/.test(r.text);
        return new VenueError('brain', concurrency ? 'concurrency_limit' : 'rate_limited', `BRAIN ${what}: ${concurrency ? 'CONCURRENT_SIMULATION_LIMIT_EXCEEDED' : 'rate limited (429)'} after ${attempts} attempts; lower --max-concurrent or wait`, 429, true);
      },
    });
  }

  /** An authenticated request: session refreshed when near expiry, one re-login on a 401, 429s retried. GETs retry transport errors too. */
  private async authed(method: string, path: string, what: string, o: RequestOptions = {}): Promise<HttpResponse> {
    let relogged = false;
    for (let transportTries = 0; ; ) {
      await this.ensureSession();
      let r: HttpResponse;
      try {
        r = await this.with429(what, () => this.http.request(method, path, { ...o, headers: { ...(o.headers ?? {}), cookie: this.cookieHeader() } }));
      } catch (err) {
        if (method === 'GET' && err instanceof VenueError && err.retryable && transportTries < 3) {
          await this.sleep(waitAfter429(transportTries++, undefined, this.o.backoff));
          continue;
        }
        throw err;
      }
      if (r.status === 401 && !relogged) {
        relogged = true;
        this.session = undefined;
        continue;
      }
      return r;
    }
  }

  private fail(what: string, r: HttpResponse): VenueError {
    return new VenueError('brain', r.status === 401 || r.status === 403 ? 'auth' : 'http', `BRAIN ${what} answered HTTP ${r.status}: ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status, r.status >= 500);
  }

  /**
   * Polls `url` while the server sends Retry-After; returns the first answer without one.
   * Non-200 answers end the polling and are returned to the caller.
   */
  private async poll(url: string, phase: 'simulate' | 'check' | 'submit', onProgress?: ProgressFn): Promise<{ r: HttpResponse; polls: number }> {
    const maxPolls = this.o.maxPolls ?? 2000;
    for (let polls = 1; polls <= maxPolls; polls++) {
      const r = await this.authed('GET', url, phase);
      const ra = retryAfterSeconds(r.headers.get('retry-after'), this.now());
      const b = asRecord(r.body);
      if (r.status === 200 && ra !== undefined && ra > 0) {
        onProgress?.({ phase, progress: typeof b.progress === 'number' ? b.progress : undefined, polls });
        await this.sleep(ra * 1000);
        continue;
      }
      if (phase === 'simulate' && r.status === 200 && typeof b.status !== 'string') {
        // neither Retry-After nor a status yet: wait the fallback and ask again
        await this.sleep((this.o.pollFallbackS ?? 5) * 1000);
        continue;
      }
      return { r, polls };
    }
    throw new VenueError('brain', 'timeout', `BRAIN ${phase}: no final answer after ${maxPolls} polls of ${new URL(url).pathname}`, undefined, true);
  }

  /**
   * Runs one simulation to its end (holding one of `maxConcurrent` slots).
   * @param expression FASTEXPR text (see `translateToFastExpr`)
   * @throws VenueError 'bad_request' (400; details: field-keyed messages), 'expression'
   *   (status ERROR/FAIL; details: {message, location}), 'concurrency_limit' (429 after retries), 'http'
   */
  async simulate(expression: string, settings: BrainSimulationSettings, onProgress?: ProgressFn): Promise<BrainSimulation> {
    return this.sims.run(async () => {
      const r = await this.authed('POST', '/simulations', 'simulation', { json: { type: 'REGULAR', settings, regular: expression } });
      if (r.status === 400) {
        const errors = fieldErrors(r.body);
        throw new VenueError('brain', 'bad_request', `BRAIN refused the simulation settings: ${errors.join('; ') || r.text}`, 400, false, { fields: r.body, messages: errors });
      }
      if (r.status !== 201) throw this.fail('simulation', r);
      const loc = r.headers.get('location');
      if (!loc) throw new VenueError('brain', 'protocol', 'BRAIN answered 201 to POST /simulations without a Location');
      const url = resolveLocation(loc, this.baseUrl);
      const first = retryAfterSeconds(r.headers.get('retry-after'), this.now());
      if (first && first > 0) await this.sleep(first * 1000);
      const { r: done, polls } = await this.poll(url, 'simulate', onProgress);
      if (done.status !== 200) throw this.fail('simulation poll', done);
      const b = asRecord(done.body);
      const status = String(b.status);
      const id = new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';
      if (status === 'ERROR' || status === 'FAIL') {
        const message = typeof b.message === 'string' ? b.message : 'simulation failed';
        const location = b.location;
        const where = location ? ` (location ${JSON.stringify(location)})` : '';
        throw new VenueError('brain', 'expression', `BRAIN simulation ${id} ${status}: ${message}${where}`, 200, false, { simulationId: id, status, message, location });
      }
      if (typeof b.alpha !== 'string') throw new VenueError('brain', 'protocol', `BRAIN simulation ${id} ended with status ${status} and no alpha id`);
      return { id, status, alphaId: b.alpha, polls, raw: b };
    });
  }

  /** `GET /alphas/{id}`: in-sample metrics and checks as BRAIN returns them. @throws VenueError 'http' (404 for an unknown alpha) */
  async alpha(alphaId: string): Promise<BrainAlpha> {
    const r = await this.authed('GET', `/alphas/${encodeURIComponent(alphaId)}`, 'alpha');
    if (r.status !== 200) throw this.fail(`alpha ${alphaId}`, r);
    const b = asRecord(r.body);
    const { checks: _checks, ...is } = asRecord(b.is);
    return { id: String(b.id ?? alphaId), is: is as BrainIsMetrics, checks: checksOf(b), status: typeof b.status === 'string' ? b.status : undefined, raw: b };
  }

  /**
   * `GET /alphas/{id}/check`, polled while Retry-After is present: the full
   * submission checks (SELF_CORRELATION, PROD_CORRELATION filled in).
   */
  async check(alphaId: string, onProgress?: ProgressFn): Promise<readonly BrainCheck[]> {
    const { r } = await this.poll(`/alphas/${encodeURIComponent(alphaId)}/check`, 'check', onProgress);
    if (r.status !== 200) throw this.fail(`check ${alphaId}`, r);
    return checksOf(r.body);
  }

  /**
   * Submits an alpha and polls the submission to its verdict: 403 with the
   * failed checks = rejected, 404 = accepted (BRAIN's documented ends).
   * Sends `POST /alphas/{id}/submit` exactly once (a transport error is not retried).
   * @throws VenueError 'http' for any other answer
   */
  async submit(alphaId: string, onProgress?: ProgressFn): Promise<SubmitVerdict> {
    const path = `/alphas/${encodeURIComponent(alphaId)}/submit`;
    const r = await this.authed('POST', path, 'submit');
    if (r.status === 403) return this.verdict(alphaId, r);
    if (r.status !== 201 && r.status !== 200) throw this.fail(`submit ${alphaId}`, r);
    const loc = r.headers.get('location');
    const url = loc ? resolveLocation(loc, this.baseUrl) : this.http.url(path);
    const { r: done } = await this.poll(url, 'submit', onProgress);
    return this.verdict(alphaId, done);
  }

  private verdict(alphaId: string, r: HttpResponse): SubmitVerdict {
    if (r.status === 404) return { alphaId, verdict: 'accepted', status: 404, checks: [], failed: [] };
    const checks = checksOf(r.body);
    const failed = checks.filter((c) => c.result === 'FAIL');
    if (r.status === 403) return { alphaId, verdict: 'rejected', status: 403, checks, failed };
    if (r.status === 200) return { alphaId, verdict: failed.length ? 'rejected' : 'accepted', status: 200, checks, failed };
    throw this.fail(`submission of ${alphaId}`, r);
  }
}
