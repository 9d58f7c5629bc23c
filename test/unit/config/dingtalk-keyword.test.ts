import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { targetFor } from "../../../src/platforms.js";

const robot = { platform: "dingtalk", accessToken: "robot-token", webhookUrl: "http://127.0.0.1:1/robot/send" };
const parse = (destinations: Record<string, unknown>) =>
  parseConfig({ dingtalk: { clientId: "dingabc", clientSecret: "s" }, destinations }, {});

describe("destinations.<name>.keyword (DingTalk custom robot 自定义关键词)", () => {
  it("is accepted on a custom robot, with or without signing, and reaches the send target", () => {
    const config = parse({ a: { ...robot, keyword: " 告警 " }, b: { ...robot, secret: "SECx", keyword: "DataWorks" } });
    expect(targetFor("a", config.destinations.a as never)).toMatchObject({
      mode: "webhook",
      robot: { keyword: "告警" },
    });
    expect(targetFor("b", config.destinations.b as never)).toMatchObject({
      robot: { secret: "SECx", keyword: "DataWorks" },
    });
  });

  it("is refused on an app robot destination, and when empty or on two lines", () => {
    expect(() => parse({ c: { platform: "dingtalk", conversationId: "cid1==", keyword: "告警" } })).toThrow(
      /keyword is a custom robot \(accessToken\) security setting/,
    );
    expect(() => parse({ d: { ...robot, keyword: "  " } })).toThrow(/keyword/);
    expect(() => parse({ e: { ...robot, keyword: "a\nb" } })).toThrow(/one line/);
  });
});
