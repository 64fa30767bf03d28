/**
 * GPU memory monitor: `nvidia-smi --query-gpu=memory.used,memory.total,utilization.gpu
 * --format=csv,noheader,nounits` (one line per GPU, e.g. "5234, 81559, 37":
 * MiB used, MiB total, percent busy) and Ollama's /api/ps (size and size_vram
 * per loaded model). No GPU is a normal state, reported as "CPU only": a
 * missing binary, a non-zero exit, a timeout or empty output never throw.
 */
import { execFile } from 'node:child_process';
import type { LoadedModel } from './models.js';

/** One GPU as nvidia-smi reports it. */
export interface GpuReading {
  /** 0-based position in nvidia-smi's output. */
  readonly index: number;
  /** Memory in use, MiB. */
  readonly usedMiB: number;
  /** Memory in all, MiB. */
  readonly totalMiB: number;
  /** totalMiB - usedMiB. */
  readonly freeMiB: number;
  /** GPU busy time over the last sample period, percent 0-100. */
  readonly utilizationPct: number;
}

/** Result of one nvidia-smi probe. */
export type GpuProbe =
  | { readonly status: 'gpu'; readonly gpus: readonly GpuReading[] }
  /** No usable GPU: 'missing' binary, 'failed' (non-zero exit, timeout, unparseable output) or 'empty' (no GPU lines). */
  | { readonly status: 'cpu_only'; readonly reason: 'missing' | 'failed' | 'empty'; readonly detail: string };

/** The nvidia-smi arguments used. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=memory.used,memory.total,utilization.gpu', '--format=csv,noheader,nounits'] as const;

/**
 * Parses nvidia-smi's CSV output (see {@link NVIDIA_SMI_ARGS}); blank lines are skipped.
 * "[N/A]" utilization (some virtual GPUs) reads as NaN.
 * @throws Error naming the 1-based line of a line that does not hold three numbers.
 */
export function parseNvidiaSmi(stdout: string): GpuReading[] {
  const out: GpuReading[] = [];
  const lines = stdout.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    const nums = cells.map((c) => (/^\[?n\/a\]?$/i.test(c) ? NaN : Number(c)));
    if (cells.length !== 3 || !Number.isFinite(nums[0]) || !Number.isFinite(nums[1]) || nums[1]! <= 0) throw new Error(`nvidia-smi output line ${i + 1}: expected "used, total, utilization" in MiB/MiB/%, got "${line}"`);
    out.push({ index: out.length, usedMiB: nums[0]!, totalMiB: nums[1]!, freeMiB: nums[1]! - nums[0]!, utilizationPct: nums[2]! });
  }
  return out;
}

/** Options of {@link probeGpus}. */
export interface ProbeOptions {
  /** Binary to run. Default "nvidia-smi" (found on PATH). */
  readonly bin?: string;
  /** Timeout in ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** Runs nvidia-smi once; never throws (see {@link GpuProbe}). */
export function probeGpus(options: ProbeOptions = {}): Promise<GpuProbe> {
  return new Promise((resolve) => {
    execFile(options.bin ?? 'nvidia-smi', [...NVIDIA_SMI_ARGS], { timeout: options.timeoutMs ?? 5000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ status: 'cpu_only', reason: 'missing', detail: 'nvidia-smi not found on PATH' });
        const why = (err as { killed?: boolean }).killed ? 'timed out' : `exit ${typeof code === 'number' ? code : ((err as { code?: unknown }).code ?? '?')}`;
        return resolve({ status: 'cpu_only', reason: 'failed', detail: `nvidia-smi ${why}: ${(stderr || stdout || err.message).trim().slice(0, 300)}` });
      }
      try {
        const gpus = parseNvidiaSmi(stdout);
        resolve(gpus.length ? { status: 'gpu', gpus } : { status: 'cpu_only', reason: 'empty', detail: 'nvidia-smi listed no GPU' });
      } catch (e) {
        resolve({ status: 'cpu_only', reason: 'failed', detail: (e as Error).message });
      }
    });
  });
}

/** Free memory summed over GPUs in GB (1 GB = 1024 MiB, as nvidia-smi counts MiB), or undefined when CPU only. */
export function freeVramGb(probe: GpuProbe): number | undefined {
  return probe.status === 'gpu' ? probe.gpus.reduce((s, g) => s + g.freeMiB, 0) / 1024 : undefined;
}

