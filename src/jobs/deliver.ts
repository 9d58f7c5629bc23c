import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { approvalCard } from "../approvals/card.js";
import type { ApprovalStore } from "../approvals/store.js";
import { type Approval, renderKey } from "../approvals/types.js";
import type { Config } from "../config/schema.js";
import type { ChatAdapter, MessageRef } from "../core/chat-adapter.js";
import { DeliveryError } from "../core/errors.js";
import type { DwEvent } from "../core/event.js";
import type { Message } from "../core/message.js";
import { makeWellFormed } from "../core/text.js";
import type { Logger } from "../logger.js";
import { deliverNotification, type OutboxDeps } from "../outbox/deliver-notification.js";
import { destinationLimits } from "../outbox/policy.js";
import { recoveryExtras } from "../outbox/recovery.js";
import { localeFor } from "../routing/route-locale.js";
import type { Limit } from "../outbox/rate-limiter.js";
import { mentionsFor } from "../routing/mentions.js";
import type { Metrics } from "../metrics.js";
import type { MessageRefs } from "../state/message-refs.js";
import type { RenderContextExtras, TemplateEngine } from "../templating/engine.js";
import { translate } from "../templating/i18n.js";
import { CARD_WAIT_IN_PLACE_MS, type DeliveryJobData, mayExistSince } from "./queues.js";
import { applyVerdict, retryVerdict } from "./retry-decision.js";
import { withFallback } from "./safe-adapter.js";
import { updateCard } from "./update-card.js";
import { targetFor } from "./target.js";

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
  metrics?: Metrics;
}

/**
 * Deliveries worker. Job names: "deliver" (a notification), "approval-card" (post a card), "approval-update"
 * (edit a posted card in place), "approval-alert" (a decision DataWorks never accepted). Errors carry the
 * retry decision: throttled → wait as the platform asked; retryable → backoff; permanent → failed set.
 */
export async function deliver(
  job: Job<DeliveryJobData>,
  token: string | undefined,
  deps: DeliverDeps,
): Promise<MessageRef | undefined> {
  const { event, destination } = job.data;
  const log = deps.logger.child({
    eventId: event.id,
    destination,
    job: job.name,
    jobId: job.id,
    attempt: job.attemptsMade + 1,
  });
  const dest = deps.config.destinations[destination];
  if (!dest)
    throw new UnrecoverableError(
      `destination "${destination}" is no longer in the config; event ${event.id} not sent there`,
    );
  const platformAdapter = deps.adapters.get(dest.platform);
  if (!platformAdapter)
    throw new UnrecoverableError(`no ${dest.platform} adapter is configured for destination "${destination}"`);
  const locale = localeFor(deps.config, job.data.routes ?? [], destination);
  try {
    if (job.name === "approval-card" || job.name === "approval-update" || job.name === "approval-alert") {
      const ref = await deliverApproval(job, token, platformAdapter, locale, deps, log);
      if (ref) deps.metrics?.messagesSent.inc({ platform: dest.platform, kind: job.name });
      return ref;
    }
    const adapter = withFallback(platformAdapter, () => deps.templates.fallback(event, locale), log);
    // Route mentions (@owner, on-call groups) by the severity the template gave the message.
    const mention = (m: Message, e: DwEvent, enrich: Record<string, unknown> = {}): Message => ({
      ...m,
      mentions: [
        ...m.mentions,
        ...mentionsFor(deps.config, job.data.routes ?? [], dest.platform, m.severity, e, enrich),
      ],
    });
    const render = async (e: DwEvent, failure?: DwEvent) => {
      const enrich = async (x: DwEvent) => (deps.enrich ? await deps.enrich(x) : {});
      const [own, failed] = await Promise.all([enrich(e), failure ? enrich(failure) : undefined]);
      const extras: RenderContextExtras = { enrich: own };
      if (failure && failed) extras.extra = recoveryExtras(failure, e, failed);
      return renderEvent(adapter, e, dest.platform, locale, extras, deps, log, mention);
    };
    const outbox = {
      ...deps.outbox,
      config: deps.config,
      refs: deps.refs,
      templates: deps.templates,
      decorate: mention,
      metrics: deps.metrics,
      platform: dest.platform,
    };
    const done = await deliverNotification(job, token, adapter, render, outbox, log);
    // Counted only when this run posted: a re-run or a digested event found its message already there.
    if (done?.sent) deps.metrics?.messagesSent.inc({ platform: dest.platform, kind: job.name });
    return done?.ref;
  } catch (err) {
    throw await deliveryRetry(err, job, token, log, deps.metrics);
  }
}

