import { emptyMessage, type Message, type Severity } from "../core/message.js";
import { truncate } from "../core/text.js";
import type { Messages } from "../templating/i18n.js";
import { translate } from "../templating/i18n.js";
import type { CommandError, CommandName } from "./parse.js";
import { COMMAND_NAMES } from "./parse.js";

export type Translate = (key: string, params?: Record<string, unknown>) => string;

export function translator(messages: Messages, locale: string): Translate {
  return (key, params = {}) => translate(messages, locale, `command.${key}`, params);
}

/**
 * Budgets for list answers, below every platform's limit: Slack 3,000 characters per section and 50 blocks,
 * DingTalk 15,000 bytes of msgParam for the whole message, Lark 30 KB per card (see the adapters' READMEs).
 * Items past the budget are left out with a note saying how many.
 */
export const LIST_BUDGET = { sectionChars: 2_800, totalBytes: 9_000, itemChars: 600 } as const;

export const SEVERITY_MARK: Record<Severity, string> = { danger: "🔴", warning: "🟠", success: "🟢", info: "🔵" };

export function message(kind: string, locale: string, title: string, severity: Severity = "info"): Message {
  const m = emptyMessage(`command:${kind}`, locale);
  m.title = title;
  m.summary = title;
  m.severity = severity;
  return m;
}

/** Pack item texts into sections within the budgets; returns how many items fit. */
export function addList(m: Message, items: readonly string[]): number {
  let bytes = 0;
  let current = "";
  let shown = 0;
  for (const raw of items) {
    const item = truncate(raw, LIST_BUDGET.itemChars);
    const cost = Buffer.byteLength(item) + 2;
    if (bytes + cost > LIST_BUDGET.totalBytes) break;
    if (current && current.length + item.length + 2 > LIST_BUDGET.sectionChars) {
      m.sections.push({ text: current });
      current = "";
    }
    current = current ? `${current}\n\n${item}` : item;
    bytes += cost;
    shown++;
  }
  if (current) m.sections.push({ text: current });
  return shown;
}

/**
 * A friendly refusal or mistake: what went wrong and the usage line (of one command, of all when undefined,
 * none for null), never a stack trace.
 */
export function errorMessage(
  t: Translate,
  locale: string,
  text: string,
  usage: CommandName | undefined | null,
): Message {
  const m = message("error", locale, t("error.title"), "warning");
  m.summary = text;
  m.sections.push({ text });
  if (usage !== null) m.sections.push(usageSection(t, usage));
  return m;
}

export function parseErrorMessage(t: Translate, locale: string, e: CommandError): Message {
  const params = typeof e.params.arg === "string" ? { ...e.params, arg: t(`arg.${e.params.arg}`) } : e.params;
  return errorMessage(t, locale, t(`error.${e.key}`, params), e.usage);
}

export function usageSection(t: Translate, usage?: CommandName): Message["sections"][number] {
  if (usage) return { title: t("usageTitle"), text: t(`usage.${usage}`), style: "code" };
  return { title: t("usageTitle"), text: COMMAND_NAMES.map((c) => t(`usage.${c}`)).join("\n"), style: "code" };
}
