import type { DwEvent } from "../core/event.js";
import type { Message } from "../core/message.js";
import type { TemplateEngine } from "../templating/engine.js";
import { formatDuration, formatTime } from "../templating/format.js";
import { translate } from "../templating/i18n.js";

export interface DigestInput {
  /** Events to list (the first maxItems that are still in the recent store), oldest first. */
  events: DwEvent[];
  /** Every event the message accounts for. */
  total: number;
  spanMs: number;
  groupBy: readonly string[];
  locale: string;
  timeZone: string;
}

/**
 * "37 × Failed: node …" — one message for a burst of one group: the first events by their own titles,
 * then a count of the rest. Built from each event's template so it reads like the single messages.
 */
export function digestMessage(input: DigestInput, templates: TemplateEngine): Message {
  const t = (k: string, p: Record<string, unknown> = {}) => translate(templates.messages, input.locale, k, p);
  const rendered = input.events.map((e) => {
    try {
      return { e, m: templates.render(e, input.locale) };
    } catch {
      return { e, m: templates.fallback(e, input.locale) };
    }
  });
  const first = rendered[0]?.m;
  const lines = rendered.map(({ e, m }) => `• ${m.title}${e.time ? `  (${formatTime(e.time, input.timeZone)})` : ""}`);
  const rest = input.total - rendered.length;
  if (rest > 0) lines.push(t("digest.more", { count: rest, code: input.events[0]?.eventCode ?? "" }));
  return {
    kind: `digest:${input.events[0]?.eventCode ?? "events"}`,
    title: t("digest.title", { count: input.total, title: first?.title ?? "" }),
    summary: t("digest.title", { count: input.total, title: first?.title ?? "" }),
    severity: first?.severity ?? "info",
    fields: [],
    sections: [
      {
        title: t("digest.since", { duration: formatDuration(Math.max(input.spanMs, 1000), input.locale) }),
        text: lines.join("\n"),
      },
    ],
    links: first?.links.slice(0, 1) ?? [],
    context: [t("digest.group", { keys: input.groupBy.join(" + ") })],
    actions: [],
    mentions: first?.mentions ?? [],
    locale: input.locale,
  };
}
