import { actedAt, approvalPath, approvalRouteMatcher, handlesApproval } from "../approvals/approval-path.js";
import { configuredApproverNames } from "../approvals/approver-names.js";
import { approverList } from "../approvals/describe.js";
import type { Mute } from "../commands/mutes.js";
import { describeFilter, shortDuration } from "../commands/filter.js";
import { escalateLines, groupWords, mentionLines } from "./explain-mentions.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "../dataworks/catalog.js";
import { instanceOf } from "../dataworks/instance.js";
import { type NotifyVerdict, notifyVerdict } from "../notify/notify-filter.js";
import { failureMemory } from "../incidents/track.js";
import { localeFor } from "../routing/route-locale.js";
import type { Router } from "../routing/router.js";
import type { Messages } from "../templating/i18n.js";
import { translate } from "../templating/i18n.js";

/** What `route` reads from Redis when it is reachable: mutes, a node's remembered failure, recovery targets. */
export interface RedisFacts {
  /** The first active mute that silences the event (src/commands/mute-check.ts mutingMute), uncounted. */
  mutingMute(event: DwEvent): Promise<Mute | undefined>;
  /** The instance whose failure is remembered for this node (notifications.failureMemory), read without claiming it. */
  failedInstance(nodeId: string): Promise<string | undefined>;
  /** Of these destinations, those holding the event's node's failure message (a recovery updates it there). */
  holdingFailure(destinations: readonly string[], event: DwEvent): Promise<string[]>;
}

export interface ExplainDeps {
  config: Readonly<Config>;
  router: Router;
  messages: Messages;
  /** Redis facts, or why they could not be read. */
  redis: RedisFacts | { unavailable: string };
  now: number;
}

/**
 * The path the events worker (src/jobs/process-event.ts) would take with this event, step by step and in its
 * order, decided by the same functions: approval (policies, approval route, approvals.unmatched), the
 * notifications filter, mutes, then routes. One line per step; the last says where it ends.
 */
