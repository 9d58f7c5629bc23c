import type { Config } from "../config/schema.js";
import type { ChatAdapter, MessageRef, Target } from "../core/chat-adapter.js";
import { DeliveryError } from "../core/errors.js";
import type { DwEvent } from "../core/event.js";
import type { Message } from "../core/message.js";
import type { DeliveryTurn } from "../delivery-job.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { type MessageRefs, parseRef } from "../state/message-refs.js";
import type { RecentEvents } from "../state/recent-events.js";
import type { TemplateEngine } from "../templating/engine.js";
import type { DigestGroups } from "./digest-groups.js";
import { localeFor } from "../routing/route-locale.js";
import { digestMessage } from "./digest-message.js";
import { destinationLimits, digestFor } from "./policy.js";
import type { Guard, Limit, RateLimiter } from "./rate-limiter.js";
import { cancelSlot, NOTIFICATION_WAKE_LAG_MS, type Slot, takeSlot, withSlot } from "./slot.js";

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
  /** The newest status event id of a followed instance (src/incidents/track.ts `latest`). */
  latestOf?: (instanceId: string) => Promise<string | undefined>;
}

/** Render one event; `failure`: the failure message this one replaces, whose story it keeps (a recovery). */
export type Render = (event: DwEvent, failure?: DwEvent) => Promise<unknown>;

/** A recovery waits up to 150 × 2 s = 5 min for its failure message, then posts on its own. */
const MAX_EARLIER_WAITS = 150;
const EARLIER_WAIT_MS = 2_000;

/** One notification on its way: what every stage below reads. */
interface Delivery {
  /** This run of the delivery: its data, and how it parks (a queued job) or hands over (an inline attempt). */
  job: DeliveryTurn;
  jobId: string;
  adapter: ChatAdapter;
  /** Where it goes (the caller resolved the destination: a missing one never gets this far). */
  target: Target;
  deps: OutboxDeps;
  log: Logger;
  /** When the run started, in the injected clock or the system's. */
  now: number;
  /** The job no longer waits to be saved under its key (a recovery need not wait for it). */
  ended: () => Promise<void>;
}

/**
 * Send one notification through the destination's outbox: wait for a rate-limit slot (the job is parked,
 * not failed), and under a burst send every waiting event of its digest group as one message. Returns
 * undefined when another delivery's digest already covered this event.
 */
