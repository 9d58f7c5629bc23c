import { z } from "zod";
import { baseUrl, secret } from "./common.js";

/** A platform's request timeout when its section does not set one (or there is no section: custom bots). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Slack app credentials (bot token xoxb-…, signing secret) and API base URL (GovSlack, proxies, tests). */
export const slackSchema = z
  .object({
    token: secret,
    /** Verifies POST /slack/events (clicks, commands over HTTP). Not needed with socketMode. */
    signingSecret: secret.optional(),
    /** Clicks and commands over a WebSocket the bot opens (no public URL); needs appToken. */
    socketMode: z.boolean().default(false),
    /** App-level token for Socket Mode (Basic Information → App-Level Tokens, scope connections:write). */
    appToken: secret
      .refine((v) => v.startsWith("xapp-"), { message: 'must be an app-level token ("xapp-…")' })
      .optional(),
    apiUrl: baseUrl("https://slack.com/api"),
    /** Request timeout for Web API calls. */
    timeoutMs: z.number().int().min(100).default(DEFAULT_TIMEOUT_MS),
    /** Before re-posting a message whose answer was lost (timeout), look for it in the channel (channels:history). */
    recoverLostPosts: z.boolean().default(false),
  })
  .strict();

/** Lark/Feishu app bot. domain: "feishu" | "lark" | a base URL. */
export const larkSchema = z
  .object({
    appId: z.string().min(1),
    appSecret: secret,
    domain: z
      .string()
      .default("feishu")
      .refine((v) => v === "feishu" || v === "lark" || /^https?:\/\/[^\s]+$/.test(v), {
        message: 'must be "feishu", "lark" or an http(s) base URL',
      }),
    /**
     * The app's Encrypt Key (事件与回调 → 加密策略). REQUIRED for POST /lark/events (card clicks, commands): every
     * request is verified by its signature over the raw body with this key, and unsigned ones are refused.
     */
    encryptKey: secret.optional(),
    /** Also compared when set; the signature is what protects. */
    verificationToken: secret.optional(),
    /**
     * How card clicks and messages to the bot arrive: "http" = POST /lark/events (needs encryptKey and a public
     * URL), "ws" = the SDK's long connection (WSClient) opened with appId/appSecret, no public URL.
     */
    transport: z.enum(["http", "ws"]).default("http"),
    timeoutMs: z.number().int().min(100).default(DEFAULT_TIMEOUT_MS),
  })
  .strict();

/** DingTalk enterprise app robot (OpenAPI) credentials; custom robots are configured per destination. */
export const dingtalkSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: secret,
    robotCode: z.string().min(1).optional(),
    apiUrl: baseUrl("https://api.dingtalk.com"),
    oapiUrl: baseUrl("https://oapi.dingtalk.com"),
    /** Interactive card template (card builder) for approval cards; required when an approval route posts to DingTalk. */
    cardTemplateId: z.string().min(1).optional(),
    /**
     * Stream mode (card clicks, @bot messages) over an outbound WebSocket: no public URL needed. On by default; the
     * gateway is streamUrl (default: apiUrl) + /v1.0/gateway/connections/open.
     */
    stream: z.boolean().default(true),
    streamUrl: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, "must be an http(s) base URL")
      .transform((v) => v.replace(/\/+$/, ""))
      .optional(),
    timeoutMs: z.number().int().min(100).default(DEFAULT_TIMEOUT_MS),
    /** Your organisation (CorpId): card clicks and @bot messages that name another organisation are refused. */
    corpId: z.string().min(1).optional(),
  })
  .strict();
