import type { DestinationConfig } from "../config/sections/destinations.js";
import type { Target } from "../core/chat-adapter.js";

/** The platform address of a configured destination. */
export function targetFor(name: string, d: DestinationConfig): Target {
  switch (d.platform) {
    case "slack":
      return { destination: name, address: d.channel };
    case "lark":
      return d.chatId
        ? { destination: name, address: d.chatId, options: { mode: "app" } }
        : {
            destination: name,
            address: name,
            options: { mode: "webhook", webhook: d.webhook, secret: d.webhookSecret },
          };
    case "dingtalk":
      return d.conversationId
        ? { destination: name, address: d.conversationId, options: { mode: "app" } }
        : {
            destination: name,
            address: name,
            options: {
              mode: "webhook",
              accessToken: d.accessToken,
              secret: d.secret,
              webhookUrl: d.webhookUrl,
              keyword: d.keyword,
            },
          };
    case "console":
      return { destination: name, address: name };
  }
}
