import type { ApprovalRouteConfig } from "../config/sections/approvals.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import { dataworksId } from "../dataworks/ids.js";
import { type MemberNamesDeps, memberName } from "../dataworks/member-names.js";
import type { Approval } from "./types.js";

/** Display names of approvers by `platform:id` (approverKey); an approver without one is shown by id. */
export type ApproverNames = Readonly<Record<string, string>>;

export const approverKey = (platform: string, userId: string) => `${platform}:${userId}`;

export interface ApproverNameSources {
  config: Readonly<Config>;
  /** The workspace member names (ListProjectMembers, cached); absent without an AccessKey or enrichment. */
  members?: MemberNamesDeps;
  /** The chat platform's display name (cached, bounded; state/user-names.ts); never throws. */
  chat?: (platform: string, userId: string) => Promise<string | undefined>;
  /** How long a card waits for names it has not got yet: past it, ids (the lookups still fill the caches). */
  budgetMs?: number;
}

/**
 * Who may decide, by name where someone knows it. Approvers are chat ids; one that `approvals.users` maps to a
 * DataWorks UID is named as the people config names that UID (`enrich.userNames` wins, then the event workspace's
 * member names); else by the chat platform's display name. Never throws, never waits past the budget.
 */
export async function approverNames(
  route: ApprovalRouteConfig,
  e: DwEvent,
  s: ApproverNameSources,
): Promise<ApproverNames> {
  const uidOf = uidsByChatId(s.config);
  const region = e.regionId || s.config.dataworks.regionId;
  const project = dataworksId(e.data.projectId ?? e.data.appId);
  const found: Record<string, string> = {};
  const lookups = Object.entries(route.approvers.users).flatMap(([platform, ids]) =>
    ids
      .filter((id) => id !== "*")
      .map(async (id) => {
        const key = approverKey(platform, id);
        const uid = uidOf.get(key);
        const configured = uid ? s.config.enrich.userNames[uid] : undefined;
        const name =
          configured ??
          (uid && s.members ? await memberName(s.members, region, project, uid).catch(() => undefined) : undefined) ??
          (await s.chat?.(platform, id));
        if (name) found[key] = name;
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => {
    timer = setTimeout(r, s.budgetMs ?? 1_500);
  });
  await Promise.race([Promise.all(lookups), late]).finally(() => clearTimeout(timer));
  return { ...found };
}

/** `platform:chatId` → the DataWorks UID that approvals.users maps to it. */
function uidsByChatId(config: Readonly<Config>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [uid, identities] of Object.entries(config.approvals.users))
    for (const [platform, ids] of Object.entries(identities))
      for (const id of ids ?? []) m.set(approverKey(platform, id), uid);
  return m;
}

/** For the card jobs: the names of an approval's route's approvers (none when no route applies). */
export function approverNamesFor(
  s: ApproverNameSources,
  routeOf: (a: Approval) => ApprovalRouteConfig | undefined,
): (a: Approval) => Promise<ApproverNames> {
  return async (a) => {
    const route = routeOf(a);
    return route ? approverNames(route, a.event, s) : {};
  };
}
