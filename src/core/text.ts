/** Text limits shared by templates and adapters. */

/**
 * Cut to at most `max` characters (code points, so emoji and CJK are never split) and mark the cut.
 */
export function truncate(text: string, max: number, marker = "…"): string {
  // No more UTF-16 units than the limit: no more code points either (nearly every call; no array of them made).
  if (text.length <= max) return text;
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

/**
 * An unpaired UTF-16 surrogate. JSON may carry one as an escape ("\ud800"), but it is not text: Node's
 * querystring (Slack's client form-encodes every call) throws "URI malformed" for one at the end of a string and
 * swallows the next character for one inside. Text entering the bot is made well formed once, where it enters.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text with each unpaired surrogate replaced by U+FFFD (what String.prototype.toWellFormed does). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/**
 * Make every string of a JSON-like value well formed, object keys too, in place (arrays and plain objects are
 * changed, a string root is returned replaced; nothing is written where nothing changes). Iterative: input nested
 * deeper than the stack is still walked.
 */
export function makeWellFormed<T>(root: T): T {
  if (typeof root === "string") return wellFormed(root) as T;
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    const obj = node as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      // Written only when it changes: well-formed parts may be shared and frozen (config values in an answer).
      if (typeof v === "string") {
        const fixed = wellFormed(v);
        if (fixed !== v) obj[key] = fixed;
      } else if (typeof v === "object" && v !== null) stack.push(v);
      const fixed = wellFormed(key);
      if (fixed !== key && !Array.isArray(obj)) {
        obj[fixed] = obj[key];
        delete obj[key];
      }
    }
  }
  return root;
}
