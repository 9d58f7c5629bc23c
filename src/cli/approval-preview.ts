import { actedAt, approvalPath, approvalRouteMatcher, handlesApproval } from "../approvals/approval-path.js";
import { routeFields } from "../approvals/route-of.js";
import { type Approval, stateFor } from "../approvals/types.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";

/** Button values and the status page link of a preview carry this instead of a real (random) approval id. */
export const PREVIEW_APPROVAL_ID = "preview-approval-id";

/**
 * The approval the events worker would make of this event now, for `render`: pending with its route's deadline
 * and approvers, or already decided by a policy (the notice the route's destinations get). Undefined when the
 * bot sends the event as a notification instead (not an extension point, approvals not set up, or no route).
 */
export function previewApproval(config: Readonly<Config>, event: DwEvent, now: number): Approval | undefined {
  if (!handlesApproval(config, event)) return undefined;
  const route = approvalRouteMatcher(config)(event);
  const path = approvalPath(event, route, config.approvals, actedAt(event, now));
  if (path.kind === "unmatched" || (path.kind === "policy" && !path.route)) return undefined;
  const a: Approval = {
    id: PREVIEW_APPROVAL_ID,
    event,
    createdAt: now,
    state: "pending",
    cards: [],
    ...routeFields(route, now),
  };
  if (path.kind === "ask") return a;
  const decision = {
    result: path.result,
    by: { kind: "policy" as const, policy: path.policy },
    at: now,
    reason: path.message,
  };
  return { ...a, state: stateFor(decision), decision };
}
