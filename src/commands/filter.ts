import { idText } from "../dataworks/ids.js";
import type { DwEvent } from "../core/event.js";
import { CATALOG, catalogEntry } from "../dataworks/catalog.js";
import { eventStatus, STATUS_VALUES, type StatusWord } from "./status-words.js";

/** The key=value filter shared by `recent` and `mute`. Every given key must hold. */
export interface EventFilter {
  /** Event codes (kebab-case); EventBridge types are converted on parse when the catalog knows them. */
  types?: string[];
  statuses?: StatusWord[];
  /** A workspace id (digits) or name. */
  workspace?: string;
  /** Only events received in the last this many milliseconds (`recent` only). */
  sinceMs?: number;
}

/** An event code or EventBridge type → the event code to filter on, or undefined when it is not a DataWorks type. */
export function normaliseType(input: string): string | undefined {
  const v = input.trim();
  const lower = v.toLowerCase();
  const byCode = CATALOG.find((e) => e.eventCode.toLowerCase() === lower);
  if (byCode) return byCode.eventCode;
  const byType = CATALOG.find((e) => e.type.toLowerCase() === lower);
  if (byType) return byType.eventCode;
  // Types the catalog does not list yet still filter by their literal EventBridge type.
  return /^dataworks:[A-Za-z]+:[A-Za-z]+$/.test(v) ? v : undefined;
}

/** Workspace of an event: the numeric id the payload carries, and any names it carries itself. */
export function workspaceOf(e: DwEvent): { id?: string; names: string[] } {
  const d = e.data;
  const id = idText(d.appId ?? d.projectId ?? d.queryDwProjectId);
  const names = [d.projectName, d.queryDwProjectName, d.projectIdentifier].filter(
    (n): n is string => typeof n === "string" && n !== "",
  );
  return { ...(id ? { id } : {}), names };
}

/** True when matching this filter needs workspace names beyond what the payload carries (enrichment cache). */
export function needsWorkspaceNames(f: EventFilter): boolean {
  return f.workspace !== undefined && !/^\d+$/.test(f.workspace);
}

/**
 * Pure: does the event match? `knownNames` are extra names for the event's workspace (from enrichment).
 * `sinceMs` is not checked here: the store query applies it to the receive time.
 */
export function matchesFilter(f: EventFilter, e: DwEvent, knownNames: readonly string[] = []): boolean {
  if (f.types?.length) {
    const code = catalogEntry(e.type, e.eventCode)?.eventCode ?? e.eventCode;
    if (!f.types.some((t) => t === code || t.toLowerCase() === e.type.toLowerCase())) return false;
  }
  if (f.statuses?.length) {
    const s = eventStatus(catalogEntry(e.type, e.eventCode)?.eventCode ?? e.eventCode, e.data);
    if (!s || !f.statuses.some((w) => STATUS_VALUES[w][s.kind].includes(s.value))) return false;
  }
  if (f.workspace !== undefined) {
    const ws = workspaceOf(e);
    const want = f.workspace.toLowerCase();
    const hit = ws.id === f.workspace || [...ws.names, ...knownNames].some((n) => n.toLowerCase() === want);
    if (!hit) return false;
  }
  return true;
}

export function isEmptyFilter(f: EventFilter): boolean {
  return !f.types?.length && !f.statuses?.length && f.workspace === undefined && f.sinceMs === undefined;
}

/** The filter as the user would type it back, e.g. "type=instance-status-changes status=failed since=1h". */
export function describeFilter(f: EventFilter): string {
  const parts: string[] = [];
  if (f.types?.length) parts.push(`type=${f.types.join(",")}`);
  if (f.statuses?.length) parts.push(`status=${f.statuses.join(",")}`);
  if (f.workspace !== undefined) parts.push(`workspace=${f.workspace}`);
  if (f.sinceMs !== undefined) parts.push(`since=${shortDuration(f.sinceMs)}`);
  return parts.join(" ");
}

export function shortDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}
