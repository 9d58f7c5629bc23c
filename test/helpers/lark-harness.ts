/**
 * The Lark set-up the integration tests share: the bot's `lark` section for HTTP callbacks against the fake API,
 * signed callbacks posted as Lark sends them, and the callback values a card's buttons carry.
 */
import type { FakeLark, LarkMessage } from "../fakes/lark-api.js";
import type { TestBot } from "./bot.js";
import { type LarkSignOptions, larkRequest } from "./sign-lark.js";

/** An app whose callbacks come over HTTP: encrypted with encryptKey, carrying the verification token. */
export interface LarkHttpApp {
  appId: string;
  appSecret: string;
  encryptKey: string;
  verificationToken: string;
}

/** The bot's `lark` section for the app, its API on the fake. */
export function larkHttpSection(app: LarkHttpApp, lark: FakeLark) {
  return { ...app, domain: lark.url, timeoutMs: 2000 };
}

/** POST a payload to the bot's /lark/events as Lark sends it: encrypted and signed with the app's encrypt key. */
export function postLarkEvent(bot: TestBot, encryptKey: string, payload: unknown, o: LarkSignOptions = {}) {
  const { body, headers } = larkRequest(encryptKey, payload, o);
  return fetch(`${bot.url}/lark/events`, { method: "POST", headers, body });
}

const CALLBACK = /"behaviors":\[\{"type":"callback","value":(\{[^}]*\})\}\]/g;

/** The callback value of the button with this actionId, as the card carries it. */
export function buttonValue(card: LarkMessage, actionId: string): unknown {
  const found = JSON.stringify(card.card).match(CALLBACK) ?? [];
  for (const b of found) {
    const v = JSON.parse(b.slice('"behaviors":[{"type":"callback","value":'.length, -2)) as { actionId?: string };
    if (v.actionId === actionId) return v;
  }
  throw new Error(`no ${actionId} button on the card`);
}

/** The callback value of a form's submit button. */
export function findSubmit(card: Record<string, unknown>): unknown {
  const m = /"form_action_type":"submit","behaviors":\[\{"type":"callback","value":(\{[^}]*\})\}\]/.exec(
    JSON.stringify(card),
  );
  if (!m) throw new Error("no submit button in the form");
  return JSON.parse(m[1]!);
}
