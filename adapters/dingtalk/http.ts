import type { DingTalkFailure } from "./errors.js";

export interface JsonResult {
  status: number;
  body: Record<string, unknown>;
}

/**
 * One JSON request with a timeout. Transport failures come back as a DingTalkFailure naming only the kind of
 * failure: fetch's own errors can quote the URL, which holds the webhook access_token.
 */
export async function requestJson(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: unknown },
  o: { timeoutMs: number; signal?: AbortSignal },
): Promise<JsonResult | DingTalkFailure> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: { "content-type": "application/json; charset=utf-8", accept: "application/json", ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.any([AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])]),
    });
  } catch (err) {
    return { transport: (err as Error)?.name === "TimeoutError" ? "timed out" : "connection failed" };
  }
  const text = await res.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null) {
    // A proxy's HTML page or an empty answer: only the status says anything.
    return res.ok ? { transport: "unexpected answer (not JSON)" } : { status: res.status };
  }
  return { status: res.status, body: body as Record<string, unknown> };
}

export const isFailure = (r: JsonResult | DingTalkFailure): r is DingTalkFailure => !("body" in r);
