/**
 * Base of the scripted venue servers: node:http on 127.0.0.1 with a random
 * port (the only address test traffic may reach); `stop` destroys open
 * keep-alive sockets so a test ends at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export abstract class LocalServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** `http://127.0.0.1:<port>` once started. */
  url = '';

  /** Answers one request. */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;

  /** Starts listening; returns the base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      Promise.resolve(this.handle(req, res)).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err.message ?? err) }));
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Sends a JSON body (none when `body` is undefined). */
  protected send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(text);
  }
}
