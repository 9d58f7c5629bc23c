/**
 * The message an escalation posts (pure): which failure nobody picked up, for how long, the n-th time of how many,
 * mentioning the escalation targets. Words from templates/locales (`escalation.*`), en and zh-CN.
 */
import type { DwEvent } from "../core/event.js";
import { emptyMessage, type Message, type MessageMention } from "../core/message.js";
import { instanceOf } from "../dataworks/instance.js";

export interface EscalationFacts {
  failure: DwEvent;
  /** Names looked up for the failure (enrichment), e.g. nodeName. */
  enrich: Record<string, unknown>;
  /** 1 for the first firing. */
  n: number;
  /** How many firings there are in all (1 + repeat). */
  of: number;
  now: number;
  /** Who to wake, already resolved on the message's platform (a rotation: whoever is on call now). */
  mentions: MessageMention[];
  /** "@oncall-secondary, @dba": the targets as the config names them. */
  targets: string;
}

export function escalationMessage(
  f: EscalationFacts,
  locale: string,
  t: (key: string, params?: Record<string, unknown>) => string,
): Message {
  const inst = instanceOf(f.failure);
  const node = String(f.enrich.nodeName ?? f.failure.data.nodeName ?? inst?.nodeId ?? "?");
  const failedAt = Date.parse(f.failure.time ?? "");
  const minutes = Number.isFinite(failedAt) ? Math.max(0, Math.round((f.now - failedAt) / 60_000)) : undefined;
  const title = minutes === undefined ? t("escalation.title", { node }) : t("escalation.titleSince", { node, minutes });
  const fields = [
    { label: t("field.node"), value: node },
    ...(inst?.instanceId ? [{ label: t("field.instance"), value: inst.instanceId }] : []),
    { label: t("escalation.to"), value: f.targets },
  ];
  return {
    ...emptyMessage(`escalation:${f.failure.eventCode || f.failure.type}`, locale),
    title,
    summary: title,
    severity: "danger",
    fields,
    sections: [{ text: t("escalation.text") }],
    context: [t("escalation.count", { n: f.n, of: f.of })],
    mentions: f.mentions,
  };
}
