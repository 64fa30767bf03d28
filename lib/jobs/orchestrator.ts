/**
 * The orchestrator: runs named components (child processes built by bin/) on
 * schedules, at most `maxConcurrent` at once, each under a {@link Supervisor},
 * recording every run in the {@link JobStore}.
 *
 * Modes (the flags users of the original tool know):
 * - `continuous`: the generator runs batch after batch; the miner runs every
 *   `miningIntervalHours` (first at start). Both are active at once; with
 *   `maxConcurrent` 1 (default) their batches take turns for the one slot
 *   (one GPU, one DuckDB writer).
 * - `daily`: at `dailyAt` (cron, default 02:00 UTC) generator, then miner,
 *   then submitter, in sequence.
 * - `miner`: the miner every `miningIntervalHours`.
 * - `generator`, `submitter`: one run, then exit.
 * With `once`, every schedule fires once and the orchestrator returns.
 * Schedules use croner; SIGTERM / Ctrl-C (wired in bin/) call {@link Orchestrator.stop},
 * which stops the schedules and the children cleanly.
 */
import { existsSync } from 'node:fs';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { JobStore } from './store.js';
import { Supervisor, type ChildSpec, type RunOutcome, type SupervisorPolicy } from './supervisor.js';
import { claimRequest, finishRequest, queuedRequests, readQueuedRequest, recoverRequests, validateRequest, REQUEST_COMPONENT, type RequestKind, type RequestParams, type RequestRecord } from './requests.js';

/** Orchestrator modes that schedule components; `requests` runs only requested jobs (lib/jobs/requests.ts). */
export type ScheduleMode = 'continuous' | 'daily' | 'miner' | 'generator' | 'submitter' | 'requests';

/** Builds the child of a requested job (bin/ decides what runs, with the request's parameters). */
export type RequestSpecBuilder = (kind: RequestKind, params: RequestParams) => ChildSpec;

/** The components the modes name; bin/ says what each runs. */
export type ComponentName = 'generator' | 'miner' | 'submitter';

/** Settings of {@link Orchestrator}. */
export interface OrchestratorSettings {
  readonly mode: ScheduleMode;
  /** Component runs at once. Default 1. */
  readonly maxConcurrent?: number;
  /** Hours between miner runs. Default 6. */
  readonly miningIntervalHours?: number;
  /** Cron pattern of the daily run (UTC). Default "0 2 * * *". */
  readonly dailyAt?: string;
  /** Fire each schedule once, then return. */
  readonly once?: boolean;
  /** Pause between two generator batches in continuous mode, ms. Default 5000. */
  readonly generatorPauseMs?: number;
  /** Restart / backoff policy of every component. */
  readonly policy?: SupervisorPolicy;
  /** While this file exists (the dashboard's `data/control/PAUSE`), no component run starts; runs in progress finish. Default '' (none). */
  readonly pauseFile?: string;
  /** Folder of request files (the dashboard's `data/control/requests`): served in the modes `continuous`, `daily`, `miner` and `requests` (with `once`: the queue is drained, then the run returns). Default '' (none). */
  readonly requestsDir?: string;
  /** How often the request folder is looked at, ms. Default 1000. */
  readonly requestPollMs?: number;
}

/** Resolved defaults and checks of the settings. @throws RangeError naming the setting. */
export function resolveOrchestratorSettings(s: OrchestratorSettings): Required<Omit<OrchestratorSettings, 'policy'>> & { policy: SupervisorPolicy } {
  const maxConcurrent = s.maxConcurrent ?? 1;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError(`--max-concurrent must be an integer >= 1, got ${s.maxConcurrent}`);
  const miningIntervalHours = s.miningIntervalHours ?? 6;
  if (!(miningIntervalHours > 0)) throw new RangeError(`--mining-interval must be > 0 hours, got ${s.miningIntervalHours}`);
  const dailyAt = s.dailyAt ?? '0 2 * * *';
  try {
    new Cron(dailyAt, { paused: true, timezone: 'UTC' }).stop();
  } catch (err) {
    throw new RangeError(`--daily-at: not a cron pattern: "${dailyAt}" (${(err as Error).message})`);
  }
  return { mode: s.mode, maxConcurrent, miningIntervalHours, dailyAt, once: s.once ?? false, generatorPauseMs: s.generatorPauseMs ?? 5000, pauseFile: s.pauseFile ?? '', requestsDir: s.requestsDir ?? '', requestPollMs: s.requestPollMs ?? 1000, policy: s.policy ?? {} };
}

/** A counting semaphore (FIFO). */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Runs the components of a mode (see the module comment). */
export class Orchestrator {
  private readonly s: ReturnType<typeof resolveOrchestratorSettings>;
  private readonly slots: Slots;
  private readonly running = new Set<Supervisor>();
  private readonly crons: Cron[] = [];
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Outcomes of every run so far, in order. */
  readonly outcomes: RunOutcome[] = [];

