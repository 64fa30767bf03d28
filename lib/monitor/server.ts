/**
 * The dashboard server (fastify with @fastify/websocket and @fastify/static):
 * REST API under /api/v1, a websocket of log events, and one static page.
 *
 * Security (Jupyter's model): a random token (32 bytes, base64url: 43
 * URL-safe characters) printed at start in the page URL `?token=...`. Every
 * API call needs `Authorization: Bearer <token>`; the websocket takes it as
 * that header or, from a browser (which cannot set headers on a websocket),
 * as the subprotocol `bearer.<token>`; the page URL (`/`) accepts it in the
 * query for the first load. State-changing calls are POST and need the
 * header (no cookies: a page on another origin cannot send it). The Host
 * header must name the bound address (DNS rebinding). Nothing secret is sent
 * to the page: stores hold no keys, and log events carry only
 * time/level/component/msg/pid. Requests are not logged (the page URL holds the token).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { MonitorPaths } from './paths.js';
import { journalFiles, readAlphas, readPositions, readProfit, readStatus, readTrades, type AlphaFilter, type StatusSnapshot } from './snapshot.js';
import { queueControlRequest, forceExit, pause, pendingRequests, readRequests, requestsDir, resume, stopTrading, REQUEST_KINDS } from './controls.js';
import { requestCounts } from '../jobs/index.js';
import { doneForceExits, pendingForceExits } from '../trade/index.js';
import { readScatter, readTimeline } from './views.js';
import { followLogs, logMatches, tailLogs, LOG_LEVELS, type LogEvent, type LogFilter } from './logs.js';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  paths: MonitorPaths;
  /** Access token; default a fresh random one ({@link newToken}). Must be >= 32 URL-safe characters. */
  token?: string;
  /** How long a status snapshot is reused, ms (default 1000; 0 reads the stores on every call). Past it, the previous snapshot is answered while one refresh runs. */
  statusTtlMs?: number;
  /** Log follow interval, ms (default 250). */
  logPollMs?: number;
}

/** A random URL-safe token: 32 random bytes as base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Folder of the page (index.html, app.js). */
export function publicDir(root: string): string {
  return join(root, 'lib', 'monitor', 'public');
}

function tokenEquals(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1]! : null;
}

/** Websocket subprotocol token (`bearer.<token>`), for browsers. */
function protocolToken(req: FastifyRequest): string | null {
  const h = req.headers['sec-websocket-protocol'];
  const list = (Array.isArray(h) ? h.join(',') : h ?? '').split(',').map((s) => s.trim());
  const p = list.find((s) => s.startsWith('bearer.'));
  return p ? p.slice('bearer.'.length) : null;
}

class BadRequest extends Error {}

function num(q: Record<string, string | undefined>, k: string): number | undefined {
  const v = q[k];
  if (v === undefined || v === '') return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new BadRequest(`query parameter "${k}": not a number: ${v}`);
  return x;
}

function logFilter(q: Record<string, string | undefined>): LogFilter {
  if (q.level && !(q.level in LOG_LEVELS)) throw new BadRequest(`query parameter "level": unknown level "${q.level}" (${Object.keys(LOG_LEVELS).join(', ')})`);
  const limit = num(q, 'limit');
  return { ...(q.component ? { component: q.component } : {}), ...(q.level ? { level: q.level } : {}), ...(limit !== undefined ? { limit } : {}) };
}

/**
 * Builds the server (not listening yet: call `listen`).
 * @throws Error when the token is shorter than 32 characters or not URL-safe
 */
