import type { ChatAdapter, InteractionHandlers, MessageRef } from "../../src/core/chat-adapter.js";
import { DeliveryError } from "../../src/core/errors.js";
import { createAndDeliverCard, updateCard } from "./card.js";
import { createDingTalkInteractive } from "./interactive.js";
import { type DingTalkAppConfig, DingTalkOpenApi } from "./openapi.js";
import { DINGTALK_LIMITS, type DingTalkPayload, fitMarkdown, renderDingTalkPayload } from "./render.js";
import { DingTalkStream, type DingTalkStreamOptions } from "./stream.js";
import type { DingTalkTarget } from "./target.js";
import { sendRobotMarkdown } from "./webhook.js";

export interface DingTalkAdapterConfig {
  /** Enterprise app robot (the `dingtalk` config section); absent when only custom robots are configured. */
  app?: DingTalkAppConfig;
  timeoutMs: number;
  /** Clock for signatures and token expiry (tests). */
  now?: () => number;
  /** Stream reconnect tuning (tests). */
  stream?: Pick<DingTalkStreamOptions, "backoff" | "stableMs" | "pingMs" | "random" | "onState">;
  /** Failures after a callback was acked (command replies); never holds a secret. */
  onError?: (err: unknown, what: string) => void;
}

/**
 * DingTalk: custom robot webhooks (signed, notifications only) and the enterprise app robot through the
 * OpenAPI: markdown group messages for notifications, interactive template cards (createAndDeliver, updated
 * with PUT) for messages with buttons, and Stream mode for card clicks and @bot messages.
 */
