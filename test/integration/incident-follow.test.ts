/**
 * A failed instance's message follows the instance (src/incidents/track.ts), end to end per platform: POST the
 * instance's status events → the real bot (Redis, BullMQ) → the real SDKs → the platform fakes. The running and the
 * recovery or second failure update the same message; nothing new is posted; what failed stays on it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import type { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import { FakeLark } from "../fakes/lark-api.js";
import { IncidentStore } from "../../src/incidents/store.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { startDingTalkBot, startDingTalkFakes } from "../helpers/dingtalk-harness.js";
import { FAILED_AT, instanceEvents, MIN } from "../helpers/instance-events.js";
import { incidentConfig } from "../helpers/incident-config.js";
import { testPrefix } from "../helpers/redis.js";
import { sleep, waitFor } from "../helpers/wait.js";

const SLACK_TOKEN = "xoxb-follow";
const LARK = { appId: "cli_follow", appSecret: "follow-secret" };
const DING = { appKey: "dingfollow", appSecret: "ding-follow-secret" };
let nodeSeq = 700_009_870_000;
const instance = () => instanceEvents(++nodeSeq);

describe("a failed instance's message follows the instance (Slack, Lark, DingTalk fakes; real Redis and BullMQ)", () => {
  let slack: FakeSlack;
  let lark: FakeLark;
  let ding: FakeDingTalk;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: SLACK_TOKEN, channels: ["C0FOLLOW"] });
    lark = new FakeLark({ ...LARK, chats: ["oc_follow"] });
    ding = new FakeDingTalk({ ...DING, robotCode: DING.appKey, conversations: ["cidFollow=="] });
    await Promise.all([slack.start(), lark.start(), ding.start()]);
    bot = await startTestBot(
      {
        slack: { token: SLACK_TOKEN, apiUrl: slack.apiUrl },
        lark: { ...LARK, domain: lark.url, timeoutMs: 5000 },
        dingtalk: { clientId: DING.appKey, clientSecret: DING.appSecret, apiUrl: ding.url, timeoutMs: 5000 },
        destinations: {
          ops: { platform: "slack", channel: "C0FOLLOW" },
          lark: { platform: "lark", chatId: "oc_follow", locale: "zh-CN" },
          ding: { platform: "dingtalk", conversationId: "cidFollow==" },
          console: { platform: "console" },
        },
        routes: [{ destinations: ["ops", "lark", "ding", "console"] }],
      },
      { adapterDeps: { console: { print: () => undefined } } },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), lark?.stop(), ding?.stop()]);
  });

  const slackOf = (nodeId: number) => slack.messages.filter((m) => JSON.stringify(m.blocks).includes(String(nodeId)));
  const larkOf = (nodeId: number) => lark.messages.filter((m) => JSON.stringify(m.card).includes(String(nodeId)));
  const dingOf = (nodeId: number) => ding.messages.filter((m) => m.text.includes(String(nodeId)));
  /** The console's feed entries for the node's messages (the local web console shows sends and updates). */
  const consoleOf = async (nodeId: number) => {
    const { entries } = (await (await fetch(`${bot.url}/console/api/feed`)).json()) as {
      entries: Array<{
        kind: string;
        op?: string;
        ref?: { ids: Record<string, string> };
        message?: { title: string; fields: unknown[] };
      }>;
    };
    return entries.filter((e) => e.kind === "message" && JSON.stringify(e.message).includes(String(nodeId)));
  };
  /** Every copy of the failure message posted and remembered, so that the next event finds it. */
  const failurePosted = async (nodeId: number) => {
    await waitFor(() => slackOf(nodeId).length === 1 && larkOf(nodeId).length === 1, "the failure messages");
    for (const d of ["ops", "lark", "ding", "console"])
      await waitFor(() => bot.runtime.refs.loadKeyed(d, `node.${nodeId}`), `the failure message ref in ${d}`);
  };

  it("failure → running → succeeded: one message per chat, updated twice, still saying what failed", async () => {
    const i = instance();
    await bot.post(i.failed());
    await failurePosted(i.nodeId);
    const [s] = slackOf(i.nodeId);
    const [l] = larkOf(i.nodeId);

    await bot.post(i.running());
    await waitFor(() => s?.updates === 1 && l?.updates === 1, "the failure messages updated: running");
    const running = JSON.stringify(s?.blocks);
    expect(running).toContain("Running: ");
    // What failed stays: when it failed.
    expect(running).toContain("2025-06-18 10:25:30");
    expect(JSON.stringify(l?.card)).toContain("运行中");
    // The incident's timeline is on the message (src/incidents/message.ts timelineLine).
    expect(running).toContain("failed 10:25 · running 10:28");

    await bot.post(i.succeeded());
    await waitFor(() => s?.updates === 2 && l?.updates === 2, "the failure messages updated: recovered");
    const done = JSON.stringify(s?.blocks);
    expect(done).toContain("Recovered: ");
    expect(done).toContain("2025-06-18 10:25:30");
    expect(done).toContain("16m after the failure: the same instance was rerun");
    expect(JSON.stringify(l?.card)).toContain("已恢复");
    expect(done).toContain("failed 10:25 · running 10:28 · succeeded 10:41");
    // (Lark markdown: the card escapes ":" as "&#58;", adapters/lark/escape.ts.)
    expect(JSON.stringify(l?.card)).toContain("失败 10&#58;25 · 运行中 10&#58;28 · 成功 10&#58;41");

    await sleep(300);
    expect(slackOf(i.nodeId)).toHaveLength(1);
    expect(larkOf(i.nodeId)).toHaveLength(1);
    // DingTalk's group messages are markdown, which cannot be edited: the running is not posted there; the
    // recovery is (as before: news that must not be lost).
    await waitFor(() => dingOf(i.nodeId).length === 2, "the failure and the recovery in DingTalk");
    expect(dingOf(i.nodeId).map((m) => m.title)).toEqual([
      expect.stringContaining("Failed"),
      expect.stringContaining("Recovered"),
    ]);
    // The console: one card, sent once and updated twice in place (same ref), ending recovered.
    const feed = await consoleOf(i.nodeId);
    expect(feed.map((e) => e.op)).toEqual(["send", "update", "update"]);
    expect(new Set(feed.map((e) => JSON.stringify(e.ref?.ids))).size).toBe(1);
    expect(feed.map((e) => e.message?.title.split(":")[0])).toEqual(["Failed", "Running", "Recovered"]);
    expect(JSON.stringify(feed[2]?.message)).toContain("failed 10:25 · running 10:28 · succeeded 10:41");
    expect(await bot.runtime.queues.deliveries.getFailedCount()).toBe(0);
  });

  it("failure → rerun running → failed again → running → succeeded: the same message throughout", async () => {
    const i = instance();
    await bot.post(i.failed());
    await failurePosted(i.nodeId);
    const [s] = slackOf(i.nodeId);
    await bot.post(i.running());
    await waitFor(() => s?.updates === 1, "running");
    await bot.post(i.failedAgain());
    await waitFor(() => s?.updates === 2, "failed again");
    const again = JSON.stringify(s?.blocks);
    expect(again).toContain("Failed: ");
    // Both failures are on it: the first one's time, the second one's finish, and both in the timeline.
    expect(again).toContain("2025-06-18 10:25:30");
    expect(again).toContain("2025-06-18 10:34:30");
    expect(again).toContain("failed 10:25 · running 10:28 · failed 10:34");
    await bot.post(i.running(FAILED_AT + 12 * MIN));
    await waitFor(() => s?.updates === 3, "running again");
    await bot.post(i.succeeded(FAILED_AT + 12 * MIN, FAILED_AT + 20 * MIN));
    await waitFor(() => s?.updates === 4, "recovered");
    expect(JSON.stringify(s?.blocks)).toContain("Recovered: ");
    expect(JSON.stringify(s?.blocks)).toContain(
      "failed 10:25 · running 10:28 · failed 10:34 · running 10:37 · succeeded 10:45",
    );
    await sleep(300);
    expect(slackOf(i.nodeId)).toHaveLength(1);
    expect(larkOf(i.nodeId)).toHaveLength(1);
    expect(larkOf(i.nodeId)[0]?.updates).toBe(4);
  });

  it("an update held back (Slack throttled it) runs after the recovery's: the message still ends recovered", async () => {
    const i = instance();
    await bot.post(i.failed());
    await failurePosted(i.nodeId);
    const [s] = slackOf(i.nodeId);
    const updates = () => slack.calls.filter((c) => c.path.endsWith("chat.update")).length;
    const before = updates();
    // The running's update is throttled for 2 s; the recovery's update goes first.
    slack.script.push({ rateLimit: 2 });
    await bot.post(i.running());
    await waitFor(() => updates() === before + 1, "the running's update throttled");
    await bot.post(i.succeeded());
    await waitFor(() => s?.updates === 1, "the recovery's update");
    expect(JSON.stringify(s?.blocks)).toContain("Recovered: ");
    // The held update runs last, and shows the newest status: still recovered, not "running".
    await waitFor(() => s?.updates === 2, "the held update applied", 10_000);
    expect(JSON.stringify(s?.blocks)).toContain("Recovered: ");
    expect(slackOf(i.nodeId)).toHaveLength(1);
  });

  it("Slack threads each timeline entry under the message, once, in order", async () => {
    const i = instance();
    const incidents = new IncidentStore(bot.runtime.redis, bot.prefix);
    await bot.post(i.failed());
    await failurePosted(i.nodeId);
    const [s] = slackOf(i.nodeId);
    // The failure opened the incident; someone acknowledges it from chat.
    await incidents.acknowledge(
      String(i.taskId),
      { platform: "slack", userId: "U0WANG", name: "王芳" },
      FAILED_AT + 2 * MIN,
    );
    const thread = () => slack.messages.filter((r) => r.thread_ts === s?.ts).map((r) => r.text);

    await bot.post(i.running());
    await waitFor(() => thread().length === 2, "the ack and the running threaded");
    expect(thread()).toEqual(["acknowledged by 王芳 10:27", "running 10:28"]);
    await bot.post(i.succeeded());
    await waitFor(() => thread().length === 3, "the success threaded");
    expect(thread()[2]).toBe("succeeded 10:41");
    await sleep(300);
    // Each entry once; all under the failure message, none in the channel itself.
    expect(thread()).toHaveLength(3);
    expect(slackOf(i.nodeId)).toHaveLength(1);
    expect((await incidents.get(String(i.taskId)))?.state).toBe("recovered");
  });

  it("another instance of the node running is not this failure's story", async () => {
    const i = instance();
    await bot.post(i.failed());
    await failurePosted(i.nodeId);
    const other = i.running();
    (other.data as Record<string, unknown>).taskId = i.taskId + 1;
    await bot.post(other);
    await waitFor(() => bot.runtime.recent.get(String(other.id)), "the other instance's event recorded");
    await sleep(300);
    expect(slackOf(i.nodeId)[0]?.updates).toBe(0);
  });
});

