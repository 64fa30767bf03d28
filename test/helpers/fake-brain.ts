/**
 * A scripted stand-in for the WorldQuant BRAIN API on 127.0.0.1 (random
 * port), reproducing the documented behaviour the client relies on:
 * Basic-auth login with a session cookie and token.expiry, persona 401,
 * simulations answered 201 + Location + Retry-After and polled with
 * {progress} until COMPLETE or ERROR (message + location), 400 field errors
 * for bad settings, 429 CONCURRENT_SIMULATION_LIMIT_EXCEEDED above the
 * concurrency limit, alpha metrics and checks, /check polling, and
 * submissions whose Location is written `http://api.worldquantbrain.com:443/...`
 * and whose polling ends in 403 (failed checks) or 404 (accepted).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './local-server.js';

/** Metrics the fake gives an alpha (BRAIN `is` fields). */
export interface FakeMetrics {
  sharpe: number;
  fitness: number;
  turnover: number;
  returns: number;
  drawdown: number;
  margin: number;
  longCount: number;
  shortCount: number;
  pnl: number;
}

interface Sim { id: string; user: string; expr: string; polls: number; done: boolean; alphaId?: string; error?: { message: string; location: unknown } }
interface Alpha { id: string; expr: string; settings: unknown; metrics: FakeMetrics; status: string; checkPolls: number; submitPolls: number; submits: number }

const KNOWN = new Set(['open', 'high', 'low', 'close', 'volume', 'returns', 'vwap', 'adv20', 'cap', 'sector', 'industry', 'subindustry', 'market',
  'rank', 'zscore', 'normalize', 'scale', 'winsorize', 'ts_mean', 'ts_sum', 'ts_std_dev', 'ts_rank', 'ts_delta', 'ts_delay', 'ts_corr', 'ts_covariance',
  'ts_decay_linear', 'ts_min', 'ts_max', 'ts_arg_min', 'ts_arg_max', 'ts_zscore', 'ts_product', 'ts_regression', 'group_neutralize', 'group_rank', 'group_zscore', 'group_mean',
  'abs', 'log', 'sqrt', 'exp', 'sign', 'signed_power', 'power', 'min', 'max', 'if_else', 'and', 'or', 'not', 'std', 'rettype']);

const VALID: Record<string, readonly unknown[]> = {
  instrumentType: ['EQUITY'], region: ['USA', 'CHN', 'EUR', 'ASI', 'GLB', 'JPN'], universe: ['TOP3000', 'TOP1000', 'TOP500', 'TOP200', 'TOPSP500'],
  delay: [0, 1], neutralization: ['NONE', 'MARKET', 'SECTOR', 'INDUSTRY', 'SUBINDUSTRY'], pasteurization: ['ON', 'OFF'], unitHandling: ['VERIFY'],
  nanHandling: ['ON', 'OFF'], language: ['FASTEXPR'], maxTrade: ['ON', 'OFF'],
};

/** Options of {@link FakeBrain}. */
export interface FakeBrainOptions {
  email?: string;
  password?: string;
  /** Answer logins with 401 WWW-Authenticate: persona until the persona URL is POSTed. */
  persona?: boolean;
  /** Simulations in flight per user before 429 (default 3). */
  concurrencyLimit?: number;
  /** Polls that return progress before a simulation finishes (default 3). */
  progressPolls?: number;
  /** Retry-After the fake sends, seconds (default "0.01"). */
  retryAfter?: string;
  /** token.expiry in seconds (default 14400). */
  expiry?: number;
  /** Metrics per expression (default: derived from the expression's length). */
  metricsFor?: (expr: string) => FakeMetrics;
}

