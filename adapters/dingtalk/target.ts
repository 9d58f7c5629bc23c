import type { Target } from "../../src/core/chat-adapter.js";
import { hookAddress } from "../../src/core/hook-address.js";
import type { DingTalkRobot } from "./webhook.js";

/**
 * A `platform: dingtalk` destination as configured: an app robot conversation (conversationId) or a custom robot
 * (accessToken, secret, keyword, webhookUrl).
 */
export interface DingTalkDestination {
  conversationId?: string;
  accessToken?: string;
  secret?: string;
  keyword?: string;
  webhookUrl?: string;
}

/** Where a DingTalk message goes: a group through the app robot, or a custom robot's webhook. */
export type DingTalkTarget = Target & ({ mode: "app" } | { mode: "webhook"; robot: DingTalkRobot });

/** A custom robot's address is a hash of its access token, so it can name a rate limit in Redis. */
export function dingTalkTarget(name: string, d: DingTalkDestination): DingTalkTarget {
  if (d.conversationId) return { destination: name, address: d.conversationId, mode: "app" };
  const accessToken = d.accessToken ?? "";
  return {
    destination: name,
    address: hookAddress(accessToken),
    mode: "webhook",
    robot: {
      webhookUrl: d.webhookUrl ?? "https://oapi.dingtalk.com/robot/send",
      accessToken,
      secret: d.secret || undefined,
      keyword: d.keyword || undefined,
    },
  };
}
