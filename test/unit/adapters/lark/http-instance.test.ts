import type { ServerResponse } from "node:http";
import type * as lark from "@larksuiteoapi/node-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureFromThrown } from "../../../../adapters/lark/errors.js";
import { axiosWithTimeout, larkHttpInstance } from "../../../../adapters/lark/http-instance.js";
import { larkAxios, larkSdk } from "../../../../adapters/lark/sdk.js";
import { type Handler, HttpFake } from "../../../fakes/http-fake.js";

/**
 * The Lark SDK's httpInstance on Node's HTTP client answers as the SDK's own axios instance did: the same calls each
 * way to one local server, and what the SDK and `failureFromThrown` read compared — the body it resolves with, the
 * AxiosError's code, response status, data and headers — and the same request arriving (method, URL, body, the
 * headers a server reads). Then where it differs on purpose: the timeout mid-body, a cut answer, a redirect.
 */
type Route = Handler;
const json = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(body);
};
const routes: Record<string, Route> = {
  "/ok": (_req, res) => json(res, 200, '{"code":0,"msg":"success","data":{"message_id":"om_1","text":"naïve ✓"}}'),
  "/text": (_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<html>proxy page</html>");
  },
  "/empty": (_req, res) => {
    res.writeHead(200);
    res.end();
  },
  "/bom": (_req, res) => json(res, 200, '\ufeff{"code":0}'),
  "/token-bad": (_req, res) => json(res, 400, '{"code":99991663,"msg":"Invalid access token"}'),
  "/limited": (_req, res) =>
    json(res, 429, '{"code":99991400,"msg":"request trigger frequency limit"}', {
      "x-ogw-ratelimit-limit": "50",
      "x-ogw-ratelimit-reset": "3",
    }),
  "/down": (_req, res) => {
    res.writeHead(502, "Bad Gateway", { "content-type": "text/html" });
    res.end("<html>bad gateway</html>");
  },
  "/slow": (_req, res) => {
    setTimeout(() => json(res, 200, '{"code":0}'), 800);
  },
  "/slow-body": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"code":');
    setTimeout(() => res.end("0}"), 800);
  },
  "/cut": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
    res.write('{"code":');
    setTimeout(() => res.socket?.destroy(), 30);
  },
  "/moved": (_req, res) => {
    res.writeHead(302, { location: "/ok" });
    res.end();
  },
};

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string | undefined>;
}
const seen: Seen[] = [];
const server = new HttpFake((req, res) => {
  const h = req.headers;
  const headers = {
    accept: h.accept,
    "content-type": h["content-type"],
    "user-agent": h["user-agent"],
    authorization: h.authorization,
    "x-request-id": h["x-request-id"] as string | undefined,
  };
  seen.push({ method: req.method, url: req.url, body: req.raw, headers });
  (routes[req.path] ?? routes["/ok"])?.(req, res);
});
let base: string;
beforeAll(async () => {
  base = await server.start();
});
afterAll(() => server.stop());

const TIMEOUT = 400;
/** The instance the adapter used before: the SDK's axios one, its own verbs, with the timeout on every call. */
const axiosInstance = (): lark.HttpInstance => {
  const h = larkSdk().defaultHttpInstance;
  return {
    request: (o: object) => h.request({ timeout: TIMEOUT, ...o }),
    get: (url: string, o?: object) => h.get(url, { timeout: TIMEOUT, ...o }),
    post: (url: string, data?: unknown, o?: object) => h.post(url, data, { timeout: TIMEOUT, ...o }),
  } as unknown as lark.HttpInstance;
};
const ours = larkHttpInstance(TIMEOUT);
/** What ours falls back to for what it does not send itself: axios through our verbs (withVerbs), as ours. */
const fallback = axiosWithTimeout(TIMEOUT);

/** What the SDK and our error mapping read of an outcome. */
async function outcome(p: Promise<unknown>) {
  try {
    return { value: await p };
  } catch (err) {
    const e = err as {
      isAxiosError?: boolean;
      code?: string;
      response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
    };
    return {
      isAxiosError: e.isAxiosError,
      instanceOfAxiosError: err instanceof larkAxios().AxiosError,
      code: e.code,
      status: e.response?.status,
      data: e.response?.data,
      reset: e.response?.headers?.["x-ogw-ratelimit-reset"],
      failure: failureFromThrown(err),
    };
  }
}

