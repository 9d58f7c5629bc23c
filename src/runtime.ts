/**
 * Composition root: config → Redis → adapters → templates → queues → HTTP app and/or workers.
 * `serve` runs both; `worker` runs only the workers. All state is in Redis, so any number of each
 * process on one Redis behave as one bot.
 */
import type { Queue } from "bullmq";
import type { FastifyInstance } from "fastify";
import type { RedisClient } from "./redis/connect.js";
import { type AdapterDeps, createAdapters } from "./adapters.js";
import { cardNamesFor } from "./approvals/approver-names.js";
import type { ApprovalService, ApprovalJobData } from "./approvals/service.js";
import type { ApprovalStore } from "./approvals/store.js";
import type { DecisionSender } from "./approvals/types.js";
import type { MuteStore } from "./commands/mutes.js";
import type { Config } from "./config/schema.js";
import { consoleAdapterDeps } from "./console/feed.js";
import type { ChatAdapter, OnCommand } from "./core/chat-adapter.js";
import type { DwEvent } from "./core/event.js";
import type { MemberNamesDeps } from "./dataworks/member-names.js";
import { clientFromConfig, type DataWorksApi } from "./dataworks/openapi-client.js";
import { createCachedEnricher, createEnricher, type Enrich } from "./enrich/enrich-event.js";
import { type CacheStore, LookupCache } from "./enrich/lookup-cache.js";
import { type HealthDeps, readiness } from "./http/routes/health.js";
import type { DeliveryJobData, EscalationJobData, EventJobData } from "./jobs/queues.js";
import type { WorkerSet } from "./jobs/workers.js";
import { type Formats, startFormatGuard } from "./jobs/format-version.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { checkRedis, createRedis, logOutages } from "./redis/connect.js";
import { createRedisProbe } from "./redis/redis-probe.js";
import { keyPrefix, parseRedisUrl } from "./redis/redis-url.js";
import { Router } from "./routing/router.js";
import type { MessageRefs } from "./state/message-refs.js";
import type { RecentEvents } from "./state/recent-events.js";
import { createApprovals } from "./runtime/approvals.js";
import { startHttp } from "./runtime/http.js";
import { createIncidents } from "./runtime/incidents.js";
import { createInteractions } from "./runtime/interactions.js";
import { createQueues } from "./runtime/queues.js";
import { createStores } from "./runtime/stores.js";
import { startRuntimeWorkers } from "./runtime/workers.js";
import { firstSeenIn } from "./state/replay-guard.js";
import { UserNames } from "./state/user-names.js";
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
  queues: {
    events: Queue<EventJobData>;
    deliveries: Queue<DeliveryJobData>;
    approvals: Queue<ApprovalJobData>;
    escalations: Queue<EscalationJobData>;
  };
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
  /** Readiness (/readyz): Redis answers within 500 ms and, when this process runs them, the workers run. */
  ready: HealthDeps["ready"];
  close(): Promise<void>;
}