describe("a restart between the failure and its rerun keeps following the same message", () => {
  it("failure → bot restarted (same Redis) → running → succeeded: updates, threads, no new message", async () => {
    const slack = new FakeSlack({ token: SLACK_TOKEN, channels: ["C0RESTART"] });
    await slack.start();
    const prefix = testPrefix();
    const config = {
      slack: { token: SLACK_TOKEN, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: "C0RESTART" } },
      routes: [{ destinations: ["ops"] }],
    };
    const i = instance();
    const first = await startTestBot(config, { prefix, keepKeys: true });
    let second: TestBot | undefined;
    try {
      await first.post(i.failed());
      const msg = await waitFor(() => slack.messages[0], "the failure message");
      await waitFor(() => first.runtime.refs.loadKeyed("ops", `node.${i.nodeId}`), "the failure message ref");
      await first.close();
      // A new process: everything it knows of the failure is in Redis.
      second = await startTestBot(config, { prefix });
      await second.post(i.running());
      await waitFor(() => msg.updates === 1, "running, after the restart");
      await second.post(i.succeeded());
      await waitFor(() => msg.updates === 2, "recovered, after the restart");
      expect(JSON.stringify(msg.blocks)).toContain("Recovered: ");
      expect(slack.messages.filter((m) => !m.thread_ts)).toHaveLength(1);
      await waitFor(
        () => slack.messages.filter((m) => m.thread_ts === msg.ts).length === 2,
        "the running and the success threaded",
      );
      expect(slack.messages.filter((m) => m.thread_ts === msg.ts).map((m) => m.text)).toEqual([
        "running 10:28",
        "succeeded 10:41",
      ]);
    } finally {
      await second?.close();
      await slack.stop();
    }
  });
});

