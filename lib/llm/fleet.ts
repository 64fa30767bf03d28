/**
 * The model fleet: an {@link LlmProvider} that serves each request from the
 * current tier of a list of models (largest first) and moves between tiers:
 *
 * 1. Every request goes to the current tier's provider with the tier's
 *    `num_ctx` (the fleet owns it) and `keep_alive`.
 * 2. An OOM-class error ({@link isOomError}; also a new OOM line in the
 *    server log when `serverLog` is configured) counts toward the tier's
 *    consecutive-OOM count and the request is retried. At `oomThreshold`
 *    (3) in a row the fleet unloads the model and steps down exactly one
 *    tier, so a request whose model cannot load ends answered by the next
 *    tier. On the last tier the request fails.
 * 3. A success resets the count. Other retryable errors (connection, 5xx,
 *    timeouts) are retried `transientRetries` times with full-jitter backoff
 *    and do not count; other errors fail the request at once.
 * 4. Before a request, once `cooldownMs` has passed since the last change,
 *    the fleet tries one tier up when the VRAM monitor reports enough free
 *    memory (the larger model's size + headroom, counting the memory the
 *    current model frees) or no GPU at all: it loads the larger model first
 *    and moves only when that load succeeds.
 * 5. Partial offload (`size_vram < size` in /api/ps) marks the fleet degraded.
 *
 * Every change is written to the state file atomically (see fleet-state.ts).
 * Providers per tier come from a registry keyed by the tier's `provider`
 * kind; 'ollama' and 'llama-cpp' (a GGUF file in this process) are built in,
 * others are added with {@link registerTierProvider}. An `LlmError` with code
 * 'oom' (llama.cpp's allocation failure) is OOM-class whatever its wording.
 */
import { readFileSync, statSync } from 'node:fs';
import { type FleetConfig, type FleetTier, DEFAULT_FLEET_CONFIG } from './fleet-config.js';
import { type FleetHistoryEntry, type FleetState, readFleetState, writeFleetState } from './fleet-state.js';
import { OllamaModelOps, type LoadedModel } from './models.js';
import { llamaCppTierKind } from './fleet-llama-cpp.js';
import { isOomError, oomLogLines } from './oom.js';
import { OllamaProvider } from './provider-ollama.js';
import { backoffMs, sleepMs } from '../core/retry.js';
import { LlmError, type ChatOptions, type ChatResult, type LlmProvider } from './types.js';

/** Context a tier provider is built with. */
export interface TierContext {
  /** Server address of the fleet. */
  readonly host: string;
  /** Per-attempt timeout in ms. */
  readonly timeoutMs: number;
}

/** Load / unload / inspect models of one provider kind (optional: without it the fleet switches tiers without preloading). */
export interface TierControl {
  /** Loads a model (throws an OOM-class error when it does not fit); `tier` is the tier being loaded (in-process kinds read its `numCtx`). */
  load(model: string, keepAlive: string | number, tier?: FleetTier): Promise<void>;
  /** Unloads a model at once. */
  unload(model: string): Promise<void>;
  /** Loaded models with their VRAM share. */
  ps(): Promise<LoadedModel[]>;
}

/** How a provider kind builds the provider (no retries: the fleet retries) and the control for a tier. */
export interface TierProviderKind {
  provider(tier: FleetTier, ctx: TierContext): LlmProvider;
  control?(ctx: TierContext): TierControl;
}

const TIER_KINDS = new Map<string, TierProviderKind>([
  [
    'ollama',
    {
      provider: (tier, ctx) => new OllamaProvider({ model: tier.model, host: ctx.host, timeoutMs: ctx.timeoutMs, keepAlive: tier.keepAlive, retry: { retries: 0 } }),
      control: (ctx) => new OllamaModelOps({ host: ctx.host, timeoutMs: ctx.timeoutMs }),
    },
  ],
  // a GGUF file run in this process (tier.model is the file's path); see fleet-llama-cpp.ts
  ['llama-cpp', llamaCppTierKind()],
]);

/** Registers (or replaces) a provider kind usable in a tier's `provider` field. */
export function registerTierProvider(kind: string, impl: TierProviderKind): void {
  TIER_KINDS.set(kind, impl);
}

/** Provider kinds registered so far. */
export function tierProviderKinds(): string[] {
  return [...TIER_KINDS.keys()];
}

