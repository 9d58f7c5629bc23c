import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateButtons } from "../../adapters/dingtalk/card-template.js";
import { TOPIC_CARD, TOPIC_ROBOT } from "../../adapters/dingtalk/stream.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import type { DingTalkCard, FakeDingTalk } from "../fakes/dingtalk-api.js";
import type { FakeDingTalkStream, StreamAck } from "../fakes/dingtalk-stream.js";
import type { TestBot } from "../helpers/bot.js";
import { startDingTalkBot, startDingTalkFakes } from "../helpers/dingtalk-harness.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const APP = { clientId: "dingapprovals0123456", clientSecret: "dingtalk-approvals-secret" };
const TEMPLATE = "tpl-approval.schema";
const CID_OPS = "cidOps==";
const CID_LEADS = "cidLeads==";
const AK = "LTAI-ding-approvals";
const SECRET = "dw-ding-approvals-secret";
const OPERATOR_UID = "1938274650735"; // the operator in the commit-file fixture

/** A button of the approval card template shipped for import (adapters/dingtalk/approval-card-template.json). */
function templateButton(id: string) {
  const file = readFileSync(join(import.meta.dirname, "../../adapters/dingtalk/approval-card-template.json"), "utf8");
  const b = templateButtons(JSON.parse(file)).find((x) => x.id === id);
  if (!b) throw new Error(`the template has no ${id} button`);
  return b;
}

/**
 * DingTalk approvals end to end: interactive cards through the fake OpenAPI, clicks as CALLBACK frames from a
 * fake Stream gateway over a real WebSocket, decisions through the real DataWorks client to its fake.
 */
