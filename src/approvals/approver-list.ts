import type { ApprovalRouteConfig } from "../config/sections/approvals.js";

type T = (key: string, params?: Record<string, unknown>) => string;

/**
 * Who may decide, in words (cards, `pending`, the status page): groups as @name, then user ids per platform.
 * The config's wildcard "*" is said as "anyone", and a route open to anyone on one platform is just "anyone".
 */
export function approverList(route: ApprovalRouteConfig, t: T): string {
  const anyone = t("approval.anyone");
  const users = Object.entries(route.approvers.users).filter(([, ids]) => ids.length);
  const [only] = users;
  if (!route.approvers.groups.length && users.length === 1 && only?.[1].includes("*")) return anyone;
  const parts = route.approvers.groups.map((g) => `@${g}`);
  for (const [platform, ids] of users) parts.push(`${platform}: ${ids.includes("*") ? anyone : ids.join(", ")}`);
  return parts.join("; ") || "-";
}
