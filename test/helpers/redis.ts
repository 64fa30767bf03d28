/**
 * A throwaway redis-server for a test: started on a free 127.0.0.1 port with
 * no persistence (`--save '' --appendonly no`), stopped by `stop()`. Returns
 * null when redis-server is not installed (the caller skips with a message;
 * .ci/run installs Debian's redis-server).
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether redis-server is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts redis-server (see the module comment); resolves once it accepts connections. */
export async function startRedis(): Promise<{ url: string; stop: () => Promise<void> } | null> {
  if (!hasRedisServer()) return null;
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${out}`)), 20_000);
    const probe = setInterval(() => {
      const sock = connect(port, '127.0.0.1', () => sock.write('PING\r\n'));
      sock.on('data', (d) => {
        sock.destroy();
        if (d.toString().startsWith('+PONG')) { clearInterval(probe); clearTimeout(t); resolve(); }
      });
      sock.on('error', () => sock.destroy());
    }, 100);
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.once('exit', (code) => { clearInterval(probe); clearTimeout(t); reject(new Error(`redis-server exited (${code}): ${out}`)); });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}
