/**
 * DataWorks scheduled instances: what `instance-status-changes` statuses mean, and which instance and node an event
 * is about. The one place these facts live; the config, the notify filter, recoveries, enrichment and the `status=`
 * command words read them from here.
 *
 * Source: DataWorks "Event list and message format", instance-status-changes (`taskId` is the instance id, `nodeId`
 * the node, `status` an integer), https://www.alibabacloud.com/help/en/dataworks/user-guide/formats-of-event-messages-sent-to-eventbridge
 */
import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "./catalog.js";
import { idText } from "./ids.js";

/** The event code of scheduled-instance status changes. */
export const INSTANCE_EVENT = "instance-status-changes";

/** `data.status` values by name (the docs say 1 is "not run", the official demo code says 0: both are). */
export const INSTANCE_STATUSES = {
  notRun: [0, 1],
  waitTime: [2],
  waitResource: [3],
  running: [4],
  failed: [5],
  succeeded: [6],
  checking: [7],
  checkingCondition: [8],
} as const;
export type InstanceStatusName = keyof typeof INSTANCE_STATUSES;
export const INSTANCE_STATUS_NAMES = Object.keys(INSTANCE_STATUSES) as [InstanceStatusName, ...InstanceStatusName[]];

/** The `data.status` values of these statuses. */
export function instanceCodes(...names: readonly InstanceStatusName[]): number[] {
  return names.flatMap((n) => [...INSTANCE_STATUSES[n]]);
}

/** The name of a `data.status` value; undefined for a value DataWorks does not document. */
export function instanceStatusName(code: number): InstanceStatusName | undefined {
  return INSTANCE_STATUS_NAMES.find((n) => (INSTANCE_STATUSES[n] as readonly number[]).includes(code));
}

/** What an instance-status-changes event is about, read from its payload. */
export interface InstanceFacts {
  /** The node (the scheduled task) this is an instance of; absent when the payload has none. */
  nodeId?: string;
  /** The instance itself (`data.taskId`). */
  instanceId?: string;
  /** `data.status` as a number; absent when it is not one. */
  code?: number;
  /** `code` by name; absent for a value DataWorks does not document. */
  status?: InstanceStatusName;
}

/** The instance and node an event is about; undefined for every event but an instance status change. */
export function instanceOf(event: DwEvent): InstanceFacts | undefined {
  const code = catalogEntry(event.type, event.eventCode)?.eventCode ?? event.eventCode;
  if (code !== INSTANCE_EVENT) return undefined;
  const d = event.data;
  const facts: InstanceFacts = {};
  const nodeId = idText(d.nodeId);
  if (nodeId) facts.nodeId = nodeId;
  const instanceId = idText(d.taskId);
  if (instanceId) facts.instanceId = instanceId;
  // null and "" are no status (Number would read them as 0, "not run"), as for the status= words.
  const raw = idText(d.status);
  const status = raw === undefined ? Number.NaN : Number(raw);
  if (Number.isFinite(status)) {
    facts.code = status;
    const name = instanceStatusName(status);
    if (name) facts.status = name;
  }
  return facts;
}
