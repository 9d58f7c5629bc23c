/**
 * Who is on call: pure, the clock an argument. A rotation hands over at a wall-clock time in its time zone (daily,
 * or weekly on a day), so a shift starts at 09:00 local time whatever daylight saving does to the UTC offset.
 */
import type { Identities } from "../config/sections/common.js";
import { type RotationConfig, WEEKDAYS } from "../config/sections/rotations.js";
import { zoneParts } from "../core/zone-parts.js";

/** One shift of a rotation: whose it is (`index` into members) and when it begins and ends (epoch ms). */
export interface Shift {
  index: number;
  member: Partial<Identities>;
  since: number;
  until: number;
}

/** Who is on call at `now`: undefined before the rotation's `start`. */
export function onCall(r: RotationConfig, now: number): Shift | undefined {
  const period = (r.shift === "daily" ? 1 : 7) * DAY;
  const first = firstHandover(r);
  const at = (k: number) => handoverInstant(first + k * period, r.timeZone);
  // Estimate from the wall clock, then settle on the instants: a hand-over inside a repeated hour (DST ends)
  // happens once, at its first occurrence.
  let k = Math.floor((wallOf(now, r.timeZone) - first) / period);
  while (at(k) > now) k--;
  while (at(k + 1) <= now) k++;
  if (r.start !== undefined && k < 0) return undefined;
  const n = r.members.length;
  const index = ((k % n) + n) % n;
  return { index, member: r.members[index] ?? {}, since: at(k), until: at(k + 1) };
}

/** When the rotation's first shift begins (epoch ms), if it has a start date. */
export function rotationStart(r: RotationConfig): number | undefined {
  return r.start === undefined ? undefined : handoverInstant(firstHandover(r), r.timeZone);
}

const DAY = 86_400_000;
/** Monday 2024-01-01: where a rotation without a start date counts its shifts from. */
const REFERENCE_MONDAY = Date.UTC(2024, 0, 1);

/** The first hand-over as a wall-clock time (ms, as if the zone were UTC). */
function firstHandover(r: RotationConfig): number {
  const [hh, mm] = r.handover.split(":").map(Number) as [number, number];
  const time = (hh * 60 + mm) * 60_000;
  if (r.start !== undefined) return Date.parse(`${r.start}T00:00:00Z`) + time;
  const day = r.shift === "weekly" ? WEEKDAYS.indexOf(r.handoverDay ?? "mon") : 0;
  return REFERENCE_MONDAY + day * DAY + time;
}

/** The wall-clock reading at `t` in `tz`, as ms since the epoch as if the zone were UTC. */
export function wallOf(t: number, tz: string): number {
  const p = Object.fromEntries(Object.entries(zoneParts(t, tz)).map(([k, v]) => [k, Number(v)]));
  const ms = ((t % 1000) + 1000) % 1000;
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) + ms;
}

/**
 * The first instant the clock in `tz` reads `wall` or later: the instant itself; its first occurrence when the hour
 * repeats (DST ends); the end of the gap when the clock skips it (DST starts).
 */
export function handoverInstant(wall: number, tz: string): number {
  // UTC offsets around it (a zone changes offset at most once within two days).
  const offsets = [wall - DAY, wall + DAY].map((t) => wallOf(t, tz) - t);
  const candidates = [...new Set(offsets)].map((o) => wall - o).sort((a, b) => a - b);
  const exact = candidates.find((t) => wallOf(t, tz) === wall);
  if (exact !== undefined) return exact;
  // In a gap: the transition, found by halving between the candidates (to the millisecond).
  let lo = candidates[0] as number;
  let hi = candidates.at(-1) as number;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallOf(mid, tz) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
