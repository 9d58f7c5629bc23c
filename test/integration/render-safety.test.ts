import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDecision, localDecisionSender } from "../../src/approvals/local-decision-sender.js";
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
    expect((await bot.runtime.approvalStore.get(id))?.decision?.by.name).toBe("alice\ufffd");
  });
});
