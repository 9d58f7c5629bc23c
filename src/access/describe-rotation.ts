import type { Identities } from "../config/sections/common.js";
import { type RotationConfig, weekdayOf } from "../config/sections/rotations.js";
import { formatTime } from "../templating/format.js";
import { onCall, rotationStart } from "./rotation.js";

/** "slack U0ANN, lark ou_ann": a member's ids, the platforms that list any. */
export function memberIds(m: Partial<Identities>): string {
  return (
    Object.entries(m)
      .filter(([, ids]) => ids?.length)
      .map(([p, ids]) => `${p} ${ids?.join(" ")}`)
      .join(", ") || "no chat ids"
  );
}

/**
 * One line for operators (check-config, `route`): the rotation and who is on call at `now` until when, e.g.
 * `oncall-primary (weekly, mon 10:00 Asia/Shanghai): member 1 of 2 (slack U0ANN) until 2026-12-14 10:00:00 (UTC+08:00)`.
 */
export function describeOnCall(name: string, r: RotationConfig, now: number): string {
  const when =
    r.shift === "weekly" ? `${r.handoverDay ?? (r.start ? weekdayOf(r.start) : "mon")} ${r.handover}` : r.handover;
  const head = `${name} (${r.shift}, ${when} ${r.timeZone})`;
  const shift = onCall(r, now);
  if (!shift) return `${head}: nobody on call before ${formatTime(rotationStart(r), r.timeZone)}`;
  return `${head}: member ${shift.index + 1} of ${r.members.length} (${memberIds(shift.member)}) until ${formatTime(shift.until, r.timeZone)}`;
}
