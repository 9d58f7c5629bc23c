import { Redis } from "ioredis";
import type { EventJobData } from "../jobs/queues.js";
import { VersionedQueue } from "../jobs/versioned-queue.js";
import type { RedisClient } from "../redis/connect.js";

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
 * On one Redis server (or Sentinel's master): a duplicate of BullMQ's connection without ioredis's auto-pipelining,
 * its socket corked from a request's first command to the end of the turn (setImmediate, the moment the
 * auto-pipeline flushed). The same one write per turn as the auto-pipeline gave, without its cost: ioredis builds
 * an auto-pipeline as a Pipeline, which copies the 64 scripts BullMQ defines on the connection onto itself, and
 * wraps every command in three more promises; while one pipeline is out the next fills, so requests wait longer and
 * their objects survive scavenges (ioredis held half of what survived one at ingest). A Cluster keeps the shared
 * auto-pipelined queue: its commands go to one socket per node.
 */
export function ingestQueue(events: VersionedQueue<EventJobData>, connection: RedisClient): IngestQueue {
  if (!(connection instanceof Redis))
    return {
      queue: events,
      redis: connection,
      batchTurn: () => undefined,
      atTurnEnd: (fn) => setImmediate(fn),
      close: async () => undefined,
    };
  const redis = connection.duplicate({ enableAutoPipelining: false });
  redis.on("error", () => undefined); // the outage the main connection logs once
  const queue = new VersionedQueue<EventJobData>(events.name, {
    connection: redis,
    prefix: events.opts.prefix,
    defaultJobOptions: events.defaultJobOptions,
  });
  queue.on("error", () => undefined);
  let corked: Redis["stream"] | undefined;
  let atEnd: (() => void)[] = [];
  const uncork = () => {
    const stream = corked;
    corked = undefined;
    const last = atEnd;
    atEnd = [];
    for (const fn of last) fn();
    stream?.uncork();
  };
  return {
    queue,
    redis,
    batchTurn() {
      // Not connected: ioredis keeps the commands in its offline queue and writes them on connecting.
      if (corked || redis.status !== "ready") return;
      corked = redis.stream;
      corked.cork();
      setImmediate(uncork);
    },
    atTurnEnd(fn) {
      if (corked) atEnd.push(fn);
      else setImmediate(fn);
    },
    async close() {
      await queue.close();
      // Every request is answered by now (the app closes the server first); QUIT would wait for a Redis that is away.
      redis.disconnect();
    },
  };
}
