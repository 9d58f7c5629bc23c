/**
 * A failed instance's message follows the instance. The events worker calls `track` before the notify filter and
 * `follow` once the event is routed:
 * - a failure posts its message, kept under its node's name (MessageRefs) and remembered per node;
 * - the status events of THAT instance (a rerun keeps the instance id) update the same message: running, then
 *   failed again or succeeded, whatever `instanceStatuses` says;
 * - the node's first success after the failure (the same instance, or the next cycle, or a backfill) is its
 *   recovery: it updates the failure's messages in every destination they went to, once.
 * Each step is written to the incident (src/incidents/store.ts): a failure opens it (every failure, routed or not,
 * so that escalation finds it; the delivery step adds what enrichment knows), the running and the recovery are
 * timeline entries (recordStatus).
 *
 * The last failure per node is kept in Redis with a TTL (notifications.failureMemory); GETDEL makes exactly one
 * success claim it, even with several workers. Updates of one message may run out of order (a retry, a rate
 * limit): each records the newest status event of its instance (`latest`), and an update renders that one, so the
 * message ends on the instance's last known status.
 */
import type { NotificationsConfig } from "../config/sections/notifications.js";
import type { Follows } from "../notify/notify-filter.js";
import type { DwEvent } from "../core/event.js";
import { idText } from "../dataworks/ids.js";
import { INSTANCE_EVENT, instanceOf } from "../dataworks/instance.js";
import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";
import type { MessageRefs } from "../state/message-refs.js";
import { APPEND_FN, appendArgv, type IncidentStore, OPEN_FN, openArgv } from "./store.js";

/** What an event is to the message that follows its instance. `message`: the MessageRefs name of that message. */
export type TrackVerdict =
  /** Not a failure, nor a status of a remembered failure: nothing to follow. */
  | { kind: "none" }
  /** A node's failure: remembered, its messages kept under `message` so that later events can update them. */
  | { kind: "failure"; nodeId: string; instanceId: string; message: string }
  /** The remembered failed instance failed again (its rerun failed): updates the failure's messages. */
  | { kind: "failedAgain"; nodeId: string; instanceId: string; message: string }
  /** The remembered failed instance is running again (rerun): updates the failure's messages, never posts. */
  | { kind: "progress"; nodeId: string; instanceId: string; message: string }
  /** The first success of a node after a remembered failure: it updates the failure's messages. */
  | { kind: "recovery"; nodeId: string; instanceId: string; message: string };

export const NOT_TRACKED: TrackVerdict = { kind: "none" };

/** What the notify filter is told: this event updates a failure's message, so it goes out whatever the statuses say. */
export function followsOf(v: TrackVerdict): Follows | undefined {
  if (v.kind === "recovery") return "recovery";
  return v.kind === "progress" || v.kind === "failedAgain" ? "follow-up" : undefined;
}

/** What a delivery job of the event carries for the message it follows (DeliveryJobData). */
export interface TrackFields {
  /** Keep the sent message under this name. */
  saveAs?: string;
  /** Update the message kept under this name instead of posting. */
  replaces?: string;
  /** Only an update: where the message cannot be edited, nothing is posted (a "running" is no news of its own). */
  updateOnly?: boolean;
  /** The failed instance this update follows: the update renders its newest status event (`latest`). */
  follows?: string;
}

/** The part of the incident store (src/incidents/store.ts) that tracking writes. */
export type IncidentLog = Pick<IncidentStore, "openArgs" | "statusArgs" | "recordStatus">;

export interface IncidentTracker {
  /** Remember a failure, recognise its instance's later statuses, or claim it with a success. Once per event. */
  track(event: DwEvent): Promise<TrackVerdict>;
  /**
   * Once the event is routed (`routed`: destination → routes, completed in place): an update also goes where the
   * failure's message is, even when a route sends failures only; a failure's messages are marked on their way, so
   * that an update waits for them rather than overtaking them (deliver-notification.ts).
   */
  follow(verdict: TrackVerdict, routed: Map<string, string[]>): Promise<TrackFields>;
  /** The id of the newest status event seen for a followed instance. */
  latest(instanceId: string): Promise<string | undefined>;
}

