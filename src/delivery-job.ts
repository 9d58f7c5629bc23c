import { DelayedError, type Job } from "bullmq";
import type { DwEvent } from "./core/event.js";

/**
 * A delivery job as both its worker (src/jobs) and the notification path (src/outbox) see it: its data, since when
 * its message may exist, and parking it. Here, not in src/jobs, so the outbox does not depend on the jobs.
 */
export interface DeliveryJobData {
  event: DwEvent;
  destination: string;
  /** Routes that sent the event to this destination (their mentions apply). */
  routes?: string[];
  /** For approval cards, updates and alerts. */
  approvalId?: string;
  /** For an escalation's message: which firing of which route's escalation, of which failed instance. */
  escalation?: { route: string; n: number; instanceId: string };
  /** For updates of an instance message: the incident (instance id) whose state it shows. */
  incidentId?: string;
  /** Digest group (outbox): deliveries of one group under a burst become one message. */
  group?: string;
  /** It had to wait (the group's burst or the destination's window was full): its slot sends every waiting event. */
  heldForDigest?: boolean;
  /** Remember this message under a key (e.g. a node's failure) so a later event can update it in place. */
  saveAs?: string;
  /** Update the message saved under this key instead of posting a new one (e.g. a node recovered). */
  replaces?: string;
  /** Only an update of `replaces`: where that message cannot be edited, nothing is posted (src/incidents/track.ts). */
  updateOnly?: boolean;
  /** The failed instance this update follows: it shows that instance's newest status event (src/incidents/track.ts). */
  follows?: string;
  /** How many times this update waited for the message it replaces, still on its way. */
  waitedForEarlier?: number;
  /** How many times the platform throttled this delivery (it waits instead of failing). */
  throttled?: number;
  /** When an attempt failed in a way that may have delivered anyway (SendOptions.mayExistSince). */
  maybeSentAt?: number;
  /**
   * An inline attempt was refused for good (src/jobs/inline-delivery.ts): the job fails with this reason at once,
   * where failures are kept and counted, without asking the platform again.
   */
  refused?: string;
}

/**
 * Since when the message of this delivery may already exist (SendOptions.mayExistSince): an earlier attempt
 * failed in a way that may have delivered, or a run was cut off (the worker died: BullMQ's stalled-job check
 * re-ran it) somewhere between sending and saving its ref.
 */
export function mayExistSince(job: { data: DeliveryJobData; stalledCounter?: number; timestamp: number }) {
  return job.data.maybeSentAt ?? ((job.stalledCounter ?? 0) > 0 ? job.timestamp : undefined);
}

/** Park the job until `untilMs`: not a failed attempt. Throw what this returns (BullMQ's DelayedError). */
export async function park(job: Job, token: string | undefined, untilMs: number): Promise<DelayedError> {
  await job.moveToDelayed(untilMs, token);
  return new DelayedError();
}

/**
 * One run of a notification's delivery, as the outbox sees it: its id and data, and how the run stops short. A
 * queued delivery job parks itself in BullMQ; an inline attempt (src/jobs/inline-delivery.ts) hands the delivery
 * to its queued job instead. The outbox asks the same of both and never knows which it has.
 */
export interface DeliveryTurn {
  /** The delivery job's id (digest membership and claims are kept under it). */
  readonly id: string;
  readonly data: DeliveryJobData;
  /** Since when its message may already exist (SendOptions.mayExistSince). */
  mayExistSince(): number | undefined;
  /** Whether this run can stop to be run again later (a queued job run without a token cannot). */
  readonly canPark: boolean;
  /** Keep changed data for the delivery's later runs. */
  update(data: DeliveryJobData): Promise<void>;
  /** Stop this run: the delivery runs again at `untilMs`, not as a failed attempt. Throw what this returns. */
  park(untilMs: number): Promise<Error>;
}

/** A queued delivery job's turn: its data live in Redis, and it parks as a delayed job. */
export function queuedTurn(job: Job<DeliveryJobData>, token: string | undefined): DeliveryTurn {
  return {
    id: String(job.id),
    get data() {
      return job.data;
    },
    mayExistSince: () => mayExistSince(job),
    canPark: token !== undefined,
    update: (data) => job.updateData(data),
    park: (untilMs) => park(job, token, untilMs),
  };
}
