import type { ActionEvent, ActionReply, OnAction } from "../core/chat-adapter.js";
import { makeWellFormed } from "../core/text.js";
import type { Logger } from "../logger.js";

/**
 * What handles the clicks of one kind of button: those whose action id starts with its prefix (`approval.`).
 * Incident buttons plug in beside approval buttons with a prefix of their own.
 */
export interface ActionHandler {
  handle(action: ActionEvent): Promise<ActionReply>;
  /** The answer when `handle` throws (the router logs the error): a "try again", in the clicker's language. */
  failed(action: ActionEvent): ActionReply;
}

/** The answer to a click no handler knows (an old card's button, a forged callback). */
export const UNKNOWN_ACTION: ActionReply = Object.freeze({ ok: false, text: "unknown action" });

/**
 * Clicks routed by action id prefix, as bolt's `app.action(id)` and the Chat SDK's `onAction([...])` do. Every
 * click is answered: by its handler, by the handler's `failed` answer when it throws, or with UNKNOWN_ACTION.
 */
export class ActionRouter {
  private readonly routes: Array<{ prefix: string; handler: ActionHandler }> = [];
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Sends the clicks whose action id starts with `prefix` to `handler`; the longest matching prefix wins. */
  on(prefix: string, handler: ActionHandler): this {
    if (!prefix) throw new Error("an action prefix must not be empty");
    if (this.routes.some((r) => r.prefix === prefix)) throw new Error(`action prefix ${prefix} is already routed`);
    this.routes.push({ prefix, handler });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  /** The OnAction every adapter's listen() and the console are given. */
  readonly handle: OnAction = async (raw) => {
    // Text typed in chat (a block reason, a display name) is made well formed where it enters: it ends up in cards
    // that every platform must be able to encode. The answer too: it may quote what was stored before that was done.
    const action = makeWellFormed(raw);
    const handler = this.routes.find((r) => action.actionId.startsWith(r.prefix))?.handler;
    if (!handler) return UNKNOWN_ACTION;
    const reply = await handler.handle(action).catch((err) => {
      this.logger.error({ err, adapter: action.adapter, actionId: action.actionId }, "action failed");
      return handler.failed(action);
    });
    return makeWellFormed(reply);
  };
}
