import type { ApproverNames } from "../../approvals/approver-names.js";
import { randomUUID } from "node:crypto";
import { nameOnPlatform } from "../../access/people.js";
import { approverList, decidedBy, describeUnanswered, whoDecided } from "../../approvals/describe.js";
import type { IncidentAudit } from "../../incidents/store.js";
import { APPROVE, BLOCK } from "../../approvals/card.js";
import { routeOf } from "../../approvals/route-of.js";
import type { AuditEntry } from "../../approvals/store.js";
import type { Approval } from "../../approvals/types.js";
import { formatDuration, formatTime } from "../../templating/format.js";
import { translate } from "../../templating/i18n.js";
import type { Answer, CommandContext } from "../context.js";
import { cachedNames, render } from "./events.js";
import { MAX_LIMIT } from "../parse.js";
import { addList, errorMessage, message, SEVERITY_MARK } from "../reply.js";

function title(c: CommandContext, a: Approval, enrich: Record<string, unknown> = {}): string {
  return render(c, a.event, enrich).title;
}

/** Who may decide, in the same words (and names) as the card. */
function approvers(c: CommandContext, a: Approval, names: ApproverNames = {}): string {
  const route = routeOf(c.deps.config, a);
  if (!route) return "-";
  return approverList(route, (key, params) => translate(c.deps.templates.messages, c.locale, key, params), names);
}

export async function pending(c: CommandContext): Answer {
  const list = await c.deps.approvalStore.pending(MAX_LIMIT);
  const tz = c.deps.config.templates.timeZone;
  const m = message(
    "pending",
    c.locale,
    c.t("pending.title", { count: list.length }),
    list.length ? "warning" : "info",
  );
  if (!list.length) m.sections.push({ text: c.t("pending.none") });
  const [names, who] = await Promise.all([
    cachedNames(
      c,
      list.map((a) => a.event),
    ),
    Promise.all(list.map(async (a) => (await c.deps.cardNames?.(a))?.approvers)),
  ]);
  const shown = addList(
    m,
    list.map((a, i) =>
      [
        `${SEVERITY_MARK.warning} ${title(c, a, names[i])}`,
        `${c.t("pending.id")}: ${a.id}`,
        `${c.t("pending.deadline")}: ${formatTime(a.deadline, tz)} (${c.t("pending.left", {
          left: formatDuration(Math.max(0, a.deadline - c.now), c.locale),
        })})`,
        `${c.t("pending.approvers")}: ${approvers(c, a, who[i])}`,
      ].join("\n"),
    ),
  );
  if (shown < list.length) m.context.push(c.t("list.more", { count: list.length - shown }));
  if (list.length) m.context.push(c.t("pending.hint"));
  return { message: m };
}

/** approve / block go through the same service as the card buttons: same approvers, first decision wins. */
export async function decide(c: CommandContext, approvalId: string, block: boolean, reason?: string): Answer {
  const { event } = c;
  const reply = await c.deps.approvals.handleAction(
    {
      id: `cmd.${randomUUID()}`,
      adapter: event.adapter,
      actionId: block ? BLOCK : APPROVE,
      value: approvalId,
      ...(reason ? { input: reason } : {}),
      user: event.user,
    },
    c.locale,
  );
  const usage = block ? "block" : "approve";
  if (reply.needsInput) return { message: errorMessage(c.t, c.locale, c.t("error.needReason"), "block") };
  if (!reply.ok) return { message: errorMessage(c.t, c.locale, reply.text, usage) };
  const m = message(usage, c.locale, reply.text, block ? "danger" : "success");
  const a = await c.deps.approvalStore.get(approvalId);
  if (a) m.fields.push({ label: c.t("pending.request"), value: title(c, a) });
  m.context.push(`${c.t("pending.id")}: ${approvalId}`);
  return { message: m };
}

