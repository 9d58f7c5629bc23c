import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "./catalog.js";
import { isRecord } from "../core/is-record.js";

/** What is wrong with one event of a request body, phrased so the sender knows what to fix. */
export interface EnvelopeProblem {
  index: number;
  message: string;
}

export type ParseResult = { ok: true; events: DwEvent[] } | { ok: false; problems: EnvelopeProblem[] };

const MAX_BATCH = 100;
/** DataWorks payloads nest a few levels; far deeper input would overflow the stack when it is stored. */
const MAX_DEPTH = 64;
/** An Alibaba Cloud region id (cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1): it becomes an API host name. */
const REGION_ID = /^[a-z]{2}(-[a-z0-9]+){1,4}$/;

/**
 * Whether a parsed JSON value nests deeper than `max`. Recursive, but it never goes past `max` levels (the check
 * itself cannot overflow), and it walks keys in place (for…in: a parsed object inherits nothing enumerable) instead
 * of copying every object's values into an array.
 */
function nestsDeeperThan(v: unknown, max: number, depth = 1): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (depth > max) return true;
  if (Array.isArray(v)) {
    for (const child of v) if (nestsDeeperThan(child, max, depth + 1)) return true;
  } else {
    for (const k in v) if (nestsDeeperThan((v as Record<string, unknown>)[k], max, depth + 1)) return true;
  }
  return false;
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim().length > 0 && v.length <= 512;
}

/**
 * Normalise a parsed request body: one EventBridge CloudEvent ("Complete Event" body), a JSON array
 * of them, or a Function Compute extension envelope (messageId, messageBody, …).
 */
export function parseEnvelopes(body: unknown): ParseResult {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0)
    return { ok: false, problems: [{ index: 0, message: "the body is an empty array: send at least one event" }] };
  if (items.length > MAX_BATCH) {
    return {
      ok: false,
      problems: [{ index: 0, message: `the body holds ${items.length} events; at most ${MAX_BATCH} per request` }],
    };
  }
  const events: DwEvent[] = [];
  const problems: EnvelopeProblem[] = [];
  items.forEach((item, index) => {
    const r = parseOne(item);
    if (typeof r === "string") problems.push({ index, message: r });
    else events.push(r);
  });
  return problems.length ? { ok: false, problems } : { ok: true, events };
}

function parseOne(item: unknown): DwEvent | string {
  if (!isRecord(item)) return "expected a JSON object (a CloudEvent or a Function Compute envelope)";
  if (nestsDeeperThan(item, MAX_DEPTH)) return `the event nests deeper than ${MAX_DEPTH} levels`;
  if ("messageId" in item || "messageBody" in item) return parseFunctionCompute(item);
  return parseCloudEvent(item);
}

function parseCloudEvent(e: Record<string, unknown>): DwEvent | string {
  if (!nonEmptyString(e.id) || !nonEmptyString(e.source) || !nonEmptyString(e.type)) {
    const missing = ["id", "source", "type"].filter((k) => !nonEmptyString(e[k]));
    return `CloudEvent is missing or has an empty/over-long string in: ${missing.join(", ")}`;
  }
  if (e.specversion !== undefined && e.specversion !== "1.0")
    return `unsupported specversion ${JSON.stringify(e.specversion)}: expected "1.0"`;
  if (!isRecord(e.data))
    return "CloudEvent `data` must be a JSON object (set the EventBridge target body to Complete Event)";
  const data = e.data;
  const type = e.type as string;
  const entry = catalogEntry(type, typeof data.eventCode === "string" ? data.eventCode : undefined);
  const { id, source, time, data: _d, aliyunregionid, aliyunaccountid, ...rest } = e;
  return {
    id: (id as string).trim(),
    source: source as string,
    type,
    eventCode: entry?.eventCode ?? (typeof data.eventCode === "string" ? data.eventCode : type),
    time: typeof time === "string" ? time : undefined,
    // Anything else is ignored (the configured region applies): the region names the host decisions are sent to.
    regionId: typeof aliyunregionid === "string" && REGION_ID.test(aliyunregionid) ? aliyunregionid : undefined,
    accountId: typeof aliyunaccountid === "string" ? aliyunaccountid : undefined,
    envelope: "cloudevent",
    data,
    attributes: rest,
  };
}

function parseFunctionCompute(e: Record<string, unknown>): DwEvent | string {
  if (!nonEmptyString(e.messageId)) return "Function Compute envelope needs a non-empty string `messageId`";
  if (!isRecord(e.messageBody)) return "Function Compute envelope `messageBody` must be a JSON object";
  const data = { ...e.messageBody };
  // FC puts these next to messageBody; keep them on data where EventBridge events carry them.
  for (const k of ["extensionBizId", "blockBusiness"] as const)
    if (e[k] !== undefined && data[k] === undefined) data[k] = e[k];
  const code = typeof e.eventType === "string" ? e.eventType : typeof data.eventCode === "string" ? data.eventCode : "";
  const entry = catalogEntry(undefined, code);
  if (!entry && !code) return "Function Compute envelope needs `eventType` or `messageBody.eventCode`";
  const { messageId, messageBody: _b, ...rest } = e;
  return {
    id: (messageId as string).trim(),
    source: "acs.dataworks",
    type: entry?.type ?? `dataworks:unknown:${code}`,
    eventCode: entry?.eventCode ?? code,
    envelope: "function-compute",
    data,
    attributes: rest,
  };
}
