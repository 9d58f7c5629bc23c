import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRobotMarkdown } from "../../../adapters/dingtalk/webhook.js";
import type { LarkCard } from "../../../adapters/lark/render.js";
import { sendLarkWebhook } from "../../../adapters/lark/webhook.js";
import { DeliveryError } from "../../../src/core/errors.js";

const TOKEN = "dt-access-token-0123456789";
const payload = { title: "t", text: "hello", at: { atUserIds: [], isAtAll: false } };
const card: LarkCard = {
  schema: "2.0",
  config: { update_multi: true, summary: { content: "t" } },
  header: { title: { tag: "plain_text", content: "t" }, template: "blue" },
  body: { elements: [] },
};

/**
 * DingTalk's and Lark's webhook sends on src/core/json-request.ts (Node's own HTTP client): what the global fetch did
 * and what it no longer does, against one local server.
 */
describe("DingTalk and Lark webhook sends on jsonRequest", () => {
  const hits: string[] = [];
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      hits.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => {
        const path = (req.url ?? "").split("?")[0];
        if (path === "/redirect") {
          res.writeHead(307, { location: `${base}/elsewhere` }).end();
        } else if (path === "/elsewhere") {
          res.writeHead(200, { "content-type": "application/json" }).end('{"errcode":0,"code":0}');
        } else if (path === "/stall-ok") {
          res.writeHead(200, { "content-type": "application/json" }).write('{"errcode":');
        } else if (path === "/null") {
          res.writeHead(200, { "content-type": "application/json" }).end("null");
        } else if (path === "/stall-429") {
          res.writeHead(429, { "content-type": "application/json", "x-ogw-ratelimit-reset": "3" }).write('{"code":');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const robot = (path: string) => ({ webhookUrl: `${base}${path}`, accessToken: TOKEN });
  const o = (timeoutMs = 2000) => ({ destination: "ops", timeoutMs, now: Date.now });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.unreachable("the send succeeded"),
      (e: unknown) => {
        expect(e).toBeInstanceOf(DeliveryError);
        return e as DeliveryError;
      },
    );

  it("does not follow a redirect (fetch re-sent the request there): the send fails for good, naming the status", async () => {
    hits.length = 0;
    const dt = await failure(sendRobotMarkdown(robot("/redirect"), payload, o()));
    const lk = await failure(sendLarkWebhook({ url: `${base}/redirect` }, card, o()));
    expect(hits).toEqual([`POST /redirect?access_token=${TOKEN}`, "POST /redirect"]);
    for (const e of [dt, lk]) {
      expect(e.retryable).toBe(false);
      expect(e.platformCode).toBe("http_307");
    }
  });

  it("is stopped by the timeout while the connection is still being made (a TLS handshake that never ends)", async () => {
    // The server never answers the client's hello: the connection is never made.
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => {
      sockets.add(socket.on("error", () => undefined));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const tls = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const dt = await failure(
        sendRobotMarkdown({ webhookUrl: `${tls}/robot/send`, accessToken: TOKEN }, payload, o(200)),
      );
      const lk = await failure(sendLarkWebhook({ url: `${tls}/elsewhere` }, card, o(200)));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(dt.message).toMatch(/could not reach DingTalk: timed out$/);
      expect(lk.message).toMatch(/could not reach Lark: timed out$/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("a timeout mid-body leaves the status and headers to decide, as with fetch (a 429's reset kept)", async () => {
    const dt = await failure(sendRobotMarkdown(robot("/stall-ok"), payload, o(300)));
    expect(dt.retryable).toBe(true);
    expect(dt.message).toMatch(/unexpected answer \(not JSON\)/);
    const lk = await failure(sendLarkWebhook({ url: `${base}/stall-429` }, card, o(300)));
    expect(lk.throttled).toBe(true);
    expect(lk.retryAfterMs).toBe(3_000);
  });

  it("an answer of JSON that is not an object (`null`) is an unexpected answer, not a crash", async () => {
    const lk = await failure(sendLarkWebhook({ url: `${base}/null` }, card, o()));
    expect(lk.message).toMatch(/unexpected answer \(not a Lark response\)/);
    const dt = await failure(sendRobotMarkdown(robot("/null"), payload, o()));
    expect(dt.message).toMatch(/unexpected answer \(not JSON\)/);
  });

  it("names no URL or token when the connection fails", async () => {
    const closed = "http://127.0.0.1:9";
    const dt = await failure(sendRobotMarkdown({ webhookUrl: closed, accessToken: TOKEN }, payload, o()));
    const lk = await failure(sendLarkWebhook({ url: `${closed}/open-apis/bot/v2/hook/${TOKEN}` }, card, o()));
    for (const e of [dt, lk]) {
      expect(e.retryable).toBe(true);
      expect(e.message).toMatch(/: connection failed$/);
      expect(`${e.message} ${String(e.cause ?? "")}`).not.toMatch(/127\.0\.0\.1|access-token/);
    }
  });
});
