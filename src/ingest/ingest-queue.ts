import type { EventJobData } from "../jobs/queues.js";
import type { VersionedQueue } from "../jobs/versioned-queue.js";
import type { RedisClient } from "../redis/connect.js";
import { TurnBatchedRedis } from "../redis/turn-batched.js";

/**
 * The events queue as the ingest route uses it. `batchTurn()` before a request sends its commands: they leave with
 * every other command of the same event-loop turn in one socket write.
 */
export interface IngestQueue {
  queue: VersionedQueue<EventJobData>;
  /** The connection ingest's own scripts run on (src/ingest/filtered-at-ingest.ts): the queue's. */
  redis: RedisClient;
  batchTurn(): void;
  /** Runs `fn` at the end of this turn, before its commands are written (after batchTurn), else on setImmediate. */
  atTurnEnd(fn: () => void): void;
}

/**
 * On one Redis server (or Sentinel's master) BullMQ's connection is turn-batched (src/redis/turn-batched.ts): the
 * route's add and scripts share its one write per turn with the workers' commands. A Cluster's auto-pipeline sends
 * a turn's commands to each node in one write; there is no turn to end, so a turn-end task runs on setImmediate.
 */
export function ingestQueue(events: VersionedQueue<EventJobData>, connection: RedisClient): IngestQueue {
  if (connection instanceof TurnBatchedRedis)
    return {
      queue: events,
      redis: connection,
      batchTurn: () => connection.batchTurn(),
      atTurnEnd: (fn) => connection.atTurnEnd(fn),
    };
  return { queue: events, redis: connection, batchTurn: () => undefined, atTurnEnd: (fn) => setImmediate(fn) };
}
