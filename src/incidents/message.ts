/**
 * What an instance message shows of its incident, pure (no I/O, no clock): the buttons by state and the route's
 * `actions`, the "who is on it" line, the timeline line ("failed 02:03 · acknowledged by 王芳 02:05 · rerun by 王芳
 * 02:06 · succeeded 02:19") and the last operation's outcome. Words come from templates/locales (incident.*).
 */
import { nameOf } from "../access/people.js";
import type { IncidentActions, IncidentButton } from "../config/sections/incident-actions.js";
import type { MessageButton } from "../core/message.js";
import { formatClock } from "../templating/format.js";
import type { Incident, IncidentOp, TimelineEntry } from "./types.js";

export type Translate = (key: string, params?: Record<string, unknown>) => string;

/** Every incident button's action id starts with this (routed in src/incidents/actions.ts). */
export const INCIDENT_ACTIONS = "incident.";
export const INCIDENT_ACTION_IDS = {
  acknowledge: "incident.ack",
  takeOver: "incident.take-over",
  rerun: "incident.rerun",
  "set-success": "incident.set-success",
  stop: "incident.stop",
} as const;

/** What of an incident the words need. */
export type IncidentView = Pick<
  Incident,
  "instanceId" | "nodeId" | "nodeName" | "bizDate" | "state" | "ack" | "pending" | "lastOp" | "timeline"
>;

/** Which listed buttons apply in this state (one operation at a time: none while one is in flight). */
function applicable(i: IncidentView, buttons: readonly IncidentButton[]): IncidentButton[] {
  const failed = i.state === "open" || i.state === "acknowledged";
  return buttons.filter((b) => {
    if (b === "acknowledge") return failed || i.state === "running";
    if (i.pending) return false;
    if (b === "stop") return i.state === "running";
    return failed;
  });
}

/**
 * The buttons a message of this incident carries. Acknowledge becomes Take over once someone has it; Rerun, Mark
 * success and Stop ask for confirmation naming the node, the instance and its business date.
 */
export function incidentButtons(
  i: IncidentView,
  actions: Pick<IncidentActions, "buttons">,
  t: Translate,
): MessageButton[] {
  return applicable(i, actions.buttons).map((b): MessageButton => {
    const value = i.instanceId;
    if (b === "acknowledge")
      return i.ack
        ? { actionId: INCIDENT_ACTION_IDS.takeOver, label: t("incident.button.takeOver"), value }
        : {
            actionId: INCIDENT_ACTION_IDS.acknowledge,
            label: t("incident.button.acknowledge"),
            value,
            style: "primary",
          };
    return {
      actionId: INCIDENT_ACTION_IDS[b],
      label: t(`incident.button.${b}`),
      value,
      ...(b === "stop" ? { style: "danger" as const } : {}),
      confirm: {
        title: t(`incident.confirm.${b}.title`),
        text: confirmText(i, b, t),
        ok: t(`incident.button.${b}`),
        cancel: t("incident.confirm.cancel"),
      },
    };
  });
}

/** "Rerun node ods_orders (700001234003), instance 523536569736, business date 2026-12-06?" */
export function confirmText(
  i: Pick<IncidentView, "instanceId" | "nodeId" | "nodeName" | "bizDate">,
  op: IncidentOp,
  t: Translate,
) {
  return t(`incident.confirm.${op}.text`, {
    node: nodeLabel(i, t),
    instance: i.instanceId,
    bizDate: i.bizDate ?? t("incident.unknownBizDate"),
  });
}

/** "ods_orders (700001234003)", the name alone, the id alone, or "unknown node". */
export function nodeLabel(i: Pick<IncidentView, "nodeId" | "nodeName">, t: Translate): string {
  if (i.nodeName && i.nodeId) return `${i.nodeName} (${i.nodeId})`;
  return i.nodeName ?? i.nodeId ?? t("incident.unknownNode");
}

/** "On it: 王芳 since 02:05" (with "took over from 李雷"), "Nobody is on it yet", or nothing once it is over. */
export function whoIsOnIt(i: Pick<IncidentView, "state" | "ack">, t: Translate, timeZone: string): string | undefined {
  if (i.state === "recovered" || i.state === "stopped") return i.ack ? onIt(i.ack, t, timeZone) : undefined;
  if (!i.ack) return t("incident.nobody");
  return onIt(i.ack, t, timeZone);
}

function onIt(ack: NonNullable<IncidentView["ack"]>, t: Translate, timeZone: string): string {
  const params = { name: nameOf(ack.by), time: formatClock(ack.since, timeZone) };
  return ack.from ? t("incident.onItTookOver", { ...params, from: nameOf(ack.from) }) : t("incident.onIt", params);
}

/** The timeline in one line; a rerun request followed by its rerun shows once, as the rerun. */
export function timelineLine(entries: readonly TimelineEntry[], t: Translate, timeZone: string): string {
  const shown = entries.filter((e, n) => {
    if (e.kind !== "rerun-requested") return true;
    const next = entries.slice(n + 1).find((x) => x.kind === "rerun" || x.kind === "rerun-requested");
    return next?.kind !== "rerun";
  });
  return shown.map((e) => timelineEntryText(e, t, timeZone)).join(t("incident.timeline.separator"));
}

/** One entry: "rerun by 王芳 02:06", "escalated 02:18 (Oncall Secondary)". */
export function timelineEntryText(e: TimelineEntry, t: Translate, timeZone: string): string {
  const text = t(`incident.timeline.${e.kind}`, {
    time: formatClock(e.at, timeZone),
    name: e.by ? nameOf(e.by) : "",
    from: e.from ? nameOf(e.from) : "",
  });
  return e.detail ? `${text} (${e.detail})` : text;
}

/**
 * The operation in flight or the last one's outcome, in plain words: "Rerun requested by 王芳, asking DataWorks…",
 * "Rerun by 王芳: DataWorks accepted it", "Rerun by 王芳 failed: <the API's message>".
 */
export function operationLine(i: Pick<IncidentView, "pending" | "lastOp">, t: Translate): string | undefined {
  if (i.pending) return t("incident.op.pending", { op: t(`incident.op.${i.pending.op}`), name: nameOf(i.pending.by) });
  const last = i.lastOp;
  if (!last) return undefined;
  const params = { op: t(`incident.op.${last.op}`), name: nameOf(last.by), error: last.error ?? "" };
  if (last.unknown) return t("incident.op.unknown", params);
  return last.ok ? t("incident.op.ok", params) : t("incident.op.failed", params);
}

/** Every line an instance message adds for its incident, in order: who is on it, the operation, the timeline. */
export function incidentLines(i: IncidentView, t: Translate, timeZone: string): string[] {
  return [whoIsOnIt(i, t, timeZone), operationLine(i, t), timelineLine(i.timeline, t, timeZone)].filter(
    (l): l is string => Boolean(l),
  );
}
