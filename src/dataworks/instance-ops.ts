/**
 * The DataWorks operations on a scheduled instance that chat may start: rerun, set to success, stop. Calls only,
 * one instance per call, signed by src/dataworks/openapi-client.ts; who may and when is src/incidents/.
 *
 * 2024-05-18 (default), batch operations answering per instance in `SuccessInfo` (a map instance id →
 * { Success, Message }), `Ids` a JSON array in the form body as the official SDK sends it
 * (arrayToStringWithSpecifiedStyle(ids, "Ids", "json"), body["Ids"]):
 *   RerunTaskInstances      https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2024-05-18-reruntaskinstances
 *   SetSuccessTaskInstances https://help.aliyun.com/zh/dataworks/developer-reference/api-dataworks-public-2024-05-18-setsuccesstaskinstances
 *   StopTaskInstances       https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2024-05-18-stoptaskinstances
 * 2020-05-18 (`dataworks.instanceApi: "2020-05-18"`, accounts still on it), one instance (InstanceId, ProjectEnv),
 * answering { Success, Data: true } or Success=false with ErrorCode / ErrorMessage:
 *   RestartInstance         https://help.aliyun.com/zh/dataworks/developer-reference/api-dataworks-public-2020-05-18-restartinstance
 *   SetSuccessInstance, StopInstance (same request and answer shape).
 */
import { DataWorksApiError, type DataWorksApi } from "./openapi-client.js";

export type InstanceOperation = "rerun" | "set-success" | "stop";
export type InstanceApiVersion = "2024-05-18" | "2020-05-18";

export const INSTANCE_OP_ACTIONS: Readonly<Record<InstanceApiVersion, Readonly<Record<InstanceOperation, string>>>> = {
  "2024-05-18": { rerun: "RerunTaskInstances", "set-success": "SetSuccessTaskInstances", stop: "StopTaskInstances" },
  "2020-05-18": { rerun: "RestartInstance", "set-success": "SetSuccessInstance", stop: "StopInstance" },
};

export interface InstanceOpRequest {
  op: InstanceOperation;
  instanceId: string;
  version: InstanceApiVersion;
  /** The event's region: the endpoint the call goes to. */
  regionId?: string;
  /** Recorded by DataWorks with the operation (2024-05-18 only): who asked, from chat. Never a secret. */
  comment?: string;
}

/**
 * What DataWorks said about the one instance: done, or refused with its message (the instance does not exist, is
 * in a state that does not allow it). A failure of the call itself (throttled, 5xx, bad credentials) is thrown as
 * DataWorksApiError, whose `retryable` says whether trying again may help.
 */
export type InstanceOpOutcome =
  | { ok: true; action: string; requestId?: string }
  | { ok: false; action: string; message: string; code?: string; requestId?: string };

export async function runInstanceOp(api: DataWorksApi, r: InstanceOpRequest): Promise<InstanceOpOutcome> {
  if (!/^\d{1,19}$/.test(r.instanceId)) throw new Error(`not a DataWorks instance id: ${JSON.stringify(r.instanceId)}`);
  const action = INSTANCE_OP_ACTIONS[r.version][r.op];
  if (r.version === "2020-05-18") return runLegacy(api, action, r);
  // The id is written into the JSON as digits: a 19-digit id would lose precision as a JS number.
  const res = await api.call({
    action,
    version: "2024-05-18",
    regionId: r.regionId,
    params: { Ids: `[${r.instanceId}]`, Comment: r.comment },
    location: "body",
  });
  const info = res.body.SuccessInfo;
  const mine = info && typeof info === "object" ? (info as Record<string, unknown>)[r.instanceId] : undefined;
  if (!mine || typeof mine !== "object")
    return {
      ok: false,
      action,
      message: `DataWorks ${action} gave no result for instance ${r.instanceId}`,
      ...(res.requestId ? { requestId: res.requestId } : {}),
    };
  const m = mine as { Success?: unknown; Message?: unknown };
  if (m.Success === true || m.Success === "true")
    return { ok: true, action, ...(res.requestId ? { requestId: res.requestId } : {}) };
  return {
    ok: false,
    action,
    message:
      typeof m.Message === "string" && m.Message ? m.Message : `DataWorks ${action} refused instance ${r.instanceId}`,
    ...(res.requestId ? { requestId: res.requestId } : {}),
  };
}

