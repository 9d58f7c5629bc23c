import type { Worker } from "bullmq";
import type { Logger } from "../logger.js";

/** How long close() waits for running jobs: under `serve`'s 30 s hard stop, with room for the connections after. */
export const CLOSE_GRACE_MS = 20_000;

/** The jobs this process's workers are running: counted so a shutdown can wait for them itself. */
export class RunningJobs {
  private count = 0;
  private idle: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await job();
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
 * it disconnects and waits for nothing. A job still running after the grace is left to BullMQ: its lock lapses and
 * the stalled check runs it again, as after a crash.
 */
export async function closeWorkers(workers: Worker[], running: RunningJobs, logger: Logger, graceMs = CLOSE_GRACE_MS) {
  const deadline = Date.now() + graceMs;
  await Promise.all(workers.map((w) => w.pause(true)));
  await running.drained(graceMs);
  await Promise.all(workers.map((w) => w.close(true)));
  // A fetch under way at the pause may still have started a job; none starts once closed.
  if (!(await running.drained(Math.max(0, deadline - Date.now()))))
    logger.warn({ running: running.size, graceMs }, "jobs still running at shutdown; BullMQ runs them again later");
}