/**
 * Keep the newer of two status events of an instance (by their time). 1: this one is newer (or the first), 2: as
 * new as the one kept (kept too: the later arrival of two at one time wins), 0: older. A Lua function, for the
 * failure's script too.
 */
const NEWEST_FN = `
local function newest(key, at, id, ttl)
  local cur = redis.call('GET', key)
  local res = 1
  if cur then
    local was = tonumber(string.match(cur, '^(%d+):'))
    if was and was > tonumber(at) then return 0 end
    if was and was == tonumber(at) then res = 2 end
  end
  redis.call('SET', key, at .. ':' .. id, 'PX', ttl)
  return res
end
`;

/** KEYS: latest. ARGV: at, event id, ttl ms. */
const NEWEST = new LuaScript(`${NEWEST_FN}
return newest(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
`);

/**
 * A failure, in one call: remembered for its node (the instance remembered before is returned, "" for none), its
 * incident opened (with KEYS[3], KEYS[4]: the store's openIncident), and its newest status kept (`newest`).
 * KEYS: failure memory, latest[, incident hash, timeline]. ARGV: instance id, memory ms, at, event id[, open's 7].
 */
const FAILED = new LuaScript(`${OPEN_FN}${NEWEST_FN}
local before = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET')
if #KEYS > 2 then openIncident(KEYS[3], KEYS[4], ${openArgv(5)}) end
return {before or '', newest(KEYS[2], ARGV[3], ARGV[4], ARGV[2])}
`);

/**
 * The remembered failed instance running again (its rerun), in one call: nothing unless it is the node's failure
 * remembered (0); else the status goes on its incident's timeline (with KEYS[3], KEYS[4]: the store's appendEntry)
 * and is kept as its newest (1). KEYS: failure memory, latest[, incident hash, timeline]. ARGV: instance id, at,
 * event id, memory ms[, append's 5].
 */
const RUNNING = new LuaScript(`${APPEND_FN}${NEWEST_FN}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if #KEYS > 2 then appendEntry(KEYS[3], KEYS[4], ${appendArgv(5)}) end
newest(KEYS[2], ARGV[2], ARGV[3], ARGV[4])
return 1
`);

