import { memberIds } from "../access/describe-rotation.js";
import { onCall } from "../access/rotation.js";
import { shortDuration } from "../commands/filter.js";
import type { Config } from "../config/schema.js";
import { routeName } from "../routing/mentions.js";

/**
 * What `route` says about a matched route's mentions: who, on which severities, and for a rotation who is on call
 * at `now` (the bot resolves it when the message is sent).
 */
export function mentionLines(config: Readonly<Config>, route: string, now: number): string[] {
  const r = config.routes.find((x, i) => routeName(x, i) === route);
  if (!r?.mentions) return [];
  const m = r.mentions;
  const parts = [
    ...Object.entries(m.users)
      .filter(([, ids]) => ids?.length)
      .map(([p, ids]) => `${p} ${ids?.join(" ")}`),
    ...m.groups.map((g) => groupWords(config, g, now)),
    ...(m.owner ? ["the event's owner (approvals.users)"] : []),
  ];
  return [`mentions on ${m.when.join("/")}: ${parts.join("; ") || "nobody"}`];
}

/** What `route` says about a matched route's escalation: when, whom (a rotation: who is on call at `now`), how often. */
export function escalateLines(config: Readonly<Config>, route: string, now: number): string[] {
  const e = config.routes.find((x, i) => routeName(x, i) === route)?.escalate;
  if (!e) return [];
  const whom = [
    ...e.mention.groups.map((g) => groupWords(config, g, now)),
    ...Object.entries(e.mention.users)
      .filter(([, ids]) => ids?.length)
      .map(([p, ids]) => `${p} ${ids?.join(" ")}`),
  ].join("; ");
  const again = e.repeat ? `, then ${e.repeat} more time(s) every ${shortDuration(e.every ?? e.after)}` : "";
  return [
    `escalates a failed instance nobody acknowledged: after ${shortDuration(e.after)} mentions ${whom}${again} (an ack or a recovery stops it)`,
  ];
}

/** "@dba" for a group, "@oncall-primary (on call now: slack U0ANN)" for a rotation. */
export function groupWords(config: Readonly<Config>, g: string, now: number): string {
  const r = config.rotations[g];
  if (!r) return `@${g}`;
  const shift = onCall(r, now);
  return shift ? `@${g} (on call now: ${memberIds(shift.member)})` : `@${g} (a rotation: nobody on call yet)`;
}
