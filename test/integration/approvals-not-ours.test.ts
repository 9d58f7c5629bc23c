import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { APPROVE } from "../../src/approvals/card.js";
import { auditText, consoleTranslator } from "../../src/console/words.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { publishedExtension } from "../helpers/dataworks-api.js";
import { PROJECT } from "../helpers/dataworks-seeds.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-not-ours";
const SIGNING = "slack-signing-not-ours";
const APP_ID = "cli_notours000000001";
const APP_SECRET = "lark-app-secret-not-ours";
const AK = "LTAI-not-ours";
const SECRET = "dw-not-ours-secret-0123";
const EXT = "ext-not-ours";
const FEED_SLACK = "C0FEED";
const CARDS_SLACK = "C0CARDS";
const FEED_LARK = "oc_feed0000000000000000";
const CARDS_LARK = "oc_cards000000000000000";
const DING_ID = "dingnotours000001";
const DING_SECRET = "dingtalk-secret-not-ours-01";
const FEED_DING = "cidNotOurs==";

/**
 * Only the checks that are ours, end to end on Slack and Lark (cards and notifications) and DingTalk
 * (notifications): the real OpenAPI client reads the extension's bindings from the fake DataWorks gateway; an event
 * DataWorks does not wait on this bot for gets no card and no answer, and is notified through the ordinary routes
 * with a line saying why (en on Slack and DingTalk, zh-CN on Lark).
 */