export async function createDashboard(o: DashboardOptions): Promise<{ app: FastifyInstance; token: string }> {
  const token = o.token ?? newToken();
  if (!/^[A-Za-z0-9_-]{32,}$/.test(token)) throw new Error('dashboard token: need at least 32 URL-safe characters [A-Za-z0-9_-]');
  const { paths } = o;
  const ttl = o.statusTtlMs ?? 1000;
  const app = Fastify({ logger: false });
  await app.register(fastifyWebsocket);
  await app.register(fastifyStatic, { root: publicDir(paths.root), prefix: '/static/', index: false });
  const plotly = join(paths.root, 'node_modules', 'plotly.js-dist', 'plotly.js');
  await app.register(fastifyStatic, { root: dirname(plotly), prefix: '/vendor/plotly/', decorateReply: false, index: false, allowedPath: (p) => p === '/plotly.js' });

  let allowedHosts: Set<string> | null = null;
  app.addHook('onReady', async () => undefined);
  app.addHook('onRequest', async (req, reply) => {
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example
    if (allowedHosts === null) {
      const addr = app.server.address();
      const port = addr && typeof addr === 'object' ? addr.port : 0;
      allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
      if (addr && typeof addr === 'object') allowedHosts.add(`${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${port}`);
    }
    const host = req.headers.host ?? '';
    if (!allowedHosts.has(host) && !(app.server.address() && isNonLoopbackBind(app))) return reply.code(403).send({ error: `host "${host}" not allowed` });
    const url = req.url;
    if (url.startsWith('/static/') || url.startsWith('/vendor/')) return;
    if (url === '/' || url.startsWith('/?')) {
      const q = (req.query as Record<string, string | undefined>).token;
      if ((q && tokenEquals(q, token)) || tokenEquals(bearer(req) ?? '', token)) return;
      return reply.code(401).type('text/plain').send('401: open the URL printed by `alphalab dashboard` (it carries ?token=...)\n');
    }
    const given = bearer(req) ?? (url.startsWith('/api/v1/ws') ? protocolToken(req) : null);
    if (!given || !tokenEquals(given, token)) return reply.code(401).send({ error: 'missing or wrong token: send Authorization: Bearer <token>' });
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const code = err instanceof BadRequest || /^(alphas|stop|unknown)/.test(err.message) ? 400 : err.statusCode ?? 500;
    void reply.code(code).send({ error: err.message });
  });

  // snapshot reuse: younger than ttl -> as is; older -> answered at once with the previous one while one refresh runs
  // (its `at` says how old it is); after a control, the next call waits for a fresh read
  let last: { at: number; value: StatusSnapshot } | null = null;
  let inflight: Promise<StatusSnapshot> | null = null;
  const status = async (): Promise<StatusSnapshot> => {
    if (ttl <= 0) return readStatus(paths);
    const now = Date.now();
    if (last && now - last.at < ttl) return last.value;
    inflight ??= readStatus(paths, now)
      .then((value) => ((last = { at: now, value }), value))
      .finally(() => (inflight = null));
    return last ? last.value : inflight;
  };
  const invalidate = () => (last = null);

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').sendFile('index.html', publicDir(paths.root)));
  app.get('/api/v1/health', async () => ({ ok: true, uptimeS: Math.round(process.uptime()), stores: { catalog: existsSync(paths.catalog), jobs: existsSync(paths.jobs), fleetState: existsSync(paths.fleetState), journals: journalFiles(paths).length } }));
  app.get('/api/v1/status', async () => ({ ...(await status()), requests: pendingRequests(paths).length, requestStates: requestCounts(requestsDir(paths)) }));
  app.get('/api/v1/requests', async (req) => ({ requests: readRequests(paths, num(req.query as Record<string, string | undefined>, 'limit') ?? 100) }));
  app.get('/api/v1/forceexit', async () => ({ journals: journalFiles(paths).map((p) => ({ journal: basename(p, '.duckdb'), pending: pendingForceExits(p), done: doneForceExits(p).reverse() })) }));
  app.get('/api/v1/alphas', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const kind = (q.kind ?? 'generated') as AlphaFilter['kind'];
    if (!['generated', 'hopeful', 'submitted'].includes(kind)) throw new BadRequest(`query parameter "kind": "${kind}" is not generated, hopeful or submitted`);
    const f: AlphaFilter = { kind };
    if (q.status) f.status = q.status;
    if (q.text) f.text = q.text;
    const ms = num(q, 'minSharpe'), lim = num(q, 'limit');
    if (ms !== undefined) f.minSharpe = ms;
    if (lim !== undefined) f.limit = lim;
    return readAlphas(paths, f);
  });
  app.get('/api/v1/trades', async (req) => ({ journals: await readTrades(paths, (req.query as Record<string, string | undefined>).journal) }));
  app.get('/api/v1/positions', async (req) => ({ journals: await readPositions(paths, (req.query as Record<string, string | undefined>).journal) }));
  app.get('/api/v1/profit', async () => readProfit(paths));
  app.get('/api/v1/timeline', async (req) => readTimeline(paths, num(req.query as Record<string, string | undefined>, 'limit') ?? 200));
  app.get('/api/v1/scatter', async () => readScatter(paths));
  app.get('/api/v1/logs', async (req) => ({ events: tailLogs(paths.logs, logFilter(req.query as Record<string, string | undefined>)) }));

  const body = (req: FastifyRequest): Record<string, unknown> => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});
  const control = (path: string, fn: (b: Record<string, unknown>) => unknown) =>
    app.post(`/api/v1/controls/${path}`, async (req: FastifyRequest, reply: FastifyReply) => {
      const out = fn(body(req));
      invalidate();
      return reply.send(out);
    });
  control('pause', () => pause(paths, 'dashboard'));
  control('resume', () => resume(paths));
  control('stop', (b) => ({ stopped: stopTrading(journalFiles(paths), { ...(typeof b.journal === 'string' ? { journal: b.journal } : {}), flatten: b.flatten === true, clear: b.clear === true, source: 'dashboard' }) }));
  const bad = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new BadRequest((err as Error).message);
    }
  };
  for (const kind of REQUEST_KINDS) control(kind, (b) => bad(() => queueControlRequest(paths, kind, b, 'dashboard')));
  // freqtrade's path: POST /api/v1/forceexit {symbol | "all", journal?}
  app.post('/api/v1/forceexit', async (req) => {
    const b = body(req);
    const out = bad(() => forceExit(journalFiles(paths), { symbol: String(b.symbol ?? ''), ...(typeof b.journal === 'string' ? { journal: b.journal } : {}), source: 'dashboard' }));
    invalidate();
    return { queued: out, note: 'each engine closes the position at its next bar through its normal order path (risk checks, journal); state at GET /api/v1/forceexit' };
  });

  // websocket: log events as they are appended, filtered per client ({"type":"filter","component","level"})
  const clients = new Map<{ send(data: string): void; readyState: number }, LogFilter>();
  let stopFollow: (() => void) | null = null;
  const broadcast = (e: LogEvent) => {
    for (const [ws, f] of clients) if (ws.readyState === 1 && logMatches(e, f)) ws.send(JSON.stringify({ type: 'log', event: e }));
  };
  app.get('/api/v1/ws', { websocket: true }, (socket) => {
    clients.set(socket, {});
    stopFollow ??= followLogs(paths.logs, broadcast, o.logPollMs ?? 250);
    socket.send(JSON.stringify({ type: 'hello', levels: Object.keys(LOG_LEVELS) }));
    socket.on('message', (raw: Buffer) => {
      try {
        const m = JSON.parse(raw.toString()) as Record<string, string | undefined>;
        if (m.type === 'filter') clients.set(socket, logFilter(m));
      } catch (err) {
        socket.send(JSON.stringify({ type: 'error', error: (err as Error).message }));
      }
    });
    socket.on('close', () => {
      clients.delete(socket);
      if (clients.size === 0 && stopFollow) (stopFollow(), (stopFollow = null));
    });
  });
  app.addHook('onClose', async () => {
    if (stopFollow) stopFollow();
  });
  return { app, token };
}

function isNonLoopbackBind(app: FastifyInstance): boolean {
  const a = app.server.address();
  if (!a || typeof a !== 'object') return false;
  return !['127.0.0.1', '::1', 'localhost'].includes(a.address);
}
