import { type Job, UnrecoverableError } from "bullmq";
import type { CardNames } from "../approvals/approver-names.js";
import type { ApprovalStore } from "../approvals/store.js";
import type { Approval } from "../approvals/types.js";
import type { Config } from "../config/schema.js";
import type { ChatAdapter, MessageRef, Target } from "../core/chat-adapter.js";
import { DeliveryError } from "../core/errors.js";
import type { DwEvent } from "../core/event.js";
import type { Message } from "../core/message.js";
import { makeWellFormed } from "../core/text.js";
import { type Logger, lazyChild } from "../logger.js";
import { deliverNotification, type OutboxDeps } from "../outbox/deliver-notification.js";
import { type DeliveryTurn, queuedTurn } from "../delivery-job.js";
import { recoveryExtras } from "../outbox/recovery.js";
import { localeFor } from "../routing/route-locale.js";
import { mentionsFor } from "../routing/mentions.js";
import type { Metrics } from "../metrics.js";
import type { MessageRefs } from "../state/message-refs.js";
import type { RenderContextExtras, TemplateEngine } from "../templating/engine.js";
import { postAlert, postCard } from "./approval-deliveries.js";
import { postEscalation } from "./escalation-delivery.js";
import type { IncidentStore } from "../incidents/store.js";
import type { DeliveryJobData } from "./queues.js";
import { applyVerdict, type RetryVerdict, retryVerdict } from "./retry-decision.js";
import { withFallback } from "./safe-adapter.js";
import { updateCard } from "./update-card.js";
import { updateIncidentCopy } from "./update-incident.js";
import { decorate as decorateIncident, type IncidentDelivery, type Shown } from "../incidents/delivery.js";
import { targetFor } from "../platforms.js";

export interface DeliverDeps {
  config: Readonly<Config>;
  outbox: Omit<OutboxDeps, "config" | "refs" | "templates">;
  adapters: ReadonlyMap<string, ChatAdapter>;
  templates: TemplateEngine;
  refs: MessageRefs;
  logger: Logger;
  approvals?: ApprovalStore;
  /** Looks names up for templates; must never throw and never block for long. */
  enrich?: (event: DwEvent) => Promise<Record<string, unknown>>;
  /**
   * Called after a card was posted with the approval as it was then (its render key): if the approval has moved
   * on since (decided while the card was being posted), the card is updated, so every copy ends on the latest state.
   */
  onCardRendered?: (approvalId: string, destination: string, renderedKey: string) => Promise<void>;
  /** Who may decide and the people a card shows, by name where known (approvals/approver-names.ts); never throws. Absent: ids. */
  cardNames?: (a: Approval) => Promise<CardNames>;
  metrics?: Metrics;
  /** Whether a failure is still nobody's (an escalation's message is not sent after an ack). */
  incidents?: IncidentStore;
  /** After an update of a followed instance's message: its incident's new timeline entries under it (Slack threads). */
  threadIncident?: (instanceId: string, ref: MessageRef, adapter: ChatAdapter, locale: string) => Promise<void>;
  /** Instance messages: buttons added, copies remembered and updated (src/incidents/delivery.ts). */
  incidentMessages?: IncidentDelivery;
}

/** One delivery job with what it needs, resolved once: a destination or adapter missing from the config stops it here. */
export interface DeliveryRun {
  job: Job<DeliveryJobData>;
  token: string | undefined;
  deps: DeliverDeps;
  log: Logger;
  platform: string;
  platformAdapter: ChatAdapter;
  target: Target;
  locale: string;
}

/** Where a delivery goes, resolved once (a queued job's run or an inline attempt). */
export type Destination = Pick<DeliveryRun, "platform" | "platformAdapter" | "target" | "locale">;

/** A notification's run: its destination resolved, and its turn (a queued job, or an inline attempt). */
export type NotificationRun = Destination & { turn: DeliveryTurn; deps: DeliverDeps; log: Logger };

/** A message sent (or updated); `sent` false: it was already there (a re-run, or carried by a digest). */
export interface Delivered {
  ref: MessageRef;
  sent: boolean;
}

type Processor = (r: DeliveryRun) => Promise<Delivered | undefined>;

