import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";
import { WebSocket, WebSocketServer } from "ws";

/**
 * pbbp2 as the SDK's ws-client/proto-buf/pbbp2.js encodes it (field numbers and proto2 `required` rules copied
 * from node_modules/@larksuiteoapi/node-sdk/lib/index.js, Header/Frame encode+decode). Written out here so the
 * fake does not share the client's codec.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    pbbp2: {
      nested: {
        Header: {
          fields: {
            key: { rule: "required", type: "string", id: 1 },
            value: { rule: "required", type: "string", id: 2 },
          },
        },
        Frame: {
          fields: {
            SeqID: { rule: "required", type: "uint64", id: 1 },
            LogID: { rule: "required", type: "uint64", id: 2 },
            service: { rule: "required", type: "int32", id: 3 },
            method: { rule: "required", type: "int32", id: 4 },
            headers: { rule: "repeated", type: "Header", id: 5 },
            payloadEncoding: { type: "string", id: 6 },
            payloadType: { type: "string", id: 7 },
            payload: { type: "bytes", id: 8 },
            LogIDNew: { type: "string", id: 9 },
          },
        },
      },
    },
  },
});
const FrameType = root.lookupType("pbbp2.Frame");

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  /** 0 control (ping/pong), 1 data (event/card). */
  method: number;
  headers: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
}

/** The client's answer to one event frame: `{code, data: base64(JSON(handler result))}` decoded. */
export interface WsResponse {
  messageId: string;
  code: number;
  /** The handler's return value (the callback answer: toast, card). */
  body: unknown;
  headers: Record<string, string>;
  afterMs: number;
}

const SERVICE_ID = 33554678;

/**
 * Fake Lark long-connection gateway (notes §2.5, dependencies §4; SDK ws-client): `POST /callback/ws/endpoint`
 * checks `{AppID, AppSecret}` and answers `{code:0, data:{URL, ClientConfig}}` with a single-use ticket URL; the
 * upgrade needs that ticket. Frames are pbbp2 protobuf: the client pings (control, type=ping) and gets a pong with
 * a ClientConfig; `pushEvent` sends a data frame with header type=event (optionally split in `sum`/`seq` parts)
 * and collects the response frame. Any other path is forwarded to `upstream` (the FakeLark Open API), because the
 * SDK derives both from one `domain`.
 */
export class FakeLarkWs {
  endpointCalls = 0;
  connections = 0;
  readonly closes: number[] = [];
  readonly responses: WsResponse[] = [];
  /** Pings received (the first one on a socket means the client listens for frames). */
  pings = 0;
  /** Seconds, as Lark sends them; small so a test sees a reconnect quickly. */
  clientConfig = { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 0.2, ReconnectNonce: 0 };
  private readonly ready = new WeakSet<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly waiting = new Map<string, { at: number; resolve: (r: WsResponse) => void }>();
  private server?: Server;
  private wss?: WebSocketServer;
  private seq = 0;

  private readonly o: { appId: string; appSecret: string; upstream?: () => string };

  constructor(o: { appId: string; appSecret: string; upstream?: () => string }) {
    this.o = o;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error("FakeLarkWs is not started");
    return `http://127.0.0.1:${a.port}`;
  }

  /** Open sockets whose client already pinged (so it has its frame handler attached), newest last. */
  get sockets(): WebSocket[] {
    return [...(this.wss?.clients ?? [])].filter((s) => s.readyState === WebSocket.OPEN && this.ready.has(s));
  }