export async function deliverNotification(
  job: DeliveryTurn,
  adapter: ChatAdapter,
  target: Target,
  render: Render,
  deps: OutboxDeps,
  log: Logger,
): Promise<{ ref: MessageRef; sent: boolean } | undefined> {
  const { event, destination, group } = job.data;
  const d: Delivery = {
    job,
    jobId: job.id,
    adapter,
    target,
    deps,
    log,
    now: (deps.now ?? Date.now)(),
    ended: async () => {
      if (job.data.saveAs) await deps.refs.clearPending(destination, job.data.saveAs);
    },
  };
  const digest = group ? digestFor(deps.config, destination) : undefined;
  // A worker killed after the platform answered but before BullMQ marked the job done leaves it to be run
  // again (stalled-job check): the saved ref says the message exists, so it is not posted twice. A plain
  // notification (no earlier message to wait for or update, no digest) does nothing else before its slot, so the
  // check rides on the slot's take (one script); the others check first.
  const plain = !job.data.replaces && !job.data.updateOnly && !digest;
  if (!plain) {
    const sent = await deps.refs.get(event.id, destination);
    if (sent) return alreadySent(d, sent);
  }
  await waitForEarlier(d);
  // The failure message a recovery updates, and the failure it told of (the update keeps it).
  const earlier = job.data.replaces ? await deps.refs.loadKeyed(destination, job.data.replaces) : undefined;
  if (job.data.updateOnly && !(earlier && adapter.update)) {
    // A "running" is news only as an update: where the message cannot be edited, the failure message stays as it is.
    log.info({ replaces: job.data.replaces }, "nothing to update here (no editable message); not posted");
    await d.ended();
    return undefined;
  }
  const limits: Limit[] = destinationLimits(deps.config, destination, deps.config.outbox.reserveForApprovals);
  let members = group && digest ? await deps.groups.existingClaim(d.jobId) : undefined;
  // A retried digest (its claim survived a failed send) still needs a destination slot, not a group slot.
  if (!members && group && digest) {
    if (!(await deps.groups.waiting(destination, group, d.jobId))) {
      log.debug("already sent in another delivery's digest");
      await d.ended();
      return undefined;
    }
    limits.push({ key: `g.${destination}.${group}`, max: digest.burst, windowMs: digest.interval });
  }
  const taken = await takeSlotOrPark(
    d,
    limits,
    Boolean(group && digest && !members),
    plain ? deps.refs.where(event.id, destination) : undefined,
  );
  if (taken.done !== undefined) return alreadySent(d, parseRef(taken.done));
  const { slot } = taken;
  if (!members && group && digest) {
    const claimed = await claimDigest(d, group, slot);
    if (!claimed) return undefined;
    members = claimed;
  }
  const payload =
    members && members.length > 1 && digest
      ? await renderDigest(d, members, digest)
      : await render(await newestOf(d), earlier?.event);
  const ref = await withSlot(deps.limiter, slot, () => sendOrUpdate(d, payload, earlier?.ref), {
    now: deps.now,
    // A message of its own (not a digest): its ref is saved by the slot's settle, one command.
    mark: members ? undefined : (sent) => deps.refs.entry(event.id, sent),
    after: (sent) => saveRefs(d, sent, members),
  });
  return { ref, sent: true };
}

/**
 * What an update of a followed instance shows: the newest status event of that instance, which may be a later one
 * than this job's (updates may run out of order after a retry or a rate limit; the message must end on the last).
 */
async function newestOf(d: Delivery): Promise<DwEvent> {
  const { event, follows } = d.job.data;
  if (!follows || !d.deps.latestOf) return event;
  const id = await d.deps.latestOf(follows);
  if (!id || id === event.id) return event;
  return (await d.deps.recent.get(id))?.event ?? event;
}

/**
 * A recovery whose failure message is still on its way (parked by a rate limit) waits for it: posted first, it
 * would leave the channel ending on "failed" for a node that recovered.
 */
async function waitForEarlier(d: Delivery): Promise<void> {
  const { job, deps, log } = d;
  const earlier = job.data.replaces;
  if (!earlier || !job.canPark || (job.data.waitedForEarlier ?? 0) >= MAX_EARLIER_WAITS) return;
  if (!(await deps.refs.awaiting(job.data.destination, earlier))) return;
  log.debug({ replaces: earlier }, "waiting for the message this one updates");
  await job.update({ ...job.data, waitedForEarlier: (job.data.waitedForEarlier ?? 0) + 1 });
  throw await job.park(d.now + EARLIER_WAIT_MS);
}

/** The message is there already: nothing is sent (its ref is what the run returns). */
async function alreadySent(d: Delivery, ref: MessageRef): Promise<{ ref: MessageRef; sent: false }> {
  // Also a member covered by another delivery's digest: that message carries it.
  d.log.info("already delivered (a run interrupted after sending, or in a digest); not sent again");
  await d.ended();
  return { ref, sent: false };
}

/**
 * The destination's slot (and the digest group's, for a first send of its group), or the job parked till one frees;
 * with a guard (the delivery's message ref), `done` when the message exists, nothing taken.
 */
