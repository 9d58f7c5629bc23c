import { z } from "zod";
import { duration, optionalDuration } from "./common.js";

/** At most `max` messages per `per` window to one destination, enforced across every bot instance. */
const rateWindowSchema = z.object({ max: z.number().int().min(1).max(10_000), per: duration("1s") }).strict();
export type RateWindow = { max: number; per: number };

/**
 * One window `{max, per}` or several (`[{max: 5, per: 1s}, {max: 100, per: 1m}]`), all of which must hold: a
 * Lark custom bot allows 5 a second and 100 a minute. Always a list once parsed.
 */
export const rateLimitSchema = z
  .union([rateWindowSchema.transform((w) => [w]), z.array(rateWindowSchema).min(1).max(5)], {
    error: (iss) => unionProblem(iss as { errors?: Array<Array<{ path: PropertyKey[]; message: string }>> }),
  })
  .refine((ws) => new Set(ws.map((w) => w.per)).size === ws.length, {
    message: "two windows of the same length: give each window a different `per`",
  });
export type RateLimit = RateWindow[];

/** The problem of the form the user wrote (object or list), not zod's "Invalid input" for the union. */
function unionProblem(iss: { errors?: Array<Array<{ path: PropertyKey[]; message: string }>> }): string {
  const branches = iss.errors ?? [];
  const chosen = branches.find((b) => !b.some((i) => i.path.length === 0 && /expected (object|array)/.test(i.message)));
  const first = chosen?.[0];
  if (!first) return "must be {max, per} or a list of them, e.g. [{max: 5, per: 1s}, {max: 100, per: 1m}]";
  return first.path.length ? `${first.path.map(String).join(".")}: ${first.message}` : first.message;
}

/** Under a burst, events of one group become one digest message per interval. */
export const digestSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Event fields that make a group: "type"/"eventCode", or paths such as "data.appId", "data.status". */
    groupBy: z.array(z.string().min(1)).min(1).default(["eventCode", "workspace", "status"]),
    /** After a message for a group, the next one for that group waits at least this long (Alertmanager group_interval). */
    interval: duration("60s"),
    /** Messages a group may send per interval before its events are held and digested (1 = digest from the second). */
    burst: z.number().int().min(1).max(1000).default(3),
    /** How many events a digest lists before "… and N more". */
    maxItems: z.number().int().min(1).max(50).default(10),
  })
  .strict();
export type DigestConfig = z.infer<typeof digestSchema>;

/**
 * A destination's digest override: only the keys it sets. No defaults here, or `digest: { burst: 5 }` would
 * reset every other key to the schema default instead of taking it from outbox.digest.
 */
export const digestOverrideSchema = z
  .object({
    enabled: z.boolean().optional(),
    groupBy: z.array(z.string().min(1)).min(1).optional(),
    interval: optionalDuration,
    burst: z.number().int().min(1).max(1000).optional(),
    maxItems: z.number().int().min(1).max(50).optional(),
  })
  .strict();

/**
 * Platform defaults (overridable per destination): Slack about 1 message/s per channel; Lark 5/s per chat;
 * DingTalk custom robots 20/min then a 10-minute ban, so 18/min leaves a margin; DingTalk app robots 20 QPS.
 * Lark custom bots 5/s and 100/min, refused with code 11232 beyond either
 * (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, "频率控制"): the minute keeps the DingTalk
 * robot's tenth of margin, 90.
 */
export const DEFAULT_RATE_LIMITS: Record<string, RateLimit | undefined> = {
  slack: [{ max: 1, per: 1_000 }],
  lark: [{ max: 5, per: 1_000 }],
  "lark-webhook": [
    { max: 5, per: 1_000 },
    { max: 90, per: 60_000 },
  ],
  "dingtalk-webhook": [{ max: 18, per: 60_000 }],
  dingtalk: [{ max: 20, per: 1_000 }],
  console: undefined,
};

export const DEFAULT_DIGEST: DigestConfig = {
  enabled: true,
  groupBy: ["eventCode", "workspace", "status"],
  interval: 60_000,
  burst: 3,
  maxItems: 10,
};

const platformLimits = z
  .object({
    slack: rateLimitSchema.optional(),
    lark: rateLimitSchema.optional(),
    "lark-webhook": rateLimitSchema.optional(),
    dingtalk: rateLimitSchema.optional(),
    "dingtalk-webhook": rateLimitSchema.optional(),
    console: rateLimitSchema.optional(),
  })
  .strict();

/** Top-level `outbox`: platform-wide defaults; destinations can override with their own rateLimit/digest. */
export const outboxSchema = z
  .object({
    rateLimits: platformLimits.default({}),
    digest: digestSchema.default(DEFAULT_DIGEST),
    /** Slots of each window kept for approval cards so a storm of notifications cannot delay them. */
    reserveForApprovals: z.number().int().min(0).max(100).default(1),
  })
  .strict();
export type OutboxConfig = z.infer<typeof outboxSchema>;
