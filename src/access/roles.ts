import { type Identities, identities } from "../config/sections/common.js";

export type Platform = keyof Identities;

/**
 * A set of people as the config writes it (approval route approvers, command roles, route mentions): chat user
 * ids per platform, "*" meaning anyone there, and names of groups defined under approvals.groups.
 */
export interface Members {
  users: Partial<Identities>;
  groups: readonly string[];
}

/** approvals.groups: group name → chat user ids per platform. */
export type Groups = Readonly<Record<string, Partial<Identities>>>;

/** The platforms a set of people can list ids on: the keys of the config's identities schema. */
const PLATFORMS = Object.keys(identities.shape) as Platform[];

/** The ids listed on one platform: the users, then each group's members there (an unknown platform has none). */
export function membersOn(m: Members, groups: Groups, platform: string): string[] {
  const p = platform as Platform;
  return [...(m.users[p] ?? []), ...m.groups.flatMap((g) => groups[g]?.[p] ?? [])];
}

/** Everyone listed, per platform (the status page shows this). */
export function membersByPlatform(m: Members, groups: Groups): Identities {
  return Object.fromEntries(PLATFORMS.map((p) => [p, membersOn(m, groups, p)])) as Identities;
}

/** Is this chat user one of them: listed on their platform, in one of the groups, or the platform says "*"? */
export function isMember(m: Members, groups: Groups, platform: string, userId: string): boolean {
  const ids = membersOn(m, groups, platform);
  return ids.includes(userId) || ids.includes("*");
}
