import { describe, expect, it } from "vitest";
import { STATUS_VALUES, STATUS_WORDS } from "../../../src/commands/status-words.js";
import { parseConfig } from "../../../src/config/load-config.js";
import {
  INSTANCE_STATUS_NAMES,
  instanceCodes,
  instanceOf,
  instanceStatusName,
} from "../../../src/dataworks/instance.js";
import { dwEvent } from "../../helpers/fixtures.js";

const INST = "dataworks:InstanceStatusChanges:InstanceStatusChanges";
const ev = (type: string, eventCode: string, data: Record<string, unknown>) => dwEvent(type, eventCode, data);

describe("instanceOf: which instance and node an event is about", () => {
  it("reads node, instance and status from an instance status change, numbers or strings alike", () => {
    expect(instanceOf(ev(INST, "instance-status-changes", { nodeId: 700, taskId: 9001, status: 5 }))).toEqual({
      nodeId: "700",
      instanceId: "9001",
      code: 5,
      status: "failed",
    });
    // Long ids arrive as strings (parse-json.ts keeps integers beyond 2^53 exact); statuses as digit strings.
    expect(
      instanceOf(ev(INST, "instance-status-changes", { nodeId: "700000000000000001", taskId: "9", status: "6" })),
    ).toEqual({ nodeId: "700000000000000001", instanceId: "9", code: 6, status: "succeeded" });
  });

  it("knows the event by its type when the event code is not the catalog's", () => {
    expect(instanceOf(ev(INST, "whatever", { nodeId: 1, status: 0 }))?.status).toBe("notRun");
  });

  it("leaves out what the payload does not say, and names only documented statuses", () => {
    expect(instanceOf(ev(INST, "instance-status-changes", {}))).toEqual({});
    expect(instanceOf(ev(INST, "instance-status-changes", { nodeId: "", taskId: null, status: "x" }))).toEqual({});
    expect(instanceOf(ev(INST, "instance-status-changes", { status: 9 }))).toEqual({ code: 9 });
    expect(instanceOf(ev(INST, "instance-status-changes", { status: null }))).toEqual({});
    expect(instanceOf(ev(INST, "instance-status-changes", { status: "" }))).toEqual({});
  });

  it("is undefined for every other event, even one carrying nodeId and status", () => {
    const dag = ev("dataworks:DagStatusChanges:DagStatusChanges", "dag-status-changes", { nodeId: 1, status: 5 });
    expect(instanceOf(dag)).toBeUndefined();
    expect(instanceOf(ev("dataworks:NodeChange:NodeChangeUpdated", "node-change-updated", { nodeId: 1 }))).toBe(
      undefined,
    );
  });
});

describe("instance statuses: one table for the config, the filter and the status= words", () => {
  it("names each documented value 0-8 exactly once; 0 and 1 are both not run", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(instanceStatusName)).toEqual([
      "notRun",
      "notRun",
      "waitTime",
      "waitResource",
      "running",
      "failed",
      "succeeded",
      "checking",
      "checkingCondition",
    ]);
    expect(instanceStatusName(9)).toBeUndefined();
    expect(instanceCodes(...INSTANCE_STATUS_NAMES)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("the config accepts exactly these names", () => {
    expect(parseConfig({ notifications: { instanceStatuses: INSTANCE_STATUS_NAMES } }, {}).notifications).toMatchObject(
      { instanceStatuses: INSTANCE_STATUS_NAMES },
    );
    expect(() => parseConfig({ notifications: { instanceStatuses: ["failure"] } }, {})).toThrow(/instanceStatuses/);
  });

  it("the status= words cover every instance value once", () => {
    const covered = STATUS_WORDS.flatMap((w) => STATUS_VALUES[w].instance).sort((a, b) => a - b);
    expect(covered).toEqual(instanceCodes(...INSTANCE_STATUS_NAMES));
  });
});
