import { idText } from "../dataworks/ids.js";
import { type Groups, groupsAt, membersOn, type Platform } from "../access/roles.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import type { MessageMention, Severity } from "../core/message.js";

/** The name a route is known by in logs, `dw-chatops route` and job data. */
export const routeName = (r: { name?: string }, i: number) => r.name ?? `routes[${i}]`;

/** The DataWorks UID that owns what the event is about (file owner, node owner from enrichment, instance owner). */
export function ownerOf(e: DwEvent, enrich: Record<string, unknown>): string | undefined {
  return idText(enrich.ownerId ?? e.data.fileOwner ?? e.data.ownerId ?? e.data.owner);
}

/**
 * Mentions a message gets on one platform from the routes that sent it there: their users and groups, and the
 * owner mapped through approvals.users — only for the severities the route asks for. Ids are config values,
 * never event text, so an event cannot make the bot mention anyone.
 */
export function mentionsFor(
  config: Readonly<Config>,
  routeNames: readonly string[],
  platform: string,
  severity: Severity,
  event: DwEvent,
  enrich: Record<string, unknown> = {},
  now: number = Date.now(),
): MessageMention[] {
  const p = platform as Platform;
  const ids = new Set<string>();
  let groups: Groups | undefined;
  for (const [i, r] of config.routes.entries()) {
    if (!r.mentions || !routeNames.includes(routeName(r, i)) || !r.mentions.when.includes(severity)) continue;
    // A rotation in the groups: whoever is on call as the message is rendered (worked out once, and only for a
    // message that mentions: most do not, and each rotation costs time-zone arithmetic).
    groups ??= groupsAt(config, now);
    for (const id of membersOn(r.mentions, groups, p)) ids.add(id);
    const owner = r.mentions.owner ? ownerOf(event, enrich) : undefined;
    for (const id of owner ? (config.approvals.users[owner]?.[p] ?? []) : []) ids.add(id);
  }
  return [...ids].map((userId) => ({ userId }));
}
