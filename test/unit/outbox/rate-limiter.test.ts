import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/outbox/rate-limiter.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

describe("RateLimiter (sliding window in Redis, injected clock)", () => {
  const prefix = testPrefix();
  const a = new Redis(TEST_REDIS_URL);
  const b = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    a.disconnect();
    b.disconnect();
    await deleteKeys(prefix);
  });

  it("never lets a DingTalk robot see a 21st message within a minute, across two instances", async () => {
    const one = new RateLimiter(a, prefix);
    const two = new RateLimiter(b, prefix);
    const robot = { key: "robot", max: 20, windowMs: 60_000 };
    const taken: number[] = [];
    // 60 attempts over 90 s of simulated time from two instances, interleaved.
    for (let i = 0; i < 60; i++) {
      const now = 1_000_000 + i * 1_500;
      const wait = await (i % 2 ? one : two).acquire([robot], now);
      if (wait === 0) taken.push(now);
      else expect(wait).toBeGreaterThan(0);
    }
    for (const t of taken) expect(taken.filter((x) => x > t - 60_000 && x <= t).length).toBeLessThanOrEqual(20);
    expect(taken.length).toBe(40); // 20 in the first minute, 20 more as the first ones age out
  });

  it("holds every window of a limit at once: a Lark custom bot's 5/s and 100/min, from two instances", async () => {
    const one = new RateLimiter(a, prefix);
    const two = new RateLimiter(b, prefix);
    const windows = [
      { key: "hook.1000", max: 5, windowMs: 1_000 },
      { key: "hook.60000", max: 100, windowMs: 60_000 },
    ];
    const taken: number[] = [];
    const waits: number[] = [];
    // An attempt every 50 ms for 90 s of simulated time.
    for (let i = 0; i < 1_800; i++) {
      const now = 5_000_000 + i * 50;
      const wait = await (i % 2 ? one : two).acquire(windows, now);
      if (wait === 0) taken.push(now);
      else waits.push(wait);
    }
    const most = (ms: number) => Math.max(...taken.map((t) => taken.filter((x) => x > t - ms && x <= t).length));
    expect(most(1_000)).toBe(5);
    expect(most(60_000)).toBe(100);
    // The first minute's 100 go in 20 s; then the minute window answers with waits of up to 40 s.
    expect(taken.filter((t) => t < 5_060_000)).toHaveLength(100);
    expect(Math.max(...waits)).toBeGreaterThan(30_000);
  });

  it("answers how long to wait: until the oldest send in the window ages out", async () => {
    const l = new RateLimiter(a, prefix);
    const lim = { key: "wait", max: 2, windowMs: 10_000 };
    expect(await l.acquire([lim], 100_000)).toBe(0);
    expect(await l.acquire([lim], 103_000)).toBe(0);
    expect(await l.acquire([lim], 104_000)).toBe(6_000);
    expect(await l.acquire([lim], 110_001)).toBe(0);
  });

  it("counts a slot from when its request went out once settled (found by the reliability suite)", async () => {
    const l = new RateLimiter(a, prefix);
    const lim = { key: "settle", max: 1, windowMs: 1_000 };
    const first = await l.take([lim], 200_000);
    expect(first.wait).toBe(0);
    // The send left 800 ms after the slot was taken (busy event loop, token fetch): the platform saw it at 200_800.
    await l.settle([lim], first.slot as string, 200_800);
    expect(await l.acquire([lim], 201_000)).toBe(800);
    expect(await l.acquire([lim], 201_800)).toBe(0);
    // Settling never moves a slot earlier.
    const third = await l.take([{ key: "settle2", max: 1, windowMs: 1_000 }], 300_000);
    await l.settle([{ key: "settle2", max: 1, windowMs: 1_000 }], third.slot as string, 299_000);
    expect(await l.acquire([{ key: "settle2", max: 1, windowMs: 1_000 }], 300_500)).toBe(500);
  });

  it("takes every limit or none, and keeps reserved slots for priority sends", async () => {
    const l = new RateLimiter(a, prefix);
    const dest = { key: "dest", max: 3, windowMs: 1_000, reserve: 1 };
    const group = { key: "group", max: 1, windowMs: 5_000 };
    expect(await l.acquire([dest, group], 500_000)).toBe(0);
    expect(await l.acquire([dest, group], 500_010)).toBeGreaterThan(0); // group interval holds
    expect(await l.acquire([dest], 500_020)).toBe(0); // the destination slot was not consumed by the refusal
    expect(await l.acquire([dest], 500_030)).toBeGreaterThan(0); // the last slot is reserved
    expect(await l.acquire([{ key: "dest", max: 3, windowMs: 1_000 }], 500_040)).toBe(0); // a card may use it
  });

  it("counts by Redis' clock when no time is given, so instances whose clocks disagree share one window", async () => {
    const l = new RateLimiter(a, prefix);
    const lim = { key: "redis-clock", max: 1, windowMs: 60_000 };
    const taken = await l.take([lim]);
    expect(taken.wait).toBe(0);
    const [sec, usec] = await a.time();
    const redisNow = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    const score = Number(await a.zscore(`${prefix}:rl:redis-clock`, taken.slot as string));
    expect(Math.abs(score - redisNow)).toBeLessThan(1_000);
    // An instance whose own clock runs 2.5 s ahead still has to wait out the same window.
    const wait = await new RateLimiter(b, prefix).acquire([lim]);
    expect(wait).toBeGreaterThan(58_000);
  });

  it("counts a slot again when its request was still in flight as the slot aged out", async () => {
    const l = new RateLimiter(a, prefix);
    const lim = { key: "in-flight", max: 2, windowMs: 1_000 };
    const first = await l.take([lim], 400_000);
    expect(await l.acquire([lim], 401_000)).toBe(0); // the first slot aged out while its request hung; one more went…
    await l.settle([lim], first.slot as string, 401_200); // …and the first request left at 401_200: it counts again
    expect(await l.acquire([lim], 401_500)).toBeGreaterThan(0);
  });

  it("takes nothing when its guard is set, and answers the guard's value (a message already sent)", async () => {
    const l = new RateLimiter(a, prefix);
    const lim = { key: "guarded", max: 5, windowMs: 60_000 };
    const guard = { key: `${prefix}:guard`, field: "ops" };
    const first = await l.take([lim], 600_000, guard);
    expect(first).toEqual({ wait: 0, slot: expect.any(String) });
    await a.hset(guard.key, "ops", '{"id":"1"}');
    expect(await l.take([lim], 600_010, guard)).toEqual({ wait: 0, done: '{"id":"1"}' });
    expect(await l.take([], undefined, guard)).toEqual({ wait: 0, done: '{"id":"1"}' });
    // Only the unguarded take counted: four more fit in the window.
    expect(await a.zcard(`${prefix}:rl:guarded`)).toBe(1);
    // Another field of the same hash is no guard: taken, under every limit at once.
    const other = await l.take([lim, { key: "guarded-2", max: 1, windowMs: 60_000 }], 600_020, {
      ...guard,
      field: "dev",
    });
    expect(other.slot).toBeDefined();
    expect([await a.zcard(`${prefix}:rl:guarded`), await a.zcard(`${prefix}:rl:guarded-2`)]).toEqual([2, 1]);
    expect(await l.acquire([{ key: "guarded-2", max: 1, windowMs: 60_000 }], 600_030)).toBeGreaterThan(59_000);
  });
});
