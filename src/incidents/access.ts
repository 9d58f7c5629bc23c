import { groupsAt, isMember } from "../access/roles.js";
import type { IncidentActions, IncidentButton } from "../config/sections/incident-actions.js";
import type { Config } from "../config/schema.js";

/**
 * May this chat user press this button under a route's `actions`: it is offered there, and they are in its role
 * (roles.<button>, else users/groups; a rotation means whoever is on call now), or they own the node and the route
 * lets owners act (approvals.users maps the owner's DataWorks UID to chat ids).
 */
export function mayPress(
  config: Pick<Config, "approvals" | "rotations">,
  actions: IncidentActions,
  button: IncidentButton,
  who: { platform: string; userId: string; ownerUid?: string },
  now: number,
): boolean {
  if (!actions.buttons.includes(button)) return false;
  const role = actions.roles[button] ?? { users: actions.users, groups: actions.groups };
  if (isMember(role, groupsAt(config, now), who.platform, who.userId)) return true;
  if (!actions.owner || !who.ownerUid) return false;
  const ids: readonly string[] = config.approvals.users[who.ownerUid]?.[who.platform as "slack"] ?? [];
  return ids.includes(who.userId);
}
