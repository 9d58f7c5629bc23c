import { readFileSync } from "node:fs";
import type { DwEvent } from "../core/event.js";
import { AppError } from "../core/errors.js";
import { parseEnvelopes } from "../dataworks/envelope.js";
import { parseJsonKeepingLongs } from "../dataworks/parse-json.js";

/** Read one EventBridge event or Function Compute envelope from a JSON file. */
export function readEventFile(file: string | undefined): DwEvent {
  if (!file) throw new AppError("USAGE", "give the path of an event JSON file");
  let body: unknown;
  try {
    body = parseJsonKeepingLongs(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AppError("BAD_EVENT_FILE", `${file}: ${(err as Error).message}`);
  }
  const parsed = parseEnvelopes(body);
  if (!parsed.ok) throw new AppError("BAD_EVENT_FILE", `${file}: ${parsed.problems.map((p) => p.message).join("; ")}`);
  return parsed.events[0] as DwEvent;
}
