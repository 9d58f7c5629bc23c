/**
 * The events queue as ingest uses it (src/ingest/ingest-queue.ts), on the real Redis: a turn-batched connection of
 * its own (src/redis/turn-batched.ts), whose socket holds the commands of one event-loop turn until the turn ends
 * (one write: Node's cork), answered, as BullMQ's usual jobs on the shared queue's keys.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { FilteredAtIngest, failingKey, filterCandidate } from "../../src/ingest/filtered-at-ingest.js";
import { ingestQueue } from "../../src/ingest/ingest-queue.js";
import { type EventJobData, QUEUES } from "../../src/jobs/queues.js";
import { VersionedQueue } from "../../src/jobs/versioned-queue.js";
import { createLogger } from "../../src/logger.js";
import { createRedis } from "../../src/redis/connect.js";
import { TurnBatchedRedis } from "../../src/redis/turn-batched.js";
import { instanceEvent } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { monitorRedis } from "../helpers/redis-monitor.js";
import { countWrites } from "../helpers/socket-writes.js";
import { waitFor } from "../helpers/wait.js";

const event = (id: string) => ({
  id,
  source: "acs.dataworks",
  type: "dataworks:InstanceStatusChanges:InstanceStatusChanges",
  eventCode: "instance-status-changes",
  envelope: "cloudevent" as const,
  data: { status: 5 },
  attributes: {},
});

describe("ingestQueue: the events queue on a connection of ingest's own", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const setUp = async () => {
    const prefix = testPrefix();
    cleanup.push(() => deleteKeys(prefix));
    const connection = createRedis(TEST_REDIS_URL);
    cleanup.push(() => connection.quit());
    const shared = new VersionedQueue<EventJobData>(QUEUES.events, { connection, prefix });
    cleanup.push(() => shared.close());
    const ingest = ingestQueue(shared, connection);
    cleanup.push(() => ingest.close());
    await ingest.queue.waitUntilReady();
    await ingest.redis.ping();
    return { prefix, connection, shared, ingest };
  };

  it("holds the turn's commands for one write, answers them, and queues jobs the shared queue sees", async () => {
    const { prefix, connection, shared, ingest } = await setUp();
    expect(ingest.redis).not.toBe(connection);
    expect(ingest.redis).toBeInstanceOf(TurnBatchedRedis);
    const stream = (ingest.redis as { stream: import("node:net").Socket }).stream;

    const writes = countWrites(stream);
    cleanup.push(async () => writes.restore());
    ingest.batchTurn();
    ingest.batchTurn(); // once per turn
    expect(stream.writableCorked).toBe(1);
    const adds = Array.from({ length: 10 }, (_, i) =>
      ingest.queue.add("event", { event: event(`e-${i}`), receivedAt: 1 }, { jobId: `e.${i}` }),
    );
    const marks = Array.from({ length: 10 }, (_, i) => ingest.redis.sadd(`${prefix}:marks`, `m-${i}`));
    // Written to the socket, not yet sent: held until the turn ends.
    expect(stream.writableLength).toBeGreaterThan(0);
    const jobs = await Promise.all(adds);
    expect(await Promise.all(marks)).toEqual(Array(10).fill(1));
    expect(stream.writableCorked).toBe(0);
    expect(writes.count).toBe(1); // BullMQ's ten add scripts and the ten SADDs
    expect(jobs.map((j) => j.id)).toEqual(Array.from({ length: 10 }, (_, i) => `e.${i}`));
    // The workers' queue sees them: same name, prefix and keys.
    expect(await shared.getJobCountByTypes("wait")).toBe(10);
    expect((await shared.getJob("e.3"))?.data).toMatchObject({ event: { id: "e-3" }, v: expect.any(Number) });

    // Without batchTurn too: the connection corks at a turn's first command.
    const sent = ingest.redis.sadd(`${prefix}:marks`, "x");
    expect(stream.writableCorked).toBe(1);
    expect(await sent).toBe(1);
    expect(stream.writableCorked).toBe(0);
  });

  it("closes its own connection, not the shared one", async () => {
    const { connection, ingest } = await setUp();
    await ingest.close();
    await waitFor(() => ingest.redis.status === "end", "the ingest connection to end");
    expect(await connection.ping()).toBe("PONG");
  });

  it("sends a turn's failure marks as one script at its end, and before any filter of that turn", async () => {
    const { prefix, connection, ingest } = await setUp();
    const notifications = parseConfig({}, {}).notifications;
    const atIngest = new FilteredAtIngest({
      redis: ingest.redis,
      prefix,
      notifications,
      recent: { index: `${prefix}:recent`, data: `${prefix}:recent:data`, max: 10 },
      dedupePrefix: ingest.queue.toKey("de"),
      logger: createLogger("silent"),
      atTurnEnd: ingest.atTurnEnd,
    });
    // What Redis receives on our keys, in order (MONITOR: a connection of its own).
    const monitor = await monitorRedis(TEST_REDIS_URL);
    cleanup.push(async () => monitor.disconnect());
    const seen: string[][] = [];
    const marksSeen = new Set<string>();
    monitor.on("monitor", (_time: string, args: string[]) => {
      // The scripts the client sent (MONITOR also lists the commands each script runs), and our marks of the end.
      if (/^exists$/i.test(args[0] ?? "")) for (const a of args) marksSeen.add(a);
      else if (/^eval/i.test(args[0] ?? "") && args.some((a) => a.startsWith(`${prefix}:notify:`))) seen.push(args);
    });
    /** Everything answered before this call is in `seen` once it returns: MONITOR lists commands in order. */
    const monitored = async (mark: string) => {
      await connection.exists(`${prefix}:${mark}`);
      await waitFor(() => marksSeen.has(`${prefix}:${mark}`) || undefined, `${mark} in MONITOR`);
    };
    await monitored("start"); // MONITOR is on before the turn below

    ingest.batchTurn();
    const marks = [
      atIngest.mark({ nodeId: "1", instanceId: "11" }),
      atIngest.mark({ nodeId: "2", instanceId: "21" }),
      atIngest.mark({ nodeId: "1", instanceId: "11" }),
    ];
    await Promise.all(marks);
    expect(await connection.smembers(failingKey(prefix, "1"))).toEqual(["11"]);
    expect(await connection.smembers(failingKey(prefix, "2"))).toEqual(["21"]);
    expect(await connection.pttl(failingKey(prefix, "2"))).toBeGreaterThan(notifications.failureMemory - 60_000);
    await monitored("marked");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual(expect.arrayContaining([failingKey(prefix, "1"), failingKey(prefix, "2"), "11", "21"]));
    expect(seen[0]?.filter((a) => a === "11")).toHaveLength(1); // the same mark twice is sent once

    // A running of instance 31 after its failure, in the same turn: the filter finds the mark, so it is queued.
    ingest.batchTurn();
    const marked = atIngest.mark({ nodeId: "3", instanceId: "31" });
    const running = instanceEvent({ status: 4, nodeId: 3, taskId: 31 });
    const candidate = filterCandidate(running, notifications);
    expect(candidate?.guard).toEqual({ kind: "running", nodeId: "3", instanceId: "31" });
    const outcome = atIngest.filter(running, candidate!, "d-31", 60_000, Date.now());
    await marked;
    expect(await outcome).toBe("job");
    await monitored("filtered");
    expect(seen).toHaveLength(3);
    expect(seen[1]).toContain("31");
    expect(seen[2]).toContain("running"); // the filter, after the mark it found
  });
});
