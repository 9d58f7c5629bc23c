/**
 * Recoveries: the first success of a node after a failure updates the failure's message ("recovered") instead of
 * posting another one, in every destination the failure went to. The events worker calls `track` before the notify
 * filter (a recovery passes it whatever `instanceStatuses` says) and `follow` once the event is routed.
 *
 * The last failure per node is kept in Redis with a TTL (notifications.failureMemory); GETDEL makes exactly one
 * success claim it, even with several workers.
 */
import type { RedisClient } from "../redis/connect.js";
import type { NotificationsConfig } from "../config/sections/notifications.js";
import type { DwEvent } from "../core/event.js";
import { INSTANCE_EVENT, instanceOf } from "../dataworks/instance.js";
import type { MessageRefs } from "../state/message-refs.js";

/** What an event is to recoveries. `message`: the name its node's failure message is kept under (MessageRefs). */
export type RecoveryVerdict =
  /** Not a failure, nor a success that claimed one: nothing to follow. */
  | { kind: "none" }
  /** A node's failure: remembered, its messages kept under `message` so that its recovery can update them. */
  | { kind: "failure"; nodeId: string; message: string }
  /** The first success of a node after a remembered failure: it updates the failure's messages. */
  | { kind: "recovery"; nodeId: string; message: string };

export const NO_RECOVERY: RecoveryVerdict = { kind: "none" };

/** What a delivery job of the event carries for recoveries (DeliveryJobData `saveAs` / `replaces`). */
export interface RecoveryFields {
  /** Keep the sent message under this name. */
  saveAs?: string;
  /** Update the message kept under this name instead of posting. */
  replaces?: string;
}

export interface RecoveryStep {
  /** Remember a node's failure, or claim it with the node's next success. Once per event, before the filter. */
  track(event: DwEvent): Promise<RecoveryVerdict>;
  /**
   * Once the event is routed (`routed`: destination → routes, completed in place): a recovery also goes where its
   * node's failure message is, even when a route sends failures only; a failure's messages are marked on their way,
   * so that its recovery waits for them rather than overtaking them (deliver-notification.ts).
   */
  follow(verdict: RecoveryVerdict, routed: Map<string, string[]>): Promise<RecoveryFields>;
}

export function createRecoveryStep(
  redis: RedisClient,
  prefix: string,
  config: { notifications: Readonly<NotificationsConfig>; destinations: Readonly<Record<string, unknown>> },
  refs: MessageRefs,
): RecoveryStep {
  return {
    async track(event) {
      const memory = failureMemory(event, config.notifications);
      if (!memory) return NO_RECOVERY;
      const { nodeId } = memory;
      const message = nodeMessage(nodeId);
      // Every failure is remembered, notified or not, so that a later success can be told apart.
      if (memory.records) {
        const instanceId = instanceOf(event)?.instanceId ?? event.id;
        await redis.set(failureKey(prefix, nodeId), instanceId, "PX", config.notifications.failureMemory);
        return { kind: "failure", nodeId, message };
      }
      if (memory.claims && (await redis.getdel(failureKey(prefix, nodeId))) !== null)
        return { kind: "recovery", nodeId, message };
      return NO_RECOVERY;
    },

    async follow(verdict, routed) {
      if (verdict.kind === "recovery") {
        const others = Object.keys(config.destinations).filter((d) => !routed.has(d));
        for (const d of await refs.holdingKeyed(others, verdict.message)) routed.set(d, []);
        return { replaces: verdict.message };
      }
      if (verdict.kind === "failure") {
        await refs.markPending([...routed.keys()].map((destination) => ({ destination, name: verdict.message })));
        return { saveAs: verdict.message };
      }
      return {};
    },
  };
}

/**
 * Pure: the failure memory an event touches. A failure `records` itself for its node, a success `claims` a
 * recorded failure (when recoveries are on). Undefined for every other event, and when instance events are off.
 */
export function failureMemory(
  event: DwEvent,
  config: Readonly<NotificationsConfig>,
): { nodeId: string; records: boolean; claims: boolean } | undefined {
  const instance = instanceOf(event);
  if (!instance?.nodeId || config.events[INSTANCE_EVENT] === false) return undefined;
  const { nodeId, status } = instance;
  return { nodeId, records: status === "failed", claims: status === "succeeded" && config.recoveries };
}

/** The name a node's failure message is kept under (MessageRefs), where its recovery finds it. */
export function failureMessageOf(event: DwEvent): string | undefined {
  const nodeId = instanceOf(event)?.nodeId;
  return nodeId ? nodeMessage(nodeId) : undefined;
}

const nodeMessage = (nodeId: string) => `node.${nodeId}`;

/** Where the last failure of a node is remembered (with a TTL of notifications.failureMemory). */
export const failureKey = (prefix: string, nodeId: string) => `${prefix}:notify:failed:${nodeId}`;
