import type { CardNames } from "../approvals/approver-names.js";
import type { ApprovalService } from "../approvals/service.js";
import type { Approval } from "../approvals/types.js";
import type { DecisionSender } from "../approvals/types.js";
import { createMuteCheck, mutingMute } from "../commands/mute-check.js";
import type { Config } from "../config/schema.js";
import type { ChatAdapter } from "../core/chat-adapter.js";
import type { Enrich } from "../enrich/enrich-event.js";
import type { FormatGuard } from "../jobs/format-version.js";
import type { DeliverDeps } from "../jobs/deliver.js";
import { inlineDispatch } from "../jobs/inline-delivery.js";
import { startWorkers, type WorkerSet } from "../jobs/workers.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { createNotifyFilter } from "../notify/notify-filter.js";
import { incidentThreader } from "../incidents/thread.js";
import { createIncidentTracker } from "../incidents/track.js";
import type { RedisClient } from "../redis/connect.js";
import type { Router } from "../routing/router.js";
import type { TemplateEngine } from "../templating/engine.js";
import { Escalations } from "../incidents/escalation.js";
import type { Incidents } from "./incidents.js";
import type { RuntimeQueues } from "./queues.js";
import type { Stores } from "./stores.js";

export interface RuntimeWorkerDeps {
  config: Readonly<Config>;
  logger: Logger;
  redis: RedisClient;
  prefix: string;
  /** BullMQ's connection (the queues'). */
  connection: RedisClient;
  formats: FormatGuard;
  /** Built at start-up, so that every process refuses a route it cannot compile. */
  router: Router;
  queues: RuntimeQueues;
  stores: Stores;
  templates: TemplateEngine;
  adapters: ReadonlyMap<string, ChatAdapter>;
  approvals: ApprovalService;
  sendDecision: DecisionSender;
  incidents?: Incidents;
  enrich?: Enrich;
  /** Who may decide, by name where known (approvals/approver-names.ts). */
  cardNames?: (a: Approval) => Promise<CardNames>;
  metrics: Metrics;
  now?: () => number;
}

/** The events, deliveries and approvals workers, each given what its jobs need. */
export function startRuntimeWorkers(d: RuntimeWorkerDeps): WorkerSet {
  const { config, logger, stores, approvals } = d;
  const tracker = createIncidentTracker(d.redis, d.prefix, config, stores.refs, stores.incidents);
  const escalations = new Escalations({
    config,
    queue: d.queues.escalations,
    deliveries: d.queues.deliveries,
    incidents: stores.incidents,
    mutedBy: async (e) => (await mutingMute(stores.mutes, stores.workspaces, e))?.id,
    logger,
    now: d.now,
  });
  const deliverDeps: DeliverDeps = {
    config,
    outbox: {
      limiter: stores.limiter,
      groups: stores.groups,
      recent: stores.recent,
      now: d.now,
      latestOf: (instanceId) => tracker.latest(instanceId),
    },
    adapters: d.adapters,
    templates: d.templates,
    refs: stores.refs,
    logger,
    enrich: d.enrich,
    metrics: d.metrics,
    incidents: stores.incidents,
    approvals: stores.approvals,
    onCardRendered: (id, destination, rendered) => approvals.cardRendered(id, destination, rendered),
    cardNames: d.cardNames,
    threadIncident: incidentThreader(
      { redis: d.redis, prefix: d.prefix, retentionMs: config.incidents.retention },
      stores.incidents,
      d.templates.messages,
      config.templates.timeZone,
    ),
    ...(d.incidents ? { incidentMessages: d.incidents.delivery } : {}),
  };
  return startWorkers({
    escalations,
    connection: d.connection,
    prefix: d.prefix,
    formats: d.formats,
    concurrency: config.worker.concurrency,
    logger,
    processDeps: {
      router: d.router,
      recent: stores.recent,
      // The events job attempts each notification itself; the delivery job is the fallback (inline-delivery.ts).
      // One events worker never holds a platform call: the next events (an extension point's) are taken at once.
      // More kept free would leave a burst's deliveries queued as second jobs (an eighth: 13 % of them in bench:e2e).
      dispatch: inlineDispatch({
        deliveries: d.queues.deliveries,
        deps: deliverDeps,
        backoffMs: config.worker.backoffMs,
        maxInFlight: config.worker.concurrency - 1,
      }),
      logger,
      approvals,
      notify: createNotifyFilter(d.redis, d.prefix, config.notifications),
      tracker,
      mutes: createMuteCheck(stores.mutes, stores.workspaces),
      config,
      groups: stores.groups,
      escalations,
    },
    deliverDeps,
    ...(d.incidents ? { incidents: d.incidents.operations } : {}),
    approvals: {
      store: stores.approvals,
      service: approvals,
      send: d.sendDecision,
      deliveries: d.queues.deliveries,
      logger,
      metrics: d.metrics,
      backoffMs: config.approvals.deliveryBackoff,
    },
  });
}
