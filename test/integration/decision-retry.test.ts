import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecisionSender } from "../../src/approvals/types.js";
import { DataWorksApiError } from "../../src/dataworks/openapi-client.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { blockAction, form, slackHeaders } from "../helpers/sign-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-decision-retry";
const SIGNING = "slack-signing-secret-retry";
const CHANNEL = "C0RETRY";

/**
 * The decision queue follows the one retry model (src/jobs/retry-decision.ts): a bug in the sending code fails at
 * once with an alert instead of being retried for hours, and a throttle's retry-after is waited for.
 */
describe("returning a decision: what is retried and how", () => {
  let slack: FakeSlack;
  let bot: TestBot;
  const calls: string[] = [];
  let answer: (messageId: string) => Error | undefined = () => undefined;
  const send: DecisionSender = async (d) => {
    calls.push(d.messageId);
    const err = answer(d.messageId);
    if (err) throw err;
    return { api: "UpdateIDEEventResult", requestId: "req-1" };
  };

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: [CHANNEL] });
    await slack.start();
    bot = await startTestBot(
      {
        slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
        dataworks: { extensionCode: "ext-test" },
        destinations: { ops: { platform: "slack", channel: CHANNEL } },
        approvals: {
          deliveryBackoff: "50ms",
          deliveryAttempts: 6,
          routes: [{ name: "prod", destinations: ["ops"], approvers: { users: { slack: ["U0ALICE"] } } }],
        },
      },
      { decisionSender: send },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  async function approve(ev: Record<string, unknown>): Promise<string> {
    const id = await waitFor(
      () => bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }),
      "the approval",
    );
    const card = await waitFor(
      () => slack.inChannel(CHANNEL).find((m) => JSON.stringify(m.blocks).includes(id)),
      "the approval card",
    );
    const body = form(
      blockAction({ actionId: "approval.approve", value: id, userId: "U0ALICE", channel: CHANNEL, ts: card.ts }),
    );
    const res = await fetch(`${bot.url}/slack/events`, { method: "POST", headers: slackHeaders(SIGNING, body), body });
    expect(res.status).toBe(200);
    return id;
  }

  it("a bug in the sending code is not retried: the decision fails once and the route's channels are alerted", async () => {
    const ev = freshEvent("commit-file");
    answer = (m) => (m === ev.id ? new TypeError("Cannot read properties of undefined (reading 'api')") : undefined);
    await bot.post(ev);
    const id = await approve(ev);
    await waitFor(
      () => slack.inChannel(CHANNEL).find((m) => m.text.includes("could not be returned to DataWorks")),
      "the alert",
    );
    expect((await bot.runtime.approvalStore.get(id))?.dataworks?.status).toBe("failed");
    await sleep(500);
    // With six attempts 50 ms apart, a retried bug would have been called six times by now.
    expect(calls.filter((c) => c === ev.id)).toHaveLength(1);
  });

  it("a throttle that says how long to wait is waited for, not retried on the backoff", async () => {
    const ev = freshEvent("commit-file");
    answer = (m) =>
      m === ev.id
        ? new DataWorksApiError("DataWorks UpdateIDEEventResult failed: HTTP 429 Throttling.User", {
            action: "UpdateIDEEventResult",
            apiCode: "Throttling.User",
            retryable: true,
            throttled: true,
            retryAfterMs: 60_000,
          })
        : undefined;
    await bot.post(ev);
    const id = await approve(ev);
    await waitFor(
      async () => (await bot.runtime.queues.approvals.getJobState(id)) === "delayed",
      "the decision parked",
    );
    await sleep(500);
    expect(calls.filter((c) => c === ev.id)).toHaveLength(1);
    const job = await bot.runtime.queues.approvals.getJob(id);
    expect(job?.attemptsMade).toBe(0);
    expect(job?.data.throttled).toBe(1);
    expect((await bot.runtime.approvalStore.get(id))?.dataworks?.status).not.toBe("failed");
  });
});
