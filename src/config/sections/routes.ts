import { z } from "zod";
import { duration, identities, locale, membersSchema, optionalDuration } from "./common.js";
import { incidentActionsSchema } from "./incident-actions.js";

/** An EventBridge event pattern (JSON object), validated by src/routing/pattern.ts. */
export const patternSchema = z.record(z.string(), z.unknown());

export const routeSchema = z
  .object({
    name: z.string().min(1).optional(),
    /** EventBridge event-pattern syntax over the envelope and `data`. Omitted = every event. */
    match: patternSchema.optional(),
    destinations: z.array(z.string().min(1)).min(1),
    /** Language of this route's messages, over the destination's locale. */
    locale: locale.optional(),
    /** Keep evaluating later routes after this one matched. */
    continue: z.boolean().default(false),
    /** Who to @mention in this route's messages, e.g. the owner or an on-call group when something failed. */
    mentions: z
      .object({
        /** Message severities that mention (default: failures only). */
        when: z.array(z.enum(["info", "success", "warning", "danger"])).default(["danger"]),
        /** Chat user ids per platform (Slack U…/S… user groups, Lark ou_…/"all", DingTalk staff ids/"all"). */
        users: identities.partial().default({}),
        /** Names of groups defined under approvals.groups. */
        groups: z.array(z.string()).default([]),
        /** Also the event's owner (file owner, node owner), mapped through approvals.users (DataWorks UID → chat ids). */
        owner: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /**
     * Buttons on this route's instance messages (Acknowledge, Rerun, Mark success; Stop when listed) and who may
     * press them. Omitted: instance messages carry no buttons.
     */
    actions: incidentActionsSchema.optional(),
    /**
     * A failed instance this route sends that nobody acknowledged and that has not recovered mentions these targets
     * after `after`, then `repeat` more times every `every` (src/incidents/escalation.ts).
     */
    escalate: z
      .object({
        after: duration("15m"),
        mention: membersSchema,
        repeat: z.number().int().min(0).max(100).default(0),
        /** Between repeats; default: `after`. */
        every: optionalDuration,
      })
      .strict()
      .optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof routeSchema>;
export type EscalateConfig = NonNullable<RouteConfig["escalate"]>;
