import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatUser } from "../../../src/access/people.js";
import { ApprovalStore } from "../../../src/approvals/store.js";
import { incidentActionsSchema } from "../../../src/config/sections/incident-actions.js";
import { IncidentStore, OP_IN_FLIGHT_MS, TIMELINE_MAX, unattended } from "../../../src/incidents/store.js";
import type { IncidentFacts } from "../../../src/incidents/types.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

const redis = new Redis(TEST_REDIS_URL);
afterAll(() => redis.disconnect());

const wang: ChatUser = { platform: "lark", userId: "ou_wang", name: "王芳" };
const li: ChatUser = { platform: "slack", userId: "U0LI", name: "Li Lei" };
const facts: IncidentFacts = {
  instanceId: "523536569736",
  nodeId: "700001234003",
  nodeName: "ods_order_detail_di",
  bizDate: "2026-12-06",
  projectId: "91234",
  region: "cn-shanghai",
  eventId: "ev-failed-1",
};
const T0 = Date.parse("2026-12-07T02:03:00+08:00");

describe("IncidentStore", () => {
  let prefix: string;
  let store: IncidentStore;
  beforeEach(() => {
    prefix = testPrefix();
    store = new IncidentStore(redis, prefix, 60_000);
  });
  afterEach(() => deleteKeys(prefix));

  it("opens one incident per failed instance; the same event again adds nothing", async () => {
    expect(await store.open(facts, T0)).toBe(true);
    expect(await store.open(facts, T0 + 5)).toBe(false);
    const i = await store.get(facts.instanceId);
    expect(i).toMatchObject({
      ...facts,
      state: "open",
      openedAt: T0,
      refs: [],
      timeline: [{ at: T0, kind: "failed" }],
    });
    expect(unattended(i!)).toBe(true);
    expect(await store.get("999")).toBeUndefined();
  });

  it("prepare: opens or watches, records the first route's actions per destination, and reads back in one call", async () => {
    const event = { id: facts.eventId, source: "acs.dataworks", type: "t", data: { status: 5 } } as never;
    const first = incidentActionsSchema.parse({ users: { lark: ["ou_wang"] } });
    const other = incidentActionsSchema.parse({ buttons: ["acknowledge"] });
    const i = await store.prepare(facts, T0, { mode: "open", event, destination: "ops", allow: first });
    expect(i).toMatchObject({ ...facts, state: "open", timeline: [{ at: T0, kind: "failed" }] });
    expect(i?.actions.ops?.buttons).toEqual(first.buttons);
    // The event body is kept for later renders, not sent back to the delivery that has it.
    expect(i?.event).toBeUndefined();
    expect((await store.get(facts.instanceId))?.event).toEqual(event);
    // The same failure again (a retried delivery): no second entry; actions already recorded here are kept.
    const again = await store.prepare(facts, T0 + 5, { mode: "open", event, destination: "ops", allow: other });
    expect(again?.timeline).toHaveLength(1);
    expect(again?.actions.ops?.buttons).toEqual(first.buttons);
    // A read alone (a status of another instance): nothing without an incident, and nothing written for it.
    const none = { ...facts, instanceId: "777" };
    expect(await store.prepare(none, T0, { destination: "ops", allow: first })).toBeUndefined();
    expect(await redis.exists(...store.keys("777"))).toBe(0);
    // Watch: a running instance shown with Stop, tracked once.
    const w = await store.prepare(none, T0, { mode: "watch", event, destination: "ops", allow: other });
    expect(w).toMatchObject({ instanceId: "777", state: "running", timeline: [] });
    expect(w?.actions.ops?.buttons).toEqual(["acknowledge"]);
    expect(await redis.pttl(store.keys("777")[0])).toBeGreaterThan(0);
    // Watched again (a later running event): what it is tracked with stays.
    const later = await store.prepare({ ...none, eventId: "ev-later" }, T0 + 9, { mode: "watch", destination: "ops" });
    expect(later).toMatchObject({ eventId: facts.eventId, openedAt: T0, state: "running" });
  });

  it("keeps refs and the route's actions per destination, and expires within the retention", async () => {
    await store.open(facts, T0);
    const actions = incidentActionsSchema.parse({ users: { lark: ["ou_wang"] } });
    await store.addRef(
      facts.instanceId,
      { adapter: "lark", destination: "ops-lark", ids: { messageId: "om_1" } },
      actions,
    );
    const i = await store.get(facts.instanceId);
    expect(i?.refs).toEqual([{ adapter: "lark", destination: "ops-lark", ids: { messageId: "om_1" } }]);
    expect(i?.actions["ops-lark"]?.buttons).toEqual(["acknowledge", "rerun", "set-success"]);
    const [hash, timeline] = store.keys(facts.instanceId);
    for (const k of [hash, timeline]) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it("acknowledge: the first claims it, a second sees who has it and may take it over; audited", async () => {
    await store.open(facts, T0);
    expect(await store.acknowledge(facts.instanceId, wang, T0 + 120_000)).toEqual({
      ok: true,
      ack: { by: wang, since: T0 + 120_000 },
    });
    expect(await store.acknowledge(facts.instanceId, wang, T0 + 130_000)).toEqual({
      ok: false,
      reason: "already",
      ack: { by: wang, since: T0 + 120_000 },
    });
    expect(await store.acknowledge(facts.instanceId, li, T0 + 140_000)).toMatchObject({ ok: false, reason: "taken" });
    const took = await store.acknowledge(facts.instanceId, li, T0 + 150_000, true);
    expect(took).toEqual({
      ok: true,
      ack: { by: li, since: T0 + 150_000, from: wang },
      tookOver: { by: wang, since: T0 + 120_000 },
    });
    const i = await store.get(facts.instanceId);
    expect(i?.state).toBe("acknowledged");
    expect(i?.ack).toEqual({ by: li, since: T0 + 150_000, from: wang });
    expect(unattended(i!)).toBe(false);
    expect(i?.timeline.map((e) => e.kind)).toEqual(["failed", "acknowledged", "taken-over"]);
    expect(i?.timeline[2]).toEqual({ at: T0 + 150_000, kind: "taken-over", by: li, from: wang });
    const audit = await redis.xrange(`${prefix}:audit`, "-", "+");
    expect(audit).toHaveLength(2);
    expect(audit.map(([, f]) => JSON.parse(f.at(-1) as string))).toEqual([
      { instanceId: facts.instanceId, action: "acknowledged", by: wang, at: T0 + 120_000 },
      { instanceId: facts.instanceId, action: "taken-over", by: li, from: wang, at: T0 + 150_000 },
    ]);
  });

  it("acknowledge of an unknown or finished instance changes nothing", async () => {
    expect(await store.acknowledge("523", wang)).toEqual({ ok: false, reason: "missing" });
    expect(await store.acknowledge("bad id!", wang)).toEqual({ ok: false, reason: "missing" });
    await store.open(facts, T0);
    await store.recordStatus(facts.instanceId, "succeeded", T0 + 1, "ev-ok");
    expect(await store.acknowledge(facts.instanceId, wang)).toEqual({
      ok: false,
      reason: "closed",
      state: "recovered",
    });
  });

  it("two people claiming Rerun at once: one claim; a finished rerun moves the instance on, once", async () => {
    await store.open(facts, T0);
    const claims = await Promise.all([
      store.claim(facts.instanceId, "rerun", wang, T0 + 1),
      store.claim(facts.instanceId, "rerun", li, T0 + 1),
      store.claim(facts.instanceId, "set-success", li, T0 + 1),
    ]);
    const won = claims.filter((c) => c.ok);
    expect(won).toHaveLength(1);
    expect(claims.filter((c) => !c.ok && c.reason === "inFlight")).toHaveLength(2);
    const claimId = (won[0] as { claimId: string }).claimId;
    expect(await store.holds(facts.instanceId, claimId)).toBe(true);
    const by = claims[0]?.ok ? wang : li;
    expect((await store.get(facts.instanceId))?.pending).toEqual({ op: "rerun", by, at: T0 + 1 });

    const result = { op: "rerun" as const, by, at: T0 + 2, ok: true };
    expect(await store.finish(facts.instanceId, claimId, result)).toBe(true);
    expect(await store.finish(facts.instanceId, claimId, result)).toBe(false);
    const i = await store.get(facts.instanceId);
    expect(i?.state).toBe("running");
    expect(i?.pending).toBeUndefined();
    expect(i?.lastOp).toEqual(result);
    expect(i?.timeline.map((e) => e.kind)).toEqual(["failed", "rerun-requested", "rerun"]);
    // A repeated click after the rerun: the instance is running now, so Rerun no longer applies.
    expect(await store.claim(facts.instanceId, "rerun", li, T0 + 3)).toEqual({
      ok: false,
      reason: "state",
      state: "running",
    });
    // Failed again: it re-opens, still with whoever acknowledged it, and may be rerun again.
    await store.acknowledge(facts.instanceId, wang, T0 + 4);
    expect(await store.open({ ...facts, eventId: "ev-failed-2" }, T0 + 5)).toBe(true);
    expect((await store.get(facts.instanceId))?.state).toBe("acknowledged");
    expect((await store.claim(facts.instanceId, "rerun", li, T0 + 6)).ok).toBe(true);
    const audit = await redis.xrange(`${prefix}:audit`, "-", "+");
    const actions = audit.map(([, f]) => (JSON.parse(f.at(-1) as string) as { action: string }).action);
    expect(actions).toEqual(["rerun-requested", "rerun", "acknowledged", "rerun-requested"]);
  });

  it("a failed operation keeps the state and the API's error, and frees the instance for another try", async () => {
    await store.open(facts, T0);
    const c = await store.claim(facts.instanceId, "set-success", wang, T0 + 1);
    if (!c.ok) throw new Error("no claim");
    await store.finish(facts.instanceId, c.claimId, {
      op: "set-success",
      by: wang,
      at: T0 + 2,
      ok: false,
      error: "Throttling.User: Request was denied due to user flow control.",
    });
    const i = await store.get(facts.instanceId);
    expect(i?.state).toBe("open");
    expect(i?.lastOp?.error).toContain("flow control");
    expect((await store.claim(facts.instanceId, "set-success", li, T0 + 3)).ok).toBe(true);
  });

  it("a claim left by a dead worker expires; the old claim no longer holds", async () => {
    await store.open(facts, T0);
    const c = await store.claim(facts.instanceId, "rerun", wang, T0);
    if (!c.ok) throw new Error("no claim");
    expect(await store.claim(facts.instanceId, "rerun", li, T0 + OP_IN_FLIGHT_MS - 1)).toMatchObject({
      reason: "inFlight",
    });
    const again = await store.claim(facts.instanceId, "rerun", li, T0 + OP_IN_FLIGHT_MS);
    expect(again.ok).toBe(true);
    expect(await store.holds(facts.instanceId, c.claimId)).toBe(false);
    expect(await store.finish(facts.instanceId, c.claimId, { op: "rerun", by: wang, at: T0, ok: true })).toBe(false);
  });

  it("stop applies to a running instance only", async () => {
    await store.open(facts, T0);
    expect(await store.claim(facts.instanceId, "stop", wang, T0)).toEqual({
      ok: false,
      reason: "state",
      state: "open",
    });
    const running = { ...facts, instanceId: "777", eventId: "ev-running" };
    await store.prepare(running, T0, { mode: "watch", destination: "ops" });
    // Watching what is already tracked changes nothing: the failed one stays open.
    expect((await store.prepare(facts, T0, { mode: "watch", destination: "ops" }))?.state).toBe("open");
    const c = await store.claim("777", "stop", wang, T0 + 1);
    if (!c.ok) throw new Error("no claim");
    await store.finish("777", c.claimId, { op: "stop", by: wang, at: T0 + 2, ok: true });
    expect((await store.get("777"))?.state).toBe("stopped");
  });

  it("append: once per dedupe key; status events move the state; the timeline is bounded", async () => {
    expect(await store.append(facts.instanceId, { at: T0, kind: "escalated" })).toBe("missing");
    await store.open(facts, T0);
    expect(
      await store.append(facts.instanceId, { at: T0 + 1, kind: "escalated", detail: "oncall" }, { dedupeKey: "esc.1" }),
    ).toBe("ok");
    expect(await store.append(facts.instanceId, { at: T0 + 1, kind: "escalated" }, { dedupeKey: "esc.1" })).toBe(
      "duplicate",
    );
    expect(await store.recordStatus(facts.instanceId, "running", T0 + 2, "ev-r")).toBe("ok");
    expect((await store.get(facts.instanceId))?.state).toBe("running");
    expect(await store.recordStatus(facts.instanceId, "succeeded", T0 + 3, "ev-s")).toBe("ok");
    expect(await store.recordStatus(facts.instanceId, "succeeded", T0 + 3, "ev-s")).toBe("duplicate");
    const i = await store.get(facts.instanceId);
    expect(i?.state).toBe("recovered");
    expect(i?.timeline.map((e) => e.kind)).toEqual(["failed", "escalated", "running", "succeeded"]);
    for (let n = 0; n < TIMELINE_MAX + 5; n++)
      await store.append(facts.instanceId, { at: T0 + 10 + n, kind: "running" });
    const long = await store.get(facts.instanceId);
    expect(long?.timeline).toHaveLength(TIMELINE_MAX);
    expect(long?.timeline.at(-1)?.at).toBe(T0 + 10 + TIMELINE_MAX + 4);
  });

  it("refuses to open an incident under something that is not an instance id", async () => {
    await expect(store.open({ ...facts, instanceId: "a:b" })).rejects.toThrow(/not an instance id/);
  });

  it("shares the audit stream with approvals", async () => {
    await store.open(facts, T0);
    await store.acknowledge(facts.instanceId, wang, T0);
    const approvals = new ApprovalStore(redis, prefix);
    expect((await approvals.auditLog()).length).toBe(1);
  });
});
