/**
 * Scheduling changes worth a second look (cron, rerun mode, dependencies, resource group), from the event's
 * NodeConfiguration against the base version's NodeContent. NodeContent is a JSON string whose keys are documented
 * only by an example (`{"cycleType":0,"cronExpress":"00 05 00 * * ?"}`, GetFileVersion model), so a setting is
 * compared only when the base names it too (case-insensitively): nothing is reported as changed on a guess.
 */
import type { NodeConfiguration } from "../../dataworks/snapshots.js";

export interface ScheduleChange {
  setting: "cronExpress" | "rerunMode" | "dependentType" | "dependentNodeIdList" | "resourceGroupId" | "autoRerunTimes";
  before: string;
  after: string;
}

const SETTINGS: ReadonlyArray<ScheduleChange["setting"]> = [
  "cronExpress",
  "rerunMode",
  "dependentType",
  "dependentNodeIdList",
  "resourceGroupId",
  "autoRerunTimes",
];

export function scheduleChanges(
  now: NodeConfiguration | undefined,
  baseNodeContent: string | undefined,
): ScheduleChange[] {
  if (!now || !baseNodeContent) return [];
  let base: Record<string, unknown>;
  try {
    const parsed = JSON.parse(baseNodeContent) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return [];
    base = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), v]));
  } catch {
    return [];
  }
  const out: ScheduleChange[] = [];
  for (const setting of SETTINGS) {
    const after = now[setting];
    const before = base[setting.toLowerCase()];
    if (after === undefined || before === undefined || before === null) continue;
    if (String(before).trim() !== String(after).trim())
      out.push({ setting, before: String(before), after: String(after) });
  }
  return out;
}
