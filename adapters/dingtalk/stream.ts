import WebSocket from "ws";
import { isFailure, requestJson } from "./http.js";

/** Callback topics (open-dingtalk/dingtalk-stream-sdk-nodejs constants: TOPIC_CARD, TOPIC_ROBOT). */
export const TOPIC_CARD = "/v1.0/card/instances/callback";
export const TOPIC_ROBOT = "/v1.0/im/bot/messages/get";

export interface StreamFrame {
  specVersion?: string;
  type: "SYSTEM" | "EVENT" | "CALLBACK" | string;
  headers: Record<string, string>;
  data: string;
}

export interface DingTalkStreamOptions {
  /** Base URL of the gateway: https://api.dingtalk.com, a proxy, or a test fake. */
  gatewayUrl: string;
  clientId: string;
  clientSecret: string;
  /** CALLBACK topics to subscribe to; they are sent when the connection is opened. */
  topics: readonly string[];
  /** Handle one CALLBACK; the result is sent back as the ack's `response` (e.g. card data to show). */
  onCallback(topic: string, data: unknown, messageId: string): Promise<unknown>;
  timeoutMs: number;
  /** First reconnect delay and cap (doubling, with jitter). Default 1 s → 60 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** A connection that lived this long resets the backoff when it drops. Default 10 s. */
  stableMs?: number;
  /** Client ping interval; a connection that misses a pong is dropped. Default 30 s. */
  pingMs?: number;
  random?: () => number;
  onState?: (s: { state: "connected" | "retrying" | "closed"; delayMs?: number; reason?: string }) => void;
}

/**
 * A DingTalk Stream mode client (protocol as in notes §3.5 / the official SDK): POST
 * {gateway}/v1.0/gateway/connections/open {clientId, clientSecret, subscriptions} → {endpoint, ticket} →
 * WebSocket `endpoint?ticket=`. Answers SYSTEM ping, acks every EVENT and CALLBACK by messageId.
 *
 * Written here instead of using `dingtalk-stream` 2.1.5: its gateway URL is a constant and both its `error` and
 * `close` handlers schedule a reconnect at a fixed 1 s, so attempts multiply. Here there is at most one connect
 * in flight and one timer, and delays double (with jitter) until a connection has stayed up.
 */
export class DingTalkStream {
  /** WebSocket connections opened (tests count them). */
  connects = 0;
  /** Gateway open requests made. */
  opens = 0;
  private ws?: WebSocket;
  private connecting?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private pinger?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;
  private readonly o: Required<Omit<DingTalkStreamOptions, "onState">> & Pick<DingTalkStreamOptions, "onState">;

  constructor(o: DingTalkStreamOptions) {
    this.o = {
      backoff: { initialMs: 1_000, maxMs: 60_000 },
      stableMs: 10_000,
      pingMs: 30_000,
      random: Math.random,
      ...o,
    };
  }

