/**
 * The DataWorks read APIs enrichment uses, all 2020-05-18 (fields from the official SDK models,
 * aliyun/alibabacloud-csharp-sdk dataworks-public-20200518 Models/*ResponseBody.cs):
 *   GetNode(NodeId, ProjectEnv)          → Data.NodeName, Data.OwnerId (UID), Data.ProjectId
 *   GetInstance(InstanceId, ProjectEnv)  → Data.NodeName, CycTime, Bizdate (epoch ms), Status — no owner,
 *                                          hence GetNode (2024-05-18 GetTaskInstance has Owner but is a
 *                                          second API version for the same data)
 *   GetInstanceLog(InstanceId, ProjectEnv) → Data (the run log, plain text)
 *   GetProject(ProjectId)                → Data.ProjectName, ProjectIdentifier
 * ProjectEnv is PROD: events come from scheduled production instances.
 */
import { num, str } from "../dataworks/body-fields.js";
import type { DataWorksApi } from "../dataworks/openapi-client.js";

export interface NodeInfo {
  name?: string;
  ownerId?: string;
}
export interface InstanceInfo {
  nodeName?: string;
  cycTime?: number;
  bizdate?: number;
}
export interface ProjectInfo {
  name?: string;
}

function data(body: Record<string, unknown>): Record<string, unknown> {
  return body.Data && typeof body.Data === "object" ? (body.Data as Record<string, unknown>) : {};
}

export async function getNode(
  api: DataWorksApi,
  regionId: string,
  nodeId: string,
  timeoutMs?: number,
): Promise<NodeInfo> {
  const { body } = await api.call({
    action: "GetNode",
    version: "2020-05-18",
    regionId,
    params: { NodeId: nodeId, ProjectEnv: "PROD" },
    location: "body",
    timeoutMs,
  });
  const d = data(body);
  return { name: str(d.NodeName), ownerId: str(d.OwnerId) };
}

export async function getInstance(
  api: DataWorksApi,
  regionId: string,
  instanceId: string,
  timeoutMs?: number,
): Promise<InstanceInfo> {
  const { body } = await api.call({
    action: "GetInstance",
    version: "2020-05-18",
    regionId,
    params: { InstanceId: instanceId, ProjectEnv: "PROD" },
    location: "body",
    timeoutMs,
  });
  const d = data(body);
  return { nodeName: str(d.NodeName), cycTime: num(d.CycTime), bizdate: num(d.Bizdate) };
}

export async function getInstanceLog(
  api: DataWorksApi,
  regionId: string,
  instanceId: string,
  timeoutMs?: number,
): Promise<string> {
  const { body } = await api.call({
    action: "GetInstanceLog",
    version: "2020-05-18",
    regionId,
    params: { InstanceId: instanceId, ProjectEnv: "PROD" },
    location: "body",
    timeoutMs,
  });
  return typeof body.Data === "string" ? body.Data : "";
}

export async function getProject(
  api: DataWorksApi,
  regionId: string,
  projectId: string,
  timeoutMs?: number,
): Promise<ProjectInfo> {
  const { body } = await api.call({
    action: "GetProject",
    version: "2020-05-18",
    regionId,
    params: { ProjectId: projectId },
    location: "query",
    timeoutMs,
  });
  const d = data(body);
  return { name: str(d.ProjectName) ?? str(d.ProjectIdentifier) };
}
