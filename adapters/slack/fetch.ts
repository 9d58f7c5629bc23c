import type { FetchFunction } from "@slack/web-api";
import type { Dispatcher } from "undici";
import { untilAborted } from "../../src/core/json-request.js";

type FetchResponse = Awaited<ReturnType<FetchFunction>>;
type IncomingHttpHeaders = Dispatcher.ResponseData["headers"];

/** The statuses fetch treats as redirects: with `redirect: "error"` it refuses each of them. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const utf8 = new TextDecoder();

let undici: Promise<typeof import("undici")> | undefined;
const loadUndici = () => (undici ??= import("undici"));

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
 * The WebClient's `fetch`, on undici's `request()` instead of the global fetch (the same undici underneath, without
 * WHATWG Request/Response/Headers objects, webidl conversions and web streams). Measured 2026-12-07 (machine
 * shared, WebClient.chat.postMessage to a local server, medians of 8): 180 µs of client CPU per call against 431
 * with the global fetch, 30 % fewer scavenges; 261 µs when it returns a real Response, so it returns the
 * WebClient's own FetchResponse shape instead (`npm run bench:slack-client`). Bot CPU per delivered event:
 * docs/benchmarks.md "Third round".
 *
 * undici's global dispatcher, the one the global fetch uses (the keep-alive pool per origin, or the proxy agent
 * Node installs for NODE_USE_ENV_PROXY). The body is read before returning, under the signal (the client's
 * timeout): a timeout mid-body is a request error that may have posted, as a dropped connection is (with the global
 * fetch it surfaced from the WebClient's own body read as a bare TimeoutError, retried as never sent). A redirect
 * is refused as fetch refuses it (TypeError "fetch failed", cause "unexpected redirect"). No Accept-Encoding: Slack
 * answers uncompressed, so there is nothing to inflate. Anything else the WebClient may send (FormData uploads,
 * other redirect modes) goes to the global fetch unchanged. undici is imported on the first call: a bot that never
 * posts does not load it.
 */
export const slackFetch: FetchFunction = async (url, init) => {
  if (typeof init?.body !== "string" || init.redirect !== "error") return globalThis.fetch(url, init as RequestInit);
  const { request } = await loadUndici();
  const pending = request(url, {
    method: init.method ?? "POST",
    headers: init.headers,
    body: init.body,
    signal: init.signal,
  });
  const res = await (init.signal ? untilAborted(pending, init.signal) : pending);
  if (REDIRECTS.has(res.statusCode)) {
    await res.body.dump();
    throw new TypeError("fetch failed", { cause: new Error("unexpected redirect") });
  }
  const body = await res.body.bytes();
  return new BufferedResponse(res.statusCode, res.statusText, String(url), res.headers, body);
};
