import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { KernelAPI, KernelConnection, KernelSpecAPI, ServerConnection, SessionAPI, type Kernel, type KernelMessage } from '@jupyterlab/services';
import WebSocket from 'ws';
import { projectRoot } from '../db/paths.js';
import { loadJupyterConfig, type JupyterConfig } from './config.js';
import { clearOutputs, joinSource, OutputCollector, parseNotebook, stripAnsi, type CodeCell, type IopubMessage, type Notebook } from './nbformat.js';
import { connectJupyterServer, jupyterFetch, startJupyterServer, type JupyterServer } from './server.js';
import { signNotebook } from './sign.js';
import { injectParameters, type NotebookParameters } from './params.js';

/** Why a notebook did not finish. */
export interface CellFailure {
  /** 1-based position of the failing cell in the notebook (markdown cells counted, as a reader sees them). */
  cell: number;
  /** The failing cell's id. */
  cellId: string;
  /** Exception name (`CellTimeoutError` for a timeout, `KernelError` when the kernel died). */
  ename: string;
  /** Exception message. */
  evalue: string;
  /** Traceback lines, ANSI colors removed. */
  traceback: string[];
  /** What the cell wrote to stderr (tslab reports TypeScript type errors here). */
  stderr: string;
  /** True when the cell ran past the per-cell timeout. */
  timeout: boolean;
}

/** Outcome of one notebook. */
export interface NotebookRunResult {
  /** The source notebook path as given. */
  notebook: string;
  /** Path of the executed copy (written also when a cell failed); undefined when nothing could be written. */
  output?: string;
  /** `ok`: every code cell ran; `failed`: a cell raised or timed out; `error`: the notebook could not be run (bad file, kernel did not start). */
  status: 'ok' | 'failed' | 'error';
  /** Kernel name used. */
  kernel: string;
  /** Wall seconds for the notebook, kernel start included. */
  seconds: number;
  /** Number of code cells in the notebook. */
  cells: number;
  /** Number of code cells executed (the failing one included). */
  executed: number;
  /** Id of the kernel that ran the notebook (it is shut down when the notebook ends). */
  kernelId?: string;
  /** Milliseconds from asking for a session until the kernel answered kernel_info. */
  kernelReadyMs?: number;
  /** Milliseconds per executed code cell (request sent to reply and idle received). */
  cellMs: number[];
  /** The failing cell, when status is `failed`. */
  failure?: CellFailure;
  /** Runner-level error message, when status is `error`. */
  error?: string;
}

/** Progress events, for a CLI to show "notebook, cell i/n". */
export type RunProgress =
  | { type: 'server'; baseUrl: string; startupMs: number; app: string }
  | { type: 'notebook-start'; notebook: string; index: number; total: number; kernel: string }
  | { type: 'kernel-ready'; notebook: string; ms: number }
  | { type: 'cell-start'; notebook: string; cell: number; codeIndex: number; codeCells: number }
  | { type: 'cell-done'; notebook: string; cell: number; codeIndex: number; codeCells: number; ms: number; ok: boolean }
  | { type: 'notebook-done'; result: NotebookRunResult };

