import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request a fake received, as the real server would have seen it. */
export interface Recorded {
  method: string;
  /** The request target as sent (path and query, undecoded). */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  raw: string;
  body: unknown;
  at: number;
}

export type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

/** Minimal HTTP fake on 127.0.0.1: records every request, parses JSON and form bodies, answers via a handler. */
export class HttpFake {
  readonly requests: Recorded[] = [];
  private server?: Server;
  private readonly handler: Handler;

  constructor(handler: Handler) {
    this.handler = handler;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    return this.url;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", "http://x");
    const type = String(req.headers["content-type"] ?? "");
    let body: unknown = raw;
    try {
      if (type.includes("json")) body = raw ? JSON.parse(raw) : {};
      else if (type.includes("x-www-form-urlencoded")) body = Object.fromEntries(new URLSearchParams(raw));
    } catch {
      body = raw;
    }
    const rec: Recorded = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      raw,
      body,
      at: Date.now(),
    };
    this.requests.push(rec);
    try {
      await this.handler(rec, res);
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
    }
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}
