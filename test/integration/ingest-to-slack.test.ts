import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { allFixtureNames, freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const SLACK_TOKEN = "xoxb-test-token";

describe("POST /dataworks/events → Slack (real Redis, BullMQ, WebClient against a fake Slack)", () => {
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: SLACK_TOKEN, channels: ["C0INST", "C0ALL"] });
    await slack.start();
    bot = await startTestBot({
      slack: { token: SLACK_TOKEN, apiUrl: slack.apiUrl },
      destinations: {
        instances: { platform: "slack", channel: "C0INST" },
        everything: { platform: "slack", channel: "C0ALL", locale: "zh-CN" },
      },
      routes: [
        {
          name: "instances",
          match: { type: ["dataworks:InstanceStatusChanges:InstanceStatusChanges"] },
          destinations: ["instances"],
        },
        { name: "rest", destinations: ["everything"] },
      ],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  it("delivers every fixture to the channel its route names, formatted per event type", async () => {
    const names = allFixtureNames();
    const sent = new Map<string, string>();
    for (const name of names) {
      const ev = freshEvent(name);
      const res = await bot.post(ev);
      expect(res.status, name).toBe(202);
      sent.set(String(ev.id), name);
    }
    await waitFor(() => slack.messages.length >= names.length, `${names.length} Slack messages`, 20_000);
    expect(slack.messages).toHaveLength(names.length);
    expect(slack.inChannel("C0INST")).toHaveLength(1);
    const inst = slack.inChannel("C0INST")[0]!;
    expect(inst.text).toContain("Failed");
    expect(JSON.stringify(inst.blocks)).toContain("🔴");
    const commit = slack
      .inChannel("C0ALL")
      .find((m) => JSON.stringify(m.blocks).includes("ods_order_detail_di") && m.text.includes("申请提交"));
    expect(commit, "commit-file rendered in zh-CN for the zh-CN destination").toBeDefined();
  });

  it("sends one message for the same event id posted twice", async () => {
    const ev = freshEvent("deploy-file");
    const before = slack.messages.length;
    const first = await bot.post(ev);
    const second = await bot.post(ev);
    expect(await first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await second.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await waitFor(() => slack.messages.length > before, "the message");
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.messages.filter((m) => JSON.stringify(m.blocks).includes(String(ev.id)))).toHaveLength(1);
  });

  it("accepts a JSON array of events and the Function Compute envelope", async () => {
    const before = slack.messages.length;
    const res = await bot.post([freshEvent("kill-instance"), freshEvent("rerun-instance")]);
    expect(await res.json()).toMatchObject({ accepted: 2 });
    const fc = { ...freshEvent("variants/fc-envelope.download-resources"), messageId: crypto.randomUUID() };
    const res2 = await bot.post(fc);
    expect(res2.status).toBe(202);
    await waitFor(() => slack.messages.length >= before + 3, "3 messages");
    expect(slack.messages.some((m) => m.text.includes("申请下载"))).toBe(true);
  });

  it("waits for Slack's Retry-After on a 429, then delivers once", async () => {
    slack.script.push({ rateLimit: 1 });
    const ev = freshEvent("freeze-instance");
    const t0 = Date.now();
    await bot.post(ev);
    const msg = await waitFor(
      () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(ev.id))),
      "the throttled message",
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(msg).toBeDefined();
    const posts = slack.calls.filter((c) => c.path.endsWith("chat.postMessage") && c.raw.includes(String(ev.id)));
    expect(posts).toHaveLength(2);
  });

  it("retries a 5xx with backoff and does not retry a permanent error", async () => {
    slack.script.push({ status: 503 });
    const ev = freshEvent("unfreeze-instance");
    await bot.post(ev);
    await waitFor(
      () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(ev.id))),
      "delivery after a 503",
    );

    slack.script.push({ error: "not_in_channel" });
    const bad = freshEvent("set-instance-success");
    await bot.post(bad);
    const failed = await waitFor(async () => {
      const jobs = await bot.runtime.queues.deliveries.getFailed();
      return jobs.find((j) => j.data.event.id === bad.id);
    }, "the failed delivery job");
    expect(failed.failedReason).toContain("not_in_channel");
    expect(failed.failedReason).toContain("everything");
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).not.toContain(SLACK_TOKEN);
  });
});
