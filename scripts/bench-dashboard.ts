/**
 * Load check of the dashboard: requests per second and latency percentiles
 * of GET /api/v1/status (and of GET /api/v1/timeline) over HTTP on 127.0.0.1, with the stores populated by
 * the test seed (offline research loop, two paper replays, BRAIN, jobs,
 * fleet, logs). Bounded: at most --requests requests and --seconds seconds
 * per case, --concurrency in flight. Two cases: fresh reads of every store on
 * each call (ttl 0) and the server's default 1 s snapshot reuse.
 *
 *   npm run bench:dashboard -- [--requests 400] [--seconds 20] [--concurrency 4] [--json]
 */
import { loadavg, cpus } from 'node:os';
import { rmSync } from 'node:fs';
import { Command } from 'commander';
import { createDashboard } from '../lib/monitor/index.js';
import { seedStores } from '../test/helpers/monitor-fixture.js';

const o = new Command()
  .option('--requests <n>', 'max requests per case', (v) => Number(v), 400)
  .option('--seconds <s>', 'max seconds per case', (v) => Number(v), 20)
  .option('--concurrency <n>', 'requests in flight', (v) => Number(v), 4)
  .option('--json', 'one summary line')
  .parse()
  .opts<{ requests: number; seconds: number; concurrency: number; json?: boolean }>();

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function run(ttl: number, paths: ReturnType<typeof seedStores>['paths'], endpoint = 'status') {
  const { app, token } = await createDashboard({ paths, statusTtlMs: ttl });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1/${endpoint}`;
  const headers = { authorization: `Bearer ${token}` };
  await (await fetch(url, { headers })).json(); // warm-up
  const lat: number[] = [];
  let sent = 0, failed = 0;
  const t0 = performance.now(), deadline = t0 + o.seconds * 1000;
  const worker = async () => {
    while (sent < o.requests && performance.now() < deadline) {
      sent++;
      const a = performance.now();
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status !== 200) failed++;
      lat.push(performance.now() - a);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const wall = (performance.now() - t0) / 1000;
  await app.close();
  lat.sort((a, b) => a - b);
  return { endpoint, statusTtlMs: ttl, requests: lat.length, failed, seconds: +wall.toFixed(2), rps: +(lat.length / wall).toFixed(1), p50Ms: +pct(lat, 50).toFixed(1), p99Ms: +pct(lat, 99).toFixed(1), maxMs: +lat.at(-1)!.toFixed(1) };
}

process.stderr.write('seeding stores (offline research loop, paper replays, ...)\n');
const { dir, paths } = seedStores();
try {
  // timeline: every store read on each call (no snapshot reuse), the heaviest page call besides a fresh status
  const cases = [await run(0, paths), await run(1000, paths), await run(0, paths, 'timeline')];
  const load = loadavg().map((x) => +x.toFixed(2));
  if (o.json) process.stdout.write(`${JSON.stringify({ cases, concurrency: o.concurrency, loadavg: load, cores: cpus().length })}\n`);
  else {
    for (const c of cases) process.stdout.write(`${c.endpoint}${c.endpoint === 'status' ? ` (ttl ${c.statusTtlMs} ms)` : ''}: ${c.requests} requests in ${c.seconds} s = ${c.rps} req/s, p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms, max ${c.maxMs} ms, ${c.failed} failed\n`);
    process.stdout.write(`concurrency ${o.concurrency}; machine load ${load.join(' ')} on ${cpus().length} cores (shared with other jobs)\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
