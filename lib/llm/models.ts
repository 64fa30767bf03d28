/**
 * Model operations on an Ollama server through the official `ollama` client:
 * list (/api/tags), pull with progress (/api/pull, NDJSON stream), show
 * (/api/show), delete (/api/delete), create in the JSON form of Ollama >=
 * 0.5.5 (/api/create with `from`, `system`, `messages`, `parameters`,
 * `template`, `adapters`, `quantize`; the old `modelfile` string is not
 * sent), ps (/api/ps, with partial-offload detection), load and unload
 * (/api/generate with `keep_alive`; 0 unloads).
 *
 * Errors inside a stream arrive as an NDJSON line `{"error": ...}` while the
 * HTTP status stays 200; the client throws them and they are mapped to
 * {@link LlmError} like HTTP errors. A missing model gives the exact
 * `ollama pull <model>` command.
 */
import { Ollama } from 'ollama';
import { isConnectionError, networkCode } from '../core/net.js';
import { httpError, modelMissing, timedOut, unreachable } from './errors.js';
import { matchOom } from './oom.js';
import { LlmError } from './types.js';

/** A model the server has (from /api/tags). */
export interface ModelInfo {
  readonly name: string;
  /** Size on disk in bytes. */
  readonly sizeBytes: number;
  /** ISO time of the last change. */
  readonly modifiedAt: string;
  readonly parameterSize: string;
  readonly quantization: string;
  readonly family: string;
}

/** A loaded model (from /api/ps). */
export interface LoadedModel {
  readonly name: string;
  /** Memory the loaded model takes, bytes. */
  readonly sizeBytes: number;
  /** Part of it in GPU memory, bytes. */
  readonly vramBytes: number;
  /** vramBytes / sizeBytes (1 = fully on the GPU, 0 = CPU only). */
  readonly vramFraction: number;
  /** Partial CPU offload: 0 < size_vram < size. A model with size_vram 0 runs on the CPU only and is not counted as degraded here (no GPU). */
  readonly partialOffload: boolean;
  /** ISO time when the server will unload it. */
  readonly expiresAt: string;
}

/** One progress line of a pull or create. */
export interface ProgressLine {
  readonly status: string;
  readonly digest?: string;
  /** Bytes in all for this layer (pull). */
  readonly total?: number;
  /** Bytes done for this layer (pull). */
  readonly completed?: number;
}

/** A model to create, in Ollama's JSON form (Ollama >= 0.5.5). */
export interface CreateSpec {
  /** Name of the new model. */
  readonly model: string;
  /** Base model it derives from (required: the JSON form has no Modelfile `FROM`). */
  readonly from: string;
  /** System prompt. */
  readonly system?: string;
  /** Conversation prepended to every chat (few-shot MESSAGE examples). Ollama drops them silently once they exceed num_ctx: budget them. */
  readonly messages?: readonly { readonly role: 'system' | 'user' | 'assistant'; readonly content: string }[];
  /** Model parameters (num_ctx, temperature, stop, ...). */
  readonly parameters?: Record<string, unknown>;
  /** Prompt template (Go template syntax). */
  readonly template?: string;
  /** LoRA adapters: file name -> blob digest ("sha256:..."), already uploaded to the server. */
  readonly adapters?: Record<string, string>;
  /** Quantize a non-quantized base ("q4_K_M", "q8_0"). */
  readonly quantize?: string;
}

/** Options of {@link OllamaModelOps}. */
export interface ModelOpsOptions {
  /** Server address. Default http://127.0.0.1:11434. */
  readonly host?: string;
  /** Timeout of calls that do not stream, in ms. Default 30000. Streams (pull, create, load) have no overall timeout. */
  readonly timeoutMs?: number;
}

const toIso = (d: unknown): string => (d instanceof Date ? d.toISOString() : String(d ?? ''));

/** Model operations against one Ollama server (see the module comment). */
export class OllamaModelOps {
  readonly host: string;
  private readonly timeoutMs: number;