  constructor(
    settings: OrchestratorSettings,
    private readonly components: Readonly<Record<ComponentName, ChildSpec>>,
    private readonly store: JobStore,
    private readonly log: Logger,
    /** Logger of each component (e.g. its own JSON-lines file). Default: a child of `log`. */
    private readonly componentLog: (name: ComponentName) => Logger = (name) => log.child({ component: name }),
    /** The child of a requested job; needed with `requestsDir`. */
    private readonly requestSpec?: RequestSpecBuilder,
  ) {
    this.s = resolveOrchestratorSettings(settings);
    if (this.s.requestsDir !== '' && !requestSpec) throw new Error('orchestrator: requestsDir needs a request spec builder (what each requested kind runs)');
    if (this.s.mode === 'requests' && this.s.requestsDir === '') throw new Error('orchestrator: mode "requests" needs requestsDir');
    this.slots = new Slots(this.s.maxConcurrent);
  }

  private readonly loggers = new Map<ComponentName, Logger>();
  private loggerOf(name: ComponentName): Logger {
    let l = this.loggers.get(name);
    if (!l) this.loggers.set(name, (l = this.componentLog(name)));
    return l;
  }

  /** Runs one component under supervision, in a slot; records it. */
  async runComponent(name: ComponentName): Promise<RunOutcome> {
    return this.supervised(name, this.components[name], this.s.policy);
  }

  /** Runs `spec` under supervision in a slot, unless stopped or paused; `onStart(at)` is asked first, once the slot is held (false: nothing runs). */
  private async supervised(name: ComponentName, spec: ChildSpec, policy: SupervisorPolicy, onStart?: (at: number) => boolean): Promise<RunOutcome> {
    await this.slots.acquire();
    try {
      if (this.stopped) return { name, status: 'stopped', exits: [] };
      if (this.isPaused(name)) return { name, status: 'stopped', exits: [] };
      const at = Date.now();
      if (onStart && !onStart(at)) return { name, status: 'stopped', exits: [] };
      const sup = new Supervisor({ ...spec, name }, policy, this.loggerOf(name));
      this.running.add(sup);
      await this.store.started(name, at);
      const outcome = await sup.run();
      this.running.delete(sup);
      await this.store.finished(outcome);
      this.outcomes.push(outcome);
      return outcome;
    } finally {
      this.slots.release();
    }
  }

  /** Requests finished by this orchestrator, in order. */
  readonly requests: RequestRecord[] = [];

  /**
   * Runs one queued request (see lib/jobs/requests.ts): claims it, runs its
   * component once (no crash restart: a request runs at most once), and
   * records done / failed with the job id. Returns null when it was not run
   * (another orchestrator claimed it, or this one is stopping or paused: it stays queued).
   */
  async runRequest(id: string): Promise<RequestRecord | null> {
    const dir = this.s.requestsDir;
    if (this.stopped) return null;
    let kind: RequestKind, params: RequestParams, spec: ChildSpec;
    try {
      const raw = readQueuedRequest(dir, id);
      if (raw === null) return null; // claimed by another orchestrator
      ({ kind, params } = validateRequest(String(raw.kind), raw.params ?? {}));
      spec = this.requestSpec!(kind, params);
    } catch (err) {
      const rec = claimRequest(dir, id, 'none');
      if (!rec) return null;
      const out = finishRequest(dir, rec, { state: 'failed', error: (err as Error).message });
      this.log.warn({ request: id }, `request ${id} refused: ${(err as Error).message}`);
      this.requests.push(out);
      return out;
    }
    const name = REQUEST_COMPONENT[kind];
    let rec: RequestRecord | null = null;
    // claimed once the slot is held, just before the child starts: a request waiting for the slot (or paused) stays queued
    const outcome = await this.supervised(name, spec, { ...this.s.policy, maxRestarts: 0, restartIntervalMs: 0 }, (at) => {
      rec = claimRequest(dir, id, `${name}@${new Date(at).toISOString()}`, at);
      if (rec) this.log.info({ request: id, job: name, jobId: rec.jobId, params }, `request ${id}: ${kind} started as job ${rec.jobId}`);
      return rec !== null;
    });
    if (!rec) return null;
    const r = rec as RequestRecord;
    const pids = outcome.exits.map((e) => e.pid);
    const last = outcome.exits.at(-1);
    const out = outcome.status === 'ok'
      ? finishRequest(dir, r, { state: 'done', result: outcome.result, pids })
      : finishRequest(dir, r, { state: 'failed', pids, ...(outcome.result !== undefined ? { result: outcome.result } : {}), error: outcome.status === 'stopped' ? 'stopped: the orchestrator shut down while it ran' : `the job failed (${last ? `${last.reason}, exit ${last.code ?? last.signal}` : 'no child started'})` });
    this.log.info({ request: id, jobId: r.jobId, state: out.state }, `request ${id}: ${out.state}`);
    this.requests.push(out);
    return out;
  }

