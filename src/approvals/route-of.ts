import type { ApprovalRouteConfig } from "../config/sections/approvals.js";
import type { Config } from "../config/schema.js";
import type { Approval } from "./types.js";

/**
 * The route an approval answers to: the configured route of its name (so edited approvers apply to pending
 * approvals), else the snapshot taken when it was recorded.
 */
export function routeOf(
  config: Readonly<Config>,
  a: Pick<Approval, "route" | "routeConfig">,
): ApprovalRouteConfig | undefined {
  if (!a.route) return undefined;
  return config.approvals.routes.find((r) => r.name === a.route) ?? a.routeConfig;
}

/** What an approval records of its route: name, snapshot, deadline and default outcome. */
export function routeFields(
  route: ApprovalRouteConfig | undefined,
  createdAt: number,
): Pick<Approval, "route" | "routeConfig" | "deadline" | "timeoutOutcome"> {
  if (!route) return { route: "", deadline: createdAt, timeoutOutcome: "FAIL" };
  return {
    route: route.name,
    routeConfig: route,
    deadline: createdAt + route.timeout,
    timeoutOutcome: route.timeoutOutcome,
  };
}
