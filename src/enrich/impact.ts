/**
 * What a failed instance holds up: the instances downstream of it (how many, the nearest by name) and the
 * baseline at risk. Read APIs (shapes from the official SDK models, aliyun/alibabacloud-java-sdk
 * dataworks-public-20240518 / -20200518 models/*ResponseBody.java):
 *   ListDownstreamTaskInstances (2024-05-18; Id, PageSize, PageNumber) → PagingInfo.TotalCount and
 *     PagingInfo.DownstreamTaskInstances[].TaskInstance {Id, TaskName, Status, BaselineId} (the older
 *     PagingInfo.TaskInstances[] is read too: the reference marks it deprecated, not gone)
 *     https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2024-05-18-listdownstreamtaskinstances
 *   GetTaskInstance (2024-05-18; Id) → TaskInstance.BaselineId: the failed instance's own baseline
 *     https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2024-05-18-gettaskinstance
 *   GetBaseline (2020-05-18; BaselineId and ProjectId both required) → Data.BaselineName, Data.Priority
 *     (SDK models GetBaselineRequest / GetBaselineResponseBody; the reference's baseline pages, e.g. ListBaselines
 *     https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2020-05-18-listbaselines)
 * The direct downstream are the instances that cannot start while this one has failed; their own
 * descendants are not walked (one page, one call: this runs inside the enrichment budget).
 */
import { num, obj, str } from "../dataworks/body-fields.js";
import type { DataWorksApi } from "../dataworks/openapi-client.js";

/** How many downstream instances the message names; the rest are counted. */
export const NEAREST = 5;

export interface Impact {
  /** Direct downstream instances (PagingInfo.TotalCount). */
  waiting: number;
  /** The first of them by name (task name, else instance id). */
  nearest: string[];
  /** waiting − nearest.length, for "and N more". */
  more: number;
  baseline?: { id: string; name?: string; priority?: number };
}

/** The downstream instances of one page, from either response shape. */
function downstreamOf(paging: Record<string, unknown>): Array<Record<string, unknown>> {
  const current = paging.DownstreamTaskInstances;
  if (Array.isArray(current)) return current.map((d) => obj(obj(d).TaskInstance));
  const deprecated = paging.TaskInstances;
  return Array.isArray(deprecated) ? deprecated.map(obj) : [];
}

/**
 * What `instanceId` holds up. Rejects when the downstream list cannot be read (the caller shows nothing);
 * the baseline is best effort: without it the count and names still go out.
 */
export async function getImpact(
  api: DataWorksApi,
  regionId: string,
  instanceId: string,
  opts: { projectId?: string; baselineId?: string } = {},
): Promise<Impact> {
  const [list, self] = await Promise.all([
    api.call({
      action: "ListDownstreamTaskInstances",
      version: "2024-05-18",
      regionId,
      params: { Id: instanceId, PageSize: 10, PageNumber: 1 },
      location: "query",
    }),
    opts.baselineId
      ? undefined
      : api
          .call({
            action: "GetTaskInstance",
            version: "2024-05-18",
            regionId,
            params: { Id: instanceId },
            location: "query",
          })
          .catch(() => undefined),
  ]);
  const paging = obj(list.body.PagingInfo);
  const downstream = downstreamOf(paging);
  const waiting = Math.max(num(paging.TotalCount) ?? 0, downstream.length);
  const nearest = downstream
    .map((t) => str(t.TaskName) ?? str(t.Id))
    .filter((n): n is string => n !== undefined)
    .slice(0, NEAREST);
  const impact: Impact = { waiting, nearest, more: Math.max(0, waiting - nearest.length) };

  // The event's baseline, else the failed instance's own, else the first downstream instance's.
  const baselineId =
    opts.baselineId ??
    str(obj(self?.body.TaskInstance).BaselineId) ??
    downstream.map((t) => str(t.BaselineId)).find((b) => b !== undefined && b !== "0");
  if (baselineId && baselineId !== "0") {
    impact.baseline = { id: baselineId };
    if (opts.projectId) {
      const b = await api
        .call({
          action: "GetBaseline",
          version: "2020-05-18",
          regionId,
          params: { BaselineId: baselineId, ProjectId: opts.projectId },
          location: "body",
        })
        .then((r) => obj(r.body.Data))
        .catch(() => ({}) as Record<string, unknown>);
      const name = str(b.BaselineName);
      if (name) impact.baseline.name = name;
      const priority = num(b.Priority);
      if (priority !== undefined) impact.baseline.priority = priority;
    }
  }
  return impact;
}
