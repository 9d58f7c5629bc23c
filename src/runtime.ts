/**
 * Composition root: config → Redis → adapters → templates → queues → HTTP app and/or workers.
 * `serve` runs both; `worker` runs only the workers. All state is in Redis, so any number of each
 * process on one Redis behave as one bot.
 */
import type { Queue } from "bullmq";
import type { FastifyInstance } from "fastify";
import type { RedisClient } from "./redis/connect.js";
import { type AdapterDeps, createAdapters } from "./adapters.js";
import { ActionRouter } from "./actions/router.js";
import { routeApprovalActions } from "./approvals/actions.js";
import { localDecisionSender } from "./approvals/local-decision-sender.js";
import { ApprovalService, type ApprovalJobData } from "./approvals/service.js";
import { ApprovalStore } from "./approvals/store.js";
import type { DecisionSender } from "./approvals/types.js";
import { createCommandHandler } from "./commands/handle-command.js";
import { createMuteCheck } from "./commands/mute-check.js";
import { MuteStore } from "./commands/mutes.js";
import { WorkspaceNames } from "./commands/workspace-names.js";
import type { Config } from "./config/schema.js";
import { ConsoleFeed, consoleAdapterDeps, recordStandIn } from "./console/feed.js";
import { consoleRoutes } from "./console/routes.js";
import type { ChatAdapter, OnCommand } from "./core/chat-adapter.js";
import type { DwEvent } from "./core/event.js";
import { makeWellFormed } from "./core/text.js";
import { createDecisionSender } from "./dataworks/decisions.js";
import { clientFromConfig } from "./dataworks/openapi-client.js";
import { createCachedEnricher, createEnricher, type Enrich } from "./enrich/enrich-event.js";
import { type CacheStore, redisStore } from "./enrich/lookup-cache.js";
import { buildApp } from "./http/app.js";
import { createSignatureVerifier } from "./http/eventbridge-signature.js";
import { adapterRoutes } from "./http/routes/adapter-routes.js";
import { approvalPageRoute } from "./http/routes/approval-page.js";
import { listenOn } from "./http/listen.js";
import type { HealthDeps } from "./http/routes/health.js";
import { buildOpsApp, metricsRoute } from "./http/routes/metrics.js";
import { ingestEvents } from "./ingest/ingest-events.js";
import { type DeliveryJobData, defaultJobOptions, type EventJobData, QUEUES } from "./jobs/queues.js";
import { startWorkers, type WorkerSet } from "./jobs/workers.js";
import { type Formats, startFormatGuard } from "./jobs/format-version.js";
import { VersionedQueue } from "./jobs/versioned-queue.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createNotifyFilter } from "./notify/notify-filter.js";
import { createRecoveryStep } from "./notify/recovery-step.js";
import { checkRedis, createRedis, logOutages } from "./redis/connect.js";
import { createRedisProbe } from "./redis/redis-probe.js";
import { keyPrefix, parseRedisUrl } from "./redis/redis-url.js";
import { Router } from "./routing/router.js";
import { MessageRefs } from "./state/message-refs.js";
import { RecentEvents } from "./state/recent-events.js";
import { firstSeenIn } from "./state/replay-guard.js";
import { UserNames } from "./state/user-names.js";
import { DigestGroups } from "./outbox/digest-groups.js";
import { RateLimiter } from "./outbox/rate-limiter.js";
import { createTemplateEngine } from "./templating/create-engine.js";
import type { TemplateEngine } from "./templating/engine.js";

export interface RuntimeOptions {
  config: Readonly<Config>;
  logger: Logger;
  redisUrl: string;
  http: boolean;
  workers: boolean;
  adapterDeps?: AdapterDeps;
  /** Replace adapters (tests pass adapters built against fakes the same way production builds them). */
  adapters?: ReadonlyMap<string, ChatAdapter>;
  enrich?: (event: DwEvent) => Promise<Record<string, unknown>>;
  /** Returns decisions to DataWorks; the local stand-in (logs, never sends) when no credentials are configured. */
  decisionSender?: DecisionSender;
  now?: () => number;
  /** The job and state formats this process handles; only tests set them (to play a newer release). */
  formats?: Formats;
  /** Prometheus metrics on their own registry (one is created when absent). */
  metrics?: Metrics;
  /**
   * Listen here before any worker starts, so a process that cannot serve HTTP fails at start-up (everything it
   * opened closed again) instead of running headless: the HTTP app, or for a process without it
   * (`worker --metrics-port`) an app with only /healthz, /readyz and /metrics.
   */
  listen?: { host: string; port: number };
}

