import { type DiffLine, type DiffSection, type DiffTail, diffLine, fitDiff } from "../../src/core/message.js";
import { codeText, mdInline, safeUrl } from "./escape.js";

/**
 * A diff section as one markdown element whose content costs at most `maxBytes` in the request body (card JSON
 * inside `content`, escaped twice: card-size.ts): a bold title line with the file and `+12 −3`, the first lines
 * that fit in a fenced code block (Lark markdown code blocks, "代码块" in the rich-text doc
 * open.larkoffice.com/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-components/content-components/rich-text),
 * then how many changed lines were left out and a link to the whole diff. Inside the fence entities are shown
 * literally, so lines are defused with codeText (``` broken, tag-like < made full-width), not entity-escaped.
 */
export function renderDiff(s: DiffSection, maxBytes: number): string {
  const d = s.diff;
  // One line: file and summary escaped together, so "+12" is not taken for a line-start list marker.
  const rest = mdInline([d.file, d.summary].filter(Boolean).join("  ·  "));
  const head = s.title ? `**${mdInline(s.title)}**  ·  ${rest}` : rest;
  const tailOf = (t: DiffTail | undefined) => {
    if (!t) return "";
    const url = t.link && safeUrl(t.link.url);
    return `\n${mdInline(t.text)}${url ? ` — [${mdInline(t.link?.label ?? "")}](${url})` : ""}`;
  };
  const { lines, tail } = fitDiff(
    d,
    maxBytes - wire(head) - wire("\n```\n```"),
    (l) => wire(`${codeLine(l)}\n`),
    (t) => wire(tailOf(t)),
  );
  const body = lines.length ? `\n\`\`\`\n${lines.map((l) => `${codeLine(l)}\n`).join("")}\`\`\`` : "";
  return head + body + tailOf(tail);
}

const codeLine = (l: DiffLine) => codeText(diffLine(l));

/** Bytes a piece of content costs in the request: JSON-escaped in the card, and again as the `content` string. */
export const wire = (s: string) => Buffer.byteLength(JSON.stringify(JSON.stringify(s))) - 6;
