import { z } from "zod";
import { duration, optionalDuration } from "./common.js";

/** At most `max` messages per `per` window to one destination, enforced across every bot instance. */
export const rateLimitSchema = z.object({ max: z.number().int().min(1).max(10_000), per: duration("1s") }).strict();
export type RateLimit = { max: number; per: number };

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
 */
export const DEFAULT_RATE_LIMITS: Record<string, RateLimit | undefined> = {
  slack: { max: 1, per: 1_000 },
  lark: { max: 5, per: 1_000 },
  "dingtalk-webhook": { max: 18, per: 60_000 },
  dingtalk: { max: 20, per: 1_000 },
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
