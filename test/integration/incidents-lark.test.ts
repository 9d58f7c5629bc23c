import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeLark, type LarkMessage } from "../fakes/lark-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { failedInstance, incidentConfig, preRerun } from "../helpers/incident-config.js";
import { buttonValue, larkHttpSection, postLarkEvent } from "../helpers/lark-harness.js";
import { cardAction } from "../helpers/sign-lark.js";
import { sleep, waitFor } from "../helpers/wait.js";

const APP_ID = "cli_incidents0000001";
const APP_SECRET = "lark-app-secret-incidents";
const ENCRYPT_KEY = "lark-encrypt-key-incidents-01";
const VERIFY_TOKEN = "lark-verification-token-inc";
const CHAT = "oc_incidents00000000000";
const AK = "LTAI-incidents-lark";
const SECRET = "incidents-lark-secret";
let nextInstance = 710_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

/** Acting on a failure from Lark: the real node-sdk client, signed and encrypted card callbacks, the fake gateway. */
describe("incidents on Lark: acknowledge, rerun, mark success from the failure card", () => {
  const { dw } = dataWorksOnRedis(AK, SECRET);
  let lark: FakeLark;
  let bot: TestBot;

  beforeAll(async () => {
    lark = new FakeLark({
      appId: APP_ID,
      appSecret: APP_SECRET,
      chats: [CHAT],
      users: { ou_wang: "王芳", ou_li: "李雷" },
    });
    await lark.start();
    bot = await startTestBot({
      lark: larkHttpSection(
        { appId: APP_ID, appSecret: APP_SECRET, encryptKey: ENCRYPT_KEY, verificationToken: VERIFY_TOKEN },
        lark,
      ),
      destinations: { ops: { platform: "lark", chatId: CHAT, locale: "zh-CN" } },
      ...incidentConfig(dw, { accessKeyId: AK, accessKeySecret: SECRET }, ["ops"], {
        operators: { lark: ["ou_wang", "ou_li"] },
        leads: { lark: ["ou_lead"] },
      }),
    });
  });
  afterAll(async () => {
    await bot?.close();
    await lark?.stop();
  });

  const click = async (card: LarkMessage, openId: string, actionId: string, stale?: unknown) => {
    const value = stale ?? buttonValue(card, actionId);
    const res = await postLarkEvent(
      bot,
      ENCRYPT_KEY,
      cardAction({ token: VERIFY_TOKEN, openId, value, messageId: card.message_id, chatId: CHAT }),
    );
    return ((await res.json()) as { toast?: { content: string } }).toast?.content ?? "";
  };
  const shows = (m: LarkMessage, text: string) => JSON.stringify(m.card).includes(text);

  async function fail() {
    const id = nextInstance++;
    dw.instanceOps.status.set(id, "Failure");
    expect((await bot.post(failedInstance(id))).status).toBe(202);
    const card = await waitFor(
      () => lark.inChat(CHAT).find((m) => !m.replyTo && shows(m, `"value":"${id}"`)),
      "the failure card with its buttons",
    );
    return { id, card };
  }

  it("认领 claims it; a second person is told who has it; 接手 takes it over — every change on the card", async () => {
    const { card } = await fail();
    expect(shows(card, "尚无人认领。")).toBe(true);
    const ack = buttonValue(card, "incident.ack");
    expect(await click(card, "ou_wang", "incident.ack")).toContain("已认领");
    await waitFor(() => shows(card, "处理人：王芳"), "the card shows who is on it");
    expect(shows(card, "incident.ack")).toBe(false);
    // Clicked on a copy of the card as it was before (not yet refreshed on their screen).
    expect(await click(card, "ou_li", "incident.ack", ack)).toMatch(/王芳 自 \d\d:\d\d 起在处理/);
    expect(await click(card, "ou_li", "incident.take-over")).toContain("你已从 王芳 接手");
    await waitFor(() => shows(card, "接手自 王芳"), "the take-over on the card");
  });

  it("重跑 carries Lark's own confirm; concurrent clicks make one call; the pre-rerun event is answered without a card", async () => {
    const { id, card } = await fail();
    const button = JSON.stringify(card.card).match(
      /\{"tag":"button"[\s\S]*?"actionId":"incident.rerun"[\s\S]*?\}\}\}/,
    )?.[0];
    expect(button).toContain('"confirm":{"title":{"tag":"plain_text","content":"重跑该实例？"}');
    expect(button).toContain(`实例 ${id}（业务日期`);
    const toasts = await Promise.all([
      click(card, "ou_wang", "incident.rerun"),
      click(card, "ou_li", "incident.rerun"),
      click(card, "ou_wang", "incident.rerun"),
    ]);
    expect(toasts.filter((t) => t.includes("已发起重跑"))).toHaveLength(1);
    await waitFor(() => shows(card, "DataWorks 已受理"), "DataWorks' answer on the card");
    await sleep(300);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(1);
    const pre = preRerun([id]);
    const before = lark.messages.length;
    await bot.post(pre);
    expect((await waitFor(() => dw.decisions.get(String(pre.id)), "the answer")).checkResult).toBe("OK");
    await sleep(300);
    expect(lark.messages.slice(before).filter((m) => shows(m, "approval.approve"))).toEqual([]);

    // DataWorks runs it, then it succeeds: the status events update the same card (Chinese), the timeline on it.
    await bot.post(failedInstance(id, undefined, 4));
    await waitFor(() => shows(card, "运行中"), "the card updated: running");
    await bot.post(failedInstance(id, undefined, 6));
    await waitFor(() => shows(card, "已恢复"), "the card updated: recovered");
    expect(shows(card, "王芳") || shows(card, "ou_wang")).toBe(true);
    const top = lark.inChat(CHAT).filter((m) => !m.replyTo && (shows(m, "运行中") || shows(m, "已恢复")));
    expect(top).toEqual([card]);
  });

  it("置成功 is refused outside its role and nothing is called; a throttled DataWorks shows its error on the card", async () => {
    const { card } = await fail();
    expect(await click(card, "ou_wang", "incident.set-success")).toContain("你无权");
    await sleep(200);
    expect(dw.callsOf("SetSuccessTaskInstances")).toHaveLength(0);
    for (let n = 0; n < 3; n++) dw.script.push({ action: "RerunTaskInstances", answer: { throttle: true } });
    await click(card, "ou_wang", "incident.rerun");
    await waitFor(() => shows(card, "王芳 的重跑失败"), "the error on the card", 10_000);
    expect(shows(card, "Request was denied due to user flow control.")).toBe(true);
  });
});