export function createDingTalkAdapter(config: DingTalkAdapterConfig): ChatAdapter<DingTalkPayload, DingTalkTarget> {
  const api = config.app ? new DingTalkOpenApi(config.app) : undefined;
  const now = config.now ?? Date.now;

  /**
   * The app robot's one-to-one chat with a user (POST /v1.0/robot/oToMessages/batchSend {robotCode, userIds,
   * msgKey, msgParam}; https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches).
   * DingTalk answers 200 and lists a user it did not message in invalidStaffIdList / flowControlledStaffIdList.
   */
  async function sendToUser(userId: string, payload: DingTalkPayload): Promise<void> {
    if (!api) throw new Error("DingTalk one-to-one answers need the dingtalk section (clientId, clientSecret)");
    const res = await api.call(
      "POST",
      "/v1.0/robot/oToMessages/batchSend",
      { robotCode: api.robotCode, userIds: [userId], msgKey: "sampleMarkdown", msgParam: msgParam(payload) },
      "robot oToMessages/batchSend",
      { destination: "(command answer)", timeoutMs: config.timeoutMs, now },
    );
    const listed = (k: string) => Array.isArray(res[k]) && (res[k] as unknown[]).includes(userId);
    if (listed("invalidStaffIdList")) throw new Error("DingTalk refused the one-to-one answer: invalid staff id");
    if (listed("flowControlledStaffIdList"))
      throw new Error("DingTalk refused the one-to-one answer: flow-controlled (rate)");
  }

  const interactive = createDingTalkInteractive({
    timeoutMs: config.timeoutMs,
    now,
    corpId: config.app?.corpId,
    onError: config.onError,
    sendToUser,
  });
  const app = config.app;
  const streams: DingTalkStream[] = [];

  return {
    name: "dingtalk",
    render: renderDingTalkPayload,
    ...(app && app.stream !== false
      ? {
          async listen(handlers: InteractionHandlers) {
            interactive.setHandlers(handlers);
            const stream = new DingTalkStream({
              gatewayUrl: (app.streamUrl ?? app.apiUrl).replace(/\/+$/, ""),
              clientId: app.clientId,
              clientSecret: app.clientSecret,
              topics: interactive.topics(handlers),
              onCallback: (topic, data, messageId) => interactive.onCallback(topic, data, messageId),
              timeoutMs: config.timeoutMs,
              ...config.stream,
            });
            streams.push(stream);
            // Not awaited: a gateway outage must not stop the bot from starting; the client keeps retrying.
            void stream.start();
            return { close: () => stream.close() };
          },
        }
      : {}),
    async close() {
      await Promise.all(streams.map((s) => s.close()));
    },
    /**
     * POST oapi /topapi/v2/user/get {userid}: the staff id a click carries → result.name. Needs the app's
     * 成员信息读权限 (qyapi_get_member) and the user in the app's contact range; otherwise errcode ≠ 0
     * (open.dingtalk.com/document/orgapp/query-user-details).
     */
    async userName(staffId: string, opts?: { signal?: AbortSignal }): Promise<string | undefined> {
      if (!api) return undefined;
      const o = { destination: "(user lookup)", timeoutMs: config.timeoutMs, now, signal: opts?.signal };
      const body = await api.oapi("/topapi/v2/user/get", { userid: staffId, language: "zh_CN" }, "user lookup", o);
      const name = (body.result as { name?: unknown } | undefined)?.name;
      return typeof name === "string" && name.trim() ? name.trim() : undefined;
    },

    async send(target: DingTalkTarget, payload: DingTalkPayload, opts?: { signal?: AbortSignal }): Promise<MessageRef> {
      const o = { destination: target.destination, timeoutMs: config.timeoutMs, now, signal: opts?.signal };
      if (target.mode === "webhook") {
        await sendRobotMarkdown(target.robot, payload, o);
        return { adapter: "dingtalk", destination: target.destination, ids: { mode: "webhook" } };
      }
      if (!api)
        throw new DeliveryError(
          `DingTalk destination ${target.destination} uses a conversationId, which needs the dingtalk section (clientId, clientSecret)`,
          { adapter: "dingtalk", destination: target.destination, retryable: false, platformCode: "not_configured" },
        );
      if (payload.interactive && payload.card) {
        const templateId = config.app?.cardTemplateId;
        if (!templateId)
          throw new DeliveryError(
            `DingTalk destination ${target.destination} got a card with buttons, which needs dingtalk.cardTemplateId`,
            { adapter: "dingtalk", destination: target.destination, retryable: false, platformCode: "not_configured" },
          );
        return createAndDeliverCard(api, target, templateId, payload.card.cardParamMap, o);
      }
      const res = await api.call(
        "POST",
        "/v1.0/robot/groupMessages/send",
        {
          robotCode: api.robotCode,
          openConversationId: target.address,
          msgKey: "sampleMarkdown",
          msgParam: msgParam(payload),
        },
        "robot groupMessages/send",
        o,
      );
      return {
        adapter: "dingtalk",
        destination: target.destination,
        ids: { processQueryKey: String(res.processQueryKey ?? ""), conversationId: target.address },
      };
    },

    async update(ref: MessageRef, payload: DingTalkPayload, opts?: { signal?: AbortSignal }): Promise<void> {
      const outTrackId = ref.ids.outTrackId;
      // Only interactive cards can be edited; markdown messages and custom robot posts cannot.
      if (!outTrackId || !api || !payload.card)
        throw new DeliveryError(`DingTalk message to ${ref.destination} is not a card and cannot be updated`, {
          adapter: "dingtalk",
          destination: ref.destination,
          retryable: false,
          platformCode: "not_updatable",
        });
      await updateCard(api, outTrackId, payload.card.cardParamMap, {
        destination: ref.destination,
        timeoutMs: config.timeoutMs,
        now,
        signal: opts?.signal,
      });
    },
  };
}

/** sampleMarkdown's msgParam is a JSON string ≤ 15,000 bytes: cut the text further when the payload is larger. */
function msgParam(p: DingTalkPayload): string {
  const encode = (text: string) => JSON.stringify({ title: p.title, text });
  let text = p.text;
  for (let i = 0; i < 5 && Buffer.byteLength(encode(text)) > DINGTALK_LIMITS.msgParamBytes; i++) {
    const excess = Buffer.byteLength(encode(text)) - DINGTALK_LIMITS.msgParamBytes;
    text = fitMarkdown(text, Buffer.byteLength(text) - excess - 64);
  }
  return encode(text);
}
