import type { Config } from "../config/schema.js";
import type { ActionEvent, MessageRef } from "../core/chat-adapter.js";
import { destinationFor } from "../commands/authorize.js";
import type { Approval } from "./types.js";

/** Ids that name one message on its platform (a Slack ts, a Lark message_id, a DingTalk outTrackId). */
const MESSAGE_IDS = ["ts", "message_id", "outTrackId", "id"] as const;
/** Ids that name the chat a click was made in. */
const CHAT_IDS = ["channel", "chat_id", "conversationId"] as const;

/**
 * The destination a click came from, so its answer speaks that destination's language: the one the adapter
 * names, else the posted card the click was on (its message id), else the destination configured for the chat
 * it was made in (a Lark reason form is a reply in the card's chat). Undefined when none is known.
 */
export function clickDestination(
  config: Readonly<Config>,
  action: ActionEvent,
  approval?: Pick<Approval, "cards">,
): string | undefined {
  const m = action.message;
  if (!m) return undefined;
  if (m.destination && config.destinations[m.destination]) return m.destination;
  const card = approval?.cards.find((c) => c.adapter === action.adapter && sameMessage(c, m));
  if (card && config.destinations[card.destination]) return card.destination;
  const chat = CHAT_IDS.map((k) => m.ids[k]).find(Boolean);
  return destinationFor(config, action.adapter, chat);
}

/** Same message id, and no chat id that differs (a Slack ts is unique within its channel only). */
function sameMessage(a: MessageRef, b: MessageRef): boolean {
  const same = (k: string) => Boolean(a.ids[k]) && a.ids[k] === b.ids[k];
  const clash = (k: string) => Boolean(a.ids[k]) && Boolean(b.ids[k]) && a.ids[k] !== b.ids[k];
  return MESSAGE_IDS.some(same) && !CHAT_IDS.some(clash);
}
