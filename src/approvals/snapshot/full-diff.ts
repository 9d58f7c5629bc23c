/**
 * Where the snapshot's bulk lives. The approval keeps its facts bounded (every card render, click and status page
 * reads the whole approval): code texts are cut to MAX_STORED_CODE characters there. The whole unified diff of a file
 * change is kept beside it under its own key, with the approval's remaining lifetime, for the approval page.
 */
import type { RedisClient } from "../../redis/connect.js";
import { fullDiff } from "./diff.js";
import type { Facts, SettledFacts } from "./fetch.js";

/** Characters of each code text (new, base, run) kept on the stored approval. */
export const MAX_STORED_CODE = 16_000;
/** The whole diff is cut here (jsdiff's edit cap already bounds it; very long lines could still add up). */
export const MAX_FULL_DIFF_CHARS = 4_000_000;

export const fullDiffKey = (prefix: string, approvalId: string) => `${prefix}:approval-diff:${approvalId}`;

/**
 * The whole unified diff of an approval's file change (file headers, every hunk), or undefined: no file change,
 * too large to compute (the card's `diff.tooLarge` says so), or gone with the approval.
 */
export async function loadFullDiff(
  redis: RedisClient,
  prefix: string,
  approvalId: string,
): Promise<string | undefined> {
  return (await redis.get(fullDiffKey(prefix, approvalId))) ?? undefined;
}

/** The whole diff to keep beside the approval (file facts only). */
export function wholeDiffOf(facts: SettledFacts): string | undefined {
  if (facts.status !== "ok" || facts.facts.kind !== "file") return undefined;
  const f = facts.facts;
  const name = f.file.fileName ?? `file ${f.file.fileId ?? "?"}`;
  const deleted = f.file.changeType === "DELETE" || "deleted" in f.file;
  const base =
    f.base.source === "none" ? (deleted ? "current" : "(none)") : `version ${f.base.version} (${f.base.source})`;
  const next = deleted ? "(deleted)" : `version ${f.file.currentVersion ?? "new"}`;
  // A deletion's base is the code going away (fetch.ts).
  const text = fullDiff(name, f.baseContent, deleted ? "" : f.file.content, { before: base, after: next });
  if (text === undefined || text.length <= MAX_FULL_DIFF_CHARS) return text;
  return `${text.slice(0, MAX_FULL_DIFF_CHARS)}\n… (cut at ${MAX_FULL_DIFF_CHARS} characters)\n`;
}

/** The facts as stored on the approval: the same, with code texts cut (the diff excerpt is bounded already). */
export function boundedFacts(facts: SettledFacts): SettledFacts {
  if (facts.status !== "ok") return facts;
  return { status: "ok", facts: boundFacts(facts.facts) };
}

function boundFacts(f: Facts): Facts {
  if (f.kind === "run")
    return long(f.run.content) ? { ...f, run: { ...f.run, content: clip(f.run.content) }, clipped: true } : f;
  if (f.kind === "file" && (long(f.file.content) || long(f.baseContent)))
    return {
      ...f,
      file: { ...f.file, content: clip(f.file.content) },
      baseContent: clip(f.baseContent),
      clipped: true,
    };
  return f;
}

const long = (s: string) => s.length > MAX_STORED_CODE;
const clip = (s: string) => (long(s) ? s.slice(0, MAX_STORED_CODE) : s);
