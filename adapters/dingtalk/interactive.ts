import type { ActionEvent, ActionReply, InteractionHandlers } from "../../src/core/chat-adapter.js";
import { valueFromOutTrackId } from "./card.js";
import { isFailure, requestJson } from "./http.js";
import { type DingTalkPayload, renderDingTalk } from "./render.js";
import { TOPIC_CARD, TOPIC_ROBOT } from "./stream.js";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** DingTalk re-pushes an unacked callback for about a minute; remember ids a little longer. */
const SEEN_TTL_MS = 5 * 60_000;

export interface DingTalkInteractiveConfig {
  timeoutMs: number;
  now: () => number;
  onError?: (err: unknown, what: string) => void;
  /**
   * Our organisation. A staff id is unique only within one organisation, and a forwarded card can reach a
   * cross-organisation group: a callback that names another organisation is refused.
   */
  corpId?: string;
  /** Send to a user's one-to-one chat with the app robot (command answers typed in a group). */
  sendToUser?: (staffId: string, payload: DingTalkPayload) => Promise<void>;
}

/**
 * Stream callbacks → the core. Card clicks (topic /v1.0/card/instances/callback) become ActionEvents; the answer
 * goes back in the ack as the clicker's private card data (`userPrivateData`, as in DingTalk's card callback
 * demo), so the template can show it to that user only. @bot messages (topic /v1.0/im/bot/messages/get) become
 * CommandEvents. DingTalk has no message only one group member sees, so a group's answer goes to the asker's
 * one-to-one chat with the robot; a shared answer, or one in a one-to-one chat, goes through the sessionWebhook.
 */
