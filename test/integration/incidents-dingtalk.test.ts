import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOPIC_CARD } from "../../adapters/dingtalk/stream.js";
import type { DingTalkCard, FakeDingTalk } from "../fakes/dingtalk-api.js";
import type { FakeDingTalkStream, StreamAck } from "../fakes/dingtalk-stream.js";
import type { TestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { startDingTalkBot, startDingTalkFakes } from "../helpers/dingtalk-harness.js";
import { failedInstance, incidentConfig, preRerun } from "../helpers/incident-config.js";
import { sleep, waitFor } from "../helpers/wait.js";

const APP = { clientId: "dingincidents0123456", clientSecret: "dingtalk-incidents-secret" };
const CID = "cidIncidents==";
const AK = "LTAI-incidents-ding";
const SECRET = "incidents-ding-secret";
let nextInstance = 720_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

/**
 * Acting on a failure from DingTalk: interactive cards through the fake OpenAPI, clicks as Stream CALLBACK frames,
 * operations through the real DataWorks client. DingTalk buttons cannot confirm by themselves: the bot asks the
 * clicker privately first (the card's reason picker with the operation as the one choice).
 */
describe("incidents on DingTalk: acknowledge, confirm then rerun, refused mark success", () => {
  const { dw } = dataWorksOnRedis(AK, SECRET);
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  let bot: TestBot;

  beforeAll(async () => {
    ({ ding, gateway } = await startDingTalkFakes(APP, {
      conversations: [CID],
      users: { staff_wang: "王芳", staff_li: "李雷" },
    }));
    bot = await startDingTalkBot(
      { ...APP, cardTemplateId: "tpl-incident.schema", corpId: "ding-corp" },
      { ding, gateway },
      {
        destinations: { ops: { platform: "dingtalk", conversationId: CID } },
        ...incidentConfig(dw, { accessKeyId: AK, accessKeySecret: SECRET }, ["ops"], {
          operators: { dingtalk: ["staff_wang", "staff_li"] },
          leads: { dingtalk: ["staff_lead"] },
        }),
      },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([ding?.stop(), gateway?.stop()]);
  });

  const click = (card: DingTalkCard, userId: string, actionId: string, params: Record<string, string> = {}) =>
    gateway.push(TOPIC_CARD, {
      outTrackId: card.outTrackId,
      corpId: "ding-corp",
      userId,
      userIdType: 1,
      type: "actionCallback",
      spaceType: "IM_GROUP",
      spaceId: card.openSpaceId.split(".").at(-1),
      content: JSON.stringify({
        cardPrivateData: { actionIds: [actionId], params: { value: params.value, ...params } },
      }),
    });
  const privateData = (ack: StreamAck) =>
    (JSON.parse(ack.data) as { response: { userPrivateData: { cardParamMap: Record<string, string> } } }).response
      .userPrivateData.cardParamMap;

  async function fail() {
    const id = nextInstance++;
    dw.instanceOps.status.set(id, "Failure");
    expect((await bot.post(failedInstance(id))).status).toBe(202);
    const card = await waitFor(
      () => ding.cards.find((c) => c.openSpaceId.endsWith(CID) && c.cardParamMap.actionValue === String(id)),
      "the failure card with its buttons",
    );
    return { id, card };
  }

  it("Acknowledge claims it and the card shows who; a second person is told who has it", async () => {
    const { id, card } = await fail();
    expect(card.cardParamMap).toMatchObject({ action0Id: "incident.ack", action1Id: "incident.rerun" });
    const ack = privateData(await click(card, "staff_wang", "incident.ack", { value: String(id) }));
    expect(ack).toMatchObject({ actionOk: "true", actionResult: expect.stringContaining("You are on it") });
    await waitFor(() => card.cardParamMap.context?.includes("On it: 王芳 since"), "the card shows who is on it");
    expect(card.cardParamMap.action0Id).toBe("incident.take-over");
    const second = privateData(await click(card, "staff_li", "incident.ack", { value: String(id) }));
    expect(second.actionResult).toMatch(/王芳 is on it since \d\d:\d\d/);
  });

  it("Rerun asks first (privately, naming node, instance and business date); confirmed → one call; the pre-rerun event without a card", async () => {
    const { id, card } = await fail();
    const ask = privateData(await click(card, "staff_wang", "incident.rerun", { value: String(id) }));
    expect(ask).toMatchObject({ actionOk: "false", needReason: "true" });
    expect(ask.actionResult).toContain(`instance ${id}, business date`);
    expect(JSON.parse(ask.reasonChoices ?? "[]")).toEqual(["Rerun"]);
    await sleep(200);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(0);
    // Free text is no confirmation.
    const wrong = privateData(await click(card, "staff_wang", "incident.rerun", { value: String(id), reason: "yes" }));
    expect(wrong.needReason).toBe("true");
    const acks = await Promise.all([
      click(card, "staff_wang", "incident.rerun", { value: String(id), reason: "Rerun" }),
      click(card, "staff_li", "incident.rerun", { value: String(id), reason: "Rerun" }),
    ]);
    expect(acks.map(privateData).filter((p) => p.actionOk === "true")).toHaveLength(1);
    await waitFor(() => card.cardParamMap.context?.includes("DataWorks accepted it."), "DataWorks' answer on the card");
    await sleep(300);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(1);
    const pre = preRerun([id]);
    const before = ding.cards.length;
    await bot.post(pre);
    expect((await waitFor(() => dw.decisions.get(String(pre.id)), "the answer")).checkResult).toBe("OK");
    await sleep(300);
    expect(ding.cards.slice(before).filter((c) => JSON.stringify(c.cardParamMap).includes("approval.approve"))).toEqual(
      [],
    );
  });

  it("the whole chain: rerun confirmed → one call → the pre-rerun event answered OK without a card to decide → running → succeeded update the same card", async () => {
    // A node of its own, so the status events follow this failure's card only.
    const nodeId = 700_001_239_000 + (nextInstance % 1000);
    const id = nextInstance++;
    dw.instanceOps.status.set(id, "Failure");
    expect((await bot.post(failedInstance(id, nodeId))).status).toBe(202);
    const card = await waitFor(
      () => ding.cards.find((c) => c.openSpaceId.endsWith(CID) && c.cardParamMap.actionValue === String(id)),
      "the failure card with its buttons",
    );
    const cardsBefore = ding.cards.length;
    const messagesBefore = ding.messages.length;
    const calls = dw.callsOf("RerunTaskInstances").length;

    const rerun = privateData(await click(card, "staff_li", "incident.rerun", { value: String(id), reason: "Rerun" }));
    expect(rerun.actionOk).toBe("true");
    await waitFor(() => card.cardParamMap.context?.includes("DataWorks accepted it."), "DataWorks' answer on the card");
    await sleep(300);
    const mine = dw.callsOf("RerunTaskInstances").slice(calls);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.params.Ids).toBe(`[${id}]`);

    // DataWorks publishes the pre-event of the rerun the bot started: answered OK from chat, no approval card.
    const pre = preRerun([id]);
    expect((await bot.post(pre)).status).toBe(202);
    expect((await waitFor(() => dw.decisions.get(String(pre.id)), "the answer")).checkResult).toBe("OK");
    const audit = await bot.runtime.approvalStore.auditLog(30);
    expect(audit.find((e) => e.decision?.by.kind === "chat" && e.decision.by.platform === "dingtalk")).toBeDefined();

    // DataWorks runs it, then it succeeds: the same card is updated each time, the timeline on it.
    let updates = card.updates;
    expect((await bot.post(failedInstance(id, nodeId, 4))).status).toBe(202);
    await waitFor(() => card.updates > updates && JSON.stringify(card.cardParamMap).includes("Running: "), "running");
    updates = card.updates;
    expect((await bot.post(failedInstance(id, nodeId, 6))).status).toBe(202);
    await waitFor(
      () => card.updates > updates && JSON.stringify(card.cardParamMap).includes("Recovered: "),
      "recovered",
    );
    expect(card.cardParamMap.context).toContain("rerun by 李雷");
    expect(card.cardParamMap.context).toMatch(/failed \d\d:\d\d · rerun by 李雷 \d\d:\d\d.* · succeeded \d\d:\d\d/);
    await sleep(300);
    // No card to decide: the one card posted since is the pre-event's answer as a record (done, no buttons, naming
    // the chat authorization) — as on Slack, where the answer is a message of its own. No new card or message for
    // the running or the recovery.
    const since = ding.cards.slice(cardsBefore);
    expect(since.map((c) => c.cardParamMap.kind)).toEqual(["approval:pre-rerun-instance"]);
    expect(since[0]?.cardParamMap).toMatchObject({ status: "done", actions: "[]" });
    expect(since[0]?.cardParamMap.markdown).toContain("the bot's own operation, authorized in chat by 李雷");
    expect(ding.messages.slice(messagesBefore)).toEqual([]);
  });

  it("Mark success is refused outside its role, even confirmed; nothing is called", async () => {
    const { id, card } = await fail();
    const refused = privateData(
      await click(card, "staff_wang", "incident.set-success", { value: String(id), reason: "Mark success" }),
    );
    expect(refused).toMatchObject({ actionOk: "false", actionResult: expect.stringContaining("You may not") });
    await sleep(200);
    expect(dw.callsOf("SetSuccessTaskInstances")).toHaveLength(0);
  });
});
