import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { jupyterEnv, loadJupyterConfig, serverArgs, type JupyterApp, type JupyterConfig } from './config.js';

/** The Debian command that installs what the runner needs (PyPI is not used). */
export const JUPYTER_INSTALL_COMMAND =
  'apt-get install -y --no-install-recommends jupyter-server python3-jupyter-server jupyter-notebook python3-nbclassic jupyter-client python3-nbconvert';

/** Which Jupyter applications are on the PATH (found as `jupyter-<app>` executables next to `jupyter`). */
export interface JupyterInstall {
  /** Path of the `jupyter` command. */
  jupyter: string;
  /** `jupyter server` (jupyter_server) is available. */
  server: boolean;
  /** `jupyter notebook` (classic notebook) is available. */
  notebook: boolean;
  /** `jupyter lab` (JupyterLab) is available. */
  lab: boolean;
}

function which(cmd: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * Looks for `jupyter` and its `server` / `notebook` / `lab` subcommands on the
 * PATH (and in /usr/bin, where Debian installs them). No process is started.
 * @param searchPath folders to search, `:`-separated (default `$PATH:/usr/bin`).
 * @returns undefined when `jupyter` itself is missing.
 */
export function findJupyter(searchPath: string = `${process.env.PATH ?? ''}${delimiter}/usr/bin`): JupyterInstall | undefined {
  const path = searchPath;
  const jupyter = which('jupyter', path);
  if (!jupyter) return undefined;
  return { jupyter, server: !!which('jupyter-server', path), notebook: !!which('jupyter-notebook', path), lab: !!which('jupyter-lab', path) };
}

/**
 * Returns the Jupyter install, installing it from Debian packages
 * ({@link JUPYTER_INSTALL_COMMAND}, after `apt-get update`) when it is missing,
 * `install` is true and the process runs as root. `searchPath` as in {@link findJupyter}.
 * @throws Error naming the install command when Jupyter is missing and cannot be installed here.
 */
export function ensureJupyter(opts: { install?: boolean; log?: (line: string) => void; searchPath?: string } = {}): JupyterInstall {
  const found = findJupyter(opts.searchPath);
  if (found && (found.server || found.notebook)) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (opts.install && isRoot && which('apt-get', `${process.env.PATH ?? ''}${delimiter}/usr/bin`)) {
    opts.log?.(`Jupyter not found: installing it with: apt-get update && ${JUPYTER_INSTALL_COMMAND}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const upd = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const inst = upd.status === 0 ? spawnSync('sh', ['-c', JUPYTER_INSTALL_COMMAND], { stdio: 'inherit', env }) : upd;
    const after = findJupyter(opts.searchPath);
    if (inst.status === 0 && after && (after.server || after.notebook)) return after;
  }
  throw new Error(
    `Jupyter is not installed (need \`jupyter server\` or \`jupyter notebook\` on the PATH). Install it with:\n  sudo ${JUPYTER_INSTALL_COMMAND}` +
      (isRoot ? '' : '\n(run as root, or with sudo, to let `alphalab start` install it)'),
  );
}

/** A running Jupyter server the runner talks to. */
export interface JupyterServer {
  /** Base URL ending in `/`, e.g. `http://127.0.0.1:41234/`. */
  readonly baseUrl: string;
  /** The server's token. */
  readonly token: string;
  /** Application started (`server` or `notebook`), or `external` when connected to a server given by URL. */
  readonly app: JupyterApp | 'external';
  /** Milliseconds from spawning the process until the server answered (0 when external). */
  readonly startupMs: number;
  /** The server process, when this process started it. */
  readonly process?: ChildProcess;
  /** Last lines the server printed (for error messages). */
  log(): string;
  /**
   * Shuts down every kernel this server runs (REST `DELETE /api/kernels/<id>`)
   * when this process started it, then stops the process (SIGTERM, SIGKILL
   * after 5 s). For an external server only the kernels named in `kernelIds`
   * are shut down. Safe to call twice.
   */
  stop(): Promise<void>;
}

/** Finds a free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `fetch` of `<baseUrl><path>` with the token header and a timeout (default 15 s); returns the response (no throw on HTTP errors). */
export async function jupyterFetch(baseUrl: string, token: string, path: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<Response> {
  // Bounded: a port held by something that accepts but never answers must not hang the runner.
  return fetch(new URL(path, baseUrl), { signal: AbortSignal.timeout(timeoutMs), ...init, headers: { Authorization: `token ${token}`, ...(init.headers ?? {}) } });
}

/**
 * Checks that a Jupyter server answers at `baseUrl` with `token` (`GET api/status`).
 * @throws Error naming the URL when it does not answer or rejects the token.
 */
export async function checkServer(baseUrl: string, token: string): Promise<void> {
  let res: Response;
  try {
    res = await jupyterFetch(baseUrl, token, 'api/status', {}, 3000);
  } catch (err) {
    throw new Error(`Jupyter server at ${baseUrl} does not answer: ${(err as Error).message}`);
  }
  if (res.status === 403 || res.status === 401) throw new Error(`Jupyter server at ${baseUrl} rejected the token (HTTP ${res.status})`);
  if (!res.ok) throw new Error(`Jupyter server at ${baseUrl}: GET api/status answered HTTP ${res.status}`);
}

async function shutdownKernels(baseUrl: string, token: string, only?: ReadonlySet<string>): Promise<void> {
  try {
    const res = await jupyterFetch(baseUrl, token, 'api/kernels');
    if (!res.ok) return;
    const kernels = (await res.json()) as { id: string }[];
    await Promise.all(
      kernels.filter((k) => !only || only.has(k.id)).map((k) => jupyterFetch(baseUrl, token, `api/kernels/${k.id}`, { method: 'DELETE' }).catch(() => undefined)),
    );
  } catch {
    /* server already gone */
  }
}

/** Options of {@link startJupyterServer}. */
export interface StartServerOptions {
  /** Project settings (default: {@link loadJupyterConfig}). */
  config?: JupyterConfig;
  /** Application to start; default `server` when installed, else `notebook`. */
  app?: JupyterApp;
  /** Port; default a free one. */
  port?: number;
  /** Token; default 24 random bytes, hex. */
  token?: string;
  /** Milliseconds to wait for the server to answer (default 60 000). */
  timeoutMs?: number;
  /** Install Jupyter from Debian packages when missing and running as root (default false). */
  install?: boolean;
}

/**
 * Starts `jupyter server` (else `jupyter notebook`) on the config's ip with a
 * free port and a random token, in its own process group, with JUPYTER_PATH
 * pointing at the project's kernels, and waits until `api/status` answers.
 * @throws Error with the server's last output when it exits or does not answer within `timeoutMs`;
 *   Error naming the install command when Jupyter is missing.
 */
export async function startJupyterServer(opts: StartServerOptions = {}): Promise<JupyterServer> {
  // The free port is found before Jupyter binds it; another process can take it
  // in between. Retry with a new port when that happens (not for a fixed port).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3 || !/already in use|Address already|could not bind/i.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(opts: StartServerOptions): Promise<JupyterServer> {
  const cfg = opts.config ?? loadJupyterConfig();
  const install = ensureJupyter({ install: opts.install });
  const app: JupyterApp = opts.app ?? (install.server ? 'server' : 'notebook');
  const port = opts.port ?? (await freePort(String(cfg.server.ip ?? '127.0.0.1')));
  const token = opts.token ?? randomBytes(24).toString('hex');
  const ip = String(cfg.server.ip ?? '127.0.0.1');
  const args = serverArgs(cfg, app, { port, token, open_browser: false, port_retries: 0 });
  const t0 = Date.now();
  const child = spawn(install.jupyter, args, { cwd: cfg.root, env: jupyterEnv(cfg), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let logText = '';
  const onData = (b: Buffer): void => {
    logText = (logText + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((r) => child.once('exit', (code, sig) => ((exited = code ?? (sig ? -1 : 0)), r())));
  child.on('error', (err) => {
    logText += `\nspawn error: ${err.message}`;
    exited = -1;
  });
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const baseUrl = `http://${host}:${port}/`;
  // Last resort when the process exits without calling stop(): kill the server group.
  const onExit = (): void => {
    try {
      if (child.pid && exited === undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', onExit);
  let stopped: Promise<void> | undefined;
  const server: JupyterServer = {
    baseUrl,
    token,
    app,
    startupMs: 0,
    process: child,
    log: () => logText,
    stop: () =>
      (stopped ??= (async () => {
        if (exited === undefined) {
          await shutdownKernels(baseUrl, token);
          try {
            if (child.pid) process.kill(-child.pid, 'SIGTERM');
          } catch {
            /* gone */
          }
          const killer = setTimeout(() => {
            try {
              if (child.pid) process.kill(-child.pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }, 5000);
          await exitPromise;
          clearTimeout(killer);
        }
        process.removeListener('exit', onExit);
      })()),
  };
  const deadline = t0 + (opts.timeoutMs ?? 60_000);
  for (;;) {
    // jupyter_server with port_retries=0 logs this and keeps running without listening.
    if (exited === undefined && /The port \d+ is already in use/.test(logText)) {
      await server.stop();
      throw new Error(`jupyter ${app}: port ${port} is already in use on ${ip}`);
    }
    if (exited !== undefined) {
      await server.stop();
      throw new Error(`jupyter ${app} exited (code ${exited}) before answering on ${baseUrl}. Its output:\n${logText.trim().split('\n').slice(-25).join('\n')}`);
    }
    try {
      await checkServer(baseUrl, token);
      break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`jupyter ${app} did not answer on ${baseUrl} within ${opts.timeoutMs ?? 60_000} ms. Its output:\n${logText.trim().split('\n').slice(-25).join('\n')}`);
    }
    await sleep(100);
  }
  return { ...server, startupMs: Date.now() - t0 };
}

/**
 * Uses a Jupyter server that is already running (`--url` / `--token`): checks
 * that it answers. `stop()` then shuts down only the kernels whose ids the
 * caller registers in the returned set, never the server.
 * @throws Error naming the URL when the server does not answer or rejects the token.
 */
export async function connectJupyterServer(url: string, token: string): Promise<JupyterServer & { kernelIds: Set<string> }> {
  const baseUrl = url.endsWith('/') ? url : `${url}/`;
  await checkServer(baseUrl, token);
  const kernelIds = new Set<string>();
  return {
    baseUrl,
    token,
    app: 'external',
    startupMs: 0,
    kernelIds,
    log: () => '',
    stop: () => shutdownKernels(baseUrl, token, kernelIds),
  };
}

