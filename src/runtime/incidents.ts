import type { Config } from "../config/schema.js";
import type { DataWorksApi } from "../dataworks/openapi-client.js";
import { IncidentDelivery } from "../incidents/delivery.js";
import { removePendingEscalations } from "../incidents/escalation.js";
import type { OperationDeps } from "../incidents/operation-job.js";
import { OwnOperations } from "../incidents/own-operations.js";
import { IncidentService } from "../incidents/service.js";
import type { Logger } from "../logger.js";
import type { RedisClient } from "../redis/connect.js";
import type { Router } from "../routing/router.js";
import type { UserNames } from "../state/user-names.js";
import type { TemplateEngine } from "../templating/engine.js";
import type { RuntimeQueues } from "./queues.js";
import type { Stores } from "./stores.js";

export interface IncidentDeps {
  config: Readonly<Config>;
  logger: Logger;
  prefix: string;
  redis: RedisClient;
  router: Router;
  templates: TemplateEngine;
  stores: Stores;
  queues: RuntimeQueues;
  /** Chat users' names, one lookup shared with the rest of the runtime. */
  userNames: UserNames;
  /** DataWorks' OpenAPI when an AccessKey is configured: the operations need it. */
  dataworksApi?: DataWorksApi;
  now?: () => number;
}

/** Incidents: the service clicks and commands call, the delivery step, the operation job's deps, our own operations. */
export function createIncidents(d: IncidentDeps) {
  const { config, logger, stores } = d;
  const own = new OwnOperations(d.redis, d.prefix, config.incidents.ownOperationWindow);
  const { userNames } = d;
  const service = new IncidentService({
    config,
    router: d.router,
    store: stores.incidents,
    templates: d.templates,
    operations: d.queues.incidents,
    deliveries: d.queues.deliveries,
    logger,
    now: d.now,
    userName: (platform, userId) => userNames.name(platform, userId),
    removeEscalations: (eventId) => removePendingEscalations(d.queues.escalations, config, eventId),
  });
  const operations: OperationDeps = {
    config,
    store: stores.incidents,
    own,
    api: d.dataworksApi,
    updates: (id) => service.queueUpdates(id),
    logger: logger.child({ component: "incidents" }),
    now: d.now,
  };
  const delivery = new IncidentDelivery(config, stores.incidents, d.now);
  return { service, own, operations, delivery };
}
export type Incidents = ReturnType<typeof createIncidents>;
