/**
 * closeWorkers (src/jobs/graceful-close.ts): a shutdown lets the jobs that run finish and completes them in Redis,
 * starts no new one, and returns after its grace even if a job never ends (that job is left active, for BullMQ's
 * stalled check to run again).
 */
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { closeWorkers, RunningJobs } from "../../src/jobs/graceful-close.js";
import { createLogger } from "../../src/logger.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";

const prefix = testPrefix();
const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
afterAll(async () => {
  await deleteKeys(prefix);
  connection.disconnect();
});

/** A worker whose jobs run until released, counted by `running` as the bot's workers count theirs. */
function gatedWorker(queue: string, running: RunningJobs) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const worker = new Worker(
    queue,
    (job) =>
      running.run(async () => {
        started.push(String(job.id));
        await new Promise<void>((resolve) => gates.set(String(job.id), resolve));
        return "done";
      }),
    { connection, prefix, concurrency: 2 },
  );
  worker.on("error", () => undefined);
  return { worker, started, release: (id: string) => gates.get(id)?.() };
}

function captured() {
  const lines: string[] = [];
  return { lines, logger: createLogger("warn", { write: (l: string) => void lines.push(l) }) };
}

describe("closeWorkers", () => {
  it("waits for the running job, completes it in Redis, and starts none of those still waiting", async () => {
    const queue = new Queue("close-a", { connection, prefix });
    const running = new RunningJobs();
    const w = gatedWorker("close-a", running);
    await queue.add("x", {}, { jobId: "first" });
    await waitFor(() => w.started.includes("first"), "the first job to start");
    await queue.add("x", {}, { jobId: "second" });
    await waitFor(() => w.started.length === 2, "both slots busy");
    await queue.add("x", {}, { jobId: "waiting" });

    let closed = false;
    const log = captured();
    const closing = closeWorkers([w.worker], running, log.logger, 10_000).then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toBe(false);
    for (const id of ["first", "second"]) w.release(id);
    await closing;
    expect(running.size).toBe(0);
    expect(await queue.getJobState("first")).toBe("completed");
    expect(await queue.getJobState("second")).toBe("completed");
    expect(await queue.getJobState("waiting")).toBe("waiting");
    expect(w.started).not.toContain("waiting");
    expect(log.lines).toEqual([]);
    await queue.close();
  });

  it("returns after its grace when a job never ends, says so, and leaves the job active for the stalled check", async () => {
    const queue = new Queue("close-b", { connection, prefix });
    const running = new RunningJobs();
    const w = gatedWorker("close-b", running);
    await queue.add("x", {}, { jobId: "stuck" });
    await waitFor(() => w.started.includes("stuck"), "the job to start");
    const log = captured();
    const t0 = Date.now();
    await closeWorkers([w.worker], running, log.logger, 500);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await queue.getJobState("stuck")).toBe("active");
    expect(log.lines.join("")).toContain("jobs still running at shutdown");
    expect(JSON.parse(log.lines[0] ?? "{}")).toMatchObject({ running: 1, graceMs: 500 });
    w.release("stuck");
    await queue.close();
  });
});
