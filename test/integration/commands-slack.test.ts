import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackInteractive } from "../../adapters/slack/interactive.js";
import type { CommandEvent } from "../../src/core/chat-adapter.js";
import { emptyMessage } from "../../src/core/message.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { HttpFake, json, type Recorded } from "../fakes/http-fake.js";
import { blockKitProblem, FakeSlack } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { slackHeaders } from "../helpers/sign-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

/**
 * A card showing that DataWorks accepted the decision ("accepted (…, request FAKE-3)" / "已接收（…，请求 FAKE-3）").
 * Not any "FAKE-": a pending card can show a fake request id too (its facts: "GetIDEEventDetail failed … FAKE-2").
 */
const ACCEPTED = /(request|请求) FAKE-/;

const TOKEN = "xoxb-slash";
const SIGNING = "slack-signing-slash-0123";
const AK = "LTAI-slash-test";
const SECRET = "dw-slash-secret-0123";

interface SlashAnswer {
  response_type?: string;
  text?: string;
  blocks?: Array<Record<string, unknown>>;
}

/** A slash-command request body exactly as Slack sends it (application/x-www-form-urlencoded). */
function slashBody(o: { command: string; text: string; user: string; channel: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: "legacy-verification-token",
    team_id: "T0FAKE",
    team_domain: "fake",
    channel_id: o.channel,
    channel_name: "ops",
    user_id: o.user,
    user_name: o.user.slice(2).toLowerCase(),
    command: o.command,
    text: o.text,
    api_app_id: "A0FAKE",
    is_enterprise_install: "false",
    response_url: o.responseUrl,
    trigger_id: `trig-${Math.random().toString(36).slice(2)}`,
  }).toString();
}

describe("slash command /dw through Bolt behind POST /slack/events (signed requests, real Redis, fakes)", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  let responses: HttpFake;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: ["C0OPS"] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    responses = new HttpFake((_req, res) => json(res, 200, { ok: true }));
    await Promise.all([slack.start(), dw.start(), responses.start()]);
    bot = await startTestBot({
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "x" }),
      enrich: { enabled: false },
      destinations: { ops: { platform: "slack", channel: "C0OPS" } },
      routes: [{ name: "all", destinations: ["ops"] }],
      approvals: {
        routes: [{ name: "prod", destinations: ["ops"], approvers: { users: { slack: ["U0ALICE", "U0CAROL"] } } }],
      },
      commands: { slashCommand: "/dw", roles: { mute: { users: { slack: ["U0ALICE"] } } } },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), dw?.stop(), responses?.stop()]);
  });

  let slashes = 0;
  /**
   * Send a slash command; `ms` is how long the ack took. An answer that takes longer than 2 s (a loaded machine)
   * is acked with "Working on it…" and sent to response_url: `answer` is then that later answer.
   */
  const slash = async (text: string, o: { user?: string; channel?: string; headers?: Record<string, string> } = {}) => {
    const path = `/commands/${++slashes}/abcd`;
    const body = slashBody({
      command: "/dw",
      text,
      user: o.user ?? "U0ALICE",
      channel: o.channel ?? "C0OPS",
      responseUrl: `${responses.url}${path}`,
    });
    const t0 = performance.now();
    const res = await fetch(`${bot.url}/slack/events`, {
      method: "POST",
      headers: o.headers ?? slackHeaders(SIGNING, body),
      body,
    });
    const ms = performance.now() - t0;
    const raw = await res.text();
    const acked = (raw ? JSON.parse(raw) : {}) as SlashAnswer;
    if (acked.text !== "Working on it… / 处理中…") return { status: res.status, ms, answer: acked };
    const later = await waitFor(() => responses.requests.find((r) => r.path === path), "the answer at response_url");
    return { status: res.status, ms, answer: later.body as SlashAnswer };
  };

  it("answers `recent` ephemeral, as valid Block Kit, acked inside Slack's 3 s", async () => {
    const ev = freshEvent("kill-instance");
    await bot.post(ev);
    await waitFor(() => bot.runtime.recent.get(String(ev.id)), "the event recorded");
    const r = await slash("recent 5");
    expect(r.status).toBe(200);
    expect(r.answer.response_type).toBe("ephemeral");
    expect(r.answer.text).toMatch(/^Recent events \(\d\)$/);
    expect(blockKitProblem(r.answer.blocks ?? [])).toBeUndefined();
    expect(JSON.stringify(r.answer.blocks)).toContain(String(ev.id));
    // Slack's deadline for the ack (the answer itself, or "Working on it…" at 2 s).
    expect(r.ms).toBeLessThan(3_000);
  });

  it("posts for the channel when the user adds `share`", async () => {
    const r = await slash("pending share");
    expect(r.answer.response_type).toBe("in_channel");
    expect(r.answer.text).toMatch(/^Waiting for approval/);
  });

  it("rejects unsigned, wrongly signed and stale requests before Bolt sees them", async () => {
    const body = slashBody({ command: "/dw", text: "pending", user: "U0ALICE", channel: "C0OPS", responseUrl: "x" });
    const wrong = await slash("pending", { headers: slackHeaders("not-the-secret", body) });
    expect(wrong.status).toBe(401);
    const stale = await slash("pending", { headers: slackHeaders(SIGNING, body, Math.floor(Date.now() / 1000) - 600) });
    expect(stale.status).toBe(401);
    const unsigned = await slash("pending", { headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(unsigned.status).toBe(401);
  });

  it("answers mistakes and refusals with a friendly ephemeral message", async () => {
    const unknown = await slash("frobnicate");
    expect(unknown.status).toBe(200);
    expect(unknown.answer.response_type).toBe("ephemeral");
    expect(JSON.stringify(unknown.answer.blocks)).toContain("I don't know the command");
    const refused = await slash("mute status=failed for 1h", { user: "U0BOB" });
    expect(JSON.stringify(refused.answer.blocks)).toContain("You may not mute or unmute notifications");
    const elsewhere = await slash("recent", { channel: "C0ELSEWHERE" });
    expect(JSON.stringify(elsewhere.answer.blocks)).toContain("Commands are not enabled in this conversation");
  });

  it("reads Slack's escaped text: entities are decoded and a mention becomes the user id", async () => {
    // Slack sends "&", "<", ">" as entities and, with escaping on, a typed @alice as <@U0ALICE|alice>.
    const muted = await slash("mute status=failed workspace=88001 for 1h a &amp; b &lt;ok&gt;");
    expect(muted.answer.response_type).toBe("in_channel");
    const mute = (await bot.runtime.mutes.active()).find((m) => m.filter.workspace === "88001");
    expect(mute?.reason).toBe("a & b <ok>");
    const audit = await slash("audit by=<@U0ALICE|alice>");
    expect(audit.answer.text).toMatch(/^Recent decisions/);
    expect(JSON.stringify(audit.answer.blocks)).toContain("Decided by U0ALICE");
  });

  it("decides an approval by slash command: one decision under concurrent commands, DataWorks once, card updated", async () => {
    const ev = freshEvent("commit-file");
    await bot.post(ev);
    const id = (await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }))!;
    const card = await waitFor(
      () => slack.inChannel("C0OPS").find((m) => JSON.stringify(m.blocks).includes(id)),
      "the approval card",
    );
    const answers = await Promise.all([
      slash(`approve ${id}`, { user: "U0ALICE" }),
      slash(`approve ${id}`, { user: "U0CAROL" }),
      slash(`block ${id} too risky`, { user: "U0CAROL" }),
    ]);
    const texts = answers.map((a) => a.answer.text ?? "");
    expect(texts.filter((t) => /^(Approved|Blocked)\. The decision is on its way/.test(t))).toHaveLength(1);
    expect(answers.filter((a) => JSON.stringify(a.answer.blocks).includes("Already decided"))).toHaveLength(2);
    await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    await waitFor(() => ACCEPTED.test(JSON.stringify(card.blocks)), "the card shows DataWorks' answer");
    expect(JSON.stringify(card.blocks)).not.toContain("approval.approve");
    await sleep(300);
    expect(dw.callsOf("UpdateIDEEventResult").filter((c) => c.params.MessageId === ev.id)).toHaveLength(1);
  });
});

