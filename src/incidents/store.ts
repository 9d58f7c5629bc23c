import { randomBytes } from "node:crypto";
import type { ChatUser } from "../access/people.js";
import type { IncidentActions } from "../config/sections/incident-actions.js";
import type { MessageRef } from "../core/chat-adapter.js";
import { makeWellFormed } from "../core/text.js";
import type { DwEvent } from "../core/event.js";
import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";
import type {
  Acknowledgement,
  Incident,
  IncidentFacts,
  IncidentOp,
  IncidentState,
  OpResult,
  PendingOp,
  TimelineEntry,
} from "./types.js";

/** The timeline keeps this many entries (oldest dropped): a message shows a short story, not a log. */
export const TIMELINE_MAX = 50;

/**
 * JSON for the scripts: Redis' cjson refuses a lone surrogate's \u escape, and a delivery job queued before the ingest
 * fix (or a name typed in chat) may still hold one; it becomes U+FFFD rather than failing the script, and the message.
 */
const json = (v: unknown): string => JSON.stringify(makeWellFormed(v));
/** A followed status event's entry options: once per event, moving the incident to running or recovered. */
const statusOpts = (status: "running" | "succeeded", eventId: string) => ({
  dedupeKey: `event:${eventId}`,
  state: (status === "running" ? "running" : "recovered") as IncidentState,
});
/** A claimed operation blocks others this long at most; a worker that died with it frees the instance then. */
export const OP_IN_FLIGHT_MS = 15 * 60_000;

/** Lua: keep the incident (hash `h`) for `ttl`, its timeline `tl` too: every write refreshes both. */
const keep = (h: string, tl: string, ttl: string) => `
redis.call('PEXPIRE', ${h}, ${ttl})
redis.call('PEXPIRE', ${tl}, ${ttl})
`;
/** Lua: add `entry` to the timeline `tl`, which keeps the newest `max`. */
const push = (tl: string, entry: string, max: string) => `
redis.call('RPUSH', ${tl}, ${entry})
redis.call('LTRIM', ${tl}, -tonumber(${max}), -1)
`;
/** The scripts called through run(): KEYS hash, timeline; ARGV ttl, max. */
const KEEP = keep("KEYS[1]", "KEYS[2]", "ARGV[1]");
const PUSH = (entry: string) => push("KEYS[2]", entry, "ARGV[2]");

/**
 * A failure opens the incident, or re-opens it after a rerun failed again (still acknowledged by whoever was on
 * it). The same event twice adds no timeline entry; facts it adds (node name, business date) are kept. A Lua
 * function, so that the tracker's script (track.ts) opens it in the same call as its own writes. 1: opened, 0: the
 * same event again. o: ttl, max, facts, eventId, entry, now, event or "".
 */
export const OPEN_FN = `
local function openIncident(h, tl, o)
  if redis.call('HGET', h, 'event') == o.eventId then
    -- The same failure told twice (tracking, then delivery with enrichment): what the second adds is kept.
    local facts = cjson.decode(redis.call('HGET', h, 'facts') or '{}')
    for k, v in pairs(cjson.decode(o.facts)) do facts[k] = v end
    redis.call('HSET', h, 'facts', cjson.encode(facts))
    if o.event ~= '' then redis.call('HSET', h, 'eventBody', o.event) end
    return 0
  end
  local state = 'open'
  if redis.call('HEXISTS', h, 'ackBy') == 1 then state = 'acknowledged' end
  redis.call('HSETNX', h, 'openedAt', o.now)
  redis.call('HSET', h, 'facts', o.facts, 'event', o.eventId, 'state', state)
  if o.event ~= '' then redis.call('HSET', h, 'eventBody', o.event) end
  ${push("tl", "o.entry", "o.max")}
  ${keep("h", "tl", "o.ttl")}
  return 1
end
`;

