import { createHash } from "node:crypto";
import type * as webApi from "@slack/web-api";

/**
 * chat.postMessage has no idempotency key, so a post whose answer was lost (a timeout after Slack made the
 * message) would appear twice when retried. With slack.recoverLostPosts each post carries a key in its message
 * metadata; a retry the core marks as "may exist" first looks for that key in the channel's history
 * (conversations.history with include_all_metadata; scope channels:history / groups:history) and returns the
 * message found instead of posting again.
 */

/** The metadata event type our posts carry; the payload holds the post's key. */
export const POST_METADATA_TYPE = "dw_chatops_post";

/** How far before the uncertain attempt the lookup starts: clock skew between us and Slack. */
const LOOKBACK_MS = 120_000;
/** At most this many pages of 200 (a busy channel); history is rate limited (Tier 3), so the search is bounded. */
const MAX_PAGES = 5;

/** A post's key: the channel and exactly what is posted (as Lark's uuid), so a retry has the same key. */
export function postKey(channel: string, text: string, blocks: unknown): string {
  return createHash("sha256")
    .update(channel)
    .update("\n")
    .update(text)
    .update("\n")
    .update(JSON.stringify(blocks ?? null))
    .digest("hex")
    .slice(0, 40);
}

export function postMetadata(key: string) {
  return { event_type: POST_METADATA_TYPE, event_payload: { key } };
}

/** The ts of a message in `channel` posted since `since` (ms) with `key`, if there is one. */
export async function findPost(
  client: InstanceType<typeof webApi.WebClient>,
  channel: string,
  key: string,
  since: number,
): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.conversations.history({
      channel,
      oldest: ((since - LOOKBACK_MS) / 1000).toFixed(6),
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    const found = res.messages?.find((m) => {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: { key?: unknown } } }).metadata;
      return meta?.event_type === POST_METADATA_TYPE && meta.event_payload?.key === key;
    });
    if (found?.ts) return found.ts;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) return undefined;
  }
  return undefined;
}
