/**
 * The platform-neutral message every template renders to and every adapter renders from.
 *
 * All strings are PLAIN TEXT: untrusted values (file names, SQL, user names) are never markup here.
 * Each adapter escapes them for its own platform, so a value can never inject mentions, links or
 * formatting, whatever the template author wrote.
 */
export type Severity = "info" | "success" | "warning" | "danger";

export interface MessageField {
  label: string;
  value: string;
}

/** A block of text: what templates produce. */
export interface TextSection {
  kind?: "text";
  title?: string;
  text: string;
  /** "code" renders monospaced (SQL, log lines); "quote" as a quotation. */
  style?: "plain" | "code" | "quote";
}

/** A code change (approval cards): each adapter fits its lines to the platform's limits and says what it left out. */
export interface DiffSection {
  kind: "diff";
  title?: string;
  diff: MessageDiff;
}

export type MessageSection = TextSection | DiffSection;

export interface DiffLine {
  /** "hunk" is an `@@ -a,b +c,d @@` header; the others are unified diff lines without their +/-/space mark. */
  kind: "hunk" | "add" | "del" | "context";
  text: string;
}

export interface MessageDiff {
  /** The file the change is to (plain text, untrusted). */
  file?: string;
  /** Lines added and removed in the whole change, not only in `lines`. */
  added: number;
  removed: number;
  /** "+12 −3" (or the locale's "no change"). */
  summary: string;
  /** The first hunks, as far as the core kept them; an adapter may keep fewer. */
  lines: DiffLine[];
  /** The whole change has lines that `lines` does not (more hunks, or too large to compute). */
  truncated: boolean;
  /** The whole diff (the bot's approval page); absent when the bot has no public URL. */
  link?: MessageLink;
  /** Localised words for what an adapter left out: `more` has a {count} placeholder. */
  words: { more: string; whole: string; shortened: string };
}

export const isDiff = (s: MessageSection): s is DiffSection => s.kind === "diff";

/** The mark a unified diff gives each kind of line. */
export const DIFF_MARK: Record<Exclude<DiffLine["kind"], "hunk">, string> = { add: "+", del: "-", context: " " };

export interface DiffTail {
  /** "12 more changed lines" (or "the diff is shortened"). */
  text: string;
  /** "see the whole diff" → the approval page, when the bot has a public URL. */
  link?: MessageLink;
}

/**
 * The longest prefix of a diff's lines that fits `budget` (never ending on a hunk header), with the line to show
 * after it when something was left out: how many changed lines, and where the whole diff is. Adapters pass their
 * own rendering's cost per line and for the tail, in their platform's unit (UTF-16 units, bytes), so the lines plus
 * the tail fit exactly: all lines when they fit with no tail needed, else as many as leave room for the tail.
 */
export function fitDiff(
  diff: MessageDiff,
  budget: number,
  cost: (line: DiffLine) => number,
  tailCost: (tail: DiffTail) => number = () => 0,
): { lines: DiffLine[]; tail?: DiffTail } {
  const whole = fitLines(diff, budget, cost);
  if (!whole.tail) return whole;
  // The longest tail this diff can have (every changed line left out), so the fit never overflows.
  const reserve = tailCost(tailOf(diff, [], true) as DiffTail);
  return fitLines(diff, budget - reserve, cost);
}

function fitLines(diff: MessageDiff, budget: number, cost: (line: DiffLine) => number) {
  const lines: DiffLine[] = [];
  let used = 0;
  for (const l of diff.lines) {
    const c = cost(l);
    if (used + c > budget) break;
    used += c;
    lines.push(l);
  }
  while (lines.at(-1)?.kind === "hunk") lines.pop();
  const tail = tailOf(diff, lines, lines.length < diff.lines.length);
  return tail ? { lines, tail } : { lines };
}

function tailOf(diff: MessageDiff, shown: readonly DiffLine[], cut: boolean): DiffTail | undefined {
  const shownChanges = shown.filter((l) => l.kind === "add" || l.kind === "del").length;
  const hidden = Math.max(0, diff.added + diff.removed - shownChanges);
  if (!cut && !diff.truncated && hidden === 0) return undefined;
  const text = hidden > 0 ? diff.words.more.replace("{count}", String(hidden)) : diff.words.shortened;
  return { text, ...(diff.link ? { link: { ...diff.link, label: diff.words.whole } } : {}) };
}

/** One line as unified diff text: a hunk header as it is, any other line after its mark. */
export const diffLine = (l: DiffLine): string => (l.kind === "hunk" ? l.text : DIFF_MARK[l.kind] + l.text);

/** A diff as unified diff text (the console, the page, a fallback). */
export function diffText(lines: readonly DiffLine[]): string {
  return lines.map(diffLine).join("\n");
}

export interface MessageLink {
  label: string;
  url: string;
}

export interface MessageButton {
  /** Routed by the core's action router, e.g. "approval.approve". */
  actionId: string;
  label: string;
  /** Opaque value returned with the click (an approval id, never a secret). */
  value: string;
  style?: "primary" | "danger";
  /**
   * Ask before acting (rerun, mark success, stop): Slack's Block Kit `confirm` dialog, Lark's button `confirm`,
   * a confirmation step on a DingTalk card. Plain text, in the message's language.
   */
  confirm?: MessageConfirm;
}

export interface MessageConfirm {
  title: string;
  text: string;
  /** The confirming button's label ("Rerun"). */
  ok: string;
  /** The cancelling button's label ("Cancel"). */
  cancel: string;
}

export interface MessageMention {
  /** Platform user id to mention (already mapped from DataWorks ids by the router). */
  userId: string;
  name?: string;
}

export interface Message {
  /** Event type or template key this message came from, for logs and overrides. */
  kind: string;
  title: string;
  severity: Severity;
  /** One line used as notification/fallback text. Defaults to the title. */
  summary?: string;
  fields: MessageField[];
  sections: MessageSection[];
  links: MessageLink[];
  /** Small footer lines (ids, times). */
  context: string[];
  actions: MessageButton[];
  mentions: MessageMention[];
  locale: string;
}

export function emptyMessage(kind: string, locale: string): Message {
  return {
    kind,
    title: kind,
    severity: "info",
    fields: [],
    sections: [],
    links: [],
    context: [],
    actions: [],
    mentions: [],
    locale,
  };
}