/** openIncident's argument from ARGV[from .. from+6] (IncidentStore.openArgs). */
export const openArgv = (from: number) =>
  `{ttl = ARGV[${from}], max = ARGV[${from + 1}], facts = ARGV[${from + 2}], eventId = ARGV[${from + 3}], entry = ARGV[${from + 4}], now = ARGV[${from + 5}], event = ARGV[${from + 6}]}`;

/** openArgv's seven arguments for a script that does not open (PREPARE without a mode). */
const NO_OPEN_ARGS: readonly string[] = Array(7).fill("");

/** KEYS: hash, timeline. ARGV: see openArgv. */
const OPEN = new LuaScript(`${OPEN_FN}
return openIncident(KEYS[1], KEYS[2], ${openArgv(1)})
`);

/** A running instance a route shows with Stop: tracked from now unless it already is. o: as openIncident's. */
const WATCH_FN = `
local function watchInstance(h, tl, o)
  if redis.call('EXISTS', h) == 1 then return 0 end
  redis.call('HSET', h, 'facts', o.facts, 'event', o.eventId, 'state', 'running', 'openedAt', o.now)
  if o.event ~= '' then redis.call('HSET', h, 'eventBody', o.event) end
  ${keep("h", "tl", "o.ttl")}
  return 1
end
`;

/**
 * A delivery's whole part of the incident in one call (IncidentStore.prepare): open or watch it (ARGV[8]: "open",
 * "watch" or ""), record the route's actions in the destination unless some already are (ARGV[9]: the field or "",
 * ARGV[10] the actions), and read it back: the hash without the event body, which the message being rendered has,
 * and the timeline. nil when there is no incident. KEYS: hash, timeline. ARGV[1..7]: see openArgv.
 */
const PREPARE = new LuaScript(`${OPEN_FN}${WATCH_FN}
local o = ${openArgv(1)}
if ARGV[8] == 'open' then openIncident(KEYS[1], KEYS[2], o) elseif ARGV[8] == 'watch' then watchInstance(KEYS[1], KEYS[2], o) end
if redis.call('HEXISTS', KEYS[1], 'facts') == 0 then return false end
if ARGV[9] ~= '' then redis.call('HSETNX', KEYS[1], ARGV[9], ARGV[10]) end
local h = redis.call('HGETALL', KEYS[1])
for i = 1, #h, 2 do
  if h[i] == 'eventBody' then
    table.remove(h, i + 1)
    table.remove(h, i)
    break
  end
end
return {h, redis.call('LRANGE', KEYS[2], 0, -1)}
`);

/** A copy's ref (and its actions): HSET and the keep-alive in one command, where MULTI … EXEC sent five. */
const ADD_REF = new LuaScript(`
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
${KEEP}
return 1
`);

/**
 * One timeline entry, once per dedupe key (a status event, an escalation step), optionally moving the state. A Lua
 * function, so that the tracker's script of a followed status (track.ts) writes it in the same call.
 * o: ttl, max, entry, dedupe key or "", new state or "".
 */
export const APPEND_FN = `
local function appendEntry(h, tl, o)
  if redis.call('EXISTS', h) == 0 then return 'missing' end
  if o.dedupe ~= '' and redis.call('HSETNX', h, 'seen:' .. o.dedupe, '1') == 0 then return 'duplicate' end
  if o.state ~= '' then redis.call('HSET', h, 'state', o.state) end
  ${push("tl", "o.entry", "o.max")}
  ${keep("h", "tl", "o.ttl")}
  return 'ok'
end
`;

/** appendEntry's argument from ARGV[from .. from+4] (IncidentStore.statusArgs). */
export const appendArgv = (from: number) =>
  `{ttl = ARGV[${from}], max = ARGV[${from + 1}], entry = ARGV[${from + 2}], dedupe = ARGV[${from + 3}], state = ARGV[${from + 4}]}`;

