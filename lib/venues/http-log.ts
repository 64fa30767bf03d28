/**
 * The DuckDB request log of the venue clients (`venue_http_log`): every
 * request and response, secrets masked by {@link VenueHttp} before they reach
 * it, tagged with a run id; and {@link replayFetch}, a `fetch` that answers a
 * client's requests from a recorded run, in order, so a run can be replayed
 * offline (the same client code path, no service).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { HttpExchange, HttpRecorder } from './http.js';

/** Name of the request-log table. */
export const HTTP_LOG_TABLE = 'venue_http_log';

/** Creates the request-log table when missing. */
export async function ensureHttpLog(db: Db): Promise<void> {
  await db.exec(`CREATE SEQUENCE IF NOT EXISTS ${HTTP_LOG_TABLE}_seq`);
  await db.exec(`CREATE TABLE IF NOT EXISTS ${HTTP_LOG_TABLE} (
    id BIGINT PRIMARY KEY DEFAULT nextval('${HTTP_LOG_TABLE}_seq'),
    run_id VARCHAR NOT NULL, venue VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL,
    method VARCHAR NOT NULL, url VARCHAR NOT NULL, request_headers VARCHAR, request_body VARCHAR,
    status INTEGER NOT NULL, response_headers VARCHAR, response_body VARCHAR,
    duration_ms DOUBLE, error VARCHAR)`);
}

/**
 * A recorder writing every exchange to `venue_http_log` in DuckDB. Writes are
 * serialized through one promise chain (one connection); {@link flush} waits
 * for them. A failing write is kept in `errors`, never thrown into the client.
 */
export class DuckDbHttpLog implements HttpRecorder {
  private chain: Promise<void> = Promise.resolve();
  private ready: Promise<void> | undefined;
  /** Write errors (messages), if any. */
  readonly errors: string[] = [];

  /** @param runId tag of this run (default a random UUID) */
  constructor(private readonly db: Db, readonly runId: string = randomUUID()) {}

  private pending: HttpExchange[] = [];

  record(x: HttpExchange): Promise<void> {
    this.ready ??= ensureHttpLog(this.db);
    this.pending.push(x);
    // exchanges that arrive while a write runs go out together in the next statement
    this.chain = this.chain.then(() => this.write()).catch((err: Error) => {
      this.errors.push(err.message);
    });
    return this.chain;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    await this.ready;
    await this.db.exec(
      `INSERT INTO ${HTTP_LOG_TABLE} (run_id, venue, started_at, method, url, request_headers, request_body, status, response_headers, response_body, duration_ms, error)
       VALUES ${batch.map(() => '(?, ?, make_timestamp(?::BIGINT * 1000), ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      batch.flatMap((x) => [this.runId, x.venue, x.startedAt, x.method, x.url, JSON.stringify(x.requestHeaders), x.requestBody, x.status, JSON.stringify(x.responseHeaders), x.responseBody, x.durationMs, x.error ?? null]),
    );
  }

  /** Resolves when every write so far is done. */
  flush(): Promise<void> {
    return this.chain;
  }
}

/** One row of `venue_http_log`. */
export interface HttpLogRow {
  id: number;
  run_id: string;
  venue: string;
  method: string;
  url: string;
  request_headers: string;
  request_body: string;
  status: number;
  response_headers: string;
  response_body: string;
  error: string | null;
}

/** The exchanges of one run, in order (all runs when runId is undefined). */
export async function readHttpLog(db: Db, runId?: string): Promise<HttpLogRow[]> {
  await ensureHttpLog(db);
  return runId === undefined
    ? db.all<HttpLogRow & Record<string, unknown>>(`SELECT * FROM ${HTTP_LOG_TABLE} ORDER BY id`)
    : db.all<HttpLogRow & Record<string, unknown>>(`SELECT * FROM ${HTTP_LOG_TABLE} WHERE run_id = ? ORDER BY id`, [runId]);
}

/**
 * A `fetch` that replays a recorded run: each request is answered with the
 * next recorded response of the same method and URL path+query (origin
 * ignored, so a run recorded against one host replays against any base URL).
 * Masked headers come back as `[masked]` (a replayed session cookie is not a
 * real one, which the replay does not need).
 * @throws TypeError (as fetch does for network failures) when no recorded
 *   response is left for a request, naming it.
 */
export function replayFetch(rows: readonly HttpLogRow[]): typeof fetch {
  const queues = new Map<string, HttpLogRow[]>();
  const key = (method: string, url: string): string => {
    const u = new URL(url);
    return `${method.toUpperCase()} ${u.pathname}${u.search}`;
  };
  for (const r of rows) {
    if (r.status === 0) continue;
    const k = key(r.method, r.url);
    const q = queues.get(k) ?? [];
    q.push(r);
    queues.set(k, q);
  }
  const replay = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const k = key(init?.method ?? 'GET', url);
    const r = queues.get(k)?.shift();
    if (!r) throw new TypeError(`replay: no recorded response left for ${k}`);
    const h = new Headers();
    for (const [name, v] of Object.entries(JSON.parse(r.response_headers || '{}') as Record<string, string>)) {
      if (name !== 'content-length' && name !== 'transfer-encoding') h.set(name, v);
    }
    const nullBody = r.status === 204 || r.status === 304;
    return new Response(nullBody ? null : r.response_body, { status: r.status, headers: h });
  };
  return replay as typeof fetch;
}
