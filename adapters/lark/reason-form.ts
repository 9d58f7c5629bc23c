import type { ActionReply } from "../../src/core/chat-adapter.js";
import { truncate } from "../../src/core/text.js";
import type { LarkCard } from "./render.js";

/** Form field names; they come back as keys of `action.form_value` ("表单容器" doc, callback structure). */
export const REASON_INPUT = "reason";
export const REASON_CHOICE = "reason_choice";

/** What a form's submit button sends back besides the form values: the action to repeat, now with text. */
export interface ReasonFormValue {
  actionId: string;
  value: string;
  /** Marks a submission of this form (its answer replaces the form card). */
  form: "reason";
}

/**
 * Lark has no modal a bot can open from a callback, so a click that needs a reason gets this small card as a
 * reply to the approval card: a JSON 2.0 `form` (at the card root, every interactive element named, one
 * submit button — "表单容器" nesting rules) with a free-text input and, when the route has preset reasons, a
 * `select_static` of them. Whoever submits it is authorised again by the core like any click.
 */
export function reasonFormCard(ask: NonNullable<ActionReply["needsInput"]>, actionId: string, value: string): LarkCard {
  const choices = (ask.choices ?? []).filter((c) => c.trim()).slice(0, 20);
  const submit: ReasonFormValue = { actionId, value, form: "reason" };
  const elements: Array<Record<string, unknown> & { tag: string }> = [];
  if (choices.length)
    elements.push({
      tag: "select_static",
      name: REASON_CHOICE,
      placeholder: { tag: "plain_text", content: truncate(ask.label, 100) },
      // The option value is the reason itself, so a submission needs no server-side lookup.
      options: choices.map((c) => ({ text: { tag: "plain_text", content: truncate(c, 100) }, value: c })),
    });
  elements.push(
    {
      tag: "input",
      name: REASON_INPUT,
      // With preset reasons the text is optional; the core asks again if neither is given.
      required: choices.length === 0,
      max_length: 500,
      label: { tag: "plain_text", content: truncate(ask.label, 100) },
      label_position: "top",
      placeholder: { tag: "plain_text", content: truncate(ask.label, 100) },
    },
    {
      tag: "button",
      name: "submit",
      text: { tag: "plain_text", content: truncate(ask.title, 40) },
      type: "danger",
      form_action_type: "submit",
      behaviors: [{ type: "callback", value: submit }],
    },
  );
  return {
    schema: "2.0",
    config: { update_multi: true, summary: { content: truncate(ask.title, 100) } },
    header: { title: { tag: "plain_text", content: truncate(ask.title, 200) }, template: "orange" },
    body: { elements: [{ tag: "form", name: "reason_form", elements }] },
  };
}

/** The reason a form submission carries: the typed text, else the chosen preset. */
export function reasonFrom(formValue: Record<string, unknown> | undefined): string | undefined {
  if (!formValue) return undefined;
  const text = typeof formValue[REASON_INPUT] === "string" ? (formValue[REASON_INPUT] as string).trim() : "";
  const picked = formValue[REASON_CHOICE];
  const preset = typeof picked === "string" ? picked.trim() : undefined;
  if (preset && text) return `${preset}: ${text}`;
  return text || preset || undefined;
}

/** What replaces the form once the core accepted the reason. */
export function doneCard(text: string): LarkCard {
  return {
    schema: "2.0",
    config: { update_multi: true, summary: { content: truncate(text, 100) } },
    header: { title: { tag: "plain_text", content: truncate(text, 200) }, template: "grey" },
    body: { elements: [] },
  };
}
