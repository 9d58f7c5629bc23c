import { audit, decide, pending } from "./answers/approvals.js";
import { recent, show } from "./answers/events.js";
import { help } from "./answers/help.js";
import { actOnIncident } from "./answers/incidents.js";
import { mute, mutes, unmute } from "./answers/mute.js";
import type { Answer, CommandContext } from "./context.js";
import type { Command } from "./parse.js";

/** Run a parsed, authorized command. */
export function execute(c: CommandContext, cmd: Command): Answer {
  switch (cmd.name) {
    case "recent":
      return recent(c, cmd.limit, cmd.filter);
    case "show":
      return show(c, cmd.eventId);
    case "pending":
      return pending(c);
    case "approve":
      return decide(c, cmd.approvalId, false);
    case "block":
      return decide(c, cmd.approvalId, true, cmd.reason);
    case "audit":
      return audit(c, cmd.limit, cmd.by);
    case "mute":
      return mute(c, cmd.filter, cmd.durationMs, cmd.reason);
    case "mutes":
      return mutes(c);
    case "unmute":
      return unmute(c, cmd.muteId);
    case "ack":
    case "rerun":
    case "set-success":
    case "stop":
      return actOnIncident(c, cmd.name, cmd.instanceId);
    case "help":
      return help(c, cmd.topic);
  }
}
