import type * as lark from "@larksuiteoapi/node-sdk";
import type { InteractionHandlers } from "../../src/core/chat-adapter.js";
import { createLarkCallbacks, type LarkCallbacksConfig, obj } from "./callbacks.js";
import { resolveDomain } from "./client.js";
import { larkSdk } from "./sdk.js";

export interface LarkLongConnectionConfig extends LarkCallbacksConfig {
  appId: string;
  appSecret: string;
  /** "feishu" | "lark" | a base URL; the client asks `{domain}/callback/ws/endpoint` where to connect. */
  domain: string;
  /** Only used if Lark sends an encrypted payload over the socket; nothing is verified per callback. */
  encryptKey?: string;
}

/**
 * Lark's long connection (使用长连接接收事件/回调): the SDK's WSClient asks `POST {domain}/callback/ws/endpoint` with
 * the app id and secret for a WebSocket URL, then receives pbbp2 protobuf frames; `card.action.trigger` and
 * `im.message.receive_v1` arrive as `event` frames and the handler's return value goes back in the response frame
 * (the toast). The app is authenticated when the connection is opened, so there is no signature to check here
 * (notes §2.5, dependencies §4). Reconnects follow the server's ClientConfig (ReconnectInterval/Count/Nonce).
 */
export function createLarkLongConnection(config: LarkLongConnectionConfig) {
  const sdk = larkSdk();
  const callbacks = createLarkCallbacks(config);
  // The SDK logs frames at debug (payloads) and whole objects elsewhere: keep only its WSClient error lines, which
  // are plain strings (codes, reasons, "ws connect failed"), and report them.
  const report: lark.Logger = {
    error: (...args: unknown[]) => {
      const text = args
        .map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : ""))
        .filter(Boolean)
        .join(" ");
      if (text) config.onError?.(new Error(text), "Lark long connection");
    },
    warn() {},
    info() {},
    debug() {},
    trace() {},
  };
  const silent: lark.Logger = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };
  const dispatcher = new sdk.EventDispatcher({
    encryptKey: config.encryptKey,
    logger: silent,
    loggerLevel: sdk.LoggerLevel.error,
  }).register({
    // The dispatcher hands over header and event fields merged into one object (RequestHandle.parse), which holds
    // everything both callbacks read (event_id, action, operator, context, sender, message).
    "card.action.trigger": (data: unknown) => callbacks.cardAction(obj(data), obj(data)),
    "im.message.receive_v1": (data: unknown) => callbacks.message(obj(data), obj(data)),
  } as Record<string, (data: unknown) => Promise<unknown> | unknown>);
  const ws = new sdk.WSClient({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: resolveDomain(config.domain),
    logger: report,
    loggerLevel: sdk.LoggerLevel.error,
    autoReconnect: true,
    // Without these a stuck handshake or a silently dead connection (NAT, proxy) is never noticed.
    handshakeTimeoutMs: 10_000,
    wsConfig: { pingTimeout: 10 },
    onError: (err) => config.onError?.(err, "Lark long connection stopped"),
  });

  return {
    setHandlers(h: InteractionHandlers) {
      callbacks.setHandlers(h);
    },
    /** Connects in the background (WSClient.start does not wait for the socket); failures are reported. */
    async start(): Promise<void> {
      await ws.start({ eventDispatcher: dispatcher });
    },
    status: () => ws.getConnectionStatus(),
    async close(): Promise<void> {
      ws.close();
    },
  };
}
