import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDingTalkAdapter } from "../../adapters/dingtalk/index.js";
import { TOPIC_CARD, TOPIC_ROBOT } from "../../adapters/dingtalk/stream.js";
import type { CommandEvent } from "../../src/core/chat-adapter.js";
import { emptyMessage } from "../../src/core/message.js";
import type { FakeDingTalk } from "../fakes/dingtalk-api.js";
import type { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import { startDingTalkFakes } from "../helpers/dingtalk-harness.js";
import { sleep, waitFor } from "../helpers/wait.js";

const CLIENT_ID = "dingcommands01234567";
const CLIENT_SECRET = "dingtalk-commands-secret";
const CID = "cidCmd==";

const ALICE = "user:staff_alice";

/**
 * @bot messages over Stream reach onCommand. A group's answer goes to the asker's one-to-one chat with the app robot
 * (oToMessages/batchSend); a shared answer, an answer in a one-to-one chat, and one DingTalk would not deliver
 * one-to-one go through the message's sessionWebhook.
 */
describe("DingTalk robot messages → onCommand → private answer", () => {
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  const seen: CommandEvent[] = [];
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ding, gateway } = await startDingTalkFakes(
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      { conversations: [CID], staff: ["staff_alice"] },
    ));
    const adapter = createDingTalkAdapter({
      app: {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        apiUrl: ding.url,
        streamUrl: gateway.url,
        corpId: "ding-corp",
      },
      timeoutMs: 2000,
    });
    const l = await adapter.listen!({
      onAction: async () => ({ ok: false, text: "unused" }),
      onCommand: async (c) => {
        seen.push(c);
        const m = emptyMessage("command", "zh-CN");
        m.title = `最近事件: ${c.text}`;
        return { message: m, share: c.text.endsWith(" share"), notPrivate: "NOT-PRIVATE-NOTE" };
      },
    });
    close = async () => {
      await l.close();
      await adapter.close?.();
    };
    await waitFor(() => gateway.sockets.length === 1, "the Stream connection");
  });
  afterAll(async () => {
    await close?.();
    await Promise.all([ding?.stop(), gateway?.stop()]);
  });

  const robotMessage = (text: string, webhook: { url: string; expiresAt: number }) => ({
    conversationId: CID,
    conversationType: "2",
    conversationTitle: "数据值班",
    chatbotUserId: "$:LWCP_v1:$bot",
    msgId: `msg${Date.now()}`,
    senderNick: "Alice",
    senderStaffId: "staff_alice",
    senderId: "$:LWCP_v1:$alice",
    senderCorpId: "ding-corp",
    isAdmin: false,
    isInAtList: true,
    createAt: Date.now(),
    sessionWebhook: webhook.url,
    sessionWebhookExpiredTime: webhook.expiresAt,
    robotCode: CLIENT_ID,
    msgtype: "text",
    text: { content: text },
  });

  it("subscribes to robot messages when a command handler is given", () => {
    expect(gateway.lastSubscriptions).toEqual([
      { type: "CALLBACK", topic: TOPIC_CARD },
      { type: "CALLBACK", topic: TOPIC_ROBOT },
    ]);
  });

  it("acks at once, hands the trimmed text to onCommand and answers the asker one-to-one", async () => {
    const ack = await gateway.push(TOPIC_ROBOT, robotMessage("  recent   5 ", ding.sessionWebhook(CID)));
    expect(ack.code).toBe(200);
    const reply = await waitFor(() => ding.to(ALICE)[0], "the one-to-one answer");
    expect(seen.at(-1)).toMatchObject({
      adapter: "dingtalk",
      text: "recent 5",
      user: { id: "staff_alice", name: "Alice" },
      channel: CID,
    });
    expect(reply.text).toContain("最近事件");
    // Nothing the group sees.
    expect(ding.to(`session:${CID}`)).toHaveLength(0);
    expect(ding.to(CID)).toHaveLength(0);
    const call = ding.calls.find((c) => c.path === "/v1.0/robot/oToMessages/batchSend");
    expect(call?.body).toMatchObject({ robotCode: CLIENT_ID, userIds: ["staff_alice"], msgKey: "sampleMarkdown" });
  });

  it("a shared answer, and any answer in a one-to-one chat, goes through the sessionWebhook", async () => {
    await gateway.push(TOPIC_ROBOT, robotMessage("pending share", ding.sessionWebhook(CID)));
    const shared = await waitFor(
      () => ding.to(`session:${CID}`).find((m) => m.text.includes("pending share")),
      "the shared answer in the group",
    );
    expect(shared.text).not.toContain("NOT-PRIVATE-NOTE");
    const direct = { ...robotMessage("mutes", ding.sessionWebhook("cidDirect==")), conversationType: "1" };
    await gateway.push(TOPIC_ROBOT, direct);
    await waitFor(() => ding.to("session:cidDirect==").find((m) => m.text.includes("mutes")), "the direct answer");
    expect(ding.to(ALICE).some((m) => m.text.includes("mutes") || m.text.includes("pending share"))).toBe(false);
  });

  it("when DingTalk will not message the asker one-to-one, the answer is posted in the group, saying why", async () => {
    // staff_bob is not one of the organisation's staff ids the fake knows: listed in invalidStaffIdList.
    const bob = { ...robotMessage("audit 3", ding.sessionWebhook(CID)), senderStaffId: "staff_bob" };
    await gateway.push(TOPIC_ROBOT, bob);
    const posted = await waitFor(
      () => ding.to(`session:${CID}`).find((m) => m.text.includes("audit 3")),
      "the fallback answer in the group",
    );
    expect(posted.text).toContain("NOT-PRIVATE-NOTE");
    expect(ding.to("user:staff_bob")).toHaveLength(0);
  });

  it("does not reply twice to a re-pushed message, nor to a message whose session has expired", async () => {
    const before = ding.to(ALICE).length;
    const again = robotMessage("pending", ding.sessionWebhook(CID));
    await gateway.push(TOPIC_ROBOT, again, { messageId: "repushed-1" });
    await gateway.push(TOPIC_ROBOT, again, { messageId: "repushed-1" });
    await waitFor(() => ding.to(ALICE).length === before + 1, "one reply");
    const expired = ding.sessionWebhook(CID, -1000);
    await gateway.push(TOPIC_ROBOT, robotMessage("help", expired));
    await sleep(300);
    expect(ding.to(ALICE).length).toBe(before + 1);
    expect(seen.filter((c) => c.text === "pending")).toHaveLength(1);
    expect(seen.some((c) => c.text === "help")).toBe(false);
  });

  it("ignores a message from a sender in another organisation (staff ids are unique only within one)", async () => {
    const before = ding.messages.length;
    const foreign = { ...robotMessage("audit", ding.sessionWebhook(CID)), senderCorpId: "other-corp" };
    expect((await gateway.push(TOPIC_ROBOT, foreign)).code).toBe(200);
    await sleep(300);
    expect(ding.messages.length).toBe(before);
    expect(seen.some((c) => c.text === "audit")).toBe(false);
  });
});
