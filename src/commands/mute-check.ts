import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "../dataworks/catalog.js";
import { matchesFilter, needsWorkspaceNames } from "./filter.js";
import type { Mute, MuteStore } from "./mutes.js";
import type { WorkspaceNames } from "./workspace-names.js";

/** For the events worker: the mute that silences this event (and is counted), or undefined. */
export type MuteCheck = (event: DwEvent) => Promise<Mute | undefined>;

/** How stale the events worker's view of the mutes may be: how soon a mute set on another instance applies here. */
export const MUTES_READ_EVERY_MS = 1_000;

export function createMuteCheck(store: MuteStore, workspaces: WorkspaceNames): MuteCheck {
  const inForce = { active: () => store.inForce(MUTES_READ_EVERY_MS) };
  return async (event) => {
    const m = await mutingMute(inForce, workspaces, event);
    if (m) await store.count(m, event.eventCode || event.type);
    return m;
  };
}

/** The first active mute that silences this event, without counting it (`dw-chatops route` asks this too). */
export async function mutingMute(
  store: Pick<MuteStore, "active">,
  workspaces: Pick<WorkspaceNames, "namesFor">,
  event: DwEvent,
): Promise<Mute | undefined> {
  // Extension point events wait for an answer in DataWorks: silencing them would stall someone's work.
  if (catalogEntry(event.type, event.eventCode)?.extensionPoint) return undefined;
  const mutes = await store.active();
  if (!mutes.length) return undefined;
  let names: string[] | undefined;
  for (const m of mutes) {
    if (needsWorkspaceNames(m.filter) && names === undefined)
      names = (await workspaces.namesFor([event])).get(event.id) ?? [];
    if (matchesFilter(m.filter, event, names)) return m;
  }
  return undefined;
}
