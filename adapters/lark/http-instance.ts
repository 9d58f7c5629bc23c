import type * as lark from "@larksuiteoapi/node-sdk";
import type { InternalAxiosRequestConfig } from "axios";
import { type HttpAnswer, httpSend } from "../../src/core/json-request.js";
import { larkAxios, larkSdk, larkSdkUserAgent } from "./sdk.js";

type Options = NonNullable<Parameters<lark.HttpInstance["request"]>[0]>;
type Headers = Record<string, string>;

/** What we send ourselves; a call with any other option (responseType, $return_headers…) goes to axios. */
const OWN = new Set(["url", "method", "headers", "params", "paramsSerializer", "data", "timeout"]);

/**
 * The Lark SDK's `httpInstance`: plain JSON calls (every im/v1 send, patch and reply, the tenant_access_token
 * request, our own `client.request`s) on the adapters' one HTTP client (src/core/json-request.ts `httpSend`, Node's
 * own), everything else (uploads, streams, other response types) on the SDK's axios instance as before. The SDK's
 * axios took ~3× the client CPU per send (`npm run bench:cn-client`, docs/benchmarks.md).
 *
 * It answers as the SDK's axios instance does (its response interceptor returns the body): a 2xx body parsed as
 * JSON, or the text when it is not JSON; a non-2xx an AxiosError with `response.{status,statusText,headers,data}`;
 * no answer an AxiosError with the client's `code` (ECONNREFUSED…), or ECONNABORTED for the timeout. Unlike
 * axios the timeout counts from the first byte to the answer's end (axios's is an idle timer), an answer cut
 * mid-body fails as no answer (axios rejected it as a status-200 failure, which read as a permanent one), and a
 * redirect is not followed (its status is the answer: src/core/json-request.ts says why). With a proxy in the
 * environment every call stays on axios, which uses it whatever NODE_USE_ENV_PROXY says.
 */
export function larkHttpInstance(timeoutMs: number): lark.HttpInstance {
  const fallback = axiosWithTimeout(timeoutMs);
  if (envProxy()) return fallback;
  const userAgent = larkSdkUserAgent();
  const request = (o: Options): Promise<unknown> =>
    plainJson(o) ? send(o, timeoutMs, userAgent) : fallback.request(o as Parameters<typeof fallback.request>[0]);
  return withVerbs(request);
}

/**
 * The SDK's axios instance (its interceptor returns the body) with our timeout on every call. The SDK sets no
 * timeout of its own, and we must not change its shared default instance.
 */
export function axiosWithTimeout(timeoutMs: number): lark.HttpInstance {
  const h = larkSdk().defaultHttpInstance;
  return withVerbs((o) => h.request({ timeout: timeoutMs, ...o } as Parameters<typeof h.request>[0]));
}

/** An HttpInstance from its `request` alone: axios's get, post… are `request` with the method and URL (and data). */
function withVerbs(request: (o: Options) => Promise<unknown>): lark.HttpInstance {
  const inst = {
    request,
    get: (url: string, o?: Options) => request({ ...o, method: "get", url }),
    delete: (url: string, o?: Options) => request({ ...o, method: "delete", url }),
    head: (url: string, o?: Options) => request({ ...o, method: "head", url }),
    options: (url: string, o?: Options) => request({ ...o, method: "options", url }),
    post: (url: string, data?: unknown, o?: Options) => request({ ...o, method: "post", url, data }),
    put: (url: string, data?: unknown, o?: Options) => request({ ...o, method: "put", url, data }),
    patch: (url: string, data?: unknown, o?: Options) => request({ ...o, method: "patch", url, data }),
  };
  return inst as unknown as lark.HttpInstance;
}

/** The variables axios's proxy-from-env reads (lower case first, then upper). */
function envProxy(): boolean {
  const names = ["npm_config_proxy", "all_proxy"];
  for (const p of ["http", "https"]) names.push(`npm_config_${p}_proxy`, `${p}_proxy`);
  return names.some((n) => Boolean(process.env[n] || process.env[n.toUpperCase()]));
}

