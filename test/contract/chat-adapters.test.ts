/**
 * Every adapter (Slack, Lark app bot and custom bot, DingTalk app robot and custom robot, the console) passes the
 * one ChatAdapter contract (chat-adapter.contract.ts) against its fake, with targets built by the platform registry.
 */
import { afterAll, beforeAll } from "vitest";
import { createConsoleAdapter } from "../../adapters/console/index.js";
import { createDingTalkAdapter } from "../../adapters/dingtalk/index.js";
import { createLarkAdapter } from "../../adapters/lark/index.js";
import { createSlackAdapter } from "../../adapters/slack/index.js";
import { destinationSchema } from "../../src/config/sections/destinations.js";
import type { MessageRef } from "../../src/core/chat-adapter.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { chatAdapterContract } from "./chat-adapter.contract.js";

const SLACK_TOKEN = "xoxb-contract-token";
const LARK = { appId: "cli_0123456789abcdef", appSecret: "lark-contract-secret" };
const LARK_HOOK_SECRET = "lark-hook-secret";
const DING = { clientId: "dingcontract01", clientSecret: "ding-contract-secret" };
const DING_TOKEN = "ding-robot-token-xyz";

const slack = new FakeSlack({ token: SLACK_TOKEN, channels: ["C0CONTRACT"] });
const lark = new FakeLark({ ...LARK, chats: ["oc_contract"], hooks: { h: { secret: LARK_HOOK_SECRET } } });
const ding = new FakeDingTalk({
  appKey: DING.clientId,
  appSecret: DING.clientSecret,
  robotCode: DING.clientId,
  conversations: ["cidContract=="],
  robots: { [DING_TOKEN]: { secret: "SECcontract" } },
});
beforeAll(() => Promise.all([slack.start(), lark.start(), ding.start()]));
afterAll(() => Promise.all([slack.stop(), lark.stop(), ding.stop()]));

const TIMEOUT = 2_000;

chatAdapterContract({
  title: "slack",
  destination: () => destinationSchema.parse({ platform: "slack", channel: "C0CONTRACT" }),
  adapter: () => createSlackAdapter({ token: SLACK_TOKEN, apiUrl: slack.apiUrl, timeoutMs: TIMEOUT }),
  delivered: () => slack.messages.filter((m) => m.channel === "C0CONTRACT").length,
  updates: (ref) => slack.messages.find((m) => m.ts === ref.ids.ts)?.updates ?? 0,
  failNext: { throttle: () => slack.script.push({ rateLimit: 1 }), outage: () => slack.script.push({ status: 503 }) },
  secret: SLACK_TOKEN,
});

const larkApp = () => createLarkAdapter({ app: { ...LARK, domain: lark.url }, timeoutMs: TIMEOUT });
const larkFailures = {
  throttle: () => lark.script.push({ rateLimit: 1 }),
  outage: () => lark.script.push({ status: 503 }),
};

chatAdapterContract({
  title: "lark (app bot)",
  destination: () => destinationSchema.parse({ platform: "lark", chatId: "oc_contract" }),
  adapter: larkApp,
  delivered: () => lark.messages.filter((m) => m.via === "app" && m.chat_id === "oc_contract").length,
  updates: (ref) => lark.messages.find((m) => m.message_id === ref.ids.message_id)?.updates ?? 0,
  failNext: larkFailures,
  secret: LARK.appSecret,
});

chatAdapterContract({
  title: "lark (custom bot)",
  destination: () =>
    destinationSchema.parse({
      platform: "lark",
      webhook: lark.hookUrl("h"),
      webhookSecret: LARK_HOOK_SECRET,
    }),
  adapter: () => createLarkAdapter({ timeoutMs: TIMEOUT }),
  delivered: () => lark.messages.filter((m) => m.via === "h").length,
  failNext: larkFailures,
  secret: LARK_HOOK_SECRET,
});

const dingApp = () => createDingTalkAdapter({ app: { ...DING, apiUrl: ding.url }, timeoutMs: TIMEOUT });

chatAdapterContract({
  title: "dingtalk (app robot)",
  destination: () => destinationSchema.parse({ platform: "dingtalk", conversationId: "cidContract==" }),
  adapter: dingApp,
  delivered: () => ding.messages.filter((m) => m.to === "cidContract==").length,
  failNext: { throttle: () => ding.script.push({ qpsLimit: true }), outage: () => ding.script.push({ status: 503 }) },
  secret: DING.clientSecret,
});

chatAdapterContract({
  title: "dingtalk (custom robot)",
  destination: () =>
    destinationSchema.parse({
      platform: "dingtalk",
      accessToken: DING_TOKEN,
      secret: "SECcontract",
      webhookUrl: ding.webhookUrl,
    }),
  adapter: () => createDingTalkAdapter({ timeoutMs: TIMEOUT }),
  delivered: () => ding.messages.filter((m) => m.to === `robot:${DING_TOKEN}`).length,
  failNext: {
    throttle: () => ding.script.push({ errcode: 130101, errmsg: "send too fast" }),
    outage: () => ding.script.push({ status: 503 }),
  },
  secret: DING_TOKEN,
});

const printed: string[] = [];
const consoleUpdates = new Map<string, number>();
chatAdapterContract({
  title: "console",
  destination: () => destinationSchema.parse({ platform: "console" }),
  adapter: () =>
    createConsoleAdapter({
      print: (t) => printed.push(t),
      onMessage: (ref: MessageRef, _p, kind) => {
        if (kind === "update") consoleUpdates.set(ref.ids.id ?? "", (consoleUpdates.get(ref.ids.id ?? "") ?? 0) + 1);
      },
    }),
  delivered: () => printed.filter((t) => t.startsWith("── contract-dest ──")).length,
  updates: (ref) => consoleUpdates.get(ref.ids.id ?? "") ?? 0,
});
