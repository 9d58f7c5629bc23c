import type { Config } from "../config/schema.js";
import type { ApprovalJobData } from "../approvals/service.js";
import {
  type DeliveryJobData,
  defaultJobOptions,
  type EscalationJobData,
  type EventJobData,
  QUEUES,
} from "../jobs/queues.js";
import type { IncidentOpJobData } from "../incidents/service.js";
import { VersionedQueue } from "../jobs/versioned-queue.js";
import { createRedis, type RedisClient } from "../redis/connect.js";

/** A type, not an interface: metrics read it as a record of queues. */
export type RuntimeQueues = {
  events: VersionedQueue<EventJobData>;
  deliveries: VersionedQueue<DeliveryJobData>;
  approvals: VersionedQueue<ApprovalJobData>;
  escalations: VersionedQueue<EscalationJobData>;
  incidents: VersionedQueue<IncidentOpJobData>;
};

/** The queues on BullMQ's own connection (the workers share it), and how to close them and it. */
export function createQueues(redisUrl: string, prefix: string, worker: Config["worker"]) {
  const jobOptions = defaultJobOptions({ attempts: worker.attempts, backoffMs: worker.backoffMs });
  // Turn-batched (src/redis/turn-batched.ts): the commands BullMQ and ingest send in one turn of the event loop
  // (adds, moveToActive/moveToFinished of every worker) go out in one socket write instead of one write each. The
  // workers' blocking connections are plain duplicates of it. On a Cluster it is auto-pipelined instead, BZPOPMIN
  // left out: a blocking command must not hold a pipeline that other commands on its connection wait behind (nor
  // wedge it if a reconnect leaves the command unsettled).
  const connection: RedisClient = createRedis(redisUrl, { autoPipeliningIgnoredCommands: ["bzpopmin"] });
  connection.on("error", () => undefined); // the outage the main connection logs once
  const opts = { connection, prefix, defaultJobOptions: jobOptions };
  const queues: RuntimeQueues = {
    events: new VersionedQueue<EventJobData>(QUEUES.events, opts),
    deliveries: new VersionedQueue<DeliveryJobData>(QUEUES.deliveries, opts),
    approvals: new VersionedQueue<ApprovalJobData>(QUEUES.approvals, opts),
    escalations: new VersionedQueue<EscalationJobData>(QUEUES.escalations, opts),
    incidents: new VersionedQueue<IncidentOpJobData>(QUEUES.incidents, opts),
  };
  // Queue errors are errors of their connection, logged once per outage through the main one.
  for (const q of Object.values(queues)) q.on("error", () => undefined);
  return {
    queues,
    connection,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      await connection.quit().catch(() => undefined);
    },
  };
}
