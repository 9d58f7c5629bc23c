import type { Job, Queue } from "bullmq";
import type { ApprovalService } from "../approvals/service.js";
import type { MuteCheck } from "../commands/mute-check.js";
import type { DwEvent } from "../core/event.js";
import type { Logger } from "../logger.js";
import type { NotifyFilter } from "../notify/notify-filter.js";
import type { DigestGroups } from "../outbox/digest-groups.js";
import { digestFor, groupKey } from "../outbox/policy.js";
import type { Config } from "../config/schema.js";
import type { Router } from "../routing/router.js";
import type { MessageRefs } from "../state/message-refs.js";
import type { RecentEvents } from "../state/recent-events.js";
import { type DeliveryJobData, deliveryJobId, type EventJobData, PRIORITY } from "./queues.js";

export interface ProcessEventDeps {
  router: Router;
  recent: RecentEvents;
  deliveries: Queue<DeliveryJobData>;
  logger: Logger;
  approvals?: ApprovalService;
  /** Is this event worth a message (counts what it filters)? Absent: every event is. */
  notify?: NotifyFilter;
  config: Readonly<Config>;
  groups: DigestGroups;
  /** Mutes set from chat (`mute …`); never applies to extension point events. Absent: nothing is muted. */
  mutes?: MuteCheck;
  /** Where a node's failure message was posted, so its recovery reaches it. Absent: recoveries follow routes only. */
  refs?: MessageRefs;
}

/**
 * Record the event, route it and fan out one delivery job per destination. Idempotent: a retry re-adds
 * the same delivery job ids, which BullMQ ignores while those jobs exist.
 */
export async function processEvent(
  job: Job<EventJobData>,
  deps: ProcessEventDeps,
): Promise<{ destinations: string[] }> {
  const { event, receivedAt } = job.data;
  const log = deps.logger.child({ eventId: event.id, type: event.type, jobId: job.id });
  await deps.recent.record(event, receivedAt);
  // Extension point events become approval cards (or policy decisions) instead of plain notifications.
  if (deps.approvals?.handles(event) && (await deps.approvals.start(event, log))) return { destinations: [] };
  const verdict = deps.notify ? await deps.notify(event) : undefined;
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
  const node = nodeMessageName(event);
  // A recovery goes where the node's failure went, even when a route sends failures only.
  if (node && verdict?.reason === "recovery" && deps.refs) {
    const others = Object.keys(deps.config.destinations).filter((d) => !routed.has(d));
    for (const d of await deps.refs.holdingKeyed(others, node)) routed.set(d, []);
  }
  const destinations = [...routed.keys()];
  if (destinations.length === 0) {
    log.info("no route matched; event stored but not sent");
    return { destinations };
  }
  const jobs = destinations.map((destination) => {
    const jobId = deliveryJobId(String(job.id), destination);
    const digest = digestFor(deps.config, destination);
    const data: DeliveryJobData = { event, destination, routes: routed.get(destination) ?? [] };
    if (digest) data.group = groupKey(event, digest.groupBy);
    // A node that failed and then recovered updates its failure message instead of posting another one.
    if (node && Number(event.data.status) === 5) data.saveAs = node;
    if (node && verdict?.reason === "recovery") {
      data.replaces = node;
      delete data.group;
    }
    return { name: "deliver", data, opts: { jobId, priority: PRIORITY.notification } };
  });
  // A failure on its way: its node's recovery waits for it rather than overtaking it (deliver-notification.ts).
  await deps.refs?.markPending(
    jobs.flatMap((j) => (j.data.saveAs ? [{ destination: j.data.destination, name: j.data.saveAs }] : [])),
  );
  // Group membership first, so a delivery that runs at once finds itself waiting in its group.
  await deps.groups.add(
    ...jobs.flatMap((j) =>
      j.data.group
        ? [{ destination: j.data.destination, group: j.data.group, jobId: j.opts.jobId, eventId: event.id }]
        : [],
    ),
  );
  await deps.deliveries.addBulk(jobs);
  log.debug({ destinations }, "routed");
  return { destinations };
}

/** The name a node's failure message is remembered under, so its recovery updates it (MessageRefs). */
export function nodeMessageName(event: DwEvent): string | undefined {
  return event.eventCode === "instance-status-changes" && event.data.nodeId !== undefined
    ? `node.${event.data.nodeId}`
    : undefined;
}
