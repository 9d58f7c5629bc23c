/**
 * One small wrapper around the official `@alicloud/openapi-client` for the `dataworks-public` product.
 *
 * - V3 signature (ACS3-HMAC-SHA256, the SDK default in 0.4.x), RPC style, POST to "/".
 * - Endpoint per region: `dataworks.<region>.aliyuncs.com`; cn-huhehaote and cn-qingdao use
 *   `dataworks.aliyuncs.com` (DataWorks "Endpoints" page, 2020-05-18 and 2024-05-18), or the configured override.
 * - No SDK auto-retry: BullMQ retries. Every failure becomes one DataWorksApiError with a retry decision.
 * - `Success: false` (boolean or the string "false", as CallbackExtension answers) is a failure too: the
 *   SDK only throws for 4xx/5xx (see /work/shared/notes/dependencies.md §2).
 */
import { createRequire } from "node:module";
import type * as OpenApiModule from "@alicloud/openapi-client";
import type { Config } from "../config/schema.js";
import { RemoteError, type RemoteErrorInit } from "../core/errors.js";

// The package is CJS with `exports.default = Client`: under Node ESM a default import yields the module
// object, under vitest the class. createRequire gives the same object everywhere.
// (Typed the same way: under NodeNext the namespace's `default` is module.exports.)
type Sdk = typeof OpenApiModule.default;
type SdkClient = InstanceType<Sdk["default"]>;
let loaded: Sdk | undefined;
/** Loaded on the first call, not at import: ~25 MiB of RSS that a bot without DataWorks credentials never needs. */
const openApi = (): Sdk => {
  loaded ??= createRequire(import.meta.url)("@alicloud/openapi-client") as Sdk;
  return loaded;
};

export type ApiVersion = "2020-05-18" | "2024-05-18";
export type ParamLocation = "query" | "body";
export type ParamValue = string | number | boolean;

export interface DataWorksApiOptions {
  /** Host override ("dataworks-vpc.cn-shanghai.aliyuncs.com", "127.0.0.1:9000"); default: per region. */
  endpoint?: string;
  protocol: "https" | "http";
  accessKeyId: string;
  accessKeySecret: string;
  /** Region used when a call names none. */
  regionId: string;
  /** Connect and read timeout per request, ms. */
  timeoutMs: number;
}

export interface ApiCall {
  action: string;
  version: ApiVersion;
  /** Event region (`aliyunregionid`); picks the endpoint unless one is configured. */
  regionId?: string;
  params: Readonly<Record<string, ParamValue | undefined>>;
  /** Where the official SDK puts the operation's parameters (form body or query string). */
  location: ParamLocation;
  /** Shorter timeout for this call (enrichment), ms. */
  timeoutMs?: number;
}

export interface ApiResult {
  body: Record<string, unknown>;
  requestId: string | undefined;
  status: number;
}

export interface DataWorksApiErrorInit extends RemoteErrorInit {
  action: string;
  /** Alibaba Cloud error code, e.g. "Throttling.User", "InvalidParameter", or ours ("Timeout", "Network"). */
  apiCode: string;
  status?: number;
  requestId?: string;
}

/**
 * Every DataWorks OpenAPI failure. The message never contains the AccessKey secret. A 429 from Alibaba Cloud names
 * no wait (and the SDK's error keeps no headers), so `retryAfterMs` is left unset here and a throttled decision
 * takes the queue's backoff; a caller that knows the wait sets it and the job waits that long.
 */
export class DataWorksApiError extends RemoteError {
  readonly action: string;
  readonly apiCode: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  constructor(message: string, init: DataWorksApiErrorInit) {
    super(init.retryable ? "DATAWORKS_API_RETRYABLE" : "DATAWORKS_API_PERMANENT", message, init);
    this.name = "DataWorksApiError";
    this.action = init.action;
    this.apiCode = init.apiCode;
    this.status = init.status;
    this.requestId = init.requestId;
  }
}

/** Regions whose DataWorks endpoint has no region in the host name (DataWorks endpoint docs). */
const REGIONLESS = new Set(["cn-huhehaote", "cn-qingdao"]);

export function endpointFor(regionId: string, override?: string): string {
  if (override) return override.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  return REGIONLESS.has(regionId) ? "dataworks.aliyuncs.com" : `dataworks.${regionId}.aliyuncs.com`;
}

export class DataWorksApi {
  private readonly opts: DataWorksApiOptions;
  private readonly clients = new Map<string, SdkClient>();

  constructor(opts: DataWorksApiOptions) {
    this.opts = opts;
  }

