import { afterAll, describe, expect, it } from "vitest";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { testPrefix } from "../helpers/redis.js";
import { sleep, waitFor, waitForProgress } from "../helpers/wait.js";

const TOKEN = "xoxb-outbox";
const EVENT_TYPES = [
  "kill-instance",
  "rerun-instance",
  "freeze-instance",
  "unfreeze-instance",
  "set-instance-success",
  "node-change-created",
];

/** Most sends in any window of `ms` among the given times. */
function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0; i < sorted.length; i++)
    best = Math.max(best, sorted.filter((t) => t >= (sorted[i] as number) && t < (sorted[i] as number) + ms).length);
  return best;
}

/** An instance event of one node: its failure, or its success after a rerun. */
function nodeEvent(nodeId: number, outcome: "failed" | "succeeded" = "failed"): Record<string, unknown> {
  const ev = freshEvent(
    outcome === "failed" ? "instance-status-changes" : "variants/instance-status-changes.succeeded",
  );
  (ev.data as Record<string, unknown>).nodeId = nodeId;
  return ev;
}

/** A bot whose routes send everything to one Slack channel ("ops"), for the length of `run`. */
async function withSlackBot(
  channel: string,
  extra: Record<string, unknown>,
  run: (bot: TestBot, slack: FakeSlack) => Promise<void>,
): Promise<void> {
  const slack = new FakeSlack({ token: TOKEN, channels: [channel] });
  await slack.start();
  const bot = await startTestBot({
    slack: { token: TOKEN, apiUrl: slack.apiUrl },
    destinations: { ops: { platform: "slack", channel } },
    routes: [{ destinations: ["ops"] }],
    ...extra,
  });
  try {
    await run(bot, slack);
  } finally {
    await bot.close();
    await slack.stop();
  }
}

