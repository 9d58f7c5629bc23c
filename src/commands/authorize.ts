import { groupsAt, isMember } from "../access/roles.js";
import type { CommandRole } from "../config/sections/commands.js";
import { chatAddress } from "../config/sections/destinations.js";
import type { Config } from "../config/schema.js";
import type { CommandEvent } from "../core/chat-adapter.js";
import type { CommandName } from "./parse.js";

/** The configured destination for the channel a command was typed in, if any. */
export function destinationFor(config: Readonly<Config>, adapter: string, channel?: string): string | undefined {
  if (!channel) return undefined;
  return Object.entries(config.destinations).find(([, d]) => d.platform === adapter && chatAddress(d) === channel)?.[0];
}

/** Commands are answered in commands.channels (destination names or channel ids), else in every destination's channel. */
export function channelAllowed(config: Readonly<Config>, ev: CommandEvent): boolean {
  if (ev.adapter === "console") return true;
  const listed = config.commands.channels ?? Object.keys(config.destinations);
  const dest = ev.destination ?? destinationFor(config, ev.adapter, ev.channel);
  return listed.some((entry) => {
    const d = config.destinations[entry];
    if (d)
      return entry === dest || (d.platform === ev.adapter && chatAddress(d) === ev.channel && ev.channel !== undefined);
    return ev.channel !== undefined && entry === ev.channel;
  });
}

/** Why this user may not run this command here (a command.refused.* key), or undefined when they may. */
export function refusal(
  config: Readonly<Config>,
  name: CommandName,
  ev: CommandEvent,
  now: number = Date.now(),
): string | undefined {
  if (name === "help") return undefined;
  if (!channelAllowed(config, ev)) return "channel";
  const roles = config.commands.roles;
  // In the role: listed on their platform, or a member of one of its groups (a rotation: on call now). Worked out
  // only for a command that needs a role (at most one check runs).
  const inRole = (role: CommandRole) => isMember(role, groupsAt(config, now), ev.adapter, ev.user.id);
  if ((name === "approve" || name === "block") && roles.decide && !inRole(roles.decide)) return "decide";
  if ((name === "mute" || name === "unmute") && !inRole(roles.mute)) return "mute";
  return undefined;
}