/** KEYS: hash, timeline. ARGV: see appendArgv. */
const APPEND = new LuaScript(`${APPEND_FN}
return appendEntry(KEYS[1], KEYS[2], ${appendArgv(1)})
`);

/**
 * Acknowledge: the first person claims it; a second sees who has it, and takes it over only when asking to. Audited
 * in the same script. ARGV: ttl, max, by (JSON), by key, now, take over ("1"/"0"), instance id.
 */
const ACK = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'recovered' or state == 'stopped' then return {'closed', state} end
local prevKey = redis.call('HGET', KEYS[1], 'ackKey')
local prevBy = redis.call('HGET', KEYS[1], 'ackBy')
local prevSince = redis.call('HGET', KEYS[1], 'ackSince')
local entry
if prevKey then
  if prevKey == ARGV[4] then return {'already', prevBy, prevSince} end
  if ARGV[6] ~= '1' then return {'taken', prevBy, prevSince} end
  entry = '{"at":' .. ARGV[5] .. ',"kind":"taken-over","by":' .. ARGV[3] .. ',"from":' .. prevBy .. '}'
  redis.call('HSET', KEYS[1], 'ackFrom', prevBy)
else
  entry = '{"at":' .. ARGV[5] .. ',"kind":"acknowledged","by":' .. ARGV[3] .. '}'
end
redis.call('HSET', KEYS[1], 'ackKey', ARGV[4], 'ackBy', ARGV[3], 'ackSince', ARGV[5])
if state == 'open' then redis.call('HSET', KEYS[1], 'state', 'acknowledged') end
${PUSH("entry")}
${KEEP}
local audit = '{"instanceId":"' .. ARGV[7] .. '","action":"acknowledged","by":' .. ARGV[3] .. ',"at":' .. ARGV[5] .. '}'
if prevKey then
  audit = '{"instanceId":"' .. ARGV[7] .. '","action":"taken-over","by":' .. ARGV[3] .. ',"from":' .. prevBy .. ',"at":' .. ARGV[5] .. '}'
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'kind', 'incident', 'instanceId', ARGV[7], 'incident', audit)
if prevKey then return {'tookOver', prevBy, prevSince} end
return {'ok'}
`);

/**
 * Claim an operation: one in flight per instance (two people clicking Rerun at once make one call), only in the
 * states it applies to. ARGV: ttl, max, pending (JSON), claim id, now, in-flight ms, allowed states ("open,acknowledged"),
 * entry (JSON) or "", instance id, audit record (JSON).
 */
const CLAIM = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local p = redis.call('HGET', KEYS[1], 'pending')
local pat = tonumber(redis.call('HGET', KEYS[1], 'pendingAt') or '0')
if p and tonumber(ARGV[5]) < pat + tonumber(ARGV[6]) then return {'inFlight', p} end
local state = redis.call('HGET', KEYS[1], 'state')
if not string.find(',' .. ARGV[7] .. ',', ',' .. state .. ',', 1, true) then return {'state', state} end
redis.call('HSET', KEYS[1], 'pending', ARGV[3], 'pendingId', ARGV[4], 'pendingAt', ARGV[5])
if ARGV[8] ~= '' then
${PUSH("ARGV[8]")}
end
${KEEP}
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'kind', 'incident', 'instanceId', ARGV[9], 'incident', ARGV[10])
return {'ok'}
`);

/**
 * The operation's job is done (the API answered): the claim ends, the outcome is kept for the message and audited,
 * once (a re-run of the job finds the claim gone). ARGV: ttl, max, claim id, last op (JSON), new state or "",
 * entry or "", instance id, audit record (JSON).
 */
const FINISH = new LuaScript(`
if redis.call('HGET', KEYS[1], 'pendingId') ~= ARGV[3] then return 0 end
redis.call('HDEL', KEYS[1], 'pending', 'pendingId', 'pendingAt', 'calling')
redis.call('HSET', KEYS[1], 'lastOp', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'state', ARGV[5]) end
if ARGV[6] ~= '' then
${PUSH("ARGV[6]")}
end
${KEEP}
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'kind', 'incident', 'instanceId', ARGV[7], 'incident', ARGV[8])
return 1
`);

