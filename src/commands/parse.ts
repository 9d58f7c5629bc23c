/**
 * The command language, parsed the same way for every platform. Pure: text in, a typed command or a
 * friendly error (an i18n key under command.error.* plus the usage to show) out. Never throws.
 */
import type { Locale } from "../config/sections/common.js";
import { parseDuration } from "../config/duration.js";
import { type EventFilter, normaliseType } from "./filter.js";
import { STATUS_WORDS, type StatusWord, statusWord } from "./status-words.js";
import { KEYS, WORDS } from "./words.js";

export const COMMAND_NAMES = [
  "recent",
  "show",
  "pending",
  "approve",
  "block",
  "audit",
  "mute",
  "mutes",
  "unmute",
  "ack",
  "rerun",
  "set-success",
  "stop",
  "help",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export type Command =
  | { name: "recent"; limit: number; filter: EventFilter }
  | { name: "show"; eventId: string }
  | { name: "pending" }
  | { name: "approve"; approvalId: string }
  | { name: "block"; approvalId: string; reason?: string }
  | { name: "audit"; limit: number; by?: string }
  | { name: "mute"; filter: EventFilter; durationMs: number; reason?: string }
  | { name: "mutes" }
  | { name: "unmute"; muteId: string }
  /** The same handlers as an instance message's buttons (src/incidents/service.ts). */
  | { name: "ack" | "rerun" | "set-success" | "stop"; instanceId: string }
  | { name: "help"; topic?: CommandName };

export interface CommandError {
  /** Key under command.error.* in templates/locales. */
  key: string;
  /** Values for the message; `arg` names an argument by its key under command.arg.*. */
  params: Record<string, string | number>;
  /** The command whose usage line to show; absent: the list of commands. */
  usage?: CommandName;
}

export type ParseResult =
  | { ok: true; command: Command; share: boolean; locale?: Locale }
  | { ok: false; error: CommandError; locale?: Locale };

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
/** The recent-events store is capped anyway; a month is further back than anyone scrolls in chat. */
export const MAX_SINCE_MS = 30 * 86_400_000;

const SHARE = new Set(["share", "分享", "--share"]);
const FOR = new Set(["for", "持续", "时长"]);
const APPROVAL_ID = /^[A-Za-z0-9_-]{10,64}$/;
const EVENT_ID = /^[\w.:-]{1,128}$/;
const MUTE_ID = /^[a-z0-9-]{1,32}$/;
/** A DataWorks instance id: digits (the `taskId` of instance-status-changes). */
const INSTANCE_ID = /^\d{1,19}$/;

const hasCjk = (s: string) => /[\u3400-\u9fff]/.test(s);

export function parseCommand(input: string): ParseResult {
  // NFKC turns full-width input from Chinese IMEs (＝, ０-９, ideographic space) into ASCII.
  const tokens = input.normalize("NFKC").trim().split(/\s+/).filter(Boolean);
  const word = tokens.shift();
  if (!word) return { ok: true, command: { name: "help" }, share: false };
  const name = WORDS[word.toLowerCase()];
  const locale: Locale | undefined = hasCjk(word) ? "zh-CN" : undefined;
  if (!name) return { ok: false, error: { key: "unknownCommand", params: { word } }, locale };
  let share = false;
  if (tokens.length && SHARE.has((tokens[tokens.length - 1] ?? "").toLowerCase())) {
    tokens.pop();
    share = true;
  }
  const r = parseArgs(name, tokens);
  return "key" in r ? { ok: false, error: r, locale } : { ok: true, command: r, share, locale };
}

function parseArgs(name: CommandName, args: string[]): Command | CommandError {
  switch (name) {
    case "recent":
      return parseRecent(args);
    case "show":
      return oneId(args, "show", EVENT_ID, "badEventId", (eventId) => ({ name: "show", eventId }));
    case "pending":
      return args.length ? unexpected(args[0] as string, "pending") : { name: "pending" };
    case "approve":
      return oneId(args, "approve", APPROVAL_ID, "badApprovalId", (approvalId) => ({ name: "approve", approvalId }));
    case "block": {
      const [id, ...reason] = args;
      if (!id) return { key: "missingArg", params: { arg: "approvalId" }, usage: "block" };
      if (!APPROVAL_ID.test(id)) return { key: "badApprovalId", params: { id }, usage: "block" };
      const text = reason.join(" ").trim();
      return { name: "block", approvalId: id, ...(text ? { reason: text } : {}) };
    }
    case "audit":
      return parseAudit(args);
    case "mute":
      return parseMute(args);
    case "mutes":
      return args.length ? unexpected(args[0] as string, "mutes") : { name: "mutes" };
    case "unmute":
      return oneId(args, "unmute", MUTE_ID, "badMuteId", (muteId) => ({ name: "unmute", muteId: muteId }), true);
    case "ack":
    case "rerun":
    case "set-success":
    case "stop":
      return oneId(args, name, INSTANCE_ID, "badInstanceId", (instanceId) => ({ name, instanceId }));
    case "help": {
      const topic = args[0] ? WORDS[args[0].toLowerCase()] : undefined;
      return { name: "help", ...(topic ? { topic } : {}) };
    }
  }
}

function oneId(
  args: string[],
  usage: CommandName,
  re: RegExp,
  badKey: string,
  make: (id: string) => Command,
  lower = false,
): Command | CommandError {
  const [raw, extra] = args;
  if (!raw)
    return {
      key: "missingArg",
      params: { arg: usage === "show" ? "eventId" : usage === "unmute" ? "muteId" : "approvalId" },
      usage,
    };
  if (extra) return unexpected(extra, usage);
  const id = lower ? raw.toLowerCase() : raw;
  return re.test(id) ? make(id) : { key: badKey, params: { id: raw }, usage };
}

const unexpected = (token: string, usage: CommandName): CommandError => ({
  key: "unexpected",
  params: { token },
  usage,
});

function parseLimit(token: string, usage: CommandName): number | CommandError {
  const n = Number(token);
  return Number.isInteger(n) && n >= 1 && n <= MAX_LIMIT ? n : { key: "limit", params: { max: MAX_LIMIT }, usage };
}

function parseRecent(args: string[]): Command | CommandError {
  let limit = DEFAULT_LIMIT;
  const filter: EventFilter = {};
  for (const [i, a] of args.entries()) {
    if (i === 0 && /^\d+$/.test(a)) {
      const n = parseLimit(a, "recent");
      if (typeof n !== "number") return n;
      limit = n;
      continue;
    }
    // A bare status word is shorthand: `recent failed`.
    const bare = a.includes("=") ? undefined : statusWord(a);
    const err = bare
      ? addStatus(filter, a, "recent")
      : addKeyValue(filter, a, "recent", ["type", "status", "workspace", "since"]);
    if (err) return err;
  }
  return { name: "recent", limit, filter };
}

function parseAudit(args: string[]): Command | CommandError {
  let limit = DEFAULT_LIMIT;
  let by: string | undefined;
  for (const [i, a] of args.entries()) {
    if (i === 0 && /^\d+$/.test(a)) {
      const n = parseLimit(a, "audit");
      if (typeof n !== "number") return n;
      limit = n;
      continue;
    }
    const kv = splitKeyValue(a);
    if (!kv) return unexpected(a, "audit");
    if (KEYS[kv.key.toLowerCase()] !== "by")
      return { key: "unknownKey", params: { key: kv.key, keys: "by" }, usage: "audit" };
    // Slack sends a mention typed as "@alice" as plain text; the leading @ is not part of any name.
    by = kv.value.replace(/^@/, "");
  }
  return { name: "audit", limit, ...(by ? { by } : {}) };
}

function parseMute(args: string[]): Command | CommandError {
  const filter: EventFilter = {};
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (FOR.has(a.toLowerCase())) {
      i++;
      break;
    }
    if (!a.includes("=")) break;
    const err = addKeyValue(filter, a, "mute", ["type", "status", "workspace"]);
    if (err) return err;
  }
  if (!filter.types && !filter.statuses && filter.workspace === undefined)
    return { key: "muteNeedsFilter", params: {}, usage: "mute" };
  const span = args[i];
  if (!span) return { key: "missingArg", params: { arg: "duration" }, usage: "mute" };
  const durationMs = parseSpan(span);
  if (durationMs === undefined) return { key: "badDuration", params: { value: span }, usage: "mute" };
  const reason = args
    .slice(i + 1)
    .join(" ")
    .trim();
  return { name: "mute", filter, durationMs, ...(reason ? { reason } : {}) };
}