  /** Call one operation. Resolves with the JSON body; throws DataWorksApiError. */
  async call(c: ApiCall): Promise<ApiResult> {
    const regionId = c.regionId || this.opts.regionId;
    const client = this.clientFor(regionId);
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.params)) if (v !== undefined && v !== "") fields[k] = String(v);
    const sdk = openApi();
    const params = new sdk.Params({
      action: c.action,
      version: c.version,
      protocol: this.opts.protocol.toUpperCase(),
      pathname: "/",
      method: "POST",
      authType: "AK",
      style: "RPC",
      reqBodyType: "formData",
      bodyType: "json",
    });
    const request = new sdk.OpenApiRequest(c.location === "body" ? { body: fields } : { query: fields });
    const timeout = c.timeoutMs ?? this.opts.timeoutMs;
    // A plain object is what doRequest reads (autoretry, timeouts); tea-util is not our direct dependency.
    const runtime = { autoretry: false, readTimeout: timeout, connectTimeout: timeout } as Parameters<
      SdkClient["callApi"]
    >[2];
    let res: { body?: unknown; statusCode?: number };
    try {
      res = (await client.callApi(params, request, runtime)) as { body?: unknown; statusCode?: number };
    } catch (err) {
      throw this.classify(c.action, err);
    }
    const body = (res.body && typeof res.body === "object" ? res.body : {}) as Record<string, unknown>;
    const requestId = str(body.RequestId) || str(body.requestId) || undefined;
    if (body.Success === false || body.Success === "false") {
      const apiCode = str(body.ErrorCode) || str(body.Code) || "Success.False";
      const throttled = apiCode.startsWith("Throttling");
      throw new DataWorksApiError(
        this.scrub(
          `DataWorks ${c.action} answered Success=false (${apiCode}${body.ErrorMessage ? `: ${str(body.ErrorMessage)}` : ""})` +
            (requestId ? `, request id ${requestId}` : ""),
        ),
        { action: c.action, retryable: throttled, throttled, apiCode, status: res.statusCode, requestId },
      );
    }
    return { body, requestId, status: res.statusCode ?? 200 };
  }

  private clientFor(regionId: string): SdkClient {
    const endpoint = endpointFor(regionId, this.opts.endpoint);
    let client = this.clients.get(endpoint);
    if (!client) {
      const sdk = openApi();
      client = new sdk.default(
        new sdk.Config({
          accessKeyId: this.opts.accessKeyId,
          accessKeySecret: this.opts.accessKeySecret,
          endpoint,
          protocol: this.opts.protocol,
          regionId,
          readTimeout: this.opts.timeoutMs,
          connectTimeout: this.opts.timeoutMs,
        }),
      );
      this.clients.set(endpoint, client);
    }
    return client;
  }

  /** SDK/network error → retry decision. 429 and Throttling.* wait, 5xx and network errors retry, other 4xx do not. */
  private classify(action: string, err: unknown): DataWorksApiError {
    const e = (err ?? {}) as {
      name?: string;
      code?: unknown;
      message?: string;
      statusCode?: number;
      data?: Record<string, unknown>;
    };
    const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
    if (status !== undefined) {
      const apiCode = str(e.data?.Code) || str(e.data?.code) || str(e.code) || `HTTP${status}`;
      const requestId = str(e.data?.RequestId) || str(e.data?.requestId) || undefined;
      const throttled = status === 429 || apiCode.startsWith("Throttling");
      const retryable = throttled || status >= 500;
      const detail = str(e.data?.Message) || str(e.data?.message);
      return new DataWorksApiError(
        this.scrub(
          `DataWorks ${action} failed: HTTP ${status} ${apiCode}${detail ? `: ${detail}` : ""}` +
            (requestId ? ` (request id ${requestId})` : "") +
            (apiCode.startsWith("SignatureDoesNotMatch") || apiCode.startsWith("InvalidAccessKeyId")
              ? "; check dataworks.accessKeyId/accessKeySecret"
              : ""),
        ),
        { action, retryable, throttled, apiCode, status, requestId },
      );
    }
    const message = e.message ?? String(err);
    const timeout = e.name === "RequestTimeoutError" || /timeout/i.test(message);
    const apiCode = timeout ? "Timeout" : e.name === "SyntaxError" ? "InvalidResponse" : str(e.code) || "Network";
    // InvalidCredentials is the SDK's own "no credentials" error: configuration, not weather.
    const retryable = apiCode !== "InvalidCredentials";
    return new DataWorksApiError(this.scrub(`DataWorks ${action} failed: ${apiCode}: ${firstLine(message)}`), {
      action,
      retryable,
      apiCode,
    });
  }

  /** Belt and braces: no code path should echo the secret, but an error text must never carry it. */
  private scrub(text: string): string {
    const s = this.opts.accessKeySecret;
    return s ? text.split(s).join("[redacted]") : text;
  }
}

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? "").slice(0, 300);
}

/** The client from `dataworks.*`; throws a permanent error when no AccessKey is configured. */
export function clientFromConfig(dw: Readonly<Config["dataworks"]>): DataWorksApi {
  if (!dw.accessKeyId || !dw.accessKeySecret)
    throw new DataWorksApiError("dataworks.accessKeyId and dataworks.accessKeySecret are not set", {
      action: "config",
      retryable: false,
      apiCode: "NoCredentials",
    });
  return new DataWorksApi({
    endpoint: dw.endpoint,
    protocol: dw.protocol,
    accessKeyId: dw.accessKeyId,
    accessKeySecret: dw.accessKeySecret,
    regionId: dw.regionId,
    timeoutMs: dw.timeout,
  });
}