  /** Open the connection (resolves after the first attempt, connected or not; retries continue in the background). */
  start(): Promise<void> {
    return this.connect();
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    await this.connecting?.catch(() => undefined);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          ws.terminate();
          r();
        }, 1_000);
        ws.once("close", () => {
          clearTimeout(t);
          r();
        });
        ws.close(1000, "client closing");
      });
    }
    this.o.onState?.({ state: "closed" });
  }

  /** Single flight: a second caller while a connect is running waits for that one. */
  private connect(): Promise<void> {
    if (this.closed || this.ws) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      const url = await this.endpoint();
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const s = new WebSocket(url, { handshakeTimeout: this.o.timeoutMs });
        // Listen before 'open' resolves: the gateway may push a frame (a ping, a click) right after the
        // upgrade, before this promise's continuation runs, and ws drops frames nobody listens to.
        // A frame that still throws is dropped: one bad frame must never take the process down.
        s.on("message", (raw) => void this.onFrame(s, raw.toString()).catch(() => undefined));
        s.once("open", () => resolve(s));
        s.once("error", (err) => reject(err));
      });
      if (this.closed) {
        ws.terminate();
        return;
      }
      this.attach(ws);
    } catch (err) {
      this.retry(reason(err));
    }
  }

  private async endpoint(): Promise<string> {
    this.opens++;
    const res = await requestJson(
      `${this.o.gatewayUrl}/v1.0/gateway/connections/open`,
      {
        method: "POST",
        body: {
          clientId: this.o.clientId,
          clientSecret: this.o.clientSecret,
          ua: "dataworks-chatops",
          subscriptions: this.o.topics.map((topic) => ({ type: "CALLBACK", topic })),
        },
      },
      { timeoutMs: this.o.timeoutMs },
    );
    // Never echo the request: it holds the client secret.
    if (isFailure(res)) throw new Error(`gateway: ${res.transport ?? `HTTP ${res.status}`}`);
    const { endpoint, ticket } = res.body;
    if (res.status !== 200 || typeof endpoint !== "string" || typeof ticket !== "string") {
      const code = typeof res.body.code === "string" ? ` ${res.body.code}` : "";
      const hint =
        res.status === 401 || res.status === 403 ? " (check dingtalk.clientId and dingtalk.clientSecret)" : "";
      throw new Error(`gateway answered HTTP ${res.status}${code}${hint}`);
    }
    const u = new URL(endpoint);
    u.searchParams.set("ticket", ticket);
    return u.toString();
  }

  private attach(ws: WebSocket) {
    this.ws = ws;
    this.connects++;
    const openedAt = Date.now();
    let alive = true;
    ws.on("pong", () => {
      alive = true;
    });
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, this.o.pingMs);
    // 'close' always follows 'error'; reconnecting from both is what makes the SDK storm.
    ws.on("error", () => undefined);
    ws.once("close", (code) => {
      clearInterval(this.pinger);
      if (this.ws === ws) this.ws = undefined;
      if (this.closed) return;
      if (Date.now() - openedAt >= this.o.stableMs) this.failures = 0;
      this.retry(`connection closed (${code})`);
    });
    this.o.onState?.({ state: "connected" });
  }

  /** One timer at a time; the delay doubles per failure up to the cap, jittered to 50–100 %. */
  private retry(why: string) {
    if (this.closed || this.timer) return;
    const { initialMs, maxMs } = this.o.backoff;
    const base = Math.min(maxMs, initialMs * 2 ** this.failures);
    this.failures++;
    const delayMs = Math.round(base / 2 + (this.o.random() * base) / 2);
    this.o.onState?.({ state: "retrying", delayMs, reason: why });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delayMs);
  }

  private async onFrame(ws: WebSocket, raw: string) {
    let f: StreamFrame;
    try {
      f = JSON.parse(raw) as StreamFrame;
      if (typeof f !== "object" || f === null || Array.isArray(f)) return;
      if (typeof f.headers !== "object" || f.headers === null || Array.isArray(f.headers)) return;
    } catch {
      return;
    }
    const messageId = String(f.headers.messageId ?? "");
    const topic = String(f.headers.topic ?? "");
    if (f.type === "SYSTEM") {
      if (topic === "ping") send(ws, { code: 200, headers: f.headers, message: "OK", data: f.data });
      // The server is about to close this connection: close it now and reconnect at once.
      if (topic === "disconnect") {
        this.failures = 0;
        ws.close(1000, "server asked to reconnect");
      }
      return;
    }
    const ack = (data: unknown) =>
      send(ws, {
        code: 200,
        headers: { contentType: "application/json", messageId },
        message: "OK",
        data: JSON.stringify(data),
      });
    if (f.type === "EVENT") return ack({ status: "SUCCESS", message: "success" });
    if (f.type !== "CALLBACK") return;
    let data: unknown;
    try {
      data = JSON.parse(f.data);
    } catch {
      data = undefined;
    }
    let response: unknown = null;
    try {
      response = await this.o.onCallback(topic, data, messageId);
    } catch {
      response = null;
    }
    // Acked even when the handler failed: a re-push 60 s later would not make it succeed, and clicks are idempotent.
    ack({ response });
  }
}

function send(ws: WebSocket, frame: unknown) {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
}

function reason(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return e?.code ?? e?.message ?? String(err);
}
