/**
 * Alibaba Cloud UIDs → names, from a workspace's member list (2020-05-18 ListProjectMembers answers
 * ProjectMemberName and Nick; the 2024-05-18 one answers ids and roles only). The whole list is read once per
 * workspace (pages of 20, the API's maximum) and kept in the enrichment cache; `enrich.userNames` still wins.
 */
import type { LookupCache } from "../enrich/lookup-cache.js";
import type { DataWorksApi } from "./openapi-client.js";
import { listProjectMembers } from "./snapshots.js";

/**
 * Pages read at most (20 members each): the API refuses PageNumber above 30 (ListProjectMembers reference,
 * https://www.alibabacloud.com/help/en/dataworks/developer-reference/api-dataworks-public-2020-05-18-listprojectmembers),
 * so a workspace larger than 600 members names its first 600 rather than losing every name to page 31's refusal.
 */
const MAX_MEMBER_PAGES = 30;

export interface MemberNamesDeps {
  api: DataWorksApi;
  cache: LookupCache;
  ttlMs: number;
  failureTtlMs: number;
  /** enrich.userNames: configured names win over DataWorks'. */
  configured: Readonly<Record<string, string>>;
}

/** Names by UID for one workspace (name, else nick); rejects when DataWorks fails (the failure is cached briefly). */
export function workspaceMembers(
  d: MemberNamesDeps,
  regionId: string,
  projectId: string,
): Promise<Record<string, string>> {
  return d.cache.get(membersKey(regionId, projectId), d.ttlMs, d.failureTtlMs, () =>
    readMembers(d.api, regionId, projectId),
  );
}

/** Where a workspace's names are kept in the enrichment cache (enrichment reads the same entry). */
export const membersKey = (regionId: string, projectId: string) => `${regionId}:members:${projectId}`;

/** Every page of a workspace's member list: names by UID (name, else nick). */
export async function readMembers(
  api: DataWorksApi,
  regionId: string,
  projectId: string,
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (let page = 1; page <= MAX_MEMBER_PAGES; page++) {
    const { members, totalCount } = await listProjectMembers(api, { regionId }, projectId, page, 20);
    for (const m of members) {
      const name = m.name || m.nick;
      if (name) names[m.uid] = name;
    }
    if (!members.length || page * 20 >= totalCount) break;
  }
  return names;
}

/** The display name of a UID: configured, else the workspace's member name, else undefined (show the id). */
export async function memberName(
  d: MemberNamesDeps,
  regionId: string,
  projectId: string | undefined,
  uid: string,
): Promise<string | undefined> {
  const configured = d.configured[uid];
  if (configured) return configured;
  if (!projectId) return undefined;
  const names = await workspaceMembers(d, regionId, projectId).catch(() => ({}) as Record<string, string>);
  return names[uid];
}