/** Options of {@link runNotebook} and {@link runNotebooks}. */
export interface RunOptions {
  /** Kernel name for every notebook, overriding each notebook's `metadata.kernelspec.name`. */
  kernel?: string;
  /** Folder for the executed copies (default `<root>/data/runs/<UTC timestamp>/`). */
  outDir?: string;
  /** Per-cell timeout in seconds (default 600). On timeout the kernel is interrupted, then shut down. */
  timeoutSec?: number;
  /** Seconds to wait for a kernel to answer after it is started (default 120). */
  kernelStartTimeoutSec?: number;
  /**
   * Milliseconds to keep listening for IOPub messages of a cell after its
   * reply and idle status (Deno's kernel can send execute_result after idle).
   * Default: 150 for kernels whose name contains "deno", else 20.
   */
  graceMs?: number;
  /**
   * Keep executing the cells after a failing one (like `nbconvert --allow-errors`);
   * the result is still `failed` and reports the first failing cell. Default false:
   * stop at the first failure. Timeouts and dead kernels always stop the notebook.
   */
  allowErrors?: boolean;
  /** Pause after an error reply before the next cell (tslab drops requests that arrive within ~200 ms); default 300 ms. */
  errorPauseMs?: number;
  /** Use this server (already started) instead of starting one. */
  server?: JupyterServer;
  /** Connect to a running server at this URL (with `token`) instead of starting one. */
  url?: string;
  /** Token for `url`. */
  token?: string;
  /** Project settings (default {@link loadJupyterConfig}). */
  config?: JupyterConfig;
  /**
   * When this call starts the server and Jupyter is missing: install it from
   * Debian packages if running as root (the CLI does); default false, which
   * fails with an error naming the install command (what tests want).
   */
  installJupyter?: boolean;
  /** Sign executed notebooks so HTML/JS outputs render (default true). */
  sign?: boolean;
  /** Papermill-style parameters injected after each notebook's `parameters` cell (see ./params.ts); recorded in the executed copy. */
  parameters?: NotebookParameters;
  /** Progress callback. */
  onProgress?: (event: RunProgress) => void;
  /** Shut the server down on SIGINT/SIGTERM, then exit the process (default true in {@link runNotebooks}). */
  handleSignals?: boolean;
}

/** Folder name for a run started at `date`: UTC `YYYY-MM-DDTHH-MM-SSZ` (sortable, no colons). */
export function runFolderName(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Connection settings for @jupyterlab/services on Node (ws WebSocket, global fetch). */
export function serverSettings(server: Pick<JupyterServer, 'baseUrl' | 'token'>): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: server.baseUrl,
    wsUrl: server.baseUrl.replace(/^http/, 'ws'),
    token: server.token,
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    fetch: globalThis.fetch.bind(globalThis),
    Request: globalThis.Request,
    Headers: globalThis.Headers,
  });
}

// @jupyterlab/services logs websocket and kernel status changes (console.debug /
// console.warn) and server tracebacks of failed requests (console.error). While
// runs are active a filter drops the status noise (the runner reports what
// matters itself), and drops warn/error output entirely while a session is being
// shut down (failures there are handled). Reference-counted so that concurrent
// runs in one process restore the console exactly once.
let filterRefs = 0;
let silenced = 0;
let savedConsole: { debug: typeof console.debug; warn: typeof console.warn; error: typeof console.error } | undefined;
const NOISY = /^(Starting WebSocket|Kernel: |Connection lost, reconnecting)/;
const noisy = (args: unknown[]): boolean => typeof args[0] === 'string' && NOISY.test(args[0]);

function acquireConsoleFilter(): void {
  if (filterRefs++ > 0) return;
  const orig = { debug: console.debug, warn: console.warn, error: console.error };
  savedConsole = orig;
  console.debug = (...args: unknown[]): void => {
    if (!noisy(args)) orig.debug.apply(console, args);
  };
  console.warn = (...args: unknown[]): void => {
    if (silenced === 0 && !noisy(args)) orig.warn.apply(console, args);
  };
  console.error = (...args: unknown[]): void => {
    if (silenced === 0) orig.error.apply(console, args);
  };
}

function releaseConsoleFilter(): void {
  if (--filterRefs > 0 || !savedConsole) return;
  Object.assign(console, savedConsole);
  savedConsole = undefined;
}

/** A kernel session this runner opened: the REST session and a websocket connection to its kernel. */
interface OpenSession {
  id: string;
  kernel: Kernel.IKernelConnection;
}

interface Ctx {
  server: JupyterServer;
  settings: ServerConnection.ISettings;
  current?: OpenSession;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<typeof TIMEOUT>((r) => (timer = setTimeout(() => r(TIMEOUT), ms)))]).finally(() => clearTimeout(timer));
}
const TIMEOUT = Symbol('timeout');
/** How long a timed-out cell may take to answer an interrupt before its kernel is shut down. */
const INTERRUPT_WAIT_MS = 2000;

