import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/outbox/rate-limiter.js";
import { cancelSlot, takeSlot, withSlot } from "../../../src/outbox/slot.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

/** The one way to take, wait for and release a rate-limit slot (notifications, approval cards and alerts). */
describe("slot: take, wait for, release (real Redis)", () => {
  const prefix = testPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  const limiter = new RateLimiter(redis, prefix);
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });
  const count = (key: string) => redis.zcard(`${prefix}:rl:${key}`);

  it("no limit, no slot and no wait", async () => {
    expect(await takeSlot(limiter, [])).toEqual({ wait: 0 });
  });

  it("a full window says how long to wait; a slot given back unused frees it at once", async () => {
    const limits = [{ key: "full", max: 1, windowMs: 60_000 }];
    const first = await takeSlot(limiter, limits);
    expect(first.wait).toBe(0);
    expect(first.slot?.id).toBeTruthy();
    const second = await takeSlot(limiter, limits);
    expect(second.slot).toBeUndefined();
    expect(second.wait).toBeGreaterThan(50_000);
    await cancelSlot(limiter, first.slot);
    expect(await count("full")).toBe(0);
    expect((await takeSlot(limiter, limits)).wait).toBe(0);
  });

  it("waits in place for a slot that frees within the allowed time (approval cards)", async () => {
    const limits = [{ key: "soon", max: 1, windowMs: 300 }];
    expect((await takeSlot(limiter, limits)).wait).toBe(0);
    const started = Date.now();
    const taken = await takeSlot(limiter, limits, { waitInPlaceMs: 5_000 });
    expect(taken.wait).toBe(0);
    expect(taken.slot).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("holds the slot while sending and keeps it counted, sent or failed", async () => {
    const limits = [{ key: "held", max: 5, windowMs: 60_000 }];
    const ok = await takeSlot(limiter, limits);
    expect(await withSlot(limiter, ok.slot, async () => "sent")).toBe("sent");
    const failing = await takeSlot(limiter, limits);
    await expect(
      withSlot(limiter, failing.slot, async () => {
        throw new Error("platform down");
      }),
    ).rejects.toThrow("platform down");
    expect(await count("held")).toBe(2);
  });

  it("runs what follows a send (its ref saved) with what was sent, and settles the slot either way", async () => {
    const limits = [{ key: "after", max: 5, windowMs: 60_000 }];
    // Settled "an hour later": a slot left unsettled keeps the score it was taken at (Redis' clock, now).
    const later = Date.now() + 3_600_000;
    const settledAt = async (slot: string | undefined) =>
      Number(await redis.zscore(`${prefix}:rl:after`, String(slot)));
    const seen: string[] = [];
    const ok = await takeSlot(limiter, limits);
    const sent = await withSlot(limiter, ok.slot, async () => "ref-1", {
      now: () => later,
      after: async (ref) => {
        seen.push(ref);
      },
    });
    expect([sent, seen]).toEqual(["ref-1", ["ref-1"]]);
    const saving = await takeSlot(limiter, limits);
    await expect(
      withSlot(limiter, saving.slot, async () => "ref-2", {
        now: () => later,
        after: async () => {
          throw new Error("Redis away while saving");
        },
      }),
    ).rejects.toThrow("Redis away while saving");
    expect(await count("after")).toBe(2);
    expect([await settledAt(ok.slot?.id), await settledAt(saving.slot?.id)]).toEqual([later, later]);
  });

  it("writes what was sent with the settle (a mark), with or without a slot; a mark not written fails the call", async () => {
    const limits = [{ key: "mark", max: 5, windowMs: 60_000 }];
    const later = Date.now() + 3_600_000;
    const mark = (field: string) => (sent: string) => ({ key: `${prefix}:marks`, field, value: sent, ttlSeconds: 60 });
    const ok = await takeSlot(limiter, limits);
    await withSlot(limiter, ok.slot, async () => "ref-1", { now: () => later, mark: mark("a") });
    expect(await redis.hget(`${prefix}:marks`, "a")).toBe("ref-1");
    expect(await redis.ttl(`${prefix}:marks`)).toBeGreaterThan(50);
    expect(Number(await redis.zscore(`${prefix}:rl:mark`, String(ok.slot?.id)))).toBe(later);
    // No limit applies: no slot, the mark is written all the same.
    await withSlot(limiter, undefined, async () => "ref-2", { mark: mark("b") });
    expect(await redis.hget(`${prefix}:marks`, "b")).toBe("ref-2");
    // A send that fails marks nothing.
    const failing = await takeSlot(limiter, limits);
    await expect(
      withSlot(limiter, failing.slot, async () => Promise.reject(new Error("platform down")), { mark: mark("c") }),
    ).rejects.toThrow("platform down");
    expect(await redis.hget(`${prefix}:marks`, "c")).toBeNull();
    // Where the mark cannot be written (here a key of another type), the call fails; the slot is settled anyway.
    await redis.set(`${prefix}:not-a-hash`, "x");
    const blocked = await takeSlot(limiter, limits);
    await expect(
      withSlot(limiter, blocked.slot, async () => "ref-3", {
        now: () => later,
        mark: () => ({ key: `${prefix}:not-a-hash`, field: "d", value: "ref-3", ttlSeconds: 60 }),
      }),
    ).rejects.toThrow(/WRONGTYPE/);
    expect(Number(await redis.zscore(`${prefix}:rl:mark`, String(blocked.slot?.id)))).toBe(later);
  });
});
