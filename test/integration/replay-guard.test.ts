/**
 * Replayed signed callbacks do nothing, on the same instance or another one (found by the reliability suite,
 * scenario 7: a captured Slack slash command or Lark message, replayed inside its 5-minute window, ran again and
 * recorded a second mute). Two bot instances on one Redis prefix, the real Bolt App and Lark adapter, fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { testPrefix } from "../helpers/redis.js";
import { larkRequest, messageReceived } from "../helpers/sign-lark.js";
import { slackHeaders } from "../helpers/sign-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const SLACK = { token: "xoxb-replay", signingSecret: "replay-signing-secret" };
const LARK = { appId: "cli_replay0000000001", appSecret: "replay-lark-secret", encryptKey: "replay-encrypt-key" };
const CHAT = "oc_replay0000000000001";

describe("replayed signed callbacks across two instances", () => {
  let slack: FakeSlack;
  let lark: FakeLark;
  let a: TestBot;
  let b: TestBot;
  const prefix = testPrefix();

  beforeAll(async () => {
    slack = new FakeSlack({ token: SLACK.token, channels: ["C0REPLAY"] });
    lark = new FakeLark({ appId: LARK.appId, appSecret: LARK.appSecret, chats: [CHAT] });
    await Promise.all([slack.start(), lark.start()]);
    const cfg = {
      slack: { ...SLACK, apiUrl: slack.apiUrl },
      lark: { ...LARK, domain: lark.url },
      destinations: { ops: { platform: "slack", channel: "C0REPLAY" }, lk: { platform: "lark", chatId: CHAT } },
      commands: { roles: { mute: { users: { slack: ["U0ALICE"], lark: ["ou_alice"] } } } },
    };
    a = await startTestBot(cfg, { prefix, keepKeys: true });
    b = await startTestBot(cfg, { prefix });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all([slack?.stop(), lark?.stop()]);
  });

  it("runs a signed Slack slash command once, however often its bytes arrive", async () => {
    const body = new URLSearchParams({
      team_id: "T0FAKE",
      channel_id: "C0REPLAY",
      user_id: "U0ALICE",
      user_name: "alice",
      command: "/dataworks",
      text: "mute type=instance-status-changes for 1h replayed",
      response_url: "http://127.0.0.1:9/unused",
      trigger_id: "trig",
    }).toString();
    const headers = slackHeaders(SLACK.signingSecret, body);
    const post = (bot: TestBot) => fetch(`${bot.url}/slack/events`, { method: "POST", headers, body });
    const first = await post(a);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("ute");
    for (const bot of [a, b, b]) {
      const again = await post(bot);
      expect(again.status).toBe(200);
      expect(await again.text()).toBe("");
    }
    expect(await a.runtime.mutes.active()).toHaveLength(1);
    // The same signature dressed up ("v0=<hex>=x" still verifies in Bolt) is refused, not taken as new.
    for (const suffix of ["=x", "=y"]) {
      const dressed = { ...headers, "x-slack-signature": `${headers["x-slack-signature"]}${suffix}` };
      expect((await fetch(`${b.url}/slack/events`, { method: "POST", headers: dressed, body })).status).toBe(401);
    }
    expect(await a.runtime.mutes.active()).toHaveLength(1);

    // A new request (new timestamp, so a new signature) is not a replay.
    const fresh = { ...slackHeaders(SLACK.signingSecret, body, Math.floor(Date.now() / 1000) - 30) };
    expect((await fetch(`${b.url}/slack/events`, { method: "POST", headers: fresh, body })).status).toBe(200);
    expect(await a.runtime.mutes.active()).toHaveLength(2);
  });

  it("runs a signed Lark message once, and a re-push of its event (new signature) on another instance once", async () => {
    const before = (await a.runtime.mutes.active()).length;
    const messageId = lark.userMessage(CHAT);
    const ev = messageReceived({
      token: "vt",
      openId: "ou_alice",
      chatId: CHAT,
      messageId,
      text: "@_user_1 mute type=dag-status-changes for 1h replayed",
      mentions: [{ key: "@_user_1", name: "bot", openId: "ou_bot" }],
    });
    const signed = larkRequest(LARK.encryptKey, ev);
    const post = (bot: TestBot, r: { body: string; headers: Record<string, string> }) =>
      fetch(`${bot.url}/lark/events`, { method: "POST", headers: r.headers, body: r.body });
    expect((await post(a, signed)).status).toBe(200);
    await waitFor(() => lark.messages.some((m) => m.replyTo === messageId), "the reply");
    expect((await post(b, signed)).status).toBe(200);
    expect((await post(a, signed)).status).toBe(200);
    // Lark's own re-push: the same event, signed again (new nonce, new timestamp), to the other instance.
    expect((await post(b, larkRequest(LARK.encryptKey, ev))).status).toBe(200);
    await sleep(500);
    expect(await a.runtime.mutes.active()).toHaveLength(before + 1);
    expect(lark.messages.filter((m) => m.replyTo === messageId)).toHaveLength(1);
  });
});
