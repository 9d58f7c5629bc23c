import { readFileSync } from "node:fs";
import type { DwEvent } from "../core/event.js";
import { AppError } from "../core/errors.js";
import { parseEnvelopes } from "../dataworks/envelope.js";
import { parseJsonKeepingLongs } from "../dataworks/parse-json.js";

/**
 * Read the events of a JSON file as POST /dataworks/events reads a body: one EventBridge event, an array of them,
 * or a Function Compute envelope. Every event, in order; the same validation and the same long-id handling.
 */
export function readEventsFile(file: string | undefined): { events: DwEvent[]; isList: boolean } {
  if (!file) throw new AppError("USAGE", "give the path of an event JSON file");
  let body: unknown;
  try {
    body = parseJsonKeepingLongs(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AppError("BAD_EVENT_FILE", `${file}: ${(err as Error).message}`);
  }
  const parsed = parseEnvelopes(body);
  if (!parsed.ok) {
    const what = parsed.problems.map((p) => (Array.isArray(body) ? `event[${p.index}]: ${p.message}` : p.message));
    throw new AppError("BAD_EVENT_FILE", `${file}: ${what.join("; ")}`);
  }
  return { events: parsed.events, isList: Array.isArray(body) || parsed.events.length > 1 };
}