async function deliverApproval(
  job: Job<DeliveryJobData>,
  token: string | undefined,
  platformAdapter: ChatAdapter,
  locale: string,
  deps: DeliverDeps,
  log: Logger,
): Promise<MessageRef | undefined> {
  const { destination, approvalId } = job.data;
  if (job.name === "approval-update") return updateCard(job, token, platformAdapter, locale, deps, log);
  const a = approvalId && deps.approvals ? await deps.approvals.get(approvalId) : undefined;
  if (!a) throw new UnrecoverableError(`approval ${approvalId ?? "?"} not found for ${job.name}`);
  const dest = deps.config.destinations[destination];
  if (!dest) throw new UnrecoverableError(`destination "${destination}" is no longer in the config`);
  let cardSlot: { limits: Limit[]; slot: string } | undefined;
  if (job.name === "approval-card" || job.name === "approval-alert") {
    // Cards (and alerts about them) share the destination's rate limit but may use the slots reserved for them.
    const limits = destinationLimits(deps.config, destination);
    if (limits.length) {
      let taken = await deps.outbox.limiter.take(limits);
      // Wait in place for a slot that frees soon: taken the moment it frees, before parked notifications wake.
      for (let tries = 0; taken.wait > 0 && taken.wait <= CARD_WAIT_IN_PLACE_MS && tries < 3; tries++) {
        await new Promise((r) => setTimeout(r, taken.wait));
        taken = await deps.outbox.limiter.take(limits);
      }
      if (taken.wait > 0 && token) {
        await job.moveToDelayed(Date.now() + taken.wait, token);
        throw new DelayedError();
      }
      cardSlot = taken.slot ? { limits, slot: taken.slot } : undefined;
    }
  }
  const alerting = job.name === "approval-alert";
  // The card (or the alert) as posted; `minimal` builds it on the event's fallback message instead of its template.
  const message = (minimal: boolean): Message => {
    const card = approvalCard(a, locale, deps.templates, deps.config, minimal);
    return alerting ? alertFor(card, a, locale, deps) : card;
  };
  // Keeps the buttons and the deadline: people can still decide from a card whose full text was refused.
  const adapter = withFallback(platformAdapter, () => message(true), log);
  if (alerting) {
    try {
      return await adapter.send(targetFor(destination, dest), adapter.render(message(false)));
    } finally {
      if (cardSlot) await deps.outbox.limiter.settle(cardSlot.limits, cardSlot.slot).catch(() => undefined);
    }
  }
  const payload = adapter.render(message(false));
  let ref: MessageRef;
  try {
    ref = await adapter.send(targetFor(destination, dest), payload, { mayExistSince: mayExistSince(job) });
  } finally {
    // As for notifications: the slot counts from when the request reached the platform.
    if (cardSlot) await deps.outbox.limiter.settle(cardSlot.limits, cardSlot.slot).catch(() => undefined);
  }
  await deps.approvals?.addCard(a.id, ref, renderKey(a));
  log.info({ approvalId: a.id }, "approval card posted");
  // A decision taken while this card was being posted found no ref to update.
  await deps.onCardRendered?.(a.id, destination, renderKey(a));
  return ref;
}

/** The alert posted where a decision never reached DataWorks: the card's text under an alert title. */
function alertFor(card: Message, a: Approval, locale: string, deps: DeliverDeps): Message {
  const t = (k: string, p: Record<string, unknown> = {}) => translate(deps.templates.messages, locale, k, p);
  return {
    ...card,
    kind: `approval-alert:${a.event.eventCode}`,
    title: t("approval.alertTitle", { title: card.title }),
    summary: t("approval.alertTitle", { title: card.title }),
    severity: "danger",
    sections: [{ text: t("approval.alertText", { error: a.dataworks?.error ?? "" }) }, ...card.sections],
    actions: [],
  };
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
  if (err instanceof DeliveryError) {
    if (verdict.kind === "wait") {
      log.warn({ waitMs: verdict.ms, waits: verdict.waits }, "platform throttled the delivery; waiting");
      metrics?.rateLimitWaits.inc({ platform: err.adapter, reason: "throttled" });
    } else if (verdict.kind === "fail") {
      log.error({ code: err.code, platformCode: err.platformCode }, err.message);
    } else if (verdict.kind === "retry") {
      log.warn({ code: err.code, platformCode: err.platformCode }, err.message);
      // The retry is told the message may exist, in whichever process it runs (job data lives in Redis).
      if (err.maybeDone && job.data.maybeSentAt === undefined)
        await job.updateData({ ...job.data, maybeSentAt: Date.now() }).catch(() => undefined);
      if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) metrics?.messagesRetried.inc({ platform: err.adapter });
    }
  } else if (verdict.kind === "fail") log.error({ err }, "a bug, not weather: the delivery is not retried");
  return applyVerdict(verdict, err, job, token);
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
