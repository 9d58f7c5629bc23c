import { describeDataWorks } from "../approvals/card.js";
import { describeDecision, describeUnanswered } from "../approvals/describe.js";
import { nameOnPlatform } from "../access/people.js";
import type { AuditEntry } from "../approvals/store.js";
import { formatTime } from "../templating/format.js";
import type { Config } from "../config/schema.js";
import type { Messages } from "../templating/i18n.js";
import { translate } from "../templating/i18n.js";

export type Translate = (key: string, params?: Record<string, unknown>) => string;

/** The page speaks the console destination's language (its `locale`, else templates.defaultLocale). */
export function consoleLocale(config: Readonly<Config>): string {
  const dest = Object.values(config.destinations).find((d) => d.platform === "console");
  return dest?.locale ?? config.templates.defaultLocale;
}

export function consoleTranslator(messages: Messages, locale: string): Translate {
  return (key, params = {}) => translate(messages, locale, key, params);
}

/** The page's own words (console.* in the locale files), sent once with the first feed answer. */
export function pageWords(messages: Messages, locale: string): Record<string, string> {
  const prefix = "console.";
  const own = messages[locale] ?? {};
  const en = messages.en ?? {};
  const keys = new Set([...Object.keys(en), ...Object.keys(own)].filter((k) => k.startsWith(prefix)));
  return Object.fromEntries([...keys].map((k) => [k.slice(prefix.length), own[k] ?? en[k] ?? k]));
}

/** "1 pending approval" / "3 pending approvals" / "no pending approvals". */
export function pendingText(t: Translate, count: number): string {
  if (count === 0) return t("console.pendingNone");
  return count === 1 ? t("console.pendingOne") : t("console.pendingMany", { count });
}

/**
 * An audit line in the words of the cards ("Approved by alice at … (UTC+08:00)", "DataWorks: accepted (…)"),
 * with the reason apart; times in the configured zone.
 */
export function auditText(a: AuditEntry, t: Translate, timeZone: string): { text: string; detail?: string } {
  if (a.incident) {
    const i = a.incident;
    const text = `${t(`incident.audit.${i.action}`)} · ${i.by ? nameOnPlatform(i.by) : "-"} · ${formatTime(i.at, timeZone)}`;
    const where = t("incident.audit.instance", { instance: i.instanceId });
    return { text, detail: i.error ? `${where}\n${i.error}` : where };
  }
  if (a.notOurs) return { text: t("approval.notOurs"), detail: describeUnanswered(a.notOurs, t) };
  if (a.decision) {
    const [text = "", ...rest] = describeDecision(a.decision, t, timeZone).split("\n");
    return rest.length ? { text, detail: rest.join("\n") } : { text };
  }
  return { text: describeDataWorks(a.dataworks, t) };
}
