import { parse } from "lossless-json";
import { makeWellFormed } from "../core/text.js";

/** An integer literal of 16 or more digits after `:`, `[` or `,`: it may be beyond 2^53. */
const LONG_INTEGER = /[:[,]\s*-?\d{16,}/;

const keepLongIntegers = (v: string): number | string =>
  /^-?\d+$/.test(v) && !Number.isSafeInteger(Number(v)) ? v : Number(v);

/** A `\u` escape of a UTF-16 surrogate: only through one can parsed JSON hold an unpaired surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * JSON.parse, except that integers beyond 2^53 stay exact as strings, and that unpaired surrogates ("\ud800",
 * valid JSON, not text) become U+FFFD: no encoder or chat platform downstream chokes on them. DataWorks sends ids
 * as JSON numbers (Longs); rounded, an operator UID would no longer match its approvals.users entry and
 * self-approval would go unnoticed. Bodies without such a literal (nearly all) take JSON.parse's fast path.
 */
export function parseJsonKeepingLongs(text: string): unknown {
  const value = parseKeepingLongs(text);
  return SURROGATE_ESCAPE.test(text) ? makeWellFormed(value) : value;
}

function parseKeepingLongs(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  try {
    return parse(text, undefined, keepLongIntegers);
  } catch (err) {
    // lossless-json recurses: a body nested tens of thousands deep overflows the stack. No event nests like that.
    if (err instanceof RangeError) throw new TooDeepError();
    throw err;
  }
}

/** JSON nested too deeply to parse (only the long-integer path recurses; JSON.parse does not). */
export class TooDeepError extends Error {
  override name = "TooDeepError";
  constructor() {
    super("the body nests too deeply to be an event");
  }
}
