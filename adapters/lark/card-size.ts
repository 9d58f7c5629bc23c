import { truncateBytes } from "../../src/core/text.js";
import type { LarkCard, LarkElement } from "./render.js";

export const CUT_MARKER = "\n…(truncated)";

/**
 * The request body a card makes, which is what Lark limits: im/v1/messages carries the card as a JSON string in
 * `content`, so every quote, backslash and newline of the card is escaped a second time; plus the other fields
 * (receive_id, msg_type, a 50-character uuid).
 */
export const cardBytes = (card: LarkCard) => Buffer.byteLength(JSON.stringify(JSON.stringify(card))) + BODY_OVERHEAD;
const BODY_OVERHEAD = 200;

/**
 * Shrink the longest markdown elements until the card's request body fits `maxBytes`. Never fails: at worst every
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
    // Escaping (twice) makes a character cost more than its UTF-8 bytes: cut the excess in proportion, so
    // quote-heavy text loses what it must and no more, plus a margin.
    const raw = Buffer.byteLength(longest.content);
    const perByte = Math.max(1, jsonBytes(longest.content) / Math.max(1, raw));
    const keep = Math.max(0, raw - Math.ceil((size - maxBytes) / perByte) - 64);
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

/** A string's bytes as it travels: escaped in the card, and again in the request's `content`. */
const jsonBytes = (s: string) => Buffer.byteLength(JSON.stringify(JSON.stringify(s)));
