import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDingTalkAdapter } from "../../adapters/dingtalk/index.js";
import { TOPIC_CARD, TOPIC_ROBOT } from "../../adapters/dingtalk/stream.js";
import type { CommandEvent } from "../../src/core/chat-adapter.js";
import { emptyMessage } from "../../src/core/message.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import { sleep, waitFor } from "../helpers/wait.js";

const CLIENT_ID = "dingcommands01234567";
const CLIENT_SECRET = "dingtalk-commands-secret";
const CID = "cidCmd==";

/** @bot messages over Stream reach onCommand and are answered through the message's sessionWebhook. */
describe("DingTalk robot messages → onCommand → sessionWebhook reply", () => {
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  const seen: CommandEvent[] = [];
  let close: () => Promise<void>;

  beforeAll(async () => {
    ding = new FakeDingTalk({
      appKey: CLIENT_ID,
      appSecret: CLIENT_SECRET,
      robotCode: CLIENT_ID,
      conversations: [CID],
    });
    gateway = new FakeDingTalkStream({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await Promise.all([ding.start(), gateway.start()]);
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
        return { message: m };
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

  it("acks at once, hands the trimmed text to onCommand and replies through the sessionWebhook", async () => {
    const ack = await gateway.push(TOPIC_ROBOT, robotMessage("  recent   5 ", ding.sessionWebhook(CID)));
    expect(ack.code).toBe(200);
    const reply = await waitFor(() => ding.to(`session:${CID}`)[0], "the reply in the group");
    expect(seen.at(-1)).toMatchObject({
      adapter: "dingtalk",
      text: "recent 5",
      user: { id: "staff_alice", name: "Alice" },
      channel: CID,
    });
    expect(reply.text).toContain("最近事件");
  });

  it("does not reply twice to a re-pushed message, nor through an expired session", async () => {
    const before = ding.to(`session:${CID}`).length;
    const again = robotMessage("pending", ding.sessionWebhook(CID));
    await gateway.push(TOPIC_ROBOT, again, { messageId: "repushed-1" });
    await gateway.push(TOPIC_ROBOT, again, { messageId: "repushed-1" });
    await waitFor(() => ding.to(`session:${CID}`).length === before + 1, "one reply");
    const expired = ding.sessionWebhook(CID, -1000);
    await gateway.push(TOPIC_ROBOT, robotMessage("help", expired));
    await sleep(300);
    expect(ding.to(`session:${CID}`).length).toBe(before + 1);
    expect(seen.filter((c) => c.text === "pending")).toHaveLength(1);
    expect(seen.some((c) => c.text === "help")).toBe(false);
  });

  it("ignores a message from a sender in another organisation (staff ids are unique only within one)", async () => {
    const before = ding.to(`session:${CID}`).length;
    const foreign = { ...robotMessage("audit", ding.sessionWebhook(CID)), senderCorpId: "other-corp" };
    expect((await gateway.push(TOPIC_ROBOT, foreign)).code).toBe(200);
    await sleep(300);
    expect(ding.to(`session:${CID}`).length).toBe(before);
    expect(seen.some((c) => c.text === "audit")).toBe(false);
  });
});