  async start(): Promise<string> {
    this.wss = new WebSocketServer({ noServer: true });
    this.server = createServer((req, res) => void this.onHttp(req, res));
    this.server.on("upgrade", (req, socket, head) => {
      const u = new URL(req.url ?? "/", "http://x");
      if (u.pathname !== "/ws" || !this.tickets.delete(u.searchParams.get("ticket") ?? "")) {
        socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
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

  /**
   * Push an event (`{schema:"2.0", header, event}`) on the newest ready connection; resolves with the client's
   * response frame. `parts` > 1 splits the payload as Lark does for large events (headers sum/seq).
   */
  pushEvent(
    payload: unknown,
    o: { messageId?: string; parts?: number; timeoutMs?: number; type?: string } = {},
  ): Promise<WsResponse> {
    const ws = this.sockets.at(-1);
    if (!ws) return Promise.reject(new Error("no ready Lark long connection"));
    const messageId = o.messageId ?? randomUUID();
    const response = new Promise<WsResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(messageId);
        reject(new Error(`no response frame for ${messageId} within ${o.timeoutMs ?? 5000} ms`));
      }, o.timeoutMs ?? 5000);
      this.waiting.set(messageId, {
        at: Date.now(),
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
    const bytes = Buffer.from(JSON.stringify(payload));
    const parts = Math.max(1, o.parts ?? 1);
    const size = Math.ceil(bytes.length / parts);
    for (let i = 0; i < parts; i++)
      this.send(ws, {
        SeqID: ++this.seq,
        LogID: this.seq,
        service: SERVICE_ID,
        method: 1,
        headers: [
          { key: "type", value: o.type ?? "event" },
          { key: "message_id", value: messageId },
          { key: "sum", value: String(parts) },
          { key: "seq", value: String(i) },
          { key: "trace_id", value: `trace-${messageId}` },
        ],
        payload: bytes.subarray(i * size, (i + 1) * size),
      });
    return response;
  }

  /** Kill every connection without a close handshake (a network drop). */
  drop(): void {
    for (const s of this.wss?.clients ?? []) s.terminate();
  }

  private send(ws: WebSocket, frame: Frame) {
    ws.send(FrameType.encode(FrameType.fromObject(frame)).finish());
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    if (req.method === "POST" && req.url === "/callback/ws/endpoint") return this.endpoint(raw, res);
    if (!this.o.upstream) {
      res.writeHead(404).end();
      return;
    }
    // Everything else is the Open API: forward it as is.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === "string" && !["host", "content-length", "connection"].includes(k)) headers[k] = v;
    const up = await fetch(`${this.o.upstream()}${req.url}`, {
      method: req.method,
      headers,
      ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: raw }),
    });
    res.writeHead(up.status, { "content-type": up.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await up.arrayBuffer()));
  }

  private endpoint(raw: Buffer, res: ServerResponse) {
    this.endpointCalls++;
    let body: { AppID?: unknown; AppSecret?: unknown } = {};
    try {
      body = JSON.parse(raw.toString("utf8")) as typeof body;
    } catch {
      body = {};
    }
    const answer = (b: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(b));
    };
    // 514 = auth_failed in the SDK's ErrorCode. The real failure body is not documented; `data: {}` is assumed.
    if (body.AppID !== this.o.appId || !same(String(body.AppSecret ?? ""), this.o.appSecret))
      return answer({ code: 514, msg: "auth failed", data: {} });
    const ticket = randomUUID();
    this.tickets.add(ticket);
    const port = new URL(this.url).port;
    answer({
      code: 0,
      msg: "ok",
      data: {
        URL: `ws://127.0.0.1:${port}/ws?device_id=dev-1&service_id=${SERVICE_ID}&ticket=${ticket}`,
        ClientConfig: this.clientConfig,
      },
    });
  }

  private onSocket(ws: WebSocket) {
    this.connections++;
    ws.on("close", (code) => this.closes.push(code));
    ws.on("message", (data) => {
      const frame = FrameType.toObject(FrameType.decode(data as Buffer), { longs: Number, bytes: Buffer }) as Frame;
      const h = Object.fromEntries((frame.headers ?? []).map((x) => [x.key, x.value]));
      if (frame.method === 0 && h.type === "ping") {
        this.pings++;
        this.ready.add(ws);
        this.send(ws, {
          SeqID: 0,
          LogID: 0,
          service: frame.service,
          method: 0,
          headers: [{ key: "type", value: "pong" }],
          payload: Buffer.from(JSON.stringify(this.clientConfig)),
        });
        return;
      }
      if (frame.method !== 1) return;
      const w = this.waiting.get(h.message_id ?? "");
      if (!w) return;
      this.waiting.delete(h.message_id ?? "");
      const resp = JSON.parse(Buffer.from(frame.payload ?? []).toString("utf8")) as { code: number; data?: string };
      const body = resp.data ? (JSON.parse(Buffer.from(resp.data, "base64").toString("utf8")) as unknown) : undefined;
      const r: WsResponse = {
        messageId: h.message_id ?? "",
        code: resp.code,
        body,
        headers: h,
        afterMs: Date.now() - w.at,
      };
      this.responses.push(r);
      w.resolve(r);
    });
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
