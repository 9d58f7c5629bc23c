import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { DeliveryError } from "../../../src/core/errors.js";
import { DataWorksApiError } from "../../../src/dataworks/openapi-client.js";
import { MAX_THROTTLED_WAITS, retryDecision, retryVerdict } from "../../../src/jobs/retry-decision.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";
import { waitFor } from "../../helpers/wait.js";

const job = (throttled?: number) => ({ data: throttled === undefined ? {} : { throttled } });
const throttle = (retryAfterMs?: number) =>
  new DataWorksApiError("DataWorks UpdateIDEEventResult failed: HTTP 429 Throttling.User", {
    action: "UpdateIDEEventResult",
    apiCode: "Throttling.User",
    retryable: true,
    throttled: true,
    retryAfterMs,
  });

describe("retryVerdict: one retry model for every queue", () => {
  it("waits as long as a throttle asks, whichever system threw it, without using an attempt", () => {
    expect(retryVerdict(throttle(60_000), job(), true)).toEqual({ kind: "wait", ms: 60_000, waits: 1 });
    const slack = new DeliveryError("rate limited", {
      adapter: "slack",
      destination: "ops",
      retryable: true,
      throttled: true,
      retryAfterMs: 3_000,
    });
    expect(retryVerdict(slack, job(4), true)).toEqual({ kind: "wait", ms: 3_000, waits: 5 });
  });

  it("a throttle that names no wait takes the queue's default wait, or its backoff when it has none", () => {
    expect(retryVerdict(throttle(), job(), true, { throttleWaitMs: 1_000 })).toEqual({
      kind: "wait",
      ms: 1_000,
      waits: 1,
    });
    expect(retryVerdict(throttle(), job(), true)).toEqual({ kind: "retry" });
    // A Retry-After of 0 must not spin.
    expect(retryVerdict(throttle(0), job(), true)).toEqual({ kind: "wait", ms: 250, waits: 1 });
  });

  it("stops waiting after MAX_THROTTLED_WAITS, or without a token to park the job with", () => {
    expect(retryVerdict(throttle(1_000), job(MAX_THROTTLED_WAITS), true)).toEqual({ kind: "retry" });
    expect(retryVerdict(throttle(1_000), job(), false)).toEqual({ kind: "retry" });
  });

  it("a permanent refusal and a bug fail at once; weather is retried", () => {
    const refused = new DataWorksApiError("InvalidParameter", {
      action: "x",
      apiCode: "InvalidParameter",
      retryable: false,
    });
    expect(retryVerdict(refused, job(), true)).toEqual({ kind: "fail", why: "permanent" });
    expect(retryVerdict(new TypeError("Cannot read properties of undefined (reading 'id')"), job(), true)).toEqual({
      kind: "fail",
      why: "programming",
    });
    expect(retryVerdict(new ReferenceError("x is not defined"), job(), true)).toEqual({
      kind: "fail",
      why: "programming",
    });
    expect(retryVerdict(new TypeError("fetch failed"), job(), true)).toEqual({ kind: "retry" });
    expect(retryVerdict(new Error("Connection is closed."), job(), true)).toEqual({ kind: "retry" });
  });

  it("passes BullMQ's own control flow through, recognised by class", () => {
    expect(retryVerdict(new DelayedError(), job(), true)).toEqual({ kind: "control" });
    expect(retryVerdict(new UnrecoverableError("gone"), job(), true)).toEqual({ kind: "control" });
    // A look-alike by name is not BullMQ's: an error named so by accident is judged like any other.
    const lookAlike = Object.assign(new Error("x"), { name: "UnrecoverableError" });
    expect(retryVerdict(lookAlike, job(), true)).toEqual({ kind: "retry" });
  });
});

describe("retryDecision on a real BullMQ queue", () => {
  const prefix = testPrefix();
  const connection = { url: TEST_REDIS_URL, maxRetriesPerRequest: null };
  const redis = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  async function run(fail: (job: Job) => unknown) {
    const name = `q${Math.random().toString(36).slice(2, 8)}`;
    const queue = new Queue(name, { connection, prefix });
    const runs: number[] = [];
    const worker = new Worker(
      name,
      async (job, token) => {
        runs.push(Date.now());
        try {
          throw fail(job);
        } catch (err) {
          throw await retryDecision(err, job, token);
        }
      },
      { connection, prefix, settings: { backoffStrategy: () => 20 } },
    );
    const j = await queue.add("x", {}, { attempts: 5, backoff: { type: "custom" } });
    return { queue, worker, runs, id: String(j.id) };
  }

  it("a programming error fails after one run, not after every attempt", async () => {
    const { queue, worker, runs, id } = await run(() => new TypeError("Cannot read properties of undefined"));
    try {
      await waitFor(async () => (await queue.getJobState(id)) === "failed", "the job failed");
      expect(runs).toHaveLength(1);
      expect((await queue.getJob(id))?.failedReason).toContain("Cannot read properties of undefined");
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it("a throttle's retry-after parks the job that long, not as a failed attempt", async () => {
    const { queue, worker, runs, id } = await run(() => throttle(60_000));
    try {
      await waitFor(async () => (await queue.getJobState(id)) === "delayed", "the job parked");
      const parked = await queue.getJob(id);
      expect(runs).toHaveLength(1);
      expect(parked?.attemptsMade).toBe(0);
      expect(parked?.data).toEqual({ throttled: 1 });
      // BullMQ keeps a delayed job scored by when it runs next.
      const score = Number(await redis.zscore(`${prefix}:${queue.name}:delayed`, id));
      const runsAt = Math.floor(score / 0x1000);
      expect(runsAt - (runs[0] ?? 0)).toBeGreaterThanOrEqual(59_000);
      expect(runsAt - (runs[0] ?? 0)).toBeLessThanOrEqual(61_000);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it("weather is retried with the queue's backoff until the attempts run out", async () => {
    const { queue, worker, runs, id } = await run(() => new Error("Connection is closed."));
    try {
      await waitFor(async () => (await queue.getJobState(id)) === "failed", "the job failed");
      expect(runs).toHaveLength(5);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
