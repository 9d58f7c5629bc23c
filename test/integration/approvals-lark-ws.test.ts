import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeLark, type LarkMessage } from "../fakes/lark-api.js";
import { FakeLarkWs } from "../fakes/lark-ws.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { buttonValue, findSubmit } from "../helpers/lark-harness.js";
import { cardAction, messageReceived } from "../helpers/sign-lark.js";
import { sleep, waitFor } from "../helpers/wait.js";

const APP_ID = "cli_a1b2c3d4e5f6a7b8";
const APP_SECRET = "lark-app-secret-ws-approvals";
const CHAT_OPS = "oc_wsops00000000000000";
const CHAT_LEADS = "oc_wsleads000000000000";
const AK = "LTAI-lark-ws";
const SECRET = "dw-lark-ws-secret";
const OPERATOR_UID = "1938274650735"; // the operator in the commit-file fixture

/**
 * Lark approvals and commands over the long connection, wired from the config (lark.transport: ws): the SDK's
 * WSClient asks the fake gateway for a URL and speaks pbbp2 frames with it; the Open API calls go through the same
 * domain to FakeLark; decisions go to the DataWorks fake through the real OpenAPI client.
 */
describe("Lark long connection: card → card.action.trigger frame → DataWorks once → cards PATCHed", () => {
  let lark: FakeLark;
  let gateway: FakeLarkWs;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    lark = new FakeLark({ appId: APP_ID, appSecret: APP_SECRET, chats: [CHAT_OPS, CHAT_LEADS] });
    gateway = new FakeLarkWs({ appId: APP_ID, appSecret: APP_SECRET, upstream: () => lark.url });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([lark.start(), gateway.start(), dw.start()]);
    bot = await startTestBot({
      lark: { appId: APP_ID, appSecret: APP_SECRET, domain: gateway.url, transport: "ws", timeoutMs: 2000 },
      dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "ext-lark-ws" }),
      enrich: { enabled: false },
      destinations: {
        ops: { platform: "lark", chatId: CHAT_OPS },
        leads: { platform: "lark", chatId: CHAT_LEADS, locale: "zh-CN" },
      },
      routes: [{ name: "all", destinations: ["ops"] }],
      approvals: {
        deliveryBackoff: "50ms",
        users: { [OPERATOR_UID]: { lark: ["ou_bob"] } },
        routes: [
          {
            name: "prod",
            destinations: ["ops", "leads"],
            approvers: { users: { lark: ["ou_alice", "ou_bob", "ou_lead"] } },
            blockReasons: ["Change freeze", "Needs review"],
          },
        ],
      },
    });
    await waitFor(() => gateway.sockets.length === 1, "the bot's long connection");
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([lark?.stop(), gateway?.stop(), dw?.stop()]);
  });

  async function cardsFor(ev: Record<string, unknown>) {
    expect((await bot.post(ev)).status).toBe(202);
    const id = await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) });
    expect(id).toBeTruthy();
    const find = (chat: string) =>
      lark.inChat(chat).find((m) => !m.replyTo && JSON.stringify(m.card).includes(String(id)));
    const [ops, leads] = await waitFor(
      () => (find(CHAT_OPS) && find(CHAT_LEADS) ? [find(CHAT_OPS)!, find(CHAT_LEADS)!] : undefined),
      "cards in both chats",
    );
    return { id: id as string, ops, leads };
  }
  const clickOf = (card: LarkMessage, openId: string, actionId: string) =>
    cardAction({
      token: "",
      openId,
      value: buttonValue(card, actionId),
      messageId: card.message_id,
      chatId: card.chat_id,
    });
  const decisionsFor = (messageId: unknown) =>
    dw.callsOf("UpdateIDEEventResult").filter((c) => c.params.MessageId === String(messageId));

  it("connected with the app credentials and serves no HTTP callback route", async () => {
    expect(gateway.endpointCalls).toBe(1);
    const res = await fetch(`${bot.url}/lark/events`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
  });

  it("approves from a click frame: toast in the response frame, DataWorks once, both cards PATCHed", async () => {
    const ev = freshEvent("commit-file");
    const { ops, leads } = await cardsFor(ev);
    const click = clickOf(ops, "ou_alice", "approval.approve");
    const res = await gateway.pushEvent(click);
    expect(res.code).toBe(200);
    expect(res.afterMs).toBeLessThan(3000);
    expect(res.body).toEqual({ toast: { type: "success", content: expect.stringContaining("Approved") } });
    expect(res.headers.biz_rt).toBeDefined();
    const decided = await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    expect(decided).toMatchObject({ action: "UpdateIDEEventResult", checkResult: "OK" });
    for (const card of [ops, leads])
      await waitFor(
        () => card.updates >= 1 && !JSON.stringify(card.card).includes("approval.approve"),
        `card in ${card.chat_id} PATCHed without buttons`,
      );
    // Lark re-pushes a frame it got no answer for: the same click again decides nothing.
    const again = await gateway.pushEvent(click);
    expect(JSON.stringify(again.body)).toContain("Already decided");
    await sleep(200);
    expect(decisionsFor(ev.id)).toHaveLength(1);
  });

  it("toasts refusals (not an approver, own operation) and decides nothing", async () => {
    const ev = freshEvent("commit-file");
    const { id, ops } = await cardsFor(ev);
    const eve = await gateway.pushEvent(clickOf(ops, "ou_eve", "approval.approve"));
    expect(eve.body).toEqual({ toast: { type: "error", content: expect.stringContaining("not an approver") } });
    const bob = await gateway.pushEvent(clickOf(ops, "ou_bob", "approval.approve"));
    expect(bob.body).toEqual({ toast: { type: "error", content: expect.stringContaining("your own operation") } });
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    expect(decisionsFor(ev.id)).toHaveLength(0);
  });

  it("asks for a reason with a form card; the submitted form blocks and is replaced by the outcome", async () => {
    const ev = freshEvent("delete-file");
    const { ops, leads } = await cardsFor(ev);
    const res = await gateway.pushEvent(clickOf(ops, "ou_lead", "approval.block"));
    expect(res.body).toEqual({ toast: { type: "info", content: expect.stringContaining("reason") } });
    const form = await waitFor(() => lark.messages.find((m) => m.replyTo === ops.message_id), "the reason form");
    const submitted = await gateway.pushEvent(
      cardAction({
        token: "",
        openId: "ou_lead",
        value: findSubmit(form.card),
        messageId: form.message_id,
        chatId: form.chat_id,
        formValue: { reason: "touches finance tables", reason_choice: "Change freeze" },
      }),
    );
    const answer = submitted.body as { toast: { type: string }; card?: { type: string } };
    expect(answer.toast.type).toBe("success");
    expect(answer.card?.type).toBe("raw");
    const d = await waitFor(() => dw.decisions.get(String(ev.id)), "the FAIL decision");
    expect(d.checkResult).toBe("FAIL");
    expect(d.tip).toContain("Change freeze: touches finance tables");
    for (const card of [ops, leads])
      await waitFor(() => card.updates >= 1 && JSON.stringify(card.card).includes("finance"), "cards show the reason");
  });

  it("answers an im.message.receive_v1 frame at once, with a card only the asker sees, once; shared in the thread", async () => {
    const messageId = lark.userMessage(CHAT_OPS);
    const msg = messageReceived({
      token: "",
      openId: "ou_alice",
      chatId: CHAT_OPS,
      messageId,
      text: "@_user_1 help",
      mentions: [{ key: "@_user_1", name: "DataWorks Bot", openId: "ou_bot" }],
    });
    const res = await gateway.pushEvent(msg);
    expect(res.code).toBe(200);
    // Lark allows 3 s for the answer; room for a loaded machine inside that.
    expect(res.afterMs).toBeLessThan(2500);
    const answers = () => lark.messages.filter((m) => m.ephemeralTo === "ou_alice" && m.chat_id === CHAT_OPS);
    const answer = await waitFor(() => answers()[0], "the ephemeral command answer");
    expect(JSON.stringify(answer.card)).toMatch(/recent|pending/);
    expect(lark.messages.some((m) => m.replyTo === messageId)).toBe(false);
    // A re-pushed event (same event_id) is answered once.
    await gateway.pushEvent(msg);
    await sleep(300);
    expect(answers()).toHaveLength(1);

    // "share": the whole chat sees it, as a reply in the thread.
    const sharedId = lark.userMessage(CHAT_OPS);
    await gateway.pushEvent(
      messageReceived({
        token: "",
        openId: "ou_alice",
        chatId: CHAT_OPS,
        messageId: sharedId,
        text: "@_user_1 pending share",
        mentions: [{ key: "@_user_1", name: "DataWorks Bot", openId: "ou_bot" }],
      }),
    );
    const shared = await waitFor(() => lark.messages.find((m) => m.replyTo === sharedId), "the shared answer");
    expect(JSON.stringify(shared.card)).toMatch(/Waiting for approval|Nothing is waiting/);
    expect(answers()).toHaveLength(1);
  });

  it("merges an event split over several frames (sum/seq)", async () => {
    const ev = freshEvent("commit-file");
    const { ops } = await cardsFor(ev);
    const res = await gateway.pushEvent(clickOf(ops, "ou_eve", "approval.approve"), { parts: 3 });
    expect(JSON.stringify(res.body)).toContain("not an approver");
  });

  it("reconnects after a network drop and keeps working", async () => {
    const connections = gateway.connections;
    const calls = gateway.endpointCalls;
    gateway.drop();
    await waitFor(() => gateway.connections === connections + 1 && gateway.sockets.length === 1, "a new connection");
    expect(gateway.endpointCalls).toBe(calls + 1);
    const ev = freshEvent("commit-file");
    const { ops } = await cardsFor(ev);
    const res = await gateway.pushEvent(clickOf(ops, "ou_eve", "approval.approve"));
    expect(JSON.stringify(res.body)).toContain("not an approver");
  });

  it("closes the connection on shutdown and does not come back", async () => {
    const connections = gateway.connections;
    const closed = gateway.closes.length;
    await bot.close();
    // The socket leaves `sockets` when the close handshake starts; its code is recorded when it ends.
    await waitFor(() => gateway.sockets.length === 0 && gateway.closes.length > closed, "the connection closed");
    expect(gateway.closes[closed]).toBe(1005);
    await sleep(800);
    expect(gateway.connections).toBe(connections);
  });
});