export type AckResult =
  | { ok: true; ack: Acknowledgement; tookOver?: Acknowledgement }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "closed"; state: IncidentState }
  /** already: it is theirs; taken: someone else's (they may take it over). */
  | { ok: false; reason: "already" | "taken"; ack: Acknowledgement };

export type ClaimResult =
  | { ok: true; claimId: string }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "inFlight"; pending: PendingOp }
  /** Not in a state this operation applies to (a Rerun of an instance already rerun, a Stop of a failed one). */
  | { ok: false; reason: "state"; state: IncidentState };

/** The states each operation applies to. */
export const OP_FROM: Readonly<Record<IncidentOp, readonly IncidentState[]>> = {
  rerun: ["open", "acknowledged"],
  "set-success": ["open", "acknowledged"],
  stop: ["running"],
};
/** Where a successful operation leaves the instance, and its timeline entry. */
const OP_TO: Readonly<Record<IncidentOp, { state: IncidentState; kind: TimelineEntry["kind"] }>> = {
  rerun: { state: "running", kind: "rerun" },
  "set-success": { state: "recovered", kind: "set-success" },
  stop: { state: "stopped", kind: "stopped" },
};

/** An incident's line in the audit stream (`audit` shows it beside approval decisions). */
export interface IncidentAudit {
  instanceId: string;
  /** acknowledged / taken-over, `<op>-requested` when claimed, `<op>` when the API answered. */
  action: string;
  by?: ChatUser;
  /** taken-over: who had it. */
  from?: ChatUser;
  at: number;
  ok?: boolean;
  error?: string;
}

const INSTANCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Incidents in Redis, one per failed instance (key: the instance id): a hash of facts, state, acknowledgement,
 * the claim of an operation in flight, message refs and actions per destination; a list for the timeline. Both
 * expire `retentionMs` after the last write. Ack and operation claims are Lua scripts, like the approval decision.
 */
export class IncidentStore {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly retentionMs: number;

  constructor(redis: RedisClient, prefix: string, retentionMs = 7 * 86_400_000) {
    this.redis = redis;
    this.prefix = prefix;
    this.retentionMs = retentionMs;
  }

  /** `<prefix>:incident:<instanceId>` (hash) and `<prefix>:incident-timeline:<instanceId>` (list). */
  keys(instanceId: string): [string, string] {
    return [`${this.prefix}:incident:${instanceId}`, `${this.prefix}:incident-timeline:${instanceId}`];
  }
  /** The audit stream approvals write to: `audit` shows both. */
  private get auditKey() {
    return `${this.prefix}:audit`;
  }

  private run(script: LuaScript, instanceId: string, withAudit: boolean, ...args: string[]): Promise<unknown> {
    const keys = withAudit ? [...this.keys(instanceId), this.auditKey] : this.keys(instanceId);
    return script.run(this.redis, keys, [String(this.retentionMs), String(TIMELINE_MAX), ...args]);
  }

  /**
   * A failure: opens the incident (or re-opens it: failed again after a rerun). False for a repeated event. `event`
   * (the failure event) is kept so the message can be rendered again when the incident changes.
   */
  async open(facts: IncidentFacts, at = Date.now(), event?: DwEvent): Promise<boolean> {
    const { keys, args } = this.openArgs(facts, at, event);
    return (await OPEN.run(this.redis, keys, args)) === 1;
  }

