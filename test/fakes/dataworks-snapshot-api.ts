/**
 * The snapshot, extension and member APIs of the fake DataWorks gateway (all dataworks-public 2020-05-18).
 * Answers are shaped by the official SDK models (aliyun/alibabacloud-typescript-sdk,
 * dataworks-public-20200518/src/models/*ResponseBody.ts; parameter locations from the Java async SDK
 * annotations, com.aliyun.sdk.service.dataworks_public20200518.models.*Request):
 *   GetIDEEventDetail(MessageId, ProjectId)            body   → { EventDetail: { CommittedFile | DeletedFile |
 *                                                                 FileExecutionCommand | TableModel } }
 *   ListFileVersions(FileId, ProjectId|ProjectIdentifier, PageNumber, PageSize ≤ 100)  body
 *                                                      → { Success, HttpStatusCode, Data: { FileVersions[], PageNumber,
 *                                                          PageSize, TotalCount } }
 *   GetFileVersion(FileId, FileVersion, ProjectId|ProjectIdentifier)                   body
 *                                                      → { Success, HttpStatusCode, Data: { FileContent, … } }
 *   GetExtension(ExtensionCode)                        query  → { Extension: { BindEventList[], Status, … } }
 *   ListEnabledExtensionsForProject(EventCode, ProjectId, FileType?)                   body
 *                                                      → { Extensions: [{ ExtensionCode, ExtensionName, … }] }
 *   ListProjectMembers(ProjectId, PageNumber 1–30, PageSize 5–20)                   query
 *                                                      → { Data: { ProjectMemberList[{ ProjectMemberId,
 *                                                          ProjectMemberName, Nick, … }], TotalCount, … } }
 * The error codes for unknown ids are not documented per API; the fake answers 400 InvalidParameter.* as the
 * gateway does for other bad parameters.
 */

export interface FileVersionSeed {
  FileVersion: number;
  FileContent: string;
  FileName: string;
  ChangeType: "CREATE" | "UPDATE" | "DELETE";
  Comment?: string;
  CommitUser: string;
  CommitTime: number;
  IsCurrentProd: boolean;
  Status: string;
  UseType?: string;
  NodeId?: number;
  NodeContent?: string;
  FilePropertyContent?: string;
}

export interface ExtensionSeed {
  ExtensionCode: string;
  ExtensionName: string;
  BindEventList: Array<{ EventCode: string; EventName: string }>;
  /** 0 Testing, 1 Publishing, 3 Disabled, 4 Processing, 5 Approved, 6 Approve Failed. */
  Status: number;
  ProjectTesting?: number;
  DetailUrl?: string;
  ParameterSetting?: string;
}

export interface MemberSeed {
  ProjectMemberId: string;
  ProjectMemberName: string;
  Nick?: string;
  ProjectMemberType?: string;
  Status?: string;
}

/** Seeded data the snapshot APIs answer from. */
export class SnapshotSeeds {
  /** EventDetail per `${ProjectId}:${MessageId}`. */
  readonly eventDetails = new Map<string, Record<string, unknown>>();
  /** Versions per `${ProjectId}:${FileId}`, any order (the fake answers newest first). */
  readonly fileVersions = new Map<string, FileVersionSeed[]>();
  readonly extensions = new Map<string, ExtensionSeed>();
  /** Extension codes enabled per `${ProjectId}:${EventCode}`. */
  readonly enabled = new Map<string, string[]>();
  readonly members = new Map<number, MemberSeed[]>();
  /** Answer ListFileVersions without FileContent (the model marks every field optional), so callers need GetFileVersion. */
  listOmitsContent = false;

  setEventDetail(projectId: number, messageId: string, detail: Record<string, unknown>) {
    this.eventDetails.set(`${projectId}:${messageId}`, detail);
  }
  setVersions(projectId: number, fileId: number, versions: FileVersionSeed[]) {
    this.fileVersions.set(`${projectId}:${fileId}`, versions);
  }
  enable(projectId: number, eventCode: string, ...extensionCodes: string[]) {
    this.enabled.set(`${projectId}:${eventCode}`, extensionCodes);
  }
}

type Answer = { status: number; body: Record<string, unknown> };
type Respond = (s: SnapshotSeeds, p: Record<string, string>) => Answer;

const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body });
const bad = (code: string, message: string): Answer => ({ status: 400, body: { Code: code, Message: message } });

