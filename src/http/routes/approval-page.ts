import { type ApproverNames, type CardNames, NO_NAMES } from "../../approvals/approver-names.js";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { approvalTitle, peopleEnrich, safeRender } from "../../approvals/card.js";
import { approverLines, describeUnanswered, whoDecided } from "../../approvals/describe.js";
import { factsParts } from "../../approvals/facts-sections.js";
import type { ApprovalStore } from "../../approvals/store.js";
import { routeOf } from "../../approvals/route-of.js";
import type { Approval } from "../../approvals/types.js";
import { groupsAt, membersByPlatform } from "../../access/roles.js";
import type { Config } from "../../config/schema.js";
import { isDiff, type Message, type MessageField } from "../../core/message.js";
import { formatTime } from "../../templating/format.js";
import type { TemplateEngine } from "../../templating/engine.js";
import { translate } from "../../templating/i18n.js";
import { sendError } from "../errors.js";

export interface ApprovalPageDeps {
  config: Readonly<Config>;
  store: ApprovalStore;
  templates: TemplateEngine;
  /** The whole diff of the approval's file change (snapshot/full-diff.ts loadFullDiff). */
  fullDiff?: (approvalId: string) => Promise<string | undefined>;
  /** Who may decide, by the names the cards use (approver-names.ts cardNamesFor). Absent: ids. */
  cardNames?: (a: Approval) => Promise<CardNames>;
}

/** The read-only status of one approval, as JSON: what a DataWorks extension's DetailUrl can show. */
export interface ApprovalView {
  id: string;
  state: Approval["state"];
  operation: { title: string; eventType: string; eventCode: string; eventId: string; fields: Message["fields"] };
  createdAt: string;
  deadline: string;
  timeoutOutcome: Approval["timeoutOutcome"];
  route: string;
  approvers: { groups: string[]; users: Record<string, string[]> };
  decision?: { result: string; by: string; at: string; reason?: string };
  dataworks?: { status: string; api?: string; requestId?: string; error?: string; at: string };
  cards: Array<{ platform: string; destination: string }>;
  /** Closed unanswered: DataWorks does not wait on this bot for it (approvals/ours.ts), in words. */
  notAnswered?: string;
  /** What is being approved, from DataWorks' snapshot: the card's fact fields and sections, and the whole diff. */
  facts?: { fields: MessageField[]; sections: Array<{ title?: string; text: string }>; diff?: WholeDiffView };
}

interface WholeDiffView {
  title?: string;
  summary: string;
  /** The unified diff; absent when it was too large to compute or is no longer kept (then `note` says so). */
  text?: string;
  note?: string;
}

/**
 * GET /approvals/:id — HTML by default, JSON with Accept: application/json. The id is 128 random bits, so
 * the URL is the capability; the page shows what the cards show (no event payload dump, no chat ids of
 * messages, no credentials) and nothing can be changed from it.
 */
export async function approvalPageRoute(app: FastifyInstance, deps: ApprovalPageDeps) {
  app.get("/approvals/:id", async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const a = await deps.store.get(req.params.id);
    reply.headers(HEADERS);
    if (!a) return sendError(reply, 404, "not_found", "no such approval (unknown id, or past its retention)");
    const locale = localeFor(req, deps.config);
    // The card's title (it says the state); the event's own fields and sections: the card's deadline, approvers
    // and decision are the page's own rows, so they are not shown twice.
    // The names the cards show (owner, operator, committer, approvers), from the same cached lookup.
    const names = (await deps.cardNames?.(a)) ?? NO_NAMES;
    const tr = (key: string, p: Record<string, unknown> = {}) => translate(deps.templates.messages, locale, key, p);
    const event = safeRender(a, locale, deps.templates, { enrich: peopleEnrich(a, names, deps.config) });
    const card = { ...event, title: approvalTitle(a, event.title, tr) };
    const hasDiff = a.facts?.status === "ok" && a.facts.facts.kind === "file";
    const whole = hasDiff ? await deps.fullDiff?.(a.id) : undefined;
    const view = {
      ...toView(a, card, deps.config),
      ...factsView(a, tr, deps.config, whole, names.people),
      ...(a.notOurs ? { notAnswered: describeUnanswered(a.notOurs, tr) } : {}),
    };
    const accept = String(req.headers.accept ?? "");
    if (/application\/json/i.test(accept) && !/text\/html/i.test(accept)) return reply.send(view);
    const t = (key: string, p: Record<string, unknown> = {}) =>
      translate(deps.templates.messages, locale, `approval.${key}`, p);
    return reply.type("text/html; charset=utf-8").send(html(view, card, locale, t, names.approvers));
  });
}

