/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of a fake: per request it either forwards untouched (the
 * Host header too, so signatures over it still verify), answers on the fake's behalf (5xx, 429 + Retry-After,
 * throttling bodies), or forwards and then holds the answer past the client's timeout (the platform did the
 * work, the bot never heard). The fake behind it only sees what got through, so its counts are exact.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { answer: number; body: unknown; headers?: Record<string, string> }
  /** Forward, then hold the fake's answer this long (the client times out; the work is done). */
  | { holdAnswerMs: number }
  /** Never forward; close the connection after this long. */
  | { dropAfterMs: number };

export class FaultProxy {
  private server?: Server;
  readonly counts = { forwarded: 0, answered: 0, held: 0, dropped: 0 };
  /** Per forwarded request: when it reached the fake (ms) and its path. */
  readonly forwarded: Array<{ at: number; path: string }> = [];
  private readonly target: URL;
  decide: (req: IncomingMessage) => Fault | undefined = () => undefined;

  constructor(target: string) {
    this.target = new URL(target);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    return this.url;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    return `http://127.0.0.1:${a?.port ?? 0}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const fault = this.decide(req);
    if (fault && "answer" in fault) {
      this.counts.answered++;
      res.writeHead(fault.answer, { "content-type": "application/json; charset=utf-8", ...fault.headers });
      res.end(JSON.stringify(fault.body));
      return;
    }
    if (fault && "dropAfterMs" in fault) {
      this.counts.dropped++;
      setTimeout(() => res.destroy(), fault.dropAfterMs);
      return;
    }
    this.counts.forwarded++;
    this.forwarded.push({ at: Date.now(), path: req.url ?? "" });
    const up = request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upRes) => {
        const out: Buffer[] = [];
        upRes.on("data", (c: Buffer) => out.push(c));
        upRes.on("end", () => {
          const send = () => {
            if (res.destroyed) return;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(out));
          };
          if (fault && "holdAnswerMs" in fault) {
            this.counts.held++;
            setTimeout(send, fault.holdAnswerMs);
          } else send();
        });
      },
    );
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    up.end(body);
  }
}
