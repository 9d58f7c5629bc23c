import { createHash } from "node:crypto";
import type * as lark from "@larksuiteoapi/node-sdk";
import type {
  AdapterRoute,
  ChatAdapter,
  InteractionHandlers,
  MessageRef,
  FirstSeen,
} from "../../src/core/chat-adapter.js";
import { DeliveryError } from "../../src/core/errors.js";
import type { Message } from "../../src/core/message.js";
import type { LarkCallbacksConfig } from "./callbacks.js";
import { createLarkClient, type LarkAppConfig, TokenCache } from "./client.js";
import { failureFromThrown, larkDeliveryError, TOKEN_CODES } from "./errors.js";
import { createLarkInteractive } from "./interactive.js";
import { createLarkLongConnection } from "./long-connection.js";
import { type LarkCard, type LarkPayload, renderLark } from "./render.js";
import type { LarkTarget } from "./target.js";
import { sendLarkWebhook } from "./webhook.js";

export interface LarkAdapterConfig {
  /** App bot credentials (the `lark` config section); absent when only custom-bot webhooks are configured. */
  app?: LarkAppConfig;
  timeoutMs: number;
  /** Clock for webhook signatures and callback time windows (tests). */
  now?: () => number;
  /** Failures after an HTTP answer was given (command replies). */
  onError?: (err: unknown, what: string) => void;
  /** Replay guard across instances: a signed callback, and an event id, are handled once. */
  firstSeen?: FirstSeen;
}

/** Lark/Feishu: app bot through the official SDK (send + update), custom bot through its signed webhook. */
export function createLarkAdapter(config: LarkAdapterConfig): ChatAdapter<LarkPayload, LarkTarget> {
  const cache = new TokenCache();
  const client = config.app ? createLarkClient(config.app, config.timeoutMs, cache) : undefined;
  const now = config.now ?? Date.now;

  function appClient(destination: string): lark.Client {
    if (client) return client;
    throw new DeliveryError(
      `Lark destination ${destination} uses a chatId, which needs the lark section (appId, appSecret)`,
      {
        adapter: "lark",
        destination,
        retryable: false,
        platformCode: "not_configured",
      },
    );
  }

  /** One call with one immediate retry when Lark says the cached token is no longer valid. */
  async function call<T extends { code?: number; msg?: string }>(
    destination: string,
    what: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let res: T;
      try {
        res = await fn();
      } catch (err) {
        const f = failureFromThrown(err);
        if (f.code !== undefined && TOKEN_CODES.has(f.code)) {
          cache.clear();
          if (attempt === 1) continue;
        }
        throw larkDeliveryError(f, destination, what);
      }
      // A business error can come back as HTTP 200 with code ≠ 0: the SDK does not throw for it.
      if (res.code === 0 || res.code === undefined) return res;
      if (TOKEN_CODES.has(res.code)) {
        cache.clear();
        if (attempt === 1) continue;
      }
      throw larkDeliveryError({ code: res.code, msg: res.msg }, destination, what);
    }
  }

  /** Reply in the message's thread (reason forms, command answers); uuid makes a retried reply land once. */
  async function reply(messageId: string, card: LarkCard): Promise<void> {
    const c = appClient("(reply)");
    const content = JSON.stringify(card);
    await call("(reply)", "im.v1.message.reply", () =>
      c.im.v1.message.reply({
        path: { message_id: messageId },
        data: { msg_type: "interactive", content, uuid: dedupeKey(messageId, content) },
      }),
    );
  }

  /**
   * A card only `openId` sees in a group chat ("仅对你可见"): POST /open-apis/ephemeral/v1/send {chat_id, open_id,
   * msg_type: "interactive", card} with the tenant token. Group chats only; shown on the user's online clients.
   * https://open.larksuite.com/document/ukTMukTMukTM/uETOyYjLxkjM24SM5IjN
   */
  async function ephemeral(chatId: string, openId: string, card: LarkCard): Promise<void> {
    const c = appClient("(ephemeral)");
    await call("(ephemeral)", "ephemeral.v1.send", () =>
      c.request<{ code?: number; msg?: string }>({
        method: "POST",
        url: "/open-apis/ephemeral/v1/send",
        data: { chat_id: chatId, open_id: openId, msg_type: "interactive", card },
      }),
    );
  }

  /**
   * The bot's open_id (GET /open-apis/bot/v3/info), asked once and kept. Unknown when that call fails: group
   * messages are then taken as commands when they start with any mention, and it is asked again next time.
   */
  let self: Promise<string | undefined> | undefined;
  function botOpenId(): Promise<string | undefined> {
    self ??= call("(bot info)", "bot.v3.info", () =>
      appClient("(bot info)").request<{ code?: number; msg?: string; bot?: { open_id?: string } }>({
        method: "GET",
        url: "/open-apis/bot/v3/info",
      }),
    ).then(
      (res) => res.bot?.open_id || undefined,
      (err: unknown) => {
        self = undefined;
        config.onError?.(err, "asking Lark for the bot's open_id");
        return undefined;
      },
    );
    return self;
  }

  return {
    name: "lark",
    render: (m: Message) => renderLark(m),
    /**
     * GET /open-apis/contact/v3/users/:user_id?user_id_type=open_id. `name` comes back only with the
     * contact:user.base:readonly scope, and only for users in the app's contact range (else code 41050):
     * open.feishu.cn/document/server-docs/contact-v3/user/get.
     */
    async userName(openId: string): Promise<string | undefined> {
      const res = await call("(user lookup)", "contact.v3.user.get", () =>
        appClient("(user lookup)").request<{ code?: number; msg?: string; data?: { user?: { name?: string } } }>({
          method: "GET",
          url: `/open-apis/contact/v3/users/${encodeURIComponent(openId)}`,
          params: { user_id_type: "open_id" },
        }),
      );
      return res.data?.user?.name?.trim() || undefined;
    },
    ...interactivity(config, { reply, ephemeral, botOpenId }),

    async send(target: LarkTarget, payload: LarkPayload, opts?: { signal?: AbortSignal }): Promise<MessageRef> {
      if (target.mode === "webhook") {
        await sendLarkWebhook(target.webhook, payload.card, {
          destination: target.destination,
          timeoutMs: config.timeoutMs,
          now,
          signal: opts?.signal,
        });
        // Custom-bot messages have no id and cannot be edited.
        return { adapter: "lark", destination: target.destination, ids: { mode: "webhook" } };
      }
      const c = appClient(target.destination);
      const content = encodeCard(payload.card, target.destination, "im.v1.message.create");
      const res = await call(target.destination, "im.v1.message.create", () =>
        c.im.v1.message.create({
          params: { receive_id_type: "chat_id" },
          // uuid: Lark sends at most one message per uuid within an hour, so a retry after a timeout whose
          // request did arrive is not posted twice. Same chat + same card = same delivery.
          data: {
            receive_id: target.address,
            msg_type: "interactive",
            content,
            uuid: dedupeKey(target.address, content),
          },
        }),
      );
      return {
        adapter: "lark",
        destination: target.destination,
        ids: { message_id: String(res.data?.message_id ?? ""), chat_id: String(res.data?.chat_id ?? target.address) },
      };
    },

    async update(ref: MessageRef, payload: LarkPayload): Promise<void> {
      const messageId = ref.ids.message_id;
      if (!messageId)
        throw new DeliveryError(`Lark message to ${ref.destination} was sent by a custom bot and cannot be updated`, {
          adapter: "lark",
          destination: ref.destination,
          retryable: false,
          platformCode: "not_updatable",
        });
      const c = appClient(ref.destination);
      // PATCH /open-apis/im/v1/messages/:id; the card must keep update_multi: true (renderLark sets it).
      await call(ref.destination, "im.v1.message.patch", () =>
        c.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(payload.card) } }),
      );
    },
  };
}

