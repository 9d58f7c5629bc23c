import { type DiffSection, isDiff, type Message, type Severity } from "../../src/core/message.js";
import { renderDiff } from "./diff.js";
import { clip, codeBlock, linkLabel, mrkdwn, plainLine, safeUrl } from "./escape.js";

/** The chat.postMessage / chat.update arguments we produce (channel is added at send time). */
export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

export type SlackBlock = Record<string, unknown> & { type: string };

/** Limits from the Block Kit reference (docs.slack.dev/reference/block-kit), counted in UTF-16 code units. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  actionElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  fallbackText: 3000,
  /**
   * Slack answers msg_blocks_too_long near 13k characters of block text even when every documented limit
   * is met (slackapi/bolt-js#2509), so the whole message keeps under this budget.
   */
  totalText: 12000,
  /** Fields show two per row: longer values belong in a section. */
  fieldValue: 1000,
} as const;

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
const EMOJI: Record<Severity, string> = { danger: "🔴", warning: "🟠", success: "🟢", info: "🔵" };

/** Pure: neutral message → Block Kit. Every untrusted string is escaped; every limit is respected by truncation. */
export function renderSlack(m: Message): SlackPayload {
  let budget: number = SLACK_LIMITS.totalText;
  const spend = (s: string) => {
    budget -= s.length;
    return s;
  };
  const blocks: SlackBlock[] = [];
  const header = spend(plainLine(`${EMOJI[m.severity]} ${m.title}`, SLACK_LIMITS.headerText));
  blocks.push({ type: "header", text: { type: "plain_text", text: header, emoji: true } });
  const mentions = m.mentions.filter((x) => USER_ID.test(x.userId) || GROUP_ID.test(x.userId));
  if (mentions.length) {
    const text = mentions
      .slice(0, 50)
      .map((x) => (x.userId.startsWith("S") ? `<!subteam^${x.userId}>` : `<@${x.userId}>`))
      .join(" ");
    blocks.push({ type: "section", text: { type: "mrkdwn", text: spend(clip(text, SLACK_LIMITS.sectionText)) } });
  }
  for (let i = 0; i < m.fields.length && budget > 0; i += SLACK_LIMITS.fieldsPerSection) {
    const fields = m.fields.slice(i, i + SLACK_LIMITS.fieldsPerSection).map((f) => {
      const label = `*${clip(mrkdwn(plainLine(f.label, 200)), 300)}*\n`;
      const value = clip(mrkdwn(f.value), Math.min(SLACK_LIMITS.fieldValue, Math.max(20, budget - label.length)));
      return { type: "mrkdwn", text: spend(clip(label + value, SLACK_LIMITS.fieldText)) };
    });
    blocks.push({ type: "section", fields });
  }
  for (const s of m.sections) {
    if (budget < 100) break;
    if (isDiff(s)) {
      blocks.push(diffBlock(s, Math.min(SLACK_LIMITS.sectionText, budget), spend));
      continue;
    }
    const head = s.title ? `*${clip(mrkdwn(plainLine(s.title, 200)), 300)}*\n` : "";
    const room = Math.min(SLACK_LIMITS.sectionText, budget) - head.length;
    const body =
      s.style === "code"
        ? codeBlock(s.text, room)
        : s.style === "quote"
          ? clip(`>${mrkdwn(s.text).replace(/\n/g, "\n>")}`, room)
          : clip(mrkdwn(s.text), room);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: spend(head + body) } });
  }
  const links = m.links.flatMap((l) => {
    const url = safeUrl(l.url);
    return url ? [`<${url}|${clip(linkLabel(plainLine(l.label, 200)), 300)}>`] : [];
  });
  if (links.length)
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: spend(links.slice(0, 5).join("  ·  ")) },
    });
  if (m.actions.length) {
    blocks.push({
      type: "actions",
      elements: m.actions.slice(0, SLACK_LIMITS.actionElements).map((a) => ({
        type: "button",
        action_id: a.actionId,
        value: clip(a.value, SLACK_LIMITS.buttonValue),
        text: { type: "plain_text", text: plainLine(a.label, SLACK_LIMITS.buttonText), emoji: true },
        ...(a.style ? { style: a.style } : {}),
        // Block Kit confirmation dialog object: title ≤100, text ≤300, confirm/deny ≤30 characters
        // (https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object).
        ...(a.confirm
          ? {
              confirm: {
                title: { type: "plain_text", text: plainLine(a.confirm.title, 100) },
                text: { type: "plain_text", text: clip(a.confirm.text, 300) },
                confirm: { type: "plain_text", text: plainLine(a.confirm.ok, 30) },
                deny: { type: "plain_text", text: plainLine(a.confirm.cancel, 30) },
                ...(a.style === "danger" ? { style: "danger" } : {}),
              },
            }
          : {}),
      })),
    });
  }
  if (m.context.length) {
    blocks.push({
      type: "context",
      elements: m.context
        .slice(0, SLACK_LIMITS.contextElements)
        .map((c) => ({ type: "mrkdwn", text: clip(mrkdwn(c), 500) })),
    });
  }
  const fallback = clip(mrkdwn(plainLine(m.summary ?? m.title, SLACK_LIMITS.fallbackText)), SLACK_LIMITS.fallbackText);
  return { text: fallback, blocks: capBlocks(blocks) };
}

function diffBlock(s: DiffSection, room: number, spend: (t: string) => string): SlackBlock {
  return { type: "section", text: { type: "mrkdwn", text: spend(renderDiff(s, room)) } };
}

/** Keep the header, the actions and the last context; drop middle blocks beyond 50 with a marker. */
function capBlocks(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  const tail = blocks.filter((b) => b.type === "actions" || b.type === "context");
  const body = blocks.filter((b) => b.type !== "actions" && b.type !== "context");
  const keep = body.slice(0, SLACK_LIMITS.blocks - tail.length - 1);
  const more = {
    type: "context",
    elements: [{ type: "mrkdwn", text: `… ${body.length - keep.length} more blocks not shown` }],
  };
  return [...keep, more, ...tail];
}