describe("outbox: per-destination rate limits across two instances", () => {
  const stop: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const s of stop.reverse()) await s();
  });

  // 12 sends at 2 per 1.1 s take over 6 s, and a loaded machine stretches each slot's turn (settle, wake, job pick-up):
  // the wait is for progress (fails after 5 s without a send), and the test's own limit only has to cover that.
  it("keeps a Slack channel at its limit while two bot instances deliver, and loses nothing", {
    timeout: 60_000,
  }, async () => {
    const slack = new FakeSlack({ token: TOKEN, channels: ["C0RL"] });
    await slack.start();
    stop.push(() => slack.stop());
    const prefix = testPrefix();
    const cfg = {
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: {
        ops: { platform: "slack", channel: "C0RL", rateLimit: { max: 2, per: "1s" }, digest: { enabled: false } },
      },
      routes: [{ destinations: ["ops"] }],
      // Nothing kept for approval cards: notifications use the whole 2/s, so two instances that did not share one
      // window would send up to 4 in a second (with one slot reserved each would send 1, and 2 proved nothing).
      outbox: { digest: { enabled: false }, reserveForApprovals: 0 },
    };
    const a = await startTestBot(cfg, { prefix, keepKeys: true });
    const b = await startTestBot(cfg, { prefix });
    stop.push(
      () => a.close(),
      () => b.close(),
    );
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const ev = freshEvent(EVENT_TYPES[i % EVENT_TYPES.length] as string);
      ids.push(String(ev.id));
      await (i % 2 ? a : b).post(ev);
    }
    await waitForProgress(() => slack.messages.length, 12, "12 messages", 5_000);
    const posts = slack.calls.filter((c) => c.path.endsWith("chat.postMessage")).map((c) => c.at);
    if (process.env.SHOW_FIGURES) console.log("posts (ms)", posts.map((t) => t - posts[0]!).join(" "));
    expect(maxInWindow(posts, 1_000)).toBeLessThanOrEqual(2);
    for (const id of ids) expect(slack.messages.filter((m) => JSON.stringify(m.blocks).includes(id))).toHaveLength(1);
  });

  it("counts two destinations on one channel against that channel's one limit", async () => {
    const slack = new FakeSlack({ token: TOKEN, channels: ["C0SHARE"] });
    await slack.start();
    stop.push(() => slack.stop());
    const limit = { rateLimit: { max: 2, per: "1s" }, digest: { enabled: false } };
    const bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: {
        ops: { platform: "slack", channel: "C0SHARE", ...limit },
        "ops-zh": { platform: "slack", channel: "C0SHARE", locale: "zh-CN", ...limit },
      },
      routes: [{ destinations: ["ops", "ops-zh"] }],
      outbox: { reserveForApprovals: 0 },
    });
    stop.push(() => bot.close());
    for (let i = 0; i < 4; i++) await bot.post(freshEvent(EVENT_TYPES[i] as string));
    await waitFor(() => slack.messages.length >= 8, "8 messages", 20_000);
    const posts = slack.calls.filter((c) => c.path.endsWith("chat.postMessage")).map((c) => c.at);
    expect(maxInWindow(posts, 1_000)).toBeLessThanOrEqual(2);
  });

  it("never sends a DingTalk custom robot more than its per-minute budget (18/min, one kept for approval cards)", async () => {
    const ding = new FakeDingTalk({
      appKey: "k",
      appSecret: "s",
      robotCode: "r",
      conversations: [],
      robots: { "robot-token": { secret: "SECrobot" } },
    });
    await ding.start();
    stop.push(() => ding.stop());
    const prefix = testPrefix();
    const cfg = {
      destinations: {
        robot: {
          platform: "dingtalk",
          accessToken: "robot-token",
          secret: "SECrobot",
          webhookUrl: ding.webhookUrl,
          digest: { enabled: false },
        },
      },
      routes: [{ destinations: ["robot"] }],
      outbox: { digest: { enabled: false } },
    };
    const a = await startTestBot(cfg, { prefix, keepKeys: true });
    const b = await startTestBot(cfg, { prefix });
    stop.push(
      () => a.close(),
      () => b.close(),
    );
    for (let i = 0; i < 24; i++) await (i % 2 ? a : b).post(freshEvent(EVENT_TYPES[i % EVENT_TYPES.length] as string));
    await waitFor(() => ding.messages.length >= 17, "the first 17 messages", 15_000);
    await sleep(2_000);
    expect(ding.messages).toHaveLength(17);
    // The rest wait for the window instead of failing; none triggered DingTalk's 130101 ban. A loaded machine may
    // still be parking the last of them.
    await waitFor(
      async () => (await a.runtime.queues.deliveries.getDelayedCount()) === 7,
      "the other 7 deliveries parked for the next window",
    );
    expect(await a.runtime.queues.deliveries.getFailedCount()).toBe(0);
    // Parked deliveries are a backlog too: the age gauge sees them.
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    const age = /dwc_queue_oldest_waiting_seconds\{queue="deliveries"\} ([\d.]+)/.exec(metrics)?.[1];
    expect(Number(age)).toBeGreaterThan(1);
  });
});

describe("outbox: a limit of several windows", () => {
  it("keeps a Lark custom bot under both 5/s and 100/min with the built-in limit: 120 failures, no 11232", async () => {
    const lark = new FakeLark({ appId: "cli_storm", appSecret: "s", chats: [], hooks: { "hook-storm": {} } });
    await lark.start();
    const bot = await startTestBot({
      lark: { appId: "cli_storm", appSecret: "s", domain: lark.url },
      destinations: { hook: { platform: "lark", webhook: lark.hookUrl("hook-storm") } },
      routes: [{ destinations: ["hook"] }],
      // The built-in limits, one slot of each window kept for approval cards; every event on its own.
      outbox: { digest: { enabled: false } },
    });
    try {
      const events = Array.from({ length: 120 }, (_, i) => nodeEvent(700001236000 + i));
      for (let i = 0; i < events.length; i += 20) expect((await bot.post(events.slice(i, i + 20))).status).toBe(202);
      // 4 per 1.1 s reach 89 (90 a minute less the card's slot) in about 25 s; then the minute window holds.
      await waitFor(() => lark.messages.length >= 89, "the minute's 89 messages", 45_000, 200);
      await sleep(2_500);
      expect(lark.messages).toHaveLength(89);
      expect(lark.hookThrottled.get("hook-storm") ?? 0).toBe(0);
      const arrivals = lark.calls.filter((c) => c.path.startsWith("/open-apis/bot/v2/hook/")).map((c) => c.at);
      expect(maxInWindow(arrivals, 1_000)).toBeLessThanOrEqual(5);
      // The rest wait for the minute window, parked, not failed.
      expect(await bot.runtime.queues.deliveries.getFailedCount()).toBe(0);
      expect(await bot.runtime.queues.deliveries.getDelayedCount()).toBeGreaterThan(0);
    } finally {
      await bot.close();
      await lark.stop();
    }
  }, 60_000);
});

