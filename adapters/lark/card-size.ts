import { truncateBytes } from "../../src/core/text.js";
import type { LarkCard, LarkElement } from "./render.js";

export const CUT_MARKER = "\n…(truncated)";

export const cardBytes = (card: LarkCard) => Buffer.byteLength(JSON.stringify(card));

/**
 * Shrink the longest markdown elements until the card's JSON fits `maxBytes`. Never fails: at worst every
 * markdown element is reduced to the marker. Pure; returns a new card.
 */
export function fitCard(card: LarkCard, maxBytes: number): LarkCard {
  let size = cardBytes(card);
  if (size <= maxBytes) return card;
  const out: LarkCard = structuredClone(card);
  const texts = out.body.elements.filter(isMarkdown);
  for (let guard = 0; size > maxBytes && guard < 50; guard++) {
    const longest = texts.reduce((a, b) => (jsonBytes(b.content) >= jsonBytes(a.content) ? b : a), texts[0]!);
    if (!longest || longest.content === CUT_MARKER.trim()) break;
    // JSON escaping can make a character cost more than its UTF-8 bytes; cut the excess plus a margin.
    const keep = Math.max(0, Buffer.byteLength(longest.content) - (size - maxBytes) - 64);
    longest.content = cutMarkdown(longest.content, keep);
    size = cardBytes(out);
  }
  return out;
}

/** Cut markdown to a byte budget without leaving half an entity or an unclosed code fence. */
export function cutMarkdown(content: string, maxBytes: number): string {
  if (Buffer.byteLength(content) <= maxBytes) return content;
  if (maxBytes <= Buffer.byteLength(CUT_MARKER) + 8) return CUT_MARKER.trim();
  let cut = truncateBytes(content, maxBytes - Buffer.byteLength(CUT_MARKER) - 4, "").replace(/&#?\w*$/, "");
  if ((cut.match(/```/g) ?? []).length % 2 === 1) cut += "\n```";
  return cut + CUT_MARKER;
}

function isMarkdown(e: LarkElement): e is LarkElement & { content: string } {
  return e.tag === "markdown" && typeof e.content === "string";
}

const jsonBytes = (s: string) => Buffer.byteLength(JSON.stringify(s));
