import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { limitAddress } from "../../../src/outbox/policy.js";

const sha16 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);
const LARK_HOOK = "https://open.feishu.cn/open-apis/bot/v2/hook/tok-123";

describe("limitAddress: where a destination's messages land, as the platform counts them", () => {
  const config = parseConfig(
    {
      slack: { token: "xoxb-1" },
      lark: { appId: "cli_1", appSecret: "s" },
      dingtalk: { clientId: "dingabc", clientSecret: "s", robotCode: "dingabc" },
      destinations: {
        s1: { platform: "slack", channel: "C1" },
        s2: { platform: "slack", channel: "C1" },
        chat: { platform: "lark", chatId: "oc_1" },
        hookA: { platform: "lark", webhook: LARK_HOOK, webhookSecret: "lark-sec" },
        hookB: { platform: "lark", webhook: LARK_HOOK },
        robotA: { platform: "dingtalk", accessToken: "ding-token", secret: "SEC1" },
        robotB: { platform: "dingtalk", accessToken: "ding-token", keyword: "告警" },
        group: { platform: "dingtalk", conversationId: "cid1==" },
        term: { platform: "console" },
      },
    },
    {},
  );
  const at = (d: string) => limitAddress(config, d);

  it("is the chat for app bots and channels; destinations naming the same one share it", () => {
    expect([at("s1"), at("s2"), at("chat"), at("group")]).toEqual([
      "slack.C1",
      "slack.C1",
      "lark.oc_1",
      "dingtalk.cid1==",
    ]);
  });

  it("is a hash of a custom robot's credential, never the credential", () => {
    expect(at("hookA")).toBe(`lark.hook.${sha16(LARK_HOOK)}`);
    expect(at("hookB")).toBe(at("hookA"));
    expect(at("robotA")).toBe(`dingtalk.hook.${sha16("ding-token")}`);
    expect(at("robotB")).toBe(at("robotA"));
    for (const d of ["hookA", "robotA"]) expect(at(d)).not.toMatch(/tok-123|ding-token|sec/i);
  });

  it("is the destination itself for the console and an unknown name", () => {
    expect([at("term"), at("nope")]).toEqual(["dest.term", "dest.nope"]);
  });
});
