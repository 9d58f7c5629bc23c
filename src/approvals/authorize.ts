import { idText } from "../dataworks/ids.js";
import { type Groups, isMember, type Platform } from "../access/roles.js";
import type { ApprovalRouteConfig, ApprovalsConfig } from "../config/sections/approvals.js";
import type { DwEvent } from "../core/event.js";

export type AuthorizeResult = { ok: true } | { ok: false; reason: "not-approver" | "self-approval" };

/** The DataWorks operator of an extension point event (UID), if the payload names one. */
export function operatorOf(e: DwEvent): string | undefined {
  return idText(e.data.operator ?? e.data.operatorUid ?? e.data.operatorBaseId);
}

/**
 * May this chat user decide this event? They must be an approver of the route on that platform, and not
 * the operator who is waiting (when approvals.users maps the operator's DataWorks UID to chat ids).
 */
export function authorize(
  platform: string,
  userId: string,
  event: DwEvent,
  route: ApprovalRouteConfig,
  cfg: Pick<ApprovalsConfig, "users"> & { groups: Groups },
): AuthorizeResult {
  if (!isMember(route.approvers, cfg.groups, platform, userId)) return { ok: false, reason: "not-approver" };
  const op = operatorOf(event);
  const mapped = op ? cfg.users[op]?.[platform as Platform] : undefined;
  if (mapped?.includes(userId)) return { ok: false, reason: "self-approval" };
  return { ok: true };
}
