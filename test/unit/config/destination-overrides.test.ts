import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { digestOverrideSchema, digestSchema } from "../../../src/config/sections/outbox.js";
import { ConfigError } from "../../../src/core/errors.js";
import { destinationLimits, digestFor, rateLimitFor } from "../../../src/outbox/policy.js";

/** A destination's digest/rateLimit override changes only what it names; the rest comes from `outbox`. */
describe("per-destination outbox overrides", () => {
  const config = parseConfig(
    {
      slack: { token: "xoxb-test-token" },
      outbox: { digest: { interval: "5m", maxItems: 20, groupBy: ["eventCode"] }, rateLimits: { slack: { max: 2 } } },
      destinations: {
        busy: { platform: "console", digest: { burst: 5 } },
        quiet: { platform: "console", digest: { enabled: false } },
        plain: { platform: "console" },
        ops: { platform: "slack", channel: "C0123OPS" },
        "ops-fast": { platform: "slack", channel: "C0123FAST", rateLimit: { max: 3, per: "2s" } },
      },
    },
    {},
  );

  it("a partial digest keeps the other keys of outbox.digest", () => {
    expect(digestFor(config, "busy")).toEqual({
      enabled: true,
      groupBy: ["eventCode"],
      interval: 300_000,
      burst: 5,
      maxItems: 20,
    });
    expect(digestFor(config, "plain")).toEqual({ ...digestFor(config, "busy"), burst: 3 });
  });

  it("digest.enabled: false turns digests off for that destination only", () => {
    expect(digestFor(config, "quiet")).toBeUndefined();
    expect(digestFor(config, "plain")).toBeDefined();
  });

  it("rate limits: destination over outbox.rateLimits over the built-in platform default", () => {
    expect(rateLimitFor(config, "ops-fast")).toEqual([{ max: 3, per: 2_000 }]);
    expect(rateLimitFor(config, "ops")).toEqual([{ max: 2, per: 1_000 }]);
    expect(rateLimitFor(config, "plain")).toBeUndefined();
  });

  it("applies a destination's limit with a guard of a tenth of its window, at most 1 s", () => {
    expect(destinationLimits(config, "ops", 1)).toEqual([
      { key: "d.slack.C0123OPS.1000", max: 2, windowMs: 1_100, reserve: 1 },
    ]);
    expect(destinationLimits(config, "ops-fast")).toMatchObject([{ max: 3, windowMs: 2_200, reserve: 0 }]);
    const robot = parseConfig(
      { destinations: { robot: { platform: "dingtalk", accessToken: "t", webhookUrl: "http://127.0.0.1:1/robot" } } },
      {},
    );
    expect(destinationLimits(robot, "robot")).toMatchObject([{ max: 18, windowMs: 61_000 }]);
    expect(destinationLimits(config, "plain")).toEqual([]);
  });

  it("a Lark custom bot gets both of Lark's windows, 5/s and 100/min less the DingTalk robot's tenth", () => {
    const lark = parseConfig(
      {
        lark: { appId: "cli_a", appSecret: "s" },
        destinations: {
          hook: { platform: "lark", webhook: "https://open.feishu.cn/open-apis/bot/v2/hook/abc" },
          chat: { platform: "lark", chatId: "oc_1" },
        },
      },
      {},
    );
    expect(rateLimitFor(lark, "hook")).toEqual([
      { max: 5, per: 1_000 },
      { max: 90, per: 60_000 },
    ]);
    const [second, minute] = destinationLimits(lark, "hook", 1);
    expect(second).toMatchObject({ max: 5, windowMs: 1_100, reserve: 1 });
    expect(minute).toMatchObject({ max: 90, windowMs: 61_000, reserve: 1 });
    expect(second?.key).not.toBe(minute?.key);
    // The app bot keeps the per-chat 5/s.
    expect(rateLimitFor(lark, "chat")).toEqual([{ max: 5, per: 1_000 }]);
  });

  it("rateLimit takes one window or a list of windows, everywhere a limit is set", () => {
    const c = parseConfig(
      {
        slack: { token: "xoxb-test-token" },
        outbox: {
          rateLimits: {
            "lark-webhook": [
              { max: 3, per: "1s" },
              { max: 50, per: "1m" },
            ],
          },
        },
        lark: { appId: "cli_a", appSecret: "s" },
        destinations: {
          one: { platform: "slack", channel: "C1", rateLimit: { max: 2, per: "1s" } },
          two: {
            platform: "slack",
            channel: "C2",
            rateLimit: [
              { max: 1, per: "1s" },
              { max: 20, per: "1m" },
            ],
          },
          hook: { platform: "lark", webhook: "https://open.feishu.cn/open-apis/bot/v2/hook/abc" },
        },
      },
      {},
    );
    expect(rateLimitFor(c, "one")).toEqual([{ max: 2, per: 1_000 }]);
    expect(rateLimitFor(c, "two")).toEqual([
      { max: 1, per: 1_000 },
      { max: 20, per: 60_000 },
    ]);
    expect(rateLimitFor(c, "hook")).toEqual([
      { max: 3, per: 1_000 },
      { max: 50, per: 60_000 },
    ]);
  });

  it("refuses an empty list and two windows of the same length, naming the key", () => {
    const problems = (rateLimit: unknown) => {
      try {
        parseConfig({ destinations: { a: { platform: "console", rateLimit } } }, {});
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(problems([]).join("\n")).toMatch(/^destinations\.a\.rateLimit/);
    expect(
      problems([
        { max: 1, per: "1s" },
        { max: 2, per: 1000 },
      ]).join("\n"),
    ).toMatch(/destinations\.a\.rateLimit.*same length/);
    expect(problems({ max: 0 }).join("\n")).toMatch(/^destinations\.a\.rateLimit/);
  });

  it("keys the limit by where messages land, so destinations sharing a channel or robot share its budget", () => {
    const shared = parseConfig(
      {
        slack: { token: "xoxb-test-token" },
        lark: { appId: "cli_a", appSecret: "s" },
        destinations: {
          ops: { platform: "slack", channel: "C0SHARED" },
          "ops-zh": { platform: "slack", channel: "C0SHARED", locale: "zh-CN" },
          other: { platform: "slack", channel: "C0OTHER" },
          "robot-a": { platform: "dingtalk", accessToken: "tok-SECRETISH", secret: "SECa" },
          "robot-b": { platform: "dingtalk", accessToken: "tok-SECRETISH", secret: "SECa" },
          "lark-a": { platform: "lark", chatId: "oc_1" },
          "lark-b": { platform: "lark", chatId: "oc_1" },
        },
      },
      {},
    );
    const key = (d: string) => destinationLimits(shared, d)[0]?.key;
    expect(key("ops")).toBe(key("ops-zh"));
    expect(key("ops")).not.toBe(key("other"));
    expect(key("robot-a")).toBe(key("robot-b"));
    expect(key("lark-a")).toBe(key("lark-b"));
    // A custom robot's access token is a credential: it must not show up in Redis.
    expect(key("robot-a")).not.toContain("SECRETISH");
  });

  it("the override accepts exactly the keys of outbox.digest, with the same checks", () => {
    expect(Object.keys(digestOverrideSchema.shape)).toEqual(Object.keys(digestSchema.shape));
    let err: unknown;
    try {
      parseConfig({ destinations: { a: { platform: "console", digest: { interval: "soon", burst: 0 } } } }, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^destinations\.a\.digest\.interval: not a duration: "soon"/),
      expect.stringMatching(/^destinations\.a\.digest\.burst: /),
    ]);
  });
});
