/**
 * Model-operation routes for the scripted Ollama server (FakeOllama): /api/ps
 * with configurable size / size_vram (partial offload), /api/pull streaming
 * NDJSON progress, /api/create in the JSON form (a request with only the old
 * `modelfile` string gets Ollama's stream error line "neither 'from' or
 * 'files' was specified"), /api/delete, and /api/generate as load / unload
 * (`keep_alive: 0`), where a load can fail with an OOM error line inside a
 * status-200 stream, as Ollama sends it.
 */
import type { ServerResponse } from 'node:http';
import { FakeOllama, type ChatBody, type FakeOllamaOptions, type Reply } from './fake-ollama.js';

/** A model loaded in the fake server's memory. */
export interface FakeLoaded {
  size: number;
  size_vram: number;
}

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions extends FakeOllamaOptions {
  /** Models the "registry" offers for pull, with their layer sizes in bytes. Default: every name, one 1000-byte layer. */
  readonly registry?: Record<string, number>;
  /** Chat answer per model (replaces the script/fallback); return a Reply. */
  readonly answer?: (model: string, body: ChatBody) => Reply;
}

/** The server plus its mutable state. */
export interface OpsServer {
  readonly fake: FakeOllama;
  readonly url: string;
  /** Loaded models (name -> sizes); tests set size_vram < size for partial offload. */
  readonly loaded: Map<string, FakeLoaded>;
  /** Loads of these models fail with this error line (status 200 stream). */
  readonly loadErrors: Map<string, string>;
  /** Bodies of successful /api/create calls. */
  readonly created: Record<string, unknown>[];
  /** Per-model default size (bytes) used when a model gets loaded. */
  readonly sizes: Map<string, number>;
  stop(): Promise<void>;
}

function ndjson(res: ServerResponse, lines: readonly unknown[]): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const l of lines) res.write(`${JSON.stringify(l)}\n`);
  res.end();
}

const nameOf = (body: unknown): string => {
  const b = (body ?? {}) as { model?: string; name?: string };
  return b.model ?? b.name ?? '';
};

/** Starts a FakeOllama with the model-operation routes. */
export async function startOpsServer(options: OpsServerOptions = {}): Promise<OpsServer> {
  const loaded = new Map<string, FakeLoaded>();
  const loadErrors = new Map<string, string>();
  const created: Record<string, unknown>[] = [];
  const sizes = new Map<string, number>();
  const fake = new FakeOllama(options);
  const has = (m: string) => fake.models.some((x) => x === m || x === `${m}:latest`);
  const load = (m: string) => {
    if (!loaded.has(m)) {
      const size = sizes.get(m) ?? 2_000_000_000;
      loaded.set(m, { size, size_vram: size });
    }
  };
  if (options.answer) {
    const answer = options.answer;
    fake.fallback = (body) => {
      const r = answer(body.model, body);
      if ('content' in r) load(body.model);
      return r;
    };
  }
  fake.routes['/api/ps'] = (_b, _res, json) => {
    const now = new Date(Date.now() + 300_000).toISOString();
    json(200, {
      models: [...loaded].map(([name, l]) => ({ name, model: name, size: l.size, size_vram: l.size_vram, digest: 'sha256:fake', expires_at: now, details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '8B', quantization_level: 'Q4_K_M' } })),
    });
  };
  fake.routes['/api/pull'] = (body, res, json) => {
    const m = nameOf(body);
    const reg = options.registry ?? {};
    const total = reg[m] ?? (options.registry ? undefined : 1000);
    if (total === undefined) return json(200, { error: 'pull model manifest: file does not exist' });
    const lines: unknown[] = [{ status: 'pulling manifest' }];
    for (const done of [0, Math.floor(total / 2), total]) lines.push({ status: 'pulling sha256:abc', digest: 'sha256:abc', total, completed: done });
    lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' });
    if (!has(m)) fake.models.push(m.includes(':') ? m : `${m}:latest`);
    ndjson(res, lines);
  };
  fake.routes['/api/create'] = (body, res) => {
    const b = (body ?? {}) as Record<string, unknown>;
    if (!b.from && !b.files) return ndjson(res, [{ error: "neither 'from' or 'files' was specified" }]);
    if (typeof b.from === 'string' && !has(b.from)) return ndjson(res, [{ status: 'parsing' }, { error: `model '${b.from}' not found` }]);
    created.push(b);
    const m = String(b.model);
    if (!has(m)) fake.models.push(m.includes(':') ? m : `${m}:latest`);
    ndjson(res, [{ status: 'using existing layer sha256:abc' }, { status: 'creating new layer sha256:def' }, { status: 'writing manifest' }, { status: 'success' }]);
  };
  fake.routes['/api/delete'] = (body, _res, json) => {
    const m = nameOf(body);
    const i = fake.models.findIndex((x) => x === m || x === `${m}:latest`);
    if (i < 0) return json(404, { error: `model '${m}' not found` });
    fake.models.splice(i, 1);
    loaded.delete(m);
    json(200, {});
  };
  fake.routes['/api/generate'] = (body, res, json) => {
    const b = (body ?? {}) as { model?: string; prompt?: string; keep_alive?: unknown; stream?: boolean };
    const m = b.model ?? '';
    if (!has(m)) return json(404, { error: `model "${m}" not found, try pulling it first` });
    if (b.keep_alive === 0 || b.keep_alive === '0') {
      loaded.delete(m);
      return json(200, { model: m, created_at: new Date().toISOString(), response: '', done: true, done_reason: 'unload' });
    }
    const err = loadErrors.get(m);
    if (err) return b.stream === false ? json(500, { error: err }) : ndjson(res, [{ error: err }]);
    load(m);
    const done = { model: m, created_at: new Date().toISOString(), response: '', done: true, done_reason: 'load' };
    return b.stream === false ? json(200, done) : ndjson(res, [done]);
  };
  const url = await fake.start();
  return { fake, url, loaded, loadErrors, created, sizes, stop: () => fake.stop() };
}
