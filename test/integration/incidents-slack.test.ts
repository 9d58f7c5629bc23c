import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { failedInstance, incidentConfig, preRerun } from "../helpers/incident-config.js";
import { clickOnSlack, failOnSlack, shows } from "../helpers/incident-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-incidents";
const SIGNING = "slack-signing-incidents";
const CHANNEL = "C0OPS";
const AK = "LTAI-incidents-slack";
const SECRET = "incidents-slack-secret";
let nextInstance = 700_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

/**
 * Acting on a failure from Slack: the real Bolt app and WebClient against the fake Slack API, the real OpenAPI client
 * against the fake DataWorks gateway, real Redis and BullMQ.
 */
describe("incidents on Slack: acknowledge, rerun, mark success from the failure message", () => {
  const { dw } = dataWorksOnRedis(AK, SECRET);
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({
      token: TOKEN,
      channels: [CHANNEL],
      users: {
        U0WANG: { name: "wang", real_name: "王芳", display_name: "王芳" },
        U0LI: { name: "li", real_name: "Li Lei", display_name: "Li Lei" },
      },
    });
    await slack.start();
    bot = await startTestBot({
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: CHANNEL } },
      ...incidentConfig(dw, { accessKeyId: AK, accessKeySecret: SECRET }, ["ops"], {
        operators: { slack: ["U0WANG", "U0LI"] },
        leads: { slack: ["U0LEAD"] },
      }),
    });
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });
  beforeEach(() => {
    slack.ephemeral.length = 0;
  });

  const click = (actionId: string, instance: number, userId: string, ts: string) =>
    clickOnSlack(bot, SIGNING, { actionId, value: String(instance), userId, channel: CHANNEL, ts });
  const answerTo = (user: string) => waitFor(() => slack.ephemeral.find((e) => e.user === user), `${user}'s answer`);

  /** A failed instance posted to the channel; returns its id and message. */
  const fail = () => failOnSlack(bot, dw, slack, nextInstance++);

  it("Acknowledge claims it (the message shows who and since when); a second person sees it taken and takes it over", async () => {
    const { id, msg } = await fail();
    expect(shows(msg, "incident.ack") && shows(msg, "incident.rerun") && shows(msg, "incident.set-success")).toBe(true);
    expect(shows(msg, "Nobody has acknowledged this yet.")).toBe(true);

    await click("incident.ack", id, "U0WANG", msg.ts);
    expect((await answerTo("U0WANG")).text).toContain("You are on it");
    await waitFor(() => shows(msg, "On it: 王芳 since"), "the message shows who is on it");
    expect(shows(msg, "incident.take-over")).toBe(true);
    expect(shows(msg, "acknowledged by 王芳")).toBe(true);

    await click("incident.ack", id, "U0LI", msg.ts);
    expect((await answerTo("U0LI")).text).toMatch(/王芳 is on it since \d\d:\d\d/);
    slack.ephemeral.length = 0;
    await click("incident.take-over", id, "U0LI", msg.ts);
    expect((await answerTo("U0LI")).text).toContain("You took it over from 王芳");
    await waitFor(() => shows(msg, "(took over from 王芳)"), "the take-over on the message");
    const audit = await bot.runtime.approvalStore.auditLog(20);
    expect(audit.filter((e) => e.incident?.instanceId === String(id)).map((e) => e.incident?.action)).toEqual([
      "taken-over",
      "acknowledged",
    ]);
  });

  it("Rerun asks first (Block Kit confirm naming node, instance, business date); three clicks at once → one call; the pre-rerun event is answered OK without a card", async () => {
    const { id, msg } = await fail();
    const rerun = (msg.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>)
      .find((b) => b.type === "actions")
      ?.elements?.find((e) => e.action_id === "incident.rerun");
    expect(rerun?.confirm).toMatchObject({
      title: { type: "plain_text", text: "Rerun this instance?" },
      text: { type: "plain_text", text: expect.stringContaining(`instance ${id}, business date`) },
      confirm: { type: "plain_text", text: "Rerun" },
      deny: { type: "plain_text", text: "Cancel" },
    });

    await Promise.all([
      click("incident.rerun", id, "U0WANG", msg.ts),
      click("incident.rerun", id, "U0LI", msg.ts),
      click("incident.rerun", id, "U0WANG", msg.ts),
    ]);
    await waitFor(() => shows(msg, "Rerun by"), "the outcome on the message");
    await sleep(300);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(1);
    expect(dw.callsOf("RerunTaskInstances")[0]?.params.Ids).toBe(`[${id}]`);
    expect(dw.instanceOps.applied).toEqual([expect.objectContaining({ op: "rerun", id })]);
    await waitFor(() => shows(msg, "DataWorks accepted it."), "DataWorks' answer on the message");
    expect(shows(msg, "incident.rerun")).toBe(false); // running now: no second rerun offered
    expect(slack.ephemeral.some((e) => e.text.includes("is on its way to DataWorks; nothing more was sent"))).toBe(
      true,
    );

    // DataWorks publishes the pre-event of the rerun the bot started: answered OK from chat, no approval card.
    const pre = preRerun([id]);
    const before = slack.messages.length;
    expect((await bot.post(pre)).status).toBe(202);
    const decided = await waitFor(() => dw.decisions.get(String(pre.id)), "the answer to the pre-rerun event");
    expect(decided.checkResult).toBe("OK");
    await sleep(300);
    const cards = slack.messages.slice(before).filter((m) => shows(m, "approval.approve"));
    expect(cards).toEqual([]);
    const audit = await bot.runtime.approvalStore.auditLog(30);
    const answer = audit.find((e) => e.decision?.by.kind === "chat");
    expect(answer?.decision?.by).toMatchObject({ kind: "chat", op: "rerun", platform: "slack" });

    // The same check from someone in the Operation Center is not ours: it gets a card.
    const other = preRerun([id + 99_999]);
    await bot.post(other);
    await waitFor(
      () => slack.messages.slice(before).find((m) => shows(m, "approval.approve")),
      "a card for a rerun the bot did not start",
    );

    // DataWorks runs it, then it succeeds: the status events update the same message, the timeline on it.
    const top = () => slack.messages.filter((m) => !m.thread_ts && shows(m, String(id)));
    expect((await bot.post(failedInstance(id, undefined, 4))).status).toBe(202);
    await waitFor(() => shows(msg, "Running: "), "the message updated: running");
    expect((await bot.post(failedInstance(id, undefined, 6))).status).toBe(202);
    await waitFor(() => shows(msg, "Recovered: "), "the message updated: recovered");
    expect(shows(msg, "rerun by 王芳")).toBe(true);
    expect(shows(msg, "succeeded")).toBe(true);
    // No second message for the running or the recovery (the pre-event's answer is a message of its own).
    expect(top().filter((m) => shows(m, "Running") || shows(m, "Recovered"))).toEqual([msg]);
  });

  it("Mark success is refused for someone outside its role (nothing called), allowed for a lead", async () => {
    const { id, msg } = await fail();
    await click("incident.set-success", id, "U0WANG", msg.ts);
    expect((await answerTo("U0WANG")).text).toContain("You may not Mark success this instance");
    await sleep(200);
    expect(dw.callsOf("SetSuccessTaskInstances")).toHaveLength(0);
    await click("incident.set-success", id, "U0LEAD", msg.ts);
    await waitFor(() => dw.callsOf("SetSuccessTaskInstances").length === 1, "the lead's call");
    await waitFor(() => shows(msg, "marked success by"), "the timeline on the message");
    const audit = await bot.runtime.approvalStore.auditLog(20);
    const mine = audit.filter((e) => e.incident?.instanceId === String(id)).map((e) => e.incident);
    expect(mine.some((e) => e?.action === "set-success" && e.by?.userId === "U0LEAD")).toBe(true);
    expect(mine.some((e) => e?.by?.userId === "U0WANG")).toBe(false);
  });

  it("the ack and the rerun are threaded under the message when they happen, before any status event", async () => {
    const { id, msg } = await fail();
    const thread = () => slack.messages.filter((m) => m.thread_ts === msg.ts).map((m) => m.text);
    await click("incident.ack", id, "U0WANG", msg.ts);
    await waitFor(() => thread().some((t) => t.startsWith("acknowledged by 王芳")), "the ack threaded");
    await click("incident.rerun", id, "U0WANG", msg.ts);
    await waitFor(() => thread().some((t) => t.startsWith("rerun by 王芳")), "the rerun threaded");
    await sleep(300);
    // Each entry once; no status event of the instance was posted.
    expect(thread().filter((t) => t.startsWith("acknowledged by 王芳"))).toHaveLength(1);
    expect(thread().filter((t) => t.startsWith("rerun by 王芳"))).toHaveLength(1);
  });

  it("a throttled DataWorks is tried again, then its error is shown and the instance can be rerun again", async () => {
    const { id, msg } = await fail();
    for (let n = 0; n < 3; n++) dw.script.push({ action: "RerunTaskInstances", answer: { throttle: true } });
    await click("incident.rerun", id, "U0WANG", msg.ts);
    await waitFor(() => shows(msg, "Rerun by 王芳 failed:"), "the error on the message", 10_000);
    expect(shows(msg, "Request was denied due to user flow control.")).toBe(true);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(3);
    expect(shows(msg, "incident.rerun")).toBe(true);
    // DataWorks' refusal for the instance itself is shown in its words.
    dw.instanceOps.refuse.set(id, "The instance is frozen.");
    await click("incident.rerun", id, "U0LI", msg.ts);
    await waitFor(() => shows(msg, "Rerun by Li Lei failed: The instance is frozen."), "the refusal on the message");
  });

  it("the commands call the same handlers: ack, rerun, and audit lists them", async () => {
    const { id, msg } = await fail();
    const command = (text: string, user = "U0LI") =>
      bot.runtime.onCommand({ adapter: "slack", text, user: { id: user }, channel: CHANNEL });
    const acked = await command(`ack ${id}`);
    expect(acked.message.title).toContain("You are on it");
    const refused = await command(`set-success ${id}`);
    expect(JSON.stringify(refused.message.sections)).toContain("You may not");
    const rerun = await command(`重跑 ${id}`);
    expect(rerun.message.title).toContain("已发起重跑");
    await waitFor(() => dw.callsOf("RerunTaskInstances").length === 1, "the rerun");
    await waitFor(() => shows(msg, "rerun by Li Lei"), "the message updated from the command");
    const audit = await command("audit 5");
    const text = JSON.stringify(audit.message);
    expect(text).toContain("Rerun requested");
    expect(text).toContain(`Instance ${id}`);
    expect(JSON.stringify((await command("ack 12ab")).message.sections)).toContain("is not an instance id");
  });
});

