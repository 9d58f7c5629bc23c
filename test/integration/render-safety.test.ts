import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDecision, localDecisionSender } from "../../src/approvals/local-decision-sender.js";
import { parseEnvelopes } from "../../src/dataworks/envelope.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { blockAction, form, slackHeaders } from "../helpers/sign-slack.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-render-safety";
const SIGNING = "render-safety-signing";
const CHANNEL = "C0SAFE";
const NOTIFY = "C0NOTIFY";
/** An unpaired UTF-16 surrogate: valid inside a JSON string escape, not text (encoders throw "URI malformed"). */
const LONE = "\ud800";

describe("render safety: lone surrogates and deterministic encoding failures", () => {
  let slack: FakeSlack;
  let bot: TestBot;
  const sent: LocalDecision[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: [CHANNEL, NOTIFY] });
    await slack.start();
    const capture = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    bot = await startTestBot(
      {
        slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
        dataworks: { extensionCode: "ext-test" },
        destinations: {
          approvals: { platform: "slack", channel: CHANNEL },
          ops: { platform: "slack", channel: NOTIFY },
        },
        routes: [{ name: "all", destinations: ["ops"] }],
        approvals: {
          routes: [{ name: "prod", destinations: ["approvals"], approvers: { users: { slack: ["U0ALICE"] } } }],
        },
      },
      { decisionSender: localDecisionSender(createLogger("silent"), sent), logger: createLogger("info", capture) },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  /** The delivery job once it has finished (completed or failed). */
  const finished = (jobId: string) =>
    waitFor(async () => {
      const job = await bot.runtime.queues.deliveries.getJob(jobId);
      return job?.finishedOn ? job : undefined;
    }, `job ${jobId} finished`);
  const cardFor = (id: string) => slack.inChannel(CHANNEL).find((m) => JSON.stringify(m.blocks).includes(id));

  it("replaces a lone surrogate with U+FFFD at ingest: the approval card is posted with the text", async () => {
    const ev = freshEvent("commit-file");
    (ev.data as Record<string, unknown>).fileName = `ods_${LONE}_orders${LONE}`;
    const res = await bot.post(ev);
    expect(res.status).toBe(202);
    const id = await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) });
    const card = await waitFor(() => cardFor(String(id)), "the approval card", 5_000);
    // Slack's client form-encodes the text: a surrogate inside swallowed the next character, one at the end threw.
    expect(card.text).toContain("ods_\ufffd_orders\ufffd");
    expect(JSON.stringify(card.blocks)).toContain("ods_\ufffd_orders\ufffd");
    const stored = await bot.runtime.approvalStore.get(String(id));
    expect(stored?.event.data.fileName).toBe("ods_\ufffd_orders\ufffd");
  });

  it("replaces a lone surrogate in text typed in chat (a display name): the decided card is updated", async () => {
    const ev = freshEvent("commit-file");
    expect((await bot.post(ev)).status).toBe(202);
    const id = String(await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }));
    const card = await waitFor(() => cardFor(id), "the approval card", 5_000);
    const body = form(
      blockAction({
        actionId: "approval.approve",
        value: id,
        userId: "U0ALICE",
        userName: `alice${LONE}`,
        channel: CHANNEL,
        ts: card.ts,
      }),
    );
    const res = await fetch(`${bot.url}/slack/events`, {
      method: "POST",
      headers: slackHeaders(SIGNING, body),
      body,
    });
    expect(res.status).toBe(200);
    await waitFor(() => card.updates > 0 && JSON.stringify(card.blocks).includes("alice\ufffd"), "the decided card");
    const by = (await bot.runtime.approvalStore.get(id))?.decision?.by;
    expect(by?.kind === "human" && by.name).toBe("alice\ufffd");
  });

  it("a card job holding text the client cannot encode posts the minimal card at once, logged with the event id", async () => {
    // A job queued before the ingest fix (or from any path that skipped it) still carries the lone surrogate.
    const raw = freshEvent("commit-file");
    (raw.data as Record<string, unknown>).fileName = `legacy_file${LONE}`;
    const parsed = parseEnvelopes(raw);
    if (!parsed.ok) throw new Error("fixture did not parse");
    const event = parsed.events[0]!;
    await bot.runtime.queues.events.add("event", { event, receivedAt: Date.now() }, { jobId: `e.${event.id}` });
    const id = await waitFor(
      () => bot.runtime.approvalStore.idForEvent({ source: event.source, id: event.id }),
      "the approval",
    );
    const card = await waitFor(() => cardFor(id), "the fallback card", 5_000);
    // Still a card: the buttons carry the approval id, so people can decide.
    expect(JSON.stringify(card.blocks)).toContain("approval.approve");
    const job = await finished(`c.${id}.approvals`);
    expect(job.stacktrace, "posted on the first attempt, no retry loop").toEqual([]);
    const logged = lines.find((l) => l.includes(event.id) && l.includes("fallback"));
    expect(logged, "the failure is logged with the event id").toBeTruthy();
  });

  it("a notification job holding text the client cannot encode is delivered at once, well formed, its incident stored", async () => {
    const raw = freshEvent("instance-status-changes");
    // The node ends the title, which Slack's client form-encodes as the message's `text`.
    (raw.data as Record<string, unknown>).nodeId = `700001234003${LONE}`;
    const parsed = parseEnvelopes(raw);
    if (!parsed.ok) throw new Error("fixture did not parse");
    const event = parsed.events[0]!;
    await bot.runtime.queues.events.add("event", { event, receivedAt: Date.now() }, { jobId: `e.${event.id}` });
    const msg = await waitFor(
      () => slack.inChannel(NOTIFY).find((m) => JSON.stringify(m).includes(event.id)),
      "the fallback notification",
      5_000,
    );
    expect(msg).toBeTruthy();
    // Sent by the events job's own attempt (src/jobs/inline-delivery.ts): no delivery job queued for a retry.
    const job = await waitFor(async () => {
      const j = await bot.runtime.queues.events.getJob(`e.${event.id}`);
      return j?.finishedOn ? j : undefined;
    }, "the events job finished");
    expect(job.stacktrace, "sent on the first attempt, no retry loop").toEqual([]);
    expect(await bot.runtime.queues.deliveries.getJob(`d.e.${event.id}.ops`), "no retry queued").toBeUndefined();
    expect(msg.text).not.toContain("\ud800");
    // A failed instance also opens its incident, through Lua scripts whose JSON decoder refuses a lone surrogate's
    // escape: stored as U+FFFD, the delivery goes on (before, the job failed and the message was lost).
    expect(msg.text).toContain("700001234003\ufffd");
    const instanceId = String((event.data as Record<string, unknown>).taskId);
    const incident = await bot.runtime.redis.hget(`${bot.prefix}:incident:${instanceId}`, "facts");
    expect(incident).toContain("700001234003\ufffd");
  });

  it("a command answer quoting text stored before the ingest fix is well formed on its way out", async () => {
    const raw = freshEvent("instance-status-changes");
    (raw.data as Record<string, unknown>).nodeId = `700009999001${LONE}`;
    const parsed = parseEnvelopes(raw);
    if (!parsed.ok) throw new Error("fixture did not parse");
    await bot.runtime.recent.record(parsed.events[0]!, Date.now());
    const reply = await bot.runtime.onCommand({
      adapter: "slack",
      text: "recent",
      user: { id: "U0ALICE" },
      channel: NOTIFY,
    });
    const text = JSON.stringify(reply);
    expect(text).toContain("700009999001");
    // JSON.stringify writes an unpaired surrogate as a \u escape: none may be left.
    expect(text).not.toMatch(/\\ud[89a-f]/i);
  });
});
