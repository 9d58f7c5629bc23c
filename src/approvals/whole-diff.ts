import { fullDiff } from "./snapshot/diff.js";
import type { Approval } from "./types.js";

/**
 * The whole unified diff of a file approval, for the approval page: the base version's code against the code being
 * committed or deployed (nothing after it, for a delete). Undefined when there are no file facts, or the change is
 * too large to compute within diff.ts's caps.
 */
export function wholeDiff(a: Pick<Approval, "facts">, labels: { before: string; after: string }): string | undefined {
  if (a.facts?.status !== "ok" || a.facts.facts.kind !== "file") return undefined;
  const f = a.facts.facts;
  const deleting = f.file.changeType === "DELETE" || "deleted" in f.file;
  return fullDiff(
    f.file.fileName ?? String(f.file.fileId ?? "file"),
    f.baseContent,
    deleting ? "" : f.file.content,
    labels,
  );
}