describe("outbox: digests under a burst", () => {
  let bot: TestBot;
  let slack: FakeSlack;
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  it("turns a burst of one group into one digest and counts every event in exactly one message", async () => {
    slack = new FakeSlack({ token: TOKEN, channels: ["C0DG"] });
    await slack.start();
    bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: "C0DG" } },
      routes: [{ destinations: ["ops"] }],
      outbox: { rateLimits: { slack: { max: 100, per: "1s" } }, digest: { burst: 1, interval: "2s", maxItems: 5 } },
    });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const ev = nodeEvent(700001234100 + i);
      ids.push(String(ev.id));
      await bot.post(ev);
    }
    const counted = () => slack.messages.reduce((n, m) => n + (Number(/^(\d+) ×/.exec(m.text)?.[1]) || 1), 0);
    await waitFor(() => counted() >= 10, "every event in some message", 10_000);
    // Deliveries covered by a digest may be parked again for the group's interval (~2 s) before they find out.
    await waitFor(
      async () =>
        (await bot.runtime.queues.deliveries.getJobCountByTypes("delayed", "waiting", "prioritized", "active")) === 0,
      "no delivery left parked or running",
      15_000,
    );
    await sleep(1_000);
    // The burst went out as at most three messages (whatever was waiting at each slot), at least one a digest.
    expect(counted()).toBe(10);
    expect(slack.messages.length).toBeLessThanOrEqual(3);
    // Messages posted, not events: deliveries covered by a digest posted nothing.
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    const sentMetric = /dwc_messages_sent_total\{platform="slack",kind="deliver"\} (\d+)/.exec(metrics)?.[1];
    expect(Number(sentMetric)).toBe(slack.messages.length);
    // Digest sizes and our own waits are counted for operators.
    const digests = slack.messages.filter((m) => /^\d+ ×/.test(m.text)).length;
    expect(Number(/dwc_digest_events_count\{platform="slack"\} (\d+)/.exec(metrics)?.[1])).toBe(digests);
    expect(Number(/dwc_digest_events_sum\{platform="slack"\} (\d+)/.exec(metrics)?.[1])).toBe(
      counted() - (slack.messages.length - digests),
    );
    expect(
      Number(/dwc_rate_limit_waits_total\{platform="slack",reason="outbox"\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThan(0);
    const digest = slack.messages.find((m) => /^\d+ ×/.test(m.text) && Number(/^(\d+)/.exec(m.text)?.[1]) > 5);
    expect(digest, "a digest of the held events").toBeDefined();
    expect(JSON.stringify(digest?.blocks)).toMatch(/\d+ more/);
    // Every event is accounted for in exactly one message, none left waiting.
    await waitFor(async () => {
      const refs = await Promise.all(ids.map((id) => bot.runtime.refs.list(id)));
      return refs.every((r) => r.length === 1);
    }, "one saved ref per event");
    expect(await bot.runtime.queues.deliveries.getDelayedCount()).toBe(0);

    // The nodes recover: no recovery may overwrite the digest that still speaks for the others.
    const digestText = digest?.text;
    for (let i = 0; i < 10; i++) {
      const ok = nodeEvent(700001234100 + i, "succeeded");
      await bot.post(ok);
    }
    await waitFor(
      async () =>
        (await bot.runtime.queues.deliveries.getJobCountByTypes("delayed", "waiting", "prioritized", "active")) === 0,
      "the recoveries delivered",
      20_000,
    );
    expect(digest?.updates).toBe(0);
    expect(digest?.text).toBe(digestText);
  });
});