// Sessions are opened through the REST API plus one KernelConnection, not
// through SessionManager / KernelManager: the managers poll the server every
// 10 s and their timers keep the process alive after dispose.
async function openSession(ctx: Ctx, path: string, name: string, kernelName: string): Promise<OpenSession> {
  const model = await SessionAPI.startSession({ path, type: 'notebook', name, kernel: { name: kernelName } } as Parameters<typeof SessionAPI.startSession>[0], ctx.settings);
  if (!model.kernel) throw new Error(`the server opened session ${model.id} without a kernel`);
  const kernel = new KernelConnection({ model: model.kernel, serverSettings: ctx.settings, handleComms: false });
  const open = { id: model.id, kernel };
  ctx.current = open;
  if ('kernelIds' in ctx.server) (ctx.server as { kernelIds: Set<string> }).kernelIds.add(model.kernel.id);
  return open;
}

async function shutdownSession(ctx: Ctx, session: OpenSession): Promise<void> {
  if (ctx.current === session) ctx.current = undefined;
  // After a kernel restart the connection is reconnecting; disposing it then
  // leaves @jupyterlab/services' internal reconnect promise rejected with no
  // handler (an unhandled rejection that kills the process). Let it settle first.
  if (session.kernel.connectionStatus === 'connecting') {
    await withTimeout(
      new Promise<void>((res) => {
        const onStatus = (_: unknown, st: Kernel.ConnectionStatus): void => {
          if (st !== 'connecting') {
            session.kernel.connectionStatusChanged.disconnect(onStatus);
            res();
          }
        };
        session.kernel.connectionStatusChanged.connect(onStatus);
      }),
      // 10 s was too short on a loaded 2-core machine: disposing while still reconnecting rejected the
      // library's reconnect promise unhandled ("Kernel connection disconnected") in 1 of 4 full test runs
      30_000,
    );
  }
  session.kernel.dispose();
  // @jupyterlab/services prints the server's traceback of a failed request with
  // console.error / console.warn; failures here are handled (fallback below), so keep them quiet.
  silenced++;
  try {
    // Deleting the session shuts its kernel down.
    await withTimeout(SessionAPI.shutdownSession(session.id, ctx.settings), 15_000);
  } catch {
    // jupyter_server 1.23 can fail to delete a session whose kernel is being
    // auto-restarted (InvalidStateError): shut the kernel down directly.
    await sleep(500);
    await withTimeout(KernelAPI.shutdownKernel(session.kernel.id, ctx.settings), 15_000).catch(() => undefined);
    await SessionAPI.shutdownSession(session.id, ctx.settings).catch(() => undefined);
  } finally {
    silenced--;
  }
  if ('kernelIds' in ctx.server) (ctx.server as { kernelIds: Set<string> }).kernelIds.delete(session.kernel.id);
}