/** One monitor reading: GPUs and loaded models at one moment. */
export interface VramReading {
  /** Epoch ms of the reading. */
  readonly at: number;
  readonly gpu: GpuProbe;
  /** Loaded models from /api/ps, or undefined when the server did not answer. */
  readonly models?: readonly LoadedModel[];
  /** Why /api/ps gave nothing, when it did not answer. */
  readonly modelsError?: string;
  /** Free memory summed over GPUs in GB (1 GB = 1024 MiB, as nvidia-smi's MiB), undefined when CPU only. */
  readonly freeGb?: number;
  /** Models partly offloaded to the CPU (0 < size_vram < size). */
  readonly degraded: readonly string[];
}

/** A one-line description: "GPU0 5234/81559 MiB (6%) 37% busy; models: a 100% VRAM" or "CPU only (nvidia-smi not found on PATH)". */
export function formatVramReading(r: VramReading): string {
  const gpu =
    r.gpu.status === 'gpu'
      ? r.gpu.gpus.map((g) => `GPU${g.index} ${g.usedMiB}/${g.totalMiB} MiB (${Math.round((100 * g.usedMiB) / g.totalMiB)}%) ${Number.isFinite(g.utilizationPct) ? `${g.utilizationPct}% busy` : 'busy n/a'}`).join('; ')
      : `CPU only (${r.gpu.detail})`;
  const models = r.models ? (r.models.length ? r.models.map((m) => `${m.name} ${Math.round(100 * m.vramFraction)}% VRAM${m.partialOffload ? ' (partial offload: degraded)' : ''}`).join(', ') : 'none loaded') : `unknown (${r.modelsError})`;
  return `${gpu}; models: ${models}`;
}

/** Source of loaded models (an {@link OllamaModelOps} fits). */
export interface LoadedModelSource {
  ps(): Promise<LoadedModel[]>;
}

/** Options of {@link VramMonitor}. */
export interface VramMonitorOptions extends ProbeOptions {
  /** Where /api/ps comes from; omit to read GPUs only. */
  readonly models?: LoadedModelSource;
  /** Time between readings in ms. Default 30000. */
  readonly intervalMs?: number;
  /** Called with every reading (store it, log it, feed the fleet). Errors it throws are passed to `onError`. */
  readonly onReading?: (r: VramReading) => void | Promise<void>;
  /** Called when `onReading` throws. Default: ignore. */
  readonly onError?: (err: unknown) => void;
  /** Clock (tests). Default Date.now. */
  readonly now?: () => number;
}

/** Reads GPUs and loaded models every `intervalMs` (see the module comment). */
export class VramMonitor {
  private timer?: NodeJS.Timeout;
  private last?: VramReading;
  private running?: Promise<VramReading>;

  constructor(private readonly options: VramMonitorOptions = {}) {
    const iv = options.intervalMs ?? 30_000;
    if (!(iv > 0)) throw new RangeError(`VramMonitor: intervalMs must be > 0, got ${options.intervalMs}`);
  }

  /** The latest reading, if any. */
  get latest(): VramReading | undefined {
    return this.last;
  }

  /** Takes one reading now (never throws; a failing /api/ps is recorded in `modelsError`). */
  async readOnce(): Promise<VramReading> {
    if (this.running) return this.running;
    this.running = (async () => {
      const at = (this.options.now ?? Date.now)();
      const [gpu, ps] = await Promise.all([
        probeGpus(this.options),
        this.options.models ? this.options.models.ps().then((m) => ({ m }), (e: unknown) => ({ e: e instanceof Error ? e.message : String(e) })) : Promise.resolve(undefined),
      ]);
      const models = ps && 'm' in ps ? ps.m : undefined;
      const reading: VramReading = {
        at,
        gpu,
        ...(models ? { models } : {}),
        ...(ps && 'e' in ps ? { modelsError: ps.e } : {}),
        ...(gpu.status === 'gpu' ? { freeGb: freeVramGb(gpu) } : {}),
        degraded: (models ?? []).filter((m) => m.partialOffload).map((m) => m.name),
      };
      this.last = reading;
      try {
        await this.options.onReading?.(reading);
      } catch (err) {
        this.options.onError?.(err);
      }
      return reading;
    })();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Starts periodic readings (the first at once). */
  start(): void {
    if (this.timer) return;
    void this.readOnce();
    this.timer = setInterval(() => void this.readOnce(), this.options.intervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Stops periodic readings. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
