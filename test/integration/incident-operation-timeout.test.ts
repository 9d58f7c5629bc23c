import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentOpJobData } from "../../src/incidents/service.js";
import { IncidentStore } from "../../src/incidents/store.js";
import { QUEUES } from "../../src/jobs/queues.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { incidentConfig } from "../helpers/incident-config.js";
import { clickOnSlack, failOnSlack, shows } from "../helpers/incident-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-op-timeout";
const SIGNING = "slack-signing-op-timeout";
const CHANNEL = "C0OPTIME";
const AK = "LTAI-op-timeout";
const SECRET = "op-timeout-secret";
let nextInstance = 710_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

/**
 * An operation whose answer is lost (the client times out) may have gone through: DataWorks would refuse a second
 * call (the instance is no longer failed), so the bot never calls again; it reads the instance's status
 * (GetTaskInstance) and says "done" when the status shows it, "unknown — check DataWorks" when it does not.
 * Real Bolt app and OpenAPI client against the fakes, real Redis and BullMQ; DataWorks' client timeout is 1 s.
 */
describe("incidents: a DataWorks operation that timed out is not called twice and is reported truthfully", () => {
  const { dw } = dataWorksOnRedis(AK, SECRET);
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({
      token: TOKEN,
      channels: [CHANNEL],
      users: { U0WANG: { name: "wang", real_name: "王芳" }, U0LEAD: { name: "lead", real_name: "Lead Liu" } },
    });
    await slack.start();
    const base = incidentConfig(dw, { accessKeyId: AK, accessKeySecret: SECRET }, ["ops"], {
      operators: { slack: ["U0WANG"] },
      leads: { slack: ["U0LEAD"] },
    });
    bot = await startTestBot({
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: CHANNEL } },
      ...base,
      dataworks: { ...base.dataworks, timeout: "1s" },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  const click = (actionId: string, instance: number, userId: string, ts: string) =>
    clickOnSlack(bot, SIGNING, { actionId, value: String(instance), userId, channel: CHANNEL, ts });
  const fail = () => failOnSlack(bot, dw, slack, nextInstance++);

  it("a rerun that went through but whose answer was lost: one call, the status read, shown as done", async () => {
    const { id, msg } = await fail();
    dw.script.push({ action: "RerunTaskInstances", answer: { applyThenHang: true } });
    await click("incident.rerun", id, "U0WANG", msg.ts);
    await waitFor(() => shows(msg, "Rerun by 王芳: DataWorks accepted it."), "the rerun shown as done", 15_000);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(1);
    expect(dw.instanceOps.applied.filter((a) => a.id === id)).toHaveLength(1);
    expect(dw.callsOf("GetTaskInstance").map((c) => c.params.Id)).toEqual([String(id)]);
    expect(shows(msg, "failed:")).toBe(false);
    // Nothing is retried later either.
    await sleep(1500);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(1);
  });

  it("a run that died mid-call (its call marked, never finished) is not called again: the status is read", async () => {
    const { id, msg } = await fail();
    // Hold the operation job, then leave what a worker killed during the call leaves: the claim marked as calling.
    const queue = new Queue<IncidentOpJobData>(QUEUES.incidents, { connection: bot.runtime.redis, prefix: bot.prefix });
    await queue.pause();
    try {
      await click("incident.rerun", id, "U0WANG", msg.ts);
      const held = async () =>
        (await queue.getJobs(["waiting", "prioritized"])).find((j) => j?.data.instanceId === String(id));
      const job = await waitFor(held, "the held job");
      expect(await new IncidentStore(bot.runtime.redis, bot.prefix).markCalling(String(id), job.data.claimId)).toBe(
        true,
      );
      dw.instanceOps.status.set(id, "Running"); // the earlier call went through: the instance runs again
      await queue.resume();
      await waitFor(() => shows(msg, "Rerun by 王芳: DataWorks accepted it."), "the rerun shown as done", 15_000);
      expect(dw.callsOf("RerunTaskInstances")).toHaveLength(0);
      expect(dw.callsOf("GetTaskInstance").map((c) => c.params.Id)).toEqual([String(id)]);
    } finally {
      await queue.resume();
      await queue.close();
    }
  });

  it("a mark-success with no answer that the status does not show: one call, 'check DataWorks', free to try again", async () => {
    const { id, msg } = await fail();
    dw.script.push({ action: "SetSuccessTaskInstances", answer: { hang: true } });
    await click("incident.set-success", id, "U0LEAD", msg.ts);
    await waitFor(() => shows(msg, "check the instance in DataWorks"), "the unknown outcome on the message", 15_000);
    expect(shows(msg, "Mark success by Lead Liu: DataWorks did not answer")).toBe(true);
    expect(dw.callsOf("SetSuccessTaskInstances")).toHaveLength(1);
    expect(dw.instanceOps.status.get(id)).toBe("Failure");
    await sleep(1500);
    expect(dw.callsOf("SetSuccessTaskInstances")).toHaveLength(1);
    // The instance is not held: the lead may press it again once DataWorks is checked.
    expect(shows(msg, "incident.set-success")).toBe(true);
    await click("incident.set-success", id, "U0LEAD", msg.ts);
    await waitFor(() => shows(msg, "Mark success by Lead Liu: DataWorks accepted it."), "the second press done");
    expect(dw.callsOf("SetSuccessTaskInstances")).toHaveLength(2);
  });
});
