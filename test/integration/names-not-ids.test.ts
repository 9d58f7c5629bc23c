import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { PROJECT, seedCommit } from "../helpers/dataworks-seeds.js";
import { seededEvent } from "../helpers/facts-scenarios.js";
import { freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-names";
const APP_ID = "cli_names00000000001";
const APP_SECRET = "lark-app-secret-names";
const DING_ID = "dingnames0000001";
const DING_SECRET = "dingtalk-secret-names-0123";
const AK = "LTAI-names";
const SECRET = "dw-names-secret-0123";
const OPERATOR = "1938274650735"; // operator and file owner in the commit-file fixture
const ALICE_UID = "2001";
const CHAT_FEED = "oc_names_feed000000000";
const CHAT_CARDS = "oc_names_cards00000000";
const CID_CARDS = "cidNamesCards==";

/**
 * Names, not ids, reaching the fake platforms: owners and operators on ordinary notifications (Slack, Lark,
 * DingTalk) by the workspace's member names from ListProjectMembers; who may decide on approval cards (Slack,
 * Lark) by enrich.userNames through approvals.users, then member names, then the chat platform's own names.
 */
describe("names, not ids (fake DataWorks member list, Slack, Lark, DingTalk)", () => {
  let slack: FakeSlack;
  let lark: FakeLark;
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  let dw: FakeDataWorks;
  let notifier: TestBot;
  let approver: TestBot;

  const platforms = () => ({
    slack: { token: TOKEN, apiUrl: slack.apiUrl, signingSecret: "slack-signing-names" },
    lark: {
      appId: APP_ID,
      appSecret: APP_SECRET,
      domain: lark.url,
      encryptKey: "lark-encrypt-key-names-0001",
      verificationToken: "lark-verification-names",
      timeoutMs: 2000,
    },
    dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "ext-names" }),
  });

  beforeAll(async () => {
    slack = new FakeSlack({
      token: TOKEN,
      channels: ["C0FEED", "C0CARDS"],
      users: { U0CAROL: { name: "carol", real_name: "Carol Chen", display_name: "Carol Chen" } },
    });
    lark = new FakeLark({ appId: APP_ID, appSecret: APP_SECRET, chats: [CHAT_FEED, CHAT_CARDS] });
    ding = new FakeDingTalk({
      appKey: DING_ID,
      appSecret: DING_SECRET,
      robotCode: DING_ID,
      conversations: ["cidNames==", CID_CARDS],
    });
    gateway = new FakeDingTalkStream({ clientId: DING_ID, clientSecret: DING_SECRET });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), lark.start(), ding.start(), gateway.start(), dw.start()]);
    dw.seeds.members.set(PROJECT, [
      { ProjectMemberId: OPERATOR, ProjectMemberName: "王小明" },
      { ProjectMemberId: ALICE_UID, ProjectMemberName: "王小红" },
    ]);
    notifier = await startTestBot({
      ...platforms(),
      dingtalk: { clientId: DING_ID, clientSecret: DING_SECRET, apiUrl: ding.url, timeoutMs: 5000 },
      destinations: {
        slack: { platform: "slack", channel: "C0FEED" },
        lark: { platform: "lark", chatId: CHAT_FEED, locale: "zh-CN" },
        ding: { platform: "dingtalk", conversationId: "cidNames==" },
      },
      routes: [{ name: "all", destinations: ["slack", "lark", "ding"] }],
    });
    // DingTalk cards are interactive cards: the Stream connection up, as in production.
    const dingtalk = {
      clientId: DING_ID,
      clientSecret: DING_SECRET,
      apiUrl: ding.url,
      oapiUrl: ding.url,
      streamUrl: gateway.url,
      cardTemplateId: "tpl-names.schema",
      timeoutMs: 2000,
    };
    approver = await startTestBot({
      ...platforms(),
      dingtalk,
      enrich: { userNames: { [ALICE_UID]: "Alice (config)" } },
      destinations: {
        cards: { platform: "slack", channel: "C0CARDS" },
        larkCards: { platform: "lark", chatId: CHAT_CARDS, locale: "zh-CN" },
        dingCards: { platform: "dingtalk", conversationId: CID_CARDS },
      },
      approvals: {
        users: { [ALICE_UID]: { slack: ["U0ALICE"], lark: ["ou_alice"] }, [OPERATOR]: { slack: ["U0BOB"] } },
        routes: [
          {
            name: "commits",
            destinations: ["cards", "larkCards", "dingCards"],
            approvers: { users: { slack: ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"], lark: ["ou_alice"] } },
          },
        ],
      },
    });
    await waitFor(() => gateway.sockets.length === 1, "the Stream connection");
  });
  afterAll(async () => {
    await notifier?.close();
    await approver?.close();
    await Promise.all([slack?.stop(), lark?.stop(), ding?.stop(), gateway?.stop(), dw?.stop()]);
  });

  it("owner and operator on an ordinary notification: the member name on Slack, Lark and DingTalk", async () => {
    const ev = freshEvent("commit-file");
    await notifier.post(ev);
    const id = String(ev.id);
    const onSlack = await waitFor(
      () => slack.inChannel("C0FEED").find((m) => JSON.stringify(m).includes(id)),
      "Slack notification",
    );
    const onLark = await waitFor(
      () => lark.inChat(CHAT_FEED).find((m) => JSON.stringify(m.card).includes(id)),
      "Lark notification",
    );
    const onDing = await waitFor(() => ding.messages.find((m) => m.text.includes(id)), "DingTalk notification");
    for (const shown of [JSON.stringify(onSlack.blocks), JSON.stringify(onLark.card), onDing.text]) {
      // Operator and owner are the same UID in the fixture: both fields name them.
      expect(shown.split("王小明").length - 1, shown).toBeGreaterThanOrEqual(2);
    }
  });

  it("who may decide on a card: configured name, member name, the platform's name, else the id", async () => {
    const ev = freshEvent("commit-file");
    await approver.post(ev);
    const id = String(ev.id);
    const card = await waitFor(
      () => slack.inChannel("C0CARDS").find((m) => JSON.stringify(m).includes(id)),
      "the Slack card",
    );
    const larkCard = await waitFor(
      () => lark.inChat(CHAT_CARDS).find((m) => JSON.stringify(m.card).includes(id)),
      "the Lark card",
    );
    const who = "slack: Alice (config), 王小明, Carol Chen, U0DAVE; lark: Alice (config)";
    expect(JSON.stringify(card.blocks)).toContain(who);
    // Lark markdown carries ":" and parentheses as character references.
    const larkText = JSON.stringify(larkCard.card).replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
    expect(larkText).toContain(who);
  });

  it("owner, operator and the snapshot's committer on an approval card: the member name on Slack, Lark and DingTalk", async () => {
    const ev = seededEvent("commit-file");
    seedCommit(dw, String(ev.id));
    await approver.post(ev);
    const id = String(ev.id);
    const slackCard = await waitFor(
      () => slack.inChannel("C0CARDS").find((m) => JSON.stringify(m).includes(id)),
      "the Slack card",
    );
    const larkCard = await waitFor(
      () => lark.inChat(CHAT_CARDS).find((m) => JSON.stringify(m.card).includes(id)),
      "the Lark card",
    );
    const dingCard = await waitFor(
      () => ding.cards.find((c) => JSON.stringify(c.cardParamMap).includes(id)),
      "the DingTalk card",
    );
    const shown = {
      slack: JSON.stringify(slackCard.blocks),
      lark: JSON.stringify(larkCard.card).replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))),
      dingtalk: JSON.stringify(dingCard.cardParamMap),
    };
    for (const [platform, text] of Object.entries(shown)) {
      // Operator and owner (the template's "name (id)") and the committer, all the same UID in the fixture.
      expect(text.split(`王小明 (${OPERATOR})`).length - 1, platform).toBeGreaterThanOrEqual(2);
      expect(text, platform).toContain("filter out refunds"); // the snapshot is on the card
      expect(text, platform).toMatch(/(Committed by|提交人)[^王]{0,40}王小明/);
    }
    // The status page shows what the cards show: the same names.
    const approvalId = await approver.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id });
    const page = (await (
      await fetch(`${approver.url}/approvals/${approvalId}`, { headers: { accept: "application/json" } })
    ).json()) as {
      operation: { fields: { label: string; value: string }[] };
      facts: { fields: { label: string; value: string }[] };
    };
    const value = (fields: { label: string; value: string }[], label: string) =>
      fields.find((f) => f.label === label)?.value;
    expect(value(page.operation.fields, "Owner")).toBe(`王小明 (${OPERATOR})`);
    expect(value(page.operation.fields, "Operator")).toBe(`王小明 (${OPERATOR})`);
    expect(value(page.facts.fields, "Committed by")).toBe("王小明");
  });

  it("who may decide in the pending command and on the status page: the names the card shows", async () => {
    const ev = freshEvent("commit-file");
    await approver.post(ev);
    const id = String(ev.id);
    await waitFor(() => slack.inChannel("C0CARDS").find((m) => JSON.stringify(m).includes(id)), "the Slack card");
    const approvalId = await waitFor(
      () => approver.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id }),
      "the approval",
    );
    const who = "slack: Alice (config), 王小明, Carol Chen, U0DAVE; lark: Alice (config)";
    const pending = JSON.stringify(
      await approver.runtime.onCommand({
        adapter: "slack",
        text: "pending",
        user: { id: "U0ALICE" },
        channel: "C0CARDS",
      }),
    );
    expect(pending).toContain(who);
    const page = await (await fetch(`${approver.url}/approvals/${approvalId}`)).text();
    expect(page).toContain("slack: Alice (config), 王小明, Carol Chen, U0DAVE");
    expect(page).toContain("lark: Alice (config)");
  });
});