/** Options of {@link FleetProvider}. */
export interface FleetOptions {
  /** Tiers and policy. Default {@link DEFAULT_FLEET_CONFIG}. */
  readonly config?: FleetConfig;
  /** Path of the state file (see defaultFleetStatePath). */
  readonly statePath: string;
  /** Server address passed to every tier. Default http://127.0.0.1:11434. */
  readonly host?: string;
  /** Per-attempt timeout in ms. Default 180000. */
  readonly timeoutMs?: number;
  /** Clock, epoch ms (tests inject a fake one). Default Date.now. */
  readonly now?: () => number;
  /** Sleep used by the transient-error backoff. Default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Free GPU memory in GB, or undefined when there is no GPU (feed it from a VramMonitor). Default: always undefined. */
  readonly freeVramGb?: () => Promise<number | undefined> | number | undefined;
  /** Log lines (tier changes, OOMs). Default: none. */
  readonly log?: (line: string) => void;
  /** Provider kinds to use instead of the registry (tests). */
  readonly kinds?: ReadonlyMap<string, TierProviderKind>;
}

/** A short status for CLIs and notebooks. */
export interface FleetStatus {
  readonly tierIndex: number;
  readonly tier: FleetTier;
  readonly tiers: readonly FleetTier[];
  readonly consecutiveOoms: number;
  readonly totalOoms: number;
  readonly successes: number;
  readonly degraded: boolean;
  readonly degradedDetail?: string;
  readonly lastChange?: FleetHistoryEntry;
  readonly statePath: string;
  readonly seq: number;
}

/** Status of a state file without building providers (for `fleet-status`). */
export function fleetStatus(statePath: string, config: FleetConfig = DEFAULT_FLEET_CONFIG): FleetStatus {
  const state = readFleetState(statePath, config.tiers[0]!.model);
  const idx = Math.min(state.tierIndex, config.tiers.length - 1);
  return {
    tierIndex: idx,
    tier: config.tiers[idx]!,
    tiers: config.tiers,
    consecutiveOoms: state.consecutiveOoms,
    totalOoms: state.totalOoms,
    successes: state.successes,
    degraded: state.degraded,
    ...(state.degradedDetail ? { degradedDetail: state.degradedDetail } : {}),
    ...(state.history.length ? { lastChange: state.history[state.history.length - 1] } : {}),
    statePath,
    seq: state.seq,
  };
}

/** The fleet (see the module comment). */
export class FleetProvider implements LlmProvider {
  readonly config: FleetConfig;
  readonly baseUrl: string;
  readonly statePath: string;
  private st: FleetState;
  private readonly providers = new Map<number, LlmProvider>();
  private readonly ctx: TierContext;
  private readonly kinds: ReadonlyMap<string, TierProviderKind>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private lastDegradedCheck = -Infinity;
  private logOffset?: number;

  /** @throws Error when the state file is invalid or a tier names an unregistered provider kind. */
  constructor(private readonly options: FleetOptions) {
    this.config = options.config ?? DEFAULT_FLEET_CONFIG;
    this.kinds = options.kinds ?? TIER_KINDS;
    for (const [i, t] of this.config.tiers.entries()) if (!this.kinds.has(t.provider)) throw new Error(`fleet tier ${i} (${t.model}): provider kind "${t.provider}" is not registered (known: ${[...this.kinds.keys()].join(', ')})`);
    const h = options.host ?? 'http://127.0.0.1:11434';
    this.baseUrl = (h.includes('://') ? h : `http://${h}`).replace(/\/+$/, '');
    this.ctx = { host: this.baseUrl, timeoutMs: options.timeoutMs ?? 180_000 };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepMs;
    this.statePath = options.statePath;
    const st = readFleetState(this.statePath, this.config.tiers[0]!.model, this.now());
    // a config with fewer tiers than the saved index: clamp to the last tier
    const idx = Math.min(st.tierIndex, this.config.tiers.length - 1);
    this.st = idx === st.tierIndex && st.model === this.config.tiers[idx]!.model ? st : { ...st, tierIndex: idx, model: this.config.tiers[idx]!.model };
    if (this.config.serverLog) this.logOffset = this.logSize();
  }

  /** Current state (a copy is not made: treat as read-only). */
  get state(): FleetState {
    return this.st;
  }

  /** Current tier. */
  get tier(): FleetTier {
    return this.config.tiers[this.st.tierIndex]!;
  }

  /** Provider kind of the current tier's provider. */
  get name(): LlmProvider['name'] {
    return this.providerAt(this.st.tierIndex).name;
  }

  /** Model of the current tier. */
  get model(): string {
    return this.tier.model;
  }

  /** Status summary. */
  status(): FleetStatus {
    return { ...fleetStatus(this.statePath, this.config), statePath: this.statePath };
  }

