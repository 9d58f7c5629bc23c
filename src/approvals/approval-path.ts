import type { ApprovalRouteConfig } from "../config/sections/approvals.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "../dataworks/catalog.js";
import { compilePattern } from "../routing/pattern.js";
import { patternView } from "../routing/router.js";
import { evaluatePolicies } from "./policies.js";
import type { SettledFacts } from "./snapshot/fetch.js";
import type { CheckResult, RiskHighlight } from "./types.js";

/**
 * The approval decisions the events worker takes, as pure functions: ApprovalService runs them on each event and
 * `dw-chatops route` explains them with the same code.
 */

/**
 * Extension point events are approvals once approvals are set up (routes or policies). Without that the bot is
 * notification-only and never answers DataWorks on its own. Function Compute envelopes never are: they are answered
 * in the HTTP response (function-compute.ts), never through a decision API.
 */
export function handlesApproval(config: Readonly<Config>, e: DwEvent): boolean {
  const a = config.approvals;
  return (
    a.enabled &&
    e.envelope !== "function-compute" &&
    (a.routes.length > 0 || a.policies.length > 0) &&
    Boolean(catalogEntry(e.type, e.eventCode)?.extensionPoint)
  );
}

/** The first approval route whose pattern matches, with the patterns compiled once. */
export function approvalRouteMatcher(config: Readonly<Config>): (e: DwEvent) => ApprovalRouteConfig | undefined {
  const routes = config.approvals.routes.map((route) => {
    const match = route.match ? compilePattern(route.match).match : () => true;
    return { route, match: match ?? (() => false) };
  });
  return (e) => {
    const view = patternView(e);
    return routes.find((r) => r.match(view))?.route;
  };
}

/** Windows (a freeze) apply to when the developer acted, not to when a backlog let us look: the event's time, never later than now. */
export function actedAt(e: DwEvent, now: number): number {
  return Math.min(now, Date.parse(e.time ?? "") || now);
}

export type ApprovalPath =
  /** A policy decided; the route (if any) gets the decided card as a notice. */
  | { kind: "policy"; policy: string; result: CheckResult; message: string; route?: ApprovalRouteConfig }
  /**
   * People decide: cards to the route's destinations (`policy`: an `ask` policy sent it there, `highlights`: the
   * lines its codeMatches picked out).
   */
  | { kind: "ask"; route: ApprovalRouteConfig; policy?: string; highlights?: RiskHighlight[] }
  /** No policy decided and no route applies: `approvals.unmatched` answers (or nobody, with "ignore"). */
  | { kind: "unmatched"; outcome: Config["approvals"]["unmatched"] };

/**
 * What happens to a pending approval with this route: policies first, then people, else `approvals.unmatched`.
 * `facts`: DataWorks' snapshot when it came within the budget (conditions on it do not hold without it);
 * `onUnknown` hears which policies' snapshot conditions could not be checked.
 */
export function approvalPath(
  e: DwEvent,
  route: ApprovalRouteConfig | undefined,
  approvals: Readonly<Config["approvals"]>,
  at: number,
  facts?: SettledFacts,
  onUnknown?: (unknown: { policy: string; why: string }[]) => void,
): ApprovalPath {
  const policy = evaluatePolicies(e, approvals.policies, at, facts);
  if (policy.unknown) onUnknown?.(policy.unknown);
  if (policy.kind === "decide")
    return { kind: "policy", policy: policy.policy, result: policy.result, message: policy.message, route };
  if (!route) return { kind: "unmatched", outcome: approvals.unmatched };
  const highlights = policy.policy && policy.lines ? [{ policy: policy.policy, lines: policy.lines }] : undefined;
  return {
    kind: "ask",
    route,
    ...(policy.policy ? { policy: policy.policy } : {}),
    ...(highlights ? { highlights } : {}),
  };
}

/**
 * The lines an ask policy would have highlighted, for facts that came after the policies ran (the late-facts job).
 * Nothing is decided again: the approval already went to people, so only ask policies are read, in order, as
 * approvalPath would have read them had these facts been in time.
 */
export function lateHighlights(
  e: DwEvent,
  approvals: Readonly<Config["approvals"]>,
  at: number,
  facts: SettledFacts,
): RiskHighlight[] | undefined {
  const asking = approvals.policies.filter((p) => p.decide === "ask");
  const policy = evaluatePolicies(e, asking, at, facts);
  return policy.kind === "ask" && policy.policy && policy.lines
    ? [{ policy: policy.policy, lines: policy.lines }]
    : undefined;
}