/**
 * DingTalk: a failure of a route with `actions` is an interactive card (the only DingTalk message that can be edited),
 * so its instance's rerun updates the card — even though the route sends failures only.
 */
describe("DingTalk: the failure's interactive card follows the instance", () => {
  const APP = { clientId: "dingfollowcard012345", clientSecret: "dingtalk-follow-card-secret" };
  const CID = "cidFollowCard==";
  const { dw } = dataWorksOnRedis("LTAI-follow-ding", "follow-ding-secret");
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  let bot: TestBot;

  beforeAll(async () => {
    ({ ding, gateway } = await startDingTalkFakes(APP, { conversations: [CID] }));
    bot = await startDingTalkBot(
      { ...APP, cardTemplateId: "tpl-incident.schema", corpId: "ding-corp" },
      { ding, gateway },
      {
        destinations: { ops: { platform: "dingtalk", conversationId: CID } },
        ...incidentConfig(dw, { accessKeyId: "LTAI-follow-ding", accessKeySecret: "follow-ding-secret" }, ["ops"], {
          operators: { dingtalk: ["staff_wang"] },
          leads: { dingtalk: ["staff_lead"] },
        }),
      },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([ding?.stop(), gateway?.stop()]);
  });

  it("failure (card with buttons) → running → succeeded: the same card updated, the timeline on it", async () => {
    const i = instance();
    await bot.post(i.failed());
    const card = await waitFor(
      () => ding.cards.find((c) => c.cardParamMap.actionValue === String(i.taskId)),
      "the failure card with its buttons",
    );
    await waitFor(() => bot.runtime.refs.loadKeyed("ops", `node.${i.nodeId}`), "the failure card ref");
    const updates = card.updates;
    await bot.post(i.running());
    await waitFor(() => card.updates > updates && card.cardParamMap.context?.includes("running 10:28"), "running");
    await bot.post(i.succeeded());
    await waitFor(() => card.cardParamMap.context?.includes("succeeded 10:41"), "recovered");
    expect(card.cardParamMap.context).toContain("failed 10:25 · running 10:28 · succeeded 10:41");
    expect(JSON.stringify(card.cardParamMap)).toContain("Recovered: ");
    // One card: nothing posted beside it.
    expect(ding.cards.filter((c) => c.openSpaceId.endsWith(CID))).toHaveLength(1);
    expect(ding.messages.filter((m) => m.to === CID)).toHaveLength(0);
  });
});
