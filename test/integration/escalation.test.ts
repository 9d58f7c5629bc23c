import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../src/incidents/types.js";
import { MuteStore } from "../../src/commands/mutes.js";
import { IncidentStore } from "../../src/incidents/store.js";
import { escalationJobId } from "../../src/jobs/queues.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack, type SlackMessage } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { dailyFromYesterday } from "../helpers/rotation-config.js";
import { freshEvent } from "../helpers/fixtures.js";
import { deleteKeys, testPrefix } from "../helpers/redis.js";
import { sleep, waitFor } from "../helpers/wait.js";

/**
 * routes[].escalate end to end: a failed instance nobody acknowledged mentions the escalation targets (a rotation:
 * whoever is on call now) after the delay, then as often as configured, under the failure's message on Slack and in
 * the Lark chat; an ack or a recovery stops it; delayed jobs in Redis fire once across bot processes and restarts.
 * Real Redis, BullMQ, the Slack and Lark SDKs against their fakes; the incident store is the real one.
 */
const TOKEN = "xoxb-escalation";
const APP_ID = "cli_a1b2c3d4e5f60719";
const APP_SECRET = "lark-app-secret-escalation";

const ROBOT_TOKEN = "ding-robot-escalation";
const ROBOT_SECRET = "SECding-escalation-secret";
let slack: FakeSlack;
let lark: FakeLark;
let ding: FakeDingTalk;

beforeAll(async () => {
  slack = new FakeSlack({ token: TOKEN, channels: ["C0ESC"] });
  lark = new FakeLark({ appId: APP_ID, appSecret: APP_SECRET, chats: ["oc_esc"] });
  ding = new FakeDingTalk({
    appKey: "dingescalation",
    appSecret: "ding-app-secret",
    robotCode: "dingescalation",
    conversations: [],
    robots: { [ROBOT_TOKEN]: { secret: ROBOT_SECRET } },
  });
  await Promise.all([slack.start(), lark.start(), ding.start()]);
});
afterAll(async () => {
  await Promise.all([slack?.stop(), lark?.stop(), ding?.stop()]);
});

/**
 * A bot whose one route escalates failed instances to a daily rotation (today: U0TODAY / ou_today / staff-today) and
 * U0LEAD; `withRobot` adds a DingTalk custom robot (kept to one test: the robot allows 20 messages a minute).
 */
function config(escalate: Record<string, unknown>, withRobot = false) {
  const robot = { platform: "dingtalk", accessToken: ROBOT_TOKEN, webhookUrl: ding.webhookUrl, secret: ROBOT_SECRET };
  return {
    slack: { token: TOKEN, apiUrl: slack.apiUrl },
    lark: { appId: APP_ID, appSecret: APP_SECRET, domain: lark.url, timeoutMs: 5000 },
    destinations: {
      ops: { platform: "slack", channel: "C0ESC" },
      team: { platform: "lark", chatId: "oc_esc", locale: "zh-CN" },
      ...(withRobot ? { robot } : {}),
    },
    rotations: {
      "oncall-secondary": dailyFromYesterday([
        { slack: ["U0YESTERDAY"], lark: ["ou_yesterday"], dingtalk: ["staff-yesterday"] },
        { slack: ["U0TODAY"], lark: ["ou_today"], dingtalk: ["staff-today"] },
      ]),
    },
    routes: [
      {
        name: "prod failures",
        match: { type: ["dataworks:InstanceStatusChanges:InstanceStatusChanges"] },
        destinations: withRobot ? ["ops", "team", "robot"] : ["ops", "team"],
        escalate: { mention: { groups: ["oncall-secondary"], users: { slack: ["U0LEAD"] } }, ...escalate },
      },
    ],
  };
}

