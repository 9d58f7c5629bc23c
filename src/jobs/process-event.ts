import type { Job } from "bullmq";
import type { ApprovalService } from "../approvals/service.js";
import { followsOf, type IncidentTracker, NOT_TRACKED } from "../incidents/track.js";
import type { MuteCheck } from "../commands/mute-check.js";
import { type Logger, lazyChild } from "../logger.js";
import type { NotifyFilter } from "../notify/notify-filter.js";
import type { DigestGroups } from "../outbox/digest-groups.js";
import { digestFor, groupKey } from "../outbox/policy.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import type { Router } from "../routing/router.js";
import type { RecentEvents } from "../state/recent-events.js";
import type { Dispatch } from "./inline-delivery.js";
import { type DeliveryJobData, deliveryJobId, type EventJobData, PRIORITY } from "./queues.js";

export interface ProcessEventDeps {
  router: Router;
  recent: RecentEvents;
  /** Sends the event's notifications: attempted at once, or queued (src/jobs/inline-delivery.ts). */
  dispatch: Dispatch;
  logger: Logger;
  approvals?: ApprovalService;
  /** Is this event worth a message (counts what it filters)? Absent: every event is. */
  notify?: NotifyFilter;
  config: Readonly<Config>;
  groups: DigestGroups;
  /** Mutes set from chat (`mute …`); never applies to extension point events. Absent: nothing is muted. */
  mutes?: MuteCheck;
  /** A failure's message follows its instance (src/incidents/track.ts). Absent: no updates, no recoveries. */
  tracker?: IncidentTracker;
  /** Schedules the escalations of a routed failure (routes[].escalate). Absent: none. */
  escalations?: { schedule(event: DwEvent, routes: readonly string[]): Promise<void> };
}

/**
 * Record the event, route it and hand one delivery per destination to the dispatch. Idempotent: a retry queues
 * the same delivery job ids, which BullMQ ignores while those jobs exist.
 */
export async function processEvent(
  job: Job<EventJobData>,
  deps: ProcessEventDeps,
): Promise<{ destinations: string[] }> {
  const { receivedAt } = job.data;
  let { event } = job.data;
  const log = lazyChild(deps.logger, { eventId: event.id, type: event.type, jobId: job.id });
  await deps.recent.record(event, receivedAt);
  // Extension point events become approval cards (or policy decisions) instead of plain notifications, when
  // DataWorks waits on this bot for them; else they are notified with a line saying why.
  if (deps.approvals?.handles(event)) {
    const unanswered = await deps.approvals.screen(event, log);
    if (unanswered) event = { ...event, unanswered };
    else if (await deps.approvals.start(event, log)) return { destinations: [] };
  }
  const tracked = deps.tracker ? await deps.tracker.track(event) : NOT_TRACKED;
  const verdict = deps.notify ? await deps.notify(event, followsOf(tracked)) : undefined;
  if (verdict && !verdict.notify) {
    log.info({ reason: verdict.reason }, "filtered by notifications; event stored but not sent");
    return { destinations: [] };
  }
  // Muted from chat: stored (above) and counted (by the check), but not sent.
  const mute = deps.mutes ? await deps.mutes(event) : undefined;
  if (mute) {
    log.info({ muteId: mute.id }, "muted from chat; event stored but not sent");
    return { destinations: [] };
  }
  const routed = deps.router.byDestination(event);
  const follow = deps.tracker ? await deps.tracker.follow(tracked, routed) : {};
  const destinations = [...routed.keys()];
  if (destinations.length === 0) {
    log.info("no route matched; event stored but not sent");
    return { destinations };
  }
  const jobs = destinations.map((destination) => {
    const jobId = deliveryJobId(String(job.id), destination);
    const digest = digestFor(deps.config, destination);
    const data: DeliveryJobData = { event, destination, routes: routed.get(destination) ?? [], ...follow };
    // An update of an earlier message (a recovery) is a message of its own, never part of a digest.
    if (digest && !data.replaces) data.group = groupKey(event, digest.groupBy);
    return { name: "deliver" as const, data, opts: { jobId, priority: PRIORITY.notification } };
  });
  // Group membership first, so a delivery that runs at once finds itself waiting in its group.
  await deps.groups.add(
    ...jobs.flatMap((j) =>
      j.data.group
        ? [{ destination: j.data.destination, group: j.data.group, jobId: j.opts.jobId, eventId: event.id }]
        : [],
    ),
  );
  // Before the sends, which may now happen right here: as when they were only queued, the escalation is due
  // whatever they take.
  await deps.escalations?.schedule(event, [...routed.values()].flat());
  // A run after the first (a failure, a stall) may follow deliveries already attempted: the dispatch is told since when.
  await deps.dispatch(jobs, job.attemptsStarted > 1 ? { rerunOf: job.timestamp } : {});
  log.debug({ destinations }, "routed");
  return { destinations };
}