export async function explainEvent(event: DwEvent, d: ExplainDeps): Promise<string[]> {
  const { config } = d;
  const lines: string[] = [];
  const step = (s: string) => lines.push(`  ${s}`);
  const dest = (name: string, routes: readonly string[] = []) =>
    `${name} (${config.destinations[name]?.platform ?? "?"}, ${localeFor(config, routes, name)})`;
  const entry = catalogEntry(event.type, event.eventCode);

  if (entry?.extensionPoint) {
    if (!handlesApproval(config, event)) {
      step(
        config.approvals.enabled
          ? "approval: no (extension point, but approvals has no routes or policies: the bot never answers DataWorks)"
          : "approval: no (extension point, but approvals.enabled is false: the bot never answers DataWorks)",
      );
    } else {
      const route = approvalRouteMatcher(config)(event);
      // Offline: conditions on DataWorks' snapshot cannot be checked here; say which policies that leaves out.
      const noSnapshot = { status: "unavailable" as const, why: "`route` does not ask DataWorks for the snapshot" };
      const path = approvalPath(event, route, config.approvals, actedAt(event, d.now), noSnapshot, (unknown) => {
        for (const u of unknown)
          step(
            `approval: policy "${u.policy}" not evaluated here: its conditions on the snapshot need DataWorks (${u.why})`,
          );
      });
      if (path.kind === "policy") {
        step(`approval: policy "${path.policy}" decides ${path.result} at once: "${path.message}"`);
        if (path.route) {
          step(
            `=> decided by policy; the decided card goes to ${path.route.destinations.map((n) => dest(n)).join(", ")} (approval route "${path.route.name}"); no notification`,
          );
          return lines;
        }
        step("no approval route matches, so the decision is not posted; it goes on as a notification:");
      } else if (path.kind === "ask") {
        const t = (k: string, p?: Record<string, unknown>) => translate(d.messages, "en", k, p);
        step(path.policy ? `approval: policy "${path.policy}" says ask people` : "approval: no policy decides");
        step(
          `=> sent to people through approval route "${path.route.name}": cards to ${path.route.destinations.map((n) => dest(n)).join(", ")}; ` +
            `who may decide: ${approverList(path.route, t, configuredApproverNames(path.route, config))}; deadline ${shortDuration(path.route.timeout)}, then ${path.route.timeoutOutcome}; no notification`,
        );
        // A rotation among the approvers: who it is now (a click is checked against whoever is on call then).
        const rotations = path.route.approvers.groups.filter((g) => config.rotations[g]);
        if (rotations.length) step(`  ${rotations.map((g) => groupWords(config, g, d.now)).join("; ")}`);
        return lines;
      } else {
        step(
          path.outcome === "ignore"
            ? "approval: no approval route matches and approvals.unmatched is ignore: DataWorks gets no answer from the bot"
            : `approval: no approval route matches: approvals.unmatched answers ${path.outcome} at once`,
        );
        step("it goes on as a notification:");
      }
    }
  }

  // Notifications filter: a success may be a recovery, which only the failure remembered in Redis can tell.
  const memory = failureMemory(event, config.notifications);
  // A running of the failed instance itself (its rerun) updates the failure's message (src/incidents/track.ts).
  let follows: "recovery" | "follow-up" | undefined;
  let recoveryUnknown = "";
  const rerun = memory?.status === "running";
  if (memory && (memory.claims || rerun)) {
    if ("unavailable" in d.redis)
      recoveryUnknown = memory.claims
        ? ` (a success: a recovery if node ${memory.nodeId} failed within notifications.failureMemory; not checked: ${d.redis.unavailable})`
        : ` (a running: an update of the failure's message if instance ${memory.instanceId} failed within notifications.failureMemory; not checked: ${d.redis.unavailable})`;
    else {
      const failed = await d.redis.failedInstance(memory.nodeId);
      if (memory.claims && failed !== undefined) follows = "recovery";
      else if (rerun && failed === memory.instanceId) follows = "follow-up";
    }
  }
  const recovered = follows !== undefined;
  const verdict = notifyVerdict(event, config.notifications, follows);
  if (!verdict.notify) {
    step(`notifications: filtered: ${verdictWords(verdict, event, config)}${recoveryUnknown}`);
    lines.push("  => stored, not sent");
    return lines;
  }
  if (verdict.reason !== "extension-point")
    step(`notifications: passes: ${verdictWords(verdict, event, config)}${recoveryUnknown}`);

  if ("unavailable" in d.redis) step(`mutes: not checked: ${d.redis.unavailable}`);
  else {
    const mute = await d.redis.mutingMute(event);
    if (mute) {
      step(
        `mutes: muted by ${mute.id} (${describeFilter(mute.filter) || "everything"}, until ${new Date(mute.until).toISOString()}${mute.reason ? `: ${mute.reason}` : ""})`,
      );
      lines.push("  => stored, not sent");
      return lines;
    }
    step("mutes: none applies");
  }

  const matches = d.router.match(event);
  const routed = d.router.byDestination(event);
  for (const m of matches) {
    step(`route "${m.route}" -> ${m.destinations.map((n) => dest(n, routed.get(n) ?? [])).join(", ")}`);
    for (const line of mentionLines(config, m.route, d.now)) step(`  ${line}`);
    for (const line of escalateLines(config, m.route, d.now)) step(`  ${line}`);
  }
  if (recovered && !("unavailable" in d.redis)) {
    const others = Object.keys(config.destinations).filter((n) => !routed.has(n));
    const extra = await d.redis.holdingFailure(others, event);
    for (const n of extra) routed.set(n, []);
    if (extra.length)
      step(`${follows ?? "recovery"}: also updates the failure message in ${extra.map((n) => dest(n)).join(", ")}`);
  }
  if (!routed.size) {
    step("no route matches and defaultDestinations is empty");
    lines.push("  => stored, not sent");
    return lines;
  }
  lines.push(`  => notified: ${[...routed.keys()].map((n) => dest(n, routed.get(n) ?? [])).join(", ")}`);
  return lines;
}

/** The filter's reason in the config's own words. */
function verdictWords(v: NotifyVerdict, event: DwEvent, config: Readonly<Config>): string {
  const code = catalogEntry(event.type, event.eventCode)?.eventCode ?? event.eventCode;
  const n = config.notifications;
  if (v.reason === "event-on" || v.reason === "event-off") {
    const key = code in n.events ? `notifications.events.${code}` : "notifications.others";
    return `${key} is ${v.reason === "event-on"}`;
  }
  if (v.reason === "recovery") return "a recovery (this node's failure was notified before)";
  if (v.reason === "follow-up") return "a later status of a failed instance (it updates the failure's message)";
  const instance = instanceOf(event);
  const status = instance?.code ?? "unknown";
  const name = instance?.status;
  const list = `[${n.instanceStatuses.join(", ")}]`;
  return v.notify
    ? `status ${status} (${name}) is in notifications.instanceStatuses ${list}`
    : `status ${status}${name ? ` (${name})` : ""} is not in notifications.instanceStatuses ${list}`;
}