async function executeNotebook(ctx: Ctx, file: string, index: number, total: number, opts: RunOptions, outDir: string): Promise<NotebookRunResult> {
  const t0 = Date.now();
  const root = opts.config?.root ?? projectRoot();
  let nb: Notebook;
  try {
    nb = parseNotebook(readFileSync(file, 'utf8'), file);
  } catch (err) {
    const failed: NotebookRunResult = { notebook: file, status: 'error', kernel: opts.kernel ?? '?', seconds: 0, cells: 0, executed: 0, cellMs: [], error: (err as Error).message };
    opts.onProgress?.({ type: 'notebook-done', result: failed });
    return failed;
  }
  const kernelName = opts.kernel ?? nb.metadata.kernelspec?.name;
  const codeCells = nb.cells.filter((c) => c.cell_type === 'code').length;
  const result: NotebookRunResult = { notebook: file, status: 'ok', kernel: kernelName ?? '?', seconds: 0, cells: codeCells, executed: 0, cellMs: [] };
  const out = clearOutputs(nb);
  const params = opts.parameters && Object.keys(opts.parameters).length ? opts.parameters : undefined;
  if (params) {
    injectParameters(out, params, file); // validated by runNotebooks before anything ran
    result.cells++;
  }
  const finish = async (): Promise<NotebookRunResult> => {
    result.seconds = (Date.now() - t0) / 1000;
    const started = new Date(t0).toISOString();
    out.metadata.alphalab = {
      ...((out.metadata.alphalab as object | undefined) ?? {}),
      run: {
        started,
        finished: new Date().toISOString(),
        seconds: Number(result.seconds.toFixed(3)),
        status: result.status,
        kernel: result.kernel,
        ...(params ? { parameters: params } : {}),
        executed_cells: result.executed,
        code_cells: result.cells,
        ...(result.failure ? { failed_cell: result.failure.cell, error: `${result.failure.ename}: ${result.failure.evalue}` } : {}),
        ...(result.error ? { error: result.error } : {}),
      },
    };
    // Show every output whole in the classic notebook (its auto-scroll box hides tear sheets behind a ~250 px frame).
    for (const c of out.cells) if (c.cell_type === 'code' && c.outputs.length && c.metadata.scrolled === undefined) c.metadata.scrolled = false;
    mkdirSync(outDir, { recursive: true });
    const dest = join(outDir, basename(file));
    writeFileSync(dest, `${JSON.stringify(out, null, 1)}\n`);
    result.output = dest;
    if (opts.sign !== false) {
      try {
        await signNotebook(dest);
      } catch (err) {
        result.error = `${result.error ? `${result.error}; ` : ''}could not sign ${dest}: ${(err as Error).message}`;
      }
    }
    opts.onProgress?.({ type: 'notebook-done', result });
    return result;
  };
  if (!kernelName) {
    result.status = 'error';
    result.error = `${file}: no kernel: metadata.kernelspec.name is missing (pass --kernel)`;
    return finish();
  }
  opts.onProgress?.({ type: 'notebook-start', notebook: file, index, total, kernel: kernelName });

  let session: OpenSession;
  const tk = Date.now();
  try {
    const rel = relative(root, resolve(file));
    session = await openSession(ctx, rel.startsWith('..') ? basename(file) : rel, basename(file), kernelName);
  } catch (err) {
    result.status = 'error';
    result.error = `${file}: could not start kernel "${kernelName}": ${(err as Error).message}`;
    return finish();
  }
  const kernel = session.kernel;
  result.kernelId = kernel.id;
  try {
    // A kernel whose process cannot start is restarted by the server a few
    // times (about 15 s), then removed (HTTP 404) or reported dead: poll for that.
    let polling = true;
    const dead = (async (): Promise<never> => {
      for (;;) {
        await sleep(1000);
        if (!polling) return new Promise<never>(() => undefined);
        const res = await jupyterFetch(ctx.server.baseUrl, ctx.server.token, `api/kernels/${kernel.id}`).catch(() => undefined);
        const state = res?.ok ? ((await res.json()) as { execution_state?: string }).execution_state : undefined;
        if (polling && (res?.status === 404 || state === 'dead')) {
          const log = ctx.server.log().trim().split('\n').slice(-15).join('\n');
          throw new Error(`kernel "${kernelName}" died while starting (the server gave up restarting it; try \`jupyter console --kernel ${kernelName}\` with JUPYTER_PATH set to the project root)${log ? `. Server log:\n${log}` : ''}`);
        }
      }
    })();
    dead.catch(() => undefined);
    const info = await withTimeout(Promise.race([kernel.info, dead]), (opts.kernelStartTimeoutSec ?? 120) * 1000).finally(() => (polling = false));
    if (info === TIMEOUT) throw new Error(`kernel "${kernelName}" did not answer within ${opts.kernelStartTimeoutSec ?? 120} s`);
    result.kernelReadyMs = Date.now() - tk;
    opts.onProgress?.({ type: 'kernel-ready', notebook: file, ms: result.kernelReadyMs });
    if (info.language_info) out.metadata.language_info = info.language_info as unknown as Record<string, unknown>;

    const graceMs = opts.graceMs ?? (/deno/i.test(kernelName) ? 150 : 20);
    const timeoutMs = (opts.timeoutSec ?? 600) * 1000;
    let codeIndex = 0;
    for (let i = 0; i < out.cells.length; i++) {
      const cell = out.cells[i];
      if (cell.cell_type !== 'code') continue;
      codeIndex++;
      const code = joinSource(cell.source);
      if (code.trim() === '') {
        // Like nbclient: an empty code cell is not sent to the kernel.
        result.executed++;
        result.cellMs.push(0);
        continue;
      }
      opts.onProgress?.({ type: 'cell-start', notebook: file, cell: i + 1, codeIndex, codeCells });
      const failure = await executeCell(kernel, cell, code, timeoutMs, graceMs, !opts.allowErrors);
      result.executed++;
      result.cellMs.push(failure.ms);
      opts.onProgress?.({ type: 'cell-done', notebook: file, cell: i + 1, codeIndex, codeCells, ms: failure.ms, ok: !failure.failure });
      if (failure.failure) {
        result.status = 'failed';
        result.failure ??= { cell: i + 1, cellId: cell.id, ...failure.failure };
        // A timed-out or dead kernel is gone: nothing more can run.
        if (!opts.allowErrors || failure.failure.timeout || failure.failure.ename === 'KernelDied') break;
        // tslab drops an execute request that arrives within ~200 ms of an error reply.
        await sleep(opts.errorPauseMs ?? 300);
      }
    }
  } catch (err) {
    result.status = 'error';
    result.error = `${file}: ${(err as Error).message}`;
  } finally {
    await shutdownSession(ctx, session);
  }
  return finish();
}

