import { z } from "zod";
import { baseUrl, locale, secret } from "./common.js";
import { digestOverrideSchema, rateLimitSchema } from "./outbox.js";

const common = {
  locale: locale.optional(),
  /** Override the platform's default rate limit for this destination. */
  rateLimit: rateLimitSchema.optional(),
  /** Override the digest settings (outbox.digest) for this destination; enabled: false sends every event. */
  digest: digestOverrideSchema.optional(),
};

const slackDestination = z.object({ platform: z.literal("slack"), channel: z.string().min(1), ...common }).strict();

const larkDestination = z
  .object({
    platform: z.literal("lark"),
    /** App bot: chat id (oc_…). */
    chatId: z.string().min(1).optional(),
    /** Custom bot webhook URL (notifications only) and its signing secret. */
    webhook: secret.refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s) URL" }).optional(),
    webhookSecret: secret.optional(),
    ...common,
  })
  .strict()
  .refine((d) => Boolean(d.chatId) !== Boolean(d.webhook), {
    message: "set exactly one of chatId (app bot) or webhook (custom bot)",
  });

const dingtalkDestination = z
  .object({
    platform: z.literal("dingtalk"),
    /** Enterprise app robot: open conversation id (cid…). */
    conversationId: z.string().min(1).optional(),
    /** Custom robot: access token (from the webhook URL) and its SEC… signing secret. */
    accessToken: secret.optional(),
    secret: secret.optional(),
    /**
     * Custom robot secured by 自定义关键词 instead of (or besides) signing: DingTalk refuses a message that contains
     * none of the robot's keywords, so this one is placed in every message.
     */
    keyword: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .refine((v) => !/[\r\n]/.test(v), { message: "must be one line" })
      .optional(),
    /** Custom robot base URL (tests, proxies). */
    webhookUrl: baseUrl("https://oapi.dingtalk.com/robot/send"),
    ...common,
  })
  .strict()
  .refine((d) => Boolean(d.conversationId) !== Boolean(d.accessToken), {
    message: "set exactly one of conversationId (app robot) or accessToken (custom robot)",
  })
  .refine((d) => !(d.keyword && d.conversationId), {
    message: "keyword is a custom robot (accessToken) security setting; the app robot (conversationId) has none",
    path: ["keyword"],
  });

const consoleDestination = z.object({ platform: z.literal("console"), ...common }).strict();

export const destinationSchema = z.discriminatedUnion("platform", [
  slackDestination,
  larkDestination,
  dingtalkDestination,
  consoleDestination,
]);
export type DestinationConfig = z.infer<typeof destinationSchema>;
export type Platform = DestinationConfig["platform"];

/** The chat address of a destination on its platform (webhook-only robots have none: they cannot receive). */
export function chatAddress(d: DestinationConfig): string | undefined {
  switch (d.platform) {
    case "slack":
      return d.channel;
    case "lark":
      return d.chatId;
    case "dingtalk":
      return d.conversationId;
    case "console":
      return undefined;
  }
}