describe("outbox: a backlog behind a full window", () => {
  it("drains as one digest per group when the slot opens, not one message per event (DingTalk robot)", async () => {
    const ding = new FakeDingTalk({
      appKey: "ding-backlog",
      appSecret: "ding-backlog-secret",
      robotCode: "ding-backlog",
      conversations: [],
      robots: { "robot-backlog": { secret: "SECbacklog" } },
    });
    await ding.start();
    const bot = await startTestBot({
      destinations: {
        robot: {
          platform: "dingtalk",
          accessToken: "robot-backlog",
          secret: "SECbacklog",
          webhookUrl: ding.webhookUrl,
          // Only the destination's windows hold these events: each group's own burst is never reached.
          rateLimit: [
            { max: 2, per: "1s" },
            { max: 18, per: "1m" },
          ],
        },
      },
      routes: [{ destinations: ["robot"] }],
      outbox: { digest: { burst: 100, interval: "60s", maxItems: 50 }, reserveForApprovals: 0 },
    });
    try {
      // Two digest groups (two workspaces): 20 failures in one, 10 in the other, all at once.
      const nodes = [
        ...Array.from({ length: 20 }, (_, i) => ({ node: 700001237000 + i, appId: 91234 })),
        ...Array.from({ length: 10 }, (_, i) => ({ node: 700001237100 + i, appId: 91235 })),
      ];
      const events = nodes.map(({ node, appId }) => {
        const ev = nodeEvent(node);
        (ev.data as Record<string, unknown>).appId = appId;
        return ev;
      });
      expect((await bot.post(events)).status).toBe(202);
      const carrying = (node: number) => ding.messages.filter((m) => m.text.includes(String(node)));
      await waitFor(() => nodes.every((n) => carrying(n.node).length > 0), "every failure in some message", 20_000);
      await waitFor(
        async () =>
          (await bot.runtime.queues.deliveries.getJobCountByTypes("delayed", "waiting", "prioritized", "active")) === 0,
        "no delivery left parked or running",
        10_000,
      );
      // Nothing dropped or doubled: each failure in exactly one message, and no message mixes the groups.
      for (const n of nodes) expect(carrying(n.node), String(n.node)).toHaveLength(1);
      for (const m of ding.messages)
        expect(m.text.includes("70000123700") && m.text.includes("70000123710")).toBe(false);
      // Two sent at once, then what waited goes out per group: a few messages, not 28 more at 2 a second (and a
      // minute's wait after the 18th).
      expect(ding.messages.length).toBeLessThanOrEqual(6);
      expect(ding.messages.filter((m) => /^\d+ ×/.test(m.title)).length).toBeGreaterThanOrEqual(2);
    } finally {
      await bot.close();
      await ding.stop();
    }
  });
});

describe("outbox: a burst arriving in one request", () => {
  it("sends the group's `burst` events on their own, then the rest as one digest", async () => {
    const outbox = { rateLimits: { slack: { max: 100, per: "1s" } }, digest: { burst: 3, interval: "2s" } };
    await withSlackBot("C0BURST", { outbox }, async (bot, slack) => {
      const events = Array.from({ length: 5 }, (_, i) => nodeEvent(700001235100 + i));
      expect((await bot.post(events)).status).toBe(202);
      const counted = () => slack.messages.reduce((n, m) => n + (Number(/^(\d+) ×/.exec(m.text)?.[1]) || 1), 0);
      await waitFor(() => counted() >= 5, "every event in some message", 10_000);
      const sizes = slack.messages.map((m) => Number(/^(\d+) ×/.exec(m.text)?.[1]) || 1);
      expect(sizes).toEqual([1, 1, 1, 2]);
    });
  });
});