async function executeCell(
  kernel: Kernel.IKernelConnection,
  cell: CodeCell,
  code: string,
  timeoutMs: number,
  graceMs: number,
  stopOnError: boolean,
): Promise<{ ms: number; failure?: Omit<CellFailure, 'cell' | 'cellId'> }> {
  const collector = new OutputCollector();
  const t0 = Date.now();
  const startIso = new Date(t0).toISOString();
  let parentId = '';
  let lastMsgAt = 0;
  const buffered: KernelMessage.IIOPubMessage[] = [];
  const onIopub = (_: unknown, msg: KernelMessage.IIOPubMessage): void => {
    const pid = (msg.parent_header as { msg_id?: string }).msg_id;
    if (!parentId) buffered.push(msg);
    else if (pid === parentId) {
      collector.add(msg as unknown as IopubMessage);
      lastMsgAt = Date.now();
    }
  };
  kernel.iopubMessage.connect(onIopub);
  try {
    const future = kernel.requestExecute({ code, silent: false, store_history: true, allow_stdin: false, stop_on_error: stopOnError }, true);
    parentId = future.msg.header.msg_id;
    for (const m of buffered.splice(0)) onIopub(null, m);
    let reply: Awaited<typeof future.done> | typeof TIMEOUT;
    try {
      reply = await withTimeout(future.done, timeoutMs);
    } catch (err) {
      // The future is cancelled when the kernel dies or is restarted by the server mid-cell.
      const ms = Date.now() - t0;
      const evalue = `the kernel stopped while running this cell (${(err as Error).message})`;
      cell.outputs = collector.outputs;
      cell.outputs.push({ output_type: 'error', ename: 'KernelDied', evalue, traceback: [] });
      cell.metadata.execution = { 'iopub.execute_input': startIso, 'shell.execute_reply': new Date().toISOString() };
      return { ms, failure: { ename: 'KernelDied', evalue, traceback: [], stderr: stripAnsi(collector.stderr), timeout: false } };
    }
    if (reply === TIMEOUT) {
      // Interrupt first (interrupt_request / SIGINT); the caller then shuts the kernel down.
      let how = 'interrupted';
      try {
        await kernel.interrupt();
        if ((await withTimeout(future.done.catch(() => undefined), INTERRUPT_WAIT_MS)) === TIMEOUT) how = 'interrupt unanswered, kernel shut down';
      } catch {
        how = 'interrupt failed, kernel shut down';
      }
      future.dispose();
      const ms = Date.now() - t0;
      cell.outputs = collector.outputs;
      const evalue = `cell ran longer than the ${timeoutMs / 1000} s timeout (${how})`;
      cell.outputs.push({ output_type: 'error', ename: 'CellTimeoutError', evalue, traceback: [`CellTimeoutError: ${evalue}`] });
      cell.metadata.execution = { 'iopub.execute_input': startIso, 'shell.execute_reply': new Date().toISOString() };
      return { ms, failure: { ename: 'CellTimeoutError', evalue, traceback: [], stderr: collector.stderr, timeout: true } };
    }
    // Grace period: late IOPub messages (Deno sends execute_result after idle).
    lastMsgAt = Math.max(lastMsgAt, Date.now());
    while (Date.now() - lastMsgAt < graceMs) await sleep(Math.max(1, graceMs - (Date.now() - lastMsgAt)));
    const ms = Date.now() - t0;
    const content = reply.content as KernelMessage.IExecuteReply | KernelMessage.IReplyErrorContent | KernelMessage.IReplyAbortContent;
    cell.execution_count = 'execution_count' in content && typeof content.execution_count === 'number' ? content.execution_count : cell.execution_count;
    cell.outputs = collector.outputs;
    for (const o of cell.outputs) if (o.output_type === 'execute_result' && o.execution_count == null) o.execution_count = cell.execution_count;
    cell.metadata.execution = { 'iopub.execute_input': startIso, 'shell.execute_reply': new Date().toISOString() };
    const err = collector.error();
    if (content.status === 'ok' && !err) return { ms };
    const stderr = stripAnsi(collector.stderr);
    const fromStderr = err ? undefined : errorFromStderr(stderr);
    const ename = err?.ename || fromStderr?.ename || ('ename' in content && content.ename) || (content.status === 'aborted' ? 'Aborted' : 'Error');
    const evalue = err?.evalue || fromStderr?.evalue || ('evalue' in content && content.evalue) || firstLine(stderr) || `execute_reply status ${content.status}`;
    const traceback = (err?.traceback ?? ('traceback' in content && Array.isArray(content.traceback) ? content.traceback : [])).map(stripAnsi);
    return { ms, failure: { ename: String(ename), evalue: stripAnsi(String(evalue)), traceback, stderr, timeout: false } };
  } finally {
    kernel.iopubMessage.disconnect(onIopub);
  }
}

