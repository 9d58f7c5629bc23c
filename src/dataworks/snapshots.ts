/**
 * The DataWorks read APIs behind approval facts: what an extension point event is about (its snapshot), the
 * file's other versions, the bot's own extension and the workspace members' names. Calls only, typed results;
 * policy (time budget, cache, which version to compare with) lives in src/approvals/snapshot/.
 *
 * All dataworks-public 2020-05-18 (GetIDEEventDetail, ListFileVersions and GetFileVersion also exist in
 * 2024-05-18 with the same shapes; GetExtension, ListEnabledExtensionsForProject and ListProjectMembers with
 * member names only in 2020-05-18 — the 2024-05-18 ListProjectMembers answers UserId and roles, no names).
 * Shapes from the official SDK models (aliyun/alibabacloud-typescript-sdk dataworks-public-20200518/src/models/,
 * e.g. GetFileVersionResponseBody.ts, GetExtensionResponseBody.ts, ListProjectMembersResponseBody.ts); parameter
 * locations from the Java async SDK's @Body/@Query annotations. API docs:
 * https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2020-05-18-getideeventdetail
 */
import { num, obj, str } from "./body-fields.js";
import type { DataWorksApi, ParamLocation, ParamValue } from "./openapi-client.js";

export type ChangeType = "CREATE" | "UPDATE" | "DELETE";

export interface NodeConfiguration {
  cronExpress?: string;
  cycleType?: string;
  dependentType?: string;
  dependentNodeIdList?: string;
  inputs: string[];
  outputs: string[];
  rerunMode?: string;
  autoRerunTimes?: number;
  autoRerunIntervalMillis?: number;
  resourceGroupId?: number;
  paraValue?: string;
}

export interface FileSnapshot {
  kind: "file";
  fileId?: number;
  fileName?: string;
  fileType?: number;
  /** The code of the version being committed or deployed (the content going away, for a delete). */
  content: string;
  changeType?: ChangeType;
  comment?: string;
  /** Alibaba Cloud UID of who committed. */
  committer?: string;
  owner?: string;
  currentVersion?: number;
  dataSourceName?: string;
  nodeId?: number;
  useType?: string;
  node?: NodeConfiguration;
}

export interface RunSnapshot {
  kind: "run";
  fileId?: number;
  fileType?: number;
  dataSourceName?: string;
  content: string;
}

export interface TableColumn {
  name: string;
  type: string;
  comment?: string;
  partition: boolean;
}

export interface TableSnapshot {
  kind: "table";
  tableName?: string;
  comment?: string;
  dataSourceName?: string;
  env?: string;
  lifeCycle?: number;
  location?: string;
  columns: TableColumn[];
}

/** One sub-object of EventDetail; "empty" when DataWorks filled none (an event type without a snapshot). */
export type EventDetail =
  | FileSnapshot
  | (FileSnapshot & { deleted: true })
  | RunSnapshot
  | TableSnapshot
  | { kind: "empty" };

export interface FileVersion {
  version: number;
  content?: string;
  changeType?: string;
  comment?: string;
  commitUser?: string;
  commitTime?: number;
  isCurrentProd: boolean;
  status?: string;
  /** The node's scheduling settings at this version (a JSON string). */
  nodeContent?: string;
}

export interface ExtensionInfo {
  code: string;
  name?: string;
  /** 0 Testing, 1 Publishing, 3 Disabled, 4 Processing, 5 Approved, 6 Approve Failed (SDK model docs). */
  status?: number;
  boundEvents: string[];
  /** The workspace a Testing extension is limited to. */
  projectTesting?: number;
  detailUrl?: string;
  parameterSetting?: string;
}

export interface Member {
  uid: string;
  name?: string;
  nick?: string;
}

export interface Target {
  regionId: string;
  timeoutMs?: number;
}

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const change = (v: unknown): ChangeType | undefined =>
  v === "CREATE" || v === "UPDATE" || v === "DELETE" ? v : undefined;

async function read(
  api: DataWorksApi,
  t: Target,
  action: string,
  params: Record<string, ParamValue | undefined>,
  location: ParamLocation,
): Promise<Obj> {
  const { body } = await api.call({
    action,
    version: "2020-05-18",
    regionId: t.regionId,
    params,
    location,
    timeoutMs: t.timeoutMs,
  });
  return body;
}

/** GetIDEEventDetail: the snapshot DataWorks took when the DataStudio extension point fired. */
export async function getEventDetail(
  api: DataWorksApi,
  t: Target,
  messageId: string,
  projectId: string,
): Promise<EventDetail> {
  const d = obj(
    (await read(api, t, "GetIDEEventDetail", { MessageId: messageId, ProjectId: projectId }, "body")).EventDetail,
  );
  const committed = obj(d.CommittedFile);
  if (Object.keys(committed).length) return fileOf(committed, obj(committed.FilePropertyContent));
  const deleted = obj(d.DeletedFile);
  if (Object.keys(deleted).length) return { ...fileOf(deleted, deleted), changeType: "DELETE", deleted: true };
  const run = obj(d.FileExecutionCommand);
  if (Object.keys(run).length)
    return {
      kind: "run",
      fileId: num(run.FileId),
      fileType: num(run.FileType),
      dataSourceName: str(run.DataSourceName),
      content: str(run.Content) ?? "",
    };
  const table = obj(d.TableModel);
  if (Object.keys(table).length)
    return {
      kind: "table",
      tableName: str(table.TableName),
      comment: str(table.Comment),
      dataSourceName: str(table.DataSourceName),
      env: str(table.Env),
      lifeCycle: num(table.LifeCycle),
      location: str(table.Location),
      columns: list(table.Columns).map((c) => ({
        name: str(c.ColumnName) ?? "",
        type: str(c.ColumnType) ?? "",
        comment: str(c.Comment),
        partition: c.IsPartitionColumn === true || c.IsPartitionColumn === "true",
      })),
    };
  return { kind: "empty" };
}

