import { localDecisionSender } from "../approvals/local-decision-sender.js";
import { oursGate } from "../approvals/ours.js";
import { ApprovalService } from "../approvals/service.js";
import type { FactsSource } from "../approvals/snapshot/facts-step.js";
import { fetchFacts, unavailable } from "../approvals/snapshot/fetch.js";
import type { DecisionSender } from "../approvals/types.js";
import type { Config } from "../config/schema.js";
import { recordStandIn } from "../console/feed.js";
import { createDecisionSender } from "../dataworks/decisions.js";
import type { DataWorksApi } from "../dataworks/openapi-client.js";
import { LookupCache } from "../enrich/lookup-cache.js";
import type { OwnOperations } from "../incidents/own-operations.js";
import type { Logger } from "../logger.js";
import type { RedisClient } from "../redis/connect.js";
import type { UserNames } from "../state/user-names.js";
import type { TemplateEngine } from "../templating/engine.js";
import type { RuntimeQueues } from "./queues.js";
import type { Stores } from "./stores.js";

export interface ApprovalDeps {
  config: Readonly<Config>;
  logger: Logger;
  prefix: string;
  templates: TemplateEngine;
  stores: Stores;
  queues: RuntimeQueues;
  /** Chat users' names, one lookup shared with the rest of the runtime. */
  userNames: UserNames;
  /** Given by tests and embedders; else DataWorks when an AccessKey is configured, or the local stand-in. */
  decisionSender?: DecisionSender;
  now?: () => number;
  redis: RedisClient;
  /** DataWorks' OpenAPI when an AccessKey is configured: which checks are ours, decisions, snapshots. */
  dataworksApi?: DataWorksApi;
  /** The bot's own operations from chat, whose pre-events are answered without a card. */
  ownOperations?: OwnOperations;
}

/** The approval service, and where its decisions go: DataWorks, or the local stand-in (`standIn`) without an AccessKey. */
export function createApprovals(d: ApprovalDeps) {
  const { config, logger, stores } = d;
  const { userNames } = d;
  const service = new ApprovalService({
    config,
    store: stores.approvals,
    templates: d.templates,
    deliveries: d.queues.deliveries,
    approvals: d.queues.approvals,
    logger,
    now: d.now,
    userName: (platform, userId) => userNames.name(platform, userId),
    ...(d.ownOperations ? { ownOperations: d.ownOperations } : {}),
    ours: oursGate({
      config,
      api: d.dataworksApi,
      redis: d.redis,
      prefix: d.prefix,
      store: stores.approvals,
      logger,
      now: d.now,
    }),
    facts: factsSource(d),
  });
  const standIn = !d.decisionSender && !config.dataworks.accessKeyId;
  const send =
    d.decisionSender ??
    (standIn
      ? recordStandIn(localDecisionSender(logger), stores.consoleFeed)
      : createDecisionSender(config.dataworks, d.dataworksApi));
  if (!config.dataworks.accessKeyId && (config.approvals.routes.length || config.approvals.policies.length)) {
    logger.warn(
      "approvals are configured but dataworks.accessKeyId is not: decisions go to the LOCAL STAND-IN and are not sent to DataWorks",
    );
  }
  return { service, send, standIn };
}

/**
 * DataWorks' snapshot of an approval's event, through the enrichment cache (shared by every worker). Without an
 * AccessKey there is nothing to ask: the facts are unavailable at once, and the card says why.
 */
function factsSource(d: ApprovalDeps): FactsSource {
  const api = d.dataworksApi;
  if (!api) {
    const why = "no DataWorks AccessKey is configured (dataworks.accessKeyId)";
    return async () => unavailable("no-credentials", why, "dataworks.accessKeyId");
  }
  const cache = new LookupCache(d.stores.cache, d.prefix);
  const deps = {
    api,
    cache,
    defaultRegion: d.config.dataworks.regionId,
    failureTtlMs: d.config.enrich.ttl.failure,
  };
  return (e, budgetMs) => fetchFacts({ ...deps, budgetMs }, e);
}
