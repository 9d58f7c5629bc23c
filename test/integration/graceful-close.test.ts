/**
 * closeWorkers (src/jobs/graceful-close.ts) on real BullMQ and Redis, its connection quit right after as the
 * runtime does: a shutdown lets the running jobs finish and completes them in Redis, starts none after, leaves no job
 * active that a fetch under way brought, and returns after its grace even if a job never ends (that job is left
 * active, for BullMQ's stalled check).
 */
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { closeWorkers, RunningJobs } from "../../src/jobs/graceful-close.js";
import { createLogger } from "../../src/logger.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";

const prefix = testPrefix();
const reader = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  await deleteKeys(prefix);
  reader.disconnect();
});

/**
 * A queue and a worker on a connection of their own, whose jobs run until released (or at once, `instant`), run
 * through RunningJobs as the bot's workers run theirs.
 */
function gated(name: string, o: { concurrency?: number; instant?: boolean } = {}) {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  const running = new RunningJobs();
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const errors: Error[] = [];
  const worker = new Worker(
    name,
    (job, token) =>
      running.run(job, token, async () => {
        started.push(String(job.id));
        if (!o.instant) await new Promise<void>((resolve) => gates.set(String(job.id), resolve));
        return "done";
      }),
    { connection, prefix, concurrency: o.concurrency ?? 2 },
  );
  worker.on("error", (err) => errors.push(err));
  const log: string[] = [];
  const logger = createLogger("warn", { write: (l: string) => void log.push(l) });
  return {
    queue,
    worker,
    running,
    started,
    errors,
    log,
    release: (id: string) => gates.get(id)?.(),
    /** closeWorkers, then the connection quit (runtime.close's order). */
    async close(graceMs: number) {
      await closeWorkers([worker], running, logger, graceMs);
      const closedAt = started.length;
      await queue.close();
      await connection.quit();
      return closedAt;
    },
  };
}

/** The job's state read on a connection of its own (the test's queue and worker are closed). */
async function stateOf(name: string, id: string): Promise<string> {
  const q = new Queue(name, { connection: reader, prefix });
  try {
    return await q.getJobState(id);
  } finally {
    await q.close();
  }
}

describe("closeWorkers", () => {
  it("waits for the running jobs, completes them in Redis, and starts none of those still waiting", async () => {
    const g = gated("close-a");
    await g.queue.add("x", {}, { jobId: "first" });
    await g.queue.add("x", {}, { jobId: "second" });
    await waitFor(() => g.started.length === 2, "both slots busy");
    await g.queue.add("x", {}, { jobId: "waiting" });

    let releasedAt = 0;
    const closing = g.close(10_000).then(() => Date.now());
    await new Promise((r) => setTimeout(r, 300));
    expect(g.running.size).toBe(2);
    releasedAt = Date.now();
    for (const id of ["first", "second"]) g.release(id);
    const closedAt = await closing;
    // Woken by the last job, not by the grace.
    expect(closedAt - releasedAt).toBeLessThan(1_000);
    expect(await stateOf("close-a", "first")).toBe("completed");
    expect(await stateOf("close-a", "second")).toBe("completed");
    expect(await stateOf("close-a", "waiting")).toBe("waiting");
    expect(g.started).toEqual(["first", "second"]);
    expect(g.log).toEqual([]);
    expect(g.errors).toEqual([]);
  });

  it("a job a fetch under way brings is given back, not left active, and no job starts after close", async () => {
    // The shutdown begins as "one" completes: BullMQ's completion of it also fetches "two", already on its way.
    const g = gated("close-b", { concurrency: 1, instant: true });
    const closed = new Promise<number>((resolve) => {
      g.worker.once("completed", () => resolve(g.close(10_000)));
    });
    await g.queue.add("x", {}, { jobId: "two", delay: 0 });
    await g.queue.add("x", {}, { jobId: "three" });
    await g.queue.add("x", {}, { jobId: "one", lifo: true });
    const startedAtClose = await closed;
    await new Promise((r) => setTimeout(r, 200));
    expect(g.started.length).toBe(startedAtClose);
    const states = await Promise.all(["one", "two", "three"].map((id) => stateOf("close-b", id)));
    expect(states).not.toContain("active");
    expect(states.filter((s) => s === "completed").length).toBe(g.started.length);
    expect(g.log).toEqual([]);
  });

  it("returns after its grace when a job never ends, says so, and leaves the job active for the stalled check", async () => {
    const g = gated("close-c");
    await g.queue.add("x", {}, { jobId: "stuck" });
    await waitFor(() => g.started.includes("stuck"), "the job to start");
    const t0 = Date.now();
    await g.close(500);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await stateOf("close-c", "stuck")).toBe("active");
    expect(g.log.join("")).toContain("jobs still running at shutdown");
    expect(JSON.parse(g.log[0] ?? "{}")).toMatchObject({ running: 1, graceMs: 500 });
    g.release("stuck");
  });
});