export interface Runtime {
  /** The HTTP app (http: true), or the health-and-metrics app of a process without it that was given `listen`. */
  app?: FastifyInstance;
  redis: RedisClient;
  queues: { events: Queue<EventJobData>; deliveries: Queue<DeliveryJobData>; approvals: Queue<ApprovalJobData> };
  approvals: ApprovalService;
  approvalStore: ApprovalStore;
  workers?: WorkerSet;
  templates: TemplateEngine;
  recent: RecentEvents;
  refs: MessageRefs;
  mutes: MuteStore;
  /** Commands typed in chat, from any platform (adapters call this through listen()). */
  onCommand: OnCommand;
  metrics: Metrics;
  /** Readiness (/readyz): RedisClient answers within 500 ms and, when this process runs them, the workers run. */
  ready: HealthDeps["ready"];
  close(): Promise<void>;
}

export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = o;
  // Hash-tagged on a cluster ({dwc}): every key of the bot, BullMQ's too, in one slot.
  const prefix = keyPrefix(config.redis.prefix, parseRedisUrl(o.redisUrl));
  const templates = createTemplateEngine(config);
  const router = new Router(config);
  const redis = createRedis(o.redisUrl);
  logOutages(redis, logger);
  const { version, warnings } = await checkRedis(redis);
  for (const w of warnings) logger.warn(w);
  logger.info({ redisVersion: version }, "connected to Redis");
  const formats = await startFormatGuard({ redis, prefix, logger, formats: o.formats });

  const jobOpts = defaultJobOptions({ attempts: config.worker.attempts, backoffMs: config.worker.backoffMs });
  const bull = createRedis(o.redisUrl, { enableAutoPipelining: false });
  bull.on("error", () => undefined); // the outage `redis` logs once
  const probe = createRedisProbe(o.redisUrl, 500, `${prefix}:probe`);
  const queues = {
    events: new VersionedQueue<EventJobData>(QUEUES.events, { connection: bull, prefix, defaultJobOptions: jobOpts }),
    deliveries: new VersionedQueue<DeliveryJobData>(QUEUES.deliveries, {
      connection: bull,
      prefix,
      defaultJobOptions: jobOpts,
    }),
    approvals: new VersionedQueue<ApprovalJobData>(QUEUES.approvals, {
      connection: bull,
      prefix,
      defaultJobOptions: jobOpts,
    }),
  };
  // Queue errors are errors of their connection (`bull`), logged once per outage through `redis`.
  for (const q of Object.values(queues)) q.on("error", () => undefined);
  const recent = new RecentEvents(redis, prefix, config.ingest.recentEvents);
  const refs = new MessageRefs(redis, prefix);
  const limiter = new RateLimiter(redis, prefix);
  const groups = new DigestGroups(redis, prefix);
  const metrics = o.metrics ?? createMetrics();
  const consoleFeed = new ConsoleFeed(redis, prefix);
  const adapters =
    o.adapters ??
    createAdapters(config, {
      // Failures after the platform was answered (command replies, stream hiccups) are logged, never thrown.
      onError: (err, what) => logger.error({ err }, what),
      firstSeen: firstSeenIn(redis, prefix),
      ...consoleAdapterDeps(o.adapterDeps, consoleFeed),
    });
  const enrich = o.enrich ?? enricherFor(config, redisStore(redis), logger, prefix);
  const notify = createNotifyFilter(redis, prefix, config.notifications);
  const recovery = createRecoveryStep(redis, prefix, config, refs);
  const approvalStore = new ApprovalStore(redis, prefix);
  const userNames = new UserNames({
    store: redisStore(redis),
    prefix,
    adapters,
    onError: (err, what) => logger.warn({ err }, what),
  });
  const approvals = new ApprovalService({
    config,
    store: approvalStore,
    templates,
    deliveries: queues.deliveries,
    approvals: queues.approvals,
    logger,
    now: o.now,
    userName: (platform, userId) => userNames.name(platform, userId),
  });
  const decisionSender =
    o.decisionSender ??
    (config.dataworks.accessKeyId
      ? createDecisionSender(config.dataworks)
      : recordStandIn(localDecisionSender(logger), consoleFeed));
  if (!config.dataworks.accessKeyId && (config.approvals.routes.length || config.approvals.policies.length)) {
    logger.warn(
      "approvals are configured but dataworks.accessKeyId is not: decisions go to the LOCAL STAND-IN and are not sent to DataWorks",
    );
  }
  const mutes = new MuteStore(redis, prefix, o.now);
  const workspaces = new WorkspaceNames(redis, prefix, config.dataworks.regionId);
  const answerCommand = createCommandHandler({
    config,
    templates,
    recent,
    approvals,
    approvalStore,
    mutes,
    workspaces,
    enrich,
    cachedNames: cachedEnricherFor(config, redisStore(redis), prefix),
    logger,
    now: o.now,
  });
  // Text typed in chat (a block reason, a command, a display name) is made well formed where it enters, as events
  // are at ingest: it ends up in cards and answers that every platform must be able to encode. Answers are too on
  // their way out: they may quote events or names stored before this was done (a lone surrogate in Redis).
  const onCommand: OnCommand = async (command) => makeWellFormed(await answerCommand(makeWellFormed(command)));
  const onAction = routeApprovalActions(new ActionRouter(logger), approvals, templates).handle;
  const listeners: Array<{ close(): Promise<void> }> = [];
  for (const adapter of adapters.values()) {
    if (!adapter.listen) continue;
    listeners.push(await adapter.listen({ onAction, onCommand }));
  }
  metrics.observe({ queues, pendingApprovals: () => approvalStore.pendingCount(), probe });
  metrics.observeFormat(() => formats.check());
  let workers: WorkerSet | undefined;
  const ready: HealthDeps["ready"] = async () => {
    const checks: Record<string, boolean | string> = { redis: await probe.check() };
    if (o.workers) checks.workers = workers?.running() ?? false;
    // Behind the jobs or the state it meets (an older release during a rolling upgrade): hold the rollout.
    checks.format = formats.check();
    return { ok: Object.values(checks).every((v) => v === true), checks };
  };
  const startWorkersNow = () =>
    startWorkers({
      connection: bull,
      prefix,
      formats,
      concurrency: config.worker.concurrency,
      logger,
      processDeps: {
        router,
        recent,
        deliveries: queues.deliveries,
        logger,
        approvals,
        notify,
        recovery,
        mutes: createMuteCheck(mutes, workspaces),
        config,
        groups,
      },
      deliverDeps: {
        config,
        outbox: { limiter, groups, recent, now: o.now },
        adapters,
        templates,
        refs,
        logger,
        enrich,
        metrics,
        approvals: approvalStore,
        onCardRendered: (id, destination, rendered) => approvals.cardRendered(id, destination, rendered),
      },
      approvals: {
        store: approvalStore,
        service: approvals,
        send: decisionSender,
        deliveries: queues.deliveries,
        logger,
        metrics,
        backoffMs: config.approvals.deliveryBackoff,
      },
    });

  const sig = config.ingest.auth.signature;
  const app = o.http
    ? await buildApp({
        config,
        logger,
        verifySignature: sig.enabled ? createSignatureVerifier(sig) : undefined,
        metrics,
        ingest: async (events) => {
          // Approvals exist in Redis before EventBridge gets its 2xx.
          await approvals.register(events);
          return ingestEvents(queues.events, events, config.ingest.dedupeWindow);
        },
        plugins: [
          (app) =>
            adapterRoutes(
              app,
              [...adapters.values()].flatMap((a) => a.routes?.() ?? []),
            ),
          (app) => metricsRoute(app, metrics),
          (app) => approvalPageRoute(app, { config, store: approvalStore, templates }),
          ...(adapters.has("console")
            ? [
                (app: FastifyInstance) =>
                  consoleRoutes(app, {
                    config,
                    feed: consoleFeed,
                    store: approvalStore,
                    onAction,
                    onCommand,
                    templates,
                    standIn: !o.decisionSender && !config.dataworks.accessKeyId,
                    logger,
                  }),
              ]
            : []),
        ],
        ready,
      })
    : o.listen
      ? await buildOpsApp({ metrics, ready })
      : undefined;

  let closed = false;
  const runtime: Runtime = {
    app,
    redis,
    queues,
    workers,
    approvals,
    approvalStore,
    templates,
    recent,
    refs,
    mutes,
    onCommand,
    metrics,
    ready,
    async close() {
      if (closed) return;
      closed = true;
      // Stop taking requests first, then let in-flight jobs finish, then drop connections.
      await app?.close();
      await workers?.close();
      for (const l of listeners) await l.close();
      await Promise.all([queues.events.close(), queues.deliveries.close(), queues.approvals.close()]);
      for (const a of adapters.values()) await a.close?.();
      formats.close();
      await Promise.all([redis.quit().catch(() => undefined), bull.quit().catch(() => undefined), probe.close()]);
    },
  };
  try {
    if (app && o.listen) await listenOn(app, o.listen);
    if (o.workers) runtime.workers = workers = startWorkersNow();
  } catch (err) {
    await runtime.close();
    throw err;
  }
  return runtime;
}

/** Enrichment through the DataWorks read APIs, when it is enabled and an AccessKey is configured. */
export function enricherFor(
  config: Readonly<Config>,
  store: CacheStore,
  logger: Logger,
  prefix = config.redis.prefix,
): Enrich | undefined {
  const deps = enricherDeps(config, store, prefix);
  return deps && createEnricher({ ...deps, logger: logger.child({ component: "enrich" }) });
}

/** The names enrichment has already cached (no DataWorks calls), for command answers that list many events. */
export function cachedEnricherFor(
  config: Readonly<Config>,
  store: CacheStore,
  prefix = config.redis.prefix,
): Enrich | undefined {
  const deps = enricherDeps(config, store, prefix);
  return deps && createCachedEnricher(deps);
}

function enricherDeps(config: Readonly<Config>, store: CacheStore, prefix: string) {
  const dw = config.dataworks;
  if (!config.enrich.enabled || !dw.accessKeyId || !dw.accessKeySecret) return undefined;
  return {
    api: clientFromConfig(dw),
    store,
    prefix,
    config: config.enrich,
    defaultRegion: dw.regionId,
  };
}
