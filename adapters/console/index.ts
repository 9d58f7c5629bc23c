import { randomUUID } from "node:crypto";
import type { ChatAdapter, MessageRef, Target } from "../../src/core/chat-adapter.js";
import { DeliveryError, isEncodingFailure } from "../../src/core/errors.js";
import { diffText, fitDiff, isDiff, type Message } from "../../src/core/message.js";

export interface ConsolePayload {
  text: string;
  message: Message;
}

export interface ConsoleAdapterDeps {
  /** Where rendered messages go; stdout by default. */
  print?: (text: string) => void;
  /** Observers (the local web console's feed) get every message and update; a failure fails the delivery. */
  onMessage?: (ref: MessageRef, payload: ConsolePayload, kind: "send" | "update") => void | Promise<void>;
}

const MARK: Record<Message["severity"], string> = {
  danger: "[FAILED]",
  warning: "[ATTENTION]",
  success: "[OK]",
  info: "[INFO]",
};

/**
 * Terminal control characters in a payload value (ESC sequences that clear the screen or rewrite earlier
 * lines, bidi overrides that reverse text) are shown as U+FFFD instead of being obeyed.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const clean = (s: string) => s.replace(CONTROL, "\ufffd");
const line = (s: string) => clean(s.replace(/\r?\n/g, " "));

/** Pure: a readable plain-text rendering for terminals. */
export function renderConsole(m: Message): ConsolePayload {
  const lines = [`${MARK[m.severity]} ${line(m.title)}`];
  for (const f of m.fields) lines.push(`  ${line(f.label)}: ${line(f.value)}`);
  for (const s of m.sections) {
    if (isDiff(s)) {
      // A terminal has no size limit: every line the core kept, then what it left out.
      const { lines: kept, tail } = fitDiff(s.diff, Number.POSITIVE_INFINITY, () => 1);
      const head = [s.title, s.diff.file, s.diff.summary].filter(Boolean).join(" · ");
      lines.push(`  ${line(head)}:`);
      if (kept.length) for (const l of diffText(kept).split("\n")) lines.push(`    ${clean(l)}`);
      if (tail)
        lines.push(`    … ${line(tail.text)}${tail.link ? ` — ${line(tail.link.label)}: ${line(tail.link.url)}` : ""}`);
      continue;
    }
    if (s.title) lines.push(`  ${line(s.title)}:`);
    for (const l of s.text.split(/\r?\n/)) lines.push(`    ${clean(l)}`);
  }
  for (const l of m.links) lines.push(`  ${line(l.label)}: ${line(l.url)}`);
  if (m.actions.length) lines.push(`  [${m.actions.map((a) => line(a.label)).join("] [")}]`);
  for (const c of m.context) lines.push(`  ${line(c)}`);
  return { text: lines.join("\n"), message: m };
}

/** A `platform: console` destination has no address but its name. */
export function consoleTarget(name: string): Target {
  return { destination: name, address: name };
}

/** The destination a newcomer sees first: prints each message instead of posting it. */
export function createConsoleAdapter(deps: ConsoleAdapterDeps = {}): ChatAdapter<ConsolePayload> {
  const print = deps.print ?? ((t: string) => process.stdout.write(`${t}\n\n`));
  return {
    name: "console",
    render: renderConsole,
    async send(target: Target, payload: ConsolePayload): Promise<MessageRef> {
      const ref: MessageRef = {
        adapter: "console",
        destination: target.destination,
        // Unique across every worker process delivering to this console.
        ids: { id: randomUUID() },
      };
      print(`── ${target.destination} ──\n${payload.text}`);
      await observe(deps, ref, payload, "send");
      return ref;
    },
    async update(ref: MessageRef, payload: ConsolePayload): Promise<void> {
      print(`── ${ref.destination} (updated ${ref.ids.id}) ──\n${payload.text}`);
      await observe(deps, ref, payload, "update");
    },
  };
}

/** An observer that cannot encode the payload (the feed stores it as JSON) fails the same way on every retry. */
async function observe(deps: ConsoleAdapterDeps, ref: MessageRef, payload: ConsolePayload, kind: "send" | "update") {
  try {
    await deps.onMessage?.(ref, payload, kind);
  } catch (err) {
    if (!isEncodingFailure(err)) throw err;
    throw new DeliveryError(`console ${kind} to ${ref.destination} could not be encoded: ${(err as Error).message}`, {
      adapter: "console",
      destination: ref.destination,
      retryable: false,
      badPayload: true,
    });
  }
}
