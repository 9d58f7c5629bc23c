import type { JobsOptions } from "bullmq";
import type { DwEvent } from "../core/event.js";

/** Queue names, job data and job-id conventions, all in one place. */
export const QUEUES = {
  /** One job per accepted event: record it, route it, fan out deliveries. */
  events: "events",
  /** One job per (event, destination): render and send. Retries are per destination. */
  deliveries: "deliveries",
  /**
   * Approval deadlines ("timeout", delayed), decisions returned to DataWorks ("decision", job id = approval id) and
   * snapshots that came past their budget ("facts").
   */
  approvals: "approvals",
  /** A failure's escalations (delayed): each firing checks the incident is still open, then mentions the targets. */
  escalations: "escalations",
  /** Operations on instances started from chat (rerun, set success, stop): one job per claimed operation. */
  incidents: "incidents",
} as const;

export interface EventJobData {
  event: DwEvent;
  receivedAt: number;
  /** How many times a throttle made this job wait (src/jobs/retry-decision.ts). */
  throttled?: number;
}

/** One firing of a route's escalation of a failed instance (`n`: 1 for the first, then each repeat). */
export interface EscalationJobData {
  /** The failure that opened the incident. */
  event: DwEvent;
  instanceId: string;
  /** The route whose `escalate` this is (its name, as routeName gives it). */
  route: string;
  n: number;
}

/** The deliveries queue's job data (defined beside the outbox's view of a delivery job, which needs it too). */
export type { DeliveryJobData } from "../delivery-job.js";

/**
 * Delivery priorities (lower goes first). Notifications need one too: BullMQ takes a job without a priority
 * before every prioritized one, so unprioritized notifications would keep approval cards waiting behind a backlog.
 */
export const PRIORITY = { approval: 1, escalation: 1, notification: 10 } as const;

/** How long one card copy's update may hold it (longer than any platform call); a dead holder frees it then. */
export const CARD_LOCK_MS = 60_000;
/** A card update finding another update of the same copy in flight looks again this much later. */
export const CARD_LOCK_WAIT_MS = 250;
/**
 * A decision's card update waits this long for DataWorks' answer (usually well under a second), so the card is
 * updated once with the outcome and the answer; a slower answer comes as a second update.
 */
export const CARD_ANSWER_GRACE_MS = 2_000;

/*
 * Job ids, every one built here. They are idempotency keys: adding a job whose id exists adds nothing, so each
 * builder names exactly what must happen once. `<kind>.<…>`: BullMQ forbids ':' in custom ids.
 */
/** An accepted event (ingest): a fresh id, so BullMQ's deduplication, not the id, decides what is a duplicate. */
export const eventJobId = (uuid: string) => `e.${uuid}`;
/** One delivery of an event to one destination. */
export const deliveryJobId = (eventJobId: string, destination: string) => `d.${eventJobId}.${destination}`;
/** An approval's card (or its decided notice) in one destination: posted once. */
export const cardJobId = (approvalId: string, destination: string) => `c.${approvalId}.${destination}`;
/**
 * An update of one card copy to the approval's state `renderKey`; `after` (the state a copy was rendered from) when
 * it is queued because the approval moved on while that copy was being rendered.
 */
export const cardUpdateJobId = (approvalId: string, destination: string, renderKey: string, after?: string) =>
  `u.${approvalId}.${destination}.${renderKey}${after === undefined ? "" : `.after.${after}`}`;
/** The alert that DataWorks refused an approval's decision, in one destination. */
export const alertJobId = (approvalId: string, destination: string) => `alert.${approvalId}.${destination}`;
/** The n-th firing of a route's escalation of a failure (delayed); route last, as names may hold dots. */
export const escalationJobId = (failureEventId: string, route: string, n: number) =>
  `esc.${failureEventId}.${n}.${encodeURIComponent(route)}`;
/** The message of the n-th escalation of a failure in one destination, for one route. */
export const escalationMessageJobId = (failureEventId: string, route: string, n: number, destination: string) =>
  `escm.${failureEventId}.${n}.${destination}.${encodeURIComponent(route)}`;
/** An approval's deadline (delayed). */
export const timeoutJobId = (approvalId: string) => `t.${approvalId}`;
/** Storing an approval's snapshot that came past its budget, then updating its cards: once per approval. */
export const factsJobId = (approvalId: string) => `f.${approvalId}`;
/** Returning an approval's decision to DataWorks: the approval id itself, so a decision is applied once. */
export const decisionJobId = (approvalId: string) => approvalId;
/** One operation on an instance (rerun, set success, stop): the claim it was given, so it is called once. */
export const incidentOpJobId = (instanceId: string, claimId: string) => `io.${instanceId}.${claimId}`;
/** An update of one copy of an instance message to the incident's state `renderKey`. */
export const incidentUpdateJobId = (instanceId: string, destination: string, renderKey: string) =>
  `iu.${instanceId}.${destination}.${renderKey}`;

/** An operation job tries this many times (backoff from worker.backoffMs) when DataWorks throttles or fails, then shows the error. */
export const INCIDENT_OP_ATTEMPTS = 3;

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** Completed jobs are kept a day so that a re-run of the same id stays a no-op; failed ones a week for inspection. */
export function defaultJobOptions(p: RetryPolicy): JobsOptions {
  return {
    attempts: p.attempts,
    backoff: { type: "exponential", delay: p.backoffMs },
    removeOnComplete: { age: 86_400, count: 100_000 },
    removeOnFail: { age: 7 * 86_400 },
  };
}

/** Backoff for returning decisions to DataWorks: doubling from `baseMs`, capped at 10 minutes, so retries go on for hours. */
export function cappedBackoff(attemptsMade: number, baseMs = 5_000): number {
  return Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), 600_000);
}
