import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { BrainClient, resolveLocation, fieldErrors } from '../lib/venues/brain/client.js';
import { DEFAULT_BRAIN_SIMULATION_SETTINGS, resolveBrainSettings } from '../lib/venues/brain/settings.js';
import { DEFAULT_BRAIN_SETTINGS as SIMULATOR_BRAIN_DEFAULTS } from '../lib/backtest/index.js';
import { brainCredentials, readBrainCredentialFile } from '../lib/venues/credentials.js';
import { DuckDbHttpLog, readHttpLog, replayFetch } from '../lib/venues/http-log.js';
import { VenueError } from '../lib/venues/errors.js';
import { FakeBrain } from './helpers/fake-brain.js';

const creds = { email: 'quant@example.com', password: 'pw-Sup3r-Secret!' };
const fastBackoff = { retries: 40, baseMs: 2, maxMs: 10 };
let fake: FakeBrain;
before(async () => {
  fake = new FakeBrain();
  await fake.start();
});
after(async () => fake.stop());

const client = (extra: Partial<ConstructorParameters<typeof BrainClient>[0]> = {}): BrainClient => new BrainClient({ baseUrl: fake.url, credentials: creds, backoff: fastBackoff, ...extra });

test('brain: login gives a session with token.expiry; a clock near expiry triggers a re-login before the request', async () => {
  let now = 1_000_000;
  const c = client({ now: () => now, refreshMarginS: 600 });
  const s = await c.login();
  assert.equal(s.expiresAt - s.loggedInAt, 14400 * 1000);
  assert.equal(s.userId, 'QU12345');
  const before = fake.logins;
  await c.ensureSession();
  assert.equal(fake.logins, before, 'fresh session reused');
  now += (14400 - 599) * 1000; // inside the refresh margin
  await c.ensureSession();
  assert.equal(fake.logins, before + 1, 'logged in again before expiry');
});

test('brain: a 401 mid-session (server expired it) re-logs in once and the request succeeds', async () => {
  const c = client();
  const sim = await c.simulate('rank(close)', DEFAULT_BRAIN_SIMULATION_SETTINGS);
  const logins = c.logins;
  fake.expireAll();
  const a = await c.alpha(sim.alphaId);
  assert.equal(a.id, sim.alphaId);
  assert.equal(c.logins, logins + 1);
});

test('brain: wrong password is an auth error; persona 401 surfaces the URL and completes after the person did the check', async () => {
  await assert.rejects(new BrainClient({ baseUrl: fake.url, credentials: { ...creds, password: 'wrong-password' } }).login(), (e: VenueError) => e.code === 'auth' && e.status === 401 && !e.message.includes('wrong-password'));
  const pf = new FakeBrain({ persona: true });
  await pf.start();
  try {
    const c = new BrainClient({ baseUrl: pf.url, credentials: creds });
    const err = (await c.login().catch((e: unknown) => e)) as VenueError;
    assert.equal(err.code, 'persona');
    assert.equal(err.status, 401);
    const url = (err.details as { url: string }).url;
    assert.equal(url, `${pf.url}/authentication/persona?inquiry=inq_ABC123`);
    assert.match(err.message, /persona/);
    const s = await c.completePersona(url);
    assert.ok(s.expiresAt > s.loggedInAt);
  } finally {
    await pf.stop();
  }
});

test('brain: simulation polls progress (honouring Retry-After) to COMPLETE, then metrics and checks as BRAIN returns them', async () => {
  const waits: number[] = [];
  const c = client({ sleep: async (ms) => { waits.push(ms); } });
  const progress: (number | undefined)[] = [];
  const sim = await c.simulate('-rank(ts_delta(close, 5))', DEFAULT_BRAIN_SIMULATION_SETTINGS, (p) => progress.push(p.progress));
  assert.equal(sim.status, 'COMPLETE');
  assert.deepEqual(waits, [10, 10, 10, 10]); // Retry-After 0.01 s after the POST and after each of the 3 progress polls
  assert.equal(sim.polls, 4);
  assert.match(sim.alphaId, /^A\d+$/);
  assert.deepEqual(progress, [0.25, 0.5, 0.75]);
  const posted = JSON.parse(fake.requests.filter((r) => r.path === '/simulations').at(-1)!.body);
  assert.deepEqual(Object.keys(posted), ['type', 'settings', 'regular']);
  assert.equal(posted.type, 'REGULAR');
  assert.equal(posted.settings.language, 'FASTEXPR');
  const a = await c.alpha(sim.alphaId);
  const len = '-rank(ts_delta(close, 5))'.length % 7;
  assert.equal(a.is.sharpe, 1.0 + 0.2 * len);
  assert.equal(a.is.bookSize, 20_000_000);
  assert.deepEqual(a.checks.map((x) => x.name), ['LOW_SHARPE', 'LOW_FITNESS', 'LOW_TURNOVER', 'HIGH_TURNOVER', 'CONCENTRATED_WEIGHT', 'LOW_SUB_UNIVERSE_SHARPE', 'SELF_CORRELATION', 'PROD_CORRELATION']);
  assert.equal(a.checks.find((x) => x.name === 'SELF_CORRELATION')!.result, 'PENDING');
  const full = await c.check(sim.alphaId);
  assert.equal(full.find((x) => x.name === 'SELF_CORRELATION')!.result, 'PASS');
});