/** One call through each instance; the outcomes and the requests the server saw. */
async function both(call: (h: lark.HttpInstance) => Promise<unknown>) {
  seen.length = 0;
  const before = await outcome(call(axiosInstance()));
  const sawBefore = seen.splice(0);
  const after = await outcome(call(ours));
  const sawAfter = seen.splice(0);
  // The fallback's verbs map onto axios's request as axios's own do: the same outcome, the same request.
  expect(await outcome(call(fallback))).toEqual(before);
  expect(seen.splice(0)).toEqual(sawBefore);
  return { before, after, sawBefore, sawAfter };
}

// As the SDK's generated methods call it (im.v1.message.create): qs for the query, its headers, the body.
const sdkCall = (path: string) => (h: lark.HttpInstance) =>
  h.request({
    url: `${base}${path}`,
    method: "POST",
    data: { receive_id: "oc_1", msg_type: "interactive", content: '{"a":"ü"}', uuid: "u1" },
    params: { receive_id_type: "chat_id" },
    headers: { "User-Agent": "oapi-node-sdk/1.74.0", Authorization: "Bearer t-1", "X-Request-Id": "r1" },
    paramsSerializer: (p: Record<string, string>) => new URLSearchParams(p).toString(),
  });

describe("the Lark httpInstance answers as the SDK's axios instance", () => {
  for (const path of ["/ok", "/text", "/empty", "/bom", "/token-bad", "/limited", "/down", "/slow"])
    it(`${path}: the same outcome and the same request`, async () => {
      const r = await both(sdkCall(path));
      expect(r.after).toEqual(r.before);
      expect(r.sawAfter).toEqual(r.sawBefore);
    });

  it("each outcome is what Lark's answers mean", async () => {
    expect((await both(sdkCall("/ok"))).after).toEqual({
      value: { code: 0, msg: "success", data: { message_id: "om_1", text: "naïve ✓" } },
    });
    // A 2xx answer that is not JSON comes back as its text (the SDK's callers read no code from it).
    expect((await both(sdkCall("/text"))).after).toEqual({ value: "<html>proxy page</html>" });
    const limited = (await both(sdkCall("/limited"))).after;
    expect(limited).toMatchObject({ instanceOfAxiosError: true, code: "ERR_BAD_REQUEST", status: 429, reset: "3" });
    expect(limited.failure).toEqual({
      status: 429,
      code: 99991400,
      msg: "request trigger frequency limit",
      resetSeconds: 3,
    });
    expect((await both(sdkCall("/token-bad"))).after.failure).toMatchObject({ status: 400, code: 99991663 });
    expect((await both(sdkCall("/down"))).after).toMatchObject({
      code: "ERR_BAD_RESPONSE",
      status: 502,
      data: "<html>bad gateway</html>",
    });
    expect((await both(sdkCall("/slow"))).after).toMatchObject({
      code: "ECONNABORTED",
      status: undefined,
      failure: { transport: "timed out" },
    });
  });

  it("a refused connection: the client's code, no response", async () => {
    const r = await both((h) => h.request({ url: "http://127.0.0.1:9/open-apis/im/v1/messages", method: "POST" }));
    expect(r.after).toEqual(r.before);
    expect(r.after).toMatchObject({ code: "ECONNREFUSED", failure: { transport: "ECONNREFUSED" } });
  });

  it("the token manager's post(url, body): the SDK's fallback User-Agent, a JSON body", async () => {
    const r = await both((h) => h.post(`${base}/ok`, { app_id: "cli_1", app_secret: "s" }));
    expect(r.after).toEqual(r.before);
    expect(r.sawAfter).toEqual(r.sawBefore);
    expect(r.sawAfter[0]?.headers["user-agent"]).toMatch(/^oapi-node-sdk\//);
  });

  it("Client.request's GET: axios's own query encoding, no body", async () => {
    const r = await both((h) =>
      h.request({
        url: `${base}/ok`,
        method: "GET",
        params: { user_id_type: "open_id", q: "a b:c,$d/é&x=1", n: 3, flag: true },
        headers: { "User-Agent": "oapi-node-sdk/1.74.0" },
      }),
    );
    expect(r.sawAfter).toEqual(r.sawBefore);
    expect(r.after).toEqual(r.before);
  });

  it("a generated GET carries the SDK's `{}` body as axios sent it", async () => {
    const r = await both((h) =>
      h.request({ url: `${base}/ok`, method: "GET", data: {}, params: {}, headers: {}, paramsSerializer: () => "" }),
    );
    expect(r.sawAfter).toEqual(r.sawBefore);
  });

  it("a body JSON cannot encode is an encoding failure, as with axios, and nothing is sent", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const r = await both((h) => h.post(`${base}/ok`, circular));
    // Axios overflows the stack on it, JSON.stringify names the cycle: an encoding failure either way.
    expect(r.before.failure?.encoding).toMatch(/call stack/i);
    expect(r.after.failure).toEqual({ encoding: "Converting circular structure to JSON" });
    expect(r.sawAfter).toEqual([]);
  });
});

