/**
 * A scripted stand-in for an Ollama server, for tests: node:http on
 * 127.0.0.1 with a random port, speaking Ollama's REST API (/api/chat,
 * /api/generate, /api/tags, /api/ps, /api/show, /api/version) and the
 * OpenAI-compatible /v1/chat/completions and /v1/models that Ollama also
 * serves. Chat answers are replayed from a script, in order; when the script
 * is empty a fallback function answers. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One scripted reply to a chat/generate call. */
export type Reply =
  /** A normal answer: message content (and optional separate `thinking` field). */
  | { readonly content: string; readonly thinking?: string; readonly delayMs?: number }
  /** An HTTP error with Ollama's JSON body `{"error": ...}`. */
  | { readonly status: number; readonly error: string }
  /** Never answer (the client must time out); the socket is closed when the server stops. */
  | { readonly hang: true }
  /** Close the connection without any response. */
  | { readonly destroy: true };

/** A recorded request. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** Request headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Options of the fake server. */
export interface FakeOllamaOptions {
  /** Model names the server "has" (listed by /api/tags; chat with another model gives Ollama's 404). Default ['qwen2.5:7b']. */
  readonly models?: readonly string[];
  /** Scripted replies, consumed in order by chat/generate calls. */
  readonly script?: readonly Reply[];
  /** Answers when the script is empty: gets the chat request body. Default: a 500 "script exhausted". */
  readonly fallback?: (body: ChatBody) => Reply;
  /** Extra or replacing routes, checked before the built-in ones (path -> handler). */
  readonly routes?: Record<string, RouteHandler>;
}

/** A route added by a test helper: gets the parsed body and the response. */
export type RouteHandler = (body: unknown, res: ServerResponse, json: (status: number, value: unknown) => void) => void | Promise<void>;

/** The part of a chat request body the fallback sees. */
export interface ChatBody {
  readonly model: string;
  readonly messages: readonly { role: string; content: string }[];
  readonly format?: unknown;
  readonly options?: Record<string, unknown>;
}

/** A running fake server. */
export class FakeOllama {
  readonly requests: RecordedRequest[] = [];
  readonly script: Reply[];
  models: string[];
  fallback?: (body: ChatBody) => Reply;
  routes: Record<string, RouteHandler>;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hung: ServerResponse[] = [];

  constructor(options: FakeOllamaOptions = {}) {
    this.models = [...(options.models ?? ['qwen2.5:7b'])];
    this.script = [...(options.script ?? [])];
    this.fallback = options.fallback;
    this.routes = { ...(options.routes ?? {}) };
  }

  /** Starts listening; resolves to the base URL `http://127.0.0.1:<port>`. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops the server and drops open connections. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Chat requests received so far (/api/chat, /api/generate, /v1/chat/completions). */
  chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/api/chat' || r.path === '/api/generate' || r.path === '/v1/chat/completions');
  }

  private has(model: string): boolean {
    return this.models.some((m) => m === model || m === `${model}:latest`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ method: req.method ?? 'GET', path, body, headers: req.headers });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(value));
    };
    const route = this.routes[path];
    if (route) return route(body, res, json);
    const now = new Date().toISOString();
    const modelEntry = (name: string) => ({
      name,
      model: name,
      modified_at: now,
      size: 4_700_000_000,
      digest: 'sha256:fake',
      details: { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
    });
    switch (path) {
      case '/api/version':
        return json(200, { version: '0.9.0-fake' });
      case '/api/tags':
        return json(200, { models: this.models.map(modelEntry) });
      case '/api/ps':
        return json(200, { models: this.models.slice(0, 1).map((m) => ({ ...modelEntry(m), expires_at: now, size_vram: 0 })) });
      case '/api/show': {
        const name = (body as { model?: string; name?: string } | undefined)?.model ?? (body as { name?: string } | undefined)?.name ?? '';
        if (!this.has(name)) return json(404, { error: `model '${name}' not found` });
        return json(200, { modelfile: '', parameters: '', template: '', details: modelEntry(name).details, model_info: {}, capabilities: ['completion'] });
      }
      case '/v1/models':
        return json(200, { object: 'list', data: this.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'library' })) });
      case '/api/chat':
      case '/api/generate':
      case '/v1/chat/completions':
        return this.chat(path, body as ChatBody, res, json);
      default:
        return json(404, { error: `404 page not found: ${path}` });
    }
  }

  private async chat(path: string, body: ChatBody, res: ServerResponse, json: (s: number, v: unknown) => void): Promise<void> {
    const openai = path.startsWith('/v1/');
    if (!this.has(body.model)) {
      // Ollama's own wording for a model that is not pulled
      if (openai) return json(404, { error: { message: `model "${body.model}" not found, try pulling it first`, type: 'api_error', param: null, code: null } });
      return json(404, { error: `model "${body.model}" not found, try pulling it first` });
    }
    const reply: Reply = this.script.shift() ?? (this.fallback ? this.fallback(body) : { status: 500, error: 'fake-ollama: script exhausted' });
    if ('hang' in reply) {
      this.hung.push(res);
      return;
    }
    if ('destroy' in reply) {
      res.socket?.destroy();
      return;
    }
    if ('status' in reply) {
      if (openai) return json(reply.status, { error: { message: reply.error, type: 'api_error', param: null, code: null } });
      return json(reply.status, { error: reply.error });
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    const now = new Date().toISOString();
    const stats = { total_duration: 1_000_000, load_duration: 1000, prompt_eval_count: 10, prompt_eval_duration: 1000, eval_count: 20, eval_duration: 1000 };
    if (openai) {
      return json(200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.content, ...(reply.thinking ? { reasoning_content: reply.thinking } : {}) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
      });
    }
    if (path === '/api/generate') {
      return json(200, { model: body.model, created_at: now, response: reply.content, ...(reply.thinking ? { thinking: reply.thinking } : {}), done: true, done_reason: 'stop', ...stats });
    }
    return json(200, {
      model: body.model,
      created_at: now,
      message: { role: 'assistant', content: reply.content, ...(reply.thinking ? { thinking: reply.thinking } : {}) },
      done: true,
      done_reason: 'stop',
      ...stats,
    });
  }
}
