import { z } from "zod";
import { INSTANCE_STATUS_NAMES } from "../../dataworks/instance.js";
import { duration } from "./common.js";

const statusName = z.enum(INSTANCE_STATUS_NAMES);

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