  /**
   * The keys and arguments of openIncident (OPEN_FN, argument openArgv(1)) for these facts: for a script that opens
   * the incident along with writes of its own (track.ts). Throws for a malformed instance id.
   */
  openArgs(facts: IncidentFacts, at: number, event?: DwEvent): { keys: [string, string]; args: string[] } {
    assertId(facts.instanceId);
    const entry: TimelineEntry = { at, kind: "failed" };
    return {
      keys: this.keys(facts.instanceId),
      args: [
        String(this.retentionMs),
        String(TIMELINE_MAX),
        json(facts),
        facts.eventId,
        json(entry),
        String(at),
        event ? json(event) : "",
      ],
    };
  }

  /**
   * What delivering an instance message does to its incident, in one round trip: `mode` open (a failure, as open())
   * or watch (a running or waiting instance shown with Stop: tracked, state running, unless it already is);
   * `allow`: the route's actions in `destination`, recorded unless some already are; then the incident as it is,
   * without its `event` (the message being rendered has it). Undefined when there is none.
   */
  async prepare(
    facts: IncidentFacts,
    at: number,
    o: { mode?: "open" | "watch"; event?: DwEvent; destination: string; allow?: IncidentActions },
  ): Promise<Incident | undefined> {
    if (!o.mode && !INSTANCE_ID.test(facts.instanceId)) return undefined;
    // Without a mode the script opens nothing: its facts and entry need not be serialised.
    const { keys, args } = o.mode
      ? this.openArgs(facts, at, o.event)
      : { keys: this.keys(facts.instanceId), args: NO_OPEN_ARGS };
    const allow = o.allow ? [`actions:${o.destination}`, json(o.allow)] : ["", ""];
    const res = (await PREPARE.run(this.redis, keys, [...args, o.mode ?? "", ...allow])) as [string[], string[]] | null;
    if (!res) return undefined;
    const [flat, timeline] = res;
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] as string] = flat[i + 1] as string;
    return incidentOf(h, timeline);
  }

  /** The message in one destination, and the actions its route allows there. Every copy is updated later. */
  async addRef(instanceId: string, ref: MessageRef, actions?: IncidentActions): Promise<void> {
    const fields = [`ref:${ref.destination}`, json(ref)];
    if (actions) fields.push(`actions:${ref.destination}`, json(actions));
    await this.run(ADD_REF, instanceId, false, ...fields);
  }

  /** The render key (delivery.ts renderKeyOf) a copy of the message shows now. */
  async copyShows(instanceId: string, destination: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys(instanceId)[0], `shows:${destination}`)) ?? undefined;
  }

  async setCopyShows(instanceId: string, destination: string, key: string): Promise<void> {
    await this.redis.hset(this.keys(instanceId)[0], `shows:${destination}`, key);
  }

  /**
   * Add a timeline entry; with `dedupeKey` (a status event's id, "escalation.2") only the first call adds it. With
   * `state`, the incident moves to it. "missing" when there is no incident for the instance.
   */
  async append(
    instanceId: string,
    entry: TimelineEntry,
    opts: { dedupeKey?: string; state?: IncidentState } = {},
  ): Promise<"ok" | "duplicate" | "missing"> {
    const call = this.appendArgs(instanceId, entry, opts);
    if (!call) return "missing";
    return (await APPEND.run(this.redis, call.keys, call.args)) as "ok" | "duplicate" | "missing";
  }

  /**
   * A status event of a tracked instance: running, or succeeded (recovered). Once per event id. A failure goes
   * through open() instead (it re-opens the incident).
   */
  recordStatus(instanceId: string, status: "running" | "succeeded", at: number, eventId: string) {
    return this.append(instanceId, { at, kind: status }, statusOpts(status, eventId));
  }

  /**
   * The keys and arguments of appendEntry (APPEND_FN, argument appendArgv(1)) that recordStatus() writes: for a
   * script that records the status along with writes of its own (track.ts). Undefined for a malformed instance id.
   */
  statusArgs(
    instanceId: string,
    status: "running" | "succeeded",
    at: number,
    eventId: string,
  ): { keys: [string, string]; args: string[] } | undefined {
    return this.appendArgs(instanceId, { at, kind: status }, statusOpts(status, eventId));
  }

  /** What append() sends appendEntry (APPEND_FN, argument appendArgv(1)); undefined for a malformed instance id. */
  private appendArgs(
    instanceId: string,
    entry: TimelineEntry,
    opts: { dedupeKey?: string; state?: IncidentState },
  ): { keys: [string, string]; args: string[] } | undefined {
    if (!INSTANCE_ID.test(instanceId)) return undefined;
    return {
      keys: this.keys(instanceId),
      args: [String(this.retentionMs), String(TIMELINE_MAX), json(entry), opts.dedupeKey ?? "", opts.state ?? ""],
    };
  }

  /** Acknowledge, or (takeOver) take it over from whoever has it. Audited atomically with the claim. */
  async acknowledge(instanceId: string, by: ChatUser, at = Date.now(), takeOver = false): Promise<AckResult> {
    if (!INSTANCE_ID.test(instanceId)) return { ok: false, reason: "missing" };
    const res = (await this.run(
      ACK,
      instanceId,
      true,
      json(by),
      `${by.platform}:${by.userId}`,
      String(at),
      takeOver ? "1" : "0",
      instanceId,
    )) as string[];
    const held = (): Acknowledgement => ({ by: JSON.parse(res[1] ?? "{}") as ChatUser, since: Number(res[2]) });
    switch (res[0]) {
      case "missing":
        return { ok: false, reason: "missing" };
      case "closed":
        return { ok: false, reason: "closed", state: res[1] as IncidentState };
      case "already":
      case "taken":
        return { ok: false, reason: res[0], ack: held() };
      case "tookOver": {
        const prev = held();
        return { ok: true, ack: { by, since: at, from: prev.by }, tookOver: prev };
      }
      default:
        return { ok: true, ack: { by, since: at } };
    }
  }

  /**
   * Claim an operation before its job calls DataWorks: one per instance in flight, in the states it applies to.
   * The claim id goes into the job id (src/jobs/queues.ts incidentOpJobId) and back into finish().
   */
  async claim(instanceId: string, op: IncidentOp, by: ChatUser, at = Date.now()): Promise<ClaimResult> {
    if (!INSTANCE_ID.test(instanceId)) return { ok: false, reason: "missing" };
    const claimId = randomBytes(9).toString("base64url");
    const pending: PendingOp = { op, by, at };
    const entry: TimelineEntry | undefined = op === "rerun" ? { at, kind: "rerun-requested", by } : undefined;
    const audit: IncidentAudit = { instanceId, action: `${op}-requested`, by, at };
    const res = (await this.run(
      CLAIM,
      instanceId,
      true,
      json(pending),
      claimId,
      String(at),
      String(OP_IN_FLIGHT_MS),
      OP_FROM[op].join(","),
      entry ? json(entry) : "",
      instanceId,
      json(audit),
    )) as string[];
    if (res[0] === "missing") return { ok: false, reason: "missing" };
    if (res[0] === "inFlight")
      return { ok: false, reason: "inFlight", pending: JSON.parse(res[1] ?? "{}") as PendingOp };
    if (res[0] === "state") return { ok: false, reason: "state", state: res[1] as IncidentState };
    return { ok: true, claimId };
  }

  /**
   * Before the claim's call goes to DataWorks: true the first time; false when an earlier run of the job already
   * marked it (a worker that died mid-call may have sent it: the caller must not call again but read the status);
   * false too when the claim is no longer the one in flight.
   */
  async markCalling(instanceId: string, claimId: string): Promise<boolean> {
    return (await MARK_CALLING.run(this.redis, [this.keys(instanceId)[0]], [claimId])) === 1;
  }

  /** The call was refused before DataWorks acted on it (throttled, not sent): the next attempt may call. */
  async unmarkCalling(instanceId: string, claimId: string): Promise<void> {
    await UNMARK_CALLING.run(this.redis, [this.keys(instanceId)[0]], [claimId]);
  }

  /** Is this claim still the one in flight (a job re-run after its claim expired and another took over must not call)? */
  async holds(instanceId: string, claimId: string): Promise<boolean> {
    return (await this.redis.hget(this.keys(instanceId)[0], "pendingId")) === claimId;
  }

  /**
   * The API answered the claimed operation: on success the instance moves on (rerun → running, set-success →
   * recovered, stop → stopped) with a timeline entry; either way the outcome is kept and audited. False when the
   * claim was already finished (a job run twice).
   */
  async finish(instanceId: string, claimId: string, result: OpResult): Promise<boolean> {
    const to = OP_TO[result.op];
    const entry: TimelineEntry | undefined = result.ok ? { at: result.at, kind: to.kind, by: result.by } : undefined;
    const audit: IncidentAudit = {
      instanceId,
      action: result.op,
      by: result.by,
      at: result.at,
      ok: result.ok,
      ...(result.error ? { error: result.error } : {}),
    };
    const res = await this.run(
      FINISH,
      instanceId,
      true,
      claimId,
      json(result),
      result.ok ? to.state : "",
      entry ? json(entry) : "",
      instanceId,
      json(audit),
    );
    return res === 1;
  }

  async get(instanceId: string): Promise<Incident | undefined> {
    if (!INSTANCE_ID.test(instanceId)) return undefined;
    const [hash, timelineKey] = this.keys(instanceId);
    const [h, timeline] = await Promise.all([this.redis.hgetall(hash), this.redis.lrange(timelineKey, 0, -1)]);
    return incidentOf(h, timeline);
  }
}