describe("only the checks that are ours (Slack and Lark, fake DataWorks)", () => {
  let slack: FakeSlack;
  let lark: FakeLark;
  let ding: FakeDingTalk;
  let dw: FakeDataWorks;
  let bot: TestBot;
  let unchecked: TestBot;

  const config = (check: boolean) => ({
    slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
    lark: {
      appId: APP_ID,
      appSecret: APP_SECRET,
      domain: lark.url,
      encryptKey: "lark-encrypt-key-not-ours-01",
      verificationToken: "lark-verification-not-ours",
      timeoutMs: 2000,
    },
    dataworks: {
      ...dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: EXT }),
      // Kept answers go stale within a test: a later event is served the kept answer while it is read again.
      bindings: { check, refresh: "1s" },
    },
    dingtalk: { clientId: DING_ID, clientSecret: DING_SECRET, apiUrl: ding.url, timeoutMs: 5000 },
    enrich: { enabled: false },
    destinations: {
      dingFeed: { platform: "dingtalk", conversationId: FEED_DING },
      feed: { platform: "slack", channel: FEED_SLACK },
      cards: { platform: "slack", channel: CARDS_SLACK },
      larkFeed: { platform: "lark", chatId: FEED_LARK, locale: "zh-CN" },
      larkCards: { platform: "lark", chatId: CARDS_LARK },
    },
    routes: [{ name: "everything", destinations: ["feed", "larkFeed", "dingFeed"] }],
    approvals: {
      deliveryBackoff: "50ms",
      routes: [
        {
          name: "all-checks",
          destinations: ["cards", "larkCards"],
          approvers: { users: { slack: ["U0ALICE"], lark: ["ou_alice"] } },
        },
      ],
    },
  });

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: [FEED_SLACK, CARDS_SLACK] });
    lark = new FakeLark({ appId: APP_ID, appSecret: APP_SECRET, chats: [FEED_LARK, CARDS_LARK] });
    ding = new FakeDingTalk({
      appKey: DING_ID,
      appSecret: DING_SECRET,
      robotCode: DING_ID,
      conversations: [FEED_DING],
    });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), lark.start(), ding.start(), dw.start()]);
    bot = await startTestBot(config(true));
    unchecked = await startTestBot(config(false));
  });
  afterAll(async () => {
    await bot?.close();
    await unchecked?.close();
    await Promise.all([slack?.stop(), lark?.stop(), ding?.stop(), dw?.stop()]);
  });
  beforeEach(() => {
    // Bound to commit-file and deploy-file; enabled in the workspace for commit-file only.
    dw.seeds.extensions.clear();
    dw.seeds.enabled.clear();
    dw.seeds.extensions.set(EXT, publishedExtension(EXT));
    dw.seeds.enable(PROJECT, "commit-file", EXT);
    dw.script.length = 0;
  });

  const has = (m: unknown, id: string) => JSON.stringify(m).includes(id);
  const slackIn = (ch: string, id: string) => slack.inChannel(ch).find((m) => has(m, id));
  const larkIn = (chat: string, id: string) => lark.inChat(chat).find((m) => has(m.card, id));

  async function cards(b: TestBot, ev: Record<string, unknown>) {
    const id = String(ev.id);
    await waitFor(() => slackIn(CARDS_SLACK, id) && larkIn(CARDS_LARK, id), "approval cards on Slack and Lark");
    expect(slackIn(FEED_SLACK, id), "no ordinary notification for an answered check").toBeUndefined();
    return b.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id });
  }

  /** No card, no answer, never decidable; notified on both platforms with the why line. */
  async function notifiedNotAnswered(ev: Record<string, unknown>, en: RegExp, zh: RegExp) {
    const id = String(ev.id);
    const [onSlack, onLark] = await waitFor(
      () =>
        slackIn(FEED_SLACK, id) && larkIn(FEED_LARK, id) ? [slackIn(FEED_SLACK, id), larkIn(FEED_LARK, id)] : undefined,
      "ordinary notifications on Slack and Lark",
    );
    expect(JSON.stringify(onSlack)).toMatch(en);
    expect(JSON.stringify(onSlack)).not.toContain("DataWorks is holding this operation");
    expect(JSON.stringify(onLark?.card)).toMatch(zh);
    const onDing = await waitFor(() => ding.messages.find((m) => m.text.includes(id)), "DingTalk notification");
    expect(onDing.text).toMatch(en);
    await sleep(300);
    expect(slackIn(CARDS_SLACK, id), "no card on Slack").toBeUndefined();
    expect(larkIn(CARDS_LARK, id), "no card on Lark").toBeUndefined();
    expect(dw.decisions.get(id), "no answer to DataWorks").toBeUndefined();
    const approvalId = await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id });
    expect(approvalId, "recorded at ingest").toBeTruthy();
    const a = await bot.runtime.approvalStore.get(approvalId!);
    expect(a?.notOurs).toBeTruthy();
    expect((await bot.runtime.approvalStore.pending()).map((p) => p.id)).not.toContain(approvalId);
    const pending = JSON.stringify(
      await bot.runtime.onCommand({ adapter: "slack", text: "pending", user: { id: "U0ALICE" }, channel: FEED_SLACK }),
    );
    expect(pending, "not listed by the pending command").not.toContain(approvalId!);
    const audit = await bot.runtime.approvalStore.auditLog(50);
    const entry = audit.find((e) => e.approvalId === approvalId);
    expect(entry).toMatchObject({ kind: "notOurs" });
    const t = consoleTranslator(bot.runtime.templates.messages, "en");
    expect(auditText(entry!, t, "UTC")).toEqual({
      text: "Closed unanswered, DataWorks does not wait on this bot for it",
      detail: expect.stringMatching(en),
    });
    const answer = JSON.stringify(
      await bot.runtime.onCommand({ adapter: "slack", text: "audit 20", user: { id: "U0ALICE" }, channel: FEED_SLACK }),
    );
    expect(answer).toContain("Closed unanswered");
    expect(answer).toMatch(en);
    const reply = await bot.runtime.approvals.handleAction({
      id: crypto.randomUUID(),
      adapter: "slack",
      actionId: APPROVE,
      value: approvalId!,
      user: { id: "U0ALICE" },
    });
    expect(reply, "nobody may decide it").toEqual({
      ok: false,
      text: "DataWorks is not waiting on this bot for this request, so it cannot be decided from chat.",
    });
    const page = await fetch(`${bot.url}/approvals/${approvalId}`, { headers: { accept: "application/json" } });
    expect(await page.json()).toMatchObject({ notAnswered: expect.stringMatching(en) });
    await sleep(100);
    expect(dw.decisions.get(id)).toBeUndefined();
  }

  it("bound and enabled: a card, as before", async () => {
    const ev = freshEvent("commit-file");
    await bot.post(ev);
    const approvalId = await cards(bot, ev);
    expect(approvalId).toBeTruthy();
    const pending = JSON.stringify(
      await bot.runtime.onCommand({ adapter: "slack", text: "pending", user: { id: "U0ALICE" }, channel: FEED_SLACK }),
    );
    expect(pending, "listed by the pending command").toContain(approvalId!);
  });

  it("an event the extension is not bound to: no card, no answer, notified with why", async () => {
    const ev = freshEvent("run-file");
    await bot.post(ev);
    await notifiedNotAnswered(
      ev,
      /extension ext-not-ours is not bound to this event \(bound: commit-file, deploy-file\)/,
      /未绑定此扩展点/,
    );
  });

  it("a workspace where the extension is not enabled for the event: the same", async () => {
    const ev = freshEvent("deploy-file");
    await bot.post(ev);
    await notifiedNotAnswered(
      ev,
      new RegExp(`not enabled for this event in workspace ${PROJECT}`),
      /未在工作空间 91234 为此扩展点启用/,
    );
  });

  it("DataWorks down with a last good answer: still answered (a card), and not asked by every event", async () => {
    await bot.post(freshEvent("commit-file")); // reads (or re-reads) and keeps the answer
    await sleep(1_100); // the kept answer is stale now
    for (let i = 0; i < 20; i++) dw.script.push({ answer: { status: 503, code: "ServiceUnavailable" } });
    const before = dw.callsOf("GetExtension").length;
    const events = [freshEvent("commit-file"), freshEvent("commit-file"), freshEvent("commit-file")];
    for (const ev of events) await bot.post(ev);
    for (const ev of events) expect(await cards(bot, ev)).toBeTruthy();
    expect(dw.script.length, "DataWorks answered 503 to the re-reads").toBeLessThan(20);
    expect(dw.callsOf("GetExtension").length - before, "one failed re-read, then the backoff").toBeLessThanOrEqual(1);
  });

  it("dataworks.bindings.check off: every extension point event is a card, as before", async () => {
    const calls = dw.calls.length;
    const ev = freshEvent("run-file");
    await unchecked.post(ev);
    expect(await cards(unchecked, ev)).toBeTruthy();
    expect(
      dw.calls
        .slice(calls)
        .filter((c) => c.action === "GetExtension" || c.action === "ListEnabledExtensionsForProject"),
    ).toHaveLength(0);
  });
});
