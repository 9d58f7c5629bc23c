import { DeliveryError } from "../../src/core/errors.js";

/** A DingTalk failure, normalised; never holds a token, secret or URL. */
export interface DingTalkFailure {
  status?: number;
  /** Webhook `errcode` (number) or OpenAPI `code` (string). */
  code?: string;
  message?: string;
  transport?: string;
  /** The request body could not be encoded (thrown before sending): the same message fails again. */
  encoding?: string;
}

/**
 * Custom robot: 20 messages/min per robot, then the robot is throttled for 10 minutes, answered as HTTP 200
 * {errcode:130101,"send too fast, exceed 20 times per minute"} (custom robot access doc, §限制).
 */
export const WEBHOOK_BAN_MS = 10 * 60_000;
/** OpenAPI QPS limits carry no Retry-After; quotas are per second, so one second is the natural wait. */
export const QPS_WAIT_MS = 1_000;

const OPENAPI_THROTTLE = new Set([
  "Forbidden.AccessDenied.QpsLimitForApi",
  "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
  "90018",
]);

/** What to fix, by code (custom robot doc for errcodes; robot groupMessages/send error table for OpenAPI codes). */
function hint(f: DingTalkFailure): string {
  const code = f.code ?? "";
  const msg = f.message ?? "";
  if (code === "310000") {
    if (/sign/i.test(msg))
      return "the robot's signature check failed: set the destination's secret to the robot's SEC… signing secret, and check this server's clock (±1 h)";
    if (/keyword/i.test(msg))
      return "the robot requires a keyword the message lacks: set the destination's keyword to one of the robot's keywords (or secure the robot by signing and set secret)";
    if (/ip/i.test(msg)) return "the robot only accepts listed IPs: add this server's egress IP to its allow-list";
    return "the robot's security settings (keyword, signature or IP allow-list) rejected the message";
  }
  if (code === "300001" || code === "300005" || code === "400101")
    return "the robot's access token is wrong or the robot was removed: check the destination's accessToken";
  if (code === "400102") return "the robot has been disabled in the group: re-enable it";
  if (code === "invalid.openConversationId" || code === "openConversationId.notExisted")
    return "check the destination's conversationId (openConversationId, cid…)";
  if (code.startsWith("invalidParameter.robotCode"))
    return "the robot is not in this group or robotCode is wrong: add the app's robot to the group and check dingtalk.robotCode";
  if (code === "bot.stopped") return "the app robot has been disabled in this group";
  if (code.startsWith("Forbidden.AccessDenied"))
    return "the app lacks a permission: grant 企业内机器人发送消息权限 (qyapi_robot_sendmsg) and publish";
  if (f.status === 401 || /InvalidAuthentication|authFailed|invalidClient|appkey|secret/i.test(code))
    return "check dingtalk.clientId and dingtalk.clientSecret";
  return "";
}

export function dingTalkDeliveryError(f: DingTalkFailure, destination: string, what: string): DeliveryError {
  const base = { adapter: "dingtalk", destination };
  const where = `DingTalk ${what} to ${destination}`;
  if (f.encoding)
    return new DeliveryError(`${where} could not be encoded: ${f.encoding}`, {
      ...base,
      retryable: false,
      badPayload: true,
    });
  if (f.transport)
    return new DeliveryError(`${where} could not reach DingTalk: ${f.transport}`, { ...base, retryable: true });
  const platformCode = f.code ?? (f.status ? `http_${f.status}` : undefined);
  if (f.code === "130101")
    return new DeliveryError(
      `${where} was throttled (130101: over 20 messages/min; DingTalk blocks the robot for 10 minutes); retrying after the ban`,
      { ...base, retryable: true, throttled: true, retryAfterMs: WEBHOOK_BAN_MS, platformCode },
    );
  if ((f.code && OPENAPI_THROTTLE.has(f.code)) || f.status === 429)
    return new DeliveryError(`${where} was rate limited (${platformCode}); retrying after ${QPS_WAIT_MS / 1000}s`, {
      ...base,
      retryable: true,
      throttled: true,
      retryAfterMs: QPS_WAIT_MS,
      platformCode,
    });
  const detail = f.message ? `: ${f.message.replace(/\s+/g, " ").slice(0, 300)}` : "";
  if (f.status !== undefined && (f.status >= 500 || f.status === 408))
    return new DeliveryError(`${where} failed with HTTP ${f.status}${detail}`, {
      ...base,
      retryable: true,
      platformCode,
    });
  const h = hint(f);
  return new DeliveryError(`${where} failed: ${platformCode ?? "error"}${detail}${h ? ` (${h})` : ""}`, {
    ...base,
    retryable: false,
    platformCode,
  });
}