test('brain: an expression error appears only when polling and is surfaced with its message and location', async () => {
  const c = client();
  const err = (await c.simulate('rank(clse)', DEFAULT_BRAIN_SIMULATION_SETTINGS).catch((e: unknown) => e)) as VenueError;
  assert.ok(err instanceof VenueError);
  assert.equal(err.code, 'expression');
  assert.match(err.message, /unknown variable "clse"/);
  const d = err.details as { message: string; location: { start: number; end: number } };
  assert.deepEqual([d.location.start, d.location.end], [5, 9]);
});

test('brain: 400 field-keyed settings errors are named; a bad settings file key is refused before sending', async () => {
  const c = client();
  const before = fake.posts(/^\/simulations$/);
  const err = (await c.simulate('rank(close)', { ...DEFAULT_BRAIN_SIMULATION_SETTINGS, region: 'MARS' }).catch((e: unknown) => e)) as VenueError;
  assert.equal(err.code, 'bad_request');
  assert.equal(err.status, 400);
  assert.match(err.message, /settings\.region: "MARS" is not a valid choice/);
  assert.equal(fake.posts(/^\/simulations$/), before + 1);
  assert.throws(() => resolveBrainSettings({ regionn: 'USA' }, 'my.json'), /my\.json: unknown BRAIN setting "regionn"/);
  assert.throws(() => resolveBrainSettings({ truncation: 2 }), /truncation must be a number in \(0, 1\]/);
  assert.deepEqual(fieldErrors({ settings: { region: ['a'], delay: ['b', 'c'] } }), ['settings.region: a', 'settings.delay: b', 'settings.delay: c']);
});

test('brain: 8 simulations with max-concurrent 3 never exceed the cap; server-side limit 2 answers 429 and the client backs off', async () => {
  const c = client({ maxConcurrent: 3 });
  fake.maxInFlight = 0;
  const sims = await Promise.all(Array.from({ length: 8 }, (_, i) => c.simulate(`rank(ts_mean(close, ${i + 2}))`, DEFAULT_BRAIN_SIMULATION_SETTINGS)));
  assert.equal(new Set(sims.map((s) => s.alphaId)).size, 8);
  assert.equal(c.simulationSlots.maxHeld, 3);
  assert.ok(fake.maxInFlight <= 3);

  const tight = new FakeBrain({ concurrencyLimit: 2 });
  await tight.start();
  try {
    const c2 = new BrainClient({ baseUrl: tight.url, credentials: creds, maxConcurrent: 3, backoff: fastBackoff });
    tight.force429 = 1; // and one plain 429 with Retry-After first
    const out = await Promise.all(Array.from({ length: 5 }, (_, i) => c2.simulate(`rank(ts_sum(close, ${i + 2}))`, DEFAULT_BRAIN_SIMULATION_SETTINGS)));
    assert.equal(out.length, 5);
    assert.ok(tight.rejected429 >= 2, `429s seen: ${tight.rejected429}`);
    assert.ok(tight.maxInFlight <= 2);
    const noRetry = new BrainClient({ baseUrl: tight.url, credentials: creds, backoff: { retries: 0 } });
    tight.force429 = 1;
    await assert.rejects(noRetry.simulate('rank(close)', DEFAULT_BRAIN_SIMULATION_SETTINGS), (e: VenueError) => e.code === 'rate_limited' && e.status === 429);
  } finally {
    await tight.stop();
  }
});

