/**
 * Links into the DataWorks console of an event's region.
 *
 * The current console serves every module from one host, as `<base>/<regionId>/<module>?defaultProjectId=<id>`.
 * Module paths seen in public sources (Alibaba Cloud solution docs, Alibaba's own agent skills, user repos):
 *   ide        DataStudio           https://dataworks.data.aliyun.com/cn-shanghai/ide?defaultProjectId=…
 *   sc         workspace settings   https://dataworks.data.aliyun.com/{regionId}/sc?defaultProjectId={projectId}
 *   dqc        Data Quality         https://dataworks.data.aliyun.com/cn-beijing/dqc?defaultProjectId=…#/overview
 *   di         Data Integration     https://dataworks.data.aliyun.com/cn-hangzhou/di
 *   uad        Upload and Download  https://dataworks.data.aliyun.com/cn-shanghai/uad#/upload?type=create
 *   dmc        Data Map             https://dataworks.data.aliyun.com/cn-shanghai/dmc/data-catalog
 * Operation Center (`ops`) and Security Center (`security`) follow the same scheme but we found no public
 * source for their paths: they are inferred, marked `verified: false` below, and easy to correct here.
 *
 * No module documents a deep link to one instance, file, rule or request (the console keeps those in
 * client-side routes that change between versions), so every link opens the module's home page in the
 * event's workspace; the message itself carries the ids to search for.
 */

export type ConsoleLinkKind =
  | "workspace"
  | "datastudio"
  | "operation"
  | "quality"
  | "integration"
  | "security"
  | "upload"
  | "download"
  | "datamap";

interface ModuleLink {
  path: string;
  /** Client-side route appended after the query string, when the module has a stable one. */
  hash?: string;
  verified: boolean;
}

export const CONSOLE_MODULES: Readonly<Record<ConsoleLinkKind, ModuleLink>> = {
  workspace: { path: "sc", verified: true },
  datastudio: { path: "ide", verified: true },
  operation: { path: "ops", verified: false },
  quality: { path: "dqc", hash: "#/overview", verified: true },
  integration: { path: "di", verified: true },
  security: { path: "security", verified: false },
  upload: { path: "uad", hash: "#/upload", verified: true },
  download: { path: "uad", verified: true },
  datamap: { path: "dmc", verified: true },
};

/** Region ids look like "cn-shanghai" or "ap-southeast-1"; anything else is not put into a URL. */
const REGION = /^[a-z]{2,}(-[a-z0-9]+){1,3}$/;
/** Workspace ids are numbers, but arrive as numbers or numeric strings. */
const PROJECT_ID = /^\d{1,20}$/;

export function isConsoleLinkKind(v: unknown): v is ConsoleLinkKind {
  return typeof v === "string" && Object.hasOwn(CONSOLE_MODULES, v);
}

/**
 * The module's home page in the workspace, or "" when the region is unknown (the template then drops the
 * link). `base` is dataworks.consoleUrl, e.g. https://dataworks.data.aliyun.com.
 */
export function consoleLink(base: string, regionId: unknown, kind: ConsoleLinkKind, projectId?: unknown): string {
  const region = typeof regionId === "string" ? regionId.trim() : "";
  if (!REGION.test(region)) return "";
  const m = CONSOLE_MODULES[kind];
  const id = projectId === undefined || projectId === null ? "" : String(projectId).trim();
  const query = PROJECT_ID.test(id) ? `?defaultProjectId=${id}` : "";
  return `${base.replace(/\/+$/, "")}/${region}/${m.path}${query}${m.hash ?? ""}`;
}
