import { z } from "zod";
import { identities, membersSchema } from "./common.js";

/** The buttons an instance message may carry (src/incidents/message.ts decides which by the instance's state). */
export const INCIDENT_BUTTONS = ["acknowledge", "rerun", "set-success", "stop"] as const;
export type IncidentButton = (typeof INCIDENT_BUTTONS)[number];

/** Who may press a button: chat user ids per platform and/or names of groups or rotations. */
const actorsSchema = membersSchema;
export type IncidentActors = z.infer<typeof actorsSchema>;

/**
 * A route's `actions`: the buttons its instance messages carry and who may press them (issue 17). A failed
 * instance shows Acknowledge, Rerun and Mark success; a running or waiting one shows Stop only when listed here.
 */
export const incidentActionsSchema = z
  .object({
    /** The buttons offered (each only in the states it applies to). Stop is offered only when listed. */
    buttons: z.array(z.enum(INCIDENT_BUTTONS)).default(["acknowledge", "rerun", "set-success"]),
    /** Who may press every listed button. */
    users: identities.partial().default({}),
    groups: z.array(z.string()).default([]),
    /** Per button, who may press it instead of users/groups (e.g. only on-call may stop). */
    roles: z.partialRecord(z.enum(INCIDENT_BUTTONS), actorsSchema).default({}),
    /** Also the node's owner, mapped through approvals.users (DataWorks UID → chat ids). */
    owner: z.boolean().default(false),
  })
  .strict();
export type IncidentActions = z.infer<typeof incidentActionsSchema>;
