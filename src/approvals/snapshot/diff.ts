/**
 * Code and column differences for approval cards: pure and size-bounded. The line diff is jsdiff's
 * (npm `diff`, the Myers algorithm behind `git diff`-style unified output), bounded by an edit-length and time
 * cap so that a huge or wholly rewritten file cannot stall a worker; past the cap the card says so and shows
 * the counts of lines instead. Cards get a summary (`+12 −3`) and the first hunks fitted to a byte and line
 * budget; the bot's approval page gets the whole diff (`fullDiff`).
 */
import { formatPatch, type StructuredPatch, type StructuredPatchHunk, structuredPatch } from "diff";
import type { TableColumn } from "../../dataworks/snapshots.js";

export interface DiffBudget {
  /** UTF-8 bytes of excerpt text, headers included. */
  maxBytes: number;
  maxLines: number;
  /** Longer lines are cut with "…" (a minified statement must not eat the whole budget). */
  maxLineChars?: number;
  /** Lines of context around each change. */
  context?: number;
}

export interface CodeDiff {
  /** Lines added and removed in the whole diff (not only the excerpt). */
  added: number;
  removed: number;
  /** "+12 −3" (U+2212 minus, as typeset); "no change" when equal. */
  summary: string;
  /** Unified diff lines of the first hunks that fit the budget (`@@` headers, ` `/`+`/`-` lines). */
  excerpt: string[];
  /** Something was left out of the excerpt (more hunks, or lines of a hunk). */
  truncated: boolean;
  hunks: number;
  /** The diff was too large to compute within the caps: counts are the two files' line counts. */
  tooLarge: boolean;
}

export const DEFAULT_BUDGET: DiffBudget = { maxBytes: 2400, maxLines: 40, maxLineChars: 200, context: 3 };
/** Edits beyond this are not worth computing for a chat card (jsdiff gives up and returns undefined). */
const MAX_EDIT_LENGTH = 20_000;
const TIMEOUT_MS = 500;

function patchOf(before: string, after: string, context: number): StructuredPatch | undefined {
  return structuredPatch("before", "after", before, after, undefined, undefined, {
    context,
    maxEditLength: MAX_EDIT_LENGTH,
    timeout: TIMEOUT_MS,
  });
}

const lineCount = (s: string) => (s === "" ? 0 : s.split("\n").length - (s.endsWith("\n") ? 1 : 0));
export const changeSummary = (added: number, removed: number) =>
  added || removed ? `+${added} \u2212${removed}` : "no change";

/**
 * Diff `before` → `after` (empty string: the file did not exist / no longer exists). A new file's excerpt is
 * its first lines, a deletion's is what goes away.
 */
export function codeDiff(before: string, after: string, budget: DiffBudget = DEFAULT_BUDGET): CodeDiff {
  const patch = patchOf(before, after, budget.context ?? 3);
  if (!patch) {
    const removed = lineCount(before);
    const added = lineCount(after);
    return {
      added,
      removed,
      summary: changeSummary(added, removed),
      excerpt: [],
      truncated: true,
      hunks: 0,
      tooLarge: true,
    };
  }
  let added = 0;
  let removed = 0;
  for (const h of patch.hunks)
    for (const l of h.lines) {
      if (l.startsWith("+")) added++;
      else if (l.startsWith("-")) removed++;
    }
  const { excerpt, truncated } = fitHunks(patch.hunks, budget);
  return {
    added,
    removed,
    summary: changeSummary(added, removed),
    excerpt,
    truncated,
    hunks: patch.hunks.length,
    tooLarge: false,
  };
}

/** The first hunks within the budget; a first hunk larger than the budget is cut, never skipped. */
function fitHunks(hunks: StructuredPatchHunk[], b: DiffBudget): { excerpt: string[]; truncated: boolean } {
  const out: string[] = [];
  let bytes = 0;
  const room = (line: string) => out.length < b.maxLines && bytes + Buffer.byteLength(line, "utf8") + 1 <= b.maxBytes;
  const push = (line: string) => {
    out.push(line);
    bytes += Buffer.byteLength(line, "utf8") + 1;
  };
  for (const h of hunks) {
    // As formatPatch prints it: an empty side starts at the line before (GNU diff's convention).
    const header = `@@ -${h.oldLines ? h.oldStart : h.oldStart - 1},${h.oldLines} +${h.newLines ? h.newStart : h.newStart - 1},${h.newLines} @@`;
    const lines = h.lines.filter((l) => !l.startsWith("\\")).map((l) => cut(l, b.maxLineChars));
    const size = [header, ...lines].reduce((n, l) => n + Buffer.byteLength(l, "utf8") + 1, 0);
    const whole = out.length + 1 + lines.length <= b.maxLines && bytes + size <= b.maxBytes;
    if (!whole && out.length) return { excerpt: out, truncated: true };
    if (!room(header)) return { excerpt: out, truncated: true };
    push(header);
    for (const l of lines) {
      if (!room(l)) return { excerpt: out, truncated: true };
      push(l);
    }
  }
  return { excerpt: out, truncated: false };
}

function cut(line: string, max = Number.POSITIVE_INFINITY): string {
  if (line.length <= max) return line;
  // Do not split a surrogate pair.
  let end = max - 1;
  const code = line.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${line.slice(0, end)}…`;
}

/** The whole unified diff with file headers, for the approval page (no budget; the same edit and time caps). */
export function fullDiff(
  name: string,
  before: string,
  after: string,
  labels = { before: "before", after: "after" },
): string | undefined {
  const patch = patchOf(before, after, 3);
  if (!patch) return undefined;
  return formatPatch({
    ...patch,
    oldFileName: `${name}`,
    newFileName: `${name}`,
    oldHeader: labels.before,
    newHeader: labels.after,
  });
}

export interface ColumnChange {
  name: string;
  before: Pick<TableColumn, "type" | "comment" | "partition">;
  after: Pick<TableColumn, "type" | "comment" | "partition">;
}

export interface ColumnDiff {
  added: TableColumn[];
  removed: TableColumn[];
  changed: ColumnChange[];
  /** "+2 −1 ~1" */
  summary: string;
}

/** Columns added, removed and changed (type, comment or partition flag), matched by name case-insensitively. */
export function columnDiff(before: readonly TableColumn[], after: readonly TableColumn[]): ColumnDiff {
  const key = (c: TableColumn) => c.name.toLowerCase();
  const old = new Map(before.map((c) => [key(c), c]));
  const now = new Map(after.map((c) => [key(c), c]));
  const added = after.filter((c) => !old.has(key(c)));
  const removed = before.filter((c) => !now.has(key(c)));
  const changed: ColumnChange[] = [];
  for (const c of after) {
    const o = old.get(key(c));
    if (!o) continue;
    if (
      o.type.toLowerCase() !== c.type.toLowerCase() ||
      (o.comment ?? "") !== (c.comment ?? "") ||
      o.partition !== c.partition
    )
      changed.push({
        name: c.name,
        before: { type: o.type, comment: o.comment, partition: o.partition },
        after: { type: c.type, comment: c.comment, partition: c.partition },
      });
  }
  const summary =
    added.length || removed.length || changed.length
      ? `+${added.length} \u2212${removed.length} ~${changed.length}`
      : "no change";
  return { added, removed, changed, summary };
}
