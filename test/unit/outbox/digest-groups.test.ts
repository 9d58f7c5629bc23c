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
   * The outbox's decision, step by step as deliveries run: take the destination and group slots, or wait; the
   * delivery that gets the slot claims every waiting member of its group.
   */
  it("sends the first `burst` events at once and the rest of the interval as one digest; each event once", async () => {
    const limiter = new RateLimiter(redis, prefix);
    const groups = new DigestGroups(redis, prefix);
    const dest = "ops";
    const g = "g1";
    const limits = [
      { key: `d.${dest}`, max: 1, windowMs: 1_000 },
      { key: `g.${dest}.${g}`, max: 2, windowMs: 60_000 },
    ];
    const messages: Array<{ at: number; events: string[] }> = [];
    const waiting = new Map<string, number>(); // jobId → when it retries
    // 12 events, one every 2 s; each joins its group on arrival and its delivery runs then, or when its wait ends.
    for (let t = 0; t <= 130_000; t += 500) {
      if (t % 2_000 === 0 && t / 2_000 < 12) {
        const i = t / 2_000;
        await groups.add({ destination: dest, group: g, jobId: `job${i}`, eventId: `ev${i}` });
        waiting.set(`job${i}`, t);
      }
      for (const [job, due] of [...waiting].filter(([, due]) => due <= t)) {
        if (!(await groups.waiting(dest, g, job))) {
          waiting.delete(job); // another delivery's digest covered it
          continue;
        }
        const wait = await limiter.acquire(limits, t);
        if (wait > 0) {
          waiting.set(job, due + wait);
          continue;
        }
        const members = await groups.claim(dest, g, job);
        if (members === "covered") throw new Error(`${job} was claimed between waiting() and claim()`);
        messages.push({ at: t, events: members.map((m) => m.eventId) });
        await groups.release(job);
        waiting.delete(job);
      }
    }
    expect(messages.map((m) => [m.at, m.events.length])).toEqual([
      [0, 1],
      [2_000, 1],
      // The group's third send waits for its window: everything that arrived meanwhile goes in one digest.
      [60_000, 10],
    ]);
    const all = messages.flatMap((m) => m.events).sort();
    expect(all).toEqual(Array.from({ length: 12 }, (_, i) => `ev${i}`).sort());
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
