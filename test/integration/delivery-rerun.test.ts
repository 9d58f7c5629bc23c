/**
 * A delivery run again after its worker died between the platform's answer and BullMQ's "completed" (the
 * stalled-job check re-runs it with the same data) must not post a second message. Found by the reliability
 * suite (scenario 1: kill -9 during a burst gave one duplicate per in-flight job).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-rerun";

describe("a delivery re-run after a crash", () => {
  let slack: FakeSlack;
  let bot: TestBot;
  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: ["C0RERUN"] });
    await slack.start();
    bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: "C0RERUN" } },
      routes: [{ destinations: ["ops"] }],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  it("finds the message it already posted and does not post it again", async () => {
    const ev = freshEvent("instance-status-changes");
    expect((await bot.post(ev)).status).toBe(202);
    await waitFor(() => slack.messages.length === 1, "the first message");
    // The ref is saved after the platform answers, so it can land a moment after the message shows up.
    const [first] = await waitFor(async () => {
      const refs = await bot.runtime.refs.list(String(ev.id));
      return refs.length > 0 ? refs : undefined;
    }, "the saved message ref");
    expect(first?.ids.ts).toBe(slack.messages[0]?.ts);

    // The same work again, as the stalled-job check hands it to another worker: same event, same destination.
    const { event } = (await bot.runtime.recent.get(String(ev.id))) ?? {};
    expect(event).toBeDefined();
    const rerun = await bot.runtime.queues.deliveries.add(
      "deliver",
      { event: event!, destination: "ops" },
      { jobId: "d.rerun.ops" },
    );
    await waitFor(async () => (await rerun.isCompleted()) && rerun, "the re-run completed");
    const done = await bot.runtime.queues.deliveries.getJob("d.rerun.ops");
    expect(done?.returnvalue).toMatchObject({ ids: { ts: first?.ids.ts } });
    await sleep(200);
    expect(slack.messages).toHaveLength(1);
    expect(slack.calls.filter((c) => c.path.endsWith("chat.postMessage"))).toHaveLength(1);

    // Another event to the same destination is still posted.
    await bot.post(freshEvent("instance-status-changes"));
    await waitFor(() => slack.messages.length === 2, "the next event's message");
  });
});
