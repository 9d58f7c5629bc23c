/**
 * The pure renderers of each platform (Message → native payload), with no SDK, client or network behind them:
 * what `dw-chatops render` needs, loaded in a fraction of the time src/adapters.ts takes. With src/adapters.ts,
 * the only files in src/ that import adapters/*.
 */
import { renderConsole } from "../adapters/console/index.js";
import { renderDingTalk, renderDingTalkPayload } from "../adapters/dingtalk/render.js";
import { renderLark } from "../adapters/lark/render.js";
import { renderSlack } from "../adapters/slack/render.js";
import type { Message } from "./core/message.js";

export const PLATFORMS = ["slack", "lark", "dingtalk", "console"] as const;

/** The message's native form on a platform (DingTalk: its markdown), as the golden files hold it. */
export function rendererFor(platform: string): ((m: Message) => unknown) | undefined {
  switch (platform) {
    case "slack":
      return renderSlack;
    case "lark":
      return renderLark;
    case "dingtalk":
      return renderDingTalk;
    case "console":
      return renderConsole;
    default:
      return undefined;
  }
}

/** Exactly what the platform's adapter render() hands to send/update (DingTalk adds its interactive card data). */
export function postedRendererFor(platform: string): ((m: Message) => unknown) | undefined {
  return platform === "dingtalk" ? renderDingTalkPayload : rendererFor(platform);
}
