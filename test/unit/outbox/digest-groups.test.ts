import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { DigestGroups } from "../../../src/outbox/digest-groups.js";
import { groupKey, groupValues } from "../../../src/outbox/policy.js";
import { RateLimiter } from "../../../src/outbox/rate-limiter.js";
import { freshEvent } from "../../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

const event = (name: string, data: Record<string, unknown> = {}) => {
  const raw = freshEvent(name);
  raw.data = { ...(raw.data as object), ...data };
  const r = parseEnvelopes(raw);
  if (!r.ok) throw new Error("bad fixture");
  return r.events[0]!;
};

describe("digest grouping (real Redis, injected clock)", () => {
  const prefix = testPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  it("groups by event code + workspace + status, or by any configured paths", () => {
    const a = event("instance-status-changes", { nodeId: 1 });
    const b = event("instance-status-changes", { nodeId: 2 });
    const other = event("instance-status-changes", { status: 6 });
    const by = ["eventCode", "workspace", "status"];
    expect(groupValues(a, by)).toEqual(["instance-status-changes", "91234", "5"]);
    expect(groupKey(a, by)).toBe(groupKey(b, by));
    expect(groupKey(a, by)).not.toBe(groupKey(other, by));
    expect(groupKey(a, ["data.nodeId"])).not.toBe(groupKey(b, ["data.nodeId"]));
  });

  /**
   * The outbox's decision, step by step as deliveries run: take the destination and group slots, or wait; a
   * delivery that had to wait (for the group's burst or the destination's window) claims every waiting member of
   * its group when its slot opens, one that got its slot at once sends its own event.
   */
  async function simulate(o: { arrivals: number[]; burst: number; destPerSec: number }) {
    const limiter = new RateLimiter(redis, prefix);
    const groups = new DigestGroups(redis, prefix);
    const dest = `ops-${Math.random().toString(36).slice(2, 8)}`;
    const g = "g1";
    const groupLimit = { key: `g.${dest}.${g}`, max: o.burst, windowMs: 60_000 };
    const limits = [{ key: `d.${dest}`, max: o.destPerSec, windowMs: 1_000 }, groupLimit];
    const messages: Array<{ at: number; events: string[] }> = [];
    const waiting = new Map<string, number>(); // jobId → when it retries
    const held = new Set<string>();
    for (let t = 0; t <= 130_000; t += 500) {
      for (const [i, at] of o.arrivals.entries())
        if (at === t) {
          await groups.add({ destination: dest, group: g, jobId: `${dest}.job${i}`, eventId: `ev${i}` });
          waiting.set(`${dest}.job${i}`, t);
        }
      for (const [job, due] of [...waiting].filter(([, due]) => due <= t)) {
        if (!(await groups.waiting(dest, g, job))) {
          waiting.delete(job); // another delivery's digest covered it
          continue;
        }
        const taken = await limiter.take(limits, t);
        if (taken.wait > 0) {
          held.add(job);
          waiting.set(job, due + taken.wait);
          continue;
        }
        const members = await groups.claim(dest, g, job, held.has(job) ? "all" : "self");
        if (members === "covered") throw new Error(`${job} was claimed between waiting() and claim()`);
        messages.push({ at: t, events: members.map((m) => m.eventId) });
        await groups.release(job);
        waiting.delete(job);
      }
    }
    const all = messages.flatMap((m) => m.events).sort();
    expect(all).toEqual(o.arrivals.map((_, i) => `ev${i}`).sort());
    return messages.map((m) => [m.at, m.events.length]);
  }

  it("sends the first `burst` events at once and the rest of the interval as one digest; each event once", async () => {
    // 12 events, one every 2 s.
    const arrivals = Array.from({ length: 12 }, (_, i) => i * 2_000);
    expect(await simulate({ arrivals, burst: 2, destPerSec: 1 })).toEqual([
      [0, 1],
      [2_000, 1],
      // The group's third send waits for its window: everything that arrived meanwhile goes in one digest.
      [60_000, 10],
    ]);
  });

  it("events arriving together still get their `burst` messages of their own before the digest", async () => {
    const arrivals = Array.from({ length: 8 }, () => 0);
    expect(await simulate({ arrivals, burst: 3, destPerSec: 100 })).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [60_000, 5],
    ]);
  });

  it("a backlog behind the destination's window drains as one digest when the next slot opens", async () => {
    // 10 events at once, a group burst never reached, the destination 2 a second.
    const arrivals = Array.from({ length: 10 }, () => 0);
    expect(await simulate({ arrivals, burst: 100, destPerSec: 2 })).toEqual([
      [0, 1],
      [0, 1],
      [1_000, 8],
    ]);
  });

  it("keeps a claim until its send succeeds, so a retried delivery sends the same events again", async () => {
    const groups = new DigestGroups(redis, prefix);
    await groups.add({ destination: "ops", group: "g2", jobId: "jobA", eventId: "evA" });
    await groups.add({ destination: "ops", group: "g2", jobId: "jobB", eventId: "evB" });
    const first = await groups.claim("ops", "g2", "jobA");
    await groups.add({ destination: "ops", group: "g2", jobId: "jobC", eventId: "evC" }); // arrives after the claim: not in this message
    const retried = await groups.claim("ops", "g2", "jobA");
    expect(retried).toEqual(first);
    expect(first === "covered" ? [] : first.map((m) => m.eventId).sort()).toEqual(["evA", "evB"]);
    await groups.release("jobA");
    expect(await groups.waiting("ops", "g2", "jobC")).toBe(true);
  });

  it("a delivery claimed by another one while it waited for its slot claims nothing (no event lost or doubled)", async () => {
    const groups = new DigestGroups(redis, prefix);
    await groups.add({ destination: "ops", group: "g3", jobId: "jobA3", eventId: "evA" });
    await groups.add({ destination: "ops", group: "g3", jobId: "jobB3", eventId: "evB" });
    expect(await groups.waiting("ops", "g3", "jobB3")).toBe(true); // B checks, then waits for a slot…
    const a = await groups.claim("ops", "g3", "jobA3"); // …while A claims the group, B included
    await groups.add({ destination: "ops", group: "g3", jobId: "jobD3", eventId: "evD" }); // D arrives after A's claim
    expect(await groups.claim("ops", "g3", "jobB3")).toBe("covered"); // B must not take D or send itself again
    expect(a === "covered" ? [] : a.map((m) => m.eventId).sort()).toEqual(["evA", "evB"]);
    expect(await groups.waiting("ops", "g3", "jobD3")).toBe(true); // D is still waiting for its own delivery
  });

  it("a delivery joins its group once: an events job re-run after a crash does not make a sent event wait again", async () => {
    const groups = new DigestGroups(redis, prefix);
    const member = { destination: "ops", group: "g4", jobId: "jobR", eventId: "evR" };
    await groups.add(member);
    const claimed = await groups.claim("ops", "g4", "jobR");
    expect(claimed === "covered" ? [] : claimed.map((m) => m.eventId)).toEqual(["evR"]);
    await groups.release("jobR"); // sent
    await groups.add(member, { destination: "ops", group: "g4", jobId: "jobS", eventId: "evS" }); // the re-run
    expect(await groups.waiting("ops", "g4", "jobR")).toBe(false);
    const next = await groups.claim("ops", "g4", "jobS");
    expect(next === "covered" ? [] : next.map((m) => m.eventId)).toEqual(["evS"]);
  });
});
