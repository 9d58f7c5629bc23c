/**
 * The only file in src/ that imports ../adapters/*: builds one ChatAdapter per configured platform.
 */
import { type ConsoleAdapterDeps, createConsoleAdapter } from "../adapters/console/index.js";
import { createDingTalkAdapter } from "../adapters/dingtalk/index.js";
import { createLarkAdapter } from "../adapters/lark/index.js";
import { createSlackAdapter } from "../adapters/slack/index.js";
import type { Config } from "./config/schema.js";
import type { ChatAdapter, FirstSeen } from "./core/chat-adapter.js";

export interface AdapterDeps {
  console?: ConsoleAdapterDeps;
  /** Failures after a platform was answered (Lark/DingTalk command replies), for the logger. */
  onError?: (err: unknown, what: string) => void;
  /** Replay guard for signed callbacks, shared by every instance (Redis). */
  firstSeen?: FirstSeen;
}

export function createAdapters(config: Readonly<Config>, deps: AdapterDeps = {}): ReadonlyMap<string, ChatAdapter> {
  const adapters = new Map<string, ChatAdapter>();
  const platforms = new Set(Object.values(config.destinations).map((d) => d.platform));
  if (config.slack)
    adapters.set(
      "slack",
      createSlackAdapter({
        ...config.slack,
        command: config.commands.slashCommand,
        onError: deps.onError,
        firstSeen: deps.firstSeen,
      }) as ChatAdapter,
    );
  // Custom-bot (webhook) destinations need no app section; the adapter exists whenever one is configured.
  if (config.lark || platforms.has("lark"))
    adapters.set(
      "lark",
      createLarkAdapter({
        app: config.lark,
        timeoutMs: config.lark?.timeoutMs ?? 10_000,
        onError: deps.onError,
        firstSeen: deps.firstSeen,
      }) as ChatAdapter,
    );
  if (config.dingtalk || platforms.has("dingtalk"))
    adapters.set(
      "dingtalk",
      createDingTalkAdapter({
        app: config.dingtalk,
        timeoutMs: config.dingtalk?.timeoutMs ?? 10_000,
        onError: deps.onError,
      }) as ChatAdapter,
    );
  if (platforms.has("console")) adapters.set("console", createConsoleAdapter(deps.console) as ChatAdapter);
  return adapters;
}
