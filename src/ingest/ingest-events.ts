import { createHash, randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { DwEvent } from "../core/event.js";
import { type EventJobData, eventJobId } from "../jobs/queues.js";

export interface IngestResult {
  accepted: string[];
  duplicates: string[];
}

/**
 * Durably queue events, deduplicated on source+id, in ONE Redis round trip per request: BullMQ's
 * deduplication (a `SET NX PX` inside the add script) is atomic with the job's creation, so an event
 * is never marked seen without being queued. A duplicate is recognised because the add returns the
 * earlier job's id instead of the fresh random one we asked for.
 */
export async function ingestEvents(
  queue: Queue<EventJobData>,
  events: DwEvent[],
  dedupeWindowMs: number,
  now = Date.now(),
): Promise<IngestResult> {
  const batch = events.map((event) => {
    const jobId = eventJobId(randomUUID());
    return {
      name: "event",
      data: { event, receivedAt: now },
      opts: { jobId, deduplication: { id: dedupeKey(event), ttl: dedupeWindowMs } },
    };
  });
  const jobs =
    events.length === 1
      ? [await queue.add(batch[0]!.name, batch[0]!.data, batch[0]!.opts)]
      : await queue.addBulk(batch);
  const result: IngestResult = { accepted: [], duplicates: [] };
  jobs.forEach((job, i) => {
    const e = events[i] as DwEvent;
    (job.id === batch[i]?.opts.jobId ? result.accepted : result.duplicates).push(e.id);
  });
  return result;
}

/** Same source + id = same event (CloudEvents / EventBridge). Hashed: ids are sender-controlled text. */
export function dedupeKey(e: Pick<DwEvent, "source" | "id">): string {
  return createHash("sha256").update(`${e.source}\u0000${e.id}`).digest("hex").slice(0, 40);
}
