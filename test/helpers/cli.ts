/** Running `alphalab` in a child process for CLI tests (async, so scripted servers in the test process keep answering). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Exit code and output of one run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx bin/alphalab.ts ...args` from the project root with extra environment variables. */
export function runAlphalab(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const root = process.cwd();
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'alphalab.ts'), ...args], { cwd: root, env: { ...process.env, ALPHALAB_ROOT: root, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

/** The last stdout line parsed as JSON (the --json summary line). */
export const lastJson = (s: string): Record<string, any> => JSON.parse(s.trim().split('\n').at(-1)!);
