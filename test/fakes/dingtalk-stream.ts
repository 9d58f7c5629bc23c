import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

export interface StreamAck {
  code: number;
  headers: Record<string, string>;
  message: string;
  data: string;
}

/**
 * Fake DingTalk Stream gateway: POST /v1.0/gateway/connections/open checks the app credentials, the Accept
 * header (the real one answers XML without it) and the subscriptions, and issues a one-time ticket; the
 * WebSocket upgrade at /connect needs that ticket. Pushes CALLBACK/SYSTEM frames as the protocol describes
 * (notes §3.5/§3.7) and collects the client's acks by messageId. Can fail opens, drop connections and counts
 * everything a reconnect test needs.
 */
export class FakeDingTalkStream {
  opens = 0;
  connects = 0;
  /** Most connections open at the same moment (a reconnect storm shows up here). */
  maxConcurrent = 0;
  /** The next N opens answer this HTTP status. */
  failNextOpens: { count: number; status: number } = { count: 0, status: 500 };
  lastSubscriptions: Array<{ type: string; topic: string }> = [];
  readonly openTimes: number[] = [];
  private readonly acks = new Map<string, (a: StreamAck) => void>();
  private readonly received: StreamAck[] = [];
  private readonly tickets = new Set<string>();
  private server?: Server;
  private wss?: WebSocketServer;
  private readonly clientId: string;
  private readonly clientSecret: string;

  constructor(o: { clientId: string; clientSecret: string }) {
    this.clientId = o.clientId;
    this.clientSecret = o.clientSecret;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private get port(): number {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error("FakeDingTalkStream is not started");
    return a.port;
  }

  get sockets(): WebSocket[] {
    return [...(this.wss?.clients ?? [])].filter((s) => s.readyState === WebSocket.OPEN);
  }

  async start(): Promise<string> {
    this.wss = new WebSocketServer({ noServer: true });
    this.server = createServer((req, res) => void this.onHttp(req, res));
    this.server.on("upgrade", (req, socket, head) => {
      const u = new URL(req.url ?? "/", "http://x");
      const ticket = u.searchParams.get("ticket") ?? "";
      if (u.pathname !== "/connect" || !this.tickets.delete(ticket)) {
        socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
        return;
      }
      this.wss?.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.wss?.clients ?? []) s.terminate();
    this.wss?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Kill every connection without a close handshake (a network drop). */
  drop(): void {
    for (const s of this.wss?.clients ?? []) s.terminate();
  }

  /** Push a CALLBACK to the (single) connected client; resolves with its ack. */
  push(topic: string, data: unknown, o: { timeoutMs?: number; messageId?: string } = {}): Promise<StreamAck> {
    const socket = this.sockets[0];
    if (!socket) return Promise.reject(new Error("no client connected"));
    const timeoutMs = o.timeoutMs ?? 5_000;
    // Reusing a messageId is how DingTalk re-pushes a callback it saw no ack for.
    const messageId = o.messageId ?? `msg-${randomUUID()}`;
    const frame = {
      specVersion: "1.0",
      type: "CALLBACK",
      headers: {
        appId: this.clientId,
        connectionId: "conn-1",
        contentType: "application/json",
        messageId,
        time: String(Date.now()),
        topic,
      },
      data: JSON.stringify(data),
    };
    return this.send(socket, frame, messageId, timeoutMs);
  }

  /** Send any text as a frame (malformed frames: the client must survive them). */
  pushRaw(text: string): void {
    const socket = this.sockets[0];
    if (!socket) throw new Error("no client connected");
    socket.send(text);
  }

  /** A SYSTEM ping; the client must echo it. */
  ping(timeoutMs = 2_000): Promise<StreamAck> {
    const socket = this.sockets[0];
    if (!socket) return Promise.reject(new Error("no client connected"));
    const messageId = `ping-${randomUUID()}`;
    const frame = {
      specVersion: "1.0",
      type: "SYSTEM",
      headers: { contentType: "application/json", messageId, time: String(Date.now()), topic: "ping" },
      data: JSON.stringify({ opaque: messageId }),
    };
    return this.send(socket, frame, messageId, timeoutMs);
  }

  /** Every ack for a messageId the client sent (to check a frame is acked exactly once). */
  acksFor(messageId: string): StreamAck[] {
    return this.received.filter((a) => a.headers.messageId === messageId);
  }

  private send(socket: WebSocket, frame: unknown, messageId: string, timeoutMs: number): Promise<StreamAck> {
    return new Promise<StreamAck>((resolve, reject) => {
      const t = setTimeout(() => {
        this.acks.delete(messageId);
        reject(new Error(`no ack for ${messageId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(messageId, (a) => {
        clearTimeout(t);
        resolve(a);
      });
      socket.send(JSON.stringify(frame));
    });
  }

  private onSocket(ws: WebSocket) {
    this.connects++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.sockets.length);
    ws.on("message", (raw) => {
      let a: StreamAck;
      try {
        a = JSON.parse(raw.toString()) as StreamAck;
      } catch {
        return;
      }
      this.received.push(a);
      const id = a.headers?.messageId ?? "";
      this.acks.get(id)?.(a);
      this.acks.delete(id);
    });
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/v1.0/gateway/connections/open")
      return reply(404, { code: "NotFound", message: "no such API" });
    this.opens++;
    this.openTimes.push(Date.now());
    if (this.failNextOpens.count > 0) {
      this.failNextOpens.count--;
      return reply(this.failNextOpens.status, { code: "ServiceUnavailable", message: "scripted" });
    }
    if (!String(req.headers.accept ?? "").includes("application/json")) {
      res.writeHead(200, { "content-type": "application/xml" });
      return res.end("<xml>send Accept: application/json</xml>");
    }
    let b: { clientId?: unknown; clientSecret?: unknown; subscriptions?: unknown };
    try {
      b = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof b;
    } catch {
      return reply(400, { code: "invalidParameter", message: "body is not JSON" });
    }
    if (b.clientId !== this.clientId || b.clientSecret !== this.clientSecret)
      return reply(401, { code: "invalidClient", message: "clientId or clientSecret is wrong" });
    const subs = b.subscriptions;
    if (
      !Array.isArray(subs) ||
      !subs.length ||
      !subs.every((s) => typeof s?.type === "string" && typeof s?.topic === "string")
    )
      return reply(400, { code: "invalidParameter.subscriptions", message: "subscriptions required" });
    this.lastSubscriptions = subs as Array<{ type: string; topic: string }>;
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return reply(200, { endpoint: `ws://127.0.0.1:${this.port}/connect`, ticket });
  }
}
