/**
 * Validly signed requests to /slack/events that are not Slack payloads this bot handles: JSON that is not an
 * object, payloads of ours with the wrong shape, and kinds we do not listen to. Found by the reliability suite
 * (scenario 8, fuzzing with valid signatures): they answered 500, which Slack retries.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { slackHeaders } from "../helpers/sign-slack.js";

const SECRET = "malformed-signing-secret";

describe("/slack/events with signed bodies that are not our payloads", () => {
  let slack: FakeSlack;
  let bot: TestBot;
  beforeAll(async () => {
    slack = new FakeSlack({ token: "xoxb-malformed", channels: ["C0M"] });
    await slack.start();
    bot = await startTestBot({
      slack: { token: "xoxb-malformed", signingSecret: SECRET, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: "C0M" } },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  const post = async (body: string, type: string) => {
    const headers = { ...slackHeaders(SECRET, body), "content-type": type };
    const t0 = Date.now();
    const res = await fetch(`${bot.url}/slack/events`, { method: "POST", headers, body });
    return { status: res.status, ms: Date.now() - t0 };
  };
  const json = "application/json";
  const formType = "application/x-www-form-urlencoded";
  const payload = (v: unknown) => `payload=${encodeURIComponent(JSON.stringify(v))}`;

  it("answers 400 to JSON that is not an object", async () => {
    for (const body of ["null", "3", '"x"', "[]", "[1,2]"]) expect((await post(body, json)).status).toBe(400);
    expect((await post(payload(null), formType)).status).toBe(400);
  });

  it("answers 400 to our kinds of payload in the wrong shape", async () => {
    const bad = [
      { type: "block_actions", user: { id: "U1" }, actions: "approve" },
      { type: "block_actions", user: null, actions: [{ action_id: "approval.approve", type: "button" }] },
      { type: "block_actions", user: { id: "U1" }, actions: [null] },
      { type: "view_submission", user: { id: "U1" }, view: { id: 3, callback_id: "approval.block.reason" } },
    ];
    for (const b of bad) expect((await post(payload(b), formType)).status).toBe(400);
    expect((await post("command=%2Fdataworks&text=recent", formType)).status).toBe(400); // no user_id/channel_id
  });

  it("acknowledges at once what it does not listen to", async () => {
    for (const b of [{ type: "shortcut", callback_id: "x" }, { id: 1 }, {}]) {
      const r = await post(payload(b), formType);
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(2000); // not held until the 2.5 s ack timeout
    }
  });
});
