/**
 * A scripted stand-in for the Anthropic Messages API, for tests: node:http on
 * 127.0.0.1 with a random port, answering POST /v1/messages from a script (in
 * order) and GET /v1/models/{id} from a model list, with the API's documented
 * response and error shapes ({"type":"error","error":{"type","message"}};
 * 529 = overloaded). Every request is recorded with its headers.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply to POST /v1/messages. */
export type AnthropicReply =
  /** A message whose content blocks are given (tool_use, text, thinking). */
  | { readonly content: readonly Record<string, unknown>[]; readonly stopReason?: string; readonly usage?: { input_tokens: number; output_tokens: number } }
  /** An HTTP error with the API's error body. */
  | { readonly status: number; readonly type: string; readonly message: string };

/** A recorded request. */
export interface AnthropicRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown> | undefined;
}

/** A running fake server. */
export class FakeAnthropic {
  readonly requests: AnthropicRequest[] = [];
  private server?: Server;
  constructor(
    readonly script: AnthropicReply[],
    readonly models: readonly string[] = ['claude-test-1'],
  ) {}

  /** Starts listening; resolves to the base URL. */
  async start(): Promise<string> {
    const server = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      const path = (req.url ?? '').split('?')[0]!;
      this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.requests.length}` });
        res.end(JSON.stringify(payload));
      };
      const error = (status: number, type: string, message: string) => send(status, { type: 'error', error: { type, message } });
      const m = /^\/v1\/models\/(.+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const id = decodeURIComponent(m[1]!);
        return this.models.includes(id) ? send(200, { type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z' }) : error(404, 'not_found_error', `model: ${id}`);
      }
      if (req.method !== 'POST' || path !== '/v1/messages') return error(404, 'not_found_error', `no route ${req.method} ${path}`);
      const reply = this.script.shift();
      if (!reply) return error(500, 'api_error', 'script exhausted');
      if ('status' in reply) return error(reply.status, reply.type, reply.message);
      send(200, {
        id: `msg_${this.requests.length}`,
        type: 'message',
        role: 'assistant',
        model: body?.model,
        content: reply.content,
        stop_reason: reply.stopReason ?? (reply.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage: reply.usage ?? { input_tokens: 1200, output_tokens: 150 },
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