describe("incidents on Slack: Stop on a running instance a route chose to show", () => {
  const { dw } = dataWorksOnRedis(`${AK}-stop`, SECRET);
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({
      token: TOKEN,
      channels: [CHANNEL],
      users: { U0WANG: { name: "wang", real_name: "王芳" } },
    });
    await slack.start();
    const base = incidentConfig(dw, { accessKeyId: `${AK}-stop`, accessKeySecret: SECRET }, ["ops"], {
      operators: { slack: ["U0WANG"] },
      leads: { slack: ["U0LEAD"] },
    });
    bot = await startTestBot({
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: CHANNEL } },
      ...base,
      notifications: { instanceStatuses: ["failed", "running"] },
      routes: [
        ...base.routes,
        {
          name: "long runs",
          match: { type: ["dataworks:InstanceStatusChanges:InstanceStatusChanges"], data: { status: [4] } },
          destinations: ["ops"],
          actions: { buttons: ["stop"], users: { slack: ["U0WANG"] } },
        },
      ],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  it("a running instance carries Stop (confirm, danger); Stop → StopTaskInstances once → stopped on the message", async () => {
    const id = nextInstance++;
    dw.instanceOps.status.set(id, "Running");
    await bot.post(failedInstance(id, 700001234099, 4));
    const msg = await waitFor(
      () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(`"value":"${id}"`)),
      "the running message with Stop",
    );
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('"action_id":"incident.stop"');
    expect(text).not.toContain("incident.rerun");
    expect(text).toContain('"style":"danger"');
    expect(text).toContain("Stop this instance?");
    await clickOnSlack(bot, SIGNING, {
      actionId: "incident.stop",
      value: String(id),
      userId: "U0WANG",
      channel: CHANNEL,
      ts: msg.ts,
    });
    await waitFor(() => JSON.stringify(msg.blocks).includes("Stop by 王芳: DataWorks accepted it."), "the outcome");
    expect(dw.callsOf("StopTaskInstances")).toHaveLength(1);
    expect(JSON.stringify(msg.blocks)).toContain("stopped by 王芳");
    expect(JSON.stringify(msg.blocks)).not.toContain("incident.stop");
    expect(dw.instanceOps.status.get(id)).toBe("Failure");
  });
});
