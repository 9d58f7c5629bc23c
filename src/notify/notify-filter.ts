/**
 * Which events are worth a message (config `notifications`). Called by the events worker before routing;
 * a filtered event is still recorded in the recent events, logged and counted.
 *
 * instance-status-changes is the noisiest event (one per status transition of every scheduled instance:
 * 2 → 3 → 4 → 6), so by default only failures go out, plus the first success of a node after a failure
 * ("recovered", told apart by the recovery step, recovery-step.ts).
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
  | `status:${number}`
  | `status-off:${number | "unknown"}`;

export interface NotifyVerdict {
  notify: boolean;
  reason: NotifyReason;
}

/** `recovered`: the recovery step found this success to be its node's recovery. */
export type NotifyFilter = (event: DwEvent, recovered?: boolean) => Promise<NotifyVerdict>;

export function createNotifyFilter(
  redis: RedisClient,
  prefix: string,
  config: Readonly<NotificationsConfig>,
): NotifyFilter {
  return async (event, recovered = false) => {
    const verdict = notifyVerdict(event, config, recovered);
    // Filtered events per event code, in one hash: HGETALL <prefix>:notify:filtered.
    if (!verdict.notify) await redis.hincrby(filteredKey(prefix), event.eventCode || event.type, 1);
    return verdict;
  };
}

/**
 * Pure: the filter's verdict. `recovered`: this success claimed a failure remembered for its node (see
 * recovery-step.ts), which makes it a recovery whatever `instanceStatuses` says.
 */
export function notifyVerdict(event: DwEvent, config: Readonly<NotificationsConfig>, recovered = false): NotifyVerdict {
  const entry = catalogEntry(event.type, event.eventCode);
  if (entry?.extensionPoint) return { notify: true, reason: "extension-point" };
  const instance = instanceOf(event);
  if (!instance) {
    const on = config.events[entry?.eventCode ?? event.eventCode] ?? config.others;
    return { notify: on, reason: on ? "event-on" : "event-off" };
  }
  if (config.events[INSTANCE_EVENT] === false) return { notify: false, reason: "event-off" };
  // Before the status check: a success that is also wanted for itself must still update the failure message.
  if (recovered) return { notify: true, reason: "recovery" };
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
