import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { failureMark, filterCandidate } from "../../../src/ingest/filtered-at-ingest.js";
import { dwEvent, instanceEvent } from "../../helpers/fixtures.js";

const notifications = (n: Record<string, unknown> = {}) => parseConfig({ notifications: n }, {}).notifications;
const inst = (status: number, extra: Record<string, unknown> = {}) =>
  instanceEvent({ status, nodeId: 1, taskId: 9, ...extra });

describe("filterCandidate: what the ingest may filter without a job, and under which guard (pure)", () => {
  it.each([
    ["waiting (2): never followed", inst(2), { kind: "none" }],
    ["not run (0)", inst(0), { kind: "none" }],
    ["unknown status (42)", inst(42), { kind: "none" }],
    ["running: unless its node's failure is this instance", inst(4), { kind: "running", nodeId: "1", instanceId: "9" }],
    ["success: unless its node has a failure", inst(6), { kind: "success", nodeId: "1" }],
    ["running without a node: never followed", inst(4, { nodeId: undefined }), { kind: "none" }],
  ])("defaults: %s", (_name, event, guard) => {
    expect(filterCandidate(event, notifications())?.guard).toEqual(guard);
  });

  it("never an event the filter sends, a failure (the tracker remembers it, sent or not) or an extension point", () => {
    expect(filterCandidate(inst(5), notifications())).toBeUndefined();
    expect(filterCandidate(inst(5), notifications({ instanceStatuses: ["running"] }))).toBeUndefined();
    expect(filterCandidate(inst(4), notifications({ instanceStatuses: ["running"] }))).toBeUndefined();
    expect(filterCandidate(dwEvent("dataworks:FileChange:CommitFile", "commit-file"), notifications())).toBeUndefined();
    expect(
      filterCandidate(dwEvent("dataworks:InstanceChange:KillInstance", "kill-instance"), notifications()),
    ).toBeUndefined();
  });

  it("config: recoveries off, instance events off, a regular event off", () => {
    expect(filterCandidate(inst(6), notifications({ recoveries: false }))?.guard).toEqual({ kind: "none" });
    const off = notifications({ events: { "instance-status-changes": false } });
    expect(filterCandidate(inst(5), off)).toEqual({ reason: "event-off", guard: { kind: "none" } });
    expect(failureMark(inst(5), off)).toBeUndefined();
    const kill = dwEvent("dataworks:InstanceChange:KillInstance", "kill-instance");
    expect(filterCandidate(kill, notifications({ events: { "kill-instance": false } }))).toEqual({
      reason: "event-off",
      guard: { kind: "none" },
    });
  });

  it("a failure marks its node and instance at ingest; nothing else does", () => {
    expect(failureMark(inst(5), notifications())).toEqual({ nodeId: "1", instanceId: "9" });
    expect(failureMark(inst(4), notifications())).toBeUndefined();
    expect(failureMark(inst(5, { nodeId: undefined }), notifications())).toBeUndefined();
  });
});