/** The fake BRAIN server. */
export class FakeBrain extends LocalServer {
  readonly o: Required<Omit<FakeBrainOptions, 'metricsFor'>> & Pick<FakeBrainOptions, 'metricsFor'>;
  /** Server clock, epoch ms (tests move it to expire sessions). */
  now: () => number = Date.now;
  readonly sessions = new Map<string, { user: string; expiresAt: number }>();
  readonly sims = new Map<string, Sim>();
  readonly alphas = new Map<string, Alpha>();
  /** Every request: method, path, and whether it carried a valid session. */
  readonly requests: { method: string; path: string; body: string; authorization?: string; cookie?: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  logins = 0;
  rejected429 = 0;
  /** Force this many extra 429s (without the concurrency reason) on the next POST /simulations. */
  force429 = 0;
  personaDone = false;
  private seq = 0;

  constructor(o: FakeBrainOptions = {}) {
    super();
    this.o = { email: 'quant@example.com', password: 'pw-Sup3r-Secret!', persona: false, concurrencyLimit: 3, progressPolls: 3, retryAfter: '0.01', expiry: 14400, ...o };
  }



  /** Expires every session now (server side). */
  expireAll(): void {
    for (const s of this.sessions.values()) s.expiresAt = 0;
  }

  /** Count of POSTs to a path matching `re`. */
  posts(re: RegExp): number {
    return this.requests.filter((r) => r.method === 'POST' && re.test(r.path)).length;
  }

  private metrics(expr: string): FakeMetrics {
    if (this.o.metricsFor) return this.o.metricsFor(expr);
    const k = expr.length % 7;
    return { sharpe: 1.0 + 0.2 * k, fitness: 0.8 + 0.15 * k, turnover: 0.05 + 0.01 * k, returns: 0.08 + 0.01 * k, drawdown: 0.05, margin: 0.0005, longCount: 1500, shortCount: 1490, pnl: 1e6 * (1 + k) };
  }

  private checks(a: Alpha, full: boolean): Record<string, unknown>[] {
    const m = a.metrics;
    const pf = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    return [
      { name: 'LOW_SHARPE', result: pf(m.sharpe >= 1.25), limit: 1.25, value: m.sharpe },
      { name: 'LOW_FITNESS', result: pf(m.fitness >= 1.0), limit: 1.0, value: m.fitness },
      { name: 'LOW_TURNOVER', result: pf(m.turnover >= 0.01), limit: 0.01, value: m.turnover },
      { name: 'HIGH_TURNOVER', result: pf(m.turnover <= 0.7), limit: 0.7, value: m.turnover },
      { name: 'CONCENTRATED_WEIGHT', result: 'PASS' },
      { name: 'LOW_SUB_UNIVERSE_SHARPE', result: 'PASS', limit: 0.5, value: m.sharpe * 0.8 },
      { name: 'SELF_CORRELATION', result: full ? 'PASS' : 'PENDING', ...(full ? { limit: 0.7, value: 0.31 } : {}) },
      { name: 'PROD_CORRELATION', result: full ? 'PASS' : 'PENDING', ...(full ? { limit: 0.7, value: 0.42 } : {}) },
    ];
  }


  private user(req: IncomingMessage): string | undefined {
    const m = /(?:^|;\s*)t=([^;]+)/.exec(req.headers.cookie ?? '');
    const s = m ? this.sessions.get(m[1]!) : undefined;
    return s && s.expiresAt > this.now() ? s.user : undefined;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, body, authorization: req.headers.authorization, cookie: req.headers.cookie });

    if (method === 'POST' && path === '/authentication') {
      const expected = `Basic ${Buffer.from(`${this.o.email}:${this.o.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return this.send(res, 401, { detail: 'Incorrect authentication credentials.' });
      if (this.o.persona && !this.personaDone) return this.send(res, 401, { detail: 'persona required' }, { 'www-authenticate': 'persona', location: '/authentication/persona?inquiry=inq_ABC123' });
      const token = randomBytes(24).toString('hex');
      this.sessions.set(token, { user: this.o.email, expiresAt: this.now() + this.o.expiry * 1000 });
      this.logins++;
      return this.send(res, 201, { user: { id: 'QU12345' }, token: { expiry: this.o.expiry }, permissions: ['TOOLTIPS', 'REFERRAL', 'CONSULTANT'] }, { 'set-cookie': `t=${token}; Path=/; HttpOnly; SameSite=Lax` });
    }
    if (method === 'POST' && path === '/authentication/persona') {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${this.o.email}:${this.o.password}`).toString('base64')}`) return this.send(res, 401, { detail: 'Incorrect authentication credentials.' });
      this.personaDone = true;
      return this.send(res, 201, {});
    }
    const user = this.user(req);
    if (!user) return this.send(res, 401, { detail: 'Incorrect authentication credentials.' });

