import type { CardNames } from "../approvals/approver-names.js";
import type { Approval } from "../approvals/types.js";
import type { FastifyInstance } from "fastify";
import { answerAtIngest } from "../approvals/function-compute.js";
import type { ApprovalService } from "../approvals/service.js";
import type { Config } from "../config/schema.js";
import { consoleRoutes } from "../console/routes.js";
import type { ChatAdapter } from "../core/chat-adapter.js";
import { buildApp } from "../http/app.js";
import { createSignatureVerifier } from "../http/eventbridge-signature.js";
import { listenOn } from "../http/listen.js";
import { adapterRoutes } from "../http/routes/adapter-routes.js";
import { approvalPageRoute } from "../http/routes/approval-page.js";
import type { HealthDeps } from "../http/routes/health.js";
import { buildOpsApp, metricsRoute } from "../http/routes/metrics.js";
import { FilteredAtIngest } from "../ingest/filtered-at-ingest.js";
import { ingestEvents } from "../ingest/ingest-events.js";
import { ingestQueue } from "../ingest/ingest-queue.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { RedisClient } from "../redis/connect.js";
import type { TemplateEngine } from "../templating/engine.js";
import type { Interactions } from "./interactions.js";
import type { RuntimeQueues } from "./queues.js";
import type { Stores } from "./stores.js";

export interface HttpDeps {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  ready: HealthDeps["ready"];
  templates: TemplateEngine;
  stores: Stores;
  /** Our own keys' connection and prefix. */
  redis: RedisClient;
  prefix: string;
  /**
   * BullMQ's connection, the events queue's: ingest adds its jobs and runs its scripts (a failure's mark, a filtered
   * event) on a duplicate of it (src/ingest/ingest-queue.ts), so that a request's scripts and its add go out in one
   * write.
   */
  queueConnection: RedisClient;
  queues: RuntimeQueues;
  approvals: ApprovalService;
  adapters: ReadonlyMap<string, ChatAdapter>;
  interactions: Interactions;
  /** Decisions go to the local stand-in (the console says so). */
  standIn: boolean;
  /** Who may decide, by the names the cards use (approvals/approver-names.ts cardNamesFor); never throws. */
  cardNames?: (a: Approval) => Promise<CardNames>;
  /** Serve the whole app (ingest, callbacks, console), or only health and metrics (`worker --metrics-port`). */
  full: boolean;
  listen?: { host: string; port: number };
  now?: () => number;
}

/**
 * The HTTP app, listening when `listen` is given (closed again if it cannot): the whole app, or for a process
 * without it that was given `listen` an app with only /healthz, /readyz and /metrics; else none.
 */
export async function startHttp(d: HttpDeps): Promise<FastifyInstance | undefined> {
  const app = d.full ? await buildFullApp(d) : d.listen ? await buildOpsApp(d) : undefined;
  if (app && d.listen)
    await listenOn(app, d.listen).catch(async (err) => {
      await app.close();
      throw err;
    });
  return app;
}

async function buildFullApp(d: HttpDeps): Promise<FastifyInstance> {
  const { config, stores, approvals, interactions } = d;
  const sig = config.ingest.auth.signature;
  const eventsQueue = ingestQueue(d.queues.events, d.queueConnection);
  // Events the notify filter drops for certain are stored and counted without a job (src/ingest/filtered-at-ingest.ts).
  const atIngest = new FilteredAtIngest({
    redis: eventsQueue.redis,
    prefix: d.prefix,
    notifications: config.notifications,
    recent: stores.recent,
    dedupePrefix: eventsQueue.queue.toKey("de"),
    logger: d.logger,
    atTurnEnd: eventsQueue.atTurnEnd,
  });
  const app = await buildApp({
    config,
    logger: d.logger,
    verifySignature: sig.enabled ? createSignatureVerifier(sig) : undefined,
    metrics: d.metrics,
    ingest: async (received) => {
      // Function Compute envelopes are answered in the response, never through a decision API.
      const { events, answers } = answerAtIngest(config, received, (d.now ?? Date.now)());
      for (const a of answers) d.logger.info({ eventId: a.messageId, answer: a }, "Function Compute envelope answered");
      // Approvals exist in Redis before EventBridge gets its 2xx.
      await approvals.register(events);
      eventsQueue.batchTurn();
      const result = await ingestEvents(eventsQueue.queue, events, config.ingest.dedupeWindow, Date.now(), atIngest);
      return answers.length ? { ...result, answers } : result;
    },
    plugins: [
      (app) =>
        adapterRoutes(
          app,
          [...d.adapters.values()].flatMap((a) => a.routes?.() ?? []),
        ),
      (app) => metricsRoute(app, d.metrics),
      (app) =>
        approvalPageRoute(app, {
          config,
          store: stores.approvals,
          templates: d.templates,
          fullDiff: stores.fullDiff,
          ...(d.cardNames ? { cardNames: d.cardNames } : {}),
        }),
      ...(d.adapters.has("console")
        ? [
            (app: FastifyInstance) =>
              consoleRoutes(app, {
                config,
                feed: stores.consoleFeed,
                store: stores.approvals,
                onAction: interactions.onAction,
                onCommand: interactions.onCommand,
                templates: d.templates,
                standIn: d.standIn,
                logger: d.logger,
              }),
          ]
        : []),
    ],
    ready: d.ready,
  }).catch(async (err: unknown) => {
    await eventsQueue.close();
    throw err;
  });
  // After the last request is answered (Fastify closes the server first).
  app.addHook("onClose", () => eventsQueue.close());
  return app;
}
