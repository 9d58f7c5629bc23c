import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import type { DwEvent } from "../../../src/core/event.js";
import { createNotifyFilter, filteredKey } from "../../../src/notify/notify-filter.js";
import { createIncidentTracker, followsOf } from "../../../src/incidents/track.js";
import { MessageRefs } from "../../../src/state/message-refs.js";
import { dwEvent } from "../../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

const ev = (eventCode: string, type: string, data: Record<string, unknown> = {}) => dwEvent(type, eventCode, data);
const INST = "dataworks:InstanceStatusChanges:InstanceStatusChanges";
const inst = (status: number, nodeId: number | undefined = 1) =>
  ev("instance-status-changes", INST, { status, nodeId, taskId: 9 });

describe("notify filter, after the incident tracker as the events worker runs them (real Redis)", () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const filter = (notifications: Record<string, unknown> = {}) => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const config = parseConfig({ notifications }, {});
    const notify = createNotifyFilter(redis, prefix, config.notifications);
    const tracker = createIncidentTracker(redis, prefix, config, new MessageRefs(redis, prefix));
    const f = async (event: DwEvent) => notify(event, followsOf(await tracker.track(event)));
    return { prefix, f };
  };
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await deleteKeys(p);
  });
  afterAll(() => redis.disconnect());

  it.each([
    ["failed instance", inst(5), true, "status:5"],
    ["running instance", inst(4), false, "status-off:4"],
    ["waiting instance", inst(2), false, "status-off:2"],
    ["not run (0)", inst(0), false, "status-off:0"],
    ["success with no failure before", inst(6), false, "status-off:6"],
    ["extension point (commit-file)", ev("commit-file", "dataworks:FileChange:CommitFile"), true, "extension-point"],
    [
      "extension point by type (UnFreezeNode casing)",
      ev("x", "dataworks:NodeChange:UnFreezeNode"),
      true,
      "extension-point",
    ],
    ["regular event", ev("kill-instance", "dataworks:InstanceChange:KillInstance"), true, "event-on"],
    ["unknown event", ev("brand-new", "dataworks:New:Thing"), true, "event-on"],
  ])("defaults: %s → %s", async (_name, event, notify, reason) => {
    const { f } = filter();
    expect(await f(event)).toEqual({ notify, reason });
  });

  it("a success after a failure of the same node is a recovery, once; other nodes are unaffected", async () => {
    const { f, prefix } = filter();
    expect((await f(inst(5, 42))).notify).toBe(true);
    expect(await f(inst(6, 43))).toEqual({ notify: false, reason: "status-off:6" });
    expect(await f(inst(6, 42))).toEqual({ notify: true, reason: "recovery" });
    expect(await f(inst(6, 42))).toEqual({ notify: false, reason: "status-off:6" });
    expect(await redis.hgetall(filteredKey(prefix))).toEqual({ "instance-status-changes": "2" });
  });

  it("recoveries off, failure memory expiry, and chosen statuses", async () => {
    const off = filter({ recoveries: false }).f;
    await off(inst(5, 7));
    expect((await off(inst(6, 7))).notify).toBe(false);

    const short = filter({ failureMemory: 50 }).f;
    await short(inst(5, 8));
    await new Promise((r) => setTimeout(r, 120));
    expect((await short(inst(6, 8))).notify).toBe(false);

    const custom = filter({ instanceStatuses: ["running", "succeeded", "notRun"] }).f;
    expect((await custom(inst(4))).notify).toBe(true);
    expect((await custom(inst(6))).notify).toBe(true);
    expect((await custom(inst(1))).notify).toBe(true);
    expect((await custom(inst(5))).notify).toBe(false);
  });

  it("a failure that is not notified is still remembered for the recovery", async () => {
    const { f } = filter({ instanceStatuses: [] });
    expect((await f(inst(5, 9))).notify).toBe(false);
    expect(await f(inst(6, 9))).toEqual({ notify: true, reason: "recovery" });
  });

  it("a success wanted for itself is still told apart as a recovery when the node failed before", async () => {
    const { f } = filter({ instanceStatuses: ["failed", "succeeded"] });
    await f(inst(5, 11));
    expect(await f(inst(6, 11))).toEqual({ notify: true, reason: "recovery" });
    expect(await f(inst(6, 11))).toEqual({ notify: true, reason: "status:6" });
  });

  it("per-event switches; others off; extension points cannot be switched off", async () => {
    const { f } = filter({
      events: { "node-change-updated": false, "kill-instance": true, "commit-file": false },
      others: false,
    });
    expect(await f(ev("node-change-updated", "dataworks:NodeChange:NodeChangeUpdated"))).toEqual({
      notify: false,
      reason: "event-off",
    });
    expect((await f(ev("kill-instance", "dataworks:InstanceChange:KillInstance"))).notify).toBe(true);
    expect((await f(ev("rerun-instance", "dataworks:InstanceChange:RerunInstance"))).notify).toBe(false);
    expect((await f(ev("commit-file", "dataworks:FileChange:CommitFile"))).notify).toBe(true);
    const all = filter({ events: { "instance-status-changes": false } }).f;
    expect((await all(inst(5))).notify).toBe(false);
  });

  it("rejects unknown status names in the config", () => {
    expect(() => parseConfig({ notifications: { instanceStatuses: ["exploded"] } }, {})).toThrow(/instanceStatuses/);
  });
});
