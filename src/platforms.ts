/**
 * The registry of chat platforms: for each, the pure half of its adapter, with no SDK, client or network behind it
 * — its renderers (Message → native payload) and how a configured destination becomes its send target. What
 * `dw-chatops render` and the delivery workers need, loaded in a fraction of the time src/adapters.ts (the other
 * half: create) takes. With src/adapters.ts, the only files in src/ that import adapters/*.
 */
import { consoleTarget, renderConsole } from "../adapters/console/index.js";
import { renderDingTalk, renderDingTalkPayload } from "../adapters/dingtalk/render.js";
import { dingTalkTarget } from "../adapters/dingtalk/target.js";
import { renderLark } from "../adapters/lark/render.js";
import { larkTarget } from "../adapters/lark/target.js";
import { renderSlack } from "../adapters/slack/render.js";
import { slackTarget } from "../adapters/slack/target.js";
import type { DestinationConfig, Platform } from "./config/sections/destinations.js";
import type { Target } from "./core/chat-adapter.js";
import type { Message } from "./core/message.js";

type DestinationOf<P extends Platform> = Extract<DestinationConfig, { platform: P }>;

interface PlatformEntry<P extends Platform> {
  /** The message's native form, as the golden files hold it (DingTalk: its markdown). */
  native(m: Message): unknown;
  /** Exactly what the adapter's render() hands to send/update (DingTalk adds its interactive card data). */
  posted(m: Message): unknown;
  /**
   * The send target of a destination. A property, not a method, so the compiler checks each adapter's own typed
   * destination config against the config schema's strictly (no method bivariance).
   */
  targetFor: (name: string, d: DestinationOf<P>) => Target;
}

const REGISTRY: { readonly [P in Platform]: PlatformEntry<P> } = {
  slack: { native: renderSlack, posted: renderSlack, targetFor: slackTarget },
  lark: { native: renderLark, posted: renderLark, targetFor: larkTarget },
  dingtalk: { native: renderDingTalk, posted: renderDingTalkPayload, targetFor: dingTalkTarget },
  console: { native: renderConsole, posted: renderConsole, targetFor: consoleTarget },
};

function renderers(platform: string): Pick<PlatformEntry<Platform>, "native" | "posted"> | undefined {
  return Object.hasOwn(REGISTRY, platform) ? REGISTRY[platform as Platform] : undefined;
}

/** The message's native form on a platform (DingTalk: its markdown), as the golden files hold it. */
export function rendererFor(platform: string): ((m: Message) => unknown) | undefined {
  return renderers(platform)?.native;
}

/** Exactly what the platform's adapter render() hands to send/update (DingTalk adds its interactive card data). */
export function postedRendererFor(platform: string): ((m: Message) => unknown) | undefined {
  return renderers(platform)?.posted;
}

/** The send target of a configured destination, built by its platform's adapter. */
export function targetFor(name: string, d: DestinationConfig): Target {
  return targetOn(d.platform, name, d);
}

// Generic in the platform so the compiler pairs each adapter's targetFor with its own destinations (no cast).
function targetOn<P extends Platform>(platform: P, name: string, d: DestinationOf<P>): Target {
  return REGISTRY[platform].targetFor(name, d);
}