/** A call we can send as axios would: an http(s) URL, a JSON (or no) body, headers and query of plain values. */
function plainJson(o: Options): boolean {
  const all = o as Record<string, unknown>;
  for (const k in all) if (all[k] !== undefined && !OWN.has(k)) return false;
  if (typeof o.url !== "string" || !/^https?:\/\//i.test(o.url)) return false;
  if (o.data !== undefined && !isPlainObject(o.data) && !Array.isArray(o.data)) return false;
  if (o.paramsSerializer !== undefined && typeof o.paramsSerializer !== "function") return false;
  if (o.params !== undefined && !isPlainObject(o.params)) return false;
  if (!o.paramsSerializer && o.params && !Object.values(o.params).every(isScalar)) return false;
  if (o.headers !== undefined && !isPlainObject(o.headers)) return false;
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    // axios drops a `false` or null header; a string or number is sent as it is.
    if (typeof v !== "string" && typeof v !== "number") return false;
    // A form (multipart, urlencoded) is encoded by axios.
    if (k.toLowerCase() === "content-type" && !String(v).toLowerCase().includes("application/json")) return false;
  }
  return true;
}

const isScalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

async function send(o: Options, defaultTimeoutMs: number, userAgent: string): Promise<unknown> {
  const url = withQuery(o.url as string, o.params, o.paramsSerializer as ((p: object) => string) | undefined);
  // As axios's transformRequest: an object body as JSON, sent with any method (the SDK gives GETs a `{}`).
  const body = o.data === undefined ? undefined : JSON.stringify(o.data);
  const headers: Headers = { accept: "application/json, text/plain, */*" };
  if (body !== undefined) headers["content-type"] = "application/json";
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = String(v);
  headers["user-agent"] ??= userAgent;
  const timeoutMs = typeof o.timeout === "number" ? o.timeout : defaultTimeoutMs;
  const method = o.method ?? "get";
  const signal = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const { AxiosError, AxiosHeaders } = larkAxios();
  // What an AxiosError carries as its config, built only for one (axios's holds the same: headers, encoded body).
  const config = (): InternalAxiosRequestConfig =>
    ({ ...o, url, method, headers: new AxiosHeaders(headers), data: body, timeout: timeoutMs }) as never;
  const timedOut = () => new AxiosError(`timeout of ${timeoutMs}ms exceeded`, "ECONNABORTED", config());
  let res: HttpAnswer;
  let raw: Buffer;
  try {
    res = await httpSend(url, {
      method: method.toUpperCase(),
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
    });
  } catch (err) {
    throw signal?.aborted ? timedOut() : AxiosError.from(err, undefined, config());
  }
  try {
    raw = await res.body;
  } catch {
    // Cut mid-body (the timeout, a dropped connection): no answer to judge, as before any byte came.
    throw signal?.aborted ? timedOut() : new AxiosError("stream has been aborted", "ECONNRESET", config());
  }
  const data = answerData(raw);
  if (res.status >= 200 && res.status < 300) return data;
  const c = config();
  const response = {
    status: res.status,
    statusText: res.statusText,
    headers: new AxiosHeaders(res.headers as Record<string, string>),
    config: c,
    request: undefined,
    data,
  };
  const code = res.status >= 400 && res.status < 500 ? "ERR_BAD_REQUEST" : "ERR_BAD_RESPONSE";
  throw new AxiosError(`Request failed with status code ${res.status}`, code, c, undefined, response);
}

/** axios's buildURL: the call's serializer (the SDK passes qs's), else axios's own encoding of plain values. */
function withQuery(url: string, params: object | undefined, serializer: ((p: object) => string) | undefined): string {
  if (!params) return url;
  const query = serializer
    ? serializer(params)
    : Object.entries(params)
        .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
        .join("&");
  if (!query) return url;
  const hash = url.indexOf("#");
  const base = hash === -1 ? url : url.slice(0, hash);
  return `${base}${base.includes("?") ? "&" : "?"}${query}`;
}

/** axios's buildURL encode: encodeURIComponent with `:`, `$`, `,` kept and a space as `+`. */
const encode = (v: string) =>
  encodeURIComponent(v).replace(/%3A/gi, ":").replace(/%24/g, "$").replace(/%2C/gi, ",").replace(/%20/g, "+");

/** axios's transformResponse: UTF-8 without a BOM, JSON when it parses, else the text ("" stays ""). */
function answerData(raw: Buffer): unknown {
  let text = raw.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
