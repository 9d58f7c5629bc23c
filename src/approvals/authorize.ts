import type { ApprovalRouteConfig, ApprovalsConfig, Identities } from "../config/sections/approvals.js";
import type { DwEvent } from "../core/event.js";

export type AuthorizeResult = { ok: true } | { ok: false; reason: "not-approver" | "self-approval" };

type Platform = keyof Identities;

/** Everyone allowed to decide on a route, per platform (route users plus its groups). */
export function approversOf(route: ApprovalRouteConfig, cfg: Pick<ApprovalsConfig, "groups">): Identities {
  const out: Identities = { slack: [], lark: [], dingtalk: [], console: [] };
  const add = (ids: Partial<Identities>) => {
    for (const p of Object.keys(out) as Platform[]) out[p].push(...(ids[p] ?? []));
  };
  add(route.approvers.users);
  for (const g of route.approvers.groups) add(cfg.groups[g] ?? {});
  return out;
}

/** The DataWorks operator of an extension point event (UID), if the payload names one. */
export function operatorOf(e: DwEvent): string | undefined {
  const v = e.data.operator ?? e.data.operatorUid ?? e.data.operatorBaseId;
  return v === undefined || v === null || v === "" ? undefined : String(v);
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
  cfg: Pick<ApprovalsConfig, "groups" | "users">,
): AuthorizeResult {
  const p = platform as Platform;
  const allowed = approversOf(route, cfg)[p] ?? [];
  if (!allowed.includes(userId) && !allowed.includes("*")) return { ok: false, reason: "not-approver" };
  const op = operatorOf(event);
  const mapped = op ? cfg.users[op]?.[p] : undefined;
  if (mapped?.includes(userId)) return { ok: false, reason: "self-approval" };
  return { ok: true };
}
