import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackFetch } from "../../../../adapters/slack/fetch.js";

/**
 * The Slack adapter's fetch (Node's HTTP client) answers the WebClient as the global fetch does: the same request
 * each way to one local server, and what the WebClient reads of the answer compared (WebClient.js makeRequest,
 * buildResult: status, statusText, headers.get/entries, text, arrayBuffer, redirect refused, the signal).
 */
const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  "/ok": (_req, res, body) => {
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "x-oauth-scopes": "chat:write, users:read",
    });
    res.end(JSON.stringify({ ok: true, echo: body, text: "naïve ✓" }));
  },
  "/limited": (_req, res) => {
    res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
    res.end('{"ok":false,"error":"ratelimited"}');
  },
  "/down": (_req, res) => {
    res.writeHead(503, "Service Unavailable", { "content-type": "text/plain" });
    res.end("maintenance");
  },
  "/moved": (_req, res) => {
    res.writeHead(302, { location: "/ok" });
    res.end();
  },
  "/slow-body": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    setTimeout(() => res.end("{}"), 1_000);
  },
  "/form": (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ contentType: req.headers["content-type"] }));
  },
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => routes[req.url ?? ""]?.(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const init = (extra: { signal?: AbortSignal } = {}) => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: "Bearer xoxb-test" },
  body: "channel=C1&text=hi",
  redirect: "error" as const,
  ...extra,
});

/** What the WebClient reads of an answer. */
async function seen(res: Awaited<ReturnType<typeof slackFetch>>) {
  const text = await res.text();
  return {
    ok: res.ok,
    status: res.status,
    statusText: res.statusText,
    contentType: res.headers.get("Content-Type"),
    scopes: res.headers.get("x-oauth-scopes"),
    retryAfter: res.headers.get("retry-after"),
    absent: res.headers.get("x-accepted-oauth-scopes"),
    headers: Object.fromEntries(
      [...res.headers.entries()].filter(
        ([k]) => !["date", "connection", "keep-alive", "transfer-encoding"].includes(k),
      ),
    ),
    text,
  };
}

describe("slackFetch, against the global fetch", () => {
  it.each(["/ok", "/limited", "/down"])("answers %s as fetch does", async (path) => {
    const ours = await seen(await slackFetch(`${base}${path}`, init()));
    const theirs = await seen(await fetch(`${base}${path}`, init()));
    expect(ours).toEqual(theirs);
  });

  it("gives the same bytes to arrayBuffer()", async () => {
    const ours = await (await slackFetch(`${base}/ok`, init())).arrayBuffer();
    const theirs = await (await fetch(`${base}/ok`, init())).arrayBuffer();
    expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
  });

  it("refuses a redirect as fetch refuses it", async () => {
    const ours = await slackFetch(`${base}/moved`, init()).catch((e: unknown) => e);
    const theirs = await fetch(`${base}/moved`, init()).catch((e: unknown) => e);
    for (const e of [ours, theirs]) {
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe("fetch failed");
      expect(((e as Error).cause as Error).message).toBe("unexpected redirect");
    }
  });

  it("is aborted by the signal while the body is still coming: the call fails, not a later read", async () => {
    const err = await slackFetch(`${base}/slow-body`, init({ signal: AbortSignal.timeout(200) })).catch(
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe("TimeoutError");
  });

  it("is aborted by the signal while the connection is still being made, as fetch is", async () => {
    // A connection that is never made: a TLS handshake that does not end (the server never answers the hello).
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => {
      sockets.add(socket.on("error", () => undefined));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}/ok`;
    try {
      for (const f of [slackFetch, fetch]) {
        const started = Date.now();
        const err = await f(url, init({ signal: AbortSignal.timeout(200) })).catch((e: unknown) => e);
        expect((err as Error).name).toBe("TimeoutError");
        expect(Date.now() - started).toBeLessThan(2_000);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("leaves a FormData body (a file upload) to the global fetch", async () => {
    const form = new FormData();
    form.append("file", new Blob(["x"]), "x.txt");
    const res = await slackFetch(`${base}/form`, { method: "POST", body: form, redirect: "error" });
    expect(((await res.json()) as { contentType: string }).contentType).toMatch(/^multipart\/form-data; boundary=/);
  });
});