describe("outbox: update instead of repeat", () => {
  it("posts the recovery when the earlier message cannot be edited (a DingTalk custom robot)", async () => {
    const ding = new FakeDingTalk({
      appKey: "ding-update",
      appSecret: "ding-update-secret",
      robotCode: "ding-update",
      conversations: [],
      robots: { "robot-update": { secret: "SECupdate" } },
    });
    await ding.start();
    const bot = await startTestBot({
      destinations: {
        robot: { platform: "dingtalk", accessToken: "robot-update", secret: "SECupdate", webhookUrl: ding.webhookUrl },
      },
      routes: [{ destinations: ["robot"] }],
    });
    try {
      const nodeId = 700009990077;
      const failed = nodeEvent(nodeId);
      await bot.post(failed);
      await waitFor(() => bot.runtime.refs.loadKeyed("robot", `node.${nodeId}`), "the failure message ref");
      const ok = nodeEvent(nodeId, "succeeded");
      await bot.post(ok);
      await waitFor(() => ding.messages.length === 2, "the recovery posted as a new message");
      expect(ding.messages[1]?.title).not.toContain("Failed");
      expect(await bot.runtime.queues.deliveries.getFailedCount()).toBe(0);
    } finally {
      await bot.close();
      await ding.stop();
    }
  });

  it("sends a recovery where the failure went, even through a route that matches failures only", async () => {
    const slack = new FakeSlack({ token: TOKEN, channels: ["C0FAIL", "C0ALL"] });
    await slack.start();
    const bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: {
        failures: { platform: "slack", channel: "C0FAIL" },
        everything: { platform: "slack", channel: "C0ALL" },
      },
      routes: [
        { match: { data: { status: [5] } }, destinations: ["failures"] },
        { match: { data: { nodeId: [700009990033] } }, destinations: ["everything"] },
      ],
    });
    try {
      const nodeId = 700009990002;
      const failed = nodeEvent(nodeId);
      await bot.post(failed);
      const msg = await waitFor(() => slack.messages[0], "the failure message");
      await waitFor(() => bot.runtime.refs.loadKeyed("failures", `node.${nodeId}`), "the failure message ref");
      const ok = nodeEvent(nodeId, "succeeded");
      await bot.post(ok);
      await waitFor(() => msg.updates === 1, "the failure message updated by the recovery");
      expect(msg.text).not.toContain("Failed");
      await sleep(300);
      // Nowhere else: the other destination never had this node's failure. (The recovery's timeline entry is a
      // reply in the failure message's thread, src/incidents/thread.ts: not a message of the channel.)
      expect(slack.messages.filter((m) => !m.thread_ts)).toHaveLength(1);
      expect(slack.messages.filter((m) => m.thread_ts === msg.ts).map((m) => m.text)).toEqual([
        expect.stringMatching(/^succeeded \d\d:\d\d$/),
      ]);
    } finally {
      await bot.close();
      await slack.stop();
    }
  });

  it("a recovery waits for its failure message still held by the outbox, then updates it", async () => {
    // One failure message per group per 3 s: the second node's failure is held; its recovery is never grouped.
    const outbox = { rateLimits: { slack: { max: 100, per: "1s" } }, digest: { burst: 1, interval: "3s" } };
    await withSlackBot("C0HELD", { outbox }, async (bot, slack) => {
      await bot.post(nodeEvent(700009990010));
      await waitFor(() => slack.messages.length === 1, "the first failure");
      await bot.post(nodeEvent(700009990011));
      await bot.post(nodeEvent(700009990011, "succeeded"));
      const mine = () => slack.messages.filter((m) => JSON.stringify(m.blocks).includes("700009990011"));
      await waitFor(() => mine()[0]?.updates === 1, "the held failure posted, then updated by its recovery", 15_000);
      await sleep(300);
      expect(mine()).toHaveLength(1);
      expect(mine()[0]?.text).not.toContain("Failed");
    });
  });

  it("updates a node's failure message when the node recovers, instead of posting another", async () => {
    await withSlackBot("C0UP", {}, async (bot, slack) => {
      const nodeId = 700009990001;
      await bot.post(nodeEvent(nodeId));
      const msg = await waitFor(() => slack.messages[0], "the failure message");
      // The failure message is remembered under the node after the send; the recovery looks it up.
      await waitFor(() => bot.runtime.refs.loadKeyed("ops", `node.${nodeId}`), "the node's failure message ref");
      await bot.post(nodeEvent(nodeId, "succeeded"));
      await waitFor(() => msg.updates === 1, "the failure message updated");
      await sleep(300);
      // One message in the channel; the recovery's timeline entry is a reply in its thread.
      expect(slack.messages.filter((m) => !m.thread_ts)).toHaveLength(1);
      expect(slack.messages.filter((m) => m.thread_ts === msg.ts)).toHaveLength(1);
      expect(msg.text).not.toContain("Failed");
    });
  });
});