export function createDingTalkInteractive(config: DingTalkInteractiveConfig) {
  let handlers: InteractionHandlers | undefined;
  const seen = new Map<string, number>();

  const foreign = (corpId: unknown) => Boolean(config.corpId && str(corpId) && str(corpId) !== config.corpId);

  function firstTime(id: string): boolean {
    const t = config.now();
    for (const [k, exp] of seen) if (exp < t) seen.delete(k);
    if (seen.has(id)) return false;
    seen.set(id, t + SEEN_TTL_MS);
    return true;
  }

  async function onCard(data: Json, messageId: string): Promise<unknown> {
    const onAction = handlers?.onAction;
    let content: Json = {};
    try {
      content = obj(typeof data.content === "string" ? JSON.parse(data.content) : data.content);
    } catch {
      content = {};
    }
    const priv = obj(content.cardPrivateData);
    const params = obj(priv.params);
    const ids = Array.isArray(priv.actionIds) ? priv.actionIds : [];
    const outTrackId = str(data.outTrackId);
    const actionId = normaliseActionId(str(params.actionId) ?? str(ids[0]));
    const value =
      str(params.value) ?? str(params.actionValue) ?? (outTrackId ? valueFromOutTrackId(outTrackId) : undefined);
    const user = str(data.userId);
    if (!onAction || !actionId || !user)
      // Answered without the core, so the group's language is not known here: both.
      return privateReply({ ok: false, text: "This button is not handled by the bot. / 机器人不处理此按钮。" });
    if (foreign(data.corpId))
      return privateReply({
        ok: false,
        text: "Only members of the bot's organisation can use this card. / 仅机器人所在组织的成员可使用此卡片。",
      });
    const input = str(params.reason) ?? str(params.blockReason);
    const ev: ActionEvent = {
      id: messageId,
      adapter: "dingtalk",
      actionId,
      ...(value ? { value } : {}),
      ...(input ? { input } : {}),
      user: { id: user },
      ...(outTrackId ? { message: { adapter: "dingtalk", destination: "", ids: { outTrackId, ...group(data) } } } : {}),
    };
    return privateReply(await onAction(ev));
  }

  async function onRobot(data: Json): Promise<void> {
    const onCommand = handlers?.onCommand;
    if (!onCommand || data.msgtype !== "text") return;
    const text = str(obj(data.text).content) ?? "";
    const user = str(data.senderStaffId) ?? str(data.senderId);
    const webhook = str(data.sessionWebhook);
    const expires = Number(data.sessionWebhookExpiredTime);
    if (!user || !webhook || !/^https?:\/\//.test(webhook)) return;
    if (foreign(data.senderCorpId)) return;
    // The session webhook is valid for about 90 minutes (sessionWebhookExpiredTime, ms).
    if (Number.isFinite(expires) && expires < config.now()) throw new Error("the message's sessionWebhook has expired");
    const channel = str(data.conversationId);
    const answer = await onCommand({
      adapter: "dingtalk",
      text: text.replace(/\s+/g, " "),
      user: { id: user, ...(str(data.senderNick) ? { name: str(data.senderNick) } : {}) },
      ...(channel ? { channel } : {}),
    });
    // conversationType "1" is a one-to-one chat (private already), "2" a group.
    if (data.conversationType === "2" && !answer.share) {
      const staffId = str(data.senderStaffId);
      try {
        if (!staffId || !config.sendToUser)
          throw new Error("no staff id to answer one-to-one (not a member of the organisation)");
        await config.sendToUser(staffId, renderDingTalk(answer.message));
        return;
      } catch (err) {
        // Not lost: the group may read the channel's answers anyway (commands.channels), so post it, saying why.
        config.onError?.(err, "DingTalk one-to-one command answer (answered in the group instead)");
        const note = answer.notPrivate;
        if (note) answer.message = { ...answer.message, context: [...answer.message.context, note] };
      }
    }
    const p = renderDingTalk(answer.message);
    const res = await requestJson(
      webhook,
      { method: "POST", body: { msgtype: "markdown", markdown: { title: p.title, text: p.text } } },
      { timeoutMs: config.timeoutMs },
    );
    // Errors never quote the webhook URL: it is a credential for that conversation.
    if (isFailure(res))
      throw new Error(`DingTalk sessionWebhook reply failed: ${res.transport ?? `HTTP ${res.status}`}`);
    if (res.body.errcode !== undefined && res.body.errcode !== 0)
      throw new Error(`DingTalk sessionWebhook reply failed: errcode ${String(res.body.errcode)}`);
  }

  return {
    setHandlers(h: InteractionHandlers) {
      handlers = h;
    },
    /** The topics worth subscribing to with these handlers. */
    topics(h: InteractionHandlers): string[] {
      return h.onCommand ? [TOPIC_CARD, TOPIC_ROBOT] : [TOPIC_CARD];
    },
    async onCallback(topic: string, data: unknown, messageId: string): Promise<unknown> {
      if (messageId && !firstTime(`${topic}:${messageId}`)) return null;
      if (topic === TOPIC_CARD) return onCard(obj(data), messageId);
      if (topic === TOPIC_ROBOT) {
        // Ack at once; the command and its reply may take a while.
        onRobot(obj(data)).catch((err) => config.onError?.(err, "DingTalk command reply"));
        return null;
      }
      return null;
    },
  };
}

/**
 * The group a card was clicked in (spaceType IM_GROUP: spaceId is its openConversationId), so the answer can be
 * in that group's language even before the card's id is recorded.
 */
function group(data: Json): { conversationId?: string } {
  const space = str(data.spaceId);
  return data.spaceType === "IM_GROUP" && space ? { conversationId: space } : {};
}

/** Card builder action ids may be short ("approve"); the core's are namespaced. */
function normaliseActionId(id: string | undefined): string | undefined {
  if (id === "approve" || id === "block") return `approval.${id}`;
  return id;
}

/** What only the clicker sees: the outcome text, and for a block without reason the request for one. */
function privateReply(r: ActionReply) {
  return {
    cardUpdateOptions: { updatePrivateDataByKey: true },
    userPrivateData: {
      cardParamMap: {
        actionResult: r.text,
        actionOk: String(r.ok),
        needReason: String(Boolean(r.needsInput)),
        reasonChoices: JSON.stringify(r.needsInput?.choices ?? []),
      },
    },
  };
}