describe("slash command answers that take longer than the ack deadline", () => {
  it("acks at once with 'Working on it…' and sends the answer to response_url", async () => {
    const posted: Recorded[] = [];
    const responses = new HttpFake((req, res) => {
      posted.push(req);
      json(res, 200, { ok: true });
    });
    // Bolt authorizes each request with auth.test before dispatching it.
    const api = new FakeSlack({ token: TOKEN, channels: [] });
    await Promise.all([responses.start(), api.start()]);
    try {
      const interactive = createSlackInteractive({
        token: TOKEN,
        signingSecret: SIGNING,
        apiUrl: api.apiUrl,
        command: "/dataworks",
      });
      const seen: CommandEvent[] = [];
      interactive.setCommandHandler(async (c) => {
        seen.push(c);
        await sleep(2_600);
        const message = emptyMessage("command:test", "en");
        message.title = "Slow answer";
        return { message, share: true };
      });
      const body = slashBody({
        command: "/dataworks",
        text: "recent 5",
        user: "U0ALICE",
        channel: "C0OPS",
        responseUrl: `${responses.url}/commands/T0/1/xyz`,
      });
      const t0 = performance.now();
      const res = await interactive.handle({
        method: "POST",
        path: "/slack/events",
        headers: slackHeaders(SIGNING, body),
        rawBody: Buffer.from(body),
      });
      // Acked at the 2 s mark, with room for a loaded machine, inside Slack's 3 s.
      expect(performance.now() - t0).toBeLessThan(2_900);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ response_type: "ephemeral", text: "Working on it… / 处理中…" });
      expect(seen[0]).toMatchObject({ adapter: "slack", text: "recent 5", user: { id: "U0ALICE" }, channel: "C0OPS" });
      const later = await waitFor(() => posted[0], "the answer at response_url", 5_000);
      expect(later.path).toBe("/commands/T0/1/xyz");
      expect(later.body).toMatchObject({ response_type: "in_channel", text: "Slow answer" });
    } finally {
      await Promise.all([responses.stop(), api.stop()]);
    }
  });
});
