import { type Identities, identities } from "../config/sections/common.js";
import type { RotationConfig } from "../config/sections/rotations.js";
import { onCall } from "./rotation.js";

export type Platform = keyof Identities;

/**
 * A set of people as the config writes it (approval route approvers, command roles, route mentions): chat user
 * ids per platform, "*" meaning anyone there, and names of groups defined under approvals.groups or of rotations.
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

/**
 * approvals.groups with each rotation added as a group of one: whoever is on call at `now` (nobody before its start).
 * Resolved when the group is used (a click, a mention, an escalation), so a hand-over needs no restart.
 */
export function groupsAt(
  c: { approvals: { groups: Groups }; rotations?: Readonly<Record<string, RotationConfig>> },
  now: number,
): Groups {
  const rotations = Object.entries(c.rotations ?? {});
  if (!rotations.length) return c.approvals.groups;
  const onCallNow = rotations.map(([name, r]) => [name, onCall(r, now)?.member ?? {}] as const);
  return { ...c.approvals.groups, ...Object.fromEntries(onCallNow) };
}