function splitKeyValue(a: string): { key: string; value: string } | undefined {
  const at = a.indexOf("=");
  if (at <= 0) return undefined;
  return { key: a.slice(0, at), value: a.slice(at + 1) };
}

function addKeyValue(
  filter: EventFilter,
  token: string,
  usage: CommandName,
  allowed: ReadonlyArray<"type" | "status" | "workspace" | "since">,
): CommandError | undefined {
  const kv = splitKeyValue(token);
  if (!kv) return unexpected(token, usage);
  const key = KEYS[kv.key.toLowerCase()];
  if (!key || key === "by" || !allowed.includes(key))
    return { key: "unknownKey", params: { key: kv.key, keys: allowed.join(", ") }, usage };
  if (!kv.value) return { key: "emptyValue", params: { key: kv.key }, usage };
  switch (key) {
    case "type": {
      for (const t of kv.value.split(",").filter(Boolean)) {
        const code = normaliseType(t);
        if (!code) return { key: "badType", params: { value: t }, usage };
        filter.types = [...(filter.types ?? []), code];
      }
      return undefined;
    }
    case "status":
      return addStatus(filter, kv.value, usage);
    case "workspace":
      filter.workspace = kv.value;
      return undefined;
    case "since": {
      const ms = parseSpan(kv.value);
      if (ms === undefined) return { key: "badDuration", params: { value: kv.value }, usage };
      if (ms > MAX_SINCE_MS) return { key: "sinceTooLong", params: { max: "30d" }, usage };
      filter.sinceMs = ms;
      return undefined;
    }
  }
}

function addStatus(filter: EventFilter, value: string, usage: CommandName): CommandError | undefined {
  for (const v of value.split(",").filter(Boolean)) {
    const w: StatusWord | undefined = statusWord(v);
    if (!w) return { key: "badStatus", params: { value: v, words: STATUS_WORDS.join(", ") }, usage };
    if (!filter.statuses?.includes(w)) filter.statuses = [...(filter.statuses ?? []), w];
  }
  return undefined;
}

/** "30m", "1h30m", "2d", and the Chinese units people type: "30分钟", "1小时", "2天". */
export function parseSpan(input: string): number | undefined {
  const s = input
    .toLowerCase()
    .replace(/分钟|分/g, "m")
    .replace(/小时|时/g, "h")
    .replace(/天|日/g, "d")
    .replace(/秒/g, "s");
  if (!/^(\d+(s|m|h|d))+$/.test(s)) return undefined;
  const ms = parseDuration(s);
  return ms !== undefined && ms > 0 ? ms : undefined;
}