/**
 * Error name and message from a kernel's stderr when it sent no `error`
 * message (tslab): TypeScript diagnostics (`1:7 - Type 'string' is not
 * assignable...`) give `TypeScriptError` with the diagnostics; a Node stack
 * gives its `Name: message` line.
 */
export function errorFromStderr(stderr: string): { ename: string; evalue: string } | undefined {
  const lines = stderr.split('\n').map((l) => l.trimEnd());
  const diags = lines.filter((l) => /^\d+:\d+ - /.test(l));
  if (diags.length) return { ename: 'TypeScriptError', evalue: diags.join('; ') };
  for (const l of lines) {
    const m = /^([A-Za-z_$][\w$]*(?:Error|Exception)|Error)(?: \[[\w-]+\])?: (.*)$/.exec(l);
    if (m) return { ename: m[1], evalue: m[2] };
  }
  return undefined;
}

function firstLine(s: string): string {
  return stripAnsi(s).trim().split('\n')[0] ?? '';
}

/**
 * Executes one notebook on a server, see {@link runNotebooks} (which this calls
 * with a single path).
 */
export async function runNotebook(file: string, opts: RunOptions = {}): Promise<NotebookRunResult> {
  return (await runNotebooks([file], opts))[0];
}

/**
 * Executes notebooks headless, one after the other, each in a fresh kernel
 * session on one Jupyter server.
 *
 * Server: `opts.server`, else `opts.url` + `opts.token`, else one this call
 * starts ({@link startJupyterServer}: 127.0.0.1, free port, random token) and
 * stops at the end. Kernel: `opts.kernel`, else the notebook's
 * `metadata.kernelspec.name`. Code cells run in order with
 * `stop_on_error`; each gets at most `timeoutSec` (then the kernel is
 * interrupted and shut down and the cell reported as `CellTimeoutError`).
 * Stream, display_data, execute_result and error messages become nbformat
 * outputs (see {@link OutputCollector}). A notebook stops at its first failing
 * cell: an error output, or an error reply (tslab reports TypeScript type
 * errors as stderr text with status error); later cells keep empty outputs.
 *
 * The executed copy (nbformat 4.5, cell ids, execution counts, per-cell
 * `metadata.execution` timestamps as nbclient writes them, and
 * `metadata.alphalab.run` = {started, finished, seconds, status, kernel, ...})
 * goes to `outDir` (default `data/runs/<timestamp>/`) under the same file name
 * and is signed (trusted) so HTML and plot outputs render.
 *
 * With `handleSignals` (default true), SIGINT / SIGTERM shut down the running
 * kernel and the started server, then exit with 130 / 143.
 *
 * @returns one result per notebook, in order; a failed notebook does not stop the next one.
 * @throws Error when the server cannot be started or reached (message names the install command when Jupyter is missing).
 */
