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
  await withinBudget(Promise.all(lookups), s.budgetMs);
  return { ...found };
}

/**
 * The names the config alone gives (`enrich.userNames` through approvals.users), for `dw-chatops route`, which
 * asks no API: the same names a card shows first.
 */
export function configuredApproverNames(route: ApprovalRouteConfig, config: Readonly<Config>): ApproverNames {
  const uidOf = uidsByChatId(config);
  const found: Record<string, string> = {};
  for (const [platform, ids] of Object.entries(route.approvers.users))
    for (const id of ids) {
      const uid = uidOf.get(approverKey(platform, id));
      const name = uid ? config.enrich.userNames[uid] : undefined;
      if (name) found[approverKey(platform, id)] = name;
    }
  return found;
}

/** `platform:chatId` → the DataWorks UID that approvals.users maps to it. */
function uidsByChatId(config: Readonly<Config>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [uid, identities] of Object.entries(config.approvals.users))
    for (const [platform, ids] of Object.entries(identities))
      for (const id of ids ?? []) m.set(approverKey(platform, id), uid);
  return m;
}

/** Display names of DataWorks people (owner, operator, committer) by Alibaba Cloud UID. */
export type PeopleNames = Readonly<Record<string, string>>;

/** What a card names: who may decide (pending cards only) and the people the event and its snapshot name. */
export interface CardNames {
  approvers: ApproverNames;
  people: PeopleNames;
}

export const NO_NAMES: CardNames = { approvers: {}, people: {} };

/**
 * For the card jobs: the names of an approval's route's approvers (none when no route applies or once decided),
 * and of the UIDs its card shows (the event's owner and operator, the snapshot's committer). The card is built
 * synchronously, so the names are looked up here, before it renders, through the same cached member names.
 */
export function cardNamesFor(
  s: ApproverNameSources,
  routeOf: (a: Approval) => ApprovalRouteConfig | undefined,
): (a: Approval) => Promise<CardNames> {
  return async (a) => {
    const route = a.state === "pending" ? routeOf(a) : undefined;
    const [approvers, people] = await Promise.all([route ? approverNames(route, a.event, s) : {}, peopleNames(a, s)]);
    return { approvers, people };
  };
}

/** The DataWorks people an event names, by UID: its operator and its file's owner (as enrichment reads them). */
export function eventPeople(e: DwEvent): { operator?: string; owner?: string } {
  const d = e.data;
  const operator = dataworksId(d.operator ?? d.operatorUid ?? d.operatorBaseId);
  const owner = dataworksId(d.fileOwner ?? d.owner ?? d.ownerId);
  return { ...(operator ? { operator } : {}), ...(owner ? { owner } : {}) };
}

/** The UIDs an approval card shows: the event's operator and owner (eventPeople), the snapshot's committer. */
export function peopleOf(a: Approval): string[] {
  const { operator, owner } = eventPeople(a.event);
  const uids: unknown[] = [operator, owner];
  if (a.facts?.status === "ok" && a.facts.facts.kind === "file") uids.push(a.facts.facts.file.committer);
  return [...new Set(uids.map((u) => dataworksId(u)).filter((u): u is string => !!u))];
}

/** People by name (`enrich.userNames` wins, then the workspace's member names); never throws or waits past the budget. */
async function peopleNames(a: Approval, s: ApproverNameSources): Promise<PeopleNames> {
  const region = a.event.regionId || s.config.dataworks.regionId;
  const project = dataworksId(a.event.data.projectId ?? a.event.data.appId);
  const found: Record<string, string> = {};
  const lookups = peopleOf(a).map(async (uid) => {
    const name =
      s.config.enrich.userNames[uid] ??
      (s.members ? await memberName(s.members, region, project, uid).catch(() => undefined) : undefined);
    if (name) found[uid] = name;
  });
  await withinBudget(Promise.all(lookups), s.budgetMs);
  return { ...found };
}

async function withinBudget(work: Promise<unknown>, budgetMs = 1_500): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => {
    timer = setTimeout(r, budgetMs);
  });
  await Promise.race([work, late]).finally(() => clearTimeout(timer));
}
