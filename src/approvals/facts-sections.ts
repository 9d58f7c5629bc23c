/**
 * What is being approved, in the card's words: the facts DataWorks' snapshot gave (approval.facts) and the lines a
 * policy flagged (approval.highlights), as fields and sections the card adds to the event's own message. Pure; the
 * adapters fit the diff to their platforms (core/message.ts fitDiff).
 */
import type { Config } from "../config/schema.js";
import type { DiffLine, MessageField, MessageSection } from "../core/message.js";
import { truncate } from "../core/text.js";
import type { RunSnapshot, TableSnapshot } from "../dataworks/snapshots.js";
import { changeSummary } from "./snapshot/diff.js";
import { type FileFacts, SNAPSHOT_EVENTS, type SettledFacts } from "./snapshot/fetch.js";
import type { ScheduleChange } from "./snapshot/schedule-changes.js";
import type { Approval, RiskHighlight } from "./types.js";

type T = (key: string, params?: Record<string, unknown>) => string;

export interface FactsParts {
  /** Replace the event's field of the same label (the snapshot knows better), else are added. */
  fields: MessageField[];
  sections: MessageSection[];
}

/** SQL or code to run, at most this many lines and characters on a card (each adapter fits it further). */
const RUN_LINES = 40;
const RUN_CHARS = 3000;
/** Columns listed on a card; a wider table says how many more. */
const MAX_COLUMNS = 60;
/** A lookup failure's words, as much as a card line holds. */
const WHY_CHARS = 200;

/** `people`: display names by UID (approver-names.ts cardNamesFor); enrich.userNames wins. */
export function factsParts(
  a: Approval,
  t: T,
  config: Readonly<Config>,
  people: Readonly<Record<string, string>> = {},
): FactsParts {
  // Flagged lines first: they are why a policy asks humans to look.
  const out: FactsParts = { fields: [], sections: (a.highlights ?? []).map((h) => highlightSection(h, t)) };
  const f = a.facts;
  // Downloads, Operation Center and the rest have no snapshot: their event already says all there is.
  if (f && SNAPSHOT_EVENTS.has(a.event.eventCode)) {
    if (f.status === "loading") out.sections.push({ text: t("approval.facts.loading") });
    else if (f.status === "unavailable")
      out.sections.push({
        text: t("approval.facts.unavailable", { why: truncate(unavailableWords(f, t), WHY_CHARS) }),
      });
    else if (f.facts.kind === "file") fileParts(f.facts, a, t, config, people, out);
    else if (f.facts.kind === "run") runParts(f.facts.run, t, out);
    else tableParts(f.facts.table, t, out);
  }
  return out;
}

function fileParts(
  f: FileFacts,
  a: Approval,
  t: T,
  config: Readonly<Config>,
  people: Readonly<Record<string, string>>,
  out: FactsParts,
) {
  const file = f.file;
  const push = (label: string, value: string | undefined) => {
    if (value) out.fields.push({ label: t(label), value });
  };
  push("field.file", file.fileName);
  if (file.fileType !== undefined) push("field.fileType", word(t, `enum.fileType.${file.fileType}`, file.fileType));
  if (file.changeType) push("field.changeType", t(`approval.facts.change.${file.changeType}`));
  push("approval.facts.comment", file.comment);
  if (file.committer)
    push(
      "approval.facts.committer",
      config.enrich.userNames[file.committer] ?? people[file.committer] ?? file.committer,
    );
  const deleting = file.changeType === "DELETE" || "deleted" in file;
  push("approval.facts.against", against(f, a.event.eventCode, deleting, t));
  for (const c of f.schedule) push(`approval.facts.schedule.${c.setting}`, scheduleValue(c));
  const lines = f.diff.excerpt.map(diffLine);
  out.sections.push({
    kind: "diff",
    title: t(diffTitle(f, a.event.eventCode, deleting)),
    diff: {
      ...(file.fileName ? { file: file.fileName } : {}),
      added: f.diff.added,
      removed: f.diff.removed,
      summary:
        f.diff.added || f.diff.removed ? changeSummary(f.diff.added, f.diff.removed) : t("approval.facts.noChange"),
      lines,
      truncated: f.diff.truncated || f.diff.tooLarge,
      ...(config.server.publicUrl ? { link: { label: t("approval.facts.whole"), url: wholeDiffUrl(config, a) } } : {}),
      words: {
        more: t("approval.facts.more", { count: "{count}" }),
        whole: t("approval.facts.whole"),
        shortened: t("approval.facts.shortened"),
      },
    },
  });
}

