import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDingTalkAdapter } from "../../adapters/dingtalk/index.js";
import { createLarkAdapter } from "../../adapters/lark/index.js";
import { createSlackAdapter } from "../../adapters/slack/index.js";
import type { ChatAdapter } from "../../src/core/chat-adapter.js";
import { redisStore } from "../../src/enrich/lookup-cache.js";
import { UserNames } from "../../src/state/user-names.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";

/** Display names through each platform's real client against its fake, then the Redis cache in front of them. */
describe("user display names: Slack users.info, Lark contact API, DingTalk user API", () => {
  const slack = new FakeSlack({
    token: "xoxb-names",
    channels: [],
    users: { U1: { name: "li.lei", real_name: "Li Lei" }, U2: { name: "han.mei", display_name: "Meimei" } },
  });
  const lark = new FakeLark({ appId: "cli_names", appSecret: "s", chats: [], users: { ou_1: "李雷" } });
  const ding = new FakeDingTalk({
    appKey: "dk",
    appSecret: "ds",
    robotCode: "dk",
    conversations: [],
    users: { s1: "韩梅梅" },
  });
  let slackAdapter: ChatAdapter;
  let larkAdapter: ChatAdapter;
  let dingAdapter: ChatAdapter;
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = testPrefix();

  beforeAll(async () => {
    await Promise.all([slack.start(), lark.start(), ding.start()]);
    slackAdapter = createSlackAdapter({ token: "xoxb-names", apiUrl: slack.apiUrl, timeoutMs: 2000 }) as ChatAdapter;
    larkAdapter = createLarkAdapter({
      app: { appId: "cli_names", appSecret: "s", domain: lark.url },
      timeoutMs: 2000,
    }) as ChatAdapter;
    dingAdapter = createDingTalkAdapter({
      app: { clientId: "dk", clientSecret: "ds", apiUrl: ding.url, oapiUrl: ding.url, stream: false },
      timeoutMs: 2000,
    }) as ChatAdapter;
  });
  afterAll(async () => {
    await Promise.all([slack.stop(), lark.stop(), ding.stop()]);
    await deleteKeys(prefix);
    redis.disconnect();
  });

  it("Slack: the display name, else the full name; missing_scope and unknown users fail", async () => {
    expect(await slackAdapter.userName!("U2")).toBe("Meimei");
    expect(await slackAdapter.userName!("U1")).toBe("Li Lei");
    await expect(slackAdapter.userName!("U404")).rejects.toThrow(/user_not_found/);
    slack.usersScope = false;
    await expect(slackAdapter.userName!("U1")).rejects.toThrow(/missing_scope/);
    slack.usersScope = true;
  });

  it("Lark: the contact name; a user outside the contact range or a missing scope fails; no name scope, no name", async () => {
    expect(await larkAdapter.userName!("ou_1")).toBe("李雷");
    await expect(larkAdapter.userName!("ou_404")).rejects.toThrow(/41050/);
    const noScope = new FakeLark({
      appId: "cli_names",
      appSecret: "s",
      chats: [],
      users: { ou_1: "李雷" },
      contactScope: "none",
    });
    const basic = new FakeLark({
      appId: "cli_names",
      appSecret: "s",
      chats: [],
      users: { ou_1: "李雷" },
      contactScope: "basic",
    });
    await Promise.all([noScope.start(), basic.start()]);
    try {
      const on = (url: string) =>
        createLarkAdapter({ app: { appId: "cli_names", appSecret: "s", domain: url }, timeoutMs: 2000 });
      await expect(on(noScope.url).userName!("ou_1")).rejects.toThrow(/99991672/);
      expect(await on(basic.url).userName!("ou_1")).toBeUndefined();
    } finally {
      await Promise.all([noScope.stop(), basic.stop()]);
    }
  });

  it("DingTalk: topapi/v2/user/get with the app token; an unknown staff id fails, and the token never shows", async () => {
    expect(await dingAdapter.userName!("s1")).toBe("韩梅梅");
    const err = await dingAdapter.userName!("s404").catch((e: Error) => e);
    expect(String(err)).toMatch(/60121/);
    const token = [...ding.tokens.keys()][0]!;
    expect(String(err)).not.toContain(token);
  });

  it("caches names and failures in Redis, and answers within its budget while a slow lookup goes on", async () => {
    let calls = 0;
    let release: (() => void) | undefined;
    const slow = {
      async userName(id: string) {
        calls++;
        if (id === "slow") await new Promise<void>((r) => (release = r));
        if (id === "bad") throw new Error("missing_scope");
        return `name of ${id}`;
      },
    };
    const names = new UserNames({ store: redisStore(redis), prefix, adapters: new Map([["p", slow]]), timeoutMs: 100 });
    expect(await names.name("p", "a")).toBe("name of a");
    expect(await names.name("p", "a")).toBe("name of a");
    expect(await names.name("p", "bad")).toBeUndefined();
    expect(await names.name("p", "bad")).toBeUndefined();
    expect(calls).toBe(2);
    const started = Date.now();
    expect(await names.name("p", "slow")).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    release?.();
    await new Promise((r) => setTimeout(r, 50));
    // The late answer was kept for the next click.
    expect(await names.name("p", "slow")).toBe("name of slow");
    expect(calls).toBe(3);
    expect(await names.name("other-platform", "a")).toBeUndefined();
  });
});
