/**
 * The events job attempts each notification itself (src/jobs/inline-delivery.ts); the delivery job is only the
 * fallback: a slow platform, a digest's interval and the events workers' share are where it hands over.
 */
import { afterEach, describe, expect, it } from "vitest";
import { localDecisionSender } from "../../src/approvals/local-decision-sender.js";
import type { DeliverDeps } from "../../src/jobs/deliver.js";
import { inlineDispatch } from "../../src/jobs/inline-delivery.js";
import { cardJobId, deliveryJobId, PRIORITY } from "../../src/jobs/queues.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-inline";
const CHANNEL = "C0INL";

/** A failure of its own node, so that none is taken for a follow-up of another. */
function nodeEvent(nodeId: number): Record<string, unknown> {
  const ev = freshEvent("instance-status-changes");
  return { ...ev, data: { ...(ev.data as Record<string, unknown>), nodeId, taskId: nodeId + 100_000_000_000 } };
}

const sentMetric = async (bot: TestBot) =>
  Number(
    /dwc_messages_sent_total\{platform="slack",kind="deliver"\} (\d+)/.exec(
      await (await fetch(`${bot.url}/metrics`)).text(),
    )?.[1] ?? 0,
  );

describe("inline delivery: one BullMQ job per event sent at once", () => {
  let slack: FakeSlack | undefined;
  let bot: TestBot | undefined;
  const start = async (raw: Record<string, unknown> = {}, slackExtra: Record<string, unknown> = {}, workers = true) => {
    slack = new FakeSlack({ token: TOKEN, channels: [CHANNEL] });
    await slack.start();
    bot = await startTestBot(
      {
        slack: { token: TOKEN, apiUrl: slack.apiUrl, signingSecret: "inline-signing-secret", ...slackExtra },
        destinations: { ops: { platform: "slack", channel: CHANNEL } },
        routes: [{ destinations: ["ops"] }],
        ...raw,
      },
      { workers, decisionSender: localDecisionSender(createLogger("silent"), []) },
    );
    return { bot, slack };
  };
  afterEach(async () => {
    await bot?.close();
    await slack?.stop();
    bot = slack = undefined;
  });

  it("sends a notification from the events job: no delivery job, counted as sent once", async () => {
    const { bot, slack } = await start();
    const ev = freshEvent("kill-instance");
    expect((await bot.post(ev)).status).toBe(202);
    await waitFor(() => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(ev.id))), "the message");
    await waitFor(async () => (await bot.runtime.queues.events.getCompletedCount()) === 1, "the events job done");
    const counts = await bot.runtime.queues.deliveries.getJobCounts();
    expect(
      Object.values(counts).reduce((a, b) => a + b, 0),
      JSON.stringify(counts),
    ).toBe(0);
    expect(await bot.runtime.refs.list(String(ev.id))).toHaveLength(1);
    expect(await sentMetric(bot)).toBe(1);
  });

  // The fake answers after 3.5 s: past the 2 s the events job waits, within the client's 6 s timeout.
  it("hands a slow send to its queued job, which waits for the attempt and posts nothing again", {
    timeout: 30_000,
  }, async () => {
    const { bot, slack } = await start({}, { timeoutMs: 6_000 });
    slack.script.push({ delayMs: 3_500 });
    const ev = freshEvent("kill-instance");
    await bot.post(ev);
    const events = bot.runtime.queues.events;
    await waitFor(async () => (await events.getCompletedCount()) === 1, "the events job done", 5_000);
    // The events worker was free again before the platform answered.
    expect(slack.messages).toHaveLength(0);
    const [queued] = await bot.runtime.queues.deliveries.getDelayed();
    expect(queued?.data.event.id).toBe(ev.id);
    expect(queued?.data.maybeSentAt).toBeTypeOf("number");
    // It waits until the attempt is surely over (twice the 6 s timeout, and a second).
    expect(queued!.delay).toBeGreaterThanOrEqual(12_000);
    await waitFor(() => slack!.messages.length === 1, "the slow message", 5_000);
    await waitFor(async () => (await bot.runtime.refs.list(String(ev.id))).length === 1, "its ref saved");
    await queued!.promote();
    await waitFor(async () => (await bot.runtime.queues.deliveries.getCompletedCount()) === 1, "the queued job run");
    await sleep(200);
    expect(slack.calls.filter((c) => c.path.endsWith("chat.postMessage"))).toHaveLength(1);
    expect(await sentMetric(bot)).toBe(1);
  });

  it("sends a digest group's first event inline and hands the rest to the queue, each event in one message", {
    timeout: 30_000,
  }, async () => {
    const { bot, slack } = await start({
      outbox: { rateLimits: { slack: { max: 100, per: "1s" } }, digest: { burst: 1, interval: "2s", maxItems: 10 } },
    });
    const events = Array.from({ length: 6 }, (_, i) => nodeEvent(700003300000 + i));
    await bot.post(events[0]);
    await waitFor(() => slack.messages.length === 1, "the first event, on its own");
    expect(Object.values(await bot.runtime.queues.deliveries.getJobCounts()).every((n) => n === 0)).toBe(true);
    for (const ev of events.slice(1)) await bot.post(ev);
    const counted = () => slack.messages.reduce((n, m) => n + (Number(/^(\d+) ×/.exec(m.text)?.[1]) || 1), 0);
    await waitFor(() => counted() >= events.length, "every event in some message", 15_000);
    await waitFor(
      async () =>
        (await bot.runtime.queues.deliveries.getJobCountByTypes("delayed", "waiting", "prioritized", "active")) === 0,
      "no delivery left parked or running",
      15_000,
    );
    expect(counted()).toBe(events.length);
    // The held events went out together: the first alone, the other five in at most two messages.
    expect(slack.messages.length).toBeLessThanOrEqual(3);
    expect(slack.messages.some((m) => /^\d+ ×/.test(m.text))).toBe(true);
    const refs = await Promise.all(events.map((e) => bot.runtime.refs.list(String(e.id))));
    expect(refs.map((r) => r.length)).toEqual(events.map(() => 1));
    expect(await sentMetric(bot)).toBe(slack.messages.length);
  });

  // Two events workers: at most one holds a platform call, so an extension point event is taken at once even while
  // every notification's send is slow.
  it("keeps events workers free for an extension point event while notifications are slow", {
    timeout: 40_000,
  }, async () => {
    const { bot, slack } = await start({
      worker: { concurrency: 2 },
      dataworks: { extensionCode: "ext-test" },
      approvals: {
        routes: [{ name: "prod", destinations: ["ops"], approvers: { users: { slack: ["U0ALICE"] } } }],
      },
    });
    for (let i = 0; i < 4; i++) slack.script.push({ delayMs: 1_800 });
    const backlog = Array.from({ length: 4 }, (_, i) => nodeEvent(700003400000 + i));
    expect((await bot.post(backlog)).status).toBe(202);
    const ev = freshEvent("commit-file");
    await bot.post(ev);
    const id = String(await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }));
    await waitFor(() => bot.runtime.queues.deliveries.getJob(cardJobId(id, "ops")), "the card queued", 20_000);
    const job = (await bot.runtime.queues.events.getJobs(["completed", "active"])).find(
      (j) => j.data.event.id === ev.id,
    );
    // Without a bound, both workers would hold a slow send for each of the four notifications first (≥ 3.6 s).
    expect(job!.processedOn! - job!.timestamp).toBeLessThan(1_500);
    await waitFor(() => slack.messages.some((m) => JSON.stringify(m.blocks).includes(id)), "the card", 20_000);
    await waitFor(() => slack.messages.length === 5, "every notification and the card", 20_000);
  });

  // A stalled or failed events job may have sent some of its deliveries inline before it stopped.
  it("queues every delivery of a re-run events job, each told its message may exist since the event's job", async () => {
    // No workers: the queued job stays where the dispatch put it.
    const { bot } = await start({}, {}, false);
    const ev = freshEvent("kill-instance");
    const jobId = deliveryJobId("e.rerun", "ops");
    const dispatch = inlineDispatch({
      deliveries: bot.runtime.queues.deliveries,
      // Never reached: a re-run attempts nothing inline.
      deps: {} as DeliverDeps,
      backoffMs: 50,
      maxInFlight: 8,
    });
    const data = { event: ev as never, destination: "ops", routes: [] };
    await dispatch([{ name: "deliver", data, opts: { jobId, priority: PRIORITY.notification } }], { rerunOf: 1_234 });
    const job = await bot.runtime.queues.deliveries.getJob(jobId);
    expect(job?.data.maybeSentAt).toBe(1_234);
  });
});
