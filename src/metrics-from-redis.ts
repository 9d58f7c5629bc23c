/**
 * The gauges that come from Redis: queue depths and ages, pending approvals, and whether Redis answers at all.
 * A scrape never waits on Redis: it serves the latest sample, starts a fresh one only when the probe says Redis
 * answers and no sample is already under way, and waits for that one at most SAMPLE_BUDGET_MS (one that comes
 * later serves the next scrape). While Redis is down the gauges keep their last sample, dwc_redis_up is 0 and
 * dwc_redis_sample_age_seconds grows.
 */
import type { Queue } from "bullmq";
import { Gauge, type Registry } from "prom-client";
import type { RedisProbe } from "./redis/redis-probe.js";

export interface RedisSources {
  queues: Record<string, Queue>;
  pendingApprovals: () => Promise<number>;
  probe: RedisProbe;
}

/** Together with the probe's own timeout (500 ms, shared), a scrape answers well within a second. */
const SAMPLE_BUDGET_MS = 500;

/** BullMQ job states worth a gauge: how much work waits, runs, is delayed (throttled, backoff) or failed. */
const STATES = ["waiting", "prioritized", "active", "delayed", "failed"] as const;

interface Sample {
  at: number;
  jobs: Record<string, Record<string, number>>;
  /** Per queue, the creation time of the oldest job not yet processed (undefined: none waits). */
  oldest: Record<string, number | undefined>;
  pending: number;
}

export function observeRedis(registry: Registry, prefix: string, sources: RedisSources): void {
  const registers = [registry];
  const latest = sampler(sources);
  new Gauge({
    name: `${prefix}redis_up`,
    help: "1 when Redis answered a PING within 500 ms at this scrape, else 0",
    registers,
    async collect() {
      this.set((await sources.probe.check()) === true ? 1 : 0);
    },
  });
  new Gauge({
    name: `${prefix}redis_sample_age_seconds`,
    help: "Seconds since the gauges that come from Redis (queue_*, approvals_pending) were last read",
    registers,
    async collect() {
      const s = await latest();
      if (s) this.set((Date.now() - s.at) / 1000);
    },
  });
  new Gauge({
    name: `${prefix}queue_jobs`,
    help: "Jobs per queue and state",
    labelNames: ["queue", "state"],
    registers,
    async collect() {
      const s = await latest();
      for (const [queue, counts] of Object.entries(s?.jobs ?? {})) {
        for (const state of STATES) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: `${prefix}queue_oldest_waiting_seconds`,
    help: "Age of the oldest job not yet processed, parked (delayed) ones included (0 when none waits)",
    labelNames: ["queue"],
    registers,
    async collect() {
      const s = await latest();
      // The age is taken now from the sampled job's creation time: a job that waited at the last sample still
      // ages while Redis is away, as nothing processes it.
      const now = Date.now();
      for (const [queue, oldest] of Object.entries(s?.oldest ?? {}))
        this.set({ queue }, (now - (oldest ?? now)) / 1000);
    },
  });
  new Gauge({
    name: `${prefix}approvals_pending`,
    help: "Approvals waiting for a decision",
    registers,
    async collect() {
      const s = await latest();
      if (s) this.set(s.pending);
    },
  });
}

/** One sample at a time, shared by every gauge of a scrape; returns the newest one within the budget. */
function sampler(sources: RedisSources): () => Promise<Sample | undefined> {
  let last: Sample | undefined;
  let running: Promise<void> | undefined;
  return async () => {
    running ??= (async () => {
      if ((await sources.probe.check()) !== true) return;
      last = await readSample(sources);
    })()
      .catch(() => undefined) // a failed read keeps the last sample; dwc_redis_up says why it is old
      .finally(() => {
        running = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise((r) => (timer = setTimeout(r, SAMPLE_BUDGET_MS)))]);
    clearTimeout(timer);
    return last;
  };
}

async function readSample(sources: RedisSources): Promise<Sample> {
  const at = Date.now();
  const jobs: Sample["jobs"] = {};
  const oldest: Sample["oldest"] = {};
  for (const [name, q] of Object.entries(sources.queues)) {
    jobs[name] = await q.getJobCounts(...STATES);
    // Oldest first from each list; approval cards wait in "prioritized", the rest in "wait". Deliveries parked
    // for a rate limit or backoff are in "delayed", ordered by when they wake, not by age: the next few to wake
    // (under a rate limit, the ones parked longest) stand for it, as every job is loaded whole at each sample.
    const waiting = [
      ...(await q.getJobs(["waiting", "prioritized"], 0, 0, true)),
      ...(await q.getJobs(["delayed"], 0, 9, true)),
    ];
    oldest[name] = waiting.length ? Math.min(...waiting.map((j) => j.timestamp)) : undefined;
  }
  return { at, jobs, oldest, pending: await sources.pendingApprovals() };
}
