import type { Dispatcher } from "undici";

/** An HTTP answer, whole. `text` is undefined when the body was cut short (the timeout mid-body, a dropped socket). */
export interface JsonAnswer {
  status: number;
  /** A header's value (repeated ones joined with ", ", as fetch's Headers.get joins them), or undefined. */
  header(name: string): string | undefined;
  text: string | undefined;
}

/** No answer came: the kind of failure only. Never the URL (a webhook's holds its token) nor undici's message. */
export class RequestFailure extends Error {
  readonly kind: "timed out" | "connection failed";
  constructor(kind: "timed out" | "connection failed") {
    super(kind);
    this.name = "RequestFailure";
    this.kind = kind;
  }
}

let undici: Promise<typeof import("undici")> | undefined;
const loadUndici = () => (undici ??= import("undici"));

/**
 * A JSON request to a chat platform (DingTalk, Lark custom bots) on undici's `request()` rather than the global
 * fetch: the same undici and global dispatcher (keep-alive pool per origin; Node's env proxy agent when
 * NODE_USE_ENV_PROXY is set) without fetch's WHATWG Request/Response/Headers, webidl conversions and web streams.
 * Measured 2026-12-07 (machine shared, `npm run bench:cn-client`, adapter.send() against the fakes, medians of 3):
 * 140–200 µs of client CPU per send against 525–620 with the global fetch, 3.5 scavenges per 1,000 sends against
 * 11–12 (docs/benchmarks.md "Third round").
 *
 * As fetch did for these adapters: the timeout (and the caller's signal) counts from the first byte, connection
 * included, and covers the body; the headers fetch sent by default that a server may look at (accept, user-agent)
 * unless given. Unlike it: a redirect is not followed (its status is the answer) — fetch re-sent the request, with
 * the token header DingTalk's OpenAPI carries, wherever the Location pointed; no Accept-Encoding (the answers are
 * small JSON). undici is imported on the first request: a bot that never posts does not load it.
 */
export async function jsonRequest(
  url: string,
  body: string | undefined,
  o: { method: string; headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<JsonAnswer> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  let res: Dispatcher.ResponseData;
  try {
    const { request } = await loadUndici();
    res = await untilAborted(
      request(url, {
        method: o.method as Dispatcher.HttpMethod,
        headers: {
          accept: "*/*",
          "user-agent": "node",
          ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
          ...o.headers,
        },
        body,
        signal,
      }),
      signal,
    );
  } catch {
    throw new RequestFailure(timeout.aborted ? "timed out" : "connection failed");
  }
  const text = await res.body.text().catch(() => undefined);
  const headers = res.headers;
  return {
    status: res.statusCode,
    header(name) {
      const v = headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(", ") : v;
    },
    text,
  };
}

/**
 * request() acts on its signal only once the request is on a socket: while the connection is still being made (a
 * slow TLS handshake, a proxy's CONNECT) it waits for undici's connect timeout (10 s). fetch rejects at once, so
 * this does too; undici then drops the request when it would have been written (nothing sent).
 */
export function untilAborted(
  pending: Promise<Dispatcher.ResponseData>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      pending.then(
        (late) => late.body.dump(),
        () => undefined,
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (res) => {
        signal.removeEventListener("abort", onAbort);
        resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
