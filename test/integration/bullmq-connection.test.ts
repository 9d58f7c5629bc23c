/**
 * BullMQ's connection (src/runtime/queues.ts) is turn-batched (src/redis/turn-batched.ts): what the queues and
 * workers send in one turn of the event loop leaves in one socket write. The workers' blocking connections
 * (duplicates of it) are plain: BZPOPMIN is written at once, never held behind a turn or a pipeline.
 */
import type { Socket } from "node:net";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import type { EventJobData } from "../../src/jobs/queues.js";
import { TurnBatchedRedis } from "../../src/redis/turn-batched.js";
import { createQueues } from "../../src/runtime/queues.js";
import { freshEvent } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { countWrites } from "../helpers/socket-writes.js";
import { waitFor } from "../helpers/wait.js";
import type { DwEvent } from "../../src/core/event.js";

describe("BullMQ's connection", () => {
  const prefix = testPrefix();
  const config = parseConfig({ redis: { prefix } }, {});
  const q = createQueues(TEST_REDIS_URL, prefix, config.worker);
  const done: string[] = [];
  const worker = new Worker<EventJobData>(
    "events",
    async (job) => {
      done.push(String(job.id));
    },
    { connection: q.connection, prefix, concurrency: 8 },
  );
  afterAll(async () => {
    await worker.close();
    await q.close();
    await deleteKeys(prefix);
  });

  it("sends the adds of one turn in one write, and the worker takes every job", async () => {
    await q.queues.events.waitUntilReady();
    const writes = countWrites((q.connection as unknown as { stream: Socket }).stream);
    const events = Array.from({ length: 20 }, () => freshEvent("kill-instance") as unknown as DwEvent);
    try {
      await Promise.all(
        events.map((event, i) => q.queues.events.add("event", { event, receivedAt: 0 }, { jobId: `e.w${i}` })),
      );
    } finally {
      writes.restore();
    }
    // The worker's own commands share the socket: one more write at most.
    expect(writes.count).toBeLessThanOrEqual(2);
    await waitFor(() => done.length === 20, "the 20 jobs processed", 10_000);
  });

  it("gives the workers' BZPOPMIN a plain connection, neither turn-batched nor auto-pipelined", async () => {
    expect(q.connection).toBeInstanceOf(TurnBatchedRedis);
    const blocking = await worker.getBackend().blockingClient;
    expect(blocking).toBeInstanceOf(Redis);
    expect(blocking).not.toBeInstanceOf(TurnBatchedRedis);
    expect((blocking as unknown as Redis).options.enableAutoPipelining).toBe(false);
  });
});
