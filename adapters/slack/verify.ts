import { isValidSlackRequest } from "@slack/bolt";
import type { RawRequest } from "../../src/core/chat-adapter.js";

const WINDOW_S = 300;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

function header(req: RawRequest, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/**
 * Slack's v0 signature over the raw body (Bolt's constant-time check), plus a 5-minute window in BOTH
 * directions: Bolt only rejects stale timestamps, and a future one would extend a replay's life.
 */
export function verifySlackRequest(
  req: RawRequest,
  signingSecret: string,
  nowMs: number,
): { ok: true } | { ok: false; reason: string } {
  const sig = header(req, "x-slack-signature");
  const ts = Number(header(req, "x-slack-request-timestamp"));
  if (!sig || !Number.isFinite(ts))
    return { ok: false, reason: "missing x-slack-signature or x-slack-request-timestamp" };
  // Exactly Slack's form: Bolt reads only the first two "="-separated parts, so "v0=<hex>=x" would verify too
  // and, as a different header, slip past the replay guard that keys on it.
  if (!SIGNATURE.test(sig)) return { ok: false, reason: 'x-slack-signature is not "v0=" and 64 hex digits' };
  if (Math.abs(nowMs / 1000 - ts) > WINDOW_S)
    return { ok: false, reason: "x-slack-request-timestamp is more than 5 minutes away from now" };
  const ok = isValidSlackRequest({
    signingSecret,
    body: req.rawBody.toString("utf8"),
    headers: { "x-slack-signature": sig, "x-slack-request-timestamp": ts },
    nowMilliseconds: nowMs,
  });
  return ok ? { ok: true } : { ok: false, reason: "x-slack-signature does not match (check slack.signingSecret)" };
}