/** CommittedFile (properties in FilePropertyContent) or DeletedFile (the same properties inline). */
function fileOf(f: Obj, props: Obj): FileSnapshot {
  const n = obj(f.NodeConfiguration);
  return {
    kind: "file",
    fileId: num(f.FileId),
    fileName: str(f.FileName),
    fileType: num(f.FileType),
    content: str(f.Content) ?? "",
    changeType: change(f.ChangeType),
    comment: str(f.Comment),
    committer: str(f.Committor),
    owner: str(props.Owner),
    currentVersion: num(props.CurrentVersion),
    dataSourceName: str(props.DataSourceName),
    nodeId: num(f.NodeId),
    useType: str(f.UseType),
    node: Object.keys(n).length
      ? {
          cronExpress: str(n.CronExpress),
          cycleType: str(n.CycleType),
          dependentType: str(n.DependentType),
          dependentNodeIdList: str(n.DependentNodeIdList),
          inputs: list(n.InputList).flatMap((i) => str(i.Input) ?? []),
          outputs: list(n.OutputList).flatMap((o) => str(o.Output) ?? []),
          rerunMode: str(n.RerunMode),
          autoRerunTimes: num(n.AutoRerunTimes),
          autoRerunIntervalMillis: num(n.AutoRerunIntervalMillis),
          resourceGroupId: num(n.ResourceGroupId),
          paraValue: str(n.ParaValue),
        }
      : undefined,
  };
}

function versionOf(v: Obj): FileVersion {
  return {
    version: num(v.FileVersion) ?? 0,
    content: typeof v.FileContent === "string" ? v.FileContent : undefined,
    changeType: str(v.ChangeType),
    comment: str(v.Comment),
    commitUser: str(v.CommitUser),
    commitTime: num(v.CommitTime),
    isCurrentProd: v.IsCurrentProd === true || v.IsCurrentProd === "true",
    status: str(v.Status),
    nodeContent: str(v.NodeContent),
  };
}

export interface VersionPage {
  versions: FileVersion[];
  totalCount: number;
}

/** ListFileVersions, one page (PageSize at most 100 per the SDK model). */
export async function listFileVersions(
  api: DataWorksApi,
  t: Target,
  projectId: string,
  fileId: string,
  page = 1,
  pageSize = 100,
): Promise<VersionPage> {
  const body = await read(
    api,
    t,
    "ListFileVersions",
    { ProjectId: projectId, FileId: fileId, PageNumber: page, PageSize: pageSize },
    "body",
  );
  const data = obj(body.Data);
  return { versions: list(data.FileVersions).map(versionOf), totalCount: num(data.TotalCount) ?? 0 };
}

/** GetFileVersion: one version with its code (`Data.FileContent`). */
export async function getFileVersion(
  api: DataWorksApi,
  t: Target,
  projectId: string,
  fileId: string,
  version: number,
): Promise<FileVersion> {
  const body = await read(
    api,
    t,
    "GetFileVersion",
    { ProjectId: projectId, FileId: fileId, FileVersion: version },
    "body",
  );
  return versionOf(obj(body.Data));
}

/** GetExtension: the registration of an extension (bound events, status, test workspace). */
export async function getExtension(api: DataWorksApi, t: Target, extensionCode: string): Promise<ExtensionInfo> {
  const e = obj((await read(api, t, "GetExtension", { ExtensionCode: extensionCode }, "query")).Extension);
  return {
    code: str(e.ExtensionCode) ?? extensionCode,
    name: str(e.ExtensionName),
    status: num(e.Status),
    boundEvents: list(e.BindEventList).flatMap((b) => str(b.EventCode) ?? []),
    projectTesting: num(e.ProjectTesting),
    detailUrl: str(e.DetailUrl),
    parameterSetting: str(e.ParameterSetting),
  };
}

/** ListEnabledExtensionsForProject: the codes of the extensions enabled in a workspace for one event. */
export async function listEnabledExtensions(
  api: DataWorksApi,
  t: Target,
  projectId: string,
  eventCode: string,
): Promise<string[]> {
  const body = await read(
    api,
    t,
    "ListEnabledExtensionsForProject",
    { ProjectId: projectId, EventCode: eventCode },
    "body",
  );
  return list(body.Extensions).flatMap((e) => str(e.ExtensionCode) ?? []);
}

/** ListProjectMembers (2020-05-18, query; PageSize 5–20): one page of a workspace's members with their names. */
export async function listProjectMembers(
  api: DataWorksApi,
  t: Target,
  projectId: string,
  page = 1,
  pageSize = 20,
): Promise<{ members: Member[]; totalCount: number }> {
  const body = await read(
    api,
    t,
    "ListProjectMembers",
    { ProjectId: projectId, PageNumber: page, PageSize: pageSize },
    "query",
  );
  const data = obj(body.Data);
  return {
    members: list(data.ProjectMemberList).flatMap((m) => {
      const uid = str(m.ProjectMemberId);
      return uid ? [{ uid, name: str(m.ProjectMemberName), nick: str(m.Nick) }] : [];
    }),
    totalCount: num(data.TotalCount) ?? 0,
  };
}
