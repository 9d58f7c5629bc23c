/**
 * The downstream and baseline read APIs of the fake DataWorks gateway, shaped by the official SDK models
 * (aliyun/alibabacloud-java-sdk dataworks-public-20240518 / -20200518 models/*ResponseBody.java) and the API reference
 * (https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2024-05-18-listdownstreamtaskinstances):
 *   ListDownstreamTaskInstances 2024-05-18 (Id; PageSize default 10, PageNumber from 1)
 *     → { PagingInfo: { PageNumber, PageSize, TotalCount, DownstreamTaskInstances: [{ StepType, TaskInstance }],
 *         TaskInstances: [TaskInstance] (deprecated, still sent) } }
 *   GetTaskInstance 2024-05-18 (Id) → { TaskInstance: { Id, TaskId, TaskName, Status, BaselineId, Bizdate, … } }
 *   GetBaseline 2020-05-18 (BaselineId, ProjectId) → { Success, HttpStatusCode, Data: { BaselineId, BaselineName,
 *     Priority, ProjectId, … } }
 * Unknown ids answer 400 InvalidParameter.NotFound, as the rest of the fake does.
 */

export interface TaskInstanceSeed {
  Id: number;
  TaskId: number;
  TaskName: string;
  /** 2024-05-18 status words: NotRun, Running, Failure, Success, … */
  Status: string;
  BaselineId?: number;
  Bizdate?: number;
  ProjectId?: number;
}

export interface BaselineSeed {
  BaselineId: number;
  BaselineName: string;
  Priority: number;
  ProjectId: number;
}

/** Seeded instance graph and baselines the impact APIs answer from. */
export class ImpactSeeds {
  readonly taskInstances = new Map<number, TaskInstanceSeed>();
  /** Direct downstream instance ids per instance id. */
  readonly downstream = new Map<number, number[]>();
  readonly baselines = new Map<number, BaselineSeed>();
  /**
   * The status the instance operations left (InstanceOpSeeds), which GetTaskInstance reports as DataWorks does: one
   * instance, one status. An instance known only there answers with its id and status.
   */
  liveStatus: (id: number) => string | undefined = () => undefined;
}

type Answer = { status: number; body: Record<string, unknown> };
const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body });
const invalid = (code: string, message: string): Answer => ({ status: 400, body: { Code: code, Message: message } });

export const IMPACT_ACTIONS: Record<
  string,
  { version: string; required: readonly string[]; respond: (s: ImpactSeeds, p: Record<string, string>) => Answer }
> = {
  ListDownstreamTaskInstances: {
    version: "2024-05-18",
    required: ["Id"],
    respond: (s, p) => {
      const id = Number(p.Id);
      if (!s.taskInstances.has(id)) return invalid("InvalidParameter.NotFound", `instance ${p.Id} does not exist`);
      const size = p.PageSize === undefined ? 10 : Number(p.PageSize);
      const page = p.PageNumber === undefined ? 1 : Number(p.PageNumber);
      if (!Number.isInteger(size) || size < 1 || !Number.isInteger(page) || page < 1)
        return invalid("InvalidParameter", "PageSize and PageNumber must be positive integers");
      const all = (s.downstream.get(id) ?? []).map((d) => s.taskInstances.get(d)).filter((t) => t !== undefined);
      const slice = all.slice((page - 1) * size, page * size);
      return ok({
        PagingInfo: {
          PageNumber: page,
          PageSize: size,
          TotalCount: all.length,
          DownstreamTaskInstances: slice.map((t) => ({ StepType: "Normal", TaskInstance: t })),
          TaskInstances: slice,
        },
      });
    },
  },
  GetTaskInstance: {
    version: "2024-05-18",
    required: ["Id"],
    respond: (s, p) => {
      const id = Number(p.Id);
      const seeded = s.taskInstances.get(id);
      const status = s.liveStatus(id);
      const t = status ? { ...(seeded ?? { Id: id }), Status: status } : seeded;
      return t ? ok({ TaskInstance: t }) : invalid("InvalidParameter.NotFound", `instance ${p.Id} does not exist`);
    },
  },
  GetBaseline: {
    version: "2020-05-18",
    required: ["BaselineId", "ProjectId"],
    respond: (s, p) => {
      const b = s.baselines.get(Number(p.BaselineId));
      if (!b || String(b.ProjectId) !== p.ProjectId)
        return invalid("InvalidParameter.NotFound", `baseline ${p.BaselineId} does not exist`);
      return ok({ Success: true, HttpStatusCode: 200, Data: b });
    },
  },
};
