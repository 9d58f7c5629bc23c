import { type IncomingHttpHeaders, request as httpRequest } from "node:http";

/** An HTTP answer, whole. `text` is undefined when the body was cut short (the timeout mid-body, a dropped socket). */
export interface JsonAnswer {
  status: number;
  /** A 2xx status, as fetch's Response.ok. */
  ok: boolean;
  /** A header's value (repeated ones joined with ", ", as fetch's Headers.get joins them), or undefined. */
  header(name: string): string | undefined;
  text: string | undefined;
}

/** No answer came: the kind of failure only. Never the URL (a webhook's holds its token) nor the client's message. */
export class RequestFailure extends Error {
  readonly kind: "timed out" | "connection failed";
  constructor(kind: "timed out" | "connection failed") {
    super(kind);
    this.name = "RequestFailure";
    this.kind = kind;
  }
}

/** The status line and headers of an answer; its body still coming (it fails with the signal's reason if cut). */
export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Promise<Buffer>;
}

// node:https (and with it node:tls) is loaded with the first https request, not by every bot that imports an adapter.
let https: Promise<typeof import("node:https")> | undefined;
const loadHttps = () => (https ??= import("node:https"));

/**
 * One request to a chat platform on Node's own HTTP client (node:http, node:https), the one place the adapters'
 * sends go through (Slack's WebClient via adapters/slack/fetch.ts, DingTalk, Lark custom bots). Not the global fetch:
 * its WHATWG Request/Response/Headers objects, webidl conversions and web streams took ~3× the client CPU per send
 * (`npm run bench:slack-client`, `bench:cn-client`). Not undici's request() either: undici parses answers with
 * llhttp compiled to WebAssembly, whose optimising compile took ~15 MiB of native memory under load, and its modules
 * ~4 MiB of heap; Node's client runs the llhttp built into Node, as the bot's HTTP server does (docs/benchmarks.md
 * "Memory, third round").
 *
 * Node's global agents: keep-alive, and the proxy from the environment when NODE_USE_ENV_PROXY is set, as the global
 * fetch. The signal ends the request wherever it is — connecting (a slow TLS handshake, a proxy's CONNECT), waiting,
 * or mid-body — with its reason. Redirects are never followed: a 3xx is the answer.
 */
export async function httpSend(
  url: string,
  o: { method: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | null },
): Promise<HttpAnswer> {
  const request = url.startsWith("https:") ? (await loadHttps()).request : httpRequest;
  const signal = o.signal ?? undefined;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const headers = o.body === undefined ? o.headers : { ...o.headers, "content-length": Buffer.byteLength(o.body) };
    const req = request(url, { method: o.method, headers });
    let settleBody: { resolve: (b: Buffer) => void; reject: (e: unknown) => void } | undefined;
    const fail = (err: unknown) => {
      signal?.removeEventListener("abort", onAbort);
      if (settleBody) settleBody.reject(err);
      else reject(err);
    };
    const onAbort = () => {
      fail(signal?.reason);
      req.destroy(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", fail);
    req.on("response", (res) => {
      const body = new Promise<Buffer>((resolveBody, rejectBody) => {
        settleBody = { resolve: resolveBody, reject: rejectBody };
      });
      // A caller that only reads the status never sees its body's failure as an unhandled rejection.
      body.catch(() => undefined);
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", fail);
      res.on("close", () => {
        if (!res.complete) fail(new Error("the answer was cut short"));
      });
      res.on("end", () => {
        signal?.removeEventListener("abort", onAbort);
        settleBody?.resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
      });
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body });
    });
    req.end(o.body);
  });
}

/**
 * A JSON request (DingTalk, Lark custom bots): the timeout (and the caller's signal) counts from the first byte,
 * connection included, and covers the body; the headers fetch sent by default that a server may look at (accept,
 * user-agent) unless given. A redirect is not followed (its status is the answer): fetch re-sent the request, with
 * the token header DingTalk's OpenAPI carries, wherever the Location pointed. No Accept-Encoding (the answers are
 * small JSON).
 */
export async function jsonRequest(
  url: string,
  body: string | undefined,
  o: { method: string; headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<JsonAnswer> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  let res: HttpAnswer;
  try {
    res = await httpSend(url, {
      method: o.method,
      headers: {
        accept: "*/*",
        "user-agent": "node",
        ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
        ...o.headers,
      },
      ...(body === undefined ? {} : { body }),
      signal,
    });
  } catch {
    throw new RequestFailure(timeout.aborted ? "timed out" : "connection failed");
  }
  const text = await res.body.then(
    (b) => b.toString("utf8"),
    () => undefined,
  );
  const headers = res.headers;
  return {
    status: res.status,
    ok: res.status >= 200 && res.status < 300,
    header: (name) => headerValue(headers, name),
    text,
  };
}

/** A header's value, repeated ones joined with ", " as fetch's Headers.get joins them; undefined when absent. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Every header with its value as headerValue gives it (fetch's Headers, as one object). */
export function joinedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const all: Record<string, string> = {};
  for (const k of Object.keys(headers)) {
    const v = headerValue(headers, k);
    if (v !== undefined) all[k] = v;
  }
  return all;
}
