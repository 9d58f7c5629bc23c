import { type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from "node:http";
import type { FetchFunction } from "@slack/web-api";

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/** The statuses fetch treats as redirects: with `redirect: "error"` it refuses each of them. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const utf8 = new TextDecoder();

// node:https (and with it node:tls) is loaded with the first https request, not by every bot that imports the adapter.
let https: Promise<typeof import("node:https")> | undefined;
const loadHttps = () => (https ??= import("node:https"));

/** The headers the WebClient reads (get, entries), as fetch's Headers would give them. */
class HeaderView {
  readonly #h: IncomingHttpHeaders;
  constructor(h: IncomingHttpHeaders) {
    this.#h = h;
  }
  get(name: string): string | null {
    const v = this.#h[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const [k, v] of Object.entries(this.#h)) if (v !== undefined) yield [k, Array.isArray(v) ? v.join(", ") : v];
  }
}

/** A whole answer, read before it is returned: the WebClient's own `FetchResponse` contract. */
class BufferedResponse implements FetchResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: HeaderView;
  readonly #body: Uint8Array;
  constructor(status: number, statusText: string, url: string, headers: IncomingHttpHeaders, body: Uint8Array) {
    this.status = status;
    this.statusText = statusText;
    this.url = url;
    this.headers = new HeaderView(headers);
    this.#body = body;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  async text(): Promise<string> {
    return utf8.decode(this.#body);
  }
  async json(): Promise<unknown> {
    return JSON.parse(utf8.decode(this.#body));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body.slice().buffer as ArrayBuffer;
  }
}

/**
 * The WebClient's `fetch`, on Node's own HTTP client (node:http, node:https) instead of the global fetch: no WHATWG
 * Request/Response/Headers objects, webidl conversions or web streams (431 µs of client CPU per call with the global
 * fetch, `npm run bench:slack-client`; bot CPU per delivered event: docs/benchmarks.md "Third round"). Not undici's
 * request() either, as before: undici parses answers with llhttp compiled to WebAssembly, whose optimising compile
 * took ~15 MiB of native memory under load (glibc kept most of it), and its modules ~4 MiB of heap; Node's client
 * runs the llhttp built into Node, as the bot's HTTP server does (docs/benchmarks.md "Memory, third round").
 *
 * Node's global agents: keep-alive (idle sockets closed after 5 s), and the proxy from the environment when
 * NODE_USE_ENV_PROXY is set, as the global fetch does. The body is read before returning, under the signal (the
 * client's timeout), which ends the request wherever it is — connecting (a slow TLS handshake, a proxy's CONNECT),
 * waiting or mid-body — with the signal's reason, as fetch rejects: a timeout mid-body is a request error that may
 * have posted, as a dropped connection is (with the global fetch it surfaced from the WebClient's own body read as a
 * bare TimeoutError, retried as never sent). A redirect is refused as fetch refuses it (TypeError "fetch failed",
 * cause "unexpected redirect"). No Accept-Encoding: Slack answers uncompressed, so there is nothing to inflate.
 * Anything else the WebClient may send (FormData uploads, other redirect modes) goes to the global fetch unchanged.
 */
export const slackFetch: FetchFunction = async (url, init) => {
  if (typeof init?.body !== "string" || init.redirect !== "error") return globalThis.fetch(url, init as RequestInit);
  const target = String(url);
  const request = target.startsWith("https:") ? (await loadHttps()).request : httpRequest;
  const { res, body } = await send(request, target, init.method ?? "POST", init.headers, init.body, init.signal);
  if (REDIRECTS.has(res.statusCode ?? 0))
    throw new TypeError("fetch failed", { cause: new Error("unexpected redirect") });
  return new BufferedResponse(res.statusCode ?? 0, res.statusMessage ?? "", target, res.headers, body);
};

/** One request and its whole answer; the signal's reason when it fires first. */
function send(
  request: typeof httpRequest,
  url: string,
  method: string,
  headers: Record<string, string> | undefined,
  body: string,
  signal: AbortSignal | null | undefined,
): Promise<{ res: IncomingMessage; body: Uint8Array }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const req = request(url, { method, headers: { ...headers, "content-length": Buffer.byteLength(body) } });
    const fail = (err: unknown) => {
      signal?.removeEventListener("abort", onAbort);
      reject(err);
    };
    const onAbort = () => {
      fail(signal?.reason);
      req.destroy(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", fail);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", fail);
      res.on("end", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve({ res, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
      });
    });
    req.end(body);
  });
}
