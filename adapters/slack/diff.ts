import { type DiffLine, type DiffSection, type DiffTail, diffLine, fitDiff } from "../../src/core/message.js";
import { clip, codeText, linkLabel, mrkdwn, plainLine, safeUrl } from "./escape.js";

/**
 * A diff section as one mrkdwn section text of at most `room` UTF-16 units (a section's text is limited to 3,000:
 * https://docs.slack.dev/reference/block-kit/blocks/section-block): a bold title line with the file and `+12 −3`,
 * the first lines that fit in a ``` block, then how many changed lines were left out and a link to the whole diff.
 * Slack mrkdwn has no diff colouring, so lines keep their unified +/- marks. Code can contain ``` and <!channel>:
 * lines are escaped (& < >) and a ``` inside one is broken so it cannot close the block.
 */
export function renderDiff(s: DiffSection, room: number): string {
  const d = s.diff;
  const head = clip(
    mrkdwn(plainLine([s.title && `*${s.title}*`, d.file, d.summary].filter(Boolean).join("  ·  "), 400)),
    500,
  );
  const tailOf = (t: DiffTail | undefined) => {
    if (!t) return "";
    const url = t.link && safeUrl(t.link.url);
    return `\n_${mrkdwn(plainLine(t.text, 200))}_${url ? ` — <${url}|${linkLabel(plainLine(t.link?.label ?? "", 100))}>` : ""}`;
  };
  // "\n```\n" + each line and its "\n" + "```".
  const fence = "\n```\n".length + "```".length;
  const { lines, tail } = fitDiff(
    d,
    room - head.length - fence,
    (l) => codeLine(l).length + 1,
    (t) => tailOf(t).length,
  );
  const body = lines.length ? `\n\`\`\`\n${lines.map((l) => `${codeLine(l)}\n`).join("")}\`\`\`` : "";
  return clip(head + body + tailOf(tail), room);
}

/** One line inside the ``` block (codeText). */
const codeLine = (l: DiffLine): string => codeText(diffLine(l));
