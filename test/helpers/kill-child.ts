/** Child processes for crash-only tests: run a test file in child mode and SIGKILL it when its output says so. */
import { spawn } from 'node:child_process';

/**
 * Runs `node --import tsx <script>` with extra environment variables; calls
 * `killWhen(stdout so far)` on every output chunk and, the first time it
 * answers a number of ms, SIGKILLs the child after that delay (0 = at once).
 * @returns whether it was killed, and its stdout
 * @throws Error with the child's stderr when it exits non-zero on its own
 */
export function runKillableChild(script: string, env: Record<string, string>, killWhen: (out: string) => number | null): Promise<{ killed: boolean; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', armed = false;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const delay = armed ? null : killWhen(out);
      if (delay === null) return;
      armed = true;
      if (delay <= 0) p.kill('SIGKILL');
      else setTimeout(() => p.kill('SIGKILL'), delay);
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, out });
      else if (code === 0) resolve({ killed: false, out });
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}
