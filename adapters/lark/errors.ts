import { DeliveryError, isEncodingFailure } from "../../src/core/errors.js";

/**
 * What a Lark call can fail with, normalised: the business `code`/`msg` (HTTP 200 or 4xx body), the HTTP status,
 * the `x-ogw-ratelimit-reset` header (seconds), or a transport failure. Never holds a token or URL.
 */
export interface LarkFailure {
  status?: number;
  code?: number;
  msg?: string;
  resetSeconds?: number;
  transport?: string;
  /** The request could not be encoded (thrown before sending): the same card fails again. */
  encoding?: string;
}

/**
 * Throttling signals (open.feishu.cn/document/server-docs/api-call-guide/frequency-control): HTTP 429 (old APIs:
 * 400) with code 99991400 and `x-ogw-ratelimit-reset`; 230020 = per-chat/per-user send limit (5 QPS); 11232 =
 * custom bot limit (100/min, 5/s, custom bot guide).
 */
const THROTTLE_CODES = new Set([99991400, 230020, 11232]);

/** Token rejected: the cache is cleared and the send retried with a fresh one. */
export const TOKEN_CODES = new Set([99991661, 99991663, 99991668]);

/** What to fix, by code (im/v1/message/create error table; custom bot guide for 19xxx). */
const HINTS: Record<number, string> = {
  230001: "the request was rejected as invalid; check the chatId and the card",
  230002: "the bot is not in this chat: add the app's bot to the group (group settings → Bots)",
  230006: "the app has no bot capability: enable Bot under the app's features and publish a version",
  230013: "the bot is not available to this user/chat: widen the app's availability",
  230027: "the app lacks a permission: grant im:message:send_as_bot (or im:message) and publish a version",
  99991672: "the app lacks a permission: grant im:message:send_as_bot (or im:message) and publish a version",
  99991679: "the app lacks a permission: grant im:message:send_as_bot (or im:message) and publish a version",
  230099: "Lark could not build the card",
  230025: "the message is too long",
  10003: "check lark.appId and lark.appSecret",
  10014: "check lark.appId and lark.appSecret",
  19021:
    "the custom bot's signature check failed: set the destination's webhookSecret to the bot's signing secret, and check this server's clock (±1 h)",
  19022: "the custom bot only accepts listed IPs: add this server's egress IP to its IP allow-list",
  19024:
    "the custom bot requires a keyword the message lacks: switch the bot to signature verification or add the keyword to the template",
  9499: "the custom bot rejected the request body",
  19001: "the custom bot webhook is not valid: check the destination's webhook URL",
};

/** Refusals of the card itself (230099 card build failure, 230025 too long): the minimal fallback may pass. */
const BAD_PAYLOAD_CODES = new Set([230099, 230025]);

/** Map a failure to a DeliveryError with the retry decision, naming the destination and the fix. */
export function larkDeliveryError(f: LarkFailure, destination: string, what: string): DeliveryError {
  const base = { adapter: "lark", destination };
  const where = `Lark ${what} to ${destination}`;
  if (f.encoding)
    return new DeliveryError(`${where} could not be encoded: ${f.encoding}`, {
      ...base,
      retryable: false,
      badPayload: true,
    });
  if (f.transport)
    return new DeliveryError(`${where} could not reach Lark: ${f.transport}`, { ...base, retryable: true });
  const code = f.code;
  const platformCode = code !== undefined ? String(code) : f.status ? `http_${f.status}` : undefined;
  if (f.status === 429 || (code !== undefined && THROTTLE_CODES.has(code))) {
    const wait = f.resetSeconds !== undefined && f.resetSeconds >= 0 ? f.resetSeconds : 1;
    return new DeliveryError(`${where} was rate limited (${platformCode}); retrying after ${wait}s`, {
      ...base,
      retryable: true,
      throttled: true,
      retryAfterMs: Math.max(wait * 1000, 250),
      platformCode,
    });
  }
  const detail = f.msg ? `: ${oneLine(f.msg)}` : "";
  if (code !== undefined && TOKEN_CODES.has(code))
    return new DeliveryError(`${where} failed with ${code}${detail} (the access token was refreshed; retrying)`, {
      ...base,
      retryable: true,
      platformCode,
    });
  if (f.status !== undefined && (f.status >= 500 || f.status === 408))
    return new DeliveryError(`${where} failed with HTTP ${f.status}${detail}`, {
      ...base,
      retryable: true,
      platformCode,
    });
  const hint = code !== undefined && HINTS[code] ? ` (${HINTS[code]})` : "";
  return new DeliveryError(`${where} failed: ${platformCode ?? "error"}${detail}${hint}`, {
    ...base,
    retryable: false,
    ...(code !== undefined && BAD_PAYLOAD_CODES.has(code) ? { badPayload: true } : {}),
    platformCode,
  });
}

/** Normalise an axios error (the SDK throws these for non-2xx) or any other thrown value. No URL, no headers. */
export function failureFromThrown(err: unknown): LarkFailure {
  const e = err as {
    isAxiosError?: boolean;
    code?: string;
    message?: string;
    response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
  };
  if (e?.isAxiosError) {
    const timedOut = e.code === "ECONNABORTED" || e.code === "ETIMEDOUT";
    if (!e.response) return { transport: timedOut ? "timed out" : (e.code ?? "request failed") };
    // An answer cut mid-body (axios's "stream has been aborted" holds the status, no data): nothing was said, and
    // the request may have arrived — retried as a transport failure (the uuid keeps it to one message).
    if (e.response.data === undefined) return { transport: timedOut ? "timed out" : "the answer was cut short" };
    const data = (e.response.data ?? {}) as { code?: unknown; msg?: unknown };
    const reset = Number(e.response.headers?.["x-ogw-ratelimit-reset"]);
    return {
      status: e.response.status,
      code: typeof data.code === "number" ? data.code : undefined,
      msg: typeof data.msg === "string" ? data.msg : undefined,
      resetSeconds: Number.isFinite(reset) ? reset : undefined,
    };
  }
  // Thrown while encoding the request (the SDK's JSON.stringify), before anything was sent.
  if (isEncodingFailure(err)) return { encoding: String(e?.message ?? err).split("\n")[0] };
  // The SDK's token manager throws "failed to get tenant_access_token, code: N, msg: …" (no credentials in it).
  const m = /failed to get tenant_access_token, code: (\d+), msg: (.*)$/.exec(String(e?.message ?? ""));
  if (m) return { code: Number(m[1]), msg: `getting the tenant_access_token: ${m[2]}` };
  return { transport: String(e?.message ?? err) };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").slice(0, 300);
