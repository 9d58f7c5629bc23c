/** A mention in an im.message.receive_v1 text message: `key` ("@_user_1") stands in the text for the person. */
export interface LarkMention {
  key?: string;
  name?: string;
  id?: { open_id?: string };
}

/**
 * The command line of a text message to the bot: `content` is a JSON string `{"text":"@_user_1 recent 5"}`
 * (im.message.receive_v1, message.content). Leading mentions (the bot, in a group) are dropped; any later
 * mention becomes "@name" so the command sees a readable argument. Undefined when it is not text. `addressed`:
 * the message starts by @-mentioning the bot (`self`, its open_id); when the bot's open_id is unknown, by
 * @-mentioning anyone.
 */
export function commandText(
  content: unknown,
  mentions: readonly LarkMention[] | undefined,
  self?: string,
): { text: string; addressed: boolean } | undefined {
  if (typeof content !== "string") return undefined;
  let text: unknown;
  try {
    text = (JSON.parse(content) as { text?: unknown }).text;
  } catch {
    return undefined;
  }
  if (typeof text !== "string") return undefined;
  const keys = (mentions ?? []).filter((m): m is LarkMention & { key: string } => typeof m.key === "string" && !!m.key);
  let rest = text.trim();
  const first = keys.find((m) => rest.startsWith(m.key));
  const addressed = first !== undefined && (self === undefined || first.id?.open_id === self);
  for (;;) {
    const lead = keys.find((m) => rest.startsWith(m.key));
    if (!lead) break;
    rest = rest.slice(lead.key.length).trimStart();
  }
  // Longest keys first: "@_user_10" must not be replaced as "@_user_1" + "0".
  for (const m of [...keys].sort((a, b) => b.key.length - a.key.length))
    rest = rest.split(m.key).join(`@${m.name ?? ""}`);
  return { text: rest.replace(/\s+/g, " ").trim(), addressed };
}