/**
 * How clicks and messages to the bot arrive: the long connection (transport: ws; no route is served, so nothing
 * unsigned can reach the handlers) or POST /lark/events, verified with the encrypt key. Only with an app bot.
 */
function interactivity(
  config: LarkAdapterConfig,
  api: Pick<LarkCallbacksConfig, "reply" | "ephemeral" | "botOpenId">,
): Pick<ChatAdapter<LarkPayload, LarkTarget>, "listen" | "routes"> {
  const app = config.app;
  if (!app) return {};
  // What the click and message handling needs, whichever way the callbacks arrive.
  const callbacks = { now: config.now, onError: config.onError, firstSeen: config.firstSeen, ...api };
  if (app.transport === "ws") {
    const conn = createLarkLongConnection({
      appId: app.appId,
      appSecret: app.appSecret,
      domain: app.domain,
      encryptKey: app.encryptKey,
      ...callbacks,
    });
    return {
      async listen(handlers: InteractionHandlers) {
        conn.setHandlers(handlers);
        await conn.start();
        return { close: () => conn.close() };
      },
    };
  }
  const interactive = createLarkInteractive({
    encryptKey: app.encryptKey,
    verificationToken: app.verificationToken,
    ...callbacks,
  });
  return {
    async listen(handlers: InteractionHandlers) {
      interactive.setHandlers(handlers);
      return { close: async () => undefined };
    },
    routes: (): AdapterRoute[] => [{ method: "POST", path: "/lark/events", handle: (req) => interactive.handle(req) }],
  };
}

/** Lark's uuid field: at most 50 characters. */
function dedupeKey(chatId: string, content: string): string {
  return createHash("sha256").update(chatId).update("\n").update(content).digest("hex").slice(0, 50);
}

/** The card as message content; a card that cannot be encoded fails the same way every time (badPayload). */
function encodeCard(card: LarkCard, destination: string, what: string): string {
  try {
    return JSON.stringify(card);
  } catch (err) {
    throw larkDeliveryError(failureFromThrown(err), destination, what);
  }
}