/** The deliveries queue's job names and what runs each (BullMQ's named-processor pattern). */
const PROCESSORS: Readonly<Record<string, Processor>> = {
  /** A notification, through the outbox (rate limits, digests, recoveries). */
  deliver: async (r) => {
    if (r.job.data.refused) throw new UnrecoverableError(r.job.data.refused);
    return deliverEvent({ ...r, turn: queuedTurn(r.job, r.token) });
  },
  /** Post an approval card. */
  "approval-card": postCard,
  /** Edit a posted card in place. */
  "approval-update": async (r) => {
    const ref = await updateCard(r);
    return ref ? { ref, sent: true } : undefined;
  },
  /** A decision DataWorks never accepted. */
  "approval-alert": postAlert,
  /** A failure nobody acknowledged: mention the route's escalation targets. */
  escalation: postEscalation,
  /** Edit a copy of an instance message to show its incident now. */
  "incident-update": async (r) => {
    const ref = await updateIncidentCopy(r, (event, shown) => renderForIncident(r, event, shown));
    return ref ? { ref, sent: true } : undefined;
  },
};

/**
 * Deliveries worker: resolve the destination once, run the job name's processor. Errors carry the retry decision
 * (src/jobs/retry-decision.ts): throttled → wait as the platform asked; retryable → backoff; permanent → failed set.
 */
export async function deliver(
  job: Job<DeliveryJobData>,
  token: string | undefined,
  deps: DeliverDeps,
): Promise<MessageRef | undefined> {
  const log = deliveryLog(deps, job.data, { name: job.name, id: job.id, attempt: job.attemptsMade + 1 });
  const processor = PROCESSORS[job.name];
  if (!processor) throw new UnrecoverableError(`unknown delivery job "${job.name}"`);
  const run: DeliveryRun = { job, token, deps, log, ...destinationOf(job.data, deps) };
  try {
    const done = await processor(run);
    // Counted only when this run posted: a re-run or a digested event found its message already there.
    if (done?.sent) deps.metrics?.messagesSent.inc({ platform: run.platform, kind: job.name });
    return done?.ref;
  } catch (err) {
    throw await deliveryRetry(err, job, token, log, deps.metrics);
  }
}

/** Resolve a delivery's destination: one missing from the config, or its platform's adapter, stops it here. */
export function destinationOf(data: DeliveryJobData, deps: DeliverDeps): Destination {
  const { event, destination } = data;
  const dest = deps.config.destinations[destination];
  if (!dest)
    throw new UnrecoverableError(
      `destination "${destination}" is no longer in the config; event ${event.id} not sent there`,
    );
  const platformAdapter = deps.adapters.get(dest.platform);
  if (!platformAdapter)
    throw new UnrecoverableError(`no ${dest.platform} adapter is configured for destination "${destination}"`);
  return {
    platform: dest.platform,
    platformAdapter,
    target: targetFor(destination, dest),
    locale: localeFor(deps.config, data.routes ?? [], destination),
  };
}

/** The logger of one run of a delivery (the same fields for a queued job's run and an inline attempt). */
export function deliveryLog(
  deps: DeliverDeps,
  data: DeliveryJobData,
  job: { name: string; id: string | undefined; attempt: number },
): Logger {
  return lazyChild(deps.logger, {
    eventId: data.event.id,
    destination: data.destination,
    job: job.name,
    jobId: job.id,
    attempt: job.attempt,
  });
}

/**
 * Job "deliver" (queued, or attempted inline by the events job): render the event from its template (mentions
 * added) and send it through the outbox.
 */
export async function deliverEvent(r: NotificationRun): Promise<Delivered | undefined> {
  const { turn: job, deps, log, platform, locale } = r;
  const { event } = job.data;
  const adapter = withFallback(r.platformAdapter, () => deps.templates.fallback(event, locale), log);
  // Route mentions (@owner, on-call groups) by the severity the template gave the message.
  // Most messages mention no one: those are handed on as they are, not copied.
  const mention = (m: Message, e: DwEvent, enrich: Record<string, unknown> = {}): Message => {
    const more = mentionsFor(
      deps.config,
      job.data.routes ?? [],
      platform,
      m.severity,
      e,
      enrich,
      (deps.outbox.now ?? Date.now)(),
    );
    return more.length ? { ...m, mentions: [...m.mentions, ...more] } : m;
  };
  // The incident this message shows (a failed instance of a route with actions), remembered once it is posted.
  let shown: Shown | undefined;
  const render = async (e: DwEvent, failure?: DwEvent) => {
    const enrich = async (x: DwEvent) => (deps.enrich ? await deps.enrich(x) : {});
    const [own, failed] = await Promise.all([enrich(e), failure ? enrich(failure) : undefined]);
    const extras: RenderContextExtras = { enrich: own };
    if (failure && failed) extras.extra = recoveryExtras(failure, e, failed);
    shown = await deps.incidentMessages?.prepare(e, job.data.routes ?? [], job.data.destination, own);
    const s = shown;
    const decorate = s
      ? (m: Message, x: DwEvent, en?: Record<string, unknown>) =>
          decorateIncident(mention(m, x, en), s, deps.templates, deps.config.templates.timeZone)
      : mention;
    return renderEvent(adapter, e, platform, locale, extras, deps, log, decorate);
  };
  const outbox = {
    ...deps.outbox,
    config: deps.config,
    refs: deps.refs,
    templates: deps.templates,
    decorate: mention,
    metrics: deps.metrics,
    platform,
  };
  const done = await deliverNotification(job, adapter, r.target, render, outbox, log);
  if (done && job.data.follows) await deps.threadIncident?.(job.data.follows, done.ref, r.platformAdapter, locale);
  if (done && shown) await deps.incidentMessages?.remember(shown, done.ref);
  return done;
}