export function createIncidentTracker(
  redis: RedisClient,
  prefix: string,
  config: { notifications: Readonly<NotificationsConfig>; destinations: Readonly<Record<string, unknown>> },
  refs: MessageRefs,
  incidents?: IncidentLog,
): IncidentTracker {
  const memoryMs = config.notifications.failureMemory;
  const newest = async (instanceId: string, event: DwEvent) =>
    Number(await NEWEST.run(redis, [latestKey(prefix, instanceId)], [statusTime(event), event.id, memoryMs]));

  return {
    async track(event) {
      const memory = failureMemory(event, config.notifications);
      if (!memory) return NOT_TRACKED;
      const { nodeId, instanceId, status } = memory;
      const message = nodeMessage(nodeId);
      const key = failureKey(prefix, nodeId);
      const at = statusTime(event);
      if (status === "failed") {
        // Every failure is remembered, notified or not, so that a later event of its instance can be told apart;
        // its incident opens in the same call.
        const open = incidents?.openArgs(
          {
            instanceId,
            nodeId,
            eventId: event.id,
            ...(idText(event.data.appId) ? { projectId: idText(event.data.appId) } : {}),
            ...(event.regionId ? { region: event.regionId } : {}),
          },
          at,
        );
        const [before, newer] = (await FAILED.run(
          redis,
          [key, latestKey(prefix, instanceId), ...(open?.keys ?? [])],
          [instanceId, memoryMs, at, event.id, ...(open?.args ?? [])],
        )) as [string, number];
        // Failed again only when it failed later than the failure remembered: the same failure told twice (another
        // event id, the same times) is a failure of its own, as it always was.
        if (before === instanceId && newer === 1) return { kind: "failedAgain", nodeId, instanceId, message };
        return { kind: "failure", nodeId, instanceId, message };
      }
      if (status === "running") {
        const log = incidents?.statusArgs(instanceId, "running", at, event.id);
        const followed = await RUNNING.run(
          redis,
          [key, latestKey(prefix, instanceId), ...(log?.keys ?? [])],
          [instanceId, at, event.id, memoryMs, ...(log?.args ?? [])],
        );
        if (followed !== 1) return NOT_TRACKED;
        return { kind: "progress", nodeId, instanceId, message };
      }
      if (status === "succeeded" && config.notifications.recoveries) {
        const failed = await redis.getdel(key);
        if (failed === null) return NOT_TRACKED;
        // The failed instance's story ends here, whichever instance of the node succeeded.
        await incidents?.recordStatus(failed, "succeeded", at, event.id);
        // Also when another instance recovered the node: an update of the failed one still queued must not undo it.
        await newest(failed, event);
        return { kind: "recovery", nodeId, instanceId: failed, message };
      }
      return NOT_TRACKED;
    },

    async follow(verdict, routed) {
      if (verdict.kind === "none") return {};
      if (verdict.kind === "failure") {
        await refs.markPending([...routed.keys()].map((destination) => ({ destination, name: verdict.message })));
        return { saveAs: verdict.message };
      }
      // An update goes where the failure's message is; a progress update only there. One look covers both.
      const everywhere = new Set([...routed.keys(), ...Object.keys(config.destinations)]);
      const holding = new Set(await refs.holdingKeyed([...everywhere], verdict.message));
      for (const d of holding) if (!routed.has(d)) routed.set(d, []);
      if (verdict.kind === "progress") for (const d of [...routed.keys()]) if (!holding.has(d)) routed.delete(d);
      const fields: TrackFields = { replaces: verdict.message, follows: verdict.instanceId };
      if (verdict.kind === "progress") fields.updateOnly = true;
      return fields;
    },

    async latest(instanceId) {
      const v = await redis.get(latestKey(prefix, instanceId));
      return v ? v.slice(v.indexOf(":") + 1) : undefined;
    },
  };
}

/**
 * Pure: the failure memory an event touches: its node, instance and status, when it is an instance status event
 * with both ids and instance events are on. Recoveries off: a success claims nothing (tracking still follows reruns).
 */
export function failureMemory(
  event: DwEvent,
  config: Readonly<NotificationsConfig>,
): { nodeId: string; instanceId: string; status: string; claims: boolean } | undefined {
  const instance = instanceOf(event);
  if (!instance?.nodeId || config.events[INSTANCE_EVENT] === false) return undefined;
  const { nodeId, status = "" } = instance;
  const instanceId = instance.instanceId ?? event.id;
  return {
    nodeId,
    instanceId,
    status,
    claims: status === "succeeded" && config.recoveries,
  };
}

/** When a status event happened (ms): DataWorks' modifyTime, else the status' own time, else the event's. */
export function statusTime(event: DwEvent): number {
  const d = event.data;
  for (const v of [d.modifyTime, d.finishTime, d.beginRunningTime]) {
    const n = Number(v);
    if (v !== undefined && v !== null && v !== "" && Number.isFinite(n) && n > 0) return n;
  }
  const t = Date.parse(event.time ?? "");
  return Number.isFinite(t) ? t : Date.now();
}

/** The name a node's failure message is kept under (MessageRefs), where later events find it. */
export function failureMessageOf(event: DwEvent): string | undefined {
  const nodeId = instanceOf(event)?.nodeId;
  return nodeId ? nodeMessage(nodeId) : undefined;
}

const nodeMessage = (nodeId: string) => `node.${nodeId}`;

/** Where the last failure of a node is remembered (with a TTL of notifications.failureMemory): its instance id. */
export const failureKey = (prefix: string, nodeId: string) => `${prefix}:notify:failed:${nodeId}`;
/** The newest status event of a followed instance: "<at>:<event id>". */
export const latestKey = (prefix: string, instanceId: string) => `${prefix}:incident-latest:${instanceId}`;