test('brain: submit rewrites the :443 Location and polls to accepted (404) or rejected (403 with failed checks)', async () => {
  assert.equal(resolveLocation('http://api.worldquantbrain.com:443/alphas/X/submit', 'https://api.worldquantbrain.com'), 'https://api.worldquantbrain.com/alphas/X/submit');
  assert.equal(resolveLocation('http://api.worldquantbrain.com:443/alphas/X/submit', 'http://127.0.0.1:9'), 'http://127.0.0.1:9/alphas/X/submit');
  assert.throws(() => resolveLocation('https://evil.example.com/x', 'https://api.worldquantbrain.com'), /another host/);
  const good = { sharpe: 2.1, fitness: 1.4, turnover: 0.2, returns: 0.15, drawdown: 0.04, margin: 0.001, longCount: 1500, shortCount: 1500, pnl: 3e6 };
  const f = new FakeBrain({ metricsFor: (e) => (e.includes('good') || e.includes('close') ? good : { ...good, sharpe: 0.7, fitness: 0.4 }) });
  await f.start();
  try {
    const c = new BrainClient({ baseUrl: f.url, credentials: creds, backoff: fastBackoff });
    const okSim = await c.simulate('rank(close)', DEFAULT_BRAIN_SIMULATION_SETTINGS);
    const v = await c.submit(okSim.alphaId);
    assert.deepEqual([v.verdict, v.status, v.failed.length], ['accepted', 404, 0]);
    assert.equal(f.alphas.get(okSim.alphaId)!.status, 'ACTIVE');
    const badSim = await c.simulate('rank(volume)', DEFAULT_BRAIN_SIMULATION_SETTINGS);
    const r = await c.submit(badSim.alphaId);
    assert.deepEqual([r.verdict, r.status], ['rejected', 403]);
    assert.deepEqual(r.failed.map((x) => x.name), ['LOW_SHARPE', 'LOW_FITNESS']);
    assert.equal(f.posts(/\/submit$/), 2);
  } finally {
    await f.stop();
  }
});

test('brain: every exchange is recorded in DuckDB with no password, Basic token or session cookie; the run replays offline', async () => {
  const db = await Db.open(':memory:');
  try {
    const log = new DuckDbHttpLog(db, 'run-1');
    const c = client({ recorder: log });
    const sim = await c.simulate('rank(ts_rank(volume, 10))', DEFAULT_BRAIN_SIMULATION_SETTINGS);
    const a = await c.alpha(sim.alphaId);
    await log.flush();
    const rows = await readHttpLog(db, 'run-1');
    assert.ok(rows.length >= 6, `rows: ${rows.length}`);
    assert.deepEqual(rows.slice(0, 2).map((r) => [r.method, new URL(r.url).pathname, r.status]), [['POST', '/authentication', 201], ['POST', '/simulations', 201]]);
    const dump = JSON.stringify(await db.all('SELECT * FROM venue_http_log'));
    const basic = Buffer.from(`${creds.email}:${creds.password}`).toString('base64');
    const cookie = [...fake.sessions.keys()];
    for (const secret of [creds.password, basic, ...cookie]) assert.ok(!dump.includes(secret), `secret leaked into the log: ${secret.slice(0, 4)}…`);
    assert.ok(dump.includes('[masked]'));
    // replay: the same client code against the recorded responses, no server
    // (base URL = the recorded origin, so recorded Locations resolve; replayFetch answers every request itself)
    const served = fake.requests.length;
    const replayed = new BrainClient({ baseUrl: new URL(rows[0]!.url).origin, credentials: creds, fetch: replayFetch(rows), backoff: fastBackoff });
    const sim2 = await replayed.simulate('rank(ts_rank(volume, 10))', DEFAULT_BRAIN_SIMULATION_SETTINGS);
    assert.equal(sim2.alphaId, sim.alphaId);
    assert.deepEqual((await replayed.alpha(sim.alphaId)).is, a.is);
    assert.equal(fake.requests.length, served, 'the replay sent nothing to the server');
  } finally {
    db.close();
  }
});

test('brain credentials: file must be owner-only and hold ["email","password"]; env is the alternative', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brain-cred-'));
  const f = join(dir, 'credential.txt');
  writeFileSync(f, JSON.stringify(['me@example.com', 'hunter2-secret']));
  chmodSync(f, 0o644);
  assert.throws(() => readBrainCredentialFile(f), (e: VenueError) => e.code === 'credentials' && /readable by others \(mode 644\).*chmod 600/.test(e.message) && !e.message.includes('hunter2'));
  chmodSync(f, 0o600);
  assert.deepEqual(readBrainCredentialFile(f), { email: 'me@example.com', password: 'hunter2-secret' });
  writeFileSync(f, '["only-one"]');
  assert.throws(() => readBrainCredentialFile(f), /two non-empty strings/);
  assert.deepEqual(brainCredentials(undefined, { BRAIN_EMAIL: 'e@x.com', BRAIN_PASSWORD: 'pw12345' }), { email: 'e@x.com', password: 'pw12345' });
});

test('BRAIN venue settings build on the simulator settings: delay, decay and truncation (0.08) come from lib/backtest, neutralization keeps BRAIN defaults and names', () => {
  assert.equal(DEFAULT_BRAIN_SIMULATION_SETTINGS.truncation, 0.08);
  for (const k of ['delay', 'decay', 'truncation'] as const) assert.equal(DEFAULT_BRAIN_SIMULATION_SETTINGS[k], SIMULATOR_BRAIN_DEFAULTS[k], k);
  assert.equal(DEFAULT_BRAIN_SIMULATION_SETTINGS.neutralization, 'SUBINDUSTRY');
  assert.equal(SIMULATOR_BRAIN_DEFAULTS.neutralization, 'market');
  assert.deepEqual(resolveBrainSettings({ truncation: 0.05 }).truncation, 0.05);
});