/** An instance message rendered again with its incident as it is now (no mentions: an edit notifies no one). */
async function renderForIncident(r: DeliveryRun, event: DwEvent, shown: Shown): Promise<unknown> {
  const { deps, log, platform, locale } = r;
  const adapter = withFallback(r.platformAdapter, () => deps.templates.fallback(event, locale), log);
  const enrich = deps.enrich ? await deps.enrich(event) : {};
  const decorate = (m: Message) => decorateIncident(m, shown, deps.templates, deps.config.templates.timeZone);
  return renderEvent(adapter, event, platform, locale, { enrich }, deps, log, decorate);
}

/** What BullMQ should do with a delivery that failed: the shared retry decision, with the deliveries' logs and metrics. */
async function deliveryRetry(
  err: unknown,
  job: Job<DeliveryJobData>,
  token: string | undefined,
  log: Logger,
  metrics?: Metrics,
): Promise<Error> {
  // A throttle that names no wait waits a second: platforms throttle per second or per minute.
  const verdict = retryVerdict(err, job, token !== undefined, { throttleWaitMs: 1000 });
  const retriesLeft = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
  reportVerdict(verdict, err, log, { metrics, retried: retriesLeft });
  // The retry is told the message may exist, in whichever process it runs (job data lives in Redis).
  if (verdict.kind === "retry" && err instanceof DeliveryError && err.maybeDone && job.data.maybeSentAt === undefined)
    await job.updateData({ ...job.data, maybeSentAt: Date.now() }).catch(() => undefined);
  return applyVerdict(verdict, err, job, token);
}

/**
 * The log line and metrics of a failed delivery's verdict: the same for a queued job's run and an inline attempt
 * (src/jobs/inline-delivery.ts). `retried`: whether another attempt follows (counted as a retry). `platform`: the
 * metrics label when the error does not name its adapter.
 */
export function reportVerdict(
  verdict: RetryVerdict,
  err: unknown,
  log: Logger,
  o: { metrics?: Metrics; retried: boolean; platform?: string },
): void {
  const delivery = err instanceof DeliveryError ? err : undefined;
  const platform = delivery?.adapter ?? o.platform ?? "unknown";
  const why = delivery ? { code: delivery.code, platformCode: delivery.platformCode } : { err };
  const message = err instanceof Error ? err.message : String(err);
  if (verdict.kind === "wait") {
    log.warn({ waitMs: verdict.ms, waits: verdict.waits }, "platform throttled the delivery; waiting");
    o.metrics?.rateLimitWaits.inc({ platform, reason: "throttled" });
  } else if (verdict.kind === "retry") {
    log.warn(why, message);
    if (o.retried) o.metrics?.messagesRetried.inc({ platform });
  } else if (verdict.kind === "fail") {
    if (delivery) log.error(why, message);
    else log.error({ err }, "a bug, not weather: the delivery is not retried");
  }
}

function renderEvent(
  adapter: ChatAdapter,
  event: DwEvent,
  platform: string,
  locale: string,
  extras: RenderContextExtras,
  deps: DeliverDeps,
  log: Logger,
  decorate: (m: Message, e: DwEvent, enrich?: Record<string, unknown>) => Message = (m) => m,
): unknown {
  try {
    const override = deps.templates.renderOverride(event, platform, locale, extras);
    if (override !== undefined) return override;
    return adapter.render(decorate(deps.templates.render(event, locale, extras), event, extras.enrich));
  } catch (err) {
    // A template that fails at run time must not drop the event: send the minimal safe message.
    log.error({ err }, "template failed at run time; sending the fallback message");
    return adapter.render(makeWellFormed(deps.templates.fallback(event, locale, extras)));
  }
}