export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const { config, logger, now } = o;
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
  const jobQueues = createQueues(o.redisUrl, prefix, config.worker);
  const { queues } = jobQueues;
  const probe = createRedisProbe(o.redisUrl, 500, `${prefix}:probe`);
  const stores = createStores(redis, prefix, config, now);
  const metrics = o.metrics ?? createMetrics();
  const adapters =
    o.adapters ??
    createAdapters(config, {
      // Failures after the platform was answered (command replies, stream hiccups) are logged, never thrown.
      onError: (err, what) => logger.error({ err }, what),
      firstSeen: firstSeenIn(redis, prefix),
      ...consoleAdapterDeps(o.adapterDeps, stores.consoleFeed),
    });
  // One DataWorks client for all: enrichment, the cached names (which only peek at what it stored), decisions, snapshots.
  const dataworksApi = dataworksClient(config);
  const enrichDeps = enricherDeps(config, stores.cache, prefix, dataworksApi);
  const enrich = o.enrich ?? (enrichDeps && createEnricher({ ...enrichDeps, logger: enrichLogger(logger) }));
  const base = { config, logger, templates, stores, queues, adapters, now };
  // One lookup of chat users' names (cached in Redis, one request per user in flight) for clicks of every kind.
  const userNames = new UserNames({
    store: stores.cache,
    prefix,
    adapters,
    onError: (err, what) => logger.warn({ err }, what),
  });
  const incidents = createIncidents({ ...base, prefix, redis, router, dataworksApi, userNames });
  const approvals = createApprovals({
    ...base,
    prefix,
    redis,
    userNames,
    dataworksApi,
    decisionSender: o.decisionSender,
    ownOperations: incidents.own,
  });
  const cachedNames = enrichDeps && createCachedEnricher(enrichDeps);
  // Names on cards, in `pending` and on the status page come from one lookup (cached), so they agree.
  const cardNames = cardNamesFor(
    {
      config,
      members: memberNamesDeps(config, enrichDeps, stores.cache, prefix),
      chat: userNames.name.bind(userNames),
    },
    (a) => approvals.service.routeOf(a),
  );
  const interactions = await createInteractions({
    ...base,
    approvals: approvals.service,
    incidents: incidents.service,
    enrich,
    cachedNames,
    cardNames,
  });
  metrics.observe({ queues, pendingApprovals: () => stores.approvals.pendingCount(), probe });
  metrics.observeFormat(() => formats.check());
  let workers: WorkerSet | undefined;
  const ready = readiness({ redis: probe, format: formats, workers: o.workers ? () => workers : undefined });
  let app: FastifyInstance | undefined;

  let closed = false;
  const runtime: Runtime = {
    redis,
    queues,
    approvals: approvals.service,
    approvalStore: stores.approvals,
    templates,
    recent: stores.recent,
    refs: stores.refs,
    mutes: stores.mutes,
    onCommand: interactions.onCommand,
    metrics,
    ready,
    async close() {
      if (closed) return;
      closed = true;
      // Stop taking requests first, then let in-flight jobs finish, then drop connections.
      await app?.close();
      await workers?.close();
      await interactions.close();
      await jobQueues.close();
      for (const a of adapters.values()) await a.close?.();
      formats.close();
      await Promise.all([redis.quit().catch(() => undefined), probe.close()]);
    },
  };
  try {
    // Listening before any worker starts: a process that cannot serve HTTP fails at start-up, everything closed.
    const http = {
      ...base,
      metrics,
      ready,
      interactions,
      approvals: approvals.service,
      standIn: approvals.standIn,
      cardNames,
    };
    runtime.app = app = await startHttp({
      ...http,
      redis,
      prefix,
      queueConnection: jobQueues.connection,
      full: o.http,
      listen: o.listen,
    });
    if (o.workers) {
      const w = { ...base, redis, prefix, connection: jobQueues.connection, formats, router, enrich, metrics };
      runtime.workers = workers = startRuntimeWorkers({
        ...w,
        approvals: approvals.service,
        sendDecision: approvals.send,
        cardNames,
        incidents,
      });
    }
  } catch (err) {
    await runtime.close();
    throw err;
  }
  return runtime;
}

/** The workspace member names (the enrichment's cache and DataWorks client), when enrichment runs at all. */
function memberNamesDeps(
  config: Readonly<Config>,
  enrich: ReturnType<typeof enricherDeps>,
  store: CacheStore,
  prefix: string,
): MemberNamesDeps | undefined {
  if (!enrich) return undefined;
  return {
    api: enrich.api,
    cache: new LookupCache(store, prefix),
    ttlMs: config.enrich.ttl.names,
    failureTtlMs: config.enrich.ttl.failure,
    configured: config.enrich.userNames,
  };
}

/** Enrichment through the DataWorks read APIs, when it is enabled and an AccessKey is configured. */
export function enricherFor(
  config: Readonly<Config>,
  store: CacheStore,
  logger: Logger,
  prefix = config.redis.prefix,
): Enrich | undefined {
  const deps = enricherDeps(config, store, prefix);
  return deps && createEnricher({ ...deps, logger: enrichLogger(logger) });
}

const enrichLogger = (logger: Logger) => logger.child({ component: "enrich" });

/** The DataWorks OpenAPI client, when an AccessKey is configured. */
function dataworksClient(config: Readonly<Config>): DataWorksApi | undefined {
  const dw = config.dataworks;
  return dw.accessKeyId && dw.accessKeySecret ? clientFromConfig(dw) : undefined;
}

function enricherDeps(config: Readonly<Config>, store: CacheStore, prefix: string, api = dataworksClient(config)) {
  const dw = config.dataworks;
  if (!config.enrich.enabled || !api) return undefined;
  return {
    api,
    store,
    prefix,
    config: config.enrich,
    defaultRegion: dw.regionId,
  };
}