/** A failed instance with ids of its own (the events worker opens its incident: src/incidents/track.ts). */
function failure() {
  const instanceId = String(Math.floor(Math.random() * 1e12));
  const nodeId = String(Math.floor(Math.random() * 1e12));
  const ev = freshEvent("instance-status-changes", { time: new Date().toISOString() });
  ev.data = { ...(ev.data as object), taskId: instanceId, nodeId, status: 5 };
  return { ev, instanceId, nodeId };
}

/** Its incident, once the events worker has opened it. */
const opened = (store: IncidentStore, instanceId: string) =>
  waitFor(() => store.get(instanceId), `the incident of ${instanceId}`);

const slackEscalations = (instanceId: string): SlackMessage[] =>
  slack.messages.filter((m) => m.text.includes("acknowledged") && JSON.stringify(m.blocks).includes(instanceId));
const larkEscalations = (instanceId: string) =>
  lark
    .inChat("oc_esc")
    .filter((m) => JSON.stringify(m.card).includes("尚无人认领") && JSON.stringify(m.card).includes(instanceId));
const escalatedEntries = async (store: IncidentStore, instanceId: string) =>
  ((await store.get(instanceId)) as Incident).timeline.filter((t) => t.kind === "escalated");

describe("escalation (one bot)", () => {
  let bot: TestBot;
  let store: IncidentStore;
  afterEach(async () => {
    await bot?.close();
  });
  const start = async (escalate: Record<string, unknown>, withRobot = false) => {
    bot = await startTestBot(config(escalate, withRobot));
    store = new IncidentStore(bot.runtime.redis, bot.prefix);
  };

  it("fires after the delay, then `repeat` more times `every` apart, mentioning whoever is on call, then stops", async () => {
    await start({ after: "1500ms", repeat: 2, every: "700ms" }, true);
    const { ev, instanceId } = failure();
    const posted = Date.now();
    expect((await bot.post(ev)).status).toBe(202);
    const failureMessage = await waitFor(
      () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(ev.id))),
      "the failure message",
    );
    await sleep(Math.max(0, posted + 1000 - Date.now()));
    expect(slackEscalations(instanceId)).toHaveLength(0); // not before `after`
    const first = await waitFor(() => slackEscalations(instanceId)[0], "the first escalation", 5000);
    expect(Date.now() - posted).toBeGreaterThanOrEqual(1500);
    // A reply under the failure's message, mentioning the rotation's member of today and the listed user.
    expect(first.thread_ts).toBe(failureMessage.ts);
    const blocks = JSON.stringify(first.blocks);
    expect(blocks).toContain("<@U0TODAY>");
    expect(blocks).toContain("<@U0LEAD>");
    expect(blocks).not.toContain("U0YESTERDAY");
    expect(first.text).toMatch(/nobody has acknowledged/);
    expect(blocks).toContain("Escalation 1 of 3");
    // Lark, in Chinese: the rotation's Lark id is mentioned there.
    const onLark = await waitFor(() => larkEscalations(instanceId)[0], "the Lark escalation");
    expect(JSON.stringify(onLark.card)).toContain("ou_today");
    expect(JSON.stringify(onLark.card)).not.toContain("ou_yesterday");
    await waitFor(() => slackEscalations(instanceId).length === 3, "three escalations", 8000);
    await sleep(1500); // more than `every`: no fourth
    expect(
      slackEscalations(instanceId).map((m) => JSON.stringify(m.blocks).match(/Escalation (\d) of 3/)?.[1]),
    ).toEqual(["1", "2", "3"]);
    expect(larkEscalations(instanceId)).toHaveLength(3);
    // DingTalk: @ in the text and at.atUserIds, the rotation's staff id of today.
    const onRobot = ding.messages.filter((m) => m.text.includes(instanceId) && /acknowledged/.test(m.title + m.text));
    expect(onRobot).toHaveLength(3);
    expect(onRobot[0]?.at?.atUserIds).toEqual(["staff-today"]);
    expect(onRobot[0]?.text).toContain("@staff-today");
    const entries = await escalatedEntries(store, instanceId);
    expect(entries).toHaveLength(3);
    expect(entries[0]?.detail).toBe(
      "@oncall-secondary (slack U0TODAY, lark ou_today, dingtalk staff-today), slack U0LEAD",
    );
  });

  it("does not fire after an ack, and an ack between firings stops the rest", async () => {
    await start({ after: "800ms", repeat: 3, every: "800ms" });
    const acked = failure();
    const later = failure();
    await bot.post(acked.ev);
    await bot.post(later.ev);
    await opened(store, acked.instanceId);
    const who = { platform: "slack", userId: "U0ANN", name: "Ann" };
    expect((await store.acknowledge(acked.instanceId, who)).ok).toBe(true);
    await waitFor(() => slackEscalations(later.instanceId).length === 1, "the first escalation of the other");
    expect((await store.acknowledge(later.instanceId, who)).ok).toBe(true);
    await sleep(2500); // three more `every`s
    expect(slackEscalations(acked.instanceId)).toHaveLength(0);
    expect(await escalatedEntries(store, acked.instanceId)).toHaveLength(0);
    expect(slackEscalations(later.instanceId)).toHaveLength(1);
    expect(await escalatedEntries(store, later.instanceId)).toHaveLength(1);
  });

  it("an ack from chat removes the failure's pending escalation jobs (none left waiting in Redis)", async () => {
    const base = config({ after: "4s", repeat: 2, every: "4s" });
    const [route] = base.routes;
    bot = await startTestBot({
      ...base,
      routes: [{ ...(route as object), actions: { users: { slack: ["U0ANN"] } } }],
    });
    store = new IncidentStore(bot.runtime.redis, bot.prefix);
    const { ev, instanceId } = failure();
    await bot.post(ev);
    await opened(store, instanceId);
    await waitFor(
      () => slack.messages.some((m) => JSON.stringify(m.blocks).includes(`"value":"${instanceId}"`)),
      "the failure with its buttons",
    );
    const q = bot.runtime.queues.escalations;
    const first = escalationJobId(String(ev.id), "prod failures", 1);
    await waitFor(async () => (await q.getJob(first)) !== undefined, "the first firing pending");
    const acked = await bot.runtime.onCommand({
      adapter: "slack",
      text: `ack ${instanceId}`,
      user: { id: "U0ANN" },
      channel: "C0ESC",
    });
    expect(acked.message.title, JSON.stringify(acked.message.sections)).toContain("You are on it");
    expect(await q.getJob(first)).toBeUndefined();
    expect(await q.getDelayedCount()).toBe(0);
  });

  it("a rerun that failed again escalates anew; the first failure's pending firing stops", async () => {
    await start({ after: "800ms", repeat: 3, every: "1500ms" });
    const { ev, instanceId } = failure();
    await bot.post(ev);
    await waitFor(() => slackEscalations(instanceId).length === 1, "the first failure's first escalation");
    const again = { ...ev, id: `${String(ev.id)}-again`, time: new Date().toISOString() };
    await bot.post(again);
    await waitFor(async () => (await store.get(instanceId))?.eventId === again.id, "the incident re-opened");
    const q = bot.runtime.queues.escalations;
    const job = async (eventId: string, n: number) => q.getJob(escalationJobId(eventId, "prod failures", n));
    // The first failure's second firing finds the incident re-opened by the second failure: nothing sent.
    await waitFor(async () => (await job(String(ev.id), 2))?.returnvalue === "closed", "the old firing closed", 5000);
    await waitFor(async () => (await job(again.id, 1))?.returnvalue === "escalated", "the new firing", 5000);
    expect(await job(String(ev.id), 3)).toBeUndefined();
    await waitFor(() => slackEscalations(instanceId).length === 2, "the new failure's escalation");
    await sleep(300);
    expect(slackEscalations(instanceId)).toHaveLength(2);
  });

  it("a mute set after the failure was sent silences its escalations while it lasts; the next firing after it goes out", async () => {
    await start({ after: "1500ms", repeat: 1, every: "1500ms" });
    const { ev, instanceId } = failure();
    await bot.post(ev);
    await waitFor(() => slack.messages.some((m) => JSON.stringify(m.blocks).includes(String(ev.id))), "the failure");
    const mutes = new MuteStore(bot.runtime.redis, bot.prefix);
    await mutes.add(
      { filter: { types: ["instance-status-changes"] }, by: { platform: "slack", userId: "U0ANN" } },
      2000,
    );
    const q = bot.runtime.queues.escalations;
    const job = async (n: number) => q.getJob(escalationJobId(String(ev.id), "prod failures", n));
    await waitFor(async () => (await job(1))?.returnvalue === "muted", "the first firing muted", 5000);
    expect(slackEscalations(instanceId)).toHaveLength(0);
    expect(larkEscalations(instanceId)).toHaveLength(0);
    expect(await escalatedEntries(store, instanceId)).toHaveLength(0);
    // The mute ended before the second firing, and nobody acknowledged: it is sent.
    await waitFor(async () => (await job(2))?.returnvalue === "escalated", "the second firing sent", 6000);
    await waitFor(() => slackEscalations(instanceId).length === 1, "one escalation on Slack");
    expect(JSON.stringify(slackEscalations(instanceId)[0]?.blocks)).toContain("Escalation 2 of 2");
  });

  it("does not fire after a recovery", async () => {
    await start({ after: "800ms" });
    const { ev, instanceId } = failure();
    await bot.post(ev);
    await opened(store, instanceId);
    // The same instance succeeds (a rerun from the Operation Center): the events worker records the recovery.
    const success = { ...ev, id: `${String(ev.id)}-ok`, data: { ...(ev.data as object), status: 6 } };
    expect((await bot.post(success)).status).toBe(202);
    await waitFor(async () => (await store.get(instanceId))?.state === "recovered", "the recovery recorded");
    await sleep(1500);
    expect(slackEscalations(instanceId)).toHaveLength(0);
    expect(larkEscalations(instanceId)).toHaveLength(0);
  });
});

