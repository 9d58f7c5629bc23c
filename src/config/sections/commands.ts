import { z } from "zod";
import { duration, identities } from "./common.js";

/** A role: chat user ids and/or names of groups defined under approvals.groups. */
const roleSchema = z
  .object({
    users: identities.default({ slack: [], lark: [], dingtalk: [], console: [] }),
    groups: z.array(z.string()).default([]),
  })
  .strict();
export type CommandRole = z.infer<typeof roleSchema>;

/**
 * Commands typed in chat (`/dataworks recent status=failed`, "@bot pending"). Read commands are answered in
 * the listed channels; changing commands need a role.
 */
export const commandsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The Slack slash command as created in the Slack app (Features → Slash Commands). */
    slashCommand: z
      .string()
      .regex(/^\/[a-z0-9_-]{1,31}$/, 'a slash and up to 32 lower-case letters, digits, "-" or "_", e.g. "/dataworks"')
      .default("/dataworks"),
    /**
     * Where commands are accepted: destination names or raw channel ids (Slack C…, Lark oc_…, DingTalk cid…).
     * Omitted: every configured destination's channel.
     */
    channels: z.array(z.string().min(1)).optional(),
    roles: z
      .object({
        /**
         * May use approve/block from chat. Omitted: whoever the approval route allows (the same check as the
         * card buttons, which always applies as well).
         */
        decide: roleSchema.optional(),
        /** May mute and unmute notifications. Nobody unless configured. */
        mute: roleSchema.default({ users: { slack: [], lark: [], dingtalk: [], console: [] }, groups: [] }),
      })
      .strict()
      .default({ mute: { users: { slack: [], lark: [], dingtalk: [], console: [] }, groups: [] } }),
    /** Longest mute anyone may set. */
    maxMute: duration("7d"),
  })
  .strict();

export type CommandsConfig = z.infer<typeof commandsSchema>;