describe("where it differs from axios, on purpose", () => {
  it("the timeout covers the body: ECONNABORTED, no response — axios failed it as an HTTP 200", async () => {
    const r = await both(sdkCall("/slow-body"));
    expect(r.after).toMatchObject({ code: "ECONNABORTED", status: undefined, failure: { transport: "timed out" } });
    // Both retry it now: failureFromThrown reads axios's dataless response as no answer.
    expect(r.before).toMatchObject({ status: 200, failure: { transport: "the answer was cut short" } });
  });

  it("an answer cut mid-body is no answer (retried), not a status-200 failure", async () => {
    const r = await both(sdkCall("/cut"));
    expect(r.after).toMatchObject({ status: undefined, failure: { transport: "ECONNRESET" } });
    expect(r.before).toMatchObject({ status: 200, failure: { transport: "the answer was cut short" } });
  });

  it("a redirect is not followed: its status is the answer", async () => {
    const r = await both(sdkCall("/moved"));
    expect(r.after).toMatchObject({ code: "ERR_BAD_RESPONSE", status: 302 });
    expect(r.sawAfter.map((s) => s.url)).toEqual(["/moved?receive_id_type=chat_id"]);
  });
});

describe("what is not plain JSON stays on axios", () => {
  it("$return_headers (the SDK's file downloads) answers {data, headers} as axios does", async () => {
    const res = (await ours.request({ url: `${base}/ok`, method: "GET", $return_headers: true })) as {
      data: unknown;
      headers: Record<string, string>;
    };
    expect(res.data).toMatchObject({ code: 0 });
    expect(res.headers["content-type"]).toContain("application/json");
  });

  it("a responseType other than JSON gets what axios gives (text, unparsed)", async () => {
    expect(await ours.request({ url: `${base}/ok`, method: "GET", responseType: "text" })).toBe(
      '{"code":0,"msg":"success","data":{"message_id":"om_1","text":"naïve ✓"}}',
    );
  });

  it("a multipart upload is encoded by axios", async () => {
    seen.length = 0;
    await ours.request({
      url: `${base}/ok`,
      method: "POST",
      headers: { "Content-Type": "multipart/form-data" },
      data: { image_type: "message", image: Buffer.from("png") },
    });
    expect(seen[0]?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]?.body).toContain('name="image_type"');
  });

  it("with a proxy in the environment every call goes through it, as axios sends it", async () => {
    const proxy = new HttpFake((_req, res) => json(res, 200, '{"code":0,"via":"proxy"}'));
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy };
    process.env.HTTP_PROXY = await proxy.start();
    try {
      const h = larkHttpInstance(TIMEOUT);
      expect(await h.post("http://open.feishu.invalid/open-apis/im/v1/messages", { a: 1 })).toEqual({
        code: 0,
        via: "proxy",
      });
      expect(proxy.requests.map((r) => r.url)).toEqual(["http://open.feishu.invalid/open-apis/im/v1/messages"]);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await proxy.stop();
    }
  });
});
