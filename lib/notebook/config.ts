import { existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { projectRoot } from '../db/paths.js';

/** A value of a Jupyter server setting as written in jupyter_config.json. */
export type ServerSetting = string | number | boolean;

/**
 * The project's Jupyter settings (file `<root>/jupyter_config.json`), read by
 * both `npm run lab` and the headless runner so the two start Jupyter alike.
 */
export interface JupyterConfig {
  /** Project root the relative paths were resolved against. */
  root: string;
  /** Server traits, by their jupyter_server `ServerApp` name (ip, root_dir, open_browser, ...); root_dir is absolute here. */
  server: Record<string, ServerSetting>;
  /** Folders prepended to JUPYTER_PATH (absolute); kernels live in `<dir>/kernels/<name>/kernel.json`. */
  jupyterPath: string[];
  /** Port `npm run lab` asks for (the runner always takes a free port). */
  labPort: number;
  /**
   * Kernel manager traits (`MappingKernelManager`, same name in jupyter_server
   * and the classic notebook): idle-kernel culling, so kernels of notebooks
   * viewed and closed in the browser do not stay alive (cull_idle_timeout s,
   * checked every cull_interval s; cull_connected false spares kernels with an open tab).
   */
  kernelManager: Record<string, ServerSetting>;
}

/** Settings used when jupyter_config.json is absent. */
const DEFAULTS = {
  server: { ip: '127.0.0.1', root_dir: '.', open_browser: false, port_retries: 0 }, jupyter_path: ['.'], lab_port: 8888,
  kernel_manager: { cull_idle_timeout: 1800, cull_interval: 120, cull_connected: false },
};

/**
 * Reads `<root>/jupyter_config.json` (see the file's `$comment`), falling back
 * to the defaults (ip 127.0.0.1, root_dir = project root, no browser, kernel
 * search path = project root) for missing keys.
 * @throws Error naming the file and the field when it is not valid JSON or a field has the wrong type.
 */
export function loadJupyterConfig(root: string = projectRoot()): JupyterConfig {
  const file = join(root, 'jupyter_config.json');
  let raw: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
    }
  }
  const server = { ...DEFAULTS.server, ...((raw.server as Record<string, ServerSetting> | undefined) ?? {}) } as Record<string, ServerSetting>;
  for (const [k, v] of Object.entries(server)) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) throw new Error(`${file}: server.${k} must be a string, number or boolean`);
  }
  const jp = raw.jupyter_path ?? DEFAULTS.jupyter_path;
  if (!Array.isArray(jp) || jp.some((p) => typeof p !== 'string')) throw new Error(`${file}: jupyter_path must be an array of folder paths`);
  const labPort = raw.lab_port ?? DEFAULTS.lab_port;
  if (typeof labPort !== 'number' || !Number.isInteger(labPort)) throw new Error(`${file}: lab_port must be an integer`);
  const kernelManager = { ...DEFAULTS.kernel_manager, ...((raw.kernel_manager as Record<string, ServerSetting> | undefined) ?? {}) } as Record<string, ServerSetting>;
  for (const k of Object.keys(kernelManager)) if (k.startsWith('$')) delete kernelManager[k]; // $comment
  for (const [k, v] of Object.entries(kernelManager)) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) throw new Error(`${file}: kernel_manager.${k} must be a string, number or boolean`);
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(root, p));
  server.root_dir = abs(String(server.root_dir));
  return { root, server, jupyterPath: (jp as string[]).map(abs), labPort, kernelManager };
}

/** Which Jupyter application a command line is built for. */
export type JupyterApp = 'server' | 'lab' | 'notebook';

function pyValue(v: ServerSetting): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/**
 * Command-line arguments for `jupyter <app>` carrying the config's server
 * settings plus `overrides` (port, token, ...): `--ServerApp.<key>=<value>`
 * for `server` and `lab` (both jupyter_server based), `--NotebookApp.<key>`
 * for the classic `notebook` 6.x, where `root_dir` is named `notebook_dir`.
 * Then the kernel manager's culling traits as `--MappingKernelManager.<key>`.
 * Adds `--allow-root` when running as root (both apps refuse root otherwise).
 */
export function serverArgs(cfg: JupyterConfig, app: JupyterApp, overrides: Record<string, ServerSetting> = {}): string[] {
  const cls = app === 'notebook' ? 'NotebookApp' : 'ServerApp';
  const args: string[] = [app];
  for (const [k, v] of Object.entries({ ...cfg.server, ...overrides })) {
    const key = app === 'notebook' && k === 'root_dir' ? 'notebook_dir' : k;
    args.push(`--${cls}.${key}=${pyValue(v)}`);
  }
  for (const [k, v] of Object.entries(cfg.kernelManager ?? {})) args.push(`--MappingKernelManager.${k}=${pyValue(v)}`);
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--allow-root');
  return args;
}

/**
 * The environment for Jupyter processes: `base` with the config's folders
 * prepended to JUPYTER_PATH (so `<root>/kernels/*` are found; nothing is
 * installed into the user's Jupyter folders) and ALPHALAB_ROOT set.
 */
export function jupyterEnv(cfg: JupyterConfig, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const existing = (base.JUPYTER_PATH ?? '').split(delimiter).filter((p) => p && !cfg.jupyterPath.includes(p));
  return { ...base, JUPYTER_PATH: [...cfg.jupyterPath, ...existing].join(delimiter), ALPHALAB_ROOT: cfg.root };
}
