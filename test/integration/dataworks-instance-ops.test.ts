import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { instanceOpEffect, runInstanceOp } from "../../src/dataworks/instance-ops.js";
import { type DataWorksApi, DataWorksApiError } from "../../src/dataworks/openapi-client.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { fakeDataWorksApi, resetCalls } from "../helpers/dataworks-api.js";

const AK = "LTAI-instance-ops";
const SECRET = "instance-ops-secret-0123";
const FAILED = 523536569736;
const RUNNING = 523536569737;
const HUGE = "9007199254740993"; // beyond 2^53: must reach DataWorks digit for digit

describe("instance operations (real SDK, fake gateway)", () => {
  let dw: FakeDataWorks;
  let api: DataWorksApi;

  beforeAll(async () => {
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    api = fakeDataWorksApi(dw, AK, SECRET);
  });
  afterAll(() => dw.stop());
  beforeEach(() => {
    resetCalls(dw);
    dw.instanceOps.status.clear();
    dw.instanceOps.applied.length = 0;
    dw.instanceOps.status.set(FAILED, "Failure");
    dw.instanceOps.status.set(RUNNING, "Running");
  });

  it("2024-05-18 RerunTaskInstances: Ids as a JSON array in the signed form body; the instance's SuccessInfo", async () => {
    const out = await runInstanceOp(api, {
      op: "rerun",
      instanceId: String(FAILED),
      version: "2024-05-18",
      regionId: "cn-shanghai",
      comment: "rerun from chat by 王芳",
    });
    expect(out).toMatchObject({ ok: true, action: "RerunTaskInstances" });
    expect(dw.calls).toHaveLength(1);
    expect(dw.calls[0]).toMatchObject({
      action: "RerunTaskInstances",
      version: "2024-05-18",
      location: "body",
      params: { Ids: `[${FAILED}]`, Comment: "rerun from chat by 王芳" },
    });
    expect(dw.instanceOps.applied).toEqual([{ op: "rerun", id: FAILED, comment: "rerun from chat by 王芳" }]);
  });

  it("after a lost answer, the instance's status says whether the operation took effect (both API versions)", async () => {
    for (const version of ["2024-05-18", "2020-05-18"] as const) {
      const effect = (op: "rerun" | "set-success" | "stop", id: number) =>
        instanceOpEffect(api, { op, instanceId: String(id), version, regionId: "cn-shanghai" });
      dw.instanceOps.status.set(FAILED, "Failure");
      dw.instanceOps.status.set(RUNNING, "Running");
      expect(await effect("rerun", FAILED)).toBe("not-seen");
      expect(await effect("set-success", FAILED)).toBe("not-seen");
      expect(await effect("stop", RUNNING)).toBe("not-seen");
      dw.instanceOps.status.set(FAILED, "WaitResource"); // rerun: waiting for resources, no longer failed
      expect(await effect("rerun", FAILED)).toBe("done");
      dw.instanceOps.status.set(FAILED, "Success");
      expect(await effect("set-success", FAILED)).toBe("done");
      dw.instanceOps.status.set(RUNNING, "Failure"); // a stopped instance is failed
      expect(await effect("stop", RUNNING)).toBe("done");
    }
    expect(dw.callsOf("GetTaskInstance")).toHaveLength(6);
    expect(dw.callsOf("GetInstance")).toHaveLength(6);
    expect(dw.callsOf("GetInstance")[0]?.params).toMatchObject({ InstanceId: String(FAILED), ProjectEnv: "PROD" });
    // An instance DataWorks does not know: the status cannot be read, which the caller shows as unknown.
    await expect(
      instanceOpEffect(api, { op: "rerun", instanceId: HUGE, version: "2024-05-18" }),
    ).rejects.toBeInstanceOf(DataWorksApiError);
  });

  it("a refusal for the instance in SuccessInfo is an outcome with DataWorks' message, not a thrown error", async () => {
    const stop = await runInstanceOp(api, { op: "stop", instanceId: String(FAILED), version: "2024-05-18" });
    expect(stop).toEqual(
      expect.objectContaining({ ok: false, action: "StopTaskInstances", message: "The instance is not running." }),
    );
    dw.instanceOps.refuse.set(FAILED, "You have no permission on workspace 91234.");
    const set = await runInstanceOp(api, { op: "set-success", instanceId: String(FAILED), version: "2024-05-18" });
    expect(set).toMatchObject({ ok: false, message: "You have no permission on workspace 91234." });
    const gone = await runInstanceOp(api, { op: "rerun", instanceId: HUGE, version: "2024-05-18" });
    expect(gone).toMatchObject({ ok: false, message: "The instance does not exist." });
    expect(dw.callsOf("RerunTaskInstances")[0]?.params.Ids).toBe(`[${HUGE}]`);
    const ok = await runInstanceOp(api, { op: "stop", instanceId: String(RUNNING), version: "2024-05-18" });
    expect(ok).toMatchObject({ ok: true, action: "StopTaskInstances" });
  });

  it("throttling and server errors throw a retryable DataWorksApiError; a bad request a permanent one", async () => {
    dw.script.push({ action: "SetSuccessTaskInstances", answer: { throttle: true } });
    const throttled = await runInstanceOp(api, {
      op: "set-success",
      instanceId: String(FAILED),
      version: "2024-05-18",
    }).catch((e) => e);
    expect(throttled).toBeInstanceOf(DataWorksApiError);
    expect(throttled).toMatchObject({ retryable: true, throttled: true, apiCode: "Throttling.User" });
    expect((throttled as Error).message).toContain("Request was denied due to user flow control.");
    expect((throttled as Error).message).not.toContain(SECRET);
    dw.script.push({ action: "RerunTaskInstances", answer: { status: 503, code: "ServiceUnavailable" } });
    await expect(
      runInstanceOp(api, { op: "rerun", instanceId: String(FAILED), version: "2024-05-18" }),
    ).rejects.toMatchObject({
      retryable: true,
    });
    dw.script.push({ action: "RerunTaskInstances", answer: { invalidParameter: true } });
    await expect(
      runInstanceOp(api, { op: "rerun", instanceId: String(FAILED), version: "2024-05-18" }),
    ).rejects.toMatchObject({
      retryable: false,
      apiCode: "InvalidParameter",
    });
    expect(dw.instanceOps.applied).toEqual([]);
  });

  it("2020-05-18 RestartInstance / SetSuccessInstance / StopInstance: InstanceId and ProjectEnv; Success=false is a refusal", async () => {
    expect(await runInstanceOp(api, { op: "rerun", instanceId: String(FAILED), version: "2020-05-18" })).toMatchObject({
      ok: true,
      action: "RestartInstance",
    });
    expect(dw.calls[0]).toMatchObject({
      action: "RestartInstance",
      version: "2020-05-18",
      location: "body",
      params: { InstanceId: String(FAILED), ProjectEnv: "PROD" },
    });
    const refused = await runInstanceOp(api, { op: "set-success", instanceId: String(RUNNING), version: "2020-05-18" });
    expect(refused).toMatchObject({ ok: false, action: "SetSuccessInstance", code: "Invalid.Instance.Status" });
    expect(refused.ok === false && refused.message).toContain("Only a failed instance can be set to success.");
    expect(await runInstanceOp(api, { op: "stop", instanceId: String(RUNNING), version: "2020-05-18" })).toMatchObject({
      ok: true,
      action: "StopInstance",
    });
  });

  it("refuses what is not an instance id before calling", async () => {
    await expect(runInstanceOp(api, { op: "rerun", instanceId: "1,2", version: "2024-05-18" })).rejects.toThrow(
      /not a DataWorks instance id/,
    );
    expect(dw.calls).toEqual([]);
  });
});
