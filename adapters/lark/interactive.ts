import { timingSafeEqual } from "node:crypto";
import type { InteractionHandlers, RawRequest, RawResponse } from "../../src/core/chat-adapter.js";
import { createLarkCallbacks, type LarkCallbacksConfig, obj } from "./callbacks.js";
import { verifyLarkRequest } from "./verify.js";

export interface LarkInteractiveConfig extends LarkCallbacksConfig {
  encryptKey?: string;
  /** Checked as well when set (defence in depth; the signature is what protects). */
  verificationToken?: string;
}

/**
 * POST /lark/events: card button clicks and messages to the bot, verified on the raw bytes, then handled by
 * callbacks.ts (shared with the long connection). Clicks are answered with a toast inside Lark's deadline; the
 * card itself is rewritten by the approval-update job (PATCH).
 */
/** A signature stays acceptable while its timestamp is within 5 minutes either way: remember it for 10. */
const REPLAY_TTL_MS = 10 * 60_000;

export function createLarkInteractive(config: LarkInteractiveConfig) {
  const callbacks = createLarkCallbacks(config);
  const now = () => (config.now ?? Date.now)();

  function tokenOk(token: unknown): boolean {
    if (!config.verificationToken) return true;
    const a = Buffer.from(String(token ?? ""));
    const b = Buffer.from(config.verificationToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  return {
    setHandlers(h: InteractionHandlers) {
      callbacks.setHandlers(h);
    },
    async handle(req: RawRequest): Promise<RawResponse> {
      const verified = verifyLarkRequest(req, config.encryptKey, now());
      if (!verified.ok) return { status: verified.status, body: { error: "unauthorized", message: verified.reason } };
      // The same signed bytes again (a captured request replayed, here or on another instance) do nothing: the
      // signature covers timestamp, nonce and body. Answered 200 so a genuine platform retry is acknowledged.
      // Lower-cased: verification accepts either case of the hex digest, so the replay key must not tell them apart.
      const sig = String(req.headers["x-lark-signature"] ?? "").toLowerCase();
      if (verified.signed && config.firstSeen && !(await config.firstSeen(`lark:${sig}`, REPLAY_TTL_MS))) {
        return { status: 200, body: {} };
      }
      const body = verified.body;
      if (body.type === "url_verification") {
        if (!tokenOk(body.token)) return { status: 401, body: { error: "unauthorized", message: "token mismatch" } };
        return { status: 200, body: { challenge: body.challenge } };
      }
      const header = obj(body.header);
      const event = obj(body.event);
      if (!tokenOk(header.token)) return { status: 401, body: { error: "unauthorized", message: "token mismatch" } };
      const type = header.event_type;
      if (type === "card.action.trigger") return { status: 200, body: await callbacks.cardAction(header, event) };
      if (type === "im.message.receive_v1") return { status: 200, body: await callbacks.message(header, event) };
      return { status: 200, body: {} };
    },
  };
}
