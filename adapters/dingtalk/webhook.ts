import { createHmac } from "node:crypto";
import { dingTalkDeliveryError } from "./errors.js";
import { isFailure, requestJson } from "./http.js";
import { DINGTALK_LIMITS, type DingTalkPayload, fitMarkdown } from "./render.js";

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
  /** 自定义关键词 security: a keyword of the robot, placed in every message. */
  keyword?: string;
}

/**
 * A robot secured by custom keywords (自定义关键词) accepts a message only if its content contains one of them
 * (up to 10 per robot; otherwise errcode 310000 "keywords not in content";
 * open.dingtalk.com/document/robots/customize-robot-security-settings). The configured keyword is written
 * verbatim (not neutralised: it must match exactly) on a last line of the markdown text, unless the text already
 * holds it; the text is cut further when the line would push it past the 20,000-byte limit.
 */
export function withKeyword(text: string, keyword: string | undefined): string {
  if (!keyword || text.includes(keyword)) return text;
  const line = `\n\n${keyword}`;
  return fitMarkdown(text, DINGTALK_LIMITS.textBytes - Buffer.byteLength(line)) + line;
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
  const body = { msgtype: "markdown", markdown: { title: p.title, text: withKeyword(p.text, r.keyword) }, at: p.at };
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
