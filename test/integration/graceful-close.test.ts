/**
 * closeWorkers (src/jobs/graceful-close.ts) on real BullMQ and Redis, its connection quit right after as the
 * runtime does: a shutdown lets the running jobs finish and completes them in Redis, starts none after, leaves no job
 * active that a fetch under way brought, and returns after its grace even if a job never ends (that job is left
 * active, for BullMQ's stalled check).
 */
import { type Job, Queue, Worker } from "bullmq";
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
 * through RunningJobs as the bot's workers run theirs; `wrappers` async layers around that (tracing, middleware)
 * put more microtasks between a job's end and BullMQ's completion of it. `autorun: false`: started by the test.
 */
function gated(
  name: string,
  o: { concurrency?: number; instant?: boolean; wrappers?: number; autorun?: boolean } = {},
) {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  const running = new RunningJobs();
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const errors: Error[] = [];
  let processor = (job: Job, token?: string) =>
    running.run(job, token, async () => {
      started.push(String(job.id));
      if (!o.instant) await new Promise<void>((resolve) => gates.set(String(job.id), resolve));
      return "done";
    });
  for (let i = 0; i < (o.wrappers ?? 0); i++) {
    const inner = processor;
    processor = async (job, token) => await inner(job, token);
  }
  const worker = new Worker(name, processor, {
    connection,
    prefix,
    concurrency: o.concurrency ?? 2,
    autorun: o.autorun ?? true,
  });
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
    // Six async layers around the processor: its completion is still written (a macrotask before close(true)).
    const g = gated("close-a", { wrappers: 6 });
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

  it("a job a completion's fetch brings is given back (delayed, no attempt used), and no job starts after close", async () => {
    // The shutdown begins as "one" completes: BullMQ's completion of it has already fetched "two" (fetchNext).
    const g = gated("close-b", { concurrency: 1, instant: true, autorun: false });
    for (const id of ["one", "two", "three"]) await g.queue.add("x", {}, { jobId: id });
    const closed = new Promise<number>((resolve) => {
      g.worker.once("completed", () => resolve(g.close(10_000)));
    });
    void g.worker.run();
    const startedAtClose = await closed;
    await new Promise((r) => setTimeout(r, 200));
    expect(g.started).toEqual(["one"]);
    expect(startedAtClose).toBe(1);
    expect(await Promise.all(["one", "two", "three"].map((id) => stateOf("close-b", id)))).toEqual([
      "completed",
      "delayed",
      "waiting",
    ]);
    const q = new Queue("close-b", { connection: reader, prefix });
    expect((await q.getJob("two"))?.attemptsMade).toBe(0);
    await q.close();
    expect(g.errors).toEqual([]);
    expect(g.log).toEqual([]);
  });

  it("waits for a fetch whose answer comes after close(true), and gives its job back", async () => {
    const g = gated("close-d", { instant: true });
    // The worker's fetch: Redis moves the job to active at once; its answer reaches the worker when `answer` opens.
    const answer = Promise.withResolvers<void>();
    const w = g.worker as unknown as { moveToActive(token: string, name?: string): Promise<Job | undefined> };
    const fetch = w.moveToActive.bind(g.worker);
    w.moveToActive = async (token, name) => {
      const job = await fetch(token, name);
      if (job) await answer.promise;
      return job;
    };
    await g.queue.add("x", {}, { jobId: "late" });
    await waitFor(async () => (await stateOf("close-d", "late")) === "active", "the fetch to take the job");
    let closedAt = 0;
    const closing = g.close(10_000).then(() => {
      closedAt = Date.now();
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(closedAt).toBe(0);
    const answeredAt = Date.now();
    answer.resolve();
    await closing;
    expect(closedAt).toBeGreaterThanOrEqual(answeredAt);
    expect(g.started).toEqual([]);
    expect(await stateOf("close-d", "late")).toBe("delayed");
    expect(g.errors).toEqual([]);
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
