import type { ActionEvent, FirstSeen, InteractionHandlers, MessageRef } from "../../src/core/chat-adapter.js";
import { commandText, type LarkMention } from "./command-text.js";
import { doneCard, type ReasonFormValue, reasonFormCard, reasonFrom } from "./reason-form.js";
import { type LarkCard, renderLark } from "./render.js";

export interface LarkCallbacksConfig {
  now?: () => number;
  /** Post a card as a reply to a message (reason forms, shared command answers). Throws DeliveryError. */
  reply(messageId: string, card: LarkCard): Promise<void>;
  /** Show a card to one user in a group chat (command answers). Throws DeliveryError. */
  ephemeral?(chatId: string, openId: string, card: LarkCard): Promise<void>;
  /** Failures that happen after Lark was answered (command replies); never holds a secret. */
  onError?: (err: unknown, what: string) => void;
  /** Replay guard across instances (Redis); without it, re-pushes are only caught per process. */
  firstSeen?: FirstSeen;
  /** The bot's own open_id, so a group message that starts by @-mentioning someone else is not a command. */
  botOpenId?: () => Promise<string | undefined>;
}

/** Lark wants the answer within 3 s ("处理卡片回调"), over HTTP and over the long connection; keep a margin. */
const ACK_BUDGET_MS = 2_500;
/** Lark re-pushes an event it thinks was not received; one reply per event is enough. */
const SEEN_TTL_MS = 10 * 60_000;

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/**
 * What the bot does with a Lark callback once it is known to be genuine, whichever way it came: card button
 * clicks (`card.action.trigger`, schema 2.0) and messages to the bot (`im.message.receive_v1`). The HTTP route
 * (interactive.ts) verifies the signature first; the long connection (long-connection.ts) is authenticated at
 * connect time. Each method returns the callback's answer body (a toast, maybe a card).
 */
export function createLarkCallbacks(config: LarkCallbacksConfig) {
  let handlers: InteractionHandlers | undefined;
  const seen = new Map<string, number>();
  const now = () => (config.now ?? Date.now)();

  function firstTime(id: string): boolean {
    const t = now();
    for (const [k, exp] of seen) if (exp < t) seen.delete(k);
    if (seen.has(id)) return false;
    seen.set(id, t + SEEN_TTL_MS);
    return true;
  }

  async function onCardAction(header: Json, event: Json): Promise<Json> {
    const onAction = handlers?.onAction;
    const action = obj(event.action);
    let v: Json = obj(action.value);
    if (typeof action.value === "string") {
      try {
        v = obj(JSON.parse(action.value));
      } catch {
        v = {};
      }
    }
    const actionId = str(v.actionId);
    const value = str(v.value);
    const user = str(obj(event.operator).open_id);
    if (!onAction || !actionId || !user)
      return toast("error", "This button is not handled by the bot. / 机器人不处理此按钮。");
    const ctx = obj(event.context);
    const messageId = str(ctx.open_message_id) ?? str(event.open_message_id);
    const chatId = str(ctx.open_chat_id) ?? str(event.open_chat_id);
    const message: MessageRef | undefined = messageId
      ? { adapter: "lark", destination: "", ids: { message_id: messageId, ...(chatId ? { chat_id: chatId } : {}) } }
      : undefined;
    const fromForm = (v as Partial<ReasonFormValue>).form === "reason";
    const input = reasonFrom(obj(action.form_value));
    const ev: ActionEvent = {
      id: str(header.event_id) ?? str(event.token) ?? `${messageId ?? ""}:${user}:${now()}`,
      adapter: "lark",
      actionId,
      ...(value ? { value } : {}),
      ...(input ? { input } : {}),
      user: { id: user },
      // A reason form is a reply in the card's chat: its chat still tells which destination (and language) it is.
      ...(message ? { message } : {}),
    };
    const reply = await onAction(ev);
    if (reply.needsInput) {
      if (!messageId || fromForm) return toast("warning", reply.text);
      await config.reply(messageId, reasonFormCard(reply.needsInput, actionId, value ?? ""));
      return toast("info", reply.text);
    }
    // A submitted reason form is replaced by the outcome, so it cannot be submitted twice.
    if (fromForm && reply.ok) return { ...toast("success", reply.text), card: raw(doneCard(reply.text)) };
    return toast(reply.ok ? "success" : "error", reply.text);
  }

  async function onMessage(event: Json): Promise<void> {
    const onCommand = handlers?.onCommand;
    const sender = obj(event.sender);
    const message = obj(event.message);
    // Bots (including this one) never drive commands: no loops.
    if (!onCommand || sender.sender_type !== "user" || message.message_type !== "text") return;
    const self = message.chat_type === "group" ? await config.botOpenId?.() : undefined;
    const parsed = commandText(message.content, message.mentions as LarkMention[] | undefined, self);
    const messageId = str(message.message_id);
    const user = str(obj(sender.sender_id).open_id);
    if (parsed === undefined || !messageId || !user) return;
    // With the "read all group messages" permission Lark sends every group message: only those that start by
    // @-mentioning the bot are commands; the rest of the conversation gets no "unknown command" replies.
    if (message.chat_type === "group" && !parsed.addressed) return;
    const { text } = parsed;
    const chatId = str(message.chat_id);
    const answer = await onCommand({
      adapter: "lark",
      text,
      user: { id: user },
      ...(chatId ? { channel: chatId } : {}),
    });
    // A direct chat is private already; in a group the answer is a card only the asker sees, unless shared.
    if (message.chat_type === "group" && !answer.share && chatId && config.ephemeral) {
      try {
        await config.ephemeral(chatId, user, renderLark(answer.message).card);
        return;
      } catch (err) {
        // Not lost: the chat may read the channel's answers anyway (commands.channels), so post it, saying why.
        config.onError?.(err, "Lark ephemeral command answer (answered in the thread instead)");
        const note = answer.notPrivate;
        if (note) answer.message = { ...answer.message, context: [...answer.message.context, note] };
      }
    }
    await config.reply(messageId, renderLark(answer.message).card);
  }

  return {
    setHandlers(h: InteractionHandlers) {
      handlers = h;
    },
    /** A click: the core's answer as a toast, or "Processing…" if it takes longer than Lark waits. */
    cardAction(header: Json, event: Json): Promise<Json> {
      // Said before (or without) the core, so the destination's language is not known here: both.
      const work = onCardAction(header, event).catch(() =>
        toast("error", "The bot could not process this click. / 机器人未能处理此次点击。"),
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<Json>((r) => {
        timer = setTimeout(() => r(toast("info", "Processing… / 处理中…")), ACK_BUDGET_MS);
      });
      return Promise.race([work, late]).finally(() => clearTimeout(timer));
    },
    /** A message to the bot: answered at once (the command may take longer than Lark's 3 s), replied to later. */
    async message(header: Json, event: Json): Promise<Json> {
      const id = str(header.event_id);
      // Lark re-pushes events, to any instance: one reply per event id across all of them when Redis is shared.
      const first = id
        ? config.firstSeen
          ? await config.firstSeen(`lark-event:${id}`, SEEN_TTL_MS)
          : firstTime(id)
        : true;
      if (!first) return {};
      onMessage(event).catch((err) => config.onError?.(err, "Lark command reply"));
      return {};
    },
  };
}

function toast(type: "success" | "info" | "warning" | "error", content: string): Json {
  return { toast: { type, content } };
}

const raw = (card: LarkCard) => ({ type: "raw", data: card });
