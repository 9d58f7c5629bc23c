import { isDiff, type Message, type Severity } from "../../src/core/message.js";
import { truncate, truncateBytes } from "../../src/core/text.js";
import { renderDiff } from "./diff.js";
import { isUserId, neutralise, neutraliseInline, safeUrl } from "./neutralise.js";

/** One rendering used by both transports: custom robot `markdown` and app robot `sampleMarkdown`. */
export interface DingTalkPayload {
  /** Notification / conversation-list title (not rendered as markdown). */
  title: string;
  /** Markdown body in the subset DingTalk renders. */
  text: string;
  /** Custom robot @: `atUserIds` plus "@id" in the text (both are required for the mention to fire). */
  at: { atUserIds: string[]; isAtAll: boolean };
  /** Interactive card data (the adapter's render adds it): approval cards and their updates use it. */
  card?: { cardParamMap: Record<string, string> };
  /** The message has buttons: an app-robot destination gets an interactive card instead of markdown. */
  interactive?: boolean;
}

export const DINGTALK_LIMITS = {
  /** Custom robot markdown body (the limit this project holds every DingTalk text to). */
  textBytes: 20_000,
  /** App robot groupMessages/send: msgParam ≤ 15,000 bytes (robot "send group message" API reference). */
  msgParamBytes: 15_000,
  title: 64,
  /** Per-section pre-cut so one long log cannot starve the rest. */
  sectionChars: 6_000,
  /** A diff section, in UTF-8 bytes: a third of the card data's 10,000-byte markdown (renderDingTalkCardData). */
  diffBytes: 3_500,
} as const;

const EMOJI: Record<Severity, string> = { danger: "🔴", warning: "🟠", success: "🟢", info: "🔵" };
export const CUT_MARKER = "\n\n…(truncated)";

/**
 * Pure: neutral Message → DingTalk markdown. Uses only the documented subset (#### heading, **bold**, > quote,
 * [text](url), line breaks as "\n\n"); every untrusted string goes through neutralise().
 */
export function renderDingTalk(m: Message): DingTalkPayload {
  const blocks: string[] = [`#### ${EMOJI[m.severity]} ${neutraliseInline(m.title)}`];
  const atAll = m.mentions.some((x) => x.userId === "all");
  const atUserIds = [...new Set(m.mentions.map((x) => x.userId).filter((id) => id !== "all" && isUserId(id)))];
  if (atUserIds.length) blocks.push(atUserIds.map((id) => `@${id}`).join(" "));
  for (const f of m.fields) blocks.push(`**${neutraliseInline(f.label)}**: ${neutraliseInline(f.value)}`);
  for (const s of m.sections) {
    if (isDiff(s)) {
      blocks.push(renderDiff(s, DINGTALK_LIMITS.diffBytes));
      continue;
    }
    const lines = truncate(s.text, DINGTALK_LIMITS.sectionChars)
      .split("\n")
      .map((l) => neutralise(l));
    // No code blocks in DingTalk markdown: logs and SQL read best as a quote, one line per line.
    const body =
      s.style === "code" || s.style === "quote" ? lines.map((l) => `> ${l}`).join("\n\n") : lines.join("\n\n");
    blocks.push(s.title ? `**${neutraliseInline(s.title)}**\n\n${body}` : body);
  }
  const links = m.links.flatMap((l) => {
    const url = safeUrl(l.url);
    return url ? [`[${neutraliseInline(l.label) || url}](${url})`] : [];
  });
  if (links.length) blocks.push(links.join("  ·  "));
  if (m.context.length) blocks.push(m.context.map((c) => neutraliseInline(c)).join("\n\n"));
  return {
    title: truncate(oneLine(m.summary ?? m.title) || m.kind, DINGTALK_LIMITS.title),
    text: fitMarkdown(blocks.join("\n\n"), DINGTALK_LIMITS.textBytes),
    at: { atUserIds, isAtAll: atAll },
  };
}

/**
 * Cut markdown to a byte budget at a line boundary when one is near, with a marker. Never fails. A cut can only
 * drop text: neutralised content cannot turn into markup by being shortened.
 */
export function fitMarkdown(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const cut = truncateBytes(text, maxBytes - Buffer.byteLength(CUT_MARKER), "");
  const nl = cut.lastIndexOf("\n");
  return (nl > cut.length * 0.8 ? cut.slice(0, nl) : cut) + CUT_MARKER;
}

/**
 * Pure: the `cardParamMap` an interactive card template (card builder) will be filled with. DingTalk requires
 * every value to be a string, so lists are JSON strings; markdown values are neutralised like the message.
 */
export function renderDingTalkCardData(m: Message): { cardParamMap: Record<string, string> } {
  const rendered = renderDingTalk(m);
  return {
    cardParamMap: {
      kind: m.kind,
      title: truncate(oneLine(m.title), 200),
      summary: rendered.title,
      severity: m.severity,
      locale: m.locale,
      markdown: fitMarkdown(rendered.text, 10_000),
      fields: JSON.stringify(m.fields.map((f) => ({ label: truncate(f.label, 200), value: truncate(f.value, 1000) }))),
      links: JSON.stringify(m.links.flatMap((l) => (safeUrl(l.url) ? [{ label: l.label, url: safeUrl(l.url) }] : []))),
      actions: JSON.stringify(
        m.actions.map((a) => ({ actionId: a.actionId, label: a.label, value: a.value, style: a.style ?? "default" })),
      ),
      context: m.context.join("\n"),
      // Flat variables for templates that cannot loop over `actions`: "pending" shows the buttons.
      status: m.actions.length ? "pending" : "done",
      actionValue: m.actions[0]?.value ?? "",
      ...Object.fromEntries(
        m.actions.slice(0, 4).flatMap((a, i) => [
          [`action${i}Id`, a.actionId],
          [`action${i}Label`, truncate(a.label, 40)],
          [`action${i}Style`, a.style ?? "default"],
        ]),
      ),
    },
  };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/**
 * Pure: what the DingTalk adapter's render() returns: the markdown (robots, app robot messages), the card data,
 * and whether it goes out as an interactive card. Approval cards (kind "approval:…", with or without buttons) are
 * interactive cards, so they can be updated.
 */
export function renderDingTalkPayload(m: Message): DingTalkPayload {
  return {
    ...renderDingTalk(m),
    card: renderDingTalkCardData(m),
    interactive: m.actions.length > 0 || m.kind.startsWith("approval:"),
  };
}
