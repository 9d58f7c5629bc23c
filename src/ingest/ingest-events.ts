import { hash, randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { DwEvent } from "../core/event.js";
import { type EventJobData, eventJobId } from "../jobs/queues.js";
import type { FilteredAtIngest, FilterOutcome } from "./filtered-at-ingest.js";

export interface IngestResult {
  accepted: string[];
  duplicates: string[];
}

/**
 * Durably queue events, deduplicated on source+id, in ONE Redis round trip per request: BullMQ's
 * deduplication (a `SET NX PX` inside the add script) is atomic with the job's creation, so an event
 * is never marked seen without being queued. A duplicate is recognised because the add returns the
 * earlier job's id instead of the fresh random one we asked for.
 * With `atIngest`, an event the notify filter drops for certain is recorded, counted and deduplicated without a job
 * (src/ingest/filtered-at-ingest.ts), in its own script sent alongside the add; a failure marks its node in the same
 * way. Only a candidate whose guard does not hold in Redis (a follow-up of a failure) costs a second round trip.
 */
export async function ingestEvents(
  queue: Queue<EventJobData>,
  events: DwEvent[],
  dedupeWindowMs: number,
  now = Date.now(),
  atIngest?: FilteredAtIngest,
): Promise<IngestResult> {
  const accepted = await (atIngest && dedupeWindowMs > 0
    ? ingestFiltering(atIngest, queue, events, dedupeWindowMs, now)
    : queueEvents(queue, events, dedupeWindowMs, now));
  const result: IngestResult = { accepted: [], duplicates: [] };
  for (let i = 0; i < events.length; i++) (accepted[i] ? result.accepted : result.duplicates).push(events[i]!.id);
  return result;
}

/**
 * Filter what can be filtered without a job, queue the rest; per event, whether it was new. Every script and the add
 * are sent in the same turn, so they share one socket write (FilteredAtIngestDeps.redis).
 */
async function ingestFiltering(
  atIngest: FilteredAtIngest,
  queue: Queue<EventJobData>,
  events: DwEvent[],
  dedupeWindowMs: number,
  now: number,
): Promise<boolean[]> {
  const failures: { nodeId: string; instanceId: string }[] = [];
  for (const e of events) {
    const f = atIngest.failure(e);
    if (f) failures.push(f);
  }
  const filterAt: number[] = [];
  const filtering: Promise<FilterOutcome>[] = [];
  const queueAt: number[] = [];
  const toQueue: DwEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const c = atIngest.candidate(e);
    // A node failing in this very request: its other events are queued after it, as they always were.
    const node = c && c.guard.kind !== "none" ? c.guard.nodeId : undefined;
    if (!c || (node !== undefined && failures.some((f) => f.nodeId === node))) {
      queueAt.push(i);
      toQueue.push(e);
    } else {
      filterAt.push(i);
      filtering.push(atIngest.filter(e, c, dedupeKey(e), dedupeWindowMs, now));
    }
  }
  const [queued, filtered] = await Promise.all([
    toQueue.length ? queueEvents(queue, toQueue, dedupeWindowMs, now) : [],
    Promise.all(filtering),
    Promise.all(failures.map((f) => atIngest.mark(f))),
  ]);
  const accepted: boolean[] = [];
  for (let k = 0; k < queueAt.length; k++) accepted[queueAt[k]!] = queued[k] === true;
  // Follow-ups of a remembered (or queued) failure: the job path after all.
  const lateAt: number[] = [];
  for (let k = 0; k < filterAt.length; k++) {
    const outcome = filtered[k];
    if (outcome === "job") lateAt.push(filterAt[k]!);
    else accepted[filterAt[k]!] = outcome === "filtered";
  }
  if (lateAt.length) {
    const lateQueued = await queueEvents(
      queue,
      lateAt.map((i) => events[i]!),
      dedupeWindowMs,
      now,
    );
    for (let k = 0; k < lateAt.length; k++) accepted[lateAt[k]!] = lateQueued[k] === true;
  }
  return accepted;
}

/** Today's path: every event an events job; per event, whether it was new (else a duplicate). */
async function queueEvents(
  queue: Queue<EventJobData>,
  events: DwEvent[],
  dedupeWindowMs: number,
  now: number,
): Promise<boolean[]> {
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
  return jobs.map((job, i) => job.id === batch[i]?.opts.jobId);
}

/** Same source + id = same event (CloudEvents / EventBridge). Hashed: ids are sender-controlled text. */
export function dedupeKey(e: Pick<DwEvent, "source" | "id">): string {
  return hash("sha256", `${e.source}\u0000${e.id}`, "hex").slice(0, 40);
}
