import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-function-compute";
const AK = "LTAI-function-compute";
const SECRET = "dw-function-compute-secret";
const FEED = "C0FEED";
const FEED_ZH = "C0FEEDZH";
const CARDS = "C0CARDS";
const DECISION_APIS = ["CallbackExtension", "UpdateIDEEventResult", "UpdateWorkbenchEventResult"];

/**
 * Function Compute envelopes end to end: the HTTP response carries the answer a forwarding function returns to
 * DataWorks; the bot never calls a decision API for them (the DataWorks fake sees none) and posts no card, and the
 * event is notified through the ordinary routes saying what was answered.
 */
describe("Function Compute envelopes: answered in the response, never called back", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: [FEED, FEED_ZH, CARDS] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), dw.start()]);
    bot = await startTestBot({
      slack: { token: TOKEN, signingSecret: "slack-signing-fc", apiUrl: slack.apiUrl },
      dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "ext-fc" }),
      enrich: { enabled: false },
      destinations: {
        feed: { platform: "slack", channel: FEED },
        feedZh: { platform: "slack", channel: FEED_ZH, locale: "zh-CN" },
        cards: { platform: "slack", channel: CARDS },
      },
      routes: [{ name: "everything", destinations: ["feed", "feedZh"] }],
      approvals: {
        policies: [
          {
            name: "no-phone-numbers",
            match: { type: ["dataworks:ResourcesDownload:DownloadResources"] },
            when: { sqlMatches: "buyer_phone" },
            decide: "block",
            message: "Downloads of phone numbers are blocked",
          },
        ],
        routes: [{ name: "downloads", destinations: ["cards"], approvers: { users: { slack: ["U0ALICE"] } } }],
      },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), dw?.stop()]);
  });

  const envelope = (sqlText?: string) => {
    const fc = freshEvent("variants/fc-envelope.download-resources");
    const body = fc.messageBody as Record<string, unknown>;
    return { ...fc, messageId: crypto.randomUUID(), messageBody: sqlText ? { ...body, sqlText } : body };
  };
  const inFeed = (ch: string, id: string) => slack.inChannel(ch).find((m) => JSON.stringify(m).includes(id));

  async function neverAnsweredNorCarded(id: string) {
    await sleep(300);
    expect(dw.calls.filter((c) => DECISION_APIS.includes(c.action) && c.params.MessageId === id)).toEqual([]);
    expect(dw.decisions.get(id)).toBeUndefined();
    expect(
      slack.inChannel(CARDS).find((m) => JSON.stringify(m).includes(id)),
      "no card",
    ).toBeUndefined();
    expect(await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id }), "no approval").toBeUndefined();
  }

  it("a policy decides at once: 200 with the decision in the body, the same on a retried POST", async () => {
    const fc = envelope();
    const res = await bot.post(fc);
    expect(res.status).toBe(200);
    const answer = {
      messageId: fc.messageId,
      decided: true,
      checkResult: "FAIL",
      checkMessage: "Downloads of phone numbers are blocked",
      policy: "no-phone-numbers",
    };
    expect(await res.json()).toMatchObject({ ...answer, accepted: 1 });
    const again = await bot.post(fc);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ...answer, accepted: 0, duplicates: 1 });

    const en = await waitFor(() => inFeed(FEED, fc.messageId), "the notification");
    expect(JSON.stringify(en)).toContain(
      "Function Compute extension: the bot answered FAIL (Blocked) in the HTTP response, by policy no-phone-numbers",
    );
    const zh = await waitFor(() => inFeed(FEED_ZH, fc.messageId), "the zh-CN notification");
    expect(JSON.stringify(zh)).toContain("机器人已在 HTTP 响应中回复 FAIL（拒绝，策略 no-phone-numbers）");
    await neverAnsweredNorCarded(fc.messageId);
  });

  it("no policy decides: 202 saying it was not decided, no callback, no card, notified", async () => {
    const fc = envelope("select order_id, amount from dwd_trade_order_di where ds = '20250617'");
    const res = await bot.post(fc);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      messageId: fc.messageId,
      decided: false,
      checkMessage: expect.stringMatching(/not decided.*no policy decided.*not possible through Function Compute/),
      accepted: 1,
    });
    const en = await waitFor(() => inFeed(FEED, fc.messageId), "the notification");
    expect(JSON.stringify(en)).toContain("Function Compute extension: no policy decided");
    expect(JSON.stringify(en)).not.toContain("DataWorks is holding this operation");
    await neverAnsweredNorCarded(fc.messageId);
  });
});
