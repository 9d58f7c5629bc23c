import { describe, expect, it } from "vitest";
import type { DwEvent } from "../../../src/core/event.js";
import { recoveryHow } from "../../../src/outbox/recovery.js";

const at = (data: Record<string, unknown>): DwEvent =>
  ({ id: "e", type: "t", eventCode: "instance-status-changes", data }) as unknown as DwEvent;

describe("recoveryHow: how a failed instance came to succeed, where the payloads tell", () => {
  const failed = at({ taskId: 1, status: 5, beginRunningTime: 1_000, finishTime: 2_000, dagType: 0 });

  it("the same instance that ran again after failing was rerun", () => {
    expect(recoveryHow(failed, at({ taskId: 1, status: 6, beginRunningTime: 3_000, finishTime: 4_000 }))).toBe("rerun");
  });

  it("the same instance that succeeded without running again was set to succeeded", () => {
    expect(recoveryHow(failed, at({ taskId: "1", status: 6, beginRunningTime: 1_000, finishTime: 2_500 }))).toBe(
      "setSuccess",
    );
  });

  it("another instance: the next scheduled cycle, or another kind of run (backfill, manual)", () => {
    expect(recoveryHow(failed, at({ taskId: 2, status: 6, dagType: 0 }))).toBe("nextCycle");
    expect(recoveryHow(failed, at({ taskId: 2, status: 6, dagType: 3 }))).toBe("otherRun");
  });

  it("says nothing when the payloads do not tell", () => {
    expect(recoveryHow(failed, at({ status: 6 }))).toBeUndefined();
    expect(recoveryHow(failed, at({ taskId: 1, status: 6 }))).toBeUndefined();
    expect(recoveryHow(failed, at({ taskId: 2, status: 6 }))).toBeUndefined();
  });
});
