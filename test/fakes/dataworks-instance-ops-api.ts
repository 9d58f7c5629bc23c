/**
 * The instance operations of the fake DataWorks gateway, shaped by the API reference and the official SDK models:
 *   2024-05-18 RerunTaskInstances / SetSuccessTaskInstances / StopTaskInstances: `Ids` a JSON array of instance ids
 *     in the form body (Comment optional) → { SuccessInfo: { "<id>": { Success, Message } } }, one entry per id
 *     (https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2024-05-18-reruntaskinstances)
 *   2020-05-18 RestartInstance / SetSuccessInstance / StopInstance (InstanceId, ProjectEnv) → { Success, Data: true,
 *     HttpStatusCode } or Success=false with ErrorCode / ErrorMessage
 *     (https://help.aliyun.com/zh/dataworks/developer-reference/api-dataworks-public-2020-05-18-restartinstance)
 * Each instance has a status; an operation the status does not allow fails for that instance with a message, as
 * DataWorks does. `refuse` makes the next operation on an instance fail with a given message.
 */

export type OpStatus = "NotRun" | "WaitTime" | "WaitResource" | "Running" | "Failure" | "Success";
type Op = "rerun" | "set-success" | "stop";

export class InstanceOpSeeds {
  readonly status = new Map<number, OpStatus>();
  /** A message the next operation on this instance fails with (e.g. "no permission on the workspace"). */
  readonly refuse = new Map<number, string>();
  /** Every operation applied, in order (after the per-instance checks). */
  readonly applied: Array<{ op: Op; id: number; comment?: string }> = [];
}

type Answer = { status: number; body: Record<string, unknown> };
const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body });

/** Which statuses allow an operation, and the status it leaves. */
const RULES: Record<Op, { from: readonly OpStatus[]; to: OpStatus; refusal: string }> = {
  rerun: { from: ["Failure", "Success"], to: "Running", refusal: "The instance status does not allow a rerun." },
  "set-success": { from: ["Failure"], to: "Success", refusal: "Only a failed instance can be set to success." },
  stop: { from: ["Running", "WaitTime", "WaitResource"], to: "Failure", refusal: "The instance is not running." },
};

function apply(s: InstanceOpSeeds, op: Op, id: number, comment?: string): { Success: boolean; Message: string } {
  const status = s.status.get(id);
  if (status === undefined) return { Success: false, Message: "The instance does not exist." };
  const refused = s.refuse.get(id);
  if (refused !== undefined) {
    s.refuse.delete(id);
    return { Success: false, Message: refused };
  }
  const rule = RULES[op];
  if (!rule.from.includes(status)) return { Success: false, Message: rule.refusal };
  s.status.set(id, rule.to);
  s.applied.push({ op, id, ...(comment ? { comment } : {}) });
  return { Success: true, Message: "" };
}

function batch(op: Op) {
  return (s: InstanceOpSeeds, p: Record<string, string>): Answer => {
    let ids: unknown;
    try {
      ids = JSON.parse(p.Ids ?? "[]");
    } catch {
      return { status: 400, body: { Code: "InvalidParameter", Message: "Ids must be a JSON array of instance ids" } };
    }
    if (!Array.isArray(ids) || !ids.every((i) => Number.isInteger(i)))
      return { status: 400, body: { Code: "InvalidParameter", Message: "Ids must be a JSON array of instance ids" } };
    // The raw text keeps ids beyond 2^53 exact: the keys are the ids as sent.
    const keys = (p.Ids ?? "[]")
      .replace(/[[\]\s]/g, "")
      .split(",")
      .filter(Boolean);
    return ok({ SuccessInfo: Object.fromEntries(keys.map((k) => [k, apply(s, op, Number(k), p.Comment)])) });
  };
}

function single(op: Op) {
  return (s: InstanceOpSeeds, p: Record<string, string>): Answer => {
    if (p.ProjectEnv !== "PROD" && p.ProjectEnv !== "DEV")
      return { status: 400, body: { Code: "InvalidParameter", Message: "ProjectEnv must be PROD or DEV" } };
    const r = apply(s, op, Number(p.InstanceId));
    if (r.Success) return ok({ Success: true, HttpStatusCode: 200, Data: true });
    return ok({ Success: false, HttpStatusCode: 200, ErrorCode: "Invalid.Instance.Status", ErrorMessage: r.Message });
  };
}

export const INSTANCE_OP_ACTIONS: Record<
  string,
  { version: string; required: readonly string[]; respond: (s: InstanceOpSeeds, p: Record<string, string>) => Answer }
> = {
  // The reference marks Ids optional; an absent Ids is an empty batch.
  RerunTaskInstances: { version: "2024-05-18", required: [], respond: batch("rerun") },
  SetSuccessTaskInstances: { version: "2024-05-18", required: [], respond: batch("set-success") },
  StopTaskInstances: { version: "2024-05-18", required: [], respond: batch("stop") },
  RestartInstance: { version: "2020-05-18", required: ["InstanceId", "ProjectEnv"], respond: single("rerun") },
  SetSuccessInstance: { version: "2020-05-18", required: ["InstanceId", "ProjectEnv"], respond: single("set-success") },
  StopInstance: { version: "2020-05-18", required: ["InstanceId", "ProjectEnv"], respond: single("stop") },
};