export async function runNotebooks(files: string[], opts: RunOptions = {}): Promise<NotebookRunResult[]> {
  const runsDir = join(opts.config?.root ?? projectRoot(), 'data', 'runs');
  const outDir = resolve(opts.outDir ?? join(runsDir, runFolderName()));
  // Parameters are checked against every notebook before anything runs or is written.
  if (opts.parameters && Object.keys(opts.parameters).length) {
    for (const f of files) {
      let nb: Notebook | undefined;
      try {
        nb = parseNotebook(readFileSync(f, 'utf8'), f);
      } catch {
        continue; // reported as that notebook's error when it runs
      }
      injectParameters(nb, opts.parameters, f);
    }
  }
  let server: JupyterServer;
  let ownServer = false;
  if (opts.server) server = opts.server;
  else if (opts.url) server = await connectJupyterServer(opts.url, opts.token ?? '');
  else {
    server = await startJupyterServer({ config: opts.config ?? loadJupyterConfig(), install: opts.installJupyter });
    ownServer = true;
  }
  if (!opts.server) opts.onProgress?.({ type: 'server', baseUrl: server.baseUrl, startupMs: server.startupMs, app: server.app });
  const ctx: Ctx = { server, settings: serverSettings(server) };
  try {
    await checkKernels(ctx, files, opts);
  } catch (err) {
    if (ownServer || server.app === 'external') await server.stop();
    throw err;
  }
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    if (ctx.current) await shutdownSession(ctx, ctx.current);
    if (ownServer || server.app === 'external') await server.stop();
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: shutting down the kernel${ownServer ? ' and the Jupyter server' : ''}...\n`);
    void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  const handle = opts.handleSignals !== false;
  if (handle) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const results: NotebookRunResult[] = [];
  acquireConsoleFilter();
  try {
    for (let i = 0; i < files.length && !stopping; i++) {
      results.push(await executeNotebook(ctx, files[i], i + 1, files.length, opts, outDir));
    }
  } finally {
    if (!stopping) await cleanup();
    releaseConsoleFilter();
    if (handle) {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }
  if (opts.outDir === undefined && existsSync(outDir)) pointLatest(runsDir, outDir);
  return results;
}

/**
 * Fails before anything is written when a notebook asks for a kernel the
 * server does not have: the message lists the project's kernels (those under
 * `<root>/kernels/`) first, then the server's others.
 */
async function checkKernels(ctx: Ctx, files: readonly string[], opts: RunOptions): Promise<void> {
  const wanted = new Map<string, string[]>();
  for (const f of files) {
    let name = opts.kernel;
    if (!name) {
      try {
        name = parseNotebook(readFileSync(f, 'utf8'), f).metadata.kernelspec?.name;
      } catch {
        continue;
      }
    }
    if (name) wanted.set(name, [...(wanted.get(name) ?? []), basename(f)]);
  }
  if (wanted.size === 0) return;
  const specs = await KernelSpecAPI.getSpecs(ctx.settings);
  const available = Object.keys(specs.kernelspecs ?? {});
  const missing = [...wanted.keys()].filter((k) => !available.includes(k));
  if (missing.length === 0) return;
  const root = opts.config?.root ?? projectRoot();
  const project = available.filter((k) => existsSync(join(root, 'kernels', k, 'kernel.json')));
  const others = available.filter((k) => !project.includes(k));
  throw new Error(`unknown kernel ${missing.map((k) => `"${k}" (${wanted.get(k)!.join(', ')})`).join(', ')}; the project's kernels: ${project.join(', ') || '(none found under kernels/)'}${others.length ? `; also on this server: ${others.join(', ')}` : ''}. Nothing was run or written.`);
}

/** Points `<runsDir>/latest` at `outDir` (a relative symlink, replaced atomically; a plain file or folder named latest is left alone). */
export function pointLatest(runsDir: string, outDir: string): void {
  const link = join(runsDir, 'latest');
  try {
    if (lstatExists(link) && !lstatSync(link).isSymbolicLink()) return;
    if (dirname(resolve(outDir)) !== resolve(runsDir)) return;
    const tmp = `${link}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    symlinkSync(basename(outDir), tmp);
    renameSync(tmp, link);
  } catch {
    /* a missing `latest` is not worth failing a run for */
  }
}

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
