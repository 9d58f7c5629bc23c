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
    const sent = await withSlot(
      limiter,
      ok.slot,
      async () => "ref-1",
      () => later,
      async (ref) => {
        seen.push(ref);
      },
    );
    expect([sent, seen]).toEqual(["ref-1", ["ref-1"]]);
    const saving = await takeSlot(limiter, limits);
    await expect(
      withSlot(
        limiter,
        saving.slot,
        async () => "ref-2",
        () => later,
        async () => {
          throw new Error("Redis away while saving");
        },
      ),
    ).rejects.toThrow("Redis away while saving");
    expect(await count("after")).toBe(2);
    expect([await settledAt(ok.slot?.id), await settledAt(saving.slot?.id)]).toEqual([later, later]);
  });
});
