import { isDiff, type Message, type Severity } from "../../src/core/message.js";
import { truncate } from "../../src/core/text.js";
import { fitCard } from "./card-size.js";
import { renderDiff } from "./diff.js";
import { codeBlock, md, mdInline, mention, safeUrl } from "./escape.js";

/**
 * A Lark card JSON 2.0 (open.larkoffice.com/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-structure).
 * Sent as the stringified `content` of an `interactive` message (app bot) or as `card` (custom bot webhook).
 */
export interface LarkCard {
  schema: "2.0";
  config: { update_multi: true; summary: { content: string } };
  header: { title: { tag: "plain_text"; content: string }; template: string };
  body: { elements: LarkElement[] };
}

export type LarkElement = Record<string, unknown> & { tag: string };

export interface LarkPayload {
  card: LarkCard;
}

export const LARK_LIMITS = {
  /** Card content ≤ 30 KB (create-message doc; "卡片…请求体最大不能超过 30 KB"). */
  cardBytes: 30 * 1024,
  /** Custom-bot request body ≤ 20 KB (custom bot guide, open.feishu.cn/document/client-docs/bot-v3/add-custom-bot). */
  webhookBodyBytes: 20 * 1024,
  headerTitle: 200,
  summary: 100,
  buttons: 10,
  buttonText: 40,
  /** Per-section pre-cut so one 100 KB log cannot starve the rest before fitCard balances them. */
  sectionChars: 8_000,
  /**
   * A diff element's content, in bytes of the request body it makes (escaped twice, see card-size.ts): a quarter
   * of the card, so a long change leaves room for the rest and fitCard rarely has to cut it blindly.
   */
  diffBytes: 7_500,
} as const;

/** Header colour per severity (card header `template`: blue, green, orange, red, …). */
const TEMPLATE: Record<Severity, string> = { info: "blue", success: "green", warning: "orange", danger: "red" };

/** Buttons carry this element_id prefix so a custom-bot send (no callbacks there) can drop them. */
export const ACTION_ELEMENT_PREFIX = "dwact_";

/** Pure: neutral Message → card JSON 2.0. Untrusted text is escaped; the card always fits LARK_LIMITS.cardBytes. */
export function renderLark(m: Message): LarkPayload {
  const elements: LarkElement[] = [];
  const mentions = m.mentions.flatMap((x) => mention(x.userId) ?? []);
  if (mentions.length) elements.push(markdown(mentions.join(" ")));
  if (m.fields.length)
    elements.push(markdown(m.fields.map((f) => `**${mdInline(f.label)}**: ${mdInline(f.value)}`).join("\n")));
  for (const s of m.sections) {
    if (isDiff(s)) {
      elements.push(markdown(renderDiff(s, LARK_LIMITS.diffBytes)));
      continue;
    }
    const head = s.title ? `**${mdInline(s.title)}**\n` : "";
    const text = truncate(s.text, LARK_LIMITS.sectionChars);
    const body =
      s.style === "code"
        ? codeBlock(text)
        : s.style === "quote"
          ? text
              .split("\n")
              .map((l) => `> ${md(l)}`)
              .join("\n")
          : md(text);
    elements.push(markdown(head + body));
  }
  const links = m.links.flatMap((l) => {
    const url = safeUrl(l.url);
    return url ? [`[${mdInline(l.label)}](${url})`] : [];
  });
  if (links.length) elements.push(markdown(links.join("  ·  ")));
  if (m.actions.length) elements.push(buttons(m));
  if (m.context.length)
    elements.push({ ...markdown(m.context.map((c) => mdInline(c)).join("\n")), text_size: "notation" });
  const card: LarkCard = {
    schema: "2.0",
    config: {
      update_multi: true,
      summary: { content: truncate(oneLine(m.summary ?? m.title), LARK_LIMITS.summary) },
    },
    header: {
      title: { tag: "plain_text", content: truncate(oneLine(m.title), LARK_LIMITS.headerTitle) },
      template: TEMPLATE[m.severity],
    },
    body: { elements },
  };
  return { card: fitCard(card, LARK_LIMITS.cardBytes) };
}

function markdown(content: string): LarkElement {
  return { tag: "markdown", content };
}

/** One row of buttons; each click comes back as card.action.trigger with `value`. */
function buttons(m: Message): LarkElement {
  return {
    tag: "column_set",
    element_id: `${ACTION_ELEMENT_PREFIX}row`,
    flex_mode: "flow",
    columns: m.actions.slice(0, LARK_LIMITS.buttons).map((a, i) => ({
      tag: "column",
      width: "auto",
      elements: [
        {
          tag: "button",
          element_id: `${ACTION_ELEMENT_PREFIX}${i}`,
          text: { tag: "plain_text", content: truncate(oneLine(a.label), LARK_LIMITS.buttonText) },
          type: a.style ?? "default",
          behaviors: [{ type: "callback", value: { actionId: a.actionId, value: a.value } }],
          // The button's own confirmation dialog (card JSON 2.0 button `confirm`: title and text, plain_text):
          // https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/interactive-components/button
          ...(a.confirm
            ? {
                confirm: {
                  title: { tag: "plain_text", content: truncate(oneLine(a.confirm.title), 100) },
                  text: { tag: "plain_text", content: truncate(a.confirm.text, 500) },
                },
              }
            : {}),
        },
      ],
    })),
  };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