describe("approvals on DingTalk: card → Stream click → DataWorks once → every card updated", () => {
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    ({ ding, gateway } = await startDingTalkFakes(APP, {
      conversations: [CID_OPS, CID_LEADS],
      users: { staff_alice: "王小明" },
    }));
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    bot = await startDingTalkBot(
      { ...APP, cardTemplateId: TEMPLATE, corpId: "ding-corp" },
      { ding, gateway },
      {
        dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "ext-ding" }),
        enrich: { enabled: false },
        destinations: {
          ops: { platform: "dingtalk", conversationId: CID_OPS },
          leads: { platform: "dingtalk", conversationId: CID_LEADS, locale: "zh-CN" },
        },
        approvals: {
          deliveryBackoff: "50ms",
          users: { [OPERATOR_UID]: { dingtalk: ["staff_bob"] } },
          routes: [
            {
              name: "prod",
              destinations: ["ops", "leads"],
              approvers: { users: { dingtalk: ["staff_alice", "staff_bob", "staff_lead"] } },
              blockReasons: ["Change freeze", "Needs review"],
            },
          ],
        },
      },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([ding?.stop(), gateway?.stop(), dw?.stop()]);
  });

  async function cardsFor(ev: Record<string, unknown>) {
    const res = await bot.post(ev);
    expect(res.status).toBe(202);
    const id = await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) });
    expect(id).toBeTruthy();
    const find = (cid: string) =>
      ding.cards.find((c) => c.openSpaceId.endsWith(cid) && c.cardParamMap.actionValue === id);
    const [ops, leads] = await waitFor(
      () => (find(CID_OPS) && find(CID_LEADS) ? [find(CID_OPS)!, find(CID_LEADS)!] : undefined),
      "cards in both groups",
    );
    return { id: id as string, ops, leads };
  }

  /** A card click as DingTalk pushes it (python SDK card_callback.py shape). */
  const click = (
    card: DingTalkCard,
    userId: string,
    actionId: string,
    params: Record<string, string> = {},
    corpId = "ding-corp",
  ) =>
    gateway.push(TOPIC_CARD, {
      outTrackId: card.outTrackId,
      corpId,
      userId,
      userIdType: 1,
      type: "actionCallback",
      spaceType: "IM_GROUP",
      spaceId: card.openSpaceId.split(".").at(-1),
      content: JSON.stringify({ cardPrivateData: { actionIds: [actionId], params } }),
    });
  const privateData = (ack: StreamAck) =>
    (JSON.parse(ack.data) as { response: { userPrivateData: { cardParamMap: Record<string, string> } } }).response
      .userPrivateData.cardParamMap;

  it("subscribes to card callbacks and answers the gateway's ping", async () => {
    expect(gateway.lastSubscriptions).toContainEqual({ type: "CALLBACK", topic: TOPIC_CARD });
    // Generous: under a loaded CI machine the first frame can take a while to be echoed.
    const pong = await gateway.ping(10_000);
    expect(pong.code).toBe(200);
  });

  it("survives malformed frames on the same connection (dropped, the next ping still answered)", async () => {
    const connects = gateway.connects;
    for (const text of [
      "not json",
      "42",
      "null",
      "[]",
      JSON.stringify({ type: "CALLBACK", headers: null }),
      JSON.stringify({ type: "CALLBACK", headers: [] }),
      JSON.stringify({ type: "SYSTEM", headers: null, data: "{}" }),
      JSON.stringify({ type: "CALLBACK", headers: { topic: TOPIC_CARD, messageId: "m-bad" }, data: "{not json" }),
      JSON.stringify({ type: "CALLBACK", headers: { topic: TOPIC_CARD, messageId: "m-num" }, data: 7 }),
    ])
      gateway.pushRaw(text);
    expect((await gateway.ping(10_000)).code).toBe(200);
    expect(gateway.connects).toBe(connects);
  });

  it("approves from a Stream click, returns OK to DataWorks once and updates both cards", async () => {
    const ev = freshEvent("commit-file");
    const { ops, leads } = await cardsFor(ev);
    expect(ops).toMatchObject({ cardTemplateId: TEMPLATE, callbackType: "STREAM" });
    expect(ops.cardParamMap).toMatchObject({
      status: "pending",
      action0Id: "approval.approve",
      action1Id: "approval.block",
    });
    expect(leads.cardParamMap.title).toContain("待审批");
    const started = Date.now();
    const ack = await click(ops, "staff_alice", "approve");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(ack.code).toBe(200);
    expect(privateData(ack)).toMatchObject({ actionOk: "true", actionResult: expect.stringContaining("Approved") });
    const decided = await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    expect(decided).toMatchObject({ action: "UpdateIDEEventResult", checkResult: "OK" });
    for (const card of [ops, leads])
      await waitFor(
        () =>
          card.updates >= 1 && card.cardParamMap.status === "done" && card.cardParamMap.markdown?.includes("王小明"),
        `card in ${card.openSpaceId} updated`,
      );
    expect(leads.cardParamMap.title).toContain("已批准");
    expect(decided.tip).toBe("Approved by 王小明 (dingtalk) via dataworks-chatops");
    // The same click pushed again (no ack seen) and a late click: nothing more reaches DataWorks.
    const late = await click(ops, "staff_lead", "approval.block", { reason: "too late" });
    expect(privateData(late)).toMatchObject({
      actionOk: "false",
      actionResult: expect.stringContaining("Already decided"),
    });
    await sleep(200);
    expect(dw.callsOf("UpdateIDEEventResult").filter((c) => c.params.MessageId === ev.id)).toHaveLength(1);
  });

  it("tells unauthorized and self-approving clickers why, and changes nothing", async () => {
    const ev = freshEvent("commit-file");
    const { id, ops } = await cardsFor(ev);
    const eve = privateData(await click(ops, "staff_eve", "approval.approve"));
    expect(eve).toMatchObject({ actionOk: "false", actionResult: expect.stringContaining("not an approver") });
    const bob = privateData(await click(ops, "staff_bob", "approval.approve"));
    expect(bob.actionResult).toContain("your own operation");
    // The same staff id in another organisation (a forwarded card) is someone else.
    const foreign = privateData(await click(ops, "staff_alice", "approval.approve", {}, "other-corp"));
    expect(foreign).toMatchObject({ actionOk: "false", actionResult: expect.stringContaining("organisation") });
    await sleep(300);
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    expect(dw.decisions.has(String(ev.id))).toBe(false);
    expect(ops.updates).toBe(0);
  });

  it("asks for a reason (with the route's presets), then blocks with it", async () => {
    const ev = freshEvent("delete-file");
    const { ops, leads } = await cardsFor(ev);
    const ask = privateData(await click(ops, "staff_lead", "block"));
    expect(ask).toMatchObject({ actionOk: "false", needReason: "true" });
    expect(JSON.parse(ask.reasonChoices!)).toEqual(["Change freeze", "Needs review"]);
    const done = privateData(await click(ops, "staff_lead", "block", { reason: "Change freeze" }));
    expect(done.actionOk).toBe("true");
    const d = await waitFor(() => dw.decisions.get(String(ev.id)), "the FAIL decision");
    expect(d.checkResult).toBe("FAIL");
    expect(d.tip).toContain("Change freeze");
    for (const card of [ops, leads]) await waitFor(() => card.cardParamMap.status === "done", "cards updated");
  });

  it("blocks with the reason typed in the shipped template's box: its Block button's params, end to end", async () => {
    const ev = freshEvent("deploy-file");
    const { ops, leads } = await cardsFor(ev);
    // Exactly what the imported template's Block button sends: its fixed params, its variables filled from the card
    // data the bot posted, and the card-local `reason` the user typed.
    const typed: Record<string, string> = { reason: "等待数据质量检查" };
    const params = Object.fromEntries(
      templateButton("block").params.map((p) => [
        p.name,
        p.type === "fixed" ? p.value : (typed[p.variable] ?? ops.cardParamMap[p.variable] ?? ""),
      ]),
    );
    // A card whose outTrackId carries no approval id: the params alone must name it.
    const done = privateData(
      await click({ ...ops, outTrackId: "dw-not-an-approval-id" }, "staff_lead", "block", params),
    );
    expect(done.actionOk).toBe("true");
    const d = await waitFor(() => dw.decisions.get(String(ev.id)), "the FAIL decision");
    expect(d.checkResult).toBe("FAIL");
    expect(d.tip).toContain("等待数据质量检查");
    for (const card of [ops, leads]) await waitFor(() => card.cardParamMap.status === "done", "cards updated");
  });

  it("answers a click in the language of the card's group (actionResult, the request for a reason)", async () => {
    const ev = freshEvent("delete-file");
    const { ops, leads } = await cardsFor(ev);
    const ask = privateData(await click(leads, "staff_lead", "block"));
    expect(ask).toMatchObject({ needReason: "true", actionResult: "请填写拒绝原因。" });
    const done = privateData(await click(leads, "staff_lead", "block", { reason: "Change freeze" }));
    expect(done).toMatchObject({ actionOk: "true", actionResult: "已拒绝，正在回传 DataWorks。" });
    const late = privateData(await click(ops, "staff_alice", "approve"));
    expect(late.actionResult).toMatch(/^Already decided: Blocked/);
    // The decided card says what was decided where it said DataWorks was waiting.
    await waitFor(() => leads.cardParamMap.markdown?.includes("已拒绝："), "the zh-CN card states the outcome");
    expect(leads.cardParamMap.markdown).not.toContain("正在等待");
  });

  it("answers a command typed in a group to the asker one-to-one, through the real command handler", async () => {
    const { id } = await cardsFor(freshEvent("commit-file"));
    const earlier = ding.to("user:staff_alice").length;
    const webhook = ding.sessionWebhook(CID_LEADS);
    const ack = await gateway.push(TOPIC_ROBOT, {
      conversationId: CID_LEADS,
      conversationType: "2",
      msgId: `msg-pending-${Date.now()}`,
      senderNick: "Alice",
      senderStaffId: "staff_alice",
      senderCorpId: "ding-corp",
      isInAtList: true,
      sessionWebhook: webhook.url,
      sessionWebhookExpiredTime: webhook.expiresAt,
      robotCode: APP.clientId,
      msgtype: "text",
      text: { content: " 待审批" },
    });
    expect(ack.code).toBe(200);
    // The answer wherever it went, then what it says: a misrouted answer, or one that shows the id otherwise (an
    // id with "_" was shown with "＿"), fails here saying so instead of timing out.
    const answer = await waitFor(
      () => ding.to("user:staff_alice")[earlier] ?? ding.to(`session:${CID_LEADS}`)[0],
      "the answer to the command",
    );
    expect(answer.to).toBe("user:staff_alice");
    expect(answer.title).toMatch(/^待审批（\d+）$/);
    expect(answer.text).toContain(id);
    expect(ding.to(`session:${CID_LEADS}`)).toHaveLength(0);
  });

  it("reconnects once after the gateway drops the connection, with backoff and no storm", async () => {
    const before = { opens: gateway.opens, connects: gateway.connects };
    gateway.failNextOpens = { count: 3, status: 503 };
    gateway.drop();
    await waitFor(() => gateway.sockets.length === 1 && gateway.connects === before.connects + 1, "the new connection");
    // 3 refused opens + 1 that worked, each after a longer wait than the one before.
    expect(gateway.opens).toBe(before.opens + 4);
    const times = gateway.openTimes.slice(-4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Jittered to 50–100 % of 200, 400, 800 ms (the drop itself took the 100 ms step); 5 ms timer slack.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    if (process.env.SHOW_FIGURES) console.log("reconnect gaps (ms)", gaps);
    await sleep(1000);
    expect(gateway.connects).toBe(before.connects + 1);
    expect(gateway.maxConcurrent).toBe(1);
    // And the new connection carries clicks.
    const ev = freshEvent("commit-table");
    const { ops } = await cardsFor(ev);
    expect(privateData(await click(ops, "staff_alice", "approve")).actionOk).toBe("true");
    await waitFor(() => dw.decisions.get(String(ev.id)), "the decision after reconnecting");
  });
});
