import { DelayedError, type Job } from "bullmq";
import type { Config } from "../config/schema.js";
import type { ChatAdapter, MessageRef } from "../core/chat-adapter.js";
import { DeliveryError } from "../core/errors.js";
import type { DwEvent } from "../core/event.js";
import type { Message } from "../core/message.js";
import { targetFor } from "../jobs/target.js";
import { type DeliveryJobData, mayExistSince, NOTIFICATION_WAKE_LAG_MS } from "../jobs/queues.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { MessageRefs } from "../state/message-refs.js";
import type { RecentEvents } from "../state/recent-events.js";
import type { TemplateEngine } from "../templating/engine.js";
import type { DigestGroups } from "./digest-groups.js";
import { localeFor } from "../routing/route-locale.js";
import { digestMessage } from "./digest-message.js";
import { destinationLimits, digestFor } from "./policy.js";
import type { Limit, RateLimiter } from "./rate-limiter.js";

export interface OutboxDeps {
  config: Readonly<Config>;
  limiter: RateLimiter;
  groups: DigestGroups;
  recent: RecentEvents;
  refs: MessageRefs;
  templates: TemplateEngine;
  now?: () => number;
  /** Adds what the route asks for (mentions) to a message before it is rendered natively. */
  decorate?: (m: Message, e: DwEvent) => Message;
  metrics?: Metrics;
  /** For metric labels. */
  platform?: string;
}

/** Render one event; `failure`: the failure message this one replaces, whose story it keeps (a recovery). */
export type Render = (event: DwEvent, failure?: DwEvent) => Promise<unknown>;

/** A recovery waits up to 150 × 2 s = 5 min for its failure message, then posts on its own. */
const MAX_EARLIER_WAITS = 150;
const EARLIER_WAIT_MS = 2_000;

/**
 * Send one notification through the destination's outbox: wait for a rate-limit slot (the job is parked,
 * not failed), and under a burst send every waiting event of its digest group as one message. Returns
 * undefined when another delivery's digest already covered this event.
 */
