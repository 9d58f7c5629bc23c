/**
 * Which events are worth a message (config `notifications`). Called by the events worker before routing;
 * a filtered event is still recorded in the recent events, logged and counted.
 *
 * instance-status-changes is the noisiest event (one per status transition of every scheduled instance:
 * 2 → 3 → 4 → 6), so by default only failures go out, plus the later statuses of a failed instance and the first
 * success of its node, which update the failure's message (told apart by src/incidents/track.ts).
 */
import type { RedisClient } from "../redis/connect.js";
import type { NotificationsConfig } from "../config/sections/notifications.js";
import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "../dataworks/catalog.js";
import { INSTANCE_EVENT, instanceCodes, instanceOf } from "../dataworks/instance.js";

/** Why, for logs and counters; `status:5` / `status-off:4` name the instance's `data.status`. */
export type NotifyReason =
  | "extension-point"
  | "event-on"
  | "event-off"
  | "recovery"
  | "follow-up"
  | `status:${number}`
  | `status-off:${number | "unknown"}`;

export interface NotifyVerdict {
  notify: boolean;
  reason: NotifyReason;
}

/**
 * `follows`: the tracker (src/incidents/track.ts) found this event to update a failure's message: the node's
 * recovery, or a later status of the failed instance (running, failed again).
 */
export type Follows = "recovery" | "follow-up";
export type NotifyFilter = (event: DwEvent, follows?: Follows) => Promise<NotifyVerdict>;

export function createNotifyFilter(
  redis: RedisClient,
  prefix: string,
  config: Readonly<NotificationsConfig>,
): NotifyFilter {
  return async (event, follows) => {
    const verdict = notifyVerdict(event, config, follows);
    // Filtered events per event code, in one hash: HGETALL <prefix>:notify:filtered.
    if (!verdict.notify) await redis.hincrby(filteredKey(prefix), event.eventCode || event.type, 1);
    return verdict;
  };
}

/**
 * Pure: the filter's verdict. `follows`: this event updates a failure's message (its node's recovery, or a later
 * status of the failed instance), which makes it go out whatever `instanceStatuses` says.
 */
export function notifyVerdict(event: DwEvent, config: Readonly<NotificationsConfig>, follows?: Follows): NotifyVerdict {
  const entry = catalogEntry(event.type, event.eventCode);
  if (entry?.extensionPoint) return { notify: true, reason: "extension-point" };
  const instance = instanceOf(event);
  if (!instance) {
    const on = config.events[entry?.eventCode ?? event.eventCode] ?? config.others;
    return { notify: on, reason: on ? "event-on" : "event-off" };
  }
  if (config.events[INSTANCE_EVENT] === false) return { notify: false, reason: "event-off" };
  // Before the status check: a success that is also wanted for itself must still update the failure message.
  if (follows) return { notify: true, reason: follows };
  const { code } = instance;
  if (code !== undefined && wantedStatuses(config).has(code)) return { notify: true, reason: `status:${code}` };
  return { notify: false, reason: `status-off:${code ?? "unknown"}` };
}

const wanted = new WeakMap<Readonly<NotificationsConfig>, ReadonlySet<number>>();
function wantedStatuses(config: Readonly<NotificationsConfig>): ReadonlySet<number> {
  let set = wanted.get(config);
  if (!set) {
    set = new Set(instanceCodes(...config.instanceStatuses));
    wanted.set(config, set);
  }
  return set;
}

export const filteredKey = (prefix: string) => `${prefix}:notify:filtered`;
