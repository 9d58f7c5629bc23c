import type { PolicyConfig } from "../config/sections/approvals.js";
import type { DwEvent } from "../core/event.js";
import { compilePattern } from "../routing/pattern.js";
import { patternView } from "../routing/router.js";
import { factConditions, linesSummary, type MatchedLine, usesFacts } from "./snapshot/conditions.js";
import type { SettledFacts } from "./snapshot/fetch.js";
import type { CheckResult } from "./types.js";

export type PolicyOutcome = (
  | { kind: "decide"; result: CheckResult; policy: string; message: string }
  /** `lines`: what the ask policy's codeMatches picked out, for the card to highlight. */
  | { kind: "ask"; policy?: string; lines?: MatchedLine[] }
) & {
  /** Policies whose conditions on the snapshot could not be checked (its facts missing), and why: log them. */
  unknown?: { policy: string; why: string }[];
};

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const RESULT: Record<Exclude<PolicyConfig["decide"], "ask">, CheckResult> = {
  allow: "OK",
  warn: "WARN",
  block: "FAIL",
};

/**
 * Automatic decisions, evaluated in order before humans are asked: the first policy whose pattern and
 * conditions all hold decides (allow/warn/block) or sends the event to humans (ask). Pure: the clock and the
 * snapshot's facts are arguments; without facts (none yet, or none to be had) a condition on them does not hold.
 */
export function evaluatePolicies(
  event: DwEvent,
  policies: readonly PolicyConfig[],
  now: number,
  facts?: SettledFacts,
): PolicyOutcome {
  const view = patternView(event);
  const unknown: { policy: string; why: string }[] = [];
  const noted = () => (unknown.length ? { unknown } : {});
  for (const p of policies) {
    if (p.match && !compilePattern(p.match).match?.(view)) continue;
    if (!conditionsHold(p, event, now)) continue;
    const f = usesFacts(p.when) ? factConditions(p.when, event, facts) : { holds: true as const, lines: [] };
    if (!f.holds) {
      if (f.unknown) unknown.push({ policy: p.name, why: f.unknown });
      continue;
    }
    if (p.decide === "ask")
      return { kind: "ask", policy: p.name, ...(f.lines.length ? { lines: f.lines } : {}), ...noted() };
    const base = p.message ?? defaultMessage(p);
    // DataWorks shows the message where the developer acted: name the lines, so they know what to change.
    const message = f.lines.length && p.decide !== "allow" ? `${base}: ${linesSummary(f.lines)}` : base;
    return { kind: "decide", result: RESULT[p.decide], policy: p.name, message, ...noted() };
  }
  return { kind: "ask", ...noted() };
}

function defaultMessage(p: PolicyConfig): string {
  return p.decide === "block"
    ? `Blocked by policy "${p.name}"`
    : p.decide === "warn"
      ? `Allowed with a warning by policy "${p.name}"`
      : `Allowed by policy "${p.name}"`;
}

function conditionsHold(p: PolicyConfig, e: DwEvent, now: number): boolean {
  const w = p.when;
  if (w.during && !w.during.some((win) => inWindow(win, now, w.timeZone))) return false;
  if (w.sqlMatches !== undefined) {
    const sql = String(e.data.sqlText ?? "");
    if (!sql || !new RegExp(w.sqlMatches, "i").test(sql)) return false;
  }
  if (w.rowsOver !== undefined) {
    const rows = Number(e.data.dataRowSize);
    if (!Number.isFinite(rows) || rows <= w.rowsOver) return false;
  }
  if (w.operators) {
    const op = String(e.data.operator ?? e.data.operatorUid ?? "");
    if (!w.operators.includes(op)) return false;
  }
  return true;
}

type Window = NonNullable<PolicyConfig["when"]["during"]>[number];

/** Absolute windows (from/to with offsets) and/or recurring ones (days, HH:MM start–end) in a time zone. */
export function inWindow(win: Window, now: number, timeZone: string): boolean {
  if (win.from && now < Date.parse(win.from)) return false;
  if (win.to && now >= Date.parse(win.to)) return false;
  if (!win.days && !win.start && !win.end) return Boolean(win.from || win.to);
  const local = localParts(now, timeZone);
  if (win.days && !win.days.includes(local.day)) return false;
  const minutes = local.hour * 60 + local.minute;
  const start = hm(win.start ?? "00:00");
  const end = hm(win.end ?? "24:00");
  // A window like 22:00–06:00 wraps past midnight.
  return start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

function hm(s: string): number {
  const [h = 0, m = 0] = s.split(":").map(Number);
  return h * 60 + m;
}

function localParts(now: number, timeZone: string): { day: (typeof DAYS)[number]; hour: number; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(now))
      .map((p) => [p.type, p.value]),
  );
  const day = String(parts.weekday ?? "Sun")
    .slice(0, 3)
    .toLowerCase() as (typeof DAYS)[number];
  return { day, hour: Number(parts.hour), minute: Number(parts.minute) };
}