  constructor(options: ModelOpsOptions = {}) {
    const h = options.host ?? 'http://127.0.0.1:11434';
    this.host = (h.includes('://') ? h : `http://${h}`).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  private async call<T>(model: string, fn: (c: Ollama) => Promise<T>, timeout = true): Promise<T> {
    const ac = new AbortController();
    const timer = timeout ? setTimeout(() => ac.abort(), this.timeoutMs) : undefined;
    const client = new Ollama({ host: this.host, fetch: (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => fetch(input, { ...init, signal: ac.signal }) });
    try {
      return await fn(client);
    } catch (err) {
      throw this.mapError(err, model, ac.signal.aborted);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Maps a client error to an LlmError: 404 "not found" -> model_missing with the pull command; OOM-class text keeps its wording. */
  private mapError(err: unknown, model: string, aborted: boolean): LlmError {
    if (err instanceof LlmError) return err;
    if (aborted) return timedOut(this.host, model, this.timeoutMs);
    const message = err instanceof Error ? err.message : String(err);
    const status = (err as { status_code?: unknown }).status_code;
    if (/not found/i.test(message) && (status === 404 || status === undefined) && !matchOom(message)) return modelMissing(this.host, model, undefined, 'ollama');
    if (typeof status === 'number') return httpError(this.host, status, message);
    if (isConnectionError(err)) return unreachable(this.host, model, 'ollama', networkCode(err) ?? message);
    // an error line inside a 200 stream: retryable when it is OOM class or a full queue, like a 5xx
    return new LlmError('http', `${this.host}: ${message}`, undefined, Boolean(matchOom(message)) || /queue|busy/i.test(message));
  }

  private async stream(model: string, start: (c: Ollama) => Promise<AsyncIterable<{ status?: string; digest?: string; total?: number; completed?: number }>>, onProgress?: (p: ProgressLine) => void): Promise<ProgressLine[]> {
    return this.call(
      model,
      async (c) => {
        const lines: ProgressLine[] = [];
        for await (const part of await start(c)) {
          const line: ProgressLine = { status: part.status ?? '', ...(part.digest ? { digest: part.digest } : {}), ...(part.total !== undefined ? { total: part.total } : {}), ...(part.completed !== undefined ? { completed: part.completed } : {}) };
          lines.push(line);
          onProgress?.(line);
        }
        return lines;
      },
      false,
    );
  }

  /** Models on the server (GET /api/tags), sorted by name. */
  async list(): Promise<ModelInfo[]> {
    const r = await this.call('', (c) => c.list());
    return r.models
      .map((m) => ({ name: m.name, sizeBytes: m.size, modifiedAt: toIso(m.modified_at), parameterSize: m.details?.parameter_size ?? '', quantization: m.details?.quantization_level ?? '', family: m.details?.family ?? '' }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Whether the server has `model` (a name without a tag means ":latest"). */
  async has(model: string): Promise<boolean> {
    const want = model.includes(':') ? model : `${model}:latest`;
    return (await this.list()).some((m) => m.name === model || m.name === want);
  }

  /**
   * Downloads a model (POST /api/pull, streamed). `onProgress` gets every
   * progress line (`status`, and `digest`/`total`/`completed` while layers download).
   * @returns every progress line; the last has status "success".
   * @throws LlmError for an error line in the stream or an HTTP error.
   */
  async pull(model: string, onProgress?: (p: ProgressLine) => void): Promise<ProgressLine[]> {
    return this.stream(model, (c) => c.pull({ model, stream: true }), onProgress);
  }

  /**
   * Details of a model (POST /api/show): parameters, template, system prompt, few-shot messages.
   * @throws LlmError 'model_missing' with the `ollama pull` command.
   */
  async show(model: string): Promise<{ parameters: string; template: string; system: string; messages: readonly { role: string; content: string }[]; details: Record<string, unknown>; modelfile: string }> {
    const r = await this.call(model, (c) => c.show({ model }));
    return { parameters: r.parameters ?? '', template: r.template ?? '', system: r.system ?? '', messages: (r.messages ?? []).map((m) => ({ role: m.role, content: m.content })), details: (r.details ?? {}) as unknown as Record<string, unknown>, modelfile: r.modelfile ?? '' };
  }

  /**
   * Deletes a model (DELETE /api/delete).
   * @throws LlmError 'model_missing' when the server does not have it.
   */
  async delete(model: string): Promise<void> {
    await this.call(model, (c) => c.delete({ model }));
  }

  /**
   * Creates a model from a base in the JSON form (POST /api/create, streamed status lines).
   * @throws RangeError for a spec without `model` or `from`; LlmError for an error line or HTTP error.
   */
  async create(spec: CreateSpec, onProgress?: (p: ProgressLine) => void): Promise<ProgressLine[]> {
    if (!spec.model?.trim()) throw new RangeError('create: "model" (the new model name) is required');
    if (!spec.from?.trim()) throw new RangeError('create: "from" (the base model) is required: the JSON form of /api/create has no Modelfile');
    const body = {
      model: spec.model,
      from: spec.from,
      ...(spec.system !== undefined ? { system: spec.system } : {}),
      ...(spec.messages ? { messages: spec.messages.map((m) => ({ role: m.role, content: m.content })) } : {}),
      ...(spec.parameters ? { parameters: spec.parameters } : {}),
      ...(spec.template !== undefined ? { template: spec.template } : {}),
      ...(spec.adapters ? { adapters: spec.adapters } : {}),
      ...(spec.quantize ? { quantize: spec.quantize } : {}),
    };
    return this.stream(spec.from, (c) => c.create({ ...body, stream: true }), onProgress);
  }

  /** Loaded models (GET /api/ps) with their VRAM share. */
  async ps(): Promise<LoadedModel[]> {
    const r = await this.call('', (c) => c.ps());
    return r.models.map((m) => {
      const size = Number(m.size) || 0;
      const vram = Number(m.size_vram) || 0;
      return { name: m.name, sizeBytes: size, vramBytes: vram, vramFraction: size > 0 ? vram / size : 0, partialOffload: vram > 0 && vram < size, expiresAt: toIso(m.expires_at) };
    });
  }

  /**
   * Loads a model into memory without generating (POST /api/generate with an
   * empty prompt, streamed so that an error line with status 200 is seen).
   * @throws LlmError (OOM-class messages keep their wording: see {@link matchOom}).
   */
  async load(model: string, keepAlive: string | number = '5m'): Promise<void> {
    await this.stream(model, async (c) => (await c.generate({ model, prompt: '', keep_alive: keepAlive, stream: true })) as AsyncIterable<{ status?: string }>);
  }

  /** Unloads a model at once (POST /api/generate with `keep_alive: 0`). */
  async unload(model: string): Promise<void> {
    await this.call(model, (c) => c.generate({ model, prompt: '', keep_alive: 0, stream: false }));
  }
}
