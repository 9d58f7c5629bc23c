/** Slack mrkdwn: only & < > are control characters; escaping them stops <!channel>, <@U…> and <url|x> injection. */
export function mrkdwn(text: string): string {
  // Most text has none of the three: one scan, no copies.
  if (!MRKDWN_CONTROL.test(text)) return text;
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const MRKDWN_CONTROL = /[&<>]/;
const LINE_BREAKS = /\s*[\r\n]+\s*/g;

/**
 * Cut text to at most `max` UTF-16 code units (what Block Kit's length limits count, and what its API
 * validates), never inside a surrogate pair or an &amp;/&lt;/&gt; entity, and mark the cut with "…".
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--; // do not keep half of a surrogate pair
  const amp = text.lastIndexOf("&", end - 1);
  if (amp >= 0 && amp > end - 5 && !text.slice(amp, end).includes(";")) end = amp; // nor half an entity
  return `${text.slice(0, end)}…`;
}

/** Plain text for plain_text objects: one line, at most `max` code units. */
export function plainLine(text: string, max: number): string {
  return clip(text.includes("\n") || text.includes("\r") ? text.replace(LINE_BREAKS, " ") : text, max);
}

/** Text inside a ``` block, escaped and cut to `max` with the fences kept; a ``` in the value cannot close it. */
export function codeBlock(text: string, max = Number.POSITIVE_INFINITY): string {
  return "```" + clip(codeText(text), Math.max(1, max - 6)) + "```";
}

/** Text for inside a ``` block (see codeBlock): escaped, its ``` broken with a zero-width space. */
export function codeText(text: string): string {
  return mrkdwn(text).replace(/```/g, "`\u200b``");
}

/** A link label: escaped, and without the | that would end it early. */
export function linkLabel(text: string): string {
  return mrkdwn(text).replace(/\|/g, "¦");
}

/** A URL for <url|label>: only http(s), and without characters that would break out of the link. */
export function safeUrl(url: string): string | undefined {
  if (url.length > 3000 || !/^https?:\/\/[^\s<>|]+$/.test(url)) return undefined;
  return url.includes("&") ? url.replace(/&/g, "&amp;") : url;
}