/** "against the previous version (6)", "against production (version 5)", "new file", "first deployment". */
function against(f: FileFacts, eventCode: string, deleting: boolean, t: T): string {
  if (deleting) return t("approval.facts.againstDeleted");
  if (f.base.source === "none")
    return t(eventCode === "deploy-file" ? "approval.facts.firstDeployment" : "approval.facts.newFile");
  return t(f.base.source === "production" ? "approval.facts.againstProduction" : "approval.facts.againstPrevious", {
    version: f.base.version,
  });
}

function diffTitle(f: FileFacts, eventCode: string, deleting: boolean): string {
  if (deleting) return "approval.facts.diffDeleted";
  if (f.base.source !== "none") return "approval.facts.diff";
  return eventCode === "deploy-file" ? "approval.facts.diffFirstDeployment" : "approval.facts.diffNew";
}

const scheduleValue = (c: ScheduleChange) => `${c.before} \u2192 ${c.after}`;

/** jsdiff's unified lines ("@@ …", "+x", "-x", " x") as neutral diff lines. */
function diffLine(l: string): DiffLine {
  if (l.startsWith("@@")) return { kind: "hunk", text: l };
  const kind = l[0] === "+" ? "add" : l[0] === "-" ? "del" : "context";
  return { kind, text: l.slice(1) };
}

function runParts(run: RunSnapshot, t: T, out: FactsParts) {
  if (run.dataSourceName) out.fields.push({ label: t("field.dataSource"), value: run.dataSourceName });
  const all = run.content.replace(/\r\n/g, "\n").replace(/\n+$/, "").split("\n");
  const shown = truncate(all.slice(0, RUN_LINES).join("\n"), RUN_CHARS);
  const left = all.length - shown.split("\n").length;
  out.sections.push({
    title: t("approval.facts.run"),
    text: left > 0 ? `${shown}\n${t("approval.facts.moreLines", { count: left })}` : shown || t("approval.facts.empty"),
    style: "code",
  });
}

function tableParts(table: TableSnapshot, t: T, out: FactsParts) {
  const push = (label: string, value: string | undefined) => {
    if (value) out.fields.push({ label: t(label), value });
  };
  push("field.table", table.tableName);
  if (table.env) push("field.environment", word(t, `enum.env.${table.env}`, table.env));
  if (table.lifeCycle !== undefined)
    push("approval.facts.lifecycle", t("approval.facts.days", { days: table.lifeCycle }));
  push("field.comment", table.comment);
  const cols = table.columns.slice(0, MAX_COLUMNS).map((c) => {
    const notes = [c.partition ? t("approval.facts.partition") : "", c.comment ?? ""].filter(Boolean).join(" · ");
    return `${c.name}  ${c.type}${notes ? `  -- ${notes}` : ""}`;
  });
  const left = table.columns.length - cols.length;
  if (left > 0) cols.push(t("approval.facts.moreColumns", { count: left }));
  out.sections.push({
    title: t("approval.facts.columns", { count: table.columns.length }),
    text: cols.join("\n") || t("approval.facts.noColumns"),
    style: "code",
  });
}

function highlightSection(h: RiskHighlight, t: T): MessageSection {
  const width = String(h.lines.at(-1)?.line ?? 0).length;
  return {
    title: t("approval.facts.flagged", { policy: h.policy }),
    text: h.lines.map((l) => `${String(l.line).padStart(width)}│ ${l.text}`).join("\n"),
    style: "code",
  };
}

/** The reason in the card's words, with its short technical detail; an approval stored before the codes: its why. */
function unavailableWords(f: Extract<SettledFacts, { status: "unavailable" }>, t: T): string {
  if (!f.reason) return safeWhy(f.why);
  const words = t(`approval.facts.why.${f.reason}`);
  return f.detail ? `${words} (${safeWhy(f.detail)})` : words;
}

/** The approval page's diff anchor: the whole change, escaped, under the same capability URL as the page. */
export function wholeDiffUrl(config: Readonly<Config>, a: Pick<Approval, "id">): string {
  return `${(config.server.publicUrl ?? "").replace(/\/$/, "")}/approvals/${a.id}#diff`;
}

/** An enum's word, or the value as DataWorks sent it. */
function word(t: T, key: string, value: string | number): string {
  const w = t(key);
  return w === key ? String(value) : w;
}

/**
 * A failed lookup's message is DataWorks' or the network's words, never a credential; still, anything that looks
 * like a signed query or a key is cut out before it reaches a chat.
 */
export function safeWhy(why: string): string {
  return why
    .replace(/\b(AccessKey(?:Id|Secret)?|Signature|SecurityToken|access_?token|secret)\s*[=:]\s*\S+/gi, "$1=…")
    .replace(/https?:\/\/\S+\?\S+/g, (u) => u.split("?")[0] ?? "");
}