  private providerAt(i: number): LlmProvider {
    let p = this.providers.get(i);
    if (!p) {
      const tier = this.config.tiers[i]!;
      p = this.kinds.get(tier.provider)!.provider(tier, this.ctx);
      this.providers.set(i, p);
    }
    return p;
  }

  private controlAt(i: number): TierControl | undefined {
    return this.kinds.get(this.config.tiers[i]!.provider)!.control?.(this.ctx);
  }

  private save(next: FleetState): void {
    this.st = writeFleetState(this.statePath, next, this.now());
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private historyWith(e: FleetHistoryEntry): FleetHistoryEntry[] {
    return [...this.st.history, e].slice(-this.config.maxHistory);
  }

  private change(to: number, kind: FleetHistoryEntry['kind'], reason: string): void {
    const from = this.st.tierIndex;
    const e: FleetHistoryEntry = { at: this.iso(), kind, from, to, fromModel: this.config.tiers[from]!.model, toModel: this.config.tiers[to]!.model, reason };
    this.save({ ...this.st, tierIndex: to, model: this.config.tiers[to]!.model, consecutiveOoms: 0, degraded: kind === 'upgrade_failed' ? this.st.degraded : false, degradedDetail: undefined, lastChangeAt: e.at, ...(kind === 'upgrade_failed' ? { lastUpgradeTryAt: e.at } : {}), history: this.historyWith(e) });
    this.options.log?.(`fleet: ${kind} ${e.fromModel} -> ${e.toModel}: ${reason}`);
  }

  /** Checks the fleet's server log for OOM lines written since the last check. */
  private logSize(): number {
    try {
      return statSync(this.config.serverLog!).size;
    } catch {
      return 0;
    }
  }

  private newLogOom(): string | undefined {
    if (!this.config.serverLog) return undefined;
    const size = this.logSize();
    const from = this.logOffset ?? 0;
    this.logOffset = size;
    if (size <= from) return undefined;
    try {
      const text = readFileSync(this.config.serverLog).subarray(from, size).toString('utf8');
      const hit = oomLogLines(text)[0];
      return hit?.line.trim();
    } catch {
      return undefined;
    }
  }

  /**
   * Records one OOM-class error on the current tier; steps down one tier when
   * the threshold is reached (unloading the model first).
   * @returns whether another tier is left to retry on (false: on the last tier at the threshold).
   */
  async recordOom(message: string): Promise<boolean> {
    const idx = this.st.tierIndex;
    const model = this.tier.model;
    const count = this.st.consecutiveOoms + 1;
    const lastErrors = [...this.st.lastErrors, { at: this.iso(), model, oom: true, message: message.slice(0, 500) }].slice(-20);
    this.save({ ...this.st, consecutiveOoms: count, totalOoms: this.st.totalOoms + 1, lastErrors });
    this.options.log?.(`fleet: OOM-class error ${count}/${this.config.oomThreshold} on ${model}: ${message.slice(0, 200)}`);
    if (count < this.config.oomThreshold) return true;
    if (idx >= this.config.tiers.length - 1) return false;
    await this.controlAt(idx)?.unload(model).catch(() => undefined);
    this.change(idx + 1, 'downgrade', `${count} consecutive OOM-class errors on ${model}; last: ${message.slice(0, 300)}`);
    return true;
  }

  /** Steps down one tier by hand (CLI `fleet-downgrade`). @returns false when already on the last tier. */
  async downgrade(reason = 'manual downgrade'): Promise<boolean> {
    const idx = this.st.tierIndex;
    if (idx >= this.config.tiers.length - 1) return false;
    await this.controlAt(idx)?.unload(this.tier.model).catch(() => undefined);
    this.change(idx + 1, 'manual', reason);
    return true;
  }

  /** Back to the first tier with zero counts; the history is kept (CLI `fleet-reset`). */
  reset(reason = 'manual reset'): void {
    const e: FleetHistoryEntry = { at: this.iso(), kind: 'reset', from: this.st.tierIndex, to: 0, fromModel: this.tier.model, toModel: this.config.tiers[0]!.model, reason };
    this.save({ ...this.st, tierIndex: 0, model: this.config.tiers[0]!.model, consecutiveOoms: 0, totalOoms: 0, successes: 0, degraded: false, degradedDetail: undefined, lastChangeAt: e.at, lastUpgradeTryAt: undefined, lastErrors: [], history: this.historyWith(e) });
  }

  /**
   * Tries one tier up when the cool-down has passed and memory allows (see
   * the module comment, step 4). Called before every request; cheap when
   * nothing is due.
   * @returns 'upgraded', 'failed' (the larger model did not load), or 'not_due'.
   */
  async maybeUpgrade(): Promise<'upgraded' | 'failed' | 'not_due'> {
    const idx = this.st.tierIndex;
    if (idx === 0) return 'not_due';
    const now = this.now();
    const since = Math.max(this.st.lastChangeAt ? Date.parse(this.st.lastChangeAt) : -Infinity, this.st.lastUpgradeTryAt ? Date.parse(this.st.lastUpgradeTryAt) : -Infinity);
    if (now - since < this.config.cooldownMs) return 'not_due';
    const target = this.config.tiers[idx - 1]!;
    const free = await this.options.freeVramGb?.();
    if (free !== undefined && free + this.tier.sizeGb < target.sizeGb + this.config.upgradeHeadroomGb) return 'not_due';
    const ctl = this.controlAt(idx - 1);
    if (ctl) {
      try {
        await this.controlAt(idx)?.unload(this.tier.model).catch(() => undefined);
        await ctl.load(target.model, target.keepAlive, target);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        this.change(idx, 'upgrade_failed', `cool-down passed${free !== undefined ? ` with ${free.toFixed(1)} GB free` : ' (no GPU reading)'} but ${target.model} did not load: ${msg.slice(0, 300)}`);
        return 'failed';
      }
    }
    this.change(idx - 1, 'upgrade', `cool-down of ${Math.round(this.config.cooldownMs / 60_000)} min passed${free !== undefined ? ` and ${free.toFixed(1)} GB VRAM free` : ' (no GPU reading: CPU only)'}`);
    return 'upgraded';
  }

  /**
   * Checks /api/ps for partial offload of the current model (at most every
   * `degradedCheckMs`, or now with `force`) and records the result.
   */
  async checkDegraded(force = false): Promise<boolean> {
    const now = this.now();
    if (!force && now - this.lastDegradedCheck < this.config.degradedCheckMs) return this.st.degraded;
    this.lastDegradedCheck = now;
    const ctl = this.controlAt(this.st.tierIndex);
    if (!ctl) return this.st.degraded;
    let loaded: LoadedModel[];
    try {
      loaded = await ctl.ps();
    } catch {
      return this.st.degraded;
    }
    const want = this.tier.model.includes(':') ? this.tier.model : `${this.tier.model}:latest`;
    const m = loaded.find((x) => x.name === this.tier.model || x.name === want);
    const degraded = Boolean(m?.partialOffload);
    const detail = m?.partialOffload ? `${m.name}: ${(m.vramBytes / 1e9).toFixed(1)} of ${(m.sizeBytes / 1e9).toFixed(1)} GB in VRAM (${Math.round(100 * m.vramFraction)}%), the rest on the CPU` : undefined;
    if (degraded !== this.st.degraded || detail !== this.st.degradedDetail) {
      this.save({ ...this.st, degraded, degradedDetail: detail });
      if (degraded) this.options.log?.(`fleet: degraded: ${detail}`);
    }
    return degraded;
  }

  /** @inheritdoc */
  async check(): Promise<void> {
    await this.providerAt(this.st.tierIndex).check();
  }

  /**
   * One chat on the current tier, with the fleet's OOM handling (module comment).
   * @throws LlmError when the last tier keeps failing with OOM, or a non-OOM error is final.
   */
  async chat(options: ChatOptions): Promise<ChatResult> {
    await this.maybeUpgrade();
    let transient = 0;
    let attempts = 0;
    const t0 = this.now();
    for (;;) {
      const idx = this.st.tierIndex;
      attempts++;
      try {
        const r = await this.providerAt(idx).chat({ ...options, numCtx: this.config.tiers[idx]!.numCtx });
        this.save({ ...this.st, consecutiveOoms: 0, successes: this.st.successes + 1 });
        await this.checkDegraded();
        return { ...r, attempts, durationMs: Math.max(r.durationMs, this.now() - t0) };
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        const oom = isOomError(err) || (err instanceof LlmError && err.code === 'oom');
        const logLine = oom ? undefined : this.newLogOom();
        if (oom || logLine) {
          const more = await this.recordOom(logLine ? `${msg} (server log: ${logLine})` : msg);
          if (!more) throw new LlmError('http', `every fleet tier is out of memory: ${this.config.oomThreshold} OOM-class errors in a row on the last tier ${this.tier.model}; last: ${msg}`, err instanceof LlmError ? err.status : undefined, false);
          continue;
        }
        if (err instanceof LlmError && err.retryable && transient < this.config.transientRetries) {
          await this.sleep(backoffMs(transient, 500, 8000, Math.random()));
          transient++;
          continue;
        }
        throw err;
      }
    }
  }
}