export async function deliverNotification(
  job: Job<DeliveryJobData>,
  token: string | undefined,
  adapter: ChatAdapter,
  render: Render,
  deps: OutboxDeps,
  log: Logger,
): Promise<{ ref: MessageRef; sent: boolean } | undefined> {
  const { event, destination, group } = job.data;
  const jobId = String(job.id);
  const dest = deps.config.destinations[destination];
  if (!dest) return undefined;
  // A worker killed after the platform answered but before BullMQ marked the job done leaves it to be run
  // again (stalled-job check): the saved ref says the message exists, so it is not posted twice.
  const sent = await deps.refs.get(event.id, destination);
  const ended = () => (job.data.saveAs ? deps.refs.clearPending(destination, job.data.saveAs) : undefined);
  if (sent) {
    // Also a member covered by another delivery's digest: that message carries it.
    log.info("already delivered (a run interrupted after sending, or in a digest); not sent again");
    await ended();
    return { ref: sent, sent: false };
  }
  const now = (deps.now ?? Date.now)();
  // A recovery whose failure message is still on its way (parked by a rate limit) waits for it: posted first,
  // it would leave the channel ending on "failed" for a node that recovered.
  const earlier = job.data.replaces;
  if (earlier && token && (job.data.waitedForEarlier ?? 0) < MAX_EARLIER_WAITS) {
    if (await deps.refs.awaiting(destination, earlier)) {
      log.debug({ replaces: earlier }, "waiting for the message this one updates");
      await job.updateData({ ...job.data, waitedForEarlier: (job.data.waitedForEarlier ?? 0) + 1 });
      await job.moveToDelayed(now + EARLIER_WAIT_MS, token);
      throw new DelayedError();
    }
  }
  // The failure message a recovery updates, and the failure it told of (the update keeps it).
  const earlierMessage = earlier ? await deps.refs.loadKeyed(destination, earlier) : undefined;
  const limits: Limit[] = destinationLimits(deps.config, destination, deps.config.outbox.reserveForApprovals);
  const digest = group ? digestFor(deps.config, destination) : undefined;

  let slot: string | undefined;
  const groupLimitKey = `g.${destination}.${group}`;
  let members = group && digest ? await deps.groups.existingClaim(jobId) : undefined;
  // A retried digest (its claim survived a failed send) still needs a destination slot, not a group slot.
  if (!members && group && digest) {
    if (!(await deps.groups.waiting(destination, group, jobId))) {
      log.debug("already sent in another delivery's digest");
      await ended();
      return undefined;
    }
    limits.push({ key: groupLimitKey, max: digest.burst, windowMs: digest.interval });
  }
  // Redis' clock unless a test injects one: every instance then counts in one time.
  const taken = await deps.limiter.take(limits, deps.now ? now : undefined);
  slot = taken.slot;
  if (taken.wait > 0) {
    if (!token) throw new Error(`rate limited for ${taken.wait} ms and no job token to park the delivery`);
    log.debug({ waitMs: taken.wait }, "waiting for the destination's rate limit or digest interval");
    deps.metrics?.rateLimitWaits.inc({ platform: deps.platform ?? "unknown", reason: "outbox" });
    // Held, by the group's burst or by the destination's window: when this one's slot opens it speaks for every
    // event of its group that piled up meanwhile, so a backlog drains in a few digests, not one post per event.
    if (group && digest && !members && !job.data.heldForDigest)
      await job.updateData({ ...job.data, heldForDigest: true });
    await job.moveToDelayed(now + taken.wait + NOTIFICATION_WAKE_LAG_MS, token);
    throw new DelayedError();
  }
  if (!members && group && digest) {
    const claimed = await deps.groups.claim(destination, group, jobId, job.data.heldForDigest ? "all" : "self");
    if (claimed === "covered") {
      // Another delivery claimed this event while this one waited for its slot: it is in that message.
      if (slot) await deps.limiter.cancel(limits, slot);
      log.debug("claimed by another delivery's digest while waiting for a slot");
      await ended();
      return undefined;
    }
    members = claimed;
  }

  let payload: unknown;
  if (members && members.length > 1 && digest) {
    const listed = await loadEvents(members, digest.maxItems, deps.recent, event);
    const times = listed.map((e) => Date.parse(e.time ?? "")).filter(Number.isFinite);
    const span = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
    const locale = localeFor(deps.config, job.data.routes ?? [], destination);
    const msg = digestMessage(
      {
        events: listed,
        total: members.length,
        spanMs: span,
        groupBy: digest.groupBy,
        locale,
        timeZone: deps.config.templates.timeZone,
      },
      deps.templates,
    );
    payload = adapter.render(deps.decorate ? deps.decorate(msg, event) : msg);
    log.info({ events: members.length }, "sending a digest");
  } else {
    payload = await render(event, earlierMessage?.event);
  }

  let ref: MessageRef;
  try {
    ref = await sendOrUpdate(job.data, adapter, payload, deps, log, mayExistSince(job), earlierMessage?.ref);
  } finally {
    // Sent or failed, the request reached the platform by now: its slot counts from here.
    if (slot) await deps.limiter.settle(limits, slot, deps.now?.()).catch(() => undefined);
  }
  for (const m of members ?? [{ jobId, eventId: event.id }]) await deps.refs.save(m.eventId, ref);
  // A digest speaks for many nodes: one node's recovery must not overwrite it.
  const digested = members !== undefined && members.length > 1;
  if (digested && members) deps.metrics?.digestSize.observe({ platform: deps.platform ?? "unknown" }, members.length);
  if (job.data.saveAs && !digested) await deps.refs.saveKeyed(destination, job.data.saveAs, ref, event);
  else await ended();
  if (members) await deps.groups.release(jobId);
  return { ref, sent: true };
}

/** A recovery updates the earlier failure message in place when the platform can edit messages. */
async function sendOrUpdate(
  data: DeliveryJobData,
  adapter: ChatAdapter,
  payload: unknown,
  deps: OutboxDeps,
  log: Logger,
  maybeSince: number | undefined,
  earlier: MessageRef | undefined,
): Promise<MessageRef> {
  const dest = deps.config.destinations[data.destination];
  if (data.replaces && adapter.update) {
    if (earlier) {
      try {
        await adapter.update(earlier, payload);
        log.info({ replaces: data.replaces }, "updated the earlier message instead of posting a new one");
        return earlier;
      } catch (err) {
        // Not editable (a robot's markdown message, a deleted message): post the news instead of losing it.
        if (!(err instanceof DeliveryError) || err.retryable) throw err;
        log.info({ replaces: data.replaces, reason: err.message }, "the earlier message cannot be updated; posting");
      }
    }
  }
  if (!dest) throw new Error(`destination ${data.destination} vanished`);
  const ref = await adapter.send(targetFor(data.destination, dest), payload, { mayExistSince: maybeSince });
  log.info({ platform: dest.platform }, "delivered");
  return ref;
}

async function loadEvents(
  members: Array<{ eventId: string }>,
  max: number,
  recent: RecentEvents,
  own: DwEvent,
): Promise<DwEvent[]> {
  const found = await Promise.all(
    members.slice(0, max).map(async (m) => (m.eventId === own.id ? own : (await recent.get(m.eventId))?.event)),
  );
  const events = found.filter((e): e is DwEvent => Boolean(e));
  if (!events.some((e) => e.id === own.id)) events.unshift(own);
  return events.sort((a, b) => (Date.parse(a.time ?? "") || 0) - (Date.parse(b.time ?? "") || 0)).slice(0, max);
}
