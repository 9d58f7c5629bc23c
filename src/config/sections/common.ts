import { z } from "zod";
import { parseDuration } from "../duration.js";

/** "30s", "15m", "24h", "2d" or milliseconds → milliseconds, with an issue naming the bad value. */
function toMs(v: string | number, ctx: z.RefinementCtx): number {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `not a duration: ${JSON.stringify(v)} (write e.g. "30s", "15m", "24h")`,
    });
    return z.NEVER;
  }
  return ms;
}

/** A duration written "30s", "15m", "24h", "2d" (or milliseconds), parsed to milliseconds. */
export const duration = (def: string) => z.union([z.string(), z.number()]).default(def).transform(toMs);

/** A duration with no default: absent stays absent (overrides that fall back to another setting). */
export const optionalDuration = z.union([z.string(), z.number()]).transform(toMs).optional();

/** A base URL an operator may point at a proxy, a VPC endpoint or a local fake. */
export const baseUrl = (def: string) =>
  z
    .string()
    .default(def)
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s) URL" })
    .transform((v) => v.replace(/\/+$/, ""));

/** A secret: non-empty string. Its value is never printed by check-config or logged. */
export const secret = z.string().min(1, "must not be empty (is the environment variable set?)");

export const locale = z.enum(["en", "zh-CN"]);
export type Locale = z.infer<typeof locale>;

/** Chat identities per platform. Slack: U…/W… users; Lark: ou_… open ids; DingTalk: staff userIds; console: any name. */
export const identities = z
  .object({
    slack: z.array(z.string()).default([]),
    lark: z.array(z.string()).default([]),
    dingtalk: z.array(z.string()).default([]),
    console: z.array(z.string()).default([]),
  })
  .strict();
export type Identities = z.infer<typeof identities>;

/**
 * A set of people (src/access/roles.ts Members): chat user ids per platform and names of groups under
 * approvals.groups or of rotations (whoever is on call when it is used).
 */
export const membersSchema = z
  .object({
    users: identities.partial().default({}),
    groups: z.array(z.string()).default([]),
  })
  .strict();
