/**
 * Policy conditions on what is being approved (`when.codeMatches`, `when.changeTypes`, `when.diffLinesOver`), pure:
 * the facts DataWorks' snapshot gave (snapshot/fetch.ts) and the event are arguments. A condition whose facts are
 * not known (no snapshot within the budget, a failed lookup, an event without code) does not hold, and says why so
 * the caller can log it.
 */
import type { PolicyConfig } from "../../config/sections/approvals.js";
import type { DwEvent } from "../../core/event.js";
import type { ChangeType } from "../../dataworks/snapshots.js";
import type { SettledFacts } from "./fetch.js";

export interface MatchedLine {
  /** 1-based. */
  line: number;
  text: string;
}

export type FactsVerdict =
  /** Every facts condition holds; `lines`: what codeMatches picked out (empty without codeMatches). */
  | { holds: true; lines: MatchedLine[] }
  /** `unknown`: a condition could not be checked because its facts are missing (why, for the log). */
  | { holds: false; unknown?: string };

type When = PolicyConfig["when"];

/** At most this many matching lines are kept for a card's highlight. */
export const MAX_MATCHED_LINES = 20;
/** A matching line is cut to this many characters. */
export const MAX_LINE_CHARS = 200;

/** Whether a policy has conditions on the snapshot at all. */
export const usesFacts = (w: When): boolean =>
  w.codeMatches !== undefined || w.changeTypes !== undefined || w.diffLinesOver !== undefined;

/** The event's own changeType ("0" create, "1" update, "2" delete: catalog §3.5), known without a snapshot. */
const EVENT_CHANGE: Record<string, ChangeType> = { "0": "CREATE", "1": "UPDATE", "2": "DELETE" };

export function factConditions(w: When, e: DwEvent, facts: SettledFacts | undefined): FactsVerdict {
  const ok = facts?.status === "ok" ? facts.facts : undefined;
  const missing = facts?.status === "unavailable" ? facts.why : "the snapshot did not arrive within the budget";

  if (w.changeTypes) {
    const change =
      (ok?.kind === "file" ? ok.file.changeType : undefined) ??
      EVENT_CHANGE[String(e.data.changeType ?? "")] ??
      (e.eventCode === "delete-file" ? "DELETE" : undefined);
    if (!change) return { holds: false, unknown: ok ? undefined : `change type unknown: ${missing}` };
    if (!w.changeTypes.includes(change)) return { holds: false };
  }

  if (w.diffLinesOver !== undefined) {
    if (ok?.kind !== "file") return { holds: false, unknown: ok ? undefined : `no code change known: ${missing}` };
    if (ok.diff.added + ok.diff.removed <= w.diffLinesOver) return { holds: false };
  }

  let lines: MatchedLine[] = [];
  if (w.codeMatches !== undefined) {
    const code = codeOf(e, facts);
    if (code === undefined) return { holds: false, unknown: ok ? undefined : `no code known: ${missing}` };
    lines = matchingLines(code, new RegExp(w.codeMatches, "i"));
    if (!lines.length) return { holds: false };
  }
  return { holds: true, lines };
}

/**
 * The code a policy reads: the new version of a committed or deployed file (a deletion has none), the code about to
 * run, else the SQL the event itself carries (downloads: `data.sqlText`, which needs no snapshot).
 */
export function codeOf(e: DwEvent, facts: SettledFacts | undefined): string | undefined {
  if (facts?.status === "ok") {
    const f = facts.facts;
    if (f.kind === "run") return f.run.content;
    if (f.kind === "file" && f.file.changeType !== "DELETE" && !("deleted" in f.file)) return f.file.content;
  }
  const sql = e.data.sqlText;
  return typeof sql === "string" && sql ? sql : undefined;
}

/**
 * Lines the expression matches, 1-based, at most MAX_MATCHED_LINES, each cut to MAX_LINE_CHARS. A match that spans
 * lines (`DROP\s+TABLE` across a line break) counts for the line it starts on.
 */
export function matchingLines(code: string, re: RegExp, max = MAX_MATCHED_LINES): MatchedLine[] {
  const global = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
  const starts = lineStarts(code);
  const found = new Set<number>();
  for (const m of code.matchAll(global)) {
    found.add(lineAt(starts, m.index ?? 0));
    if (found.size >= max) break;
  }
  const all = code.split("\n");
  return [...found]
    .sort((a, b) => a - b)
    .map((i) => ({ line: i + 1, text: cut((all[i] ?? "").replace(/\r$/, "").trim()) }));
}

function lineStarts(s: string): number[] {
  const out = [0];
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) out.push(i + 1);
  return out;
}

/** The 0-based line holding offset `at` (binary search over line starts). */
function lineAt(starts: number[], at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const cut = (s: string, max = MAX_LINE_CHARS) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** "line 3 DROP TABLE x; | line 9 TRUNCATE y;" within `maxChars`, for a decision message DataWorks shows. */
export function linesSummary(lines: readonly MatchedLine[], maxChars = 300): string {
  let out = "";
  for (const l of lines) {
    const part = `${out ? " | " : ""}line ${l.line} ${l.text}`;
    if (out.length + part.length > maxChars) {
      const room = maxChars - out.length - 1;
      return room > 12 ? `${out}${part.slice(0, room)}…` : `${out}…`;
    }
    out += part;
  }
  return out;
}
