import { createHmac } from "node:crypto";
import type { DeliveryError } from "../../src/core/errors.js";
import { type JsonAnswer, jsonRequest, RequestFailure } from "../../src/core/json-request.js";
import { fitCard } from "./card-size.js";
import { type LarkFailure, larkDeliveryError } from "./errors.js";
import { ACTION_ELEMENT_PREFIX, LARK_LIMITS, type LarkCard } from "./render.js";

/**
 * Custom bot signature (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, "签名校验"):
 * sign = base64(HMAC-SHA256(key = `${timestamp}\n${secret}`, message = "")), timestamp in SECONDS, both sent in
 * the JSON body. Lark rejects a timestamp more than 1 hour from its clock with code 19021.
 */
export function larkWebhookSign(secret: string, timestampSec: number): string {
  return createHmac("sha256", `${timestampSec}\n${secret}`).update("").digest("base64");
}

export interface LarkWebhookTarget {
  url: string;
  secret?: string;
}

/**
 * The body for a custom bot: callback buttons are dropped (custom bots cannot receive clicks) and the card is
 * cut to the custom bot's 20 KB body limit.
 */
export function webhookBody(card: LarkCard, secret: string | undefined, nowMs: number): Record<string, unknown> {
  const elements = card.body.elements.filter(
    (e) => !(typeof e.element_id === "string" && e.element_id.startsWith(ACTION_ELEMENT_PREFIX)),
  );
  const auth = secret ? signature(secret, nowMs) : {};
  // Room for the envelope (msg_type, timestamp, sign) around the card.
  const budget = LARK_LIMITS.webhookBodyBytes - 200;
  const fitted = fitCard({ ...card, body: { elements } }, budget);
  return { ...auth, msg_type: "interactive", card: fitted };
}

function signature(secret: string, nowMs: number) {
  const timestamp = Math.floor(nowMs / 1000);
  return { timestamp: String(timestamp), sign: larkWebhookSign(secret, timestamp) };
}

/**
 * POST to the custom bot (src/core/json-request.ts: Node's own HTTP client, a redirect not followed). Errors name the
 * destination, never the URL (its path is the credential).
 */
export async function sendLarkWebhook(
  t: LarkWebhookTarget,
  card: LarkCard,
  o: { destination: string; timeoutMs: number; now: () => number; signal?: AbortSignal },
): Promise<void> {
  let encoded: string;
  try {
    encoded = JSON.stringify(webhookBody(card, t.secret, o.now()));
  } catch (err) {
    // Not a transport failure: the same card fails again.
    throw fail({ encoding: String((err as Error)?.message ?? err).split("\n")[0] }, o.destination);
  }
  let res: JsonAnswer;
  try {
    res = await jsonRequest(t.url, encoded, { method: "POST", timeoutMs: o.timeoutMs, signal: o.signal });
  } catch (err) {
    throw fail({ transport: err instanceof RequestFailure ? err.kind : "connection failed" }, o.destination);
  }
  const text = res.text ?? "";
  let body: { code?: unknown; msg?: unknown; StatusCode?: unknown; StatusMessage?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(text);
    // JSON that is not an object (`null`, a number) says as little as an HTML page: judged by status alone too.
    if (typeof parsed === "object" && parsed !== null) body = parsed as typeof body;
  } catch {
    // A proxy's HTML error page: judge by status alone.
  }
  // Newer answers use {code,msg}; older ones {StatusCode,StatusMessage} (both seen in the custom bot guide).
  const code = typeof body.code === "number" ? body.code : typeof body.StatusCode === "number" ? body.StatusCode : 0;
  const msg =
    typeof body.msg === "string" ? body.msg : typeof body.StatusMessage === "string" ? body.StatusMessage : "";
  const known = typeof body.code === "number" || typeof body.StatusCode === "number";
  const reset = Number(res.header("x-ogw-ratelimit-reset") ?? Number.NaN);
  if (res.ok && known && code === 0) return;
  if (res.ok && !known) throw fail({ transport: "unexpected answer (not a Lark response)" }, o.destination);
  throw fail(
    {
      status: res.ok ? undefined : res.status,
      code: code || undefined,
      msg,
      resetSeconds: Number.isFinite(reset) ? reset : undefined,
    },
    o.destination,
  );
}

const fail = (f: LarkFailure, destination: string): DeliveryError =>
  larkDeliveryError(f, destination, "custom bot webhook");
