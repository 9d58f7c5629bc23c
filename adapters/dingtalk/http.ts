import { type JsonAnswer, jsonRequest, RequestFailure } from "../../src/core/json-request.js";
import type { DingTalkFailure } from "./errors.js";

export interface JsonResult {
  status: number;
  body: Record<string, unknown>;
}

/**
 * One JSON request with a timeout (src/core/json-request.ts: Node's own HTTP client, a redirect not followed).
 * Transport failures come back as a DingTalkFailure naming only the kind of failure: the URL holds the webhook
 * access_token.
 */
export async function requestJson(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: unknown },
  o: { timeoutMs: number; signal?: AbortSignal },
): Promise<JsonResult | DingTalkFailure> {
  let body: string | undefined;
  try {
    body = init.body === undefined ? undefined : JSON.stringify(init.body);
  } catch (err) {
    // Not a transport failure: the same body fails again (a cycle, a BigInt).
    return { encoding: String((err as Error)?.message ?? err).split("\n")[0] };
  }
  let res: JsonAnswer;
  try {
    res = await jsonRequest(url, body, {
      method: init.method,
      headers: { accept: "application/json", ...init.headers },
      timeoutMs: o.timeoutMs,
      signal: o.signal,
    });
  } catch (err) {
    return { transport: err instanceof RequestFailure ? err.kind : "connection failed" };
  }
  const text = res.text ?? "";
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (typeof answer !== "object" || answer === null) {
    // A proxy's HTML page or an empty answer: only the status says anything.
    return res.ok ? { transport: "unexpected answer (not JSON)" } : { status: res.status };
  }
  return { status: res.status, body: answer as Record<string, unknown> };
}

export const isFailure = (r: JsonResult | DingTalkFailure): r is DingTalkFailure => !("body" in r);