export async function audit(c: CommandContext, limit: number, by?: string): Answer {
  // A `by` filter reads further back, still bounded: the stream is capped and this is one XREVRANGE.
  const entries = await c.deps.approvalStore.auditLog(by ? Math.min(1_000, limit * 20) : limit);
  const byPerson = (e: AuditEntry, name: string) =>
    e.decision
      ? decidedBy(e.decision.by, name)
      : [e.incident?.by?.name, e.incident?.by?.userId].some((n) => n?.toLowerCase() === name.toLowerCase());
  const picked = (by ? entries.filter((e) => byPerson(e, by)) : entries).slice(0, limit);
  const ids = [...new Set(picked.map((e) => e.approvalId))];
  const approvals = new Map(
    (await Promise.all(ids.map((id) => c.deps.approvalStore.get(id)))).flatMap((a) => (a ? [[a.id, a] as const] : [])),
  );
  const found = [...approvals.values()];
  const names = new Map(
    (
      await cachedNames(
        c,
        found.map((a) => a.event),
      )
    ).map((n, i) => [found[i]!.id, n]),
  );
  const m = message("audit", c.locale, c.t("audit.title", { count: picked.length }));
  if (!picked.length) m.sections.push({ text: c.t("audit.none") });
  const shown = addList(
    m,
    picked.map((e) => auditLine(c, e, approvals.get(e.approvalId), names.get(e.approvalId))),
  );
  if (by) m.context.push(c.t("audit.by", { by }));
  if (shown < picked.length) m.context.push(c.t("list.more", { count: picked.length - shown }));
  return { message: m };
}

/** "✅ Rerun · Li Lei (slack) · 2026-12-07 02:06:00 (UTC+08:00)" and the instance (and DataWorks' error). */
function incidentAuditLine(c: CommandContext, i: IncidentAudit): string {
  const tz = c.deps.config.templates.timeZone;
  const action = translate(c.deps.templates.messages, c.locale, `incident.audit.${i.action}`);
  const mark = i.ok === false ? SEVERITY_MARK.danger : i.ok ? SEVERITY_MARK.success : SEVERITY_MARK.info;
  const who = i.by ? nameOnPlatform(i.by) : "-";
  const head = `${mark} ${action} · ${who} · ${formatTime(i.at, tz)}`;
  const what = translate(c.deps.templates.messages, c.locale, "incident.audit.instance", { instance: i.instanceId });
  return [head, what, ...(i.error ? [i.error] : [])].join("\n");
}

function auditLine(
  c: CommandContext,
  e: AuditEntry,
  a: Approval | undefined,
  enrich?: Record<string, unknown>,
): string {
  const tz = c.deps.config.templates.timeZone;
  if (e.kind === "incident" && e.incident) return incidentAuditLine(c, e.incident);
  const what = `${a ? title(c, a, enrich) : "-"} · ${c.t("pending.id")} ${e.approvalId}`;
  if (e.kind === "dataworks" && e.dataworks) {
    const ok = e.dataworks.status === "accepted";
    const head = `${ok ? SEVERITY_MARK.success : SEVERITY_MARK.danger} ${c.t(ok ? "audit.dwAccepted" : "audit.dwFailed")} · ${formatTime(e.dataworks.at, tz)}`;
    return [head, what, ...(e.dataworks.error ? [e.dataworks.error] : [])].join("\n");
  }
  if (e.kind === "notOurs" && e.notOurs) {
    const why = describeUnanswered(e.notOurs, (k, p) => translate(c.deps.templates.messages, c.locale, k, p));
    return [`${SEVERITY_MARK.info} ${c.t("audit.notOurs")}`, what, why].join("\n");
  }
  const d = e.decision;
  if (!d) return what;
  const mark =
    d.result === "FAIL" ? SEVERITY_MARK.danger : d.result === "WARN" ? SEVERITY_MARK.warning : SEVERITY_MARK.success;
  const words = {
    policy: c.t("audit.policy"),
    timeout: c.t("audit.timeout"),
    unmatched: c.t("audit.unmatched"),
    chat: c.t("audit.chat"),
  };
  const who = whoDecided(d.by, { platform: true, words });
  const head = `${mark} ${translate(c.deps.templates.messages, c.locale, `approval.outcome.${d.result}`)} · ${who} · ${formatTime(d.at, tz)}`;
  return [head, what, ...(d.reason ? [`${c.t("audit.reason")}: ${d.reason}`] : [])].join("\n");
}
