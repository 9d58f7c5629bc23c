import type { Config } from "../config/schema.js";
import type { Message } from "../core/message.js";
import type { TemplateEngine } from "../templating/engine.js";
import { translate } from "../templating/i18n.js";
import { approvalCard } from "./card.js";
import type { Approval } from "./types.js";

/**
 * The alert posted where a decision never reached DataWorks: the card's text under an alert title, without buttons.
 * `minimal`: built on the event's fallback message (a card the platform refused).
 */
export function approvalAlert(
  a: Approval,
  locale: string,
  templates: TemplateEngine,
  config: Readonly<Config>,
  minimal = false,
): Message {
  const card = approvalCard(a, locale, templates, config, minimal);
  const t = (k: string, p: Record<string, unknown> = {}) => translate(templates.messages, locale, k, p);
  return {
    ...card,
    kind: `approval-alert:${a.event.eventCode}`,
    title: t("approval.alertTitle", { title: card.title }),
    summary: t("approval.alertTitle", { title: card.title }),
    severity: "danger",
    sections: [{ text: t("approval.alertText", { error: a.dataworks?.error ?? "" }) }, ...card.sections],
    actions: [],
  };
}
