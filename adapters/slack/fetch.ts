import type { IncomingHttpHeaders } from "node:http";
import type { FetchFunction } from "@slack/web-api";
import { headerValue, joinedHeaders, httpSend } from "../../src/core/json-request.js";

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/** The statuses fetch treats as redirects: with `redirect: "error"` it refuses each of them. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The error fetch with `redirect: "error"` rejects a redirect with (TypeError "fetch failed"), or none. */
export const redirectRefusal = (status: number): TypeError | undefined =>
  REDIRECTS.has(status) ? new TypeError("fetch failed", { cause: new Error("unexpected redirect") }) : undefined;
const utf8 = new TextDecoder();

/** The headers the WebClient reads (get, entries), as fetch's Headers would give them. */
class HeaderView {
  readonly #h: IncomingHttpHeaders;
  constructor(h: IncomingHttpHeaders) {
    this.#h = h;
  }
  get(name: string): string | null {
    return headerValue(this.#h, name) ?? null;
  }
  *entries(): IterableIterator<[string, string]> {
    yield* Object.entries(joinedHeaders(this.#h));
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
 * The WebClient's `fetch`, on the adapters' one HTTP client (src/core/json-request.ts `httpSend`: Node's own, not the
 * global fetch's WHATWG objects, 431 µs of client CPU per call with the global fetch, `npm run bench:slack-client`;
 * bot CPU per delivered event: docs/benchmarks.md "Third round"). The body is read before returning, under the signal
 * (the client's timeout), which ends the request wherever it is — connecting, waiting or mid-body — with the
 * signal's reason, as fetch rejects: a timeout mid-body is a request error that may have posted, as a dropped
 * connection is (with the global fetch it surfaced from the WebClient's own body read as a bare TimeoutError,
 * retried as never sent). A redirect is refused as fetch refuses it (TypeError "fetch failed", cause "unexpected
 * redirect"). No Accept-Encoding: Slack answers uncompressed, so there is nothing to inflate. Anything else the
 * WebClient may send (FormData uploads, other redirect modes) goes to the global fetch unchanged.
 */
export const slackFetch: FetchFunction = async (url, init) => {
  if (typeof init?.body !== "string" || init.redirect !== "error") return globalThis.fetch(url, init as RequestInit);
  const target = String(url);
  const res = await httpSend(target, {
    method: init.method ?? "POST",
    ...(init.headers ? { headers: init.headers as Record<string, string> } : {}),
    body: init.body,
    signal: init.signal,
  });
  const body = await res.body;
  const refused = redirectRefusal(res.status);
  if (refused) throw refused;
  return new BufferedResponse(res.status, res.statusText, target, res.headers, body);
};
