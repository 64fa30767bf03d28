/**
 * Supervised child processes. A component run is one child process (one
 * batch of work) that:
 *
 * - is restarted with exponential backoff (base * 2^k, capped, full jitter)
 *   when it crashes (non-zero exit, or a signal the supervisor did not send),
 *   at most `maxRestarts` times in a row;
 * - is stopped (SIGTERM, SIGKILL after `stopGraceMs`) and started again when
 *   it runs longer than `restartIntervalMs`;
 * - has its PID, exit code or signal and run time logged;
 * - reports its result as the last line of its stdout that parses as JSON;
 * - gets an IPC channel: when the supervisor process dies (even by kill -9)
 *   the channel closes and the child can stop itself (see {@link onParentGone}).
 *
 * No domain code here: what runs in the child is decided by bin/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

/** What to run. */
export interface ChildSpec {
  /** Component name (logs, job state). */
  readonly name: string;
  /** Executable (e.g. process.execPath). */
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Restart policy. */
export interface SupervisorPolicy {
  /** First backoff in ms. Default 1000. */
  readonly backoffBaseMs?: number;
  /** Backoff cap in ms. Default 5 min. */
  readonly backoffMaxMs?: number;
  /** Crash restarts in a row before giving up on this run. Default 5. */
  readonly maxRestarts?: number;
  /** Restart a child that runs longer than this (ms); 0 = never. Default 0. */
  readonly restartIntervalMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping, ms. Default 10000. */
  readonly stopGraceMs?: number;
  /** Random source for the jitter. Default Math.random. */
  readonly random?: () => number;
}

/** One child process's life. */
export interface ChildExit {
  readonly pid: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why it ended: 'ok' (exit 0), 'crash', 'restart_interval' (stopped by the supervisor for its periodic restart), 'stopped' (supervisor stop). */
  readonly reason: 'ok' | 'crash' | 'restart_interval' | 'stopped';
  /** Last JSON line of its stdout, if any. */
  readonly result?: unknown;
}

/** The outcome of {@link Supervisor.run}. */
export interface RunOutcome {
  readonly name: string;
  /** 'ok', 'failed' (gave up after maxRestarts crashes), or 'stopped'. */
  readonly status: 'ok' | 'failed' | 'stopped';
  /** Every child started for this run, in order. */
  readonly exits: readonly ChildExit[];
  /** Result line of the successful child (or of the last crashed one, when it printed one). */
  readonly result?: unknown;
}

/** The backoff before crash restart number `k` (0-based): full jitter on base * 2^k, capped. */
export function restartBackoffMs(k: number, baseMs: number, maxMs: number, u: number): number {
  return Math.floor(u * Math.min(maxMs, baseMs * 2 ** k));
}

/**
 * In a child: calls `fn` once when the supervising parent is gone (the IPC
 * channel closed: normal stop or kill -9 of the parent). No-op when the
 * process has no IPC channel.
 */
export function onParentGone(fn: () => void): void {
  if (!process.send) return;
  process.once('disconnect', fn);
}

/** Runs one component under supervision (see the module comment). */
export class Supervisor {
  private child?: ChildProcess;
  private stopping = false;
  private wake?: () => void;

  constructor(
    readonly spec: ChildSpec,
    private readonly policy: SupervisorPolicy = {},
    private readonly log?: Logger,
  ) {}

  /** PID of the running child, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts one child and waits for its end. */
  private once(): Promise<ChildExit> {
    return new Promise((resolve) => {
      const startedAt = Date.now();
      const child = spawn(this.spec.command, [...this.spec.args], { cwd: this.spec.cwd, env: this.spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      this.child = child;
      let result: unknown;
      let byUs: 'restart_interval' | 'stopped' | undefined;
      let buf = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            result = JSON.parse(line);
          } catch {
            this.log?.info({ child: this.spec.name }, line);
          }
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        for (const line of d.split('\n')) if (line.trim()) this.log?.info({ child: this.spec.name, stream: 'stderr' }, line.trimEnd());
      });
      const iv = this.policy.restartIntervalMs ?? 0;
      const timer = iv > 0 ? setTimeout(() => {
        byUs = 'restart_interval';
        this.log?.info({ pid: child.pid, afterMs: iv }, `${this.spec.name}: periodic restart`);
        this.terminate(child);
      }, iv) : undefined;
      const stopListener = () => {
        byUs = 'stopped';
        this.terminate(child);
      };
      this.stopHook = stopListener;
      if (this.stopping) stopListener();
      child.on('error', (err) => this.log?.error({ err: err.message }, `${this.spec.name}: cannot start`));
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        this.child = undefined;
        this.stopHook = undefined;
        if (buf.trim()) {
          try {
            result = JSON.parse(buf.trim());
          } catch {
            /* not a result line */
          }
        }
        const reason: ChildExit['reason'] = byUs ?? (code === 0 ? 'ok' : 'crash');
        const exit: ChildExit = { pid: child.pid ?? -1, startedAt, endedAt: Date.now(), code, signal, reason, ...(result !== undefined ? { result } : {}) };
        const level = reason === 'crash' ? 'warn' : 'info';
        this.log?.[level]({ pid: exit.pid, code, signal, reason, seconds: (exit.endedAt - startedAt) / 1000 }, `${this.spec.name}: pid ${exit.pid} exited (${signal ?? `code ${code}`}, ${reason})`);
        resolve(exit);
      });
      this.log?.info({ pid: child.pid, args: this.spec.args.slice(-8) }, `${this.spec.name}: started pid ${child.pid}`);
    });
  }

  private stopHook?: () => void;

  private terminate(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, this.policy.stopGraceMs ?? 10_000);
    t.unref();
  }

  /**
   * Runs the component until a child exits 0, restarting crashed children
   * with backoff and long-running ones at the restart interval.
   */
  async run(): Promise<RunOutcome> {
    const exits: ChildExit[] = [];
    const base = this.policy.backoffBaseMs ?? 1000;
    const max = this.policy.backoffMaxMs ?? 300_000;
    const maxRestarts = this.policy.maxRestarts ?? 5;
    let crashes = 0;
    for (;;) {
      if (this.stopping) return { name: this.spec.name, status: 'stopped', exits };
      const exit = await this.once();
      exits.push(exit);
      if (exit.reason === 'ok') return { name: this.spec.name, status: 'ok', exits, result: exit.result };
      if (exit.reason === 'stopped' || this.stopping) return { name: this.spec.name, status: 'stopped', exits };
      if (exit.reason === 'restart_interval') continue;
      if (crashes >= maxRestarts) {
        this.log?.error({ crashes: crashes + 1 }, `${this.spec.name}: gave up after ${crashes + 1} crashes in a row`);
        return { name: this.spec.name, status: 'failed', exits, ...(exit.result !== undefined ? { result: exit.result } : {}) };
      }
      const wait = restartBackoffMs(crashes, base, max, (this.policy.random ?? Math.random)());
      crashes++;
      this.log?.warn({ waitMs: wait, restart: crashes }, `${this.spec.name}: restart ${crashes}/${maxRestarts} in ${wait} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Stops the running child (SIGTERM, then SIGKILL after the grace time) and ends {@link run}. */
  stop(): void {
    this.stopping = true;
    this.stopHook?.();
    this.wake?.();
  }
}
