import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import type { Job, Worker } from "bullmq";
import { park } from "../delivery-job.js";
import type { Logger } from "../logger.js";

/** How long close() waits for running jobs: under `serve`'s 30 s hard stop, with room for the connections after. */
export const CLOSE_GRACE_MS = 20_000;

/** The jobs this process's workers are running: counted so a shutdown can wait for them itself. */
export class RunningJobs {
  private count = 0;
  private idle: Array<() => void> = [];
  /** Set when the shutdown begins: a job fetched after it is given back, not run. */
  stopping = false;

  get size(): number {
    return this.count;
  }

  /**
   * Run a job a worker fetched. One fetched after the shutdown began is given back untouched, not an attempt (its
   * attemptsStarted still counts the fetch: an events job given back takes the rerun path when it runs again, safe
   * and only dearer, as one left for a newer format does).
   */
  async run<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      if (this.stopping) throw await park(job, token, Date.now());
      return await work();
    } finally {
      if (--this.count === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** True once no job runs, false if some still do after `ms`. */
  async drained(ms: number): Promise<boolean> {
    if (this.count === 0) return true;
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const wake = () => resolve(true);
    this.idle.push(wake);
    const timer = setTimeout(() => {
      this.idle = this.idle.filter((w) => w !== wake);
      resolve(false);
    }, ms);
    const done = await promise;
    clearTimeout(timer);
    return done;
  }
}

/**
 * Stop the workers and let the jobs they run finish. Not BullMQ's graceful `close()`: it interrupts the blocking
 * fetch by disconnecting that connection and waits for ioredis' 'end', and on a Redis Cluster BullMQ 6.7's own
 * cluster recovery can reconnect the connection mid-close, so 'end' never comes. Seen here after a master's restart
 * (test/integration/redis-topologies.test.ts): close() pending for ever, about 1 run in 6. So: stop fetching (pause,
 * not waiting), wait for the running jobs as counted here, then close by force, which turns that recovery off before
 * it disconnects and waits for nothing. A fetch under way at the pause can still bring a job: `stopping` makes run()
 * give it back at once, and the close ends when every worker's loop has settled, so a fetch leaves no job active and
 * none starts after. A job still running after the grace is left to BullMQ's stalled check, as after a crash.
 */
export async function closeWorkers(workers: Worker[], running: RunningJobs, logger: Logger, graceMs = CLOSE_GRACE_MS) {
  const deadline = Date.now() + graceMs;
  running.stopping = true;
  await Promise.all(workers.map((w) => w.pause(true)));
  await running.drained(graceMs);
  // The last job's completion: BullMQ checks its closing flag and sends the job's moveToFinished in the microtasks
  // after the processor returns; close(true) sets that flag. A macrotask later, every such write is sent.
  await nextTurn();
  await Promise.all(workers.map((w) => w.close(true)));
  // A worker's loop runs until every fetch it sent has come back and every job it took is settled in Redis.
  while (workers.some((w) => w.isRunning()) && Date.now() < deadline) await sleep(10);
  const unsettled = workers.filter((w) => w.isRunning()).map((w) => w.name);
  if (running.size > 0)
    logger.warn({ running: running.size, graceMs }, "jobs still running at shutdown; BullMQ runs them again later");
  else if (unsettled.length)
    logger.warn({ workers: unsettled, graceMs }, "workers still fetching at shutdown (a Redis retry under way)");
}
