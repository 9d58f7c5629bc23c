/**
 * Slack keeps an incident's story under its message too: each timeline entry after the first (the failure, which the
 * message itself tells; escalations reply on their own) becomes one thread reply, once per message copy, whoever updates the message (a status event,
 * an ack, an operation). Platforms without replies (ChatAdapter.reply absent) show the timeline line only.
 */
import type { ChatAdapter, MessageRef } from "../core/chat-adapter.js";
import type { RedisClient } from "../redis/connect.js";
import { type Messages, translate } from "../templating/i18n.js";
import { type Translate, timelineEntryText } from "./message.js";
import type { IncidentStore } from "./store.js";
import type { TimelineEntry } from "./types.js";

export interface ThreadDeps {
  redis: RedisClient;
  prefix: string;
  /** How long a threaded entry is remembered (the incident's retention). */
  retentionMs: number;
}

/**
 * Post under `ref` every entry of `timeline` not yet posted there, oldest first. Each entry is claimed before it is
 * posted (SET NX), so concurrent updates and re-run jobs post it once; a failed post gives the claim back and throws
 * (the job's retry posts it then). Returns how many were posted.
 */
export async function threadNewEntries(
  deps: ThreadDeps,
  adapter: Pick<ChatAdapter, "reply">,
  ref: MessageRef,
  instanceId: string,
  timeline: readonly TimelineEntry[],
  t: Translate,
  timeZone: string,
): Promise<number> {
  if (!adapter.reply) return 0;
  let posted = 0;
  // An escalation posts its own reply, mentioning people (src/incidents/escalation.ts): not a second one here.
  for (const entry of timeline.slice(1).filter((e) => e.kind !== "escalated")) {
    const key = threadKey(deps.prefix, instanceId, ref.destination, entry);
    if ((await deps.redis.set(key, "1", "PX", deps.retentionMs, "NX")) !== "OK") continue;
    try {
      await adapter.reply(ref, timelineEntryText(entry, t, timeZone));
      posted++;
    } catch (err) {
      await deps.redis.del(key);
      throw err;
    }
  }
  return posted;
}

/** One entry under one copy: its time, kind and who, which no two entries share. */
export const threadKey = (prefix: string, instanceId: string, destination: string, e: TimelineEntry) =>
  `${prefix}:incident-thread:${instanceId}:${destination}:${e.at}.${e.kind}.${e.by ? `${e.by.platform}-${e.by.userId}` : ""}`;

/**
 * What the deliveries call after updating a followed instance's message (src/jobs/deliver.ts `threadIncident`): the
 * incident's new timeline entries as replies under that copy, in the copy's language.
 */
export function incidentThreader(
  deps: ThreadDeps,
  incidents: Pick<IncidentStore, "get">,
  messages: Messages,
  timeZone: string,
): (instanceId: string, ref: MessageRef, adapter: Pick<ChatAdapter, "reply">, locale: string) => Promise<void> {
  return async (instanceId, ref, adapter, locale) => {
    if (!adapter.reply) return;
    const incident = await incidents.get(instanceId);
    if (!incident) return;
    const t: Translate = (key, params) => translate(messages, locale, key, params);
    await threadNewEntries(deps, adapter, ref, instanceId, incident.timeline, t, timeZone);
  };
}