  /** Runs every queued request, oldest first, until the queue is empty, the orchestrator stops, or PAUSE appears. */
  async drainRequests(): Promise<void> {
    for (const id of queuedRequests(this.s.requestsDir)) {
      if (this.stopped || this.isPaused('generator')) return;
      await this.runRequest(id);
    }
  }

  private async requestLoop(): Promise<void> {
    while (!this.stopped) {
      await this.drainRequests();
      if (this.stopped) return;
      await this.loopPause(this.s.requestPollMs, 'requests');
    }
  }

  private readonly wakers = new Map<string, () => void>();
  /** Waits `ms` between two turns of a loop; {@link stop} ends the wait at once. */
  private loopPause(ms: number, loop: string): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.wakers.set(loop, () => {
        clearTimeout(t);
        r();
      });
    });
  }

  private paused = false;
  /** Whether the pause file exists; logs each change once. */
  private isPaused(name: ComponentName): boolean {
    const now = this.s.pauseFile !== '' && existsSync(this.s.pauseFile);
    if (now !== this.paused) this.log.info({ job: name, pauseFile: this.s.pauseFile }, now ? `paused (${this.s.pauseFile} exists): no new runs` : 'resumed');
    this.paused = now;
    return now;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Every `hours`, first at once; skipped while the previous run of the job is still going (croner `protect`). */
  private every(name: ComponentName, hours: number): void {
    const job = new Cron('* * * * * *', { interval: Math.round(hours * 3600), protect: true, name: `alphalab-${name}` }, async () => {
      // the next-run write is tracked too: stop() waits for it (the store may be closed right after)
      await this.track((async () => {
        await this.runComponent(name);
        if (!this.stopped) await this.store.nextRun(name, job.nextRun());
      })());
    });
    this.crons.push(job);
    void this.store.nextRun(name, job.nextRun());
  }

  private daily(names: readonly ComponentName[]): void {
    const job = new Cron(this.s.dailyAt, { timezone: 'UTC', protect: true, name: 'alphalab-daily' }, async () => {
      await this.track(this.sequence(names));
      for (const n of names) await this.store.nextRun(n, job.nextRun());
    });
    this.crons.push(job);
    for (const n of names) void this.store.nextRun(n, job.nextRun());
  }

  private async sequence(names: readonly ComponentName[]): Promise<void> {
    for (const n of names) {
      if (this.stopped) return;
      const o = await this.runComponent(n);
      if (o.status !== 'ok') this.log.warn({ job: n, status: o.status }, `${n} did not finish (${o.status}); continuing the sequence`);
    }
  }

  private async generatorLoop(): Promise<void> {
    while (!this.stopped) {
      await this.runComponent('generator');
      if (this.stopped) return;
      await this.loopPause(this.s.generatorPauseMs, 'generator');
    }
  }

  /**
   * Runs the mode until {@link stop} (or, with `once` and for the one-run
   * modes, until every component ran once).
   * @returns the outcomes of every run.
   */
  async run(): Promise<RunOutcome[]> {
    const { mode, once } = this.s;
    this.log.info({ mode, maxConcurrent: this.s.maxConcurrent, miningIntervalHours: this.s.miningIntervalHours, once }, `orchestrator: mode ${mode}`);
    if (this.s.requestsDir !== '') {
      const interrupted = recoverRequests(this.s.requestsDir);
      if (interrupted.length) this.log.warn({ requests: interrupted }, `${interrupted.length} request(s) left running by a stopped orchestrator marked interrupted (not run again)`);
    }
    if (mode === 'requests') {
      if (once) await this.drainRequests();
      else await this.track(this.requestLoop());
      return this.outcomes;
    }
    if (this.s.requestsDir !== '' && !once && mode !== 'generator' && mode !== 'submitter') void this.track(this.requestLoop());
    if (mode === 'generator' || mode === 'submitter') {
      await this.runComponent(mode);
      return this.outcomes;
    }
    if (once) {
      if (mode === 'continuous') await Promise.all([this.runComponent('generator'), this.runComponent('miner')]);
      else if (mode === 'daily') await this.sequence(['generator', 'miner', 'submitter']);
      else await this.runComponent('miner');
      return this.outcomes;
    }
    if (mode === 'continuous') {
      this.every('miner', this.s.miningIntervalHours);
      await this.track(this.generatorLoop());
    } else if (mode === 'daily') {
      this.daily(['generator', 'miner', 'submitter']);
    } else {
      this.every('miner', this.s.miningIntervalHours);
    }
    while (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    await Promise.allSettled([...this.inFlight]);
    return this.outcomes;
  }

  /** Stops schedules and children (SIGTERM, SIGKILL after the grace time); {@link run} then returns. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.log.info('orchestrator: stopping');
    for (const c of this.crons) c.stop();
    for (const s of this.running) s.stop();
    for (const wake of this.wakers.values()) wake();
    await Promise.allSettled([...this.inFlight]);
  }
}
