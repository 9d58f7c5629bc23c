import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLarkAdapter } from "../../adapters/lark/index.js";
import type { AdapterRoute, CommandEvent } from "../../src/core/chat-adapter.js";
import { emptyMessage } from "../../src/core/message.js";
import { FakeLark } from "../fakes/lark-api.js";
import { larkRequest, messageReceived } from "../helpers/sign-lark.js";
import { waitFor } from "../helpers/wait.js";

const APP = { appId: "cli_a1b2c3d4e5f60718", appSecret: "lark-cmd-secret" };
const KEY = "lark-cmd-encrypt-key";
const CHAT = "oc_cmd000000000000000";

/**
 * Messages to the bot reach onCommand (mentions stripped) and are answered through the fake Lark: in a group with a
 * card only the asker sees (ephemeral/v1/send), in the thread when shared or when Lark refuses the ephemeral card,
 * and as a reply in a direct chat.
 */
describe("Lark im.message.receive_v1 → onCommand → private answer", () => {
  let lark: FakeLark;
  let route: AdapterRoute;
  const seen: CommandEvent[] = [];
  let closeListener: () => Promise<void>;

  beforeAll(async () => {
    lark = new FakeLark({ ...APP, chats: [CHAT] });
    await lark.start();
    const adapter = createLarkAdapter({ app: { ...APP, domain: lark.url, encryptKey: KEY }, timeoutMs: 2000 });
    const l = await adapter.listen!({
      onAction: async () => ({ ok: false, text: "unused" }),
      onCommand: async (c) => {
        seen.push(c);
        const m = emptyMessage("command", "en");
        m.title = `recent events: ${c.text}`;
        return { message: m, share: c.text.endsWith(" share"), notPrivate: "NOT-PRIVATE-NOTE" };
      },
    });
    closeListener = l.close;
    route = adapter.routes!()[0]!;
  });
  afterAll(async () => {
    await closeListener?.();
    await lark?.stop();
  });

  const push = (payload: unknown) => {
    const { body, headers } = larkRequest(KEY, payload);
    return route.handle({ method: "POST", path: route.path, headers, rawBody: Buffer.from(body) });
  };

  it("strips the bot mention, hands the text to onCommand and answers with a card only the asker sees", async () => {
    const messageId = lark.userMessage(CHAT);
    const ev = messageReceived({
      token: "vt",
      openId: "ou_alice",
      chatId: CHAT,
      messageId,
      text: "@_user_1  recent 5 status=failed @_user_2",
      mentions: [
        { key: "@_user_1", name: "DataWorks Bot", openId: "ou_bot" },
        { key: "@_user_2", name: "Bob", openId: "ou_bob" },
      ],
    });
    const res = await push(ev);
    expect(res.status).toBe(200);
    const answer = await waitFor(
      () => lark.messages.find((m) => m.ephemeralTo === "ou_alice" && JSON.stringify(m.card).includes("status=failed")),
      "the ephemeral answer",
    );
    expect(seen.at(-1)).toMatchObject({
      adapter: "lark",
      text: "recent 5 status=failed @Bob",
      user: { id: "ou_alice" },
      channel: CHAT,
    });
    expect(answer.chat_id).toBe(CHAT);
    expect(JSON.stringify(answer.card)).toContain("recent events");
    // Nothing the whole chat sees.
    expect(lark.messages.some((m) => m.replyTo === messageId)).toBe(false);
    // Lark re-pushes an event it thinks was lost: answered once.
    await push(ev);
    await new Promise((r) => setTimeout(r, 200));
    expect(lark.messages.filter((m) => m.ephemeralTo && JSON.stringify(m.card).includes("status=failed"))).toHaveLength(
      1,
    );
  });

  /** A group message from ou_alice that starts by @-mentioning `mention` (the bot unless told). */
  const ask = async (text: string, mention = { name: "DataWorks Bot", openId: "ou_bot" }) => {
    const messageId = lark.userMessage(CHAT);
    await push(
      messageReceived({
        token: "vt",
        openId: "ou_alice",
        chatId: CHAT,
        messageId,
        text: `@_user_1 ${text}`,
        mentions: [{ key: "@_user_1", ...mention }],
      }),
    );
    return messageId;
  };

  it("a shared answer is a reply in the thread, for the whole chat", async () => {
    const messageId = await ask("pending share");
    const reply = await waitFor(() => lark.messages.find((m) => m.replyTo === messageId), "the thread reply");
    expect(JSON.stringify(reply.card)).toContain("pending share");
    expect(lark.messages.some((m) => m.ephemeralTo && JSON.stringify(m.card).includes("pending share"))).toBe(false);
  });

  it("when Lark refuses the ephemeral card, the answer is not lost: posted in the thread, saying why", async () => {
    lark.script.push({ code: 230002, msg: "Bot/User can NOT be out of the chat." });
    const messageId = await ask("audit 3");
    const reply = await waitFor(() => lark.messages.find((m) => m.replyTo === messageId), "the fallback reply");
    expect(JSON.stringify(reply.card)).toContain("audit 3");
    expect(JSON.stringify(reply.card)).toContain("NOT-PRIVATE-NOTE");
  });

  it("in a group, answers only messages that start by @-mentioning; a direct message needs no mention", async () => {
    const before = seen.length;
    const say = (text: string, chatType: "group" | "p2p" = "group") => {
      const messageId = lark.userMessage(CHAT);
      return push(messageReceived({ token: "vt", openId: "ou_alice", chatId: CHAT, messageId, text, chatType })).then(
        () => messageId,
      );
    };
    const chatter = await say("recent builds look slow");
    const direct = await say("help", "p2p");
    await waitFor(() => lark.messages.find((m) => m.replyTo === direct), "the answer to the direct message");
    expect(seen.slice(before).map((c) => c.text)).toEqual(["help"]);
    expect(lark.messages.some((m) => m.replyTo === chatter)).toBe(false);
  });

  it("in a group, a message that starts by @-mentioning someone else is conversation, not a command", async () => {
    const before = seen.length;
    const messageId = await ask("help me with the deploy", { name: "Bob", openId: "ou_bob" });
    // The bot asked Lark who it is (once), then left the message alone.
    await waitFor(() => lark.calls.some((c) => c.path === "/open-apis/bot/v3/info"), "the bot info lookup");
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.length).toBe(before);
    expect(lark.messages.some((m) => m.replyTo === messageId)).toBe(false);
    expect(lark.calls.filter((c) => c.path === "/open-apis/bot/v3/info")).toHaveLength(1);
  });

  it("ignores messages from bots and refuses unsigned pushes", async () => {
    const before = seen.length;
    const messageId = lark.userMessage(CHAT);
    await push(
      messageReceived({ token: "vt", openId: "ou_x", chatId: CHAT, messageId, text: "help", senderType: "app" }),
    );
    const { body, headers } = larkRequest(
      KEY,
      messageReceived({ token: "vt", openId: "ou_x", chatId: CHAT, messageId, text: "help" }),
      {
        unsigned: true,
      },
    );
    const res = await route.handle({ method: "POST", path: route.path, headers, rawBody: Buffer.from(body) });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.length).toBe(before);
  });
});
