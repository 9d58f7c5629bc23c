/**
 * The only file in src/ besides src/platforms.ts (their pure half) that imports ../adapters/*: how each platform's
 * adapter is created from the config. One entry per platform; the compiler refuses a platform without one.
 */
import { type ConsoleAdapterDeps, createConsoleAdapter } from "../adapters/console/index.js";
import { createDingTalkAdapter } from "../adapters/dingtalk/index.js";
import { createLarkAdapter } from "../adapters/lark/index.js";
import { createSlackAdapter } from "../adapters/slack/index.js";
import type { Platform } from "./config/sections/destinations.js";
import { DEFAULT_TIMEOUT_MS } from "./config/sections/platforms.js";
import type { Config } from "./config/schema.js";
import type { ChatAdapter, FirstSeen } from "./core/chat-adapter.js";

export interface AdapterDeps {
  console?: ConsoleAdapterDeps;
  /** Failures after a platform was answered (Lark/DingTalk command replies), for the logger. */
  onError?: (err: unknown, what: string) => void;
  /** Replay guard for signed callbacks, shared by every instance (Redis). */
  firstSeen?: FirstSeen;
}

/** The platform's adapter, or undefined when the config neither sets it up nor has a destination on it. */
type Create = (config: Readonly<Config>, deps: AdapterDeps, hasDestinations: boolean) => ChatAdapter | undefined;

/** Lark and DingTalk custom-bot (webhook) destinations need no app section: the adapter exists with or without it. */
function appOrRobots<App extends { timeoutMs?: number }>(app: App | undefined, deps: AdapterDeps) {
  return { app, timeoutMs: app?.timeoutMs ?? DEFAULT_TIMEOUT_MS, onError: deps.onError };
}

const CREATE: { readonly [P in Platform]: Create } = {
  slack: (config, deps) =>
    config.slack &&
    createSlackAdapter({
      ...config.slack,
      command: config.commands.slashCommand,
      onError: deps.onError,
      firstSeen: deps.firstSeen,
    }),
  lark: (config, deps, hasDestinations) =>
    config.lark || hasDestinations
      ? createLarkAdapter({ ...appOrRobots(config.lark, deps), firstSeen: deps.firstSeen })
      : undefined,
  dingtalk: (config, deps, hasDestinations) =>
    config.dingtalk || hasDestinations ? createDingTalkAdapter(appOrRobots(config.dingtalk, deps)) : undefined,
  console: (_config, deps, hasDestinations) => (hasDestinations ? createConsoleAdapter(deps.console) : undefined),
};

export function createAdapters(config: Readonly<Config>, deps: AdapterDeps = {}): ReadonlyMap<string, ChatAdapter> {
  const adapters = new Map<string, ChatAdapter>();
  const platforms = new Set<string>(Object.values(config.destinations).map((d) => d.platform));
  for (const [platform, create] of Object.entries(CREATE)) {
    const adapter = create(config, deps, platforms.has(platform));
    if (adapter) adapters.set(platform, adapter);
  }
  return adapters;
}
