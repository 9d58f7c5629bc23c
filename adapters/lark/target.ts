import type { Target } from "../../src/core/chat-adapter.js";
import { hookAddress } from "../../src/core/hook-address.js";
import type { LarkWebhookTarget } from "./webhook.js";

/** A `platform: lark` destination as configured: an app bot chat (chatId) or a custom bot (webhook, webhookSecret). */
export interface LarkDestination {
  chatId?: string;
  webhook?: string;
  webhookSecret?: string;
}

/** Where a Lark message goes: a chat through the app bot, or a custom bot's signed webhook. */
export type LarkTarget = Target & ({ mode: "app" } | { mode: "webhook"; webhook: LarkWebhookTarget });

/** A custom bot's address is a hash of its URL (which holds its token), so it can name a rate limit in Redis. */
export function larkTarget(name: string, d: LarkDestination): LarkTarget {
  if (d.chatId) return { destination: name, address: d.chatId, mode: "app" };
  const url = d.webhook ?? "";
  return {
    destination: name,
    address: hookAddress(url),
    mode: "webhook",
    webhook: { url, secret: d.webhookSecret || undefined },
  };
}