async function runLegacy(api: DataWorksApi, action: string, r: InstanceOpRequest): Promise<InstanceOpOutcome> {
  try {
    const res = await api.call({
      action,
      version: "2020-05-18",
      regionId: r.regionId,
      params: { InstanceId: r.instanceId, ProjectEnv: "PROD" },
      location: "body",
    });
    if (res.body.Data === false)
      return {
        ok: false,
        action,
        message: `DataWorks ${action} answered false`,
        ...(res.requestId ? { requestId: res.requestId } : {}),
      };
    return { ok: true, action, ...(res.requestId ? { requestId: res.requestId } : {}) };
  } catch (err) {
    // Success=false is DataWorks refusing this instance (ErrorMessage says why), not a failed call: shown, not retried.
    if (err instanceof DataWorksApiError && err.status === 200 && !err.retryable)
      return {
        ok: false,
        action,
        message: err.message,
        code: err.apiCode,
        ...(err.requestId ? { requestId: err.requestId } : {}),
      };
    throw err;
  }
}

/**
 * What the instance's status says about an operation whose answer never came (a timeout, a dropped connection):
 * "done" when the status is the one the operation leaves, "not-seen" when it is not (not called, or not applied yet:
 * unknown). Read with GetTaskInstance (2024-05-18, `TaskInstance.Status`: NotRun, WaitTime, WaitResource, Running,
 * Failure, Success, …)
 *   https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2024-05-18-gettaskinstance
 * or GetInstance (2020-05-18, `Data.Status`: NOT_RUN, WAIT_TIME, WAIT_RESOURCE, RUNNING, FAILURE, SUCCESS, …)
 *   https://www.alibabacloud.com/help/en/dataworks/api-getinstance
 * Only a failed instance is rerun or set to success from chat, and stopping one leaves it failed (DataWorks marks a
 * stopped instance failed). Throws DataWorksApiError when the status cannot be read.
 */
export async function instanceOpEffect(
  api: DataWorksApi,
  r: Pick<InstanceOpRequest, "op" | "instanceId" | "version" | "regionId">,
): Promise<"done" | "not-seen"> {
  const status = await instanceStatus(api, r);
  const shows: Record<InstanceOperation, (s: string) => boolean> = {
    rerun: (s) => s !== "FAILURE",
    "set-success": (s) => s === "SUCCESS",
    stop: (s) => s === "FAILURE",
  };
  return status && shows[r.op](status) ? "done" : "not-seen";
}

/** The status word in one spelling (FAILURE, WAIT_TIME, …) or undefined when DataWorks gave none. */
async function instanceStatus(
  api: DataWorksApi,
  r: Pick<InstanceOpRequest, "instanceId" | "version" | "regionId">,
): Promise<string | undefined> {
  const res =
    r.version === "2020-05-18"
      ? await api.call({
          action: "GetInstance",
          version: "2020-05-18",
          regionId: r.regionId,
          params: { InstanceId: r.instanceId, ProjectEnv: "PROD" },
          location: "body",
        })
      : await api.call({
          action: "GetTaskInstance",
          version: "2024-05-18",
          regionId: r.regionId,
          params: { Id: r.instanceId },
          location: "query",
        });
  const holder = (r.version === "2020-05-18" ? res.body.Data : res.body.TaskInstance) as
    | { Status?: unknown }
    | undefined;
  const s = holder && typeof holder.Status === "string" ? holder.Status : "";
  // NotRun → NOT_RUN: the two versions' words compared in one spelling.
  return s ? s.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase() : undefined;
}
