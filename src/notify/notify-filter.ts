/**
 * Which events are worth a message (config `notifications`). Called by the events worker before routing;
 * a filtered event is still recorded in the recent events, logged and counted.
 *
 * instance-status-changes is the noisiest event (one per status transition of every scheduled instance:
 * 2 → 3 → 4 → 6), so by default only failures go out, plus the first success of a node after a failure
 * ("recovered"). The last failure per node is kept in Redis with a TTL; GETDEL makes exactly one success
 * claim it, even with several workers.
 */
import type { Redis } from "ioredis";
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

export function createNotifyFilter(redis: Redis, prefix: string, config: Readonly<NotificationsConfig>): NotifyFilter {
  const wanted = new Set<number>(config.instanceStatuses.flatMap((s) => [...INSTANCE_STATUSES[s]]));
  const failureKey = (nodeId: string) => `${prefix}:notify:failed:${nodeId}`;

  const decide = async (event: DwEvent): Promise<NotifyVerdict> => {
    const entry = catalogEntry(event.type, event.eventCode);
    if (entry?.extensionPoint) return { notify: true, reason: "extension-point" };
    const code = entry?.eventCode ?? event.eventCode;
    if (code !== "instance-status-changes") {
      const on = config.events[code] ?? config.others;
      return { notify: on, reason: on ? "event-on" : "event-off" };
    }
    if (config.events[code] === false) return { notify: false, reason: "event-off" };

    const status = Number(event.data.status);
    const nodeId = event.data.nodeId === undefined || event.data.nodeId === null ? "" : String(event.data.nodeId);
    if (status === FAILED && nodeId) {
      // Remember every failure, notified or not, so a later success can be told apart.
      await redis.set(failureKey(nodeId), String(event.data.taskId ?? event.id), "PX", config.failureMemory);
    }
    // Before the status check: a success that is also wanted for itself must still update the failure message.
    if (status === SUCCEEDED && config.recoveries && nodeId) {
      const failed = await redis.getdel(failureKey(nodeId));
      if (failed !== null) return { notify: true, reason: "recovery" };
    }
    if (wanted.has(status)) return { notify: true, reason: `status:${status}` };
    return { notify: false, reason: `status-off:${Number.isFinite(status) ? status : "unknown"}` };
  };
  return async (event) => {
    const verdict = await decide(event);
    // Filtered events per event code, in one hash: HGETALL <prefix>:notify:filtered.
    if (!verdict.notify) await redis.hincrby(filteredKey(prefix), event.eventCode || event.type, 1);
    return verdict;
  };
}

export const filteredKey = (prefix: string) => `${prefix}:notify:filtered`;
