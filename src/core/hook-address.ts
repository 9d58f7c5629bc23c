import { createHash } from "node:crypto";

/**
 * The address of a webhook-only robot (Lark custom bot, DingTalk custom robot): a short hash of the credential that
 * identifies it, so two destinations naming the same robot share its rate limit and no credential reaches a Redis key.
 */
export function hookAddress(credential: string): string {
  return `hook.${createHash("sha256").update(credential).digest("hex").slice(0, 16)}`;
}
