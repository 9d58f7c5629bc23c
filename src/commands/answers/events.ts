import type { DwEvent } from "../../core/event.js";
import type { Message } from "../../core/message.js";
import { catalogEntry } from "../../dataworks/catalog.js";
import type { StoredEvent } from "../../state/recent-events.js";
import { formatTime } from "../../templating/format.js";
import type { Answer, CommandContext } from "../context.js";
import { describeFilter, type EventFilter, matchesFilter, needsWorkspaceNames, workspaceOf } from "../filter.js";
import { addList, errorMessage, message, SEVERITY_MARK } from "../reply.js";

/** At most this many stored events are read for one `recent` (a few round trips of 250, well under 1 s). */
export const MAX_SCAN = 5_000;
/** `show` waits this long for names; the answer must reach Slack within its 3 s ack. */
export const SHOW_ENRICH_MS = 1_200;

export async function recent(c: CommandContext, limit: number, filter: EventFilter): Answer {
  const { recent: store, workspaces, config } = c.deps;
  const names = new Map<string, string[]>();
  const result = await store.query({
    limit,
    maxScan: Math.min(MAX_SCAN, config.ingest.recentEvents),
    pageSize: 250,
    ...(filter.sinceMs !== undefined ? { sinceMs: c.now - filter.sinceMs } : {}),
    accept: async (page) => {
      // Names from the enrichment cache, once per page, and only when the filter or the answer can use them.
      const found = await workspaces.namesFor(page.map((p) => p.event));
      for (const [id, n] of found) names.set(id, n);
      return page.map((p) =>
        needsWorkspaceNames(filter)
          ? matchesFilter(filter, p.event, found.get(p.event.id) ?? [])
          : matchesFilter(filter, p.event),
      );
    },
  });
  const desc = describeFilter(filter);
  const m = message("recent", c.locale, c.t("recent.title", { count: result.items.length }));
  if (!result.items.length) m.sections.push({ text: c.t("recent.none") });
  const enriched = await cachedNames(
    c,
    result.items.map((s) => s.event),
  );
  const shown = addList(
    m,
    result.items.map((s, i) => eventLine(c, s, names.get(s.event.id)?.[0], enriched[i])),
  );
  if (desc) m.context.push(c.t("recent.filter", { filter: desc }));
  if (shown < result.items.length) m.context.push(c.t("list.more", { count: result.items.length - shown }));
  if (!result.exhausted && result.items.length < limit)
    m.context.push(c.t("recent.scanned", { count: result.scanned }));
  if (result.items.length) m.context.push(c.t("recent.hint"));
  return { message: m };
}

function eventLine(
  c: CommandContext,
  s: StoredEvent,
  workspaceName: string | undefined,
  enrich: Record<string, unknown> = {},
): string {
  const msg = render(c, s.event, enrich);
  const code = catalogEntry(s.event.type, s.event.eventCode)?.eventCode ?? s.event.type;
  const ws = workspaceName ?? workspaceOf(s.event).names[0] ?? workspaceOf(s.event).id;
  const when = formatTime(s.event.time ?? s.receivedAt, c.deps.config.templates.timeZone);
  const parts = [when, code, ...(ws ? [`${c.t("workspace")} ${ws}`] : []), `id ${s.event.id}`];
  return `${SEVERITY_MARK[msg.severity]} ${msg.title}\n${parts.join(" · ")}`;
}

/**
 * The names each event's message showed (node, workspace, owner), from the enrichment cache: a list answer makes
 * no DataWorks calls, and a name not cached (yet) leaves the id, as on the message.
 */
export async function cachedNames(
  c: CommandContext,
  events: readonly DwEvent[],
): Promise<Array<Record<string, unknown>>> {
  const names = c.deps.cachedNames;
  if (!names) return events.map(() => ({}));
  return Promise.all(events.map((e) => names(e).catch(() => ({}))));
}

export function render(c: CommandContext, e: DwEvent, enrich: Record<string, unknown> = {}): Message {
  try {
    return c.deps.templates.render(e, c.locale, { enrich });
  } catch {
    return c.deps.templates.fallback(e, c.locale, { enrich });
  }
}

export async function show(c: CommandContext, eventId: string): Answer {
  const stored = await c.deps.recent.get(eventId);
  if (!stored) return { message: errorMessage(c.t, c.locale, c.t("error.unknownEvent", { id: eventId }), "show") };
  const enrich = c.deps.enrich ? await withTimeout(c.deps.enrich(stored.event), SHOW_ENRICH_MS, {}) : {};
  const m = render(c, stored.event, enrich);
  m.kind = `command:show:${m.kind}`;
  const approvalId = await c.deps.approvalStore.idForEvent(stored.event);
  const approval = approvalId ? await c.deps.approvalStore.get(approvalId) : undefined;
  if (approval)
    m.fields.push({
      label: c.t("show.approval"),
      value: `${approval.id} (${c.t(`state.${approval.state}`)})`,
    });
  m.context.push(c.t("show.received", { time: formatTime(stored.receivedAt, c.deps.config.templates.timeZone) }));
  return { message: m };
}

/** The value, or `fallback` once `ms` have passed (the work itself goes on and fills caches). */
function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((r) => {
    timer = setTimeout(() => r(fallback), ms);
  });
  return Promise.race([p.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}