describe("escalation across bot processes", () => {
  const prefix = testPrefix();
  afterAll(() => deleteKeys(prefix));

  it("two worker processes on one Redis: each firing once", async () => {
    const cfg = config({ after: "1s", repeat: 1, every: "600ms" });
    const a = await startTestBot(cfg, { prefix, keepKeys: true });
    const b = await startTestBot(cfg, { prefix, keepKeys: true });
    try {
      const store = new IncidentStore(a.runtime.redis, prefix);
      const { ev, instanceId } = failure();
      await a.post(ev);
      await waitFor(() => slackEscalations(instanceId).length === 2, "two escalations", 8000);
      await sleep(1500);
      expect(slackEscalations(instanceId)).toHaveLength(2);
      expect(larkEscalations(instanceId)).toHaveLength(2);
      expect(await escalatedEntries(store, instanceId)).toHaveLength(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a restart while an escalation is pending: the new process fires it, once", async () => {
    const cfg = config({ after: "2s" });
    const first = await startTestBot(cfg, { prefix, keepKeys: true });
    const { ev, instanceId } = failure();
    let second: TestBot | undefined;
    try {
      await first.post(ev);
      await waitFor(
        () => slack.messages.some((m) => JSON.stringify(m.blocks).includes(String(ev.id))),
        "the failure message",
      );
      expect(await first.runtime.queues.escalations.getDelayedCount()).toBeGreaterThanOrEqual(1);
      await first.close();
      second = await startTestBot(cfg, { prefix, keepKeys: true });
      const after = new IncidentStore(second.runtime.redis, prefix);
      await waitFor(() => slackEscalations(instanceId).length === 1, "the escalation after the restart", 8000);
      await sleep(1000);
      expect(slackEscalations(instanceId)).toHaveLength(1);
      expect(await escalatedEntries(after, instanceId)).toHaveLength(1);
    } finally {
      await second?.close();
    }
  });
});
