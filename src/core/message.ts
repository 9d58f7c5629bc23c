/**
 * The platform-neutral message every template renders to and every adapter renders from.
 *
 * All strings are PLAIN TEXT: untrusted values (file names, SQL, user names) are never markup here.
 * Each adapter escapes them for its own platform, so a value can never inject mentions, links or
 * formatting, whatever the template author wrote.
 */
export type Severity = "info" | "success" | "warning" | "danger";

export interface MessageField {
  label: string;
  value: string;
}

export interface MessageSection {
  title?: string;
  text: string;
  /** "code" renders monospaced (SQL, log lines); "quote" as a quotation. */
  style?: "plain" | "code" | "quote";
}

export interface MessageLink {
  label: string;
  url: string;
}

export interface MessageButton {
  /** Routed by the core's action router, e.g. "approval.approve". */
  actionId: string;
  label: string;
  /** Opaque value returned with the click (an approval id, never a secret). */
  value: string;
  style?: "primary" | "danger";
  /**
   * Ask before acting (rerun, mark success, stop): Slack's Block Kit `confirm` dialog, Lark's button `confirm`,
   * a confirmation step on a DingTalk card. Plain text, in the message's language.
   */
  confirm?: MessageConfirm;
}

export interface MessageConfirm {
  title: string;
  text: string;
  /** The confirming button's label ("Rerun"). */
  ok: string;
  /** The cancelling button's label ("Cancel"). */
  cancel: string;
}

export interface MessageMention {
  /** Platform user id to mention (already mapped from DataWorks ids by the router). */
  userId: string;
  name?: string;
}

export interface Message {
  /** Event type or template key this message came from, for logs and overrides. */
  kind: string;
  title: string;
  severity: Severity;
  /** One line used as notification/fallback text. Defaults to the title. */
  summary?: string;
  fields: MessageField[];
  sections: MessageSection[];
  links: MessageLink[];
  /** Small footer lines (ids, times). */
  context: string[];
  actions: MessageButton[];
  mentions: MessageMention[];
  locale: string;
}

export function emptyMessage(kind: string, locale: string): Message {
  return {
    kind,
    title: kind,
    severity: "info",
    fields: [],
    sections: [],
    links: [],
    context: [],
    actions: [],
    mentions: [],
    locale,
  };
}
