/**
 * Which events are worth a message (config `notifications`). Called by the events worker before routing;
 * a filtered event is still recorded in the recent events, logged and counted.
 *
 * instance-status-changes is the noisiest event (one per status transition of every scheduled instance:
 * 2 → 3 → 4 → 6), so by default only failures go out, plus the first success of a node after a failure
 * ("recovered"). The last failure per node is kept in Redis with a TTL; GETDEL makes exactly one success
 * claim it, even with several workers.
 */
import type { RedisClient } from "../redis/connect.js";
import { INSTANCE_STATUSES, type NotificationsConfig } from "../config/sections/notifications.js";
import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "../dataworks/catalog.js";

export interface NotifyVerdict {
  notify: boolean;
  /** Why, for logs and counters: "extension-point", "status:failed", "recovery", "status-off", "event-off", … */
  reason: string;
}

export type NotifyFilter = (event: DwEvent) => Promise<NotifyVerdict>;

const FAILED = 5;
const SUCCEEDED = 6;

export function createNotifyFilter(
  redis: RedisClient,
  prefix: string,
  config: Readonly<NotificationsConfig>,
): NotifyFilter {
  const decide = async (event: DwEvent): Promise<NotifyVerdict> => {
    const memory = failureMemory(event, config);
    // Remember every failure, notified or not, so a later success can be told apart.
    if (memory?.records)
      await redis.set(
        failureKey(prefix, memory.nodeId),
        String(event.data.taskId ?? event.id),
        "PX",
        config.failureMemory,
      );
    // GETDEL: exactly one success claims the failure, even with several workers.
    const recovered = memory?.claims ? (await redis.getdel(failureKey(prefix, memory.nodeId))) !== null : false;
    return notifyVerdict(event, config, recovered);
  };
  return async (event) => {
    const verdict = await decide(event);
    // Filtered events per event code, in one hash: HGETALL <prefix>:notify:filtered.
    if (!verdict.notify) await redis.hincrby(filteredKey(prefix), event.eventCode || event.type, 1);
    return verdict;
  };
}

/**
 * Pure: the filter's verdict. `recovered`: this success claimed a failure remembered for its node (see
 * failureMemory), which makes it a recovery whatever `instanceStatuses` says.
 */
export function notifyVerdict(event: DwEvent, config: Readonly<NotificationsConfig>, recovered = false): NotifyVerdict {
  const entry = catalogEntry(event.type, event.eventCode);
  if (entry?.extensionPoint) return { notify: true, reason: "extension-point" };
  const code = entry?.eventCode ?? event.eventCode;
  if (code !== "instance-status-changes") {
    const on = config.events[code] ?? config.others;
    return { notify: on, reason: on ? "event-on" : "event-off" };
  }
  if (config.events[code] === false) return { notify: false, reason: "event-off" };
  // Before the status check: a success that is also wanted for itself must still update the failure message.
  if (recovered) return { notify: true, reason: "recovery" };
  const status = Number(event.data.status);
  if (wantedStatuses(config).has(status)) return { notify: true, reason: `status:${status}` };
  return { notify: false, reason: `status-off:${Number.isFinite(status) ? status : "unknown"}` };
}

/**
 * The failure memory an instance event touches: a failure `records` itself for its node, a success `claims` a
 * recorded failure (when recoveries are on). Undefined for every other event.
 */
export function failureMemory(
  event: DwEvent,
  config: Readonly<NotificationsConfig>,
): { nodeId: string; records: boolean; claims: boolean } | undefined {
  const code = catalogEntry(event.type, event.eventCode)?.eventCode ?? event.eventCode;
  if (code !== "instance-status-changes" || config.events[code] === false) return undefined;
  const nodeId = event.data.nodeId === undefined || event.data.nodeId === null ? "" : String(event.data.nodeId);
  if (!nodeId) return undefined;
  const status = Number(event.data.status);
  return { nodeId, records: status === FAILED, claims: status === SUCCEEDED && config.recoveries };
}

const wanted = new WeakMap<Readonly<NotificationsConfig>, ReadonlySet<number>>();
function wantedStatuses(config: Readonly<NotificationsConfig>): ReadonlySet<number> {
  let set = wanted.get(config);
  if (!set) {
    set = new Set<number>(config.instanceStatuses.flatMap((s) => [...INSTANCE_STATUSES[s]]));
    wanted.set(config, set);
  }
  return set;
}

/** Where the last failure of a node is remembered (with a TTL of notifications.failureMemory). */
export const failureKey = (prefix: string, nodeId: string) => `${prefix}:notify:failed:${nodeId}`;

export const filteredKey = (prefix: string) => `${prefix}:notify:filtered`;
