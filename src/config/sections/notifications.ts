import { z } from "zod";
import { duration } from "./common.js";

/** instance-status-changes `data.status` names (DataWorks event list; 0 and 1 both mean "not run"). */
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
const statusName = z.enum(Object.keys(INSTANCE_STATUSES) as [InstanceStatusName, ...InstanceStatusName[]]);

/**
 * Which events are worth a message at all. Extension point events always go on (approvals need them).
 * Filtered events are still recorded in the recent events and counted.
 */
export const notificationsSchema = z
  .object({
    /** instance-status-changes: statuses that always make a message. */
    instanceStatuses: z.array(statusName).default(["failed"]),
    /** Also send "succeeded" when the same node failed before (a recovery), once per failure. */
    recoveries: z.boolean().default(true),
    /** How long a node's last failure is remembered for recoveries. */
    failureMemory: duration("7d"),
    /** Per event code on/off for regular events, e.g. { "node-change-updated": false }. */
    events: z.record(z.string(), z.boolean()).default({}),
    /** Regular events not listed in `events`. */
    others: z.boolean().default(true),
  })
  .strict();

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
