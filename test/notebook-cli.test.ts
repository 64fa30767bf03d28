/**
 * `alphalab run` as users call it (npm run notebooks): the exit code and the
 * summary of a failing run, and Ctrl-C (SIGINT) in the middle of a cell
 * shutting down the kernel and the Jupyter server it started. Each run uses
 * its own JUPYTER_RUNTIME_DIR, so the test sees the kernel connection files
 * and can check that no process using them survives.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../lib/notebook/index.js';

const root = process.cwd();
const FIX = join('test', 'fixtures', 'notebooks');

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `alphalab <args>`; `onStderr` sees the growing stderr and may signal the child. */
function cli(args: string[], runtimeDir: string, onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'alphalab.ts'), ...args], {
      cwd: root,
      env: { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Processes whose command line mentions `needle` (Linux /proc). */
function processesMentioning(needle: string): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(needle)) hits.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
    } catch {
      /* gone */
    }
  }
  return hits;
}

async function noneLeft(needle: string): Promise<string[]> {
  let left: string[] = [];
  for (let i = 0; i < 50; i++) {
    left = processesMentioning(needle);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return left;
}

test('alphalab run: a failing notebook gives exit code 1, progress, and a summary naming cell 3', async () => {
  const rt = mkdtempSync(join(tmpdir(), 'alphalab-rt-'));
  const out = mkdtempSync(join(tmpdir(), 'alphalab-cli-'));
  const r = await cli(['run', join(FIX, 'fail.ipynb'), '--out', out], rt);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /jupyter (server|notebook) at http:\/\/127\.0\.0\.1:\d+\/ \(up in \d+ ms\)/);
  assert.match(r.stderr, /\[1\/1\] test\/fixtures\/notebooks\/fail\.ipynb cell 3\/4 \.\.\. FAILED/);
  assert.match(r.stdout, /test\/fixtures\/notebooks\/fail\.ipynb\s+FAILED\s+[\d.]+\s+3\/4/);
  assert.match(r.stdout, /0\/1 notebooks ran without error/);
  assert.match(r.stdout, /fail\.ipynb: cell 3 \(id cell-3\) failed: Error: boom at cell 3 42/);
  assert.deepEqual(readdirSync(out), ['fail.ipynb']);
  assert.deepEqual(await noneLeft(rt), []);
});

test('Ctrl-C during a cell shuts down the kernel and the server, exit code 130', async () => {
  const rt = mkdtempSync(join(tmpdir(), 'alphalab-rt-'));
  const out = mkdtempSync(join(tmpdir(), 'alphalab-cli-'));
  let sent = false;
  let kernelFiles: string[] = [];
  const r = await cli(['run', join(FIX, 'timeout.ipynb'), '--out', out, '--timeout', '120'], rt, (err, kill) => {
    if (!sent && /cell 2\/3 \.\.\./.test(err)) {
      sent = true;
      kernelFiles = readdirSync(rt).filter((f) => f.startsWith('kernel-'));
      kill('SIGINT');
    }
  });
  assert.ok(sent, `never reached cell 2: ${r.stderr}`);
  assert.equal(kernelFiles.length, 1, 'one kernel was running when Ctrl-C came');
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGINT: shutting down the kernel and the Jupyter server/);
  assert.deepEqual(await noneLeft(rt), [], 'no kernel process survives');
  const url = /jupyter \w+ at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(r.stderr)?.[1];
  assert.ok(url, 'server URL printed');
  await assert.rejects(fetch(`${url}api/status`), 'the server no longer answers');
});

test('alphalab lab: serves on 127.0.0.1 with the project kernels registered through JUPYTER_PATH, stops on SIGTERM', async () => {
  const rt = mkdtempSync(join(tmpdir(), 'alphalab-rt-'));
  const port = await freePort();
  let specs: Record<string, unknown> | undefined;
  let asked = false;
  const r = await new Promise<CliRun>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'alphalab.ts'), 'lab', '--port', String(port)], {
      cwd: root,
      env: { ...process.env, JUPYTER_RUNTIME_DIR: rt, JUPYTER_PATH: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const onData = (): void => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/(?:lab|tree)?\?token=([0-9a-f]+)/.exec(stderr + stdout);
      if (!m || asked) return;
      asked = true;
      void fetch(`http://127.0.0.1:${m[1]}/api/kernelspecs`, { headers: { Authorization: `token ${m[2]}` } })
        .then(async (res) => (specs = (await res.json()) as Record<string, unknown>))
        .finally(() => child.kill('SIGTERM'));
    };
    child.stdout.on('data', (b: Buffer) => ((stdout += b.toString()), onData()));
    child.stderr.on('data', (b: Buffer) => ((stderr += b.toString()), onData()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  assert.ok(asked, `no server URL printed: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`--(NotebookApp|ServerApp)\\.ip=127\\.0\\.0\\.1`));
  assert.match(r.stderr, new RegExp(`--(NotebookApp|ServerApp)\\.port=${port}`));
  const names = Object.keys((specs?.kernelspecs ?? {}) as object);
  assert.ok(names.includes('alphalab-tslab') && names.includes('alphalab-deno'), `kernels seen: ${names.join(', ')}`);
  assert.notEqual(r.code, null, 'lab exits when Jupyter stops');
});
