import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeLark, type LarkMessage } from "../fakes/lark-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { buttonValue, findSubmit, larkHttpSection, postLarkEvent } from "../helpers/lark-harness.js";
import { cardAction, type LarkSignOptions, larkEncrypt, larkRequest } from "../helpers/sign-lark.js";
import { sleep, waitFor } from "../helpers/wait.js";

const APP_ID = "cli_a1b2c3d4e5f60718";
const APP_SECRET = "lark-app-secret-approvals";
const ENCRYPT_KEY = "lark-encrypt-key-0123456789";
const VERIFY_TOKEN = "lark-verification-token-01";
const CHAT_OPS = "oc_ops0000000000000000";
const CHAT_LEADS = "oc_leads00000000000000";
const AK = "LTAI-lark-approvals";
const SECRET = "dw-lark-approvals-secret";
const OPERATOR_UID = "1938274650735"; // the operator in the commit-file fixture

/**
 * Lark approvals end to end: the real node-sdk client against the fake Lark API, signed and encrypted callbacks
 * at POST /lark/events, the real DataWorks OpenAPI client against the fake DataWorks gateway.
 */
describe("approvals on Lark: card → signed card.action.trigger → DataWorks once → every card updated", () => {
  let lark: FakeLark;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    // ou_lead is outside the app's contact range: lookups of them fail (41050) and the id is shown.
    lark = new FakeLark({
      appId: APP_ID,
      appSecret: APP_SECRET,
      chats: [CHAT_OPS, CHAT_LEADS],
      users: { ou_alice: "王爱丽" },
    });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([lark.start(), dw.start()]);
    bot = await startTestBot({
      lark: larkHttpSection(
        { appId: APP_ID, appSecret: APP_SECRET, encryptKey: ENCRYPT_KEY, verificationToken: VERIFY_TOKEN },
        lark,
      ),
      dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "ext-lark" }),
      enrich: { enabled: false },
      destinations: {
        ops: { platform: "lark", chatId: CHAT_OPS },
        leads: { platform: "lark", chatId: CHAT_LEADS, locale: "zh-CN" },
      },
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
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([lark?.stop(), dw?.stop()]);
  });

  const post = (payload: unknown, o: LarkSignOptions = {}) => postLarkEvent(bot, ENCRYPT_KEY, payload, o);
  const click = (card: LarkMessage, openId: string, actionId: string, o: LarkSignOptions = {}) => {
    const value = buttonValue(card, actionId);
    return post(
      cardAction({ token: VERIFY_TOKEN, openId, value, messageId: card.message_id, chatId: card.chat_id }),
      o,
    );
  };

  async function cardsFor(ev: Record<string, unknown>) {
    const res = await bot.post(ev);
    expect(res.status).toBe(202);
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

  it("answers the URL verification challenge (encrypted, unsigned) and refuses a challenge in clear", async () => {
    const challenge = { type: "url_verification", challenge: "ch-123", token: VERIFY_TOKEN };
    const res = await post(challenge, { unsigned: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: "ch-123" });
    const clear = await post(challenge, { unsigned: true, plaintext: true });
    expect(clear.status).toBe(401);
    const wrongToken = await post({ ...challenge, token: "nope" }, { unsigned: true });
    expect(wrongToken.status).toBe(401);
  });

  it("approves from a signed click within 3 s, returns OK to DataWorks once and updates both cards", async () => {
    const ev = freshEvent("commit-file");
    const { id, ops, leads } = await cardsFor(ev);
    expect(JSON.stringify(leads.card)).toContain("待审批");
    const blockValue = buttonValue(ops, "approval.block");
    const started = Date.now();
    const res = await click(ops, "ou_alice", "approval.approve");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ toast: { type: "success", content: expect.stringContaining("Approved") } });
    const decided = await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    expect(decided).toMatchObject({ action: "UpdateIDEEventResult", checkResult: "OK" });
    for (const card of [ops, leads])
      await waitFor(
        () => card.updates >= 1 && !JSON.stringify(card.card).includes("approval.approve"),
        `card in ${card.chat_id} updated without buttons`,
      );
    // The name from the contact API, on the card and in what DataWorks shows the developer.
    await waitFor(() => JSON.stringify(ops.card).includes("Approved by 王爱丽"), "the card names the approver");
    expect(decided.tip).toBe("Approved by 王爱丽 (lark) via dataworks-chatops");
    expect(JSON.stringify(leads.card)).toContain("已批准");
    // A retried or late click changes nothing.
    const late = await post(
      cardAction({
        token: VERIFY_TOKEN,
        openId: "ou_lead",
        value: blockValue,
        messageId: ops.message_id,
        chatId: CHAT_OPS,
      }),
    );
    expect(((await late.json()) as { toast: { content: string } }).toast.content).toContain("Already decided");
    await sleep(200);
    expect(dw.callsOf("UpdateIDEEventResult").filter((c) => c.params.MessageId === ev.id)).toHaveLength(1);
    expect((await bot.runtime.approvalStore.get(id))?.decision?.by).toMatchObject({
      platform: "lark",
      userId: "ou_alice",
    });
  });

  it("refuses forged, stale, future and unsigned clicks, and toasts unauthorized or self-approval", async () => {
    const ev = freshEvent("commit-file");
    const { id, ops } = await cardsFor(ev);
    const now = Math.floor(Date.now() / 1000);
    const statuses = await Promise.all([
      click(ops, "ou_alice", "approval.approve", { signingKey: "not-the-key" }),
      click(ops, "ou_alice", "approval.approve", { timestamp: now - 600 }),
      click(ops, "ou_alice", "approval.approve", { timestamp: now + 600 }),
      click(ops, "ou_alice", "approval.approve", { unsigned: true }),
      click(ops, "ou_alice", "approval.approve", { unsigned: true, plaintext: true }),
    ]).then((rs) => rs.map((r) => r.status));
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // Signed, but the encrypted blob was made with another key.
    const body = JSON.stringify({ encrypt: larkEncrypt("another-key", { schema: "2.0" }) });
    const { headers } = larkRequest(ENCRYPT_KEY, {}, {});
    const bad = await fetch(`${bot.url}/lark/events`, { method: "POST", headers, body });
    expect(bad.status).toBe(401);

    const eve = await click(ops, "ou_eve", "approval.approve");
    expect(await eve.json()).toEqual({ toast: { type: "error", content: expect.stringContaining("not an approver") } });
    const bob = await click(ops, "ou_bob", "approval.approve");
    expect(await bob.json()).toEqual({
      toast: { type: "error", content: expect.stringContaining("your own operation") },
    });
    await sleep(300);
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    expect(dw.decisions.has(String(ev.id))).toBe(false);
    expect(ops.updates).toBe(0);
  });

  it("asks for a reason with a form card, then blocks with the submitted reason", async () => {
    const ev = freshEvent("delete-file");
    const { id, ops, leads } = await cardsFor(ev);
    const res = await click(ops, "ou_lead", "approval.block");
    expect(await res.json()).toEqual({ toast: { type: "info", content: expect.stringContaining("reason") } });
    const form = await waitFor(() => lark.messages.find((m) => m.replyTo === ops.message_id), "the reason form");
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    const submit = findSubmit(form.card);
    expect(JSON.stringify(form.card)).toContain("Change freeze");
    const sent = await post(
      cardAction({
        token: VERIFY_TOKEN,
        openId: "ou_lead",
        value: submit,
        messageId: form.message_id,
        chatId: form.chat_id,
        formValue: { reason: "touches finance tables", reason_choice: "Change freeze" },
      }),
    );
    const answer = (await sent.json()) as { toast: { type: string }; card?: { type: string } };
    expect(answer.toast.type).toBe("success");
    expect(answer.card?.type).toBe("raw");
    const d = await waitFor(() => dw.decisions.get(String(ev.id)), "the FAIL decision");
    expect(d.checkResult).toBe("FAIL");
    expect(d.tip).toContain("Change freeze: touches finance tables");
    // Not in the contact range: the id stands in for the name.
    expect(d.tip).toContain("Blocked by ou_lead (lark)");
    for (const card of [ops, leads])
      await waitFor(() => card.updates >= 1 && JSON.stringify(card.card).includes("finance"), "cards show the reason");
  });

  it("answers a click in the language of the card's destination: toast, reason form and its outcome", async () => {
    const ev = freshEvent("delete-file");
    const { ops, leads } = await cardsFor(ev);
    const res = await click(leads, "ou_lead", "approval.block");
    expect(await res.json()).toEqual({ toast: { type: "info", content: "请填写拒绝原因。" } });
    const form = await waitFor(() => lark.messages.find((m) => m.replyTo === leads.message_id), "the reason form");
    expect(JSON.stringify(form.card)).toContain("拒绝该操作");
    const sent = await post(
      cardAction({
        token: VERIFY_TOKEN,
        openId: "ou_lead",
        value: findSubmit(form.card),
        messageId: form.message_id,
        chatId: form.chat_id,
        formValue: { reason_choice: "Change freeze" },
      }),
    );
    const answer = (await sent.json()) as { toast: { content: string }; card: { data: unknown } };
    expect(answer.toast.content).toBe("已拒绝，正在回传 DataWorks。");
    expect(JSON.stringify(answer.card.data)).toContain("已拒绝");
    // The English card's clicks stay English.
    const late = await click(ops, "ou_alice", "approval.approve");
    expect(((await late.json()) as { toast: { content: string } }).toast.content).toMatch(/^Already decided: Blocked/);
  });

  it("a decided card states the outcome where it said DataWorks was waiting", async () => {
    const ev = freshEvent("commit-file");
    const { ops, leads } = await cardsFor(ev);
    expect(JSON.stringify(ops.card)).toContain("DataWorks is holding this operation");
    expect(JSON.stringify(leads.card)).toContain("DataWorks 正在等待");
    await click(ops, "ou_alice", "approval.approve");
    for (const card of [ops, leads])
      await waitFor(
        () => JSON.stringify(card.card).includes("accepted") || JSON.stringify(card.card).includes("已接收"),
        "DataWorks accepted",
      );
    expect(JSON.stringify(ops.card)).not.toContain("DataWorks is holding");
    expect(JSON.stringify(ops.card)).toContain("Approved&#58; DataWorks accepted the answer");
    expect(JSON.stringify(leads.card)).not.toContain("正在等待");
    expect(JSON.stringify(leads.card)).toContain("已批准：DataWorks 已接收结果（检查");
  });
});
