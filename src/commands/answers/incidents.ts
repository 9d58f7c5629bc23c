import { translate } from "../../templating/i18n.js";
import type { Answer, CommandContext } from "../context.js";
import type { CommandName } from "../parse.js";
import { errorMessage, message } from "../reply.js";

/**
 * ack / rerun / set-success / stop <instance>: the same service as the instance message's buttons (same roles, one
 * operation in flight, audited). Typing the command is the confirmation a button asks for.
 */
export async function actOnIncident(
  c: CommandContext,
  name: Extract<CommandName, "ack" | "rerun" | "set-success" | "stop">,
  instanceId: string,
): Answer {
  const service = c.deps.incidents;
  if (!service) return { message: errorMessage(c.t, c.locale, c.t("error.noIncidents"), name) };
  const { event } = c;
  const reply = await service.act({
    request: name === "ack" ? "acknowledge" : name,
    instanceId,
    platform: event.adapter,
    user: event.user,
    // A typed command names the operation outright: no second question.
    confirmed: translate(
      c.deps.templates.messages,
      c.locale,
      `incident.button.${name === "ack" ? "acknowledge" : name}`,
    ),
    locale: c.locale,
  });
  if (!reply.ok) return { message: errorMessage(c.t, c.locale, reply.text, name) };
  const m = message(name, c.locale, reply.text, "success");
  m.context.push(c.t("instance", { instance: instanceId }));
  return { message: m };
}
