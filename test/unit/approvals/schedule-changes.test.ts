import { describe, expect, it } from "vitest";
import { scheduleChanges } from "../../../src/approvals/snapshot/schedule-changes.js";

const node = { cronExpress: "00 05 00 * * ?", rerunMode: "ALL_ALLOWED", resourceGroupId: 42, inputs: [], outputs: [] };

describe("scheduleChanges", () => {
  it("reports the settings the base names and that differ, whatever the base's key case", () => {
    const base = JSON.stringify({
      cycleType: 0,
      cronExpress: "00 30 02 * * ?",
      RerunMode: "ALL_ALLOWED",
      resourceGroupId: 7,
    });
    expect(scheduleChanges(node, base)).toEqual([
      { setting: "cronExpress", before: "00 30 02 * * ?", after: "00 05 00 * * ?" },
      { setting: "resourceGroupId", before: "7", after: "42" },
    ]);
  });

  it("reports nothing on a guess: settings the base does not name, unparsable or missing content", () => {
    expect(scheduleChanges(node, JSON.stringify({ cycleType: 0 }))).toEqual([]);
    expect(scheduleChanges(node, "not json")).toEqual([]);
    expect(scheduleChanges(node, "[1]")).toEqual([]);
    expect(scheduleChanges(node, undefined)).toEqual([]);
    expect(scheduleChanges(undefined, "{}")).toEqual([]);
  });
});
