import { createHmac } from "node:crypto";
import { dingTalkDeliveryError } from "./errors.js";
import { isFailure, requestJson } from "./http.js";
import type { DingTalkPayload } from "./render.js";

/**
 * Custom robot 加签 (open.dingtalk.com/document/robots/customize-robot-security-settings):
 * sign = base64(HMAC-SHA256(key = secret, message = `${timestamp}\n${secret}`)), timestamp in MILLISECONDS,
 * both as query parameters (sign URL-encoded). DingTalk accepts a timestamp within 1 hour of its clock.
 */
export function dingTalkSign(secret: string, timestampMs: number): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`).digest("base64");
}

export interface DingTalkRobot {
  /** Base URL of robot/send (default https://oapi.dingtalk.com/robot/send). */
  webhookUrl: string;
  accessToken: string;
  secret?: string;
}

export function robotUrl(r: DingTalkRobot, nowMs: number): string {
  const q = new URLSearchParams({ access_token: r.accessToken });
  if (r.secret) {
    q.set("timestamp", String(nowMs));
    q.set("sign", dingTalkSign(r.secret, nowMs));
  }
  return `${r.webhookUrl}?${q}`;
}

/** POST a markdown message to a custom robot. DingTalk answers HTTP 200 even on failure: errcode decides. */
export async function sendRobotMarkdown(
  r: DingTalkRobot,
  p: DingTalkPayload,
  o: { destination: string; timeoutMs: number; now: () => number; signal?: AbortSignal },
): Promise<void> {
  const body = { msgtype: "markdown", markdown: { title: p.title, text: p.text }, at: p.at };
  const res = await requestJson(robotUrl(r, o.now()), { method: "POST", body }, o);
  const what = "custom robot webhook";
  if (isFailure(res)) throw dingTalkDeliveryError(res, o.destination, what);
  const errcode = res.body.errcode;
  if (res.status === 200 && errcode === 0) return;
  throw dingTalkDeliveryError(
    {
      status: res.status === 200 ? undefined : res.status,
      code: errcode === undefined ? undefined : String(errcode),
      message: typeof res.body.errmsg === "string" ? res.body.errmsg : undefined,
    },
    o.destination,
    what,
  );
}
