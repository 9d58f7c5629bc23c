/** Text limits shared by templates and adapters. */

/**
 * Cut to at most `max` characters (code points, so emoji and CJK are never split) and mark the cut.
 */
export function truncate(text: string, max: number, marker = "…"): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - Array.from(marker).length)).join("") + marker;
}

/** Truncate to a UTF-8 byte budget without splitting a character. */
export function truncateBytes(text: string, maxBytes: number, marker = "…"): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(marker);
  let used = 0;
  let out = "";
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (used + n > budget) break;
    used += n;
    out += ch;
  }
  return out + marker;
}