/** ProjectId or ProjectIdentifier: "You must specify either this parameter or ProjectId" (SDK model docs). */
function projectOf(p: Record<string, string>): string | Answer {
  if (p.ProjectId) return p.ProjectId;
  if (p.ProjectIdentifier) return p.ProjectIdentifier;
  return bad("MissingProjectId", "ProjectId or ProjectIdentifier is mandatory for this action.");
}

function pageParams(
  p: Record<string, string>,
  min: number,
  max: number,
  def: number,
  maxPage = Number.POSITIVE_INFINITY,
): [number, number] | Answer {
  const num = Number(p.PageNumber ?? 1);
  const size = Number(p.PageSize ?? def);
  if (!Number.isInteger(num) || num < 1 || num > maxPage)
    return bad("InvalidParameter.PageNumber", "PageNumber is invalid.");
  if (!Number.isInteger(size) || size < min || size > max)
    return bad("InvalidParameter.PageSize", `PageSize must be between ${min} and ${max}.`);
  return [num, size];
}

const versionsOf = (s: SnapshotSeeds, project: string, fileId: string) =>
  [...(s.fileVersions.get(`${project}:${fileId}`) ?? [])].sort((a, b) => b.FileVersion - a.FileVersion);

export const SNAPSHOT_ACTIONS: Record<string, { required: readonly string[]; respond: Respond }> = {
  GetIDEEventDetail: {
    required: ["MessageId", "ProjectId"],
    respond: (s, p) => {
      const detail = s.eventDetails.get(`${p.ProjectId}:${p.MessageId}`);
      if (!detail) return bad("InvalidParameter.MessageId", `message ${p.MessageId} does not exist`);
      return ok({ EventDetail: detail });
    },
  },
  ListFileVersions: {
    required: ["FileId"],
    respond: (s, p) => {
      const project = projectOf(p);
      if (typeof project !== "string") return project;
      const page = pageParams(p, 1, 100, 10);
      if (!Array.isArray(page)) return page;
      const [num, size] = page;
      const all = versionsOf(s, project, p.FileId ?? "");
      if (!all.length) return bad("Invalid.File.NotExists", `file ${p.FileId} does not exist`);
      const FileVersions = all
        .slice((num - 1) * size, num * size)
        .map(({ FileContent, ...v }) => (s.listOmitsContent ? v : { ...v, FileContent }));
      return ok({
        Success: true,
        HttpStatusCode: 200,
        Data: { FileVersions, PageNumber: num, PageSize: size, TotalCount: all.length },
      });
    },
  },
  GetFileVersion: {
    required: ["FileId", "FileVersion"],
    respond: (s, p) => {
      const project = projectOf(p);
      if (typeof project !== "string") return project;
      const v = versionsOf(s, project, p.FileId ?? "").find((x) => String(x.FileVersion) === p.FileVersion);
      if (!v) return bad("Invalid.File.VersionNotExists", `file ${p.FileId} has no version ${p.FileVersion}`);
      return ok({ Success: true, HttpStatusCode: 200, Data: v });
    },
  },
  GetExtension: {
    required: ["ExtensionCode"],
    respond: (s, p) => {
      const e = s.extensions.get(p.ExtensionCode ?? "");
      if (!e) return bad("InvalidParameter.Extension.NotExists", `extension ${p.ExtensionCode} does not exist`);
      return ok({ Extension: { EventCategoryList: [], ...e } });
    },
  },
  ListEnabledExtensionsForProject: {
    required: ["EventCode", "ProjectId"],
    respond: (s, p) => {
      const codes = s.enabled.get(`${p.ProjectId}:${p.EventCode}`) ?? [];
      const Extensions = codes.map((code) => ({
        ExtensionCode: code,
        ExtensionName: s.extensions.get(code)?.ExtensionName ?? code,
      }));
      return ok({ Extensions });
    },
  },
  ListProjectMembers: {
    required: ["ProjectId"],
    respond: (s, p) => {
      // PageNumber 1–30 per the API reference (www.alibabacloud.com/help/ja/dataworks/developer-reference/
      // api-dataworks-public-2020-05-18-listprojectmembers: 有効な値 1~30); PageSize 5–20 from the SDK model, stricter
      // than the reference's 100.
      const page = pageParams(p, 5, 20, 10, 30);
      if (!Array.isArray(page)) return page;
      const [num, size] = page;
      const all = s.members.get(Number(p.ProjectId)) ?? [];
      const ProjectMemberList = all.slice((num - 1) * size, num * size);
      return ok({ Data: { PageNumber: num, PageSize: size, TotalCount: all.length, ProjectMemberList } });
    },
  },
};