async function takeSlotOrPark(
  d: Delivery,
  limits: Limit[],
  forDigest: boolean,
  guard?: Guard,
): Promise<{ slot?: Slot; done?: string }> {
  const { job, deps, log } = d;
  // Redis' clock unless a test injects one: every instance then counts in one time.
  const taken = await takeSlot(deps.limiter, limits, { now: deps.now ? () => d.now : undefined, guard });
  if (taken.done !== undefined) return { done: taken.done };
  if (taken.wait === 0) return { slot: taken.slot };
  if (!job.canPark)
    throw new Error(`rate limited for ${taken.wait} ms and no way to park the delivery (a job run without a token)`);
  log.debug({ waitMs: taken.wait }, "waiting for the destination's rate limit or digest interval");
  deps.metrics?.rateLimitWaits.inc({ platform: deps.platform ?? "unknown", reason: "outbox" });
  // Held, by the group's burst or by the destination's window: when this one's slot opens it speaks for every
  // event of its group that piled up meanwhile, so a backlog drains in a few digests, not one post per event.
  if (forDigest && !job.data.heldForDigest) await job.update({ ...job.data, heldForDigest: true });
  throw await job.park(d.now + taken.wait + NOTIFICATION_WAKE_LAG_MS);
}

/** Claim the group's waiting events for this message; undefined when another delivery's digest took this one. */
async function claimDigest(
  d: Delivery,
  group: string,
  slot: Slot | undefined,
): Promise<Array<{ jobId: string; eventId: string }> | undefined> {
  const { job, deps, log } = d;
  const claimed = await deps.groups.claim(
    job.data.destination,
    group,
    d.jobId,
    job.data.heldForDigest ? "all" : "self",
  );
  if (claimed !== "covered") return claimed;
  // Another delivery claimed this event while this one waited for its slot: it is in that message.
  await cancelSlot(deps.limiter, slot);
  log.debug("claimed by another delivery's digest while waiting for a slot");
  await d.ended();
  return undefined;
}

async function renderDigest(
  d: Delivery,
  members: Array<{ eventId: string }>,
  digest: NonNullable<ReturnType<typeof digestFor>>,
): Promise<unknown> {
  const { job, deps } = d;
  const { event, destination } = job.data;
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
  d.log.info({ events: members.length }, "sending a digest");
  return d.adapter.render(deps.decorate ? deps.decorate(msg, event) : msg);
}

/** A recovery updates the earlier failure message in place when the platform can edit messages. */
async function sendOrUpdate(d: Delivery, payload: unknown, earlier: MessageRef | undefined): Promise<MessageRef> {
  const { job, adapter, log } = d;
  const { replaces } = job.data;
  if (replaces && adapter.update && earlier) {
    try {
      await adapter.update(earlier, payload);
      log.info({ replaces }, "updated the earlier message instead of posting a new one");
      return earlier;
    } catch (err) {
      // Not editable (a robot's markdown message, a deleted message): post the news instead of losing it.
      if (!(err instanceof DeliveryError) || err.retryable) throw err;
      if (job.data.updateOnly) {
        log.info({ replaces, reason: err.message }, "the earlier message cannot be updated; left as it is");
        return earlier;
      }
      log.info({ replaces, reason: err.message }, "the earlier message cannot be updated; posting");
    }
  }
  const ref = await adapter.send(d.target, payload, { mayExistSince: job.mayExistSince() });
  log.info({ platform: d.deps.platform }, "delivered");
  return ref;
}

/**
 * Remember a digest for every event it carries (a message of one event is remembered by its slot's settle), and
 * the message under its key (a node's failure) for a later update.
 */
async function saveRefs(d: Delivery, ref: MessageRef, members: Array<{ jobId: string; eventId: string }> | undefined) {
  const { job, deps } = d;
  const { event, destination, saveAs } = job.data;
  // In parallel: a digest of a burst carries hundreds of events, one save each (pipelined, not a round trip each).
  if (members) await Promise.all(members.map((m) => deps.refs.save(m.eventId, ref)));
  // A digest speaks for many nodes: one node's recovery must not overwrite it.
  const digested = members !== undefined && members.length > 1;
  if (digested) deps.metrics?.digestSize.observe({ platform: deps.platform ?? "unknown" }, members.length);
  if (saveAs && !digested) await deps.refs.saveKeyed(destination, saveAs, ref, event);
  else await d.ended();
  if (members) await deps.groups.release(d.jobId);
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
