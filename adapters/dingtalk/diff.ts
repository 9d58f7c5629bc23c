import type { DiffLine, DiffSection, DiffTail } from "../../src/core/message.js";
import { fitDiff } from "../../src/core/message.js";
import { neutralise, neutraliseInline, safeUrl } from "./neutralise.js";

/** Full-width marks: a "+" or "-" after "> " would start a list inside the quote. */
const MARK = { add: "＋", del: "－", context: "\u3000" } as const;

/**
 * A diff section as DingTalk markdown of at most `maxBytes` UTF-8 bytes. DingTalk's markdown subset has headings,
 * quotes, bold, italics, links, images and lists but no code block ("消息类型及数据格式",
 * https://open.dingtalk.com/document/orgapp/message-type ; mirror https://cscoder.cn/docs/open/aliyun/robot-messages-markdown.html),
 * so, like the other code sections, each line is a quoted paragraph: a full-width ＋/－ mark, then the line
 * neutralised (no markup, no @), its indentation kept with no-break spaces. Then how many changed lines were left
 * out and a link to the whole diff.
 */
export function renderDiff(s: DiffSection, maxBytes: number): string {
  const d = s.diff;
  const head = [
    s.title && `**${neutraliseInline(s.title)}**`,
    d.file && neutraliseInline(d.file),
    neutraliseInline(d.summary),
  ]
    .filter(Boolean)
    .join("  ·  ");
  const tailOf = (t: DiffTail | undefined) => {
    if (!t) return "";
    const url = t.link && safeUrl(t.link.url);
    return `\n\n${neutraliseInline(t.text)}${url ? ` — [${neutraliseInline(t.link?.label ?? "")}](${url})` : ""}`;
  };
  const { lines, tail } = fitDiff(
    d,
    maxBytes - bytes(head),
    (l) => bytes(`\n\n${quoteLine(l)}`),
    (t) => bytes(tailOf(t)),
  );
  return head + lines.map((l) => `\n\n${quoteLine(l)}`).join("") + tailOf(tail);
}

function quoteLine(l: DiffLine): string {
  if (l.kind === "hunk") return `> ${neutraliseInline(l.text)}`;
  const text = neutralise(l.text.replace(/\r?\n/g, " ")).replace(/^ +/, (sp) => "\u00a0".repeat(sp.length));
  return `> ${MARK[l.kind]} ${text}`;
}

const bytes = (s: string) => Buffer.byteLength(s);