    if (method === 'POST' && path === '/simulations') {
      const p = JSON.parse(body) as { type: string; settings: Record<string, unknown>; regular: string };
      const errs: Record<string, string[]> = {};
      for (const [k, allowed] of Object.entries(VALID)) if (!allowed.includes(p.settings?.[k])) errs[k] = [`"${String(p.settings?.[k])}" is not a valid choice.`];
      if (typeof p.settings?.truncation !== 'number' || (p.settings.truncation as number) <= 0 || (p.settings.truncation as number) > 1) errs.truncation = ['Ensure this value is between 0 and 1.'];
      if (Object.keys(errs).length) return this.send(res, 400, { settings: errs });
      if (this.force429 > 0) {
        this.force429--;
        this.rejected429++;
        return this.send(res, 429, { detail: 'Too many requests' }, { 'retry-after': this.o.retryAfter });
      }
      if (this.inFlight >= this.o.concurrencyLimit) {
        this.rejected429++;
        return this.send(res, 429, { detail: 'CONCURRENT_SIMULATION_LIMIT_EXCEEDED' });
      }
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const id = `sim${++this.seq}`;
      this.sims.set(id, { id, user, expr: p.regular, polls: 0, done: false });
      (this.sims.get(id) as Sim & { settings?: unknown }).settings = p.settings;
      return this.send(res, 201, undefined, { location: `${this.url}/simulations/${id}`, 'retry-after': this.o.retryAfter });
    }
    let m = /^\/simulations\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const sim = this.sims.get(m[1]!);
      if (!sim) return this.send(res, 404, { detail: 'Not found.' });
      if (!sim.done && sim.polls < this.o.progressPolls) {
        sim.polls++;
        return this.send(res, 200, { progress: sim.polls / (this.o.progressPolls + 1) }, { 'retry-after': this.o.retryAfter });
      }
      if (!sim.done) {
        sim.done = true;
        this.inFlight--;
        const bad = [...sim.expr.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].find((t) => !KNOWN.has(t[0]));
        if (bad) sim.error = { message: `Attempted to use unknown variable "${bad[0]}"`, location: { line: 1, start: bad.index, end: bad.index! + bad[0].length, property: 'regular' } };
        else {
          const aid = `A${String(++this.seq).padStart(6, '0')}`;
          this.alphas.set(aid, { id: aid, expr: sim.expr, settings: (sim as Sim & { settings?: unknown }).settings, metrics: this.metrics(sim.expr), status: 'UNSUBMITTED', checkPolls: 0, submitPolls: 0, submits: 0 });
          sim.alphaId = aid;
        }
      }
      if (sim.error) return this.send(res, 200, { id: sim.id, type: 'REGULAR', status: 'ERROR', message: sim.error.message, location: sim.error.location });
      return this.send(res, 200, { id: sim.id, type: 'REGULAR', status: 'COMPLETE', alpha: sim.alphaId });
    }
    m = /^\/alphas\/([^/]+)(\/check|\/submit)?$/.exec(path);
    const a = m ? this.alphas.get(m[1]!) : undefined;
    if (m && !a) return this.send(res, 404, { detail: 'Not found.' });
    if (a && method === 'GET' && !m![2]) {
      const { pnl, ...rest } = a.metrics;
      return this.send(res, 200, { id: a.id, type: 'REGULAR', status: a.status, settings: a.settings, regular: { code: a.expr }, is: { pnl, bookSize: 20_000_000, ...rest, startDate: '2019-01-01', checks: this.checks(a, false) } });
    }
    if (a && method === 'GET' && m![2] === '/check') {
      if (a.checkPolls++ < 1) return this.send(res, 200, {}, { 'retry-after': this.o.retryAfter });
      return this.send(res, 200, { is: { checks: this.checks(a, true) } });
    }
    if (a && method === 'POST' && m![2] === '/submit') {
      a.submits++;
      a.submitPolls = 0;
      return this.send(res, 201, undefined, { location: `http://api.worldquantbrain.com:443/alphas/${a.id}/submit`, 'retry-after': this.o.retryAfter });
    }
    if (a && method === 'GET' && m![2] === '/submit') {
      if (a.submits === 0) return this.send(res, 404, { detail: 'Not found.' });
      if (a.submitPolls++ < 2) return this.send(res, 200, {}, { 'retry-after': this.o.retryAfter });
      const checks = this.checks(a, true);
      if (checks.some((c) => c.result === 'FAIL')) return this.send(res, 403, { is: { checks } });
      a.status = 'ACTIVE';
      return this.send(res, 404, { detail: 'Not found.' });
    }
    return this.send(res, 404, { detail: 'Not found.' });
  }
}
