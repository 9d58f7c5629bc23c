import { Cluster } from "ioredis";
import type { EventJobData } from "../jobs/queues.js";
import { VersionedQueue } from "../jobs/versioned-queue.js";
import type { RedisClient } from "../redis/connect.js";
import { TurnBatchedRedis } from "../redis/turn-batched.js";

/**
 * The events queue as the ingest route uses it: the request's add and scripts, on a connection of their own.
 * `batchTurn()` before a request sends its commands: they leave with every other request's of the same event-loop
 * turn in one socket write.
 */
export interface IngestQueue {
  queue: VersionedQueue<EventJobData>;
  /** The connection ingest's own scripts run on (src/ingest/filtered-at-ingest.ts): the queue's. */
  redis: RedisClient;
  batchTurn(): void;
  /** Runs `fn` at the end of this turn, before its commands are written (after batchTurn), else on setImmediate. */
  atTurnEnd(fn: () => void): void;
  close(): Promise<void>;
}

/**
 * On one Redis server (or Sentinel's master): a turn-batched connection (src/redis/turn-batched.ts) with BullMQ's
 * connection's options, not BullMQ's own. On BullMQ's own, ingest cost more CPU per request than on one of its own
 * in 5 of 6 interleaved runs, workers off, for a cause not found (docs/benchmarks.md, "Issue 19, seventh round");
 * with workers on, a shared socket would also queue the route's answers behind the workers' replies. A Cluster keeps
 * the shared auto-pipelined queue: its commands go to one socket per node, and there is no turn to end.
 */
export function ingestQueue(events: VersionedQueue<EventJobData>, connection: RedisClient): IngestQueue {
  if (connection instanceof Cluster)
    return {
      queue: events,
      redis: connection,
      batchTurn: () => undefined,
      atTurnEnd: (fn) => setImmediate(fn),
      close: async () => undefined,
    };
  const redis = new TurnBatchedRedis({ ...connection.options });
  redis.on("error", () => undefined); // the outage the main connection logs once
  const queue = new VersionedQueue<EventJobData>(events.name, {
    connection: redis,
    prefix: events.opts.prefix,
    defaultJobOptions: events.defaultJobOptions,
  });
  queue.on("error", () => undefined);
  return {
    queue,
    redis,
    batchTurn: () => redis.batchTurn(),
    atTurnEnd: (fn) => redis.atTurnEnd(fn),
    async close() {
      await queue.close();
      // Every request is answered by now (the app closes the server first); QUIT would wait for a Redis that is away.
      redis.disconnect();
    },
  };
}
