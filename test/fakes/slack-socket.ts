import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

/** What the client sent back for one envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
  /** Milliseconds between the push and the ack. */
  afterMs: number;
}

export type EnvelopeType = "interactive" | "slash_commands" | "events_api";

/**
 * Fake Slack Socket Mode server (docs.slack.dev "Using Socket Mode", notes §1.5/§1.7). FakeSlack's
 * apps.connections.open hands out `issueUrl()`: a single-use `ticket` URL like Slack's `wss://…/link/?ticket=…`;
 * an upgrade without a fresh ticket is refused. Each connection gets `{"type":"hello"}`; envelopes are pushed as
 * `{envelope_id, type, payload, accepts_response_payload, retry_attempt}` and the client's
 * `{envelope_id, payload}` acks are collected. Can send `{"type":"disconnect"}` (a refresh) or drop sockets.
 */
export class FakeSlackSocket {
  /** URLs issued (apps.connections.open calls that succeeded). */
  opens = 0;
  /** WebSocket connections accepted (each got a hello). */
  connections = 0;
  /** Close codes of the connections that ended, in order. */
  readonly closes: number[] = [];
  readonly acks: SocketAck[] = [];
  /** Off: accept connections but never say hello (a stuck gateway). */
  sendHello = true;
  /** Acks for an unknown envelope or not JSON (a client bug). */
  readonly strayMessages: string[] = [];
  private readonly tickets = new Set<string>();
  private readonly waiting = new Map<string, { at: number; resolve: (a: SocketAck) => void }>();
  private server?: Server;
  private wss?: WebSocketServer;

  get port(): number {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error("FakeSlackSocket is not started");
    return a.port;
  }

  /** Open sockets, newest last. */
  get sockets(): WebSocket[] {
    return [...(this.wss?.clients ?? [])].filter((s) => s.readyState === WebSocket.OPEN);
  }

  async start(): Promise<void> {
    this.wss = new WebSocketServer({ noServer: true });
    this.server = createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    this.server.on("upgrade", (req, socket, head) => {
      const u = new URL(req.url ?? "/", "http://x");
      if (u.pathname !== "/link/" || !this.tickets.delete(u.searchParams.get("ticket") ?? "")) {
        socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
        return;
      }
      this.wss?.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
  }

  async stop(): Promise<void> {
    for (const s of this.wss?.clients ?? []) s.terminate();
    this.wss?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** What apps.connections.open returns: a fresh single-use URL. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    this.opens++;
    return `ws://127.0.0.1:${this.port}/link/?ticket=${ticket}&app_id=A0FAKE`;
  }

  /**
   * Push one envelope on the newest connection; resolves with the client's ack (rejects after timeoutMs).
   * `envelopeId` lets a test redeliver the same envelope, as Slack does when an ack is late.
   */
  push(
    type: EnvelopeType,
    payload: unknown,
    o: { envelopeId?: string; retryAttempt?: number; timeoutMs?: number } = {},
  ): Promise<SocketAck> {
    const ws = this.sockets.at(-1);
    if (!ws) return Promise.reject(new Error("no open Socket Mode connection"));
    const id = o.envelopeId ?? randomUUID();
    const ack = new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no ack for envelope ${id} within ${o.timeoutMs ?? 5000} ms`));
      }, o.timeoutMs ?? 5000);
      this.waiting.set(id, {
        at: Date.now(),
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
    });
    ws.send(
      JSON.stringify({
        envelope_id: id,
        type,
        payload,
        // Slack accepts a response payload in the ack for slash commands and view submissions (the modal answer).
        accepts_response_payload: type === "slash_commands" || isViewSubmission(payload),
        retry_attempt: o.retryAttempt ?? 0,
        retry_reason: o.retryAttempt ? "timeout" : "",
      }),
    );
    return ack;
  }

  /** Ask every client to reconnect, as Slack does before it recycles a connection. */
  disconnect(reason = "refresh_requested"): void {
    for (const s of this.sockets) s.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "fake" } }));
  }

  /** Kill every connection without a close handshake (a network drop). */
  drop(): void {
    for (const s of this.sockets) s.terminate();
  }

  private onSocket(ws: WebSocket) {
    this.connections++;
    ws.on("message", (data) => {
      const text = data.toString();
      let msg: { envelope_id?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        this.strayMessages.push(text);
        return;
      }
      const id = typeof msg.envelope_id === "string" ? msg.envelope_id : "";
      const w = this.waiting.get(id);
      if (!w) {
        this.strayMessages.push(text);
        return;
      }
      this.waiting.delete(id);
      const payload =
        msg.payload && typeof msg.payload === "object" ? (msg.payload as Record<string, unknown>) : undefined;
      const ack: SocketAck = { envelope_id: id, ...(payload ? { payload } : {}), afterMs: Date.now() - w.at };
      this.acks.push(ack);
      w.resolve(ack);
    });
    ws.on("close", (code) => this.closes.push(code));
    if (!this.sendHello) return;
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.sockets.length,
        debug_info: { host: "fake", build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: "A0FAKE" },
      }),
    );
  }
}

function isViewSubmission(payload: unknown): boolean {
  return typeof payload === "object" && payload !== null && (payload as { type?: unknown }).type === "view_submission";
}