/** An incident from its hash and timeline as Redis holds them; undefined without facts (none, or expired). */
function incidentOf(h: Record<string, string>, timeline: readonly string[]): Incident | undefined {
  if (!h.facts) return undefined;
  const facts = JSON.parse(h.facts) as IncidentFacts;
  const incident: Incident = {
    ...facts,
    state: (h.state as IncidentState | undefined) ?? "open",
    openedAt: Number(h.openedAt ?? 0),
    refs: [],
    actions: {},
    timeline: timeline.map((t) => JSON.parse(t) as TimelineEntry),
  };
  if (h.ackBy) {
    incident.ack = { by: JSON.parse(h.ackBy) as ChatUser, since: Number(h.ackSince) };
    if (h.ackFrom) incident.ack.from = JSON.parse(h.ackFrom) as ChatUser;
  }
  if (h.eventBody) incident.event = JSON.parse(h.eventBody) as DwEvent;
  if (h.pending) incident.pending = JSON.parse(h.pending) as PendingOp;
  if (h.lastOp) incident.lastOp = JSON.parse(h.lastOp) as OpResult;
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith("ref:")) incident.refs.push(JSON.parse(v) as MessageRef);
    else if (k.startsWith("actions:")) incident.actions[k.slice("actions:".length)] = JSON.parse(v) as IncidentActions;
  }
  return incident;
}

/** KEYS: incident hash. ARGV: claim id. 1: marked now; 0: already marked (or not the claim in flight). */
const MARK_CALLING = new LuaScript(`
if redis.call('HGET', KEYS[1], 'pendingId') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'calling') == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'calling', ARGV[1])
return 1
`);
const UNMARK_CALLING = new LuaScript(`
if redis.call('HGET', KEYS[1], 'calling') == ARGV[1] then redis.call('HDEL', KEYS[1], 'calling') end
return 1
`);

/** Nobody is on it and it has not recovered: what escalation waits for. */
export const unattended = (i: Pick<Incident, "state">): boolean => i.state === "open";

function assertId(instanceId: string) {
  if (!INSTANCE_ID.test(instanceId)) throw new Error(`not an instance id: ${JSON.stringify(instanceId)}`);
}
