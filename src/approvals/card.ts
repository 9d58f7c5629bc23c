import type { Config } from "../config/schema.js";
import type { Message } from "../core/message.js";
import { formatTime } from "../templating/format.js";
import type { RenderContextExtras, TemplateEngine } from "../templating/engine.js";
import { translate } from "../templating/i18n.js";
import { type CardNames, eventPeople, NO_NAMES } from "./approver-names.js";
import { approverList, describeDecision } from "./describe.js";
import { factsParts } from "./facts-sections.js";
import { routeOf } from "./route-of.js";
import type { Approval } from "./types.js";

/** Every approval button's action id starts with this: the action router sends them to approvals/actions.ts. */
export const APPROVAL_ACTIONS = "approval.";
export const APPROVE = `${APPROVAL_ACTIONS}approve`;
export const BLOCK = `${APPROVAL_ACTIONS}block`;

/**
 * The approval card for one destination: the event's own template (what is attempted, by whom, where), plus
 * the deadline, who may decide, and either the buttons (pending) or the outcome and DataWorks' answer.
 */
export function approvalCard(
  a: Approval,
  locale: string,
  templates: TemplateEngine,
  config: Readonly<Config>,
  /** Built on the event's minimal fallback message instead of its template (a card the platform refused). */
  minimal = false,
  /** Approvers' and people's display names (approver-names.ts cardNamesFor); the others are shown by id. */
  names: CardNames = NO_NAMES,
): Message {
  const t = (key: string, params: Record<string, unknown> = {}) => translate(templates.messages, locale, key, params);
  const tz = config.templates.timeZone;
  // Once decided, the event's "DataWorks is holding this operation" line states the outcome instead.
  const decided = a.decision
    ? { outcome: t(`approval.outcome.${a.decision.result}`), dataworks: a.dataworks?.status ?? "sending" }
    : undefined;
  const extras = { enrich: peopleEnrich(a, names, config), ...(decided ? { extra: { decided } } : {}) };
  const base = minimal ? templates.fallback(a.event, locale, extras) : safeRender(a, locale, templates, extras);
  const msg: Message = {
    ...base,
    fields: [...base.fields],
    sections: [...base.sections],
    links: [...base.links],
    context: [...base.context],
  };
  addFacts(msg, factsParts(a, t, config, names.people));
  msg.title = approvalTitle(a, base.title, t);
  msg.summary = msg.title;
  msg.kind = `approval:${a.event.eventCode}`;
  const route = routeOf(config, a);
  if (a.state === "pending") {
    msg.severity = "warning";
    msg.fields.push({ label: t("approval.deadline"), value: formatTime(a.deadline, tz) });
    if (route) msg.fields.push({ label: t("approval.approvers"), value: approverList(route, t, names.approvers) });
    msg.actions = [
      { actionId: APPROVE, label: t("approval.approve"), value: a.id, style: "primary" },
      { actionId: BLOCK, label: t("approval.block"), value: a.id, style: "danger" },
    ];
  } else if (a.decision) {
    msg.severity = a.decision.result === "FAIL" ? "danger" : a.decision.result === "WARN" ? "warning" : "success";
    msg.actions = [];
    msg.sections.unshift({
      title: t("approval.status"),
      text: `${describeDecision(a.decision, t, tz)}\n${describeDataWorks(a.dataworks, t)}`,
    });
  }
  if (config.server.publicUrl)
    msg.links.push({
      label: t("approval.statusPage"),
      url: `${config.server.publicUrl.replace(/\/$/, "")}/approvals/${a.id}`,
    });
  return msg;
}

const TITLE_KEY = {
  pending: "titlePending",
  approved: "titleApproved",
  blocked: "titleBlocked",
  expired: "titleExpired",
} as const;

/** The card's title: the event's own title under the approval's state (the status page uses it too). */
export function approvalTitle(
  a: Approval,
  eventTitle: string,
  t: (key: string, p?: Record<string, unknown>) => string,
) {
  return t(`approval.${TITLE_KEY[a.state]}`, { title: eventTitle });
}

/** The template's owner and operator names (as enrichment gives notifications): the event's UIDs by name. */
export function peopleEnrich(a: Approval, names: CardNames, config: Readonly<Config>): Record<string, string> {
  const { operator, owner } = eventPeople(a.event);
  const named = (id: string | undefined) => (id ? (config.enrich.userNames[id] ?? names.people[id]) : undefined);
  const operatorName = named(operator);
  const ownerName = named(owner);
  return { ...(operatorName ? { operatorName } : {}), ...(ownerName ? { ownerName } : {}) };
}

/** The snapshot's fields replace the event's of the same label (DataWorks' own record of the change wins). */
function addFacts(msg: Message, parts: ReturnType<typeof factsParts>) {
  for (const f of parts.fields) {
    const i = msg.fields.findIndex((x) => x.label === f.label);
    if (i >= 0) msg.fields[i] = f;
    else msg.fields.push(f);
  }
  msg.sections.push(...parts.sections);
}

/** The event's own message (its template, else the fallback): what is attempted, by whom, where. */
export function safeRender(
  a: Approval,
  locale: string,
  templates: TemplateEngine,
  extras: RenderContextExtras = {},
): Message {
  try {
    return templates.render(a.event, locale, extras);
  } catch {
    return templates.fallback(a.event, locale, extras);
  }
}

/** "DataWorks: accepted (…)": on decided cards and in the local console's audit panel. */
export function describeDataWorks(
  d: Approval["dataworks"],
  t: (k: string, p?: Record<string, unknown>) => string,
): string {
  if (!d || d.status === "sending") return `${t("approval.dataworks")}: ${t("approval.dataworksSending")}`;
  if (d.status === "accepted")
    return `${t("approval.dataworks")}: ${t("approval.dataworksAccepted", { api: d.api ?? "", requestId: d.requestId ?? "-" })}`;
  return `${t("approval.dataworks")}: ${t("approval.dataworksFailed", { error: d.error ?? "" })}`;
}
