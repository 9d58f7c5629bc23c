import { describe, expect, it } from "vitest";
import { configProblems as problems } from "../helpers/config-problems.js";

const route = (destinations: string[]) => ({
  routes: [{ name: "prod", destinations, approvers: { users: { lark: ["ou_a"], dingtalk: ["staff_a"] } } }],
});

/** Approval routes must point at transports that can receive clicks, with what verifying them needs. */
describe("config: approval routes on Lark and DingTalk", () => {
  it("refuses custom bots/robots as approval destinations", () => {
    const p = problems({
      destinations: {
        larkHook: { platform: "lark", webhook: "https://open.feishu.cn/open-apis/bot/v2/hook/x" },
        dingRobot: { platform: "dingtalk", accessToken: "tok" },
      },
      approvals: route(["larkHook", "dingRobot"]),
    });
    expect(p).toContainEqual(expect.stringContaining('"larkHook" is a Lark custom bot'));
    expect(p).toContainEqual(
      expect.stringContaining('"dingRobot" is a DingTalk custom robot, which cannot do approvals'),
    );
  });

  it("needs lark.encryptKey and dingtalk.cardTemplateId (and Stream) for app destinations", () => {
    const p = problems({
      lark: { appId: "cli_x", appSecret: "s" },
      dingtalk: { clientId: "c", clientSecret: "s", stream: false, cardTemplateId: "t" },
      destinations: {
        l: { platform: "lark", chatId: "oc_1" },
        l2: { platform: "lark", chatId: "oc_2" },
        d: { platform: "dingtalk", conversationId: "cid1" },
      },
      approvals: route(["l", "l2", "d"]),
    });
    expect(p.filter((x) => x.startsWith("lark.encryptKey"))).toHaveLength(2);
    expect(p).toContainEqual(expect.stringContaining("dingtalk.stream: approvals on DingTalk"));
    const noTemplate = problems({
      dingtalk: { clientId: "c", clientSecret: "s" },
      destinations: { d: { platform: "dingtalk", conversationId: "cid1" } },
      approvals: route(["d"]),
    });
    expect(noTemplate).toEqual([expect.stringContaining("dingtalk.cardTemplateId")]);
  });

  it("accepts a complete setup", () => {
    expect(
      problems({
        lark: { appId: "cli_x", appSecret: "s", encryptKey: "k" },
        dingtalk: { clientId: "c", clientSecret: "s", cardTemplateId: "t" },
        destinations: { l: { platform: "lark", chatId: "oc_1" }, d: { platform: "dingtalk", conversationId: "cid1" } },
        approvals: route(["l", "d"]),
      }),
    ).toEqual([]);
  });
});