const HEADERS = {
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function localeFor(req: FastifyRequest, config: Readonly<Config>): string {
  const q = (req.query as { lang?: string } | undefined)?.lang;
  if (q === "en" || q === "zh-CN") return q;
  return /^zh/i.test(String(req.headers["accept-language"] ?? "")) ? "zh-CN" : config.templates.defaultLocale;
}

/** The facts as the card shows them, with the whole diff in place of the card's excerpt. */
function factsView(
  a: Approval,
  t: (key: string, p?: Record<string, unknown>) => string,
  config: Readonly<Config>,
  whole: string | undefined,
  people: Readonly<Record<string, string>>,
): Pick<ApprovalView, "facts"> {
  const parts = factsParts(a, t, config, people);
  if (!parts.fields.length && !parts.sections.length) return {};
  let diff: WholeDiffView | undefined;
  const sections: Array<{ title?: string; text: string }> = [];
  for (const s of parts.sections) {
    if (!isDiff(s)) {
      sections.push({ ...(s.title ? { title: s.title } : {}), text: s.text });
      continue;
    }
    diff = {
      ...(s.title ? { title: s.title } : {}),
      summary: s.diff.summary,
      ...(whole === undefined ? { note: t("approval.page.diffMissing") } : { text: whole }),
    };
  }
  return { facts: { fields: parts.fields, sections, ...(diff ? { diff } : {}) } };
}

function toView(a: Approval, card: Message, config: Readonly<Config>): ApprovalView {
  const tz = config.templates.timeZone;
  const route = routeOf(config, a);
  // A rotation lists whoever is on call as the page is read.
  const groups = groupsAt(config, Date.now());
  const users: Record<string, string[]> = route ? membersByPlatform(route.approvers, groups) : {};
  const by = a.decision?.by;
  return {
    id: a.id,
    state: a.state,
    operation: {
      title: card.title,
      eventType: a.event.type,
      eventCode: a.event.eventCode,
      eventId: a.event.id,
      fields: card.fields,
    },
    createdAt: formatTime(a.createdAt, tz),
    deadline: formatTime(a.deadline, tz),
    timeoutOutcome: a.timeoutOutcome,
    route: a.route,
    approvers: {
      groups: route?.approvers.groups ?? [],
      users: Object.fromEntries(Object.entries(users).filter(([, v]) => v.length)),
    },
    ...(a.decision && by
      ? {
          decision: {
            result: a.decision.result,
            by: whoDecided(by, { platform: true }),
            at: formatTime(a.decision.at, tz),
            ...(a.decision.reason ? { reason: a.decision.reason } : {}),
          },
        }
      : {}),
    ...(a.dataworks
      ? {
          dataworks: {
            status: a.dataworks.status,
            ...(a.dataworks.api ? { api: a.dataworks.api } : {}),
            ...(a.dataworks.requestId ? { requestId: a.dataworks.requestId } : {}),
            ...(a.dataworks.error ? { error: a.dataworks.error } : {}),
            at: formatTime(a.dataworks.at, tz),
          },
        }
      : {}),
    cards: a.cards.map((c) => ({
      platform: c.adapter,
      destination: c.destination,
    })),
  };
}

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const COLOR: Record<string, string> = {
  pending: "#f59e0b",
  approved: "#16a34a",
  blocked: "#dc2626",
  expired: "#6b7280",
};

function html(
  v: ApprovalView,
  card: Message,
  locale: string,
  t: (key: string, p?: Record<string, unknown>) => string,
  names: ApproverNames = {},
) {
  const row = (k: string, val: string) => `<tr><th>${esc(k)}</th><td>${val}</td></tr>`;
  const approvers = approverLines(v.approvers.groups, v.approvers.users, t("anyone"), names).map(esc);
  const outcome = (r: string) => t(`outcome.${r}`);
  const rows = [
    row(
      t("page.state"),
      v.notAnswered
        ? `<b class="state">${esc(t("notOurs"))}</b><br>${esc(v.notAnswered)}`
        : `<b class="state">${esc(t(`page.states.${v.state}`))}</b>`,
    ),
    ...v.operation.fields.map((f) => row(f.label, esc(f.value))),
    row(t("page.event"), `${esc(v.operation.eventType)} · ${esc(v.operation.eventId)}`),
    row(t("page.created"), esc(v.createdAt)),
    row(t("deadline"), esc(t("page.deadlineThen", { deadline: v.deadline, outcome: outcome(v.timeoutOutcome) }))),
    row(t("page.route"), esc(v.route || "-")),
    row(t("approvers"), approvers.join("<br>") || "-"),
    row(t("page.cards"), v.cards.map((c) => `${esc(c.destination)} (${esc(c.platform)})`).join("<br>") || "-"),
    ...(v.decision
      ? [
          row(
            t("status"),
            `${esc(t("page.decision", { result: outcome(v.decision.result), who: v.decision.by, time: v.decision.at }))}${v.decision.reason ? `<br>${esc(v.decision.reason)}` : ""}`,
          ),
        ]
      : []),
    ...(v.dataworks
      ? [
          row(
            t("dataworks"),
            `${esc(v.dataworks.status)} ${esc(v.dataworks.api ?? "")} ${esc(v.dataworks.requestId ?? v.dataworks.error ?? "")} (${esc(v.dataworks.at)})`,
          ),
        ]
      : []),
  ];
  const sections = card.sections
    .map((s) => (isDiff(s) ? "" : `<h2>${esc(s.title ?? "")}</h2><pre>${esc(s.text)}</pre>`))
    .join("");
  const facts = v.facts ? factsHtml(v.facts) : "";
  // While pending, the page refreshes itself so a user waiting in DataWorks sees the outcome.
  const refresh = v.state === "pending" ? '<meta http-equiv="refresh" content="15">' : "";
  return `<!doctype html><html lang="${esc(locale)}"><head><meta charset="utf-8">${refresh}
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(v.operation.title)}</title><style>
body{font:14px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:860px;margin:24px auto;padding:0 16px;color:#111}
h1{font-size:18px;border-left:6px solid ${COLOR[v.state] ?? "#999"};padding-left:10px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e5e7eb}
th{color:#6b7280;font-weight:normal;width:30%}pre{white-space:pre-wrap;background:#f3f4f6;padding:8px;border-radius:4px}
h2{font-size:14px;margin:16px 0 4px}.diff .add{background:#dcfce7}.diff .del{background:#fee2e2}.diff .hunk{color:#6b7280}footer{color:#6b7280;font-size:12px;margin-top:24px}
</style></head><body><h1>${esc(v.operation.title)}</h1><table>${rows.join("")}</table>${sections}${facts}
<footer>dataworks-chatops · ${esc(v.id)} · ${esc(t("page.readOnly"))}</footer></body></html>`;
}

/** The facts: their fields, their notes (loading, unavailable, flagged lines) and the whole diff, line by line. */
function factsHtml(f: NonNullable<ApprovalView["facts"]>): string {
  const rows = f.fields.map((x) => `<tr><th>${esc(x.label)}</th><td>${esc(x.value)}</td></tr>`).join("");
  const notes = f.sections.map((s) => `${s.title ? `<h2>${esc(s.title)}</h2>` : ""}<pre>${esc(s.text)}</pre>`).join("");
  const d = f.diff;
  const diff = d
    ? `<h2 id="diff">${esc(d.title ?? "")} · ${esc(d.summary)}</h2>${
        d.text === undefined
          ? `<p>${esc(d.note ?? "")}</p>`
          : `<pre class="diff">${d.text
              .replace(/\n$/, "")
              .split("\n")
              .map((l) => `<span class="${lineClass(l)}">${esc(l)}</span>`)
              .join("\n")}</pre>`
      }`
    : "";
  return `${rows ? `<table>${rows}</table>` : ""}${notes}${diff}`;
}

const lineClass = (l: string) =>
  l.startsWith("@@")
    ? "hunk"
    : l.startsWith("+") && !l.startsWith("+++")
      ? "add"
      : l.startsWith("-") && !l.startsWith("---")
        ? "del"
        : "ctx";
