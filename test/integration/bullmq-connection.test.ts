/**
 * BullMQ's connection (src/runtime/queues.ts) is auto-pipelined: what the queues and workers send in one turn of
 * the event loop leaves in one socket write. The workers' blocking connections (duplicates of it) send BZPOPMIN
 * on its own, never inside a pipeline that other commands would wait behind.
 */
import { Worker } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import type { EventJobData } from "../../src/jobs/queues.js";
import { createQueues } from "../../src/runtime/queues.js";
import { freshEvent } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
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
    const stream = (q.connection as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
    const write = stream.write;
    let writes = 0;
    stream.write = (...a: unknown[]) => {
      writes++;
      return write.apply(stream, a);
    };
    const events = Array.from({ length: 20 }, () => freshEvent("kill-instance") as unknown as DwEvent);
    try {
      await Promise.all(
        events.map((event, i) => q.queues.events.add("event", { event, receivedAt: 0 }, { jobId: `e.w${i}` })),
      );
    } finally {
      stream.write = write;
    }
    expect(writes).toBeLessThanOrEqual(2);
    await waitFor(() => done.length === 20, "the 20 jobs processed", 10_000);
  });

  it("leaves BZPOPMIN out of the workers' pipelines", async () => {
    const blocking = (await worker.getBackend().blockingClient) as unknown as {
      options: { enableAutoPipelining?: boolean; autoPipeliningIgnoredCommands?: string[] };
    };
    expect(blocking.options.enableAutoPipelining).toBe(true);
    expect(blocking.options.autoPipeliningIgnoredCommands).toContain("bzpopmin");
  });
});
