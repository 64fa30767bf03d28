/**
 * `alphalab dashboard [--port 5000] [--host 127.0.0.1] [--json]`: the web
 * dashboard (lib/monitor). Prints the page URL with its access token
 * (`?token=...`); `--json` prints one line `{"url","host","port"}` instead
 * (the url carries the token: it is for the person who started the server).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { projectRoot } from '../lib/db/paths.js';
import { createDashboard, monitorPaths } from '../lib/monitor/index.js';

function portNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

/** Registers `dashboard` on the program. */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('web dashboard: fleet, orchestrator, research loop, miners, trader; controls (token in the printed URL)')
    .option('--port <n>', 'port (0: any free port)', portNumber, 5000)
    .option('--host <addr>', 'address to bind (default loopback only)', '127.0.0.1')
    .option('--status-ttl <ms>', 'reuse a status snapshot for this many ms', (v) => Number(v), 1000)
    .option('--json', 'print one line {"url","host","port"}')
    .action(async (o: { port: number; host: string; statusTtl: number; json?: boolean }) => {
      const { app, token } = await createDashboard({ paths: monitorPaths(projectRoot()), statusTtlMs: o.statusTtl });
      await app.listen({ port: o.port, host: o.host });
      const addr = app.server.address();
      const port = addr && typeof addr === 'object' ? addr.port : o.port;
      const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
      const url = `http://${shown}:${port}/?token=${token}`;
      if (o.json) process.stdout.write(`${JSON.stringify({ url, host: o.host, port })}\n`);
      else {
        if (o.host !== '127.0.0.1' && o.host !== 'localhost' && o.host !== '::1') process.stderr.write(`warning: bound to ${o.host}: anyone who can reach it and has the token can stop the trader\n`);
        process.stdout.write(`dashboard: ${url}\n(Ctrl-C stops it)\n`);
      }
      const stop = () => void app.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
