import { describe, expect, it } from "vitest";
import { mayExistSince } from "../../src/delivery-job.js";
import { freshEvent } from "../helpers/fixtures.js";

describe("mayExistSince: when a delivery's message may already exist", () => {
  const data = { event: freshEvent("instance-status-changes") as never, destination: "ops" };
  it("after an attempt that may have delivered, from that attempt", () => {
    expect(mayExistSince({ data: { ...data, maybeSentAt: 5_000 }, stalledCounter: 1, timestamp: 1_000 })).toBe(5_000);
  });
  it("after a run cut off by a dead worker (stalled), from the job's creation", () => {
    expect(mayExistSince({ data, stalledCounter: 1, timestamp: 1_000 })).toBe(1_000);
  });
  it("never for a first, uninterrupted run", () => {
    expect(mayExistSince({ data, stalledCounter: 0, timestamp: 1_000 })).toBeUndefined();
  });
});
